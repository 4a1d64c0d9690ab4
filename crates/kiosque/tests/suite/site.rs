//! The public pages over HTTP, against the real application on both databases.

use crate::common;

use common::{assert_in_order, plain, png};
use kiosque_core::ports::Store;
use kiosque_core::types::Locale;
use kiosque_testkit::fixtures::french_article_source;
use kiosque_testkit::{TestApp, TestDb, both_databases};

both_databases!(
    article_page_has_every_reference_element_in_order,
    english_site_shows_english_strings,
    headline_never_breaks_before_the_colon,
    article_markdown_is_sanitised,
    home_category_and_author_pages_list_articles,
    lists_are_paginated_and_pages_past_the_end_are_404,
    unknown_pages_are_404_with_a_translated_page,
    an_article_under_another_date_redirects_to_its_url,
    media_is_served_immutable_and_traversal_is_impossible,
    the_site_icon_is_named_by_every_page_and_served_immutable,
    pages_carry_security_headers_and_no_script,
    article_page_weighs_under_30_kb_compressed,
    articles_describe_themselves_to_previews_and_search_engines,
    tags_have_their_own_pages_and_feeds,
    date_archives_list_a_year_and_a_month,
);

async fn article_page_has_every_reference_element_in_order(db: TestDb) {
    let app = TestApp::french(db).await;
    let path = app
        .publish(
            &french_article_source("cooperation", Some("photo.png")),
            Some(("photo.png", &png(1))),
        )
        .await;
    assert_eq!(path, "/2024/11/cooperation/");
    let (status, html) = app.page(&path).await;
    assert_eq!(status, 200);
    let page = plain(&html);
    assert_in_order(
        &page,
        &[
            "<html lang=\"fr\">",
            "<main",
            "<h1>Coopération militaire : Pyongyang dit être prêt à « aider » Moscou</h1>",
            ">Partager</h2>",
            "https://wa.me/?text=",
            "https://www.facebook.com/sharer/sharer.php?u=",
            "https://x.com/intent/post?",
            "https://t.me/share/url?",
            "https://www.linkedin.com/sharing/share-offsite/?url=",
            "mailto:?subject=",
            "<figure",
            "<img src=\"/media/",
            "<figcaption>Photo de Sergueï Lavrov, ministre russe des Affaires étrangères.",
            "</figure>",
            "<p>La Corée du Nord a affirmé",
            "Selon l'agence de presse russe TASS, Sergueï Lavrov",
            "« Nous suivons la situation de près »",
            "Par : <a rel=\"author\" href=\"/author/gaelle-villeneuve/\">Gaëlle Villeneuve</a> / Afrique Première Tv",
            "1er novembre 2024",
            "Laisser un commentaire</h2>",
            "Votre adresse e-mail ne sera pas publiée. Les champs obligatoires sont indiqués avec *",
            "<form",
            "Commentaire <span class=\"req\">*</span>",
            "Nom <span class=\"req\">*</span>",
            "E-mail <span class=\"req\">*</span>",
            "<label for=\"url\">Site web</label>",
            "<button type=\"submit\">",
            "</main>",
        ],
    );
    // The share links carry the public address of the article.
    assert!(page.contains("https%3A%2F%2Fnews.example.org%2F2024%2F11%2Fcooperation%2F"));
    // The image has its real dimensions (no layout shift).
    assert!(page.contains("width=\"320\" height=\"180\""));
    // The author page lists the article.
    let (status, author) = app.page("/author/gaelle-villeneuve/").await;
    assert_eq!(status, 200);
    assert!(author.contains("href=\"/2024/11/cooperation/\""));
}

async fn english_site_shows_english_strings(db: TestDb) {
    let app = TestApp::start(db, Locale::En, |_| {}).await;
    let source = french_article_source("english", None);
    let path = app.publish(&source, None).await;
    let (_, html) = app.page(&path).await;
    assert_in_order(
        &html,
        &[
            "<html lang=\"en\">",
            ">Share</h2>",
            "By <a rel=\"author\"",
            "/ Africa First TV",
            "1 November 2024",
            "Leave a comment</h2>",
            "Your email address will not be published. Required fields are marked *",
            "Comment <span class=\"req\">*</span>",
            "Name <span class=\"req\">*</span>",
            "Email <span class=\"req\">*</span>",
            "Website</label>",
        ],
    );
    assert!(!html.contains("Laisser un commentaire"));
}

async fn headline_never_breaks_before_the_colon(db: TestDb) {
    let app = TestApp::french(db).await;
    let path = app
        .publish(&french_article_source("insecable", None), None)
        .await;
    let (_, html) = app.page(&path).await;
    assert!(
        html.contains("<h1>Coopération militaire\u{a0}: Pyongyang"),
        "the space before the colon must be a no-break space"
    );
}

