//! The visual editor in a real browser (headless Chromium): every article
//! of the demo and of both WordPress fixtures, and an article holding
//! every construct Kiosque renders, opened in visual mode and switched
//! back with its Markdown unchanged byte for byte; an edit changes its own
//! block and nothing else; the toolbar writes; clipboard HTML from Google
//! Docs, Word (desktop and web), LibreOffice and a web page becomes clean
//! Markdown; axe-core finds nothing in either mode.
//!
//! Needs `KIOSQUE_TEST_CHROMEDRIVER` (and `KIOSQUE_TEST_AXE_JS`); skipped
//! with a message otherwise, like the other browser tests.

use std::time::Duration;

use fantoccini::Locator;
use kiosque_core::model::{ArticleQuery, PageRequest};
use kiosque_core::ports::Store;
use kiosque_core::types::Role;
use kiosque_testkit::{Engine, TestApp, TestDb, external_tool};

use crate::browser::{Browser, DRIVER_ENV};
use crate::common;

/// An article with every construct the renderer knows, in several of the
/// spellings people and importers use.
pub(crate) const EVERY_CONSTRUCT: &str = include_str!("../fixtures/editor/every-construct.md");
const PASSWORD: &str = "un mot de passe solide";

impl Browser {
    /// Polls a script until it returns `true` (ten seconds at most).
    pub(crate) async fn wait_until(&self, script: &str) {
        for _ in 0..200 {
            if self.js(script).await == serde_json::Value::Bool(true) {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let error = self
            .js("const d = document.querySelector('dialog[open]');
                 return d ? d.querySelector('h2').textContent + ': ' + d.querySelector('.field-error').textContent : null")
            .await;
        panic!("never true: {script} (dialog says {error})");
    }

    /// Clicks the visual mode's button and waits for the editing surface.
    pub(crate) async fn visual_mode(&self) {
        self.click("button[data-mode=visual]").await;
        self.wait_until(
            "const s = document.querySelector('.visual-editor');
             return !!s && !s.hidden && !!document.querySelector('.visual-body')",
        )
        .await;
    }

    /// Opens an article's editor in visual mode.
    async fn open_visual(&self, app: &TestApp, id: i64) {
        self.client
            .goto(&app.url(&format!("/admin/articles/{id}/edit")))
            .await
            .unwrap();
        self.visual_mode().await;
    }

    /// Clicks the Markdown mode's button; returns the textarea's text.
    pub(crate) async fn markdown_mode(&self) -> String {
        self.click("button[data-mode=markdown]").await;
        self.wait_until("return !document.getElementById('body').hidden")
            .await;
        self.js("return document.getElementById('body').value")
            .await
            .as_str()
            .unwrap()
            .to_owned()
    }

    pub(crate) async fn click(&self, css: &str) {
        self.client
            .find(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("{css}: {e}"))
            .click()
            .await
            .unwrap_or_else(|e| panic!("click {css}: {e}"));
    }
}

/// A French site with the demo's articles, both WordPress fixtures and the
/// every-construct article; an editor signed in, in a desktop window.
async fn newsroom_with_every_article(driver: &std::path::Path) -> (TestApp, Browser) {
    let db = TestDb::new(Engine::Sqlite).await.unwrap();
    let app = TestApp::french(db).await;
    kiosque::demo::seed(&app.store, &app.settings, &app.url(""))
        .await
        .unwrap();
    kiosque::demo::front_of_house(&app.store, &app.settings)
        .await
        .unwrap();
    common::import_french_site(&app).await;
    common::import_front_site(&app).await;
    app.publish(EVERY_CONSTRUCT, None).await;
    app.create_user("chef@example.org", Role::Editor, PASSWORD)
        .await;
    let browser = Browser::start_sized(driver, &[], (1280, 900)).await;
    browser.sign_in(&app, "chef@example.org", PASSWORD).await;
    (app, browser)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_article_survives_a_visual_round_trip_byte_for_byte() {
    let Some(driver) = external_tool(DRIVER_ENV, "Browser (Chromium)", "/usr/bin/chromedriver")
    else {
        return;
    };
    let (app, browser) = newsroom_with_every_article(&driver).await;
    let rows = app
        .store
        .articles(
            &ArticleQuery::default(),
            PageRequest {
                number: 1,
                per_page: 100,
            },
        )
        .await
        .unwrap()
        .items;
    // Four demo articles and its photo story, three and four imported,
    // and the every-construct one.
    assert!(rows.len() >= 12, "{} articles", rows.len());
    for row in &rows {
        let article = app.store.article(row.id).await.unwrap().unwrap();
        browser.open_visual(&app, row.id).await;
        // Ordinary text is editable, not hidden in protected blocks.
        let editable = browser
            .js("return document.querySelectorAll('.visual-body > :not(.kq-block)').length")
            .await
            .as_u64()
            .unwrap();
        assert!(
            editable >= 1,
            "{}: nothing editable",
            article.title.as_str()
        );
        let back = browser.markdown_mode().await;
        assert_eq!(
            back,
            article.body_markdown,
            "{}: the visual round trip changed the Markdown",
            article.title.as_str()
        );
    }

    // The every-construct article: what is protected, and what is not.
    let every = app
        .store
        .article_by_slug(
            &kiosque_core::types::Slug::parse("article-temoin-tous-les-blocs").unwrap(),
        )
        .await
        .unwrap()
        .unwrap();
    browser.open_visual(&app, every.id).await;
    let kinds = browser
        .js("return [...document.querySelectorAll('.visual-body .kq-block')].map(b => b.dataset.kind).join(' ')")
        .await;
    assert_eq!(
        kinds.as_str().unwrap(),
        "html markdown markdown markdown figure gallery embed embed related code code html markdown markdown markdown",
        "protected blocks of the every-construct article"
    );
    let editable = browser
        .js("return [...document.querySelectorAll('.visual-body > :not(.kq-block)')].map(n => n.tagName).join(' ')")
        .await;
    assert_eq!(
        editable.as_str().unwrap(),
        // (marked reads "1)" and "3." as one list; the last paragraph is
        // the empty one the editor keeps after a final protected block.)
        "P P H1 H2 H3 H4 H5 BLOCKQUOTE UL UL OL DIV HR P P",
        "editable blocks of the every-construct article"
    );

    // An edit rewrites its own block only: every other byte stays.
    browser
        .js("const e = KiosqueEditor.active.editor;
             e.chain().focus().setTextSelection(e.state.doc.child(0).nodeSize - 1).run(); return null")
        .await;
    browser
        .client
        .find(Locator::Css(".visual-body"))
        .await
        .unwrap()
        .send_keys(" Ajout.")
        .await
        .unwrap();
    let edited = browser.markdown_mode().await;
    let first_end = every.body_markdown.find("\n\n").unwrap();
    let (first, rest) = edited.split_at(edited.find("\n\n").unwrap());
    assert_eq!(rest, &every.body_markdown[first_end..], "the rest changed");
    assert!(first.ends_with("Oui ! Ajout."), "{first}");
    assert!(
        first.contains("[de référence](https://exemple.ci/reference \"Référence\")"),
        "the reference link stays a link: {first}"
    );
    browser.client.close().await.unwrap();
}

/// Clipboard HTML of the shape each program writes (samples made for
/// these tests), and the Markdown the paste must give.
const CLIPBOARD: [(&str, &str, &str); 5] = [
    (
        "Google Docs",
        include_str!("../fixtures/editor/clipboard/google-docs.html"),
        include_str!("../fixtures/editor/clipboard/google-docs.md"),
    ),
    (
        "Word (desktop)",
        include_str!("../fixtures/editor/clipboard/word-desktop.html"),
        include_str!("../fixtures/editor/clipboard/word-desktop.md"),
    ),
    (
        "Word (web)",
        include_str!("../fixtures/editor/clipboard/word-web.html"),
        include_str!("../fixtures/editor/clipboard/word-web.md"),
    ),
    (
        "LibreOffice",
        include_str!("../fixtures/editor/clipboard/libreoffice.html"),
        include_str!("../fixtures/editor/clipboard/libreoffice.md"),
    ),
    (
        "a web page",
        include_str!("../fixtures/editor/clipboard/web-page.html"),
        include_str!("../fixtures/editor/clipboard/web-page.md"),
    ),
];

/// Pastes `html` (and `file`, a PNG drawn in the page, when asked) into
/// the emptied visual editor, as the browser's paste event carries it;
/// returns the editor's Markdown.
async fn paste(browser: &Browser, html: &str, with_image: bool) -> String {
    let value = browser
        .client
        .execute_async(
            "const [html, withImage, done] = arguments;
             const e = KiosqueEditor.active.editor;
             e.commands.clearContent();
             e.commands.focus();
             const send = (file) => {
               const data = new DataTransfer();
               if (html) { data.setData('text/html', html); }
               data.setData('text/plain', 'texte');
               if (file) { data.items.add(file); }
               e.view.dom.dispatchEvent(new ClipboardEvent('paste', { clipboardData: data, bubbles: true, cancelable: true }));
               done(KiosqueEditor.active.markdown());
             };
             if (!withImage) { send(null); return; }
             const canvas = document.createElement('canvas');
             canvas.width = 320; canvas.height = 200;
             const g = canvas.getContext('2d');
             g.fillStyle = '#3a7'; g.fillRect(0, 0, 320, 200);
             g.fillStyle = '#fff'; g.fillRect(40, 40, 120, 60);
             canvas.toBlob((blob) => send(new File([blob], 'capture.png', { type: 'image/png' })), 'image/png');",
            vec![serde_json::json!(html), serde_json::json!(with_image)],
        )
        .await
        .unwrap();
    value.as_str().unwrap().to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn clipboard_html_from_office_suites_and_pages_becomes_clean_markdown() {
    let Some(driver) = external_tool(DRIVER_ENV, "Browser (Chromium)", "/usr/bin/chromedriver")
    else {
        return;
    };
    let db = TestDb::new(Engine::Sqlite).await.unwrap();
    let app = TestApp::french(db).await;
    app.create_user("chef@example.org", Role::Editor, PASSWORD)
        .await;
    let browser = Browser::start_sized(&driver, &[], (1280, 900)).await;
    browser.sign_in(&app, "chef@example.org", PASSWORD).await;
    browser
        .client
        .goto(&app.url("/admin/articles/new"))
        .await
        .unwrap();
    browser.visual_mode().await;
    for (program, html, expected) in CLIPBOARD {
        let markdown = paste(&browser, html, false).await;
        assert_eq!(markdown, expected.trim_end(), "pasted from {program}");
        for left in [
            "style",
            "class",
            "font",
            "span",
            "utm_",
            "fbclid",
            "docs-internal",
            "mso",
            "Mso",
            "JD1",
            "Vérifier le chiffre",
            "javascript",
            "track",
            "cdn.exemple",
            "&nbsp;",
        ] {
            assert!(
                !markdown.contains(left),
                "{left} left from {program}: {markdown}"
            );
        }
    }

    // A picture in the clipboard goes to the library (re-encoded, as any
    // upload) and into the text as a figure.
    let before = app
        .store
        .media_library(
            "",
            PageRequest {
                number: 1,
                per_page: 50,
            },
        )
        .await
        .unwrap()
        .total;
    browser
        .client
        .execute(
            "KiosqueEditor.active.editor.commands.clearContent(); return null",
            vec![],
        )
        .await
        .unwrap();
    paste(&browser, "", true).await;
    browser
        .wait_until(
            "return KiosqueEditor.active.markdown().startsWith('<figure><img src=\"/media/')",
        )
        .await;
    let markdown: String = browser
        .js("return KiosqueEditor.active.markdown()")
        .await
        .as_str()
        .unwrap()
        .to_owned();
    let library = app
        .store
        .media_library(
            "",
            PageRequest {
                number: 1,
                per_page: 50,
            },
        )
        .await
        .unwrap();
    assert_eq!(library.total, before + 1, "one image added to the library");
    let asset = &library.items[0].asset;
    assert!(
        markdown.starts_with(&format!("<figure><img src=\"/media/{}\"", asset.file_name)),
        "{markdown}"
    );
    assert_eq!((asset.width, asset.height), (320, 200));
    browser.client.close().await.unwrap();
}

impl Browser {
    /// Types into the visual surface where its caret is.
    async fn type_text(&self, text: &str) {
        self.client
            .find(Locator::Css(".visual-body"))
            .await
            .unwrap()
            .send_keys(text)
            .await
            .unwrap();
    }

    /// Types into a field of the open dialog.
    async fn dialog_field(&self, name: &str, text: &str) {
        let field = self
            .client
            .find(Locator::Css(&format!("dialog[open] input[name={name}]")))
            .await
            .unwrap_or_else(|e| panic!("dialog field {name}: {e}"));
        field.clear().await.unwrap();
        field.send_keys(text).await.unwrap();
    }

    /// Waits for a dialog's search to list something.
    async fn wait_for_results(&self, css: &str) {
        self.wait_until(&format!(
            "return document.querySelectorAll('dialog[open] .pick-list {css}').length > 0"
        ))
        .await;
    }

    async fn editor_markdown(&self) -> String {
        self.js("return KiosqueEditor.active.markdown()")
            .await
            .as_str()
            .unwrap()
            .to_owned()
    }
}

const ENTER: &str = "\u{E007}";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_writer_builds_an_article_with_the_toolbar() {
    let Some(driver) = external_tool(DRIVER_ENV, "Browser (Chromium)", "/usr/bin/chromedriver")
    else {
        return;
    };
    let db = TestDb::new(Engine::Sqlite).await.unwrap();
    let app = TestApp::french(db).await;
    let related = app
        .publish(
            &kiosque_testkit::fixtures::french_article_source("le-cacao-au-plus-haut", None),
            None,
        )
        .await;
    let text = |alt: &str, caption: &str| kiosque_core::model::MediaText {
        alt: alt.into(),
        caption: caption.into(),
        credit: "Kiosque".into(),
    };
    let port = app
        .add_to_library(
            &kiosque_media::demo_photo(3, 800, 500, true),
            text("Des pirogues au port", "Le port au matin."),
        )
        .await;
    let market = app
        .add_to_library(
            &kiosque_media::demo_photo(4, 800, 600, true),
            text("Le marché couvert", "Le marché à 7 heures."),
        )
        .await;
    app.create_user("chef@example.org", Role::Editor, PASSWORD)
        .await;
    // On a phone: the toolbar scrolls sideways, the dialogs fit the screen.
    let browser = Browser::start_sized(&driver, &[], (360, 740)).await;
    browser.sign_in(&app, "chef@example.org", PASSWORD).await;
    browser
        .client
        .goto(&app.url("/admin/articles/new"))
        .await
        .unwrap();
    browser.fill("title", "Le port se modernise").await;
    browser.visual_mode().await;
    browser.click(".visual-body").await;

    browser.type_text("Un intertitre").await;
    browser.click("button[data-tool=h2]").await;
    browser.type_text(&format!("{ENTER}Du texte ")).await;
    browser.click("button[data-tool=bold]").await;
    browser.type_text("en gras").await;
    browser.click("button[data-tool=bold]").await;
    browser.type_text(" et ").await;
    browser.click("button[data-tool=italic]").await;
    browser.type_text("en italique").await;
    browser.click("button[data-tool=italic]").await;
    browser.type_text(", puis ").await;

    // A link: an address that does not parse is refused in the dialog.
    browser.click("button[data-tool=link]").await;
    browser.dialog_field("url", "pas une adresse").await;
    browser.click("dialog[open] button[type=submit]").await;
    browser
        .wait_until("const e = document.querySelector('dialog[open] .field-error'); return !!e && e.textContent.length > 10")
        .await;
    browser
        .dialog_field("url", "https://exemple.ci/rapport?utm_source=x&n=2")
        .await;
    browser.click("dialog[open] button[type=submit]").await;
    browser
        .wait_until("return !document.querySelector('dialog[open]')")
        .await;
    browser.type_text(".").await;

    browser.type_text(ENTER).await;
    browser.click("button[data-tool=bullets]").await;
    browser
        .type_text(&format!("un{ENTER}deux{ENTER}{ENTER}"))
        .await;
    browser.click("button[data-tool=quote]").await;
    browser.type_text("« Une citation »").await;
    browser.type_text(&format!("{ENTER}{ENTER}")).await;
    browser.click("button[data-tool=rule]").await;

    // A photo of the library, its caption changed for this article.
    browser.click("button[data-tool=photo]").await;
    browser.wait_for_results("button.pick").await;
    browser.assert_accessible("the photo dialog").await;
    browser.assert_no_sideways_scroll().await;
    browser
        .click(&format!(
            "dialog[open] .pick-list button.pick[aria-label=\"{}\"]",
            port.file_name
        ))
        .await;
    browser
        .dialog_field("caption", "Les pirogues rentrent.")
        .await;
    browser.click("dialog[open] button[type=submit]").await;

    // A gallery of both photos, an embed, a "Lire aussi".
    browser.click("button[data-tool=gallery]").await;
    browser.wait_for_results("input[type=checkbox]").await;
    browser
        .js("document.querySelectorAll('dialog[open] .pick-list input[type=checkbox]').forEach(b => b.click()); return null")
        .await;
    browser.click("dialog[open] button[type=submit]").await;
    browser.click("button[data-tool=embed]").await;
    browser
        .dialog_field("url", "https://www.youtube.com/watch?v=aqz-KE-bpKQ")
        .await;
    browser.click("dialog[open] button[type=submit]").await;
    browser.click("button[data-tool=related]").await;
    browser.dialog_field("q", "Pyongyang").await;
    browser
        .wait_until("return !!document.querySelector('dialog[open] .pick-list[data-query=Pyongyang] button.pick')")
        .await;
    browser.click("dialog[open] .pick-list button.pick").await;
    browser.click("dialog[open] button[type=submit]").await;
    browser
        .wait_until("return !document.querySelector('dialog[open]')")
        .await;

    let markdown = browser.editor_markdown().await;
    let related_title = app
        .store
        .article_by_slug(&kiosque_core::types::Slug::parse("le-cacao-au-plus-haut").unwrap())
        .await
        .unwrap()
        .unwrap()
        .title
        .as_str()
        .to_owned();
    // The library lists the newest first.
    let expected = format!(
        "## Un intertitre\n\n\
         Du texte **en gras** et *en italique*, puis [https://exemple.ci/rapport?n=2](https://exemple.ci/rapport?n=2).\n\n\
         - un\n- deux\n\n\
         > « Une citation »\n\n\
         ---\n\n\
         <figure><img src=\"/media/{port}\" alt=\"Des pirogues au port\" width=\"800\" height=\"500\"><figcaption>Les pirogues rentrent. <small>© Kiosque</small></figcaption></figure>\n\n\
         ```gallery\n![Le marché couvert](/media/{market} \"Le marché à 7 heures.\")\n![Des pirogues au port](/media/{port} \"Le port au matin.\")\n```\n\n\
         https://www.youtube.com/watch?v=aqz-KE-bpKQ\n\n\
         **Lire aussi :** [{title}]({related})",
        port = port.file_name,
        market = market.file_name,
        title = related_title,
    );
    assert_eq!(markdown, expected);

    // Writing aids: the headline's length with the limits, the words and
    // the reading time, the spell check in the site's language.
    let hint = browser
        .js("return document.querySelector('.headline-hint').textContent")
        .await;
    assert!(
        hint.as_str()
            .unwrap()
            .starts_with("20 caractères — au-delà de 60"),
        "{hint}"
    );
    browser.wait_until("return document.querySelector('.word-count').textContent === '29 mots · lecture 1 min'").await;
    let lang = browser
        .js("const b = document.querySelector('.visual-body'); return b.lang + ' ' + b.spellcheck")
        .await;
    assert_eq!(lang, "fr true");

    // Saved as a draft like any other, and shown as the site shows it.
    browser
        .click_and_wait("form.editor button[name=status][value=draft]")
        .await;
    let url = browser.client.current_url().await.unwrap();
    let id: i64 = url
        .path()
        .trim_start_matches("/admin/articles/")
        .trim_end_matches("/edit")
        .parse()
        .unwrap_or_else(|_| panic!("not the saved article's editor: {url}"));
    let saved = app.store.article(id).await.unwrap().expect("saved");
    assert_eq!(saved.title.as_str(), "Le port se modernise");
    assert_eq!(saved.body_markdown, expected);
    assert!(
        saved.body_html.contains("<figure><img src=\"/media/"),
        "{}",
        saved.body_html
    );
    assert!(
        saved.body_html.contains("<h2>Un intertitre</h2>"),
        "{}",
        saved.body_html
    );
    browser.client.close().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_page_of_the_site_is_written_in_visual_mode_too() {
    let Some(driver) = external_tool(DRIVER_ENV, "Browser (Chromium)", "/usr/bin/chromedriver")
    else {
        return;
    };
    let db = TestDb::new(Engine::Sqlite).await.unwrap();
    let app = TestApp::french(db).await;
    app.create_user("admin@example.org", Role::Administrator, PASSWORD)
        .await;
    let browser = Browser::start_sized(&driver, &[], (1280, 900)).await;
    browser.sign_in(&app, "admin@example.org", PASSWORD).await;
    browser
        .client
        .goto(&app.url("/admin/pages/new"))
        .await
        .unwrap();
    browser.fill("title", "Nous contacter").await;
    browser.visual_mode().await;
    browser.click(".visual-body").await;
    browser.type_text("Écrivez-nous").await;
    browser.click("button[data-tool=h2]").await;
    browser
        .type_text(&format!("{ENTER}La rédaction répond sous "))
        .await;
    browser.click("button[data-tool=bold]").await;
    browser.type_text("48 heures").await;
    browser.click("button[data-tool=bold]").await;
    browser.type_text(".").await;
    browser
        .click_and_wait("form button[name=action][value=save]")
        .await;
    let page = app
        .store
        .page_by_slug(&kiosque_core::types::Slug::parse("nous-contacter").unwrap())
        .await
        .unwrap()
        .expect("the page is saved");
    assert_eq!(
        page.body_markdown,
        "## Écrivez-nous\n\nLa rédaction répond sous **48 heures**."
    );
    browser.client.close().await.unwrap();
}
