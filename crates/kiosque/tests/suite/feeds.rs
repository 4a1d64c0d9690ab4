//! RSS and Atom over HTTP on both databases: the site's, a section's and an
//! author's feeds, at WordPress's addresses, announced by the pages,
//! parsed as XML (and by Python's feedparser, the library most readers
//! and aggregators resemble, when available), without drafts or e-mails.

use kiosque_core::ports::Store;
use kiosque_core::types::Role;
use kiosque_testkit::fixtures::french_article_source;
use kiosque_testkit::{TestApp, TestDb, both_databases};

both_databases!(
    feeds_list_the_latest_articles_with_their_photos,
    pages_announce_their_feeds,
    whole_article_feeds_are_valid_with_absolute_links,
    markup_shown_as_text_stays_text_in_feed_readers,
);

const BASE: &str = "https://news.example.org";

async fn fetch(app: &TestApp, path: &str, content_type: &str) -> String {
    let r = app.get(path).await;
    assert_eq!(r.status(), 200, "{path}");
    assert_eq!(r.headers()["content-type"], content_type, "{path}");
    let body = r.text().await.unwrap();
    roxmltree::Document::parse(&body).unwrap_or_else(|e| panic!("{path}: {e}\n{body}"));
    body
}

/// Runs feedparser on a feed; panics unless it parses cleanly (bozo 0)
/// with the expected number of entries.
fn feedparser(body: &str, entries: usize) {
    let Some(text) = kiosque_testkit::python_check(
        "KIOSQUE_TEST_FEEDPARSER_PYTHON",
        "Feed validity (Python feedparser)",
        "import sys, feedparser\n\
         d = feedparser.parse(sys.argv[1])\n\
         print(int(d.bozo), len(d.entries), d.version)\n\
         if d.bozo: print(d.bozo_exception)\n\
         for e in d.entries: print(e.title, '|', e.link, '|', len(e.enclosures))",
        body,
    ) else {
        return;
    };
    let first: Vec<&str> = text.lines().next().unwrap().split(' ').collect();
    assert_eq!(first[0], "0", "feedparser found a problem: {text}");
    assert_eq!(first[1], entries.to_string(), "{text}");
}

async fn feeds_list_the_latest_articles_with_their_photos(db: TestDb) {
    let app = TestApp::french(db).await;
    let with_photo = app
        .publish(
            &french_article_source("avec-photo", Some("p.jpg")),
            Some(("p.jpg", &kiosque_media::demo_photo(2, 640, 360, true))),
        )
        .await;
    let other = app
        .publish(
            &french_article_source("autre", None)
                .replace("2024-11-01T18:30:00Z", "2024-10-01T08:00:00Z")
                .replace(
                    "title: \"Coopération",
                    "title: \"Économie & « marchés » : Coopération",
                ),
            None,
        )
        .await;
    let writer = app.newsroom("redaction@example.org", Role::Author).await;
    writer
        .post(
            "/admin/articles/new",
            &[
                ("title", "Brouillon secret"),
                ("body", "Pas encore."),
                ("status", "draft"),
            ],
        )
        .await;
    let rss = fetch(&app, "/feed/", "application/rss+xml; charset=utf-8").await;
    let atom = fetch(&app, "/feed/atom/", "application/atom+xml; charset=utf-8").await;
    for body in [&rss, &atom] {
        assert!(body.contains(&format!("{BASE}{with_photo}")));
        assert!(body.contains(&format!("{BASE}{other}")));
        assert!(body.contains("Économie &amp; « marchés »"));
        assert!(!body.contains("Brouillon") && !body.contains("@example.org"));
        // Newest first.
        assert!(body.find(&with_photo).unwrap() < body.find(&other).unwrap());
    }
    let doc = roxmltree::Document::parse(&rss).unwrap();
    let enclosure = doc
        .descendants()
        .find(|n| n.has_tag_name("enclosure"))
        .expect("the photo as an enclosure");
    assert_eq!(enclosure.attribute("type"), Some("image/jpeg"));
    assert!(
        enclosure
            .attribute("url")
            .unwrap()
            .starts_with(&format!("{BASE}/media/"))
    );
    assert!(
        enclosure
            .attribute("length")
            .unwrap()
            .parse::<u64>()
            .unwrap()
            > 0
    );
    let pub_date = doc
        .descendants()
        .find(|n| n.has_tag_name("pubDate"))
        .unwrap()
        .text()
        .unwrap();
    assert!(
        chrono::DateTime::parse_from_rfc2822(pub_date).is_ok(),
        "{pub_date}"
    );
    feedparser(&rss, 2);
    feedparser(&atom, 2);
    // A section's and an author's feeds, WordPress's addresses.
    for path in [
        "/category/international/feed/",
        "/author/gaelle-villeneuve/feed/",
    ] {
        let body = fetch(&app, path, "application/rss+xml; charset=utf-8").await;
        feedparser(&body, 2);
        let atom = fetch(
            &app,
            &format!("{path}atom/"),
            "application/atom+xml; charset=utf-8",
        )
        .await;
        feedparser(&atom, 2);
    }
    assert_eq!(app.get("/category/absente/feed/").await.status(), 404);
}

