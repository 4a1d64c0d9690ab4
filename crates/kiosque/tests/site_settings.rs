//! The site's presentation settings over HTTP, on both databases: the
//! newsroom's time zone, the share links readers get, and the logo.

mod common;

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
);

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