async fn article_markdown_is_sanitised(db: TestDb) {
    let app = TestApp::french(db).await;
    let source = "---\ntitle: Essai\nauthor: A B\n---\nTexte <script>alert(1)</script> et <a href=\"javascript:alert(2)\" onclick=\"x()\">lien</a>.\n";
    let path = app.publish(source, None).await;
    let (_, html) = app.page(&path).await;
    only_known_scripts(&html);
    assert!(!html.contains("alert(1)</script>"), "{html}");
    assert!(!html.contains("javascript:"), "{html}");
    assert!(!html.contains("onclick"), "{html}");
    assert!(html.contains("Texte "));
}

fn numbered(slug: &str, day: u32, category: &str, author: &str) -> String {
    format!(
        "---\ntitle: \"Article {slug}\"\nauthor: \"{author}\"\ndate: 2024-10-{day:02}T08:00:00Z\ncategory: \"{category}\"\nslug: {slug}\n---\nPremier paragraphe de l'article {slug}, sur le fond.\n\nSecond paragraphe.\n"
    )
}

async fn home_category_and_author_pages_list_articles(db: TestDb) {
    let app = TestApp::french(db).await;
    app.publish(&numbered("un", 1, "Sport", "Awa Diop"), None)
        .await;
    app.publish(&numbered("deux", 2, "Économie", "Awa Diop"), None)
        .await;
    app.publish(&numbered("trois", 3, "Sport", "Jean Mbarga"), None)
        .await;
    let (status, home) = app.page("/").await;
    assert_eq!(status, 200);
    assert_in_order(
        &home,
        &[
            "href=\"/2024/10/trois/\"",
            "3 octobre 2024",
            "Premier paragraphe de l&#39;article trois",
            "href=\"/2024/10/deux/\"",
            "href=\"/2024/10/un/\"",
        ],
    );
    let (status, sport) = app.page("/category/sport/").await;
    assert_eq!(status, 200);
    assert!(sport.contains("Rubrique\u{a0}: Sport"));
    assert!(sport.contains("/2024/10/trois/") && sport.contains("/2024/10/un/"));
    assert!(!sport.contains("/2024/10/deux/"));
    let (_, eco) = app.page("/category/economie/").await;
    assert!(eco.contains("/2024/10/deux/"));
    let (status, awa) = app.page("/author/awa-diop/").await;
    assert_eq!(status, 200);
    assert!(awa.contains("Articles de Awa Diop"));
    assert!(awa.contains("/2024/10/deux/") && !awa.contains("/2024/10/trois/"));
    let (_, article) = app.page("/2024/10/trois/").await;
    assert!(article.contains("href=\"/category/sport/\""));
}

async fn lists_are_paginated_and_pages_past_the_end_are_404(db: TestDb) {
    let app = TestApp::start(db, Locale::Fr, |s| s.web.per_page = 2).await;
    for (i, slug) in ["a", "b", "c"].iter().enumerate() {
        app.publish(&numbered(slug, i as u32 + 1, "Sport", "Awa Diop"), None)
            .await;
    }
    let (_, first) = app.page("/").await;
    assert!(first.contains("rel=\"next\" href=\"/page/2/\""));
    assert!(first.contains("Page 1 sur 2"));
    let (status, second) = app.page("/page/2/").await;
    assert_eq!(status, 200);
    assert!(second.contains("/2024/10/a/"));
    assert!(second.contains("rel=\"prev\" href=\"/\""));
    assert_eq!(app.page("/page/3/").await.0, 404);
    assert_eq!(app.page("/page/0/").await.0, 404);
    assert_eq!(app.page("/page/abc/").await.0, 404);
    let r = app.get("/page/1/").await;
    assert_eq!(r.status(), 301);
    assert_eq!(r.headers()["location"], "/");
    assert_eq!(app.page("/category/sport/page/2/").await.0, 200);
    assert_eq!(app.page("/category/sport/page/3/").await.0, 404);
    assert_eq!(app.page("/author/awa-diop/page/2/").await.0, 200);
}

async fn unknown_pages_are_404_with_a_translated_page(db: TestDb) {
    let app = TestApp::french(db).await;
    for path in [
        "/2024/11/absent/",
        "/category/absente/",
        "/author/personne/",
        "/nimporte/quoi",
        "/2024/11/Majuscules/",
    ] {
        let (status, html) = app.page(path).await;
        assert_eq!(status, 404, "{path}");
        assert!(html.contains("Page introuvable"), "{path}: {html}");
        assert!(html.contains("<html lang=\"fr\">"));
    }
}

