//! The site's presentation settings over HTTP, on both databases: the
//! newsroom's time zone, the share links readers get, the logo, the shape
//! of article addresses (old ones redirect) and full-text feeds.

use crate::common;

use kiosque_core::model::ShareNetwork;
use kiosque_core::ports::Store;
use kiosque_core::types::Role;
use kiosque_testkit::fixtures::french_article_source;
use kiosque_testkit::{Newsroom, TestApp, TestDb, both_databases};

both_databases!(
    dates_follow_the_newsrooms_time_zone,
    an_unknown_time_zone_is_refused_and_nothing_changes,
    readers_get_only_the_chosen_share_links,
    an_administrator_sets_and_removes_the_logo,
    a_bad_logo_is_refused_and_only_administrators_may_change_it,
    every_address_shape_leads_to_the_article_and_old_ones_redirect,
    a_renamed_article_keeps_its_old_address,
    feeds_carry_whole_articles_when_chosen,
    the_newsrooms_colour_and_header_layout_need_no_template,
);

/// The status and `Location` of a request that must be a 301.
async fn moved(app: &TestApp, path: &str) -> String {
    let r = app.get(path).await;
    assert_eq!(r.status(), 301, "{path}");
    r.headers()["location"].to_str().unwrap().to_owned()
}

/// Saves the settings form with the site's current values but these.
async fn save_settings(admin: &Newsroom<'_>, changes: &[(&str, &str)]) -> reqwest::Response {
    let mut fields = vec![
        ("name", "Afrique Première Tv"),
        ("language", "fr"),
        ("comment_policy", "hold_all"),
        ("close_after_days", "0"),
        ("blocked_terms", ""),
        ("time_zone", "UTC"),
    ];
    fields.retain(|(k, _)| !changes.iter().any(|(c, _)| c == k));
    fields.extend_from_slice(changes);
    admin.post("/admin/settings", &fields).await
}

async fn dates_follow_the_newsrooms_time_zone(db: TestDb) {
    let app = TestApp::french(db).await;
    // Published at 18:30 UTC on 1 November 2024.
    let path = app
        .publish(&french_article_source("fuseau", None), None)
        .await;
    assert!(common::plain(&app.page(&path).await.1).contains("1er novembre 2024"));
    let admin = app.newsroom("admin@example.org", Role::Administrator).await;
    let (_, form) = admin.page("/admin/settings").await;
    assert!(form.contains("<option>Africa/Abidjan</option>"));
    assert!(form.contains("<option selected>UTC</option>"));
    // In Auckland (UTC+13 in November) it is already the 2nd, at 7:30.
    let r = save_settings(&admin, &[("time_zone", "Pacific/Auckland")]).await;
    assert_eq!(r.status(), 303);
    let page = common::plain(&app.page(&path).await.1);
    assert!(page.contains("2 novembre 2024"), "{page}");
    // The machine-readable date stays exact.
    assert!(page.contains("datetime=\"2024-11-01T18:30:00Z\""));
    // The editor shows and reads dates on the same clock.
    let id = app
        .store
        .article_by_slug(&kiosque_core::types::Slug::parse("fuseau").unwrap())
        .await
        .unwrap()
        .unwrap()
        .id;
    let (_, editor) = admin.page(&format!("/admin/articles/{id}/edit")).await;
    assert!(editor.contains("value=\"2024-11-02T07:30:00\""), "{editor}");
    assert!(editor.contains("Pacific/Auckland"));
}

async fn an_unknown_time_zone_is_refused_and_nothing_changes(db: TestDb) {
    let app = TestApp::french(db).await;
    let admin = app.newsroom("admin@example.org", Role::Administrator).await;
    let r = save_settings(&admin, &[("time_zone", "Mars/Olympus"), ("name", "Autre")]).await;
    assert_eq!(r.status(), 422);
    assert!(
        r.text()
            .await
            .unwrap()
            .contains("Choisissez un fuseau de la liste.")
    );
    let site = app.store.site().await.unwrap().unwrap();
    assert_eq!(site.name, "Afrique Première Tv");
    assert_eq!(site.time_zone.name(), "UTC");
}

