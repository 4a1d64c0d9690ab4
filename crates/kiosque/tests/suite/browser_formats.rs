//! The front of house in headless Chromium on a 360-px phone: the menu by
//! keyboard with scripts off; a photo story's lightbox by keyboard, and
//! embeds that make no request to another host until the reader clicks. Two witnesses: the page's network events from
//! DevTools (every address the page asked for), and a proxy of our own that
//! Chromium must use for every address but loopback's, which records each
//! request it is asked for and refuses it (the provider's player, after the
//! click, is seen there). Needs `KIOSQUE_TEST_CHROMEDRIVER` like browser.rs.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use fantoccini::Locator;
use kiosque_testkit::{Engine, TestApp, TestDb, external_tool};
use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::browser::{Browser, DRIVER_ENV};
use crate::story_formats::{photo_story, three_photos};

/// The first line of each request made through the proxy
/// (`CONNECT host:443 HTTP/1.1`, `GET http://host/… HTTP/1.1`).
#[derive(Clone, Default)]
struct Recorder(Arc<Mutex<Vec<String>>>);

impl Recorder {
    async fn start() -> (Recorder, u16) {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let recorder = Recorder::default();
        let seen = recorder.clone();
        tokio::spawn(async move {
            while let Ok((mut socket, _)) = listener.accept().await {
                let seen = seen.clone();
                tokio::spawn(async move {
                    let mut buf = vec![0u8; 2048];
                    let n = socket.read(&mut buf).await.unwrap_or(0);
                    let head = String::from_utf8_lossy(&buf[..n]);
                    if let Some(line) = head.lines().next().filter(|l| !l.is_empty()) {
                        seen.0.lock().unwrap().push(line.to_owned());
                    }
                    let _ = socket
                        .write_all(b"HTTP/1.1 502 Bad Gateway\r\ncontent-length: 0\r\n\r\n")
                        .await;
                });
            }
        });
        (recorder, port)
    }

    fn requests(&self) -> Vec<String> {
        self.0.lock().unwrap().clone()
    }