async fn an_article_under_another_date_redirects_to_its_url(db: TestDb) {
    let app = TestApp::french(db).await;
    let path = app
        .publish(&french_article_source("date-juste", None), None)
        .await;
    let r = app.get("/2023/01/date-juste/").await;
    assert_eq!(r.status(), 301);
    assert_eq!(r.headers()["location"], path.as_str());
}

async fn media_is_served_immutable_and_traversal_is_impossible(db: TestDb) {
    let app = TestApp::french(db).await;
    let path = app
        .publish(
            &french_article_source("photo", Some("p.png")),
            Some(("p.png", &png(2))),
        )
        .await;
    let (_, html) = app.page(&path).await;
    let start = html.find("/media/").expect("an image");
    let end = start + html[start..].find('"').expect("end of src");
    let src = &html[start..end];
    let r = app.get(src).await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "image/png");
    assert_eq!(
        r.headers()["cache-control"],
        "public, max-age=31536000, immutable"
    );
    let bytes = r.bytes().await.expect("bytes");
    assert!(bytes.starts_with(b"\x89PNG"));
    for attempt in [
        "/media/..%2Fkiosque.toml",
        "/media/..%2F..%2Fetc%2Fpasswd",
        "/media/%2e%2e/kiosque.toml",
        "/media/../kiosque.toml",
        "/media/kiosque.db",
    ] {
        let r = app.get(attempt).await;
        assert_eq!(r.status(), 404, "{attempt}");
    }
}

/// The icon every page names, and `/favicon.ico` for clients that ask for
/// it blindly, answered without rendering a 404 page.
async fn the_site_icon_is_named_by_every_page_and_served_immutable(db: TestDb) {
    let app = TestApp::french(db).await;
    let (_, html) = app.page("/").await;
    let icon = html
        .split("<link rel=\"icon\" href=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("an icon link");
    assert!(
        icon.starts_with("/assets/icon.") && icon.ends_with(".svg"),
        "{icon}"
    );
    let r = app.get("/favicon.ico").await;
    assert_eq!(r.status(), 301);
    assert_eq!(r.headers()["location"], icon);
    let r = app.get(icon).await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "image/svg+xml");
    assert_eq!(
        r.headers()["cache-control"],
        "public, max-age=31536000, immutable"
    );
    assert!(r.text().await.unwrap().starts_with("<svg"));
}

async fn pages_carry_security_headers_and_no_script(db: TestDb) {
    let app = TestApp::french(db).await;
    let path = app
        .publish(&french_article_source("entetes", None), None)
        .await;
    let r = app.get(&path).await;
    let h = r.headers().clone();
    assert!(
        h["content-security-policy"]
            .to_str()
            .unwrap()
            .contains("default-src 'none'")
    );
    assert_eq!(h["x-content-type-options"], "nosniff");
    assert_eq!(h["content-type"], "text/html; charset=utf-8");
    let html = r.text().await.unwrap();
    only_known_scripts(&html);
    let css = html
        .split("rel=\"stylesheet\" href=\"")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .expect("a stylesheet");
    let r = app.get(css).await;
    assert_eq!(r.status(), 200);
    assert_eq!(
        r.headers()["cache-control"],
        "public, max-age=31536000, immutable"
    );
    assert_eq!(app.get("/assets/other.css").await.status(), 404);
}

async fn article_page_weighs_under_30_kb_compressed(db: TestDb) {
    let app = TestApp::french(db).await;
    let path = app
        .publish(
            &french_article_source("poids", Some("p.png")),
            Some(("p.png", &png(3))),
        )
        .await;
    let mut total = 0;
    let fetch = |p: String| {
        let client = app.client.clone();
        let url = app.url(&p);
        async move {
            let r = client
                .get(url)
                .header("accept-encoding", "br, gzip")
                .send()
                .await
                .unwrap();
            assert!(
                r.headers().contains_key("content-encoding"),
                "{p} compressed"
            );
            r.bytes().await.unwrap().len()
        }
    };
    let html_size = fetch(path.clone()).await;
    total += html_size;
    let (_, html) = app.page(&path).await;
    let css = html
        .split("rel=\"stylesheet\" href=\"")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .unwrap()
        .to_owned();
    total += fetch(css).await;
    assert!(total <= 30 * 1024, "HTML + CSS compressed: {total} bytes");
}