async fn readers_get_only_the_chosen_share_links(db: TestDb) {
    let app = TestApp::french(db).await;
    let path = app
        .publish(&french_article_source("partage", None), None)
        .await;
    let page = app.page(&path).await.1;
    for network in ShareNetwork::ALL {
        assert!(page.contains(&format!("class=\"share-{}\"", network.as_str())));
    }
    let admin = app.newsroom("admin@example.org", Role::Administrator).await;
    let r = save_settings(&admin, &[("share", "whatsapp"), ("share", "email")]).await;
    assert_eq!(r.status(), 303);
    let page = app.page(&path).await.1;
    assert!(page.contains("class=\"share-whatsapp\""));
    assert!(page.contains("class=\"share-email\""));
    assert!(!page.contains("class=\"share-facebook\""));
    assert!(!page.contains("facebook.com"));
    // None at all: no empty share block either.
    save_settings(&admin, &[]).await;
    let page = app.page(&path).await.1;
    assert!(!page.contains("class=\"share\""), "no share section");
    let (_, form) = admin.page("/admin/settings").await;
    assert!(!form.contains("value=\"whatsapp\" checked"));
}

async fn an_administrator_sets_and_removes_the_logo(db: TestDb) {
    let app = TestApp::french(db).await;
    let admin = app.newsroom("admin@example.org", Role::Administrator).await;
    let logo = kiosque_media::demo_photo(4, 300, 80, false);
    let r = admin
        .upload(
            "/admin/settings/logo",
            &[("action", "save")],
            Some(("logo.png", logo)),
        )
        .await;
    assert_eq!(r.status(), 303);
    let stored = app
        .store
        .site()
        .await
        .unwrap()
        .unwrap()
        .logo
        .expect("a logo");
    assert_eq!((stored.width, stored.height), (300, 80));
    let home = app.page("/").await.1;
    assert!(home.contains(&format!(
        "<img src=\"/media/{}\" width=\"300\" height=\"80\" alt=\"Afrique Première Tv\">",
        stored.file_name
    )));
    assert_eq!(
        app.get(&format!("/media/{}", stored.file_name))
            .await
            .status(),
        200
    );
    // Saving the other settings keeps the logo.
    save_settings(&admin, &[("name", "APTV")]).await;
    assert!(app.store.site().await.unwrap().unwrap().logo.is_some());
    let r = admin
        .upload("/admin/settings/logo", &[("action", "remove")], None)
        .await;
    assert_eq!(r.status(), 303);
    assert!(app.store.site().await.unwrap().unwrap().logo.is_none());
    assert!(
        app.page("/")
            .await
            .1
            .contains("class=\"brand\" href=\"/\">APTV</a>")
    );
}

async fn a_bad_logo_is_refused_and_only_administrators_may_change_it(db: TestDb) {
    let app = TestApp::start(db, kiosque_core::types::Locale::Fr, |s| {
        s.web.media_limits.max_bytes = 100_000;
    })
    .await;
    let admin = app.newsroom("admin@example.org", Role::Administrator).await;
    let r = admin
        .upload(
            "/admin/settings/logo",
            &[("action", "save")],
            Some(("logo.png", b"<svg onload=alert(1)>".to_vec())),
        )
        .await;
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("lisible"));
    let r = admin
        .upload("/admin/settings/logo", &[("action", "save")], None)
        .await;
    assert_eq!(r.status(), 422);
    let r = admin
        .upload(
            "/admin/settings/logo",
            &[("action", "save")],
            Some(("big.png", vec![0; 400_000])),
        )
        .await;
    assert_eq!(r.status(), 413);
    assert!(app.store.site().await.unwrap().unwrap().logo.is_none());
    let editor = app.newsroom("ed@example.org", Role::Editor).await;
    let r = editor
        .upload(
            "/admin/settings/logo",
            &[("action", "save")],
            Some(("logo.png", kiosque_media::demo_photo(1, 40, 30, false))),
        )
        .await;
    assert_eq!(r.status(), 403);
    assert!(app.store.site().await.unwrap().unwrap().logo.is_none());
}