    /// Whether the browser asked for anything of an embed provider's (it
    /// also asks for its own services through the proxy: updates, time).
    fn requested_from_a_provider(&self) -> bool {
        self.requests().iter().any(|r| {
            kiosque_core::markup::embed::Provider::ALL.iter().any(|p| {
                let host = p.frame_origin().trim_start_matches("https://");
                r.contains(host)
            }) || r.contains("youtube")
                || r.contains("ytimg")
        })
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_photo_story_on_a_phone_loads_nothing_from_elsewhere_before_a_click() {
    let Some(driver) = external_tool(DRIVER_ENV, "Browser (Chromium)", "/usr/bin/chromedriver")
    else {
        return;
    };
    let db = TestDb::new(Engine::Sqlite).await.unwrap();
    let app = TestApp::french(db).await;
    let photos = three_photos(&app).await;
    for p in &photos {
        app.wait_for_asset_copies(p.id).await;
    }
    let path = app.publish(&photo_story("en-images", &photos), None).await;
    let (recorder, proxy) = Recorder::start().await;
    let browser = Browser::start_with(
        &driver,
        &[
            format!("--proxy-server=http://127.0.0.1:{proxy}"),
            // Loopback goes direct (Chromium's default, said plainly).
            "--proxy-bypass-list=127.0.0.1".to_owned(),
        ],
    )
    .await;
    // What the browser's own start page asked for is not the article's.
    browser.page_requests().await;
    browser.client.goto(&app.url(&path)).await.unwrap();
    browser.assert_no_sideways_scroll().await;
    // Scroll through the whole page so every lazy picture loads.
    browser
        .js("window.scrollTo(0, document.body.scrollHeight); return null")
        .await;
    tokio::time::sleep(Duration::from_millis(800)).await;
    let origin = app.url("/");
    let requested = network(&browser).await;
    assert!(
        requested.iter().any(|r| r.contains("/assets/reader.")),
        "the page's requests are seen: {requested:?}"
    );
    assert!(
        requested.iter().all(|r| r.starts_with(&origin)),
        "requests to other hosts before any click: {requested:?}"
    );
    assert!(
        !recorder.requested_from_a_provider(),
        "{:?}",
        recorder.requests()
    );
    let loaded = browser
        .js("return Array.from(document.querySelectorAll('.gallery img')).map(i => i.complete && i.naturalWidth > 0)")
        .await;
    assert_eq!(
        loaded,
        json!([true, true, true]),
        "gallery pictures decoded"
    );
    browser.assert_accessible("a photo story").await;
    browser
        .js("document.querySelector('.gallery').scrollIntoView(); return null")
        .await;
    browser.screenshot("photo-story-360").await;

    // The lightbox, by keyboard: Enter on the first photo opens it on
    // that photo, arrows move (and wrap), Escape closes it and gives the
    // focus back.
    browser
        .js("document.querySelector('a.gallery-photo').focus(); return null")
        .await;
    browser.keys("\u{E007}").await;
    let state = browser.lightbox().await;
    assert_eq!(state["open"], true, "{state}");
    assert_eq!(state["position"], "Photo 1 sur 3", "{state}");
    assert!(
        state["src"]
            .as_str()
            .unwrap()
            .ends_with(&photos[0].file_name),
        "{state}"
    );
    assert_eq!(state["focus"], "lightbox-close", "{state}");
    browser.assert_accessible("the open lightbox").await;
    browser.screenshot("lightbox-360").await;
    browser.keys("\u{E014}").await; // →
    let state = browser.lightbox().await;
    assert_eq!(state["position"], "Photo 2 sur 3", "{state}");
    assert_eq!(state["alt"], "Le marché vu d'en haut", "{state}");
    assert_eq!(
        state["caption"], "Légende de la galerie\u{a0}: vue du toit © Koffi N'Guessan",
        "{state}"
    );
    browser.keys("\u{E012}\u{E012}").await; // ← ←
    let state = browser.lightbox().await;
    assert_eq!(state["position"], "Photo 3 sur 3", "{state}");
    // Tab stays inside the open dialog.
    browser.keys("\u{E004}\u{E004}\u{E004}\u{E004}").await;
    let inside = browser
        .js("return document.querySelector('dialog.lightbox').contains(document.activeElement)")
        .await;
    assert_eq!(inside, true);
    browser.keys("\u{E00C}").await; // Escape
    let state = browser.lightbox().await;
    assert_eq!(state["open"], false, "{state}");
    assert_eq!(state["focus"], "gallery-photo", "{state}");
    assert!(
        network(&browser)
            .await
            .iter()
            .all(|r| r.starts_with(&origin)),
        "the lightbox asks for this site's files only"
    );
    assert!(!recorder.requested_from_a_provider());

    // The embed: a click, and only then the provider's player.
    browser
        .client
        .find(Locator::Css(".embed-youtube .embed-facade"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let frame = browser
        .js("const f = document.querySelector('.embed-youtube iframe');
             return f && [f.src, f.getAttribute('sandbox'), f.getAttribute('allow'), f.title, document.activeElement === f]")
        .await;
    assert_eq!(
        frame,
        json!([
            "https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ?autoplay=1",
            "allow-scripts allow-same-origin allow-presentation allow-popups",
            "autoplay; encrypted-media; fullscreen; picture-in-picture",
            "Contenu intégré depuis YouTube",
            true
        ])
    );
    let started = std::time::Instant::now();
    while !recorder
        .requests()
        .iter()
        .any(|r| r.contains("www.youtube-nocookie.com"))
    {
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "the player was never requested: {:?}",
            recorder.requests()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // Only the clicked provider: the other embed stays a placeholder.
    assert!(
        !recorder
            .requests()
            .iter()
            .any(|r| r.contains("soundcloud.com")),
        "{:?}",
        recorder.requests()
    );
    assert_eq!(
        browser
            .js("return document.querySelectorAll('iframe').length")
            .await,
        1
    );

    // In the admin, a photo dragged to the top of the gallery form saves
    // the gallery in its new order.
    use kiosque_core::ports::Store;
    browser.sign_in_as_editor(&app).await;
    let id = app
        .store
        .article_by_slug(&kiosque_core::types::Slug::parse("en-images").unwrap())
        .await
        .unwrap()
        .unwrap()
        .id;
    browser
        .client
        .goto(&app.url(&format!("/admin/articles/{id}/gallery?n=1")))
        .await
        .unwrap();
    browser
        .js(&format!(
            "{DRAG} const rows = document.querySelectorAll('ol.gallery-rows > li');
             drag(rows[rows.length - 1], rows[0]); return null"
        ))
        .await;
    let started = std::time::Instant::now();
    loop {
        let body = app.store.article(id).await.unwrap().unwrap().body_markdown;
        let first = body
            .split("```gallery")
            .nth(1)
            .unwrap()
            .lines()
            .nth(1)
            .unwrap()
            .to_owned();
        if first.contains(&photos[2].file_name) {
            break;
        }
        assert!(started.elapsed() < Duration::from_secs(5), "{body}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// The network addresses the page asked for (inline `data:` pictures and
/// the browser's own `chrome:` pages aside).
async fn network(browser: &Browser) -> Vec<String> {
    let mut requests = browser.page_requests().await;
    requests.retain(|r| !r.starts_with("data:") && !r.starts_with("chrome:"));
    requests
}

impl Browser {
    /// Gives the browser an editor's session (on a page of the app: the
    /// cookie goes with the page's address).
    async fn sign_in_as_editor(&self, app: &TestApp) {
        let editor = app
            .newsroom("chef@example.org", kiosque_core::types::Role::Editor)
            .await;
        // (WebDriver's own cookie call refuses an address without a domain
        // name; the page may set it.)
        self.client
            .execute(
                "document.cookie = arguments[0] + '; path=/'; return null",
                vec![json!(editor.cookie)],
            )
            .await
            .unwrap();
    }

    /// Sends keys to whatever has the focus.
    async fn keys(&self, keys: &str) {
        self.client
            .active_element()
            .await
            .unwrap()
            .send_keys(keys)
            .await
            .unwrap();
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    /// The lightbox as a reader meets it.
    async fn lightbox(&self) -> serde_json::Value {
        self.js("const d = document.querySelector('dialog.lightbox');
             const img = d && d.querySelector('img');
             return {
               open: !!(d && d.open),
               position: d ? d.querySelector('.lightbox-position').textContent : '',
               src: img ? img.src : '',
               alt: img ? img.alt : '',
               caption: d ? d.querySelector('figcaption').textContent : '',
               focus: document.activeElement.className,
             };")
            .await
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_menu_works_by_keyboard_without_javascript_on_a_phone() {
    use kiosque_core::model::{MenuItemDraft, MenuPlace, MenuTarget, TermKind};
    use kiosque_core::ports::Store;
    let Some(driver) = external_tool(DRIVER_ENV, "Browser (Chromium)", "/usr/bin/chromedriver")
    else {
        return;
    };
    let db = TestDb::new(Engine::Sqlite).await.unwrap();
    let app = TestApp::french(db).await;
    let source = |slug: &str, section: &str| {
        kiosque_testkit::fixtures::french_article_source(slug, None).replace(
            "category: \"International\"",
            &format!("category: \"{section}\""),
        )
    };
    for (slug, section) in [
        ("kayar", "Sénégal"),
        ("abidjan", "Côte d'Ivoire"),
        ("cacao", "Économie"),
        ("derby", "Sport"),
        ("festival", "Culture"),
    ] {
        app.publish(&source(slug, section), None).await;
    }
    let sections = app.store.terms(TermKind::Category).await.unwrap();
    let id = |name: &str| sections.iter().find(|t| t.name == name).unwrap().id;
    let item = |parent_id, target, label: Option<&str>| MenuItemDraft {
        place: MenuPlace::Header,
        parent_id,
        label: label.map(str::to_owned),
        target,
    };
    let afrique = app
        .store
        .add_menu_item(&item(
            None,
            MenuTarget::Link("/category/cote-d-ivoire/".into()),
            Some("Afrique"),
        ))
        .await
        .unwrap();
    for name in ["Sénégal", "Côte d'Ivoire"] {
        app.store
            .add_menu_item(&item(Some(afrique), MenuTarget::Section(id(name)), None))
            .await
            .unwrap();
    }
    for name in ["Économie", "Sport", "Culture"] {
        app.store
            .add_menu_item(&item(None, MenuTarget::Section(id(name)), None))
            .await
            .unwrap();
    }
    app.store
        .add_menu_item(&item(
            None,
            MenuTarget::Link("https://radio-lagune.example/direct".into()),
            Some("Radio en direct"),
        ))
        .await
        .unwrap();
    app.settled().await;
    let browser = Browser::start_with(
        &driver,
        &["--blink-settings=scriptEnabled=false".to_owned()],
    )
    .await;
    browser.client.goto(&app.url("/")).await.unwrap();
    // The page does not scroll sideways; the menu row scrolls in itself.
    browser.assert_no_sideways_scroll().await;
    // Every target at least 44 px high.
    let heights = browser
        .js("return Array.from(document.querySelectorAll('.site-nav > ul > li > a, .site-nav summary')).map(e => e.getBoundingClientRect().height)")
        .await;
    for h in heights.as_array().unwrap() {
        assert!(h.as_f64().unwrap() >= 44.0, "{heights}");
    }
    browser.screenshot("menu-360").await;
    // Tab: the skip link, the site's name, Accueil, then the Afrique
    // disclosure; Enter opens it, Tab reaches its links, Enter follows one.
    browser
        .client
        .find(Locator::Css("body"))
        .await
        .unwrap()
        .send_keys("\u{E004}\u{E004}\u{E004}\u{E004}")
        .await
        .unwrap();
    let focused = browser.js("return document.activeElement.outerHTML").await;
    assert!(
        focused.as_str().unwrap().starts_with("<summary>Afrique"),
        "{focused}"
    );
    let outline = browser
        .js("return getComputedStyle(document.activeElement).outlineStyle")
        .await;
    assert_eq!(outline, "solid", "the focus is visible");
    browser.keys("\u{E007}").await;
    let open = browser
        .js("return document.querySelector('.site-nav details').open")
        .await;
    assert_eq!(open, true);
    browser.screenshot("menu-open-360").await;
    browser.keys("\u{E004}\u{E004}").await;
    let focused = browser
        .js("return document.activeElement.textContent")
        .await;
    assert_eq!(focused, "Sénégal");
    browser.keys("\u{E007}").await;
    let started = std::time::Instant::now();
    loop {
        let url = browser.client.current_url().await.unwrap();
        if url.path() == "/category/senegal/" {
            break;
        }
        assert!(started.elapsed() < Duration::from_secs(5), "at {url}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // There, the section is the current page, inside the open-able menu.
    let current = browser
        .js("const a = document.querySelector('.site-nav [aria-current=page]'); return a && a.textContent")
        .await;
    assert_eq!(current, "Sénégal");
    // axe-core needs scripts: the same pages in a browser that runs them
    // (the menu itself has none).
    drop(browser);
    let browser = Browser::start(&driver).await;
    for path in ["/", "/category/senegal/"] {
        browser.client.goto(&app.url(path)).await.unwrap();
        browser.assert_accessible(path).await;
    }
    // The menu editor holding this menu, signed in as an editor.
    browser.sign_in_as_editor(&app).await;
    browser.client.goto(&app.url("/admin/menus")).await.unwrap();
    let heading = browser
        .js("return document.querySelector('h1').textContent")
        .await;
    assert_eq!(heading, "Menus");
    browser
        .assert_accessible("the menu editor with a menu")
        .await;
    browser.screenshot("admin-menus-360").await;
    // Dragged to the top (an enhancement of the up button): the radio
    // link leads the menu.
    browser
        .js(&format!(
            "{DRAG} const rows = document.querySelectorAll('#menu-header ~ ol > li');
             drag(rows[rows.length - 1], rows[0]); return null"
        ))
        .await;
    let started = std::time::Instant::now();
    loop {
        let items = app.store.menu_items().await.unwrap();
        let first = items
            .iter()
            .filter(|i| i.place == MenuPlace::Header && i.parent_id.is_none())
            .min_by_key(|i| i.position)
            .unwrap();
        if first.label.as_deref() == Some("Radio en direct") {
            break;
        }
        assert!(started.elapsed() < Duration::from_secs(5), "{items:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Drags one element onto another the way a mouse does (WebDriver's own
/// actions do not reach HTML drag and drop).
const DRAG: &str = "function drag(from, to) {
    const dt = new DataTransfer();
    const fire = (el, type) => el.dispatchEvent(new DragEvent(type, { dataTransfer: dt, bubbles: true, cancelable: true }));
    fire(from, 'dragstart'); fire(to, 'dragover'); fire(to, 'drop'); fire(from, 'dragend');
}";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_front_page_with_its_lead_blocks_and_banner_on_a_phone() {
    use kiosque_core::model::{Banner, TermKind};
    use kiosque_core::ports::Store;
    let Some(driver) = external_tool(DRIVER_ENV, "Browser (Chromium)", "/usr/bin/chromedriver")
    else {
        return;
    };
    let db = TestDb::new(Engine::Sqlite).await.unwrap();
    let app = TestApp::french(db).await;
    let photos = three_photos(&app).await;
    let story = app.publish(&photo_story("en-images", &photos), None).await;
    let lead = app
        .publish(
            &kiosque_testkit::fixtures::french_article_source("pyongyang", Some("p.jpg")),
            Some(("p.jpg", &kiosque_media::demo_photo(9, 1200, 675, true))),
        )
        .await;
    app.wait_for_copies("pyongyang").await;
    for (slug, title) in [
        ("cacao", "Cacao : les planteurs attendent la pluie"),
        ("port", "Port d'Abidjan : un trafic record"),
    ] {
        app.publish(&crate::page_cache::economy_article(slug, title), None)
            .await;
    }
    let id = |slug: &'static str| {
        let store = app.store.clone();
        async move {
            store
                .article_by_slug(&kiosque_core::types::Slug::parse(slug).unwrap())
                .await
                .unwrap()
                .unwrap()
                .id
        }
    };
    app.store
        .set_front_pins(&[id("pyongyang").await, id("en-images").await])
        .await
        .unwrap();
    let eco = app
        .store
        .terms(TermKind::Category)
        .await
        .unwrap()
        .into_iter()
        .find(|t| t.name == "Économie")
        .unwrap()
        .id;
    app.store.set_front_sections(&[(eco, 2)]).await.unwrap();
    let mut site = app.store.site().await.unwrap().unwrap();
    site.tagline = "L'actualité africaine et internationale, en continu".into();
    site.banner = Some(Banner {
        text: "Élections : les résultats à 20 heures".into(),
        url: Some(lead.clone()),
        until: None,
    });
    app.save_site(&site).await;
    let browser = Browser::start(&driver).await;
    browser.client.goto(&app.url("/")).await.unwrap();
    browser.assert_no_sideways_scroll().await;
    // Reading order: the banner, the header, the lead, the pin, the block.
    let order = browser
        .js("return Array.from(document.querySelectorAll('.breaking, .masthead, .lead-story, .front-top .cards, .front-block')).map(e => e.className)")
        .await;
    assert_eq!(
        order,
        json!(["breaking", "masthead", "lead-story", "cards", "front-block"])
    );
    let lead_link = browser
        .js("return document.querySelector('.lead-story a[href]').getAttribute('href')")
        .await;
    assert_eq!(lead_link, lead.as_str());
    // The banner is announced once: the first page puts its text in the
    // alert region; the next one does not.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let live = browser
        .js("return document.querySelector('.breaking-live').textContent")
        .await;
    assert_eq!(live, "Élections\u{a0}: les résultats à 20 heures");
    browser.assert_accessible("the front page").await;
    browser.screenshot("front-360").await;
    browser.client.goto(&app.url(&story)).await.unwrap();
    tokio::time::sleep(Duration::from_millis(500)).await;
    let live = browser
        .js("return document.querySelector('.breaking-live').textContent")
        .await;
    assert_eq!(live, "", "announced once per visit");
}
