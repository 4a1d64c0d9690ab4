//! What search engines read, over HTTP on both databases: robots.txt, the
//! sitemap index and its sitemaps, and the Google News sitemap — parsed as
//! XML, with drafts and private data absent.

use chrono::Utc;
use kiosque_core::types::Role;
use kiosque_testkit::fixtures::french_article_source;
use kiosque_testkit::{TestApp, TestDb, both_databases};

both_databases!(
    robots_txt_points_at_both_sitemaps,
    sitemaps_list_every_published_page_and_nothing_else,
    the_news_sitemap_has_the_last_two_days,
);

const BASE: &str = "https://news.example.org";
const SITEMAP: &str = "http://www.sitemaps.org/schemas/sitemap/0.9";
const NEWS: &str = "http://www.google.com/schemas/sitemap-news/0.9";

/// Fetches and parses an XML document; checks its type.
async fn xml(app: &TestApp, path: &str) -> String {
    let r = app.get(path).await;
    assert_eq!(r.status(), 200, "{path}");
    assert_eq!(
        r.headers()["content-type"],
        "application/xml; charset=utf-8"
    );
    let body = r.text().await.unwrap();
    roxmltree::Document::parse(&body).unwrap_or_else(|e| panic!("{path}: {e}\n{body}"));
    body
}

/// The text of every `<ns:name>` element, in order.
fn texts(body: &str, ns: &str, name: &str) -> Vec<String> {
    let doc = roxmltree::Document::parse(body).unwrap();
    doc.descendants()
        .filter(|n| n.tag_name().name() == name && n.tag_name().namespace() == Some(ns))
        .map(|n| n.text().unwrap_or_default().to_owned())
        .collect()
}

async fn robots_txt_points_at_both_sitemaps(db: TestDb) {
    let app = TestApp::french(db).await;
    let r = app.get("/robots.txt").await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "text/plain; charset=utf-8");
    let body = r.text().await.unwrap();
    assert!(body.contains("Disallow: /admin/"));
    assert!(body.contains(&format!("Sitemap: {BASE}/sitemap.xml")));
    assert!(body.contains(&format!("Sitemap: {BASE}/sitemaps/news.xml")));
}

async fn sitemaps_list_every_published_page_and_nothing_else(db: TestDb) {
    let app = TestApp::french(db).await;
    let old = app
        .publish(&french_article_source("ancien", None), None)
        .await;
    // A draft by the newsroom: never listed.
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
    let index = xml(&app, "/sitemap.xml").await;
    let locs = texts(&index, SITEMAP, "loc");
    assert_eq!(
        locs,
        vec![
            format!("{BASE}/sitemaps/sections.xml"),
            format!("{BASE}/sitemaps/articles-1.xml")
        ]
    );
    assert_eq!(texts(&index, SITEMAP, "lastmod").len(), 1);
    let sections = xml(&app, "/sitemaps/sections.xml").await;
    let urls = texts(&sections, SITEMAP, "loc");
    for expected in [
        "/",
        "/category/international/",
        "/tag/coree-du-nord/",
        "/author/gaelle-villeneuve/",
    ] {
        assert!(
            urls.contains(&format!("{BASE}{expected}")),
            "{expected}: {urls:?}"
        );
    }
    let articles = xml(&app, "/sitemaps/articles-1.xml").await;
    assert_eq!(
        texts(&articles, SITEMAP, "loc"),
        vec![format!("{BASE}{old}")]
    );
    let lastmod = texts(&articles, SITEMAP, "lastmod");
    assert!(chrono::DateTime::parse_from_rfc3339(&lastmod[0]).is_ok());
    for body in [&index, &sections, &articles] {
        assert!(!body.contains("Brouillon") && !body.contains("@example.org"));
    }
    // Past the last page, or a name that is not a sitemap: 404.
    for path in [
        "/sitemaps/articles-2.xml",
        "/sitemaps/articles-0.xml",
        "/sitemaps/articles-x.xml",
        "/sitemaps/../kiosque.toml",
    ] {
        assert_eq!(app.get(path).await.status(), 404, "{path}");
    }
}

async fn the_news_sitemap_has_the_last_two_days(db: TestDb) {
    let app = TestApp::french(db).await;
    // One from 2024, one from an hour ago (with characters XML must escape).
    app.publish(&french_article_source("archive", None), None)
        .await;
    let recent = (Utc::now() - chrono::Duration::hours(1)).format("%Y-%m-%dT%H:%M:%SZ");
    let source = french_article_source("frais", None)
        .replace("date: 2024-11-01T18:30:00Z", &format!("date: {recent}"))
        .replace(
            "title: \"Coopération militaire : Pyongyang dit être prêt à « aider » Moscou\"",
            "title: \"Budget & dette : le « oui » <prudent> du Sénat\"",
        );
    let path = app.publish(&source, None).await;
    let news = xml(&app, "/sitemaps/news.xml").await;
    assert_eq!(texts(&news, SITEMAP, "loc"), vec![format!("{BASE}{path}")]);
    assert_eq!(texts(&news, NEWS, "name"), vec!["Afrique Première Tv"]);
    assert_eq!(texts(&news, NEWS, "language"), vec!["fr"]);
    assert_eq!(
        texts(&news, NEWS, "title"),
        vec!["Budget & dette : le « oui » <prudent> du Sénat"]
    );
    let date = &texts(&news, NEWS, "publication_date")[0];
    assert!(chrono::DateTime::parse_from_rfc3339(date).is_ok(), "{date}");
}