async fn every_address_shape_leads_to_the_article_and_old_ones_redirect(db: TestDb) {
    let app = TestApp::french(db).await;
    let path = app
        .publish(&french_article_source("sommet", None), None)
        .await;
    assert_eq!(path, "/2024/11/sommet/", "the default shape");
    assert_eq!(app.page(&path).await.0, 200);
    for other in ["/sommet/", "/international/sommet/", "/2023/01/sommet/"] {
        assert_eq!(moved(&app, other).await, path, "{other}");
    }
    assert_eq!(
        moved(&app, "/sommet/?replytocom=7").await,
        "/2024/11/sommet/?replytocom=7"
    );
    // Archives keep their addresses whatever the shape.
    assert_eq!(app.page("/2024/").await.0, 200);
    assert_eq!(app.page("/2024/11/").await.0, 200);
    assert_eq!(app.page("/absent/").await.0, 404);
    assert_eq!(app.page("/international/absent/").await.0, 404);

    let admin = app.newsroom("admin@example.org", Role::Administrator).await;
    let r = save_settings(&admin, &[("permalink", "slug")]).await;
    assert_eq!(r.status(), 303);
    let (status, page) = app.page("/sommet/").await;
    assert_eq!(status, 200);
    assert!(page.contains(r#"<link rel="canonical" href="https://news.example.org/sommet/">"#));
    assert_eq!(moved(&app, "/2024/11/sommet/").await, "/sommet/");
    assert_eq!(moved(&app, "/international/sommet/").await, "/sommet/");
    // Every link the site gives follows the new shape.
    assert!(app.page("/").await.1.contains(r#"href="/sommet/""#));
    assert!(
        app.page("/feed/")
            .await
            .1
            .contains("<link>https://news.example.org/sommet/</link>")
    );
    let sitemap = app.page("/sitemaps/articles-1.xml").await.1;
    assert!(
        sitemap.contains("<loc>https://news.example.org/sommet/</loc>"),
        "{sitemap}"
    );
    // Readers comment at the new address.
    let r = app
        .post_form(
            "/sommet/comments",
            &[
                ("comment", "Un avis sur le sommet."),
                ("name", "Kofi"),
                ("email", "kofi@example.org"),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
    assert!(
        r.headers()["location"]
            .to_str()
            .unwrap()
            .starts_with("/sommet/?moderation")
    );

    let r = save_settings(&admin, &[("permalink", "section")]).await;
    assert_eq!(r.status(), 303);
    assert_eq!(app.page("/international/sommet/").await.0, 200);
    assert_eq!(moved(&app, "/sommet/").await, "/international/sommet/");
    assert_eq!(
        moved(&app, "/2024/11/sommet/").await,
        "/international/sommet/"
    );
    let (_, form) = admin.page("/admin/settings").await;
    assert!(form.contains(r#"value="section" checked"#));
}

async fn a_renamed_article_keeps_its_old_address(db: TestDb) {
    let app = TestApp::french(db).await;
    app.publish(&french_article_source("ancien-titre", None), None)
        .await;
    // Renamed by whatever means (here behind the application's back): the
    // database remembers the old slug.
    app.db
        .execute("UPDATE articles SET slug = 'nouveau-titre' WHERE slug = 'ancien-titre'")
        .await;
    app.settled().await;
    assert_eq!(app.page("/2024/11/nouveau-titre/").await.0, 200);
    assert_eq!(
        moved(&app, "/2024/11/ancien-titre/").await,
        "/2024/11/nouveau-titre/"
    );
    assert_eq!(
        moved(&app, "/ancien-titre/").await,
        "/2024/11/nouveau-titre/"
    );
    // Renamed again: both old addresses lead to the newest.
    app.db
        .execute("UPDATE articles SET slug = 'titre-final' WHERE slug = 'nouveau-titre'")
        .await;
    app.settled().await;
    assert_eq!(
        moved(&app, "/2024/11/ancien-titre/").await,
        "/2024/11/titre-final/"
    );
    assert_eq!(
        moved(&app, "/2024/11/nouveau-titre/").await,
        "/2024/11/titre-final/"
    );
    // A new article may take an old slug back: it wins.
    let path = app
        .publish(
            &french_article_source("ancien-titre", None)
                .replace("Coopération militaire", "Autre sujet"),
            None,
        )
        .await;
    let (status, page) = app.page(&path).await;
    assert_eq!(status, 200);
    assert!(page.contains("Autre sujet"));
}

async fn feeds_carry_whole_articles_when_chosen(db: TestDb) {
    let app = TestApp::french(db).await;
    app.publish(&french_article_source("entier", None), None)
        .await;
    let whole = "Sergueï Lavrov a salué";
    let rss = app.page("/feed/").await.1;
    assert!(!rss.contains("<content:encoded>"), "summaries by default");
    let admin = app.newsroom("admin@example.org", Role::Administrator).await;
    let r = save_settings(&admin, &[("full_text_feeds", "on")]).await;
    assert_eq!(r.status(), 303);
    let rss = app.page("/feed/").await.1;
    let doc = roxmltree::Document::parse(&rss).unwrap();
    let content = doc
        .descendants()
        .find(|n| n.tag_name().name() == "encoded")
        .and_then(|n| n.text())
        .unwrap();
    assert!(
        content.contains("<p>") && content.contains(whole),
        "{content}"
    );
    let atom = app.page("/feed/atom/").await.1;
    let doc = roxmltree::Document::parse(&atom).unwrap();
    let content = doc
        .descendants()
        .find(|n| n.tag_name().name() == "content")
        .unwrap();
    assert_eq!(content.attribute("type"), Some("html"));
    assert!(content.text().unwrap().contains(whole));
}

async fn the_newsrooms_colour_and_header_layout_need_no_template(db: TestDb) {
    let app = TestApp::french(db).await;
    let path = app
        .publish(&french_article_source("couleur", None), None)
        .await;
    let admin = app.newsroom("admin@example.org", Role::Administrator).await;
    // Too light to read on white: refused with the reason, nothing saved.
    let r = save_settings(&admin, &[("accent", "#ffcc00"), ("tagline", "En continu")]).await;
    assert_eq!(r.status(), 422);
    let body = r.text().await.unwrap();
    assert!(body.contains("illisible sur fond blanc"), "{body}");
    assert!(body.contains("value=\"#ffcc00\""), "what was typed is kept");
    assert!(!app.page("/").await.1.contains("--accent"));
    let r = save_settings(&admin, &[("accent", "not a colour")]).await;
    assert_eq!(r.status(), 422);
    // A readable colour, the logo centred, the tagline hidden.
    let r = save_settings(
        &admin,
        &[
            ("accent", "#0B5394"),
            ("tagline", "En continu"),
            ("header_centred", "on"),
        ],
    )
    .await;
    assert_eq!(r.status(), 303);
    for p in ["/", path.as_str()] {
        let (_, page) = app.page(p).await;
        assert!(
            page.contains("<html lang=\"fr\" style=\"--accent:#0b5394\">"),
            "{p}"
        );
        assert!(
            page.contains("<header class=\"masthead masthead-centred\">"),
            "{p}"
        );
        assert!(!page.contains("class=\"tagline\""), "{p}");
    }
    // Back to the theme's colour and layout, the tagline shown.
    let r = save_settings(&admin, &[("tagline", "En continu"), ("show_tagline", "on")]).await;
    assert_eq!(r.status(), 303);
    let (_, page) = app.page("/").await;
    assert!(page.contains("<html lang=\"fr\">"));
    assert!(page.contains("<header class=\"masthead\">"));
    assert!(page.contains("<p class=\"tagline\">En continu</p>"));
}