/// The `content` of `<meta property="…">`, unescaped enough for tests.
fn meta<'a>(html: &'a str, property: &str) -> &'a str {
    let key = format!("property=\"{property}\" content=\"");
    let start = html
        .find(&key)
        .unwrap_or_else(|| panic!("{property} missing"))
        + key.len();
    &html[start..start + html[start..].find('"').unwrap()]
}

async fn articles_describe_themselves_to_previews_and_search_engines(db: TestDb) {
    let app = TestApp::french(db).await;
    let source = french_article_source("apercu", Some("photo.jpg")).replace(
        "---\n",
        "---\nseo_description: \"Pyongyang se dit prêt à aider Moscou </script><b>\"\n",
    );
    let path = app
        .publish(
            &source,
            Some(("photo.jpg", &kiosque_media::demo_photo(3, 1600, 900, true))),
        )
        .await;
    app.wait_for_copies("apercu").await;
    let html = app.page(&path).await.1;
    let url = format!("https://news.example.org{path}");
    // The WhatsApp / Facebook preview: headline, photo, description.
    assert_eq!(meta(&html, "og:type"), "article");
    assert_eq!(meta(&html, "og:url"), url);
    assert!(meta(&html, "og:title").starts_with("Coopération militaire"));
    assert!(meta(&html, "og:description").starts_with("Pyongyang se dit prêt"));
    let image = meta(&html, "og:image");
    assert!(
        image.starts_with("https://news.example.org/media/") && image.ends_with("-1280.jpg"),
        "{image}"
    );
    assert_eq!(meta(&html, "og:image:width"), "1280");
    assert_eq!(meta(&html, "og:image:height"), "720");
    assert_eq!(meta(&html, "og:locale"), "fr_FR");
    assert!(html.contains("<meta name=\"twitter:card\" content=\"summary_large_image\">"));
    assert_eq!(
        app.get(image.trim_start_matches("https://news.example.org"))
            .await
            .status(),
        200
    );
    // JSON-LD NewsArticle with what Google asks for; nothing in it can
    // close the script element.
    let start = html.find("<script type=\"application/ld+json\">").unwrap() + 35;
    let end = start + html[start..].find("</script>").unwrap();
    let ld: serde_json::Value = serde_json::from_str(&html[start..end]).expect("valid JSON-LD");
    assert_eq!(ld["@context"], "https://schema.org");
    assert_eq!(ld["@type"], "NewsArticle");
    assert!(
        ld["headline"]
            .as_str()
            .unwrap()
            .starts_with("Coopération militaire")
    );
    assert!(ld["headline"].as_str().unwrap().chars().count() <= 110);
    assert_eq!(ld["image"][0]["url"], image);
    assert_eq!(ld["datePublished"], "2024-11-01T18:30:00Z");
    assert!(ld["dateModified"].as_str().unwrap() >= "2024-11-01T18:30:00Z");
    assert_eq!(ld["author"][0]["@type"], "Person");
    assert_eq!(ld["author"][0]["name"], "Gaëlle Villeneuve");
    assert_eq!(
        ld["author"][0]["url"],
        "https://news.example.org/author/gaelle-villeneuve/"
    );
    assert_eq!(ld["publisher"]["name"], "Afrique Première Tv");
    assert_eq!(ld["articleSection"], "International");
    assert_eq!(ld["inLanguage"], "fr");
    assert_eq!(ld["mainEntityOfPage"]["@id"], url);
    assert!(ld["description"].as_str().unwrap().contains("</script><b>"));
    assert!(!html[start..end].contains("</script"));
    // Lists are websites, with their own canonical URL.
    let home = app.page("/").await.1;
    assert_eq!(meta(&home, "og:type"), "website");
    assert_eq!(meta(&home, "og:url"), "https://news.example.org/");
    // The home page describes the site itself.
    let start = home.find("<script type=\"application/ld+json\">").unwrap() + 35;
    let end = start + home[start..].find("</script>").unwrap();
    let site_ld: serde_json::Value = serde_json::from_str(&home[start..end]).unwrap();
    assert_eq!(site_ld["@type"], "WebSite");
    assert_eq!(site_ld["name"], "Afrique Première Tv");
    assert_eq!(site_ld["url"], "https://news.example.org/");
}

