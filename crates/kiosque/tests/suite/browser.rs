//! The article page in a real browser (headless Chromium through
//! ChromeDriver) on a phone-sized window: the comment form works without
//! JavaScript, nothing overflows sideways, the keyboard reaches the content
//! first, and axe-core finds no WCAG 2.2 AA violation.
//!
//! Needs `KIOSQUE_TEST_CHROMEDRIVER` (and `KIOSQUE_TEST_AXE_JS` for the
//! accessibility check); `.ci/run` installs Debian's chromium and
//! chromium-driver and sets both.

use std::process::Stdio;
use std::time::Duration;

use fantoccini::{Client, ClientBuilder, Locator};
use kiosque_core::ports::Store;
use kiosque_core::types::{CommentStatus, Role};
use kiosque_testkit::fixtures::french_article_source;
use kiosque_testkit::{Engine, TestApp, TestDb, external_tool};
use serde_json::json;
use tokio::process::{Child, Command};

pub(crate) const DRIVER_ENV: &str = "KIOSQUE_TEST_CHROMEDRIVER";
const AXE_ENV: &str = "KIOSQUE_TEST_AXE_JS";

/// A ChromeDriver process and a headless Chromium session, phone-sized.
pub(crate) struct Browser {
    pub(crate) client: Client,
    _driver: Child,
}

impl Browser {
    pub(crate) async fn start(driver: &std::path::Path) -> Browser {
        Browser::start_with(driver, &[]).await
    }

    /// A browser with more command-line switches (a proxy, say).
    pub(crate) async fn start_with(driver: &std::path::Path, extra: &[String]) -> Browser {
        // A phone unless `KIOSQUE_SCREENSHOT_DESKTOP` asks for a desktop
        // window (how the desktop screenshots in docs/ are made).
        let size = if std::env::var_os("KIOSQUE_SCREENSHOT_DESKTOP").is_some() {
            (1280, 900)
        } else {
            (360, 740)
        };
        Browser::start_sized(driver, extra, size).await
    }

