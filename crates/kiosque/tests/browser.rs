//! The article page in a real browser (headless Chromium through
//! ChromeDriver) on a phone-sized window: the comment form works without
//! JavaScript, nothing overflows sideways, the keyboard reaches the content
//! first, and axe-core finds no WCAG 2.2 AA violation.
//!
//! Needs `KIOSQUE_TEST_CHROMEDRIVER` (and `KIOSQUE_TEST_AXE_JS` for the
//! accessibility check); `.ci/run` installs Debian's chromium and
//! chromium-driver and sets both.

mod common;

use std::process::Stdio;
use std::time::Duration;

use fantoccini::{Client, ClientBuilder, Locator};
use kiosque_core::ports::Store;
use kiosque_core::types::{CommentStatus, Role};
use kiosque_testkit::fixtures::french_article_source;
use kiosque_testkit::{Engine, TestApp, TestDb, external_tool};
use serde_json::json;
use tokio::process::{Child, Command};

const DRIVER_ENV: &str = "KIOSQUE_TEST_CHROMEDRIVER";
const AXE_ENV: &str = "KIOSQUE_TEST_AXE_JS";

/// A ChromeDriver process and a headless Chromium session, phone-sized.
struct Browser {
    client: Client,
    _driver: Child,
}

impl Browser {
    async fn start(driver: &std::path::Path) -> Browser {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let child = Command::new(driver)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .expect("start chromedriver");
        let profile = tempfile::tempdir().unwrap().keep();
        let mut caps = serde_json::Map::new();
        caps.insert(
            "goog:chromeOptions".into(),
            json!({
                "binary": std::env::var("KIOSQUE_TEST_CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into()),
                "args": [
                    "--headless=new", "--no-sandbox", "--disable-gpu",
                    "--disable-background-networking", "--disable-component-update",
                    "--disable-sync", "--no-first-run", "--disable-quic",
                    "--window-size=360,740",
                    format!("--user-data-dir={}", profile.display()),
                ],
                "mobileEmulation": { "deviceMetrics": { "width": 360, "height": 740, "pixelRatio": 2.0 } },
            }),
        );
        let url = format!("http://127.0.0.1:{port}");
        let mut last_error = None;
        for _ in 0..50 {
            match ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
                .capabilities(caps.clone())
                .connect(&url)
                .await
            {
                Ok(client) => {
                    return Browser {
                        client,
                        _driver: child,
                    };
                }
                Err(e) => last_error = Some(e),
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        panic!("could not start a browser session: {last_error:?}");
    }

    async fn js(&self, script: &str) -> serde_json::Value {
        self.client.execute(script, vec![]).await.expect(script)
    }

    /// Runs axe-core on the current page; panics listing any WCAG 2.2 A/AA
    /// violation. Does nothing when `KIOSQUE_TEST_AXE_JS` is not set.
    async fn assert_accessible(&self, what: &str) {
        let Some(axe) = external_tool(
            AXE_ENV,
            "Accessibility (axe-core)",
            ".ci/tools/node_modules/axe-core/axe.min.js",
        ) else {
            return;
        };
        let source = std::fs::read_to_string(axe).unwrap();
        self.js(&source).await;
        let result = self
            .client
            .execute_async(
                "const done = arguments[arguments.length - 1];
                 axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'] } })
                    .then(r => done(r.violations.map(v => ({ id: v.id, impact: v.impact, nodes: v.nodes.map(n => n.html) }))))
                    .catch(e => done([{ id: 'axe-error', nodes: [String(e)] }]));",
                vec![],
            )
            .await
            .unwrap();
        assert_eq!(result, json!([]), "accessibility violations on {what}");
    }

    /// Saves a screenshot under the target directory, for people to look at.
    async fn screenshot(&self, name: &str) {
        let png = self.client.screenshot().await.unwrap();
        let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("screenshots");
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join(format!("{name}.png")), png).unwrap();
    }

    /// Clicks a button and waits for the page it loads.
    async fn click_and_wait(&self, css: &str) {
        self.js("window.__kiosque_old_page = true; return null")
            .await;
        self.client
            .find(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("{css}: {e}"))
            .click()
            .await
            .unwrap();
        self.wait_for_new_page().await;
    }

    async fn wait_for_new_page(&self) {
        for _ in 0..100 {
            let loaded = self
                .js("return window.__kiosque_old_page === undefined && document.readyState === 'complete'")
                .await;
            if loaded == json!(true) {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("the click did not load a new page");
    }

    async fn fill(&self, id: &str, text: &str) {
        let field = self.client.find(Locator::Id(id)).await.expect(id);
        field.clear().await.unwrap();
        field.send_keys(text).await.unwrap();
    }

    /// Submits the comment form and waits until the next page has loaded
    /// (a click returns before the navigation it starts has finished).
    async fn submit(&self) {
        self.js("window.__kiosque_old_page = true; return null")
            .await;
        self.client
            .find(Locator::Css("form.comment-form button[type=submit]"))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
        for _ in 0..100 {
            let loaded = self
                .js("return window.__kiosque_old_page === undefined && document.readyState === 'complete'")
                .await;
            if loaded == json!(true) {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("the form submission did not load a new page");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reader_on_a_phone_reads_and_comments_without_javascript_problems() {
    let Some(driver) = external_tool(DRIVER_ENV, "Browser (Chromium)", "/usr/bin/chromedriver")
    else {
        return;
    };
    let db = TestDb::new(Engine::Sqlite).await.unwrap();
    let app = TestApp::french(db).await;
    let path = app
        .publish(
            &french_article_source("navigateur", Some("p.png")),
            Some(("p.png", &kiosque_media::demo_photo(6, 1200, 675, false))),
        )
        .await;
    let browser = Browser::start(&driver).await;
    let url = app.url(&path);
    browser.client.goto(&url).await.unwrap();

    // Nothing wider than the phone.
    let overflow = browser
        .js("return document.documentElement.scrollWidth - window.innerWidth")
        .await;
    assert!(
        overflow.as_i64().unwrap() <= 0,
        "horizontal overflow: {overflow}"
    );
    // The lead image decoded and was scaled to the screen.
    let img = browser
        .js("const i = document.querySelector('figure img'); return [i.complete && i.naturalWidth, i.getBoundingClientRect().width]")
        .await;
    assert_eq!(img[0], 1200, "{img}");
    assert!(img[1].as_f64().unwrap() <= 360.0, "{img}");
    // The first Tab reaches the skip link.
    browser
        .client
        .find(Locator::Css("body"))
        .await
        .unwrap()
        .send_keys("\u{E004}")
        .await
        .unwrap();
    let focused = browser.js("return document.activeElement.className").await;
    assert_eq!(focused, "skip");

    browser.screenshot("article-360").await;

    // A comment without an e-mail comes back with the message and the text.
    browser.fill("comment", "Merci pour cet éclairage.").await;
    browser.fill("name", "Awa").await;
    browser.submit().await;
    let body = browser.client.source().await.unwrap();
    assert!(body.contains("Ce champ est obligatoire."), "{body}");
    let kept = browser
        .js("return document.getElementById('comment').value")
        .await;
    assert_eq!(kept, "Merci pour cet éclairage.");
    assert_eq!(
        browser
            .js("return document.getElementById('name').value")
            .await,
        "Awa"
    );

    // With the e-mail, it is taken and awaits moderation.
    browser.fill("email", "awa@example.org").await;
    browser.submit().await;
    let now = browser.client.current_url().await.unwrap();
    assert_eq!(
        now.query(),
        Some("moderation=pending"),
        "at {now}: {}",
        browser.client.source().await.unwrap()
    );
    let notice = browser
        .client
        .find(Locator::Id("comment-notice"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(notice.contains("après modération"), "{notice}");
    assert_eq!(
        app.store
            .comments_with_status(CommentStatus::Pending)
            .await
            .unwrap()
            .len(),
        1
    );

    browser.client.goto(&url).await.unwrap();
    browser.assert_accessible(&url).await;
    browser.client.close().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_editor_signs_in_and_approves_a_comment_from_a_phone() {
    let Some(driver) = external_tool(DRIVER_ENV, "Browser (Chromium)", "/usr/bin/chromedriver")
    else {
        return;
    };
    let db = TestDb::new(Engine::Sqlite).await.unwrap();
    let app = TestApp::french(db).await;
    let path = app
        .publish(&french_article_source("moderation", None), None)
        .await;
    app.post_form(
        &format!("{path}comments"),
        &[
            ("comment", "Bravo à la rédaction."),
            ("name", "Mariam"),
            ("email", "mariam@example.org"),
        ],
    )
    .await;
    app.create_user(
        "editrice@example.org",
        Role::Editor,
        "un mot de passe solide",
    )
    .await;
    let browser = Browser::start(&driver).await;

    browser
        .client
        .goto(&app.url("/admin/comments"))
        .await
        .unwrap();
    assert!(
        browser.client.current_url().await.unwrap().path() == "/admin/login",
        "sent to sign in first"
    );
    browser.assert_accessible("the sign-in page").await;
    browser.fill("email", "editrice@example.org").await;
    browser.fill("password", "un mot de passe solide").await;
    browser
        .click_and_wait("form.login button[type=submit]")
        .await;
    let here = browser.client.current_url().await.unwrap();
    assert_eq!(
        here.path(),
        "/admin/comments",
        "brought back where it was going"
    );
    browser.screenshot("admin-queue-360").await;
    browser.assert_accessible("the moderation queue").await;
    let overflow = browser
        .js("return document.documentElement.scrollWidth - window.innerWidth")
        .await;
    assert!(
        overflow.as_i64().unwrap() <= 0,
        "horizontal overflow: {overflow}"
    );

    browser
        .click_and_wait("button[name=single][value^='approve:']")
        .await;
    let notice = browser
        .client
        .find(Locator::Css("p.notice"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(notice, "1 commentaire traité.");

    for page in ["/admin/", "/admin/articles", "/admin/articles/new"] {
        browser.client.goto(&app.url(page)).await.unwrap();
        browser.assert_accessible(page).await;
    }
    browser.screenshot("admin-editor-360").await;
    browser.client.goto(&app.url(&path)).await.unwrap();
    let page = browser.client.source().await.unwrap();
    assert!(page.contains("Bravo à la rédaction."));
    assert!(!page.contains("mariam@example.org"));

    browser.client.goto(&app.url("/admin/")).await.unwrap();
    browser.click_and_wait("form.logout button").await;
    assert_eq!(
        browser.client.current_url().await.unwrap().path(),
        "/admin/login"
    );
    browser.client.close().await.unwrap();
}
