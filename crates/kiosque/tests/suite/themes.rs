//! A theme directory over HTTP: the example theme in `themes/lagune`
//! adds a stylesheet (linked through `theme_head.html`, fingerprinted),
//! replaces a built-in asset (the icon) and a template (the error page),
//! and the built-ins stay the fallback; a theme with a broken template
//! stops `kiosque serve` at start, naming the file and the line.

use std::path::PathBuf;

use kiosque_testkit::fixtures::french_article_source;
use kiosque_testkit::{Engine, TestApp, TestDb};

fn example_theme() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../themes/lagune")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_example_theme_overrides_file_by_file() {
    let db = TestDb::new(Engine::Sqlite).await.unwrap();
    let app = TestApp::start(db, kiosque_core::types::Locale::Fr, |s| {
        s.web.theme_dir = Some(example_theme());
    })
    .await;
    let path = app
        .publish(&french_article_source("theme", None), None)
        .await;
    let (_, page) = app.page(&path).await;
    // The built-in stylesheet, then the theme's, each under a hashed name.
    let css = |page: &str, name: &str| -> String {
        let at = page
            .find(&format!("href=\"/assets/{name}."))
            .unwrap_or_else(|| panic!("{name} in {page}"));
        let rest = &page[at + 6..];
        rest[..rest.find('"').unwrap()].to_owned()
    };
    let site_css = css(&page, "site");
    let theme_css = css(&page, "lagune");
    assert!(page.find(&site_css) < page.find(&theme_css));
    let r = app.get(&theme_css).await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "text/css; charset=utf-8");
    assert_eq!(
        r.headers()["cache-control"],
        "public, max-age=31536000, immutable"
    );
    let served = r.text().await.unwrap();
    let file = std::fs::read_to_string(example_theme().join("assets/lagune.css")).unwrap();
    assert_eq!(served, file);
    // A built-in asset replaced: the icon is the theme's, at its own hash.
    let icon = css(&page, "icon");
    let r = app.get(&icon).await;
    assert_eq!(r.headers()["content-type"], "image/svg+xml");
    let served = r.text().await.unwrap();
    assert!(served.contains("#0b5394"), "{served}");
    // A built-in template replaced; the others are the built-ins.
    let (status, missing) = app.page("/nulle-part/").await;
    assert_eq!(status, 404);
    assert!(
        missing.contains("<div class=\"lagune-error\">"),
        "{missing}"
    );
    assert!(page.contains("<h2 id=\"comments-title\">Laisser un commentaire</h2>"));
    // The built-in stylesheet is still served.
    assert_eq!(app.get(&site_css).await.status(), 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_broken_theme_stops_serve_at_start_with_its_file_and_line() {
    let db = TestDb::new(Engine::Sqlite).await.unwrap();
    let app = TestApp::french(db).await;
    let data = app.settings.data_dir.clone();
    let theme = data.join("broken-theme");
    std::fs::create_dir_all(theme.join("templates")).unwrap();
    // `{{ title }` is not closed: line 3.
    std::fs::write(
        theme.join("templates/page.html"),
        "{% extends \"base.html\" %}\n{% block main %}\n<h1>{{ title }</h1>\n{% endblock %}\n",
    )
    .unwrap();
    // `kiosque serve` with this theme folder named in the file: refused.
    let config = data.join("kiosque.toml");
    let refusal = |dir: &'static str| {
        let (app, config) = (&app, &config);
        async move {
            std::fs::write(config, format!("[theme]\ndir = \"{dir}\"\n")).unwrap();
            let args = ["serve", "--listen", "127.0.0.1:0"].map(std::ffi::OsStr::new);
            crate::common::failed(&crate::common::kiosque_on(app, &args).await)
        }
    };
    // A folder named in the file must exist.
    let err = refusal("no-such-theme").await;
    assert!(err.contains("no-such-theme is not a directory"), "{err}");
    let err = refusal("broken-theme").await;
    assert!(
        err.contains("broken-theme/templates/page.html, line 3"),
        "{err}"
    );
}