    /// A browser of a given window size.
    pub(crate) async fn start_sized(
        driver: &std::path::Path,
        extra: &[String],
        (width, height): (u32, u32),
    ) -> Browser {
        let port = kiosque_testkit::free_port();
        let child = Command::new(driver)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .expect("start chromedriver");
        let profile = tempfile::tempdir().unwrap().keep();
        let mut args: Vec<String> = [
            "--headless=new",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--disable-quic",
        ]
        .map(String::from)
        .to_vec();
        args.push(format!("--window-size={width},{height}"));
        args.push(format!("--user-data-dir={}", profile.display()));
        args.extend_from_slice(extra);
        let mut caps = serde_json::Map::new();
        caps.insert(
            "goog:chromeOptions".into(),
            json!({
                "binary": std::env::var("KIOSQUE_TEST_CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into()),
                "args": args,
                // The page's own network events, read by tests that
                // check what a page fetched (`Browser::page_requests`).
                "perfLoggingPrefs": { "enableNetwork": true, "enablePage": false },
                "mobileEmulation": { "deviceMetrics": { "width": width, "height": height, "pixelRatio": if width < 600 { 2.0 } else { 1.0 } } },
            }),
        );
        caps.insert(
            "goog:loggingPrefs".into(),
            json!({ "performance": "ALL", "browser": "ALL" }),
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

    /// The addresses the pages asked for since the last call (the
    /// DevTools network events ChromeDriver logs: the page's requests, not
    /// the browser's own).
    pub(crate) async fn page_requests(&self) -> Vec<String> {
        let entries = self
            .client
            .issue_cmd(ChromeDriverPost::log("performance"))
            .await
            .expect("performance log");
        let mut out = Vec::new();
        for entry in entries.as_array().into_iter().flatten() {
            let Some(message) = entry["message"].as_str() else {
                continue;
            };
            let event: serde_json::Value = serde_json::from_str(message).unwrap_or_default();
            if event["message"]["method"] == "Network.requestWillBeSent"
                && let Some(url) = event["message"]["params"]["request"]["url"].as_str()
            {
                out.push(url.to_owned());
            }
        }
        out
    }

    /// Asserts that nothing is wider than the window (no sideways scroll).
    pub(crate) async fn assert_no_sideways_scroll(&self) {
        let overflow = self
            .js("return document.documentElement.scrollWidth - window.innerWidth")
            .await;
        assert!(
            overflow.as_i64().unwrap() <= 0,
            "sideways scroll: {overflow}"
        );
    }

    pub(crate) async fn js(&self, script: &str) -> serde_json::Value {
        self.client.execute(script, vec![]).await.expect(script)
    }

    /// Runs axe-core on the current page; panics listing any WCAG 2.2 A/AA
    /// violation. Does nothing when `KIOSQUE_TEST_AXE_JS` is not set.
    pub(crate) async fn assert_accessible(&self, what: &str) {
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

    /// Saves a screenshot for people to look at: under the target directory,
    /// or in `KIOSQUE_SCREENSHOTS` when set (how docs/screenshots/ is made).
    pub(crate) async fn screenshot(&self, name: &str) {
        let png = self.client.screenshot().await.unwrap();
        let dir = std::env::var_os("KIOSQUE_SCREENSHOTS")
            .map(std::path::PathBuf::from)
            .unwrap_or_else(|| {
                std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("screenshots")
            });
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join(format!("{name}.png")), png).unwrap();
    }

    /// Clicks a button and waits for the page it loads.
    pub(crate) async fn click_and_wait(&self, css: &str) {
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

    pub(crate) async fn wait_for_new_page(&self) {
        // Up to 15 s: CI's two cores run the whole suite beside the browser.
        for _ in 0..300 {
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

    pub(crate) async fn fill(&self, id: &str, text: &str) {
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

/// A POST to one of ChromeDriver's own endpoints, outside the W3C
/// protocol (so fantoccini has no call for it): its path under the session
/// and its JSON body.
#[derive(Debug)]
pub(crate) struct ChromeDriverPost(pub(crate) &'static str, pub(crate) serde_json::Value);

impl ChromeDriverPost {
    /// The log since the last call: `performance` (DevTools events) or
    /// `browser` (the console).
    pub(crate) fn log(kind: &str) -> ChromeDriverPost {
        ChromeDriverPost("se/log", json!({ "type": kind }))
    }

    /// A DevTools protocol command, run on the current page.
    pub(crate) fn devtools(cmd: &str, params: serde_json::Value) -> ChromeDriverPost {
        ChromeDriverPost("goog/cdp/execute", json!({ "cmd": cmd, "params": params }))
    }
}

impl fantoccini::wd::WebDriverCompatibleCommand for ChromeDriverPost {
    fn endpoint(
        &self,
        base_url: &url::Url,
        session_id: Option<&str>,
    ) -> Result<url::Url, url::ParseError> {
        base_url.join(&format!(
            "session/{}/{}",
            session_id.unwrap_or_default(),
            self.0
        ))
    }

    fn method_and_body(&self, _: &url::Url) -> (axum::http::Method, Option<String>) {
        (axum::http::Method::POST, Some(self.1.to_string()))
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
    browser.assert_no_sideways_scroll().await;
    // The lead image decoded and was scaled to the screen.
    let img = browser
        .js("const i = document.querySelector('figure img'); return [i.complete && i.naturalWidth, i.getBoundingClientRect().width]")
        .await;
    // (Its natural width depends on which copy was chosen, if the media
    // worker has already made them.)
    assert!(img[0].as_u64().unwrap() > 0, "{img}");
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

    // The share block, enhanced: the phone's share sheet only where the
    // browser has one, and "copy link" copying the article's address.
    let native_matches = browser
        .js("return document.querySelector('.share-native').hidden === !('share' in navigator);")
        .await;
    assert_eq!(native_matches, serde_json::json!(true));
    browser
        .js(
            "navigator.clipboard.writeText = function (t) { window.copied = t; return Promise.resolve(); }; return null;",
        )
        .await;
    browser
        .client
        .find(Locator::Css(".share-copy"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let started = std::time::Instant::now();
    loop {
        let state = browser
            .js("return [document.querySelector('.share-status').textContent, window.copied || ''];")
            .await;
        if state[0] == "Lien copié." {
            assert!(
                state[1].as_str().unwrap().ends_with("/2024/11/navigateur/"),
                "{state}"
            );
            break;
        }
        assert!(started.elapsed() < Duration::from_secs(5), "{state}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

    // The search form in the header, used from the keyboard.
    let field = browser
        .client
        .find(Locator::Id("site-search"))
        .await
        .unwrap();
    field.send_keys("coree du nord\u{E007}").await.unwrap();
    let started = std::time::Instant::now();
    loop {
        let current = browser.client.current_url().await.unwrap();
        let source = browser.client.source().await.unwrap();
        if current.path() == "/search" && source.contains("<mark>Corée</mark>") {
            break;
        }
        assert!(started.elapsed() < Duration::from_secs(10), "{current}");
        tokio::time::sleep(Duration::from_millis(100)).await;
        if current.path() == "/search" {
            browser.client.refresh().await.unwrap();
        }
    }
    browser.assert_accessible("search results").await;
    browser.client.close().await.unwrap();
}

/// An image dropped on the library's form, then one pasted: both land in
/// the form's file field and upload like a picked file.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn images_can_be_dropped_or_pasted_into_the_library() {
    let Some(driver) = external_tool(DRIVER_ENV, "Browser (Chromium)", "/usr/bin/chromedriver")
    else {
        return;
    };
    let db = TestDb::new(Engine::Sqlite).await.unwrap();
    let app = TestApp::french(db).await;
    let password = "un mot de passe solide";
    app.create_user("auteur@example.org", Role::Author, password)
        .await;
    let browser = Browser::start(&driver).await;
    browser.sign_in(&app, "auteur@example.org", password).await;
    // A picture drawn in the page, handed over as a drop, then as a paste.
    let hand_over = |event: &str| {
        format!(
            "const done = arguments[arguments.length - 1];
             const canvas = document.createElement('canvas');
             canvas.width = 120; canvas.height = 80;
             const g = canvas.getContext('2d');
             g.fillStyle = '#2a6f97'; g.fillRect(0, 0, 120, 80);
             canvas.toBlob(blob => {{ try {{
               const file = new File([blob], 'capture.png', {{ type: 'image/png' }});
               const data = new DataTransfer();
               data.items.add(file);
               const form = document.querySelector('form[action=\"/admin/media\"][method=post]');
               if ('{event}' === 'drop') {{
                 form.dispatchEvent(new DragEvent('drop', {{ dataTransfer: data, bubbles: true, cancelable: true }}));
               }} else {{
                 document.getElementById('media-file').focus();
                 document.dispatchEvent(new ClipboardEvent('paste', {{ clipboardData: data, bubbles: true, cancelable: true }}));
               }}
               const input = document.getElementById('media-file');
               done([input.files.length, input.files.length ? input.files[0].name : '',
                     document.querySelector('.drop-status').textContent]);
             }} catch (e) {{ done([0, String(e), '']); }} }}, 'image/png');"
        )
    };
    for event in ["drop", "paste"] {
        browser.client.goto(&app.url("/admin/media")).await.unwrap();
        let chosen = browser
            .client
            .execute_async(&hand_over(event), vec![])
            .await
            .unwrap();
        assert_eq!(chosen[0], 1, "{event}: {chosen}");
        assert_eq!(chosen[1], "capture.png", "{event}");
        assert!(
            chosen[2].as_str().unwrap().contains("capture.png"),
            "{event}: the choice is announced: {chosen}"
        );
        browser
            .click_and_wait("form[action='/admin/media'][method=post] button[type=submit]")
            .await;
        let url = browser.client.current_url().await.unwrap();
        assert!(url.path().starts_with("/admin/media/"), "{event}: {url}");
        assert!(
            browser
                .client
                .source()
                .await
                .unwrap()
                .contains("capture.png"),
            "{event}"
        );
    }
    let library = app
        .store
        .media_library(
            "capture",
            kiosque_core::model::PageRequest {
                number: 1,
                per_page: 10,
            },
        )
        .await
        .unwrap();
    // The same pixels twice: one file, content-addressed.
    assert_eq!(library.total, 1);
    assert_eq!(
        (library.items[0].asset.width, library.items[0].asset.height),
        (120, 80)
    );
    browser.client.close().await.unwrap();
}

/// What a phone downloads for the reference article with a camera-sized
/// photo, once its copies exist: the budget is 120 KB in all.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_reference_article_weighs_under_120_kb_on_a_phone() {
    let Some(driver) = external_tool(DRIVER_ENV, "Browser (Chromium)", "/usr/bin/chromedriver")
    else {
        return;
    };
    let db = TestDb::new(Engine::Sqlite).await.unwrap();
    let app = TestApp::french(db).await;
    // 12 megapixels, grainy like a real photo: about 4 MB as the camera wrote it.
    let photo = kiosque_media::photo_like(11, 4000, 3000);
    let path = app
        .publish(
            &french_article_source("poids", Some("photo.jpg")),
            Some(("photo.jpg", &photo)),
        )
        .await;
    app.wait_for_copies("poids").await;
    let browser = Browser::start(&driver).await;
    browser.client.goto(&app.url(&path)).await.unwrap();
    let weights = browser
        .js("const nav = performance.getEntriesByType('navigation')[0];
             const res = performance.getEntriesByType('resource');
             const img = document.querySelector('figure img');
             return { page: nav.transferSize,
                      parts: res.map(r => [r.name, r.transferSize]),
                      total: nav.transferSize + res.reduce((s, r) => s + r.transferSize, 0),
                      image: img.currentSrc, shown: img.getBoundingClientRect().width,
                      complete: img.complete && img.naturalWidth };")
        .await;
    let total = weights["total"].as_u64().unwrap();
    eprintln!(
        "reference article on a 360-px phone (density 2): {total} bytes transferred \
         (original photo {} bytes); {weights}",
        photo.len()
    );
    assert!(weights["complete"].as_u64().unwrap() > 0, "{weights}");
    assert!(
        weights["image"].as_str().unwrap().ends_with(".webp"),
        "a WebP copy is chosen: {weights}"
    );
    assert!(total <= 120_000, "{total} bytes: {weights}");
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
    browser.assert_no_sideways_scroll().await;

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

    for page in [
        "/admin/",
        "/admin/articles",
        "/admin/articles/new",
        "/admin/sections",
        "/admin/tags",
        "/admin/authors",
        "/admin/media",
        "/admin/pages",
        "/admin/pages/new",
        "/admin/articles/1/gallery",
        "/admin/menus",
        "/admin/front",
    ] {
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

impl Browser {
    pub(crate) async fn sign_in(&self, app: &TestApp, email: &str, password: &str) {
        self.sign_in_at(&app.url(""), email, password).await;
    }

    /// Signs in on the server at `base` (`http://host:port`).
    pub(crate) async fn sign_in_at(&self, base: &str, email: &str, password: &str) {
        self.client
            .goto(&format!("{base}/admin/login"))
            .await
            .unwrap();
        self.fill("email", email).await;
        self.fill("password", password).await;
        self.click_and_wait("form.login button[type=submit]").await;
        assert_eq!(
            self.client.current_url().await.unwrap().path(),
            "/admin/",
            "{email} signed in"
        );
    }

    async fn sign_out(&self) {
        self.click_and_wait("form.logout button").await;
    }

    async fn notice(&self) -> String {
        self.client
            .find(Locator::Css("p.notice"))
            .await
            .expect("a notice")
            .text()
            .await
            .unwrap()
    }
}

/// The newsroom's whole day, in a real browser: an administrator creates an
/// author; the author writes an article with a photo and submits it; an
/// editor schedules it a few seconds ahead; it goes live by itself; a reader
/// comments; the editor approves; the reader sees the comment.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_story_goes_from_author_to_editor_to_reader() {
    let Some(driver) = external_tool(DRIVER_ENV, "Browser (Chromium)", "/usr/bin/chromedriver")
    else {
        return;
    };
    let db = TestDb::new(Engine::Sqlite).await.unwrap();
    let app = TestApp::french(db).await;
    let password = "un mot de passe solide";
    app.create_user("admin@example.org", Role::Administrator, password)
        .await;
    app.create_user("chef@example.org", Role::Editor, password)
        .await;
    let shots = std::env::var_os("KIOSQUE_SCREENSHOTS");
    let device = if std::env::var_os("KIOSQUE_SCREENSHOT_DESKTOP").is_some() {
        "desktop"
    } else {
        "phone"
    };
    let shot = |name: &'static str| format!("admin-{name}-{device}");
    let browser = Browser::start(&driver).await;

    // The administrator creates the author's account.
    browser.sign_in(&app, "admin@example.org", password).await;
    browser.client.goto(&app.url("/admin/users")).await.unwrap();
    browser.fill("name", "Gaëlle Villeneuve").await;
    browser.fill("email", "gaelle@example.org").await;
    browser
        .js("document.getElementById('role').value = 'author'; return null")
        .await;
    browser.fill("password", password).await;
    browser
        .click_and_wait("form[action='/admin/users'] button")
        .await;
    assert_eq!(browser.notice().await, "Compte créé.");
    if shots.is_some() {
        browser.screenshot(&shot("users")).await;
    }
    browser
        .client
        .goto(&app.url("/admin/settings"))
        .await
        .unwrap();
    browser.assert_accessible("/admin/settings").await;
    if shots.is_some() {
        browser.screenshot(&shot("settings")).await;
    }
    browser.sign_out().await;

    // The author writes, adds a photo, submits for review (under a section
    // the editors made: writers file under existing sections).
    app.ensure_section("International").await;
    browser.sign_in(&app, "gaelle@example.org", password).await;
    browser
        .client
        .goto(&app.url("/admin/articles/new"))
        .await
        .unwrap();
    browser
        .fill(
            "title",
            "Coopération militaire : Pyongyang prêt à « aider » Moscou",
        )
        .await;
    browser
        .fill(
            "body",
            "La Corée du Nord a affirmé jeudi se tenir « aux côtés » de la Russie.\n\nSelon l'agence TASS, Sergueï Lavrov a salué une « amitié éprouvée ».",
        )
        .await;
    browser.fill("category", "International").await;
    // The live preview (the one script of the admin) renders the Markdown.
    let mut previewed = false;
    for _ in 0..50 {
        let html = browser
            .js("const p = document.querySelector('.live-preview'); return p ? p.innerHTML : ''")
            .await;
        if html.as_str().is_some_and(|h| h.contains("amitié éprouvée")) {
            previewed = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(previewed, "live preview shown");
    browser
        .click_and_wait("button[name=status][value=draft]")
        .await;
    assert_eq!(browser.notice().await, "Article enregistré.");
    // On the draft's page, changes are saved without a click.
    browser
        .fill("excerpt", "Pyongyang se dit prêt à aider Moscou.")
        .await;
    let mut autosaved = false;
    for _ in 0..80 {
        let text = browser
            .js("return document.querySelector('.autosave-status').textContent")
            .await;
        if text
            .as_str()
            .is_some_and(|t| t.starts_with("Enregistré automatiquement"))
        {
            autosaved = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(autosaved, "autosave reported");
    let photo = tempfile::NamedTempFile::with_suffix(".png").unwrap();
    std::fs::write(photo.path(), kiosque_media::demo_photo(4, 800, 450, false)).unwrap();
    browser
        .client
        .find(Locator::Id("photo-file"))
        .await
        .unwrap()
        .send_keys(photo.path().to_str().unwrap())
        .await
        .unwrap();
    browser
        .fill("photo-caption", "Photo de Sergueï Lavrov, ministre russe.")
        .await;
    browser
        .fill(
            "photo-alt",
            "Un homme en costume sombre parle à un pupitre.",
        )
        .await;
    browser
        .click_and_wait("button[name=action][value=save]")
        .await;
    if shots.is_some() {
        browser.screenshot(&shot("editor")).await;
    }
    browser
        .click_and_wait("button[name=status][value=pending]")
        .await;
    assert!(
        browser
            .client
            .source()
            .await
            .unwrap()
            .contains("État actuel : En relecture")
    );
    browser.sign_out().await;

    // The editor finds it in review and schedules it a few seconds ahead.
    browser.sign_in(&app, "chef@example.org", password).await;
    browser
        .client
        .goto(&app.url("/admin/articles?status=pending"))
        .await
        .unwrap();
    if shots.is_some() {
        browser.screenshot(&shot("articles")).await;
    }
    browser.click_and_wait("table.articles a").await;
    let when = (chrono::Utc::now() + chrono::Duration::seconds(4))
        .format("%Y-%m-%dT%H:%M:%S")
        .to_string();
    browser
        .js(&format!(
            "document.getElementById('published_at').value = '{when}'; return null"
        ))
        .await;
    browser
        .click_and_wait("button[name=status][value=scheduled]")
        .await;
    assert_eq!(browser.notice().await, "Article enregistré.");
    let article = app
        .store
        .articles(
            &Default::default(),
            kiosque_core::model::PageRequest {
                number: 1,
                per_page: 5,
            },
        )
        .await
        .unwrap()
        .items[0]
        .clone();
    assert_eq!(
        article.status,
        kiosque_core::types::ArticleStatus::Scheduled
    );
    let site = app.store.site().await.unwrap().unwrap();
    let path = app
        .store
        .article(article.id)
        .await
        .unwrap()
        .unwrap()
        .path(&site);
    assert_eq!(app.page(&path).await.0, 404, "not yet");
    browser.sign_out().await;

    // It goes live by itself.
    let mut live = false;
    for _ in 0..100 {
        if app.page(&path).await.0 == 200 {
            live = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(live, "published on schedule");

    // A reader comments.
    browser.client.goto(&app.url(&path)).await.unwrap();
    let page = browser.client.source().await.unwrap();
    assert!(page.contains("Photo de Sergueï Lavrov, ministre russe."));
    assert!(page.contains("Gaëlle Villeneuve"));
    browser
        .fill("comment", "Merci pour ce suivi, très clair.")
        .await;
    browser.fill("name", "Kofi").await;
    browser.fill("email", "kofi@example.org").await;
    browser.submit().await;
    assert!(
        browser
            .client
            .source()
            .await
            .unwrap()
            .contains("après modération")
    );

    // The editor approves it from the queue.
    browser.sign_in(&app, "chef@example.org", password).await;
    browser
        .client
        .goto(&app.url("/admin/comments"))
        .await
        .unwrap();
    if shots.is_some() {
        browser.screenshot(&shot("comments")).await;
    }
    browser
        .click_and_wait("button[name=single][value^='approve:']")
        .await;
    browser.client.goto(&app.url("/admin/")).await.unwrap();
    if shots.is_some() {
        browser.screenshot(&shot("dashboard")).await;
        browser
            .client
            .goto(&app.url("/admin/sections"))
            .await
            .unwrap();
        browser.screenshot(&shot("sections")).await;
    }
    browser.sign_out().await;

    // The reader sees it.
    browser.client.goto(&app.url(&path)).await.unwrap();
    let page = browser.client.source().await.unwrap();
    assert!(page.contains("Merci pour ce suivi, très clair."));
    assert!(!page.contains("kofi@example.org"));
    browser.client.close().await.unwrap();
}

/// A newsroom has just moved its WordPress site in (the French fixture
/// export and its uploads folder); a reader arrives by an old link and
/// browses it on a phone.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reader_browses_a_site_moved_in_from_wordpress() {
    let Some(driver) = external_tool(DRIVER_ENV, "Browser (Chromium)", "/usr/bin/chromedriver")
    else {
        return;
    };
    let app = TestApp::french(TestDb::new(Engine::Sqlite).await.unwrap()).await;
    crate::common::import_french_site(&app).await;
    let browser = Browser::start(&driver).await;
    let story = "/2024/03/port-abidjan-dockers-reprennent-le-travail/";

    // WordPress's short link, as shared on social networks years ago.
    browser.client.goto(&app.url("/?p=42")).await.unwrap();
    assert_eq!(browser.client.current_url().await.unwrap().path(), story);
    let photo = browser
        .js("const i = document.querySelector('figure img');
             return [i.complete && i.naturalWidth, i.alt,
                     [...document.querySelectorAll('figure figcaption')].map(c => c.textContent).join(' | ')]")
        .await;
    assert!(photo[0].as_u64().unwrap() > 0, "the photo shows: {photo}");
    assert!(!photo[1].as_str().unwrap().is_empty(), "with its alt text");
    assert!(
        photo[2]
            .as_str()
            .unwrap()
            .contains("Les quais, vendredi à l'aube"),
        "{photo}"
    );
    let byline = browser
        .js("return document.querySelector('a[rel=author]').textContent")
        .await;
    assert_eq!(byline, "Gaëlle Villeneuve");
    // The approved comments, in their thread: a reply to a reply.
    let thread = browser
        .js(
            "return [...document.querySelectorAll('article.comment')].map(c => {
                 let depth = 0;
                 for (let e = c; e; e = e.parentElement) if (e.matches('ol.comment-list')) depth++;
                 return [c.querySelector('p').textContent.slice(0, 20), depth];
             })",
        )
        .await;
    assert_eq!(
        thread,
        json!([
            ["Enfin une bonne nouv", 1],
            ["Reste à voir si l'ac", 2],
            ["Le premier versement", 3]
        ])
    );
    browser.assert_accessible("an imported article").await;
    browser.screenshot("imported-article-360").await;

    // The byline leads to the author's page, which lists the story.
    browser.click_and_wait("a[rel=author]").await;
    assert_eq!(
        browser.client.current_url().await.unwrap().path(),
        "/author/gaelle-villeneuve/"
    );
    let listed = browser.client.source().await.unwrap();
    assert!(listed.contains(story), "the author's page lists the story");

    // An old section address, with its parent, lands on the section.
    browser
        .client
        .goto(&app.url("/category/afrique/cote-d-ivoire/"))
        .await
        .unwrap();
    assert_eq!(
        browser.client.current_url().await.unwrap().path(),
        "/category/cote-d-ivoire/"
    );
    assert!(browser.client.source().await.unwrap().contains(story));
    // And an old link to the photo file still shows the photo.
    browser
        .client
        .goto(&app.url("/wp-content/uploads/2024/03/port-abidjan.jpg"))
        .await
        .unwrap();
    let shown = browser
        .js("const i = document.querySelector('img'); return i && i.complete && i.naturalWidth")
        .await;
    assert!(shown.as_u64().unwrap_or(0) > 0, "{shown}");
}