async fn pages_announce_their_feeds(db: TestDb) {
    let app = TestApp::french(db).await;
    let path = app
        .publish(&french_article_source("annonce", None), None)
        .await;
    let site_feed = "<link rel=\"alternate\" type=\"application/rss+xml\" title=\"Afrique Première Tv\" href=\"/feed/\">";
    for page in ["/", path.as_str(), "/category/international/"] {
        assert!(app.page(page).await.1.contains(site_feed), "{page}");
    }
    let section = app.page("/category/international/").await.1;
    assert!(section.contains(
        "<link rel=\"alternate\" type=\"application/atom+xml\" title=\"Afrique Première Tv – International\" href=\"/category/international/feed/atom/\">"
    ));
}

async fn whole_article_feeds_are_valid_with_absolute_links(db: TestDb) {
    let app = TestApp::french(db).await;
    let source = french_article_source("entier", None).replace(
        "Aucun détail chiffré",
        "Voir [notre dossier](/category/international/) et [ailleurs](https://example.org/x). Aucun détail chiffré",
    );
    app.publish(&source, None).await;
    let mut site = app.store.site().await.unwrap().unwrap();
    site.full_text_feeds = true;
    app.save_site(&site).await;
    for (path, content_type) in [
        ("/feed/", "application/rss+xml; charset=utf-8"),
        ("/feed/atom/", "application/atom+xml; charset=utf-8"),
    ] {
        let body = fetch(&app, path, content_type).await;
        feedparser(&body, 1);
        let doc = roxmltree::Document::parse(&body).unwrap();
        let content = doc
            .descendants()
            .find(|n| matches!(n.tag_name().name(), "encoded" | "content"))
            .and_then(|n| n.text())
            .unwrap_or_else(|| panic!("{path}: no whole article\n{body}"));
        assert!(content.contains("Sergueï Lavrov a salué"), "{path}");
        assert!(
            content.contains(&format!("href=\"{BASE}/category/international/\"")),
            "{path}: {content}"
        );
        assert!(content.contains("href=\"https://example.org/x\""), "{path}");
    }
}

/// An article that shows markup as code (`<img src=x onerror=…>`): RSS
/// readers take `description` as HTML, so it is escaped for HTML and then
/// for XML — the reader shows the text, no live tag. Atom's summary is
/// text by its type.
async fn markup_shown_as_text_stays_text_in_feed_readers(db: TestDb) {
    let app = TestApp::french(db).await;
    let shown = "<img src=x onerror=alert(1)>";
    app.publish(
        &french_article_source("code-montre", None).replace(
            "La Corée du Nord a affirmé jeudi",
            &format!("Le code `{shown}` s'affiche tel quel. La Corée du Nord a affirmé jeudi"),
        ),
        None,
    )
    .await;
    let rss = fetch(&app, "/feed/", "application/rss+xml; charset=utf-8").await;
    let doc = roxmltree::Document::parse(&rss).unwrap();
    let description = doc
        .descendants()
        .find(|n| n.has_tag_name("item"))
        .and_then(|item| item.children().find(|n| n.has_tag_name("description")))
        .and_then(|d| d.text())
        .unwrap();
    assert!(
        description.contains("&lt;img src=x onerror=alert(1)&gt;"),
        "{description}"
    );
    assert!(!description.contains('<'), "{description}");
    let atom = fetch(&app, "/feed/atom/", "application/atom+xml; charset=utf-8").await;
    let doc = roxmltree::Document::parse(&atom).unwrap();
    let summary = doc
        .descendants()
        .find(|n| n.has_tag_name("summary"))
        .unwrap();
    assert_eq!(summary.attribute("type"), None, "text by default");
    assert!(summary.text().unwrap().contains(shown));
    feedparser(&rss, 1);
}
