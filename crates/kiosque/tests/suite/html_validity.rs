//! Every kind of public page is valid HTML5, checked by the Nu HTML Checker
//! (vnu.jar, the W3C's validator). Needs Java and `KIOSQUE_TEST_VNU_JAR`;
//! `.ci/run` provides both.

use std::process::Command;

use kiosque_core::ports::Store;
use kiosque_core::types::{CommentStatus, Locale, Role};
use kiosque_testkit::fixtures::french_article_source;
use kiosque_testkit::{Engine, TestApp, TestDb, external_tool};

const VNU_ENV: &str = "KIOSQUE_TEST_VNU_JAR";

/// Fetches every kind of page a reader can meet, in this language.
async fn pages(language: Locale) -> Vec<(String, String)> {
    let db = TestDb::new(Engine::Sqlite).await.unwrap();
    // A mail server is named (nothing is sent: only pages are read), so
    // the newsletter pages and the footer's form are drawn.
    let app = TestApp::start(db, language, |s| {
        s.web.per_page = 1;
        s.smtp = Some(kiosque::config::SmtpSettings {
            host: "127.0.0.1".into(),
            port: 9,
            security: kiosque::config::SmtpSecurity::None,
            username: None,
            password: None,
            from: "Lettres <lettres@news.example.org>".into(),
        });
    })
    .await;
    {
        use kiosque_core::ports::Newsletters;
        for (name, kind) in [
            (
                "L'essentiel du matin",
                kiosque_core::model::ListKind::Digest,
            ),
            ("Alertes", kiosque_core::model::ListKind::Alerts),
        ] {
            app.store
                .create_newsletter_list(
                    &kiosque_core::model::ListSettings {
                        name: name.to_owned(),
                        description: "Une phrase pour choisir.".to_owned(),
                        kind,
                        schedule: kiosque_core::model::Schedule::DAILY_MORNING,
                        section_id: None,
                        sender_name: String::new(),
                        active: true,
                    },
                    chrono::Utc::now(),
                )
                .await
                .unwrap();
        }
    }
    let path = app
        .publish(
            &french_article_source("valide", Some("p.png")),
            Some(("p.png", &kiosque_media::demo_photo(4, 800, 450, false))),
        )
        .await;
    // The page with `<picture>` and its copies, as readers mostly get it.
    app.wait_for_copies("valide").await;
    app.publish(
        &french_article_source("second", None).replace("2024-11-01", "2024-10-01"),
        None,
    )
    .await;
    // A header menu with a sub-menu, and a footer link.
    use kiosque_core::model::{MenuItemDraft, MenuPlace, MenuTarget};
    let section = app
        .store
        .terms(kiosque_core::model::TermKind::Category)
        .await
        .unwrap()[0]
        .id;
    let item = |place, parent_id, target| MenuItemDraft {
        place,
        parent_id,
        label: Some("Lien".into()),
        target,
    };
    let top = app
        .store
        .add_menu_item(&item(MenuPlace::Header, None, MenuTarget::Section(section)))
        .await
        .unwrap();
    for (place, parent) in [(MenuPlace::Header, Some(top)), (MenuPlace::Footer, None)] {
        app.store
            .add_menu_item(&item(place, parent, MenuTarget::Link("/2024/".into())))
            .await
            .unwrap();
    }
    // The section under another: a breadcrumb on its page, and the
    // parent's page with its sub-sections.
    {
        use kiosque_core::ports::Imports;
        let monde = app
            .store
            .create_term(
                kiosque_core::model::TermKind::Category,
                &kiosque_core::types::Slug::parse("monde").unwrap(),
                "Monde",
            )
            .await
            .unwrap();
        app.store
            .set_category_parent(section, Some(monde))
            .await
            .unwrap();
    }
    // A photo story: a gallery and embeds.
    let photos = crate::story_formats::three_photos(&app).await;
    let story = app
        .publish(
            &crate::story_formats::photo_story("en-images", &photos),
            None,
        )
        .await;
    // A front page with a lead, a pin and a section block; a tagline and
    // a breaking-news banner on every page.
    app.store.set_front_pins(&[3, 1]).await.unwrap();
    app.store.set_front_sections(&[(section, 2)]).await.unwrap();
    let mut site = app.store.site().await.unwrap().unwrap();
    site.tagline = "L'actualité africaine et internationale, en continu".into();
    site.banner = Some(kiosque_core::model::Banner {
        text: "Élections : les résultats à 20 heures".into(),
        url: Some("/2024/".into()),
        until: None,
    });
    app.save_site(&site).await;
    let form = |comment: &'static str, parent: Option<String>| {
        let mut f = vec![
            ("comment".to_owned(), comment.to_owned()),
            ("name".to_owned(), "Kofi".to_owned()),
            ("email".to_owned(), "kofi@example.org".to_owned()),
            ("url".to_owned(), "https://kofi.example.org".to_owned()),
        ];
        if let Some(p) = parent {
            f.push(("parent".to_owned(), p));
        }
        f
    };
    let post = |fields: Vec<(String, String)>| {
        let url = app.url(&format!("{path}comments"));
        let origin = format!("http://{}", app.addr);
        let client = app.client.clone();
        async move {
            client
                .post(url)
                .header("origin", origin)
                .form(&fields)
                .send()
                .await
                .unwrap()
        }
    };
    post(form(
        "Premier <b>avis</b>, voir https://example.org.\nDeux lignes.",
        None,
    ))
    .await;
    app.approve_pending().await;
    let first = app
        .store
        .comments_with_status(CommentStatus::Approved)
        .await
        .unwrap()[0]
        .comment
        .id;
    post(form("Une réponse.", Some(first.to_string()))).await;
    app.approve_pending().await;
    // Search pages with results need the index to have caught up.
    let started = std::time::Instant::now();
    while app.page("/search?q=lavrov&page=2").await.0 != 200 {
        assert!(started.elapsed() < std::time::Duration::from_secs(10));
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
    let mut out = Vec::new();
    for p in [
        path.clone(),
        story,
        "/search".to_owned(),
        "/search?q=lavrov&category=international&from=2024-01-01".to_owned(),
        "/search?q=lavrov&page=2".to_owned(),
        "/search?q=%22introuvable".to_owned(),
        format!("{path}?replytocom={first}"),
        format!("{path}?moderation=pending"),
        "/".to_owned(),
        "/page/2/".to_owned(),
        "/category/international/".to_owned(),
        "/category/monde/".to_owned(),
        "/2024/11/".to_owned(),
        "/tag/coree-du-nord/".to_owned(),
        "/author/gaelle-villeneuve/".to_owned(),
        "/absent/".to_owned(),
        "/api/v1/docs".to_owned(),
        "/newsletter/".to_owned(),
        "/newsletter/?sent=1&email=ana%40example.org".to_owned(),
        "/newsletter/confirm/c.1.0.00".to_owned(),
    ] {
        out.push((p.clone(), app.page(&p).await.1));
    }
    out.push(("/admin/login".to_owned(), app.page("/admin/login").await.1));
    out.push((
        "/admin/password-reset".to_owned(),
        app.page("/admin/password-reset").await.1,
    ));
    out.push((
        "expired reset link".to_owned(),
        app.page("/admin/password-reset/expired").await.1,
    ));
    let (_, failed) = app.sign_in("nobody@example.org", "wrong password").await;
    out.push(("failed sign-in".to_owned(), failed.text().await.unwrap()));
    post(form("En attente de modération.", None)).await;
    let admin = app.newsroom("admin@example.org", Role::Administrator).await;
    // A second save of article 1, so its revisions can be compared.
    let one = app.store.article(1).await.unwrap().unwrap();
    let v = one.version.to_string();
    let saved = admin
        .post(
            "/admin/articles/1/edit",
            &[
                ("title", "Titre changé"),
                ("slug", "valide"),
                ("body", "Texte <changé> & « revu »."),
                ("article_type", "analysis"),
                ("sources", "AFP\nRapport | https://example.org/r"),
                ("correction", "Une date corrigée."),
                ("status", "published"),
                ("version", v.as_str()),
            ],
        )
        .await;
    assert_eq!(saved.status(), 303);
    let editor_form = admin
        .post(
            "/admin/articles/new",
            &[("title", ""), ("body", ""), ("status", "draft")],
        )
        .await;
    out.push(("422 editor".to_owned(), editor_form.text().await.unwrap()));
    let bad_user = admin
        .post(
            "/admin/users",
            &[("name", ""), ("email", "x"), ("role", "author")],
        )
        .await;
    out.push(("422 users".to_owned(), bad_user.text().await.unwrap()));
    // Newsletters: the lists, a refused list, one list with its next
    // digest, the preview, the subscribers, an alert's confirmation.
    let bad_list = admin
        .post("/admin/newsletters", &[("name", ""), ("kind", "digest")])
        .await;
    assert_eq!(bad_list.status(), 422);
    out.push(("422 newsletters".to_owned(), bad_list.text().await.unwrap()));
    for page in [
        "/admin/newsletters",
        "/admin/newsletters/1",
        "/admin/newsletters/2/preview",
        "/admin/newsletters/subscribers",
        "/admin/newsletters/alert/1",
    ] {
        let (status, body) = admin.page(page).await;
        assert_eq!(status, 200, "{page}");
        out.push((page.to_owned(), body));
    }
    // Webhooks: a refused address, a registration (with its secret), its log.
    let bad_hook = admin
        .post(
            "/admin/webhooks",
            &[("url", "http://10.0.0.1/"), ("description", "Intranet")],
        )
        .await;
    assert_eq!(bad_hook.status(), 422);
    out.push(("422 webhooks".to_owned(), bad_hook.text().await.unwrap()));
    let hook = admin
        .post(
            "/admin/webhooks",
            &[
                ("url", "https://hooks.example.org/kiosque"),
                ("events", "article.published"),
                ("events", "page.published"),
            ],
        )
        .await;
    assert_eq!(hook.status(), 201);
    out.push(("201 webhooks".to_owned(), hook.text().await.unwrap()));
    // Keys and passwords for the WordPress and Ghost APIs, shown once.
    let key = admin
        .post("/admin/content-keys", &[("name", "Front-end")])
        .await;
    assert_eq!(key.status(), 201);
    out.push(("201 content keys".to_owned(), key.text().await.unwrap()));
    let app_password = admin
        .post("/admin/account/app-passwords", &[("name", "Appli")])
        .await;
    assert_eq!(app_password.status(), 201);
    out.push((
        "201 app password".to_owned(),
        app_password.text().await.unwrap(),
    ));
    let taken = admin
        .post("/admin/sections", &[("name", "International")])
        .await;
    assert_eq!(taken.status(), 409);
    out.push(("409 sections".to_owned(), taken.text().await.unwrap()));
    let confirm = admin
        .post("/admin/sections/1", &[("action", "delete")])
        .await;
    assert_eq!(confirm.status(), 200);
    out.push(("confirm deletion".to_owned(), confirm.text().await.unwrap()));
    // Pages in the menu and footer; a refused page form.
    for (title, link) in [("À propos", "in_menu"), ("Charte éthique", "in_footer")] {
        let r = admin
            .post(
                "/admin/pages/new",
                &[
                    ("title", title),
                    ("body", "Un *texte*."),
                    (link, "on"),
                    ("action", "save"),
                ],
            )
            .await;
        assert_eq!(r.status(), 303);
    }
    let refused = admin
        .post("/admin/pages/new", &[("title", ""), ("action", "save")])
        .await;
    assert_eq!(refused.status(), 422);
    out.push(("422 page".to_owned(), refused.text().await.unwrap()));
    for p in ["/a-propos/", "/charte-ethique/"] {
        out.push((p.to_owned(), app.page(p).await.1));
    }
    // A logo and a portrait, so the pages that show them are checked too.
    let png = || Some(("i.png", kiosque_media::demo_photo(2, 120, 60, false)));
    let logo = admin.upload("/admin/settings/logo", &[], png()).await;
    assert_eq!(logo.status(), 303);
    let portrait = admin.upload("/admin/authors/1/photo", &[], png()).await;
    assert_eq!(portrait.status(), 303);
    for p in ["/", "/author/gaelle-villeneuve/"] {
        out.push((format!("{p} with images"), app.page(p).await.1));
    }
    for p in [
        "/admin/",
        "/admin/articles",
        "/admin/articles/new",
        "/admin/articles/1/edit",
        "/admin/articles/1/revisions",
        "/admin/articles/1/revisions?compare=1",
        "/admin/articles/3/edit",
        "/admin/articles/3/gallery?n=1",
        "/admin/articles/1/gallery",
        "/admin/articles?status=draft&q=nothing",
        "/admin/comments",
        "/admin/settings",
        "/admin/users",
        "/admin/account",
        "/admin/account/totp",
        "/admin/authors",
        "/admin/authors/1",
        "/admin/sections",
        "/admin/tags",
        "/admin/pages",
        "/admin/pages/new",
        "/admin/pages/1",
        "/admin/menus",
        "/admin/front",
        "/admin/media",
        "/admin/media/1",
        "/admin/media?q=rien",
        "/admin/comments?status=approved&done=2",
        "/admin/comments?status=trash",
        "/admin/webhooks",
        "/admin/webhooks/1",
        "/admin/content-keys",
    ] {
        out.push((p.to_owned(), admin.page(p).await.1));
    }
    // The article again, now with a type label, sources and a correction.
    out.push(("edited article".to_owned(), app.page(&path).await.1));
    let invalid = post(vec![("comment".to_owned(), "Sans nom".to_owned())]).await;
    assert_eq!(invalid.status(), 422);
    out.push(("422 form".to_owned(), invalid.text().await.unwrap()));
    let css_path = out[0]
        .1
        .split("rel=\"stylesheet\" href=\"")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .unwrap()
        .to_owned();
    out.push(("site.css".to_owned(), app.page(&css_path).await.1));
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_public_page_is_valid_html5() {
    let Some(vnu) = external_tool(
        VNU_ENV,
        "HTML validity (Nu HTML Checker)",
        ".ci/tools/node_modules/vnu-jar/build/dist/vnu.jar",
    ) else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let mut files = Vec::new();
    for language in [Locale::Fr, Locale::En] {
        let pages = pages(language).await;
        for (i, (name, body)) in pages.iter().enumerate() {
            let ext = if name.ends_with(".css") {
                "css"
            } else {
                "html"
            };
            let file = dir.path().join(format!("{language}-{i}.{ext}"));
            std::fs::write(&file, body).unwrap();
            files.push((file, name.clone()));
        }
    }
    let out = Command::new("java")
        .arg("-jar")
        .arg(&vnu)
        .args(["--errors-only", "--also-check-css", "--format", "gnu"])
        .args(files.iter().map(|(f, _)| f))
        .output()
        .expect("run java -jar vnu.jar (is Java installed?)");
    let report =
        String::from_utf8_lossy(&out.stderr).to_string() + &String::from_utf8_lossy(&out.stdout);
    let mut named = report.clone();
    for (file, page) in &files {
        named = named.replace(
            &file.display().to_string(),
            &format!("{} [{page}]", file.display()),
        );
    }
    assert!(
        out.status.success() && report.trim().is_empty(),
        "invalid HTML:\n{named}"
    );
}