async fn tags_have_their_own_pages_and_feeds(db: TestDb) {
    let app = TestApp::start(db, kiosque_core::types::Locale::Fr, |s| s.web.per_page = 1).await;
    let first = app
        .publish(&french_article_source("premier", None), None)
        .await;
    let second = app
        .publish(
            &french_article_source("second", None).replace("2024-11-01", "2024-11-02"),
            None,
        )
        .await;
    let untagged = app
        .publish(
            &french_article_source("sans-mot-cle", None)
                .replace("tags: [\"Corée du Nord\", \"Russie\"]\n", ""),
            None,
        )
        .await;
    assert!(
        app.store
            .article_by_slug(&kiosque_core::types::Slug::parse("sans-mot-cle").unwrap())
            .await
            .unwrap()
            .unwrap()
            .tags
            .is_empty()
    );
    // The article links its tags.
    let article = app.page(&first).await.1;
    assert!(article.contains("<a rel=\"tag\" href=\"/tag/coree-du-nord/\">Corée du Nord</a>"));
    // The tag's page lists its articles, newest first, one per page here.
    let (status, page) = app.page("/tag/coree-du-nord/").await;
    assert_eq!(status, 200);
    let page = common::plain(&page);
    assert!(page.contains("<h1>Mot-clé : Corée du Nord</h1>"), "{page}");
    assert!(page.contains(&format!("href=\"{second}\"")));
    assert!(!page.contains(&format!("href=\"{untagged}\"")));
    assert!(
        page.contains(
            "<link rel=\"canonical\" href=\"https://news.example.org/tag/coree-du-nord/\">"
        )
    );
    let (status, page2) = app.page("/tag/coree-du-nord/page/2/").await;
    assert_eq!(status, 200);
    assert!(page2.contains(&format!("href=\"{first}\"")));
    assert_eq!(app.page("/tag/coree-du-nord/page/3/").await.0, 404);
    assert_eq!(app.get("/tag/coree-du-nord/page/1/").await.status(), 301);
    assert_eq!(app.page("/tag/inconnu/").await.0, 404);
    // Its feed.
    let r = app.get("/tag/coree-du-nord/feed/").await;
    assert_eq!(r.status(), 200);
    let feed = r.text().await.unwrap();
    roxmltree::Document::parse(&feed).unwrap();
    assert!(feed.contains(&second) && feed.contains(&first) && !feed.contains(&untagged));
    assert!(page.contains("href=\"/tag/coree-du-nord/feed/\""));
}

async fn date_archives_list_a_year_and_a_month(db: TestDb) {
    let app = TestApp::start(db, kiosque_core::types::Locale::Fr, |s| s.web.per_page = 1).await;
    let november = app
        .publish(&french_article_source("novembre", None), None)
        .await;
    let october = app
        .publish(
            &french_article_source("octobre", None).replace("2024-11-01", "2024-10-15"),
            None,
        )
        .await;
    let other_year = app
        .publish(
            &french_article_source("l-an-passe", None).replace("2024-11-01", "2023-12-31"),
            None,
        )
        .await;
    let (status, month) = app.page("/2024/11/").await;
    assert_eq!(status, 200);
    let month = common::plain(&month);
    assert!(
        month.contains("<h1>Archives : novembre 2024</h1>"),
        "{month}"
    );
    assert!(month.contains(&format!("href=\"{november}\"")));
    assert!(!month.contains(&format!("href=\"{october}\"")));
    assert!(month.contains("<link rel=\"canonical\" href=\"https://news.example.org/2024/11/\">"));
    let (status, year) = app.page("/2024/").await;
    assert_eq!(status, 200);
    assert!(common::plain(&year).contains("<h1>Archives : 2024</h1>"));
    assert!(
        year.contains(&format!("href=\"{november}\"")),
        "newest first"
    );
    let (status, year2) = app.page("/2024/page/2/").await;
    assert_eq!(status, 200);
    assert!(year2.contains(&format!("href=\"{october}\"")));
    assert_eq!(app.page("/2024/page/3/").await.0, 404);
    assert_eq!(app.get("/2024/11/page/1/").await.status(), 301);
    assert!(
        app.page("/2023/")
            .await
            .1
            .contains(&format!("href=\"{other_year}\""))
    );
    // Empty or impossible periods are not found; articles still are.
    for path in [
        "/2022/",
        "/2024/13/",
        "/2024/1/",
        "/24/",
        "/2024/09/",
        "/abcd/",
    ] {
        assert_eq!(app.page(path).await.0, 404, "{path}");
    }
    assert_eq!(app.page(&november).await.0, 200);
    assert_eq!(app.page("/feed/").await.0, 200);
}

/// Public pages work without JavaScript: the only script elements are the
/// JSON-LD data block and the share block's small same-origin enhancement.
fn only_known_scripts(html: &str) {
    let data = html
        .matches("<script type=\"application/ld+json\">")
        .count();
    let share = html.matches("<script src=\"/assets/share.").count();
    assert!(share <= 1, "{html}");
    assert_eq!(html.matches("<script").count(), data + share, "{html}");
}
