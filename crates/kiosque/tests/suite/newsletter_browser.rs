//! Newsletters in Chromium: the readers' pages and the admin's pass
//! axe-core's WCAG 2.2 AA checks without sideways scrolling on a phone, and
//! the mail itself is drawn at 360 and 600 px (the screenshots in
//! docs/screenshots/ come from here with `KIOSQUE_SCREENSHOTS=docs/screenshots`).

use chrono::Utc;
use kiosque_core::model::{ListKind, ListSettings, Schedule};
use kiosque_core::ports::Newsletters;
use kiosque_core::types::Role;
use kiosque_testkit::fixtures::french_article_source;
use kiosque_testkit::{Engine, TestDb, external_tool};

use crate::browser::{Browser, DRIVER_ENV};
use crate::newsletters::app_with_mail;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn newsletter_pages_are_accessible_and_the_mail_reads_at_phone_and_desktop_widths() {
    let Some(driver) = external_tool(DRIVER_ENV, "Browser (Chromium)", "/usr/bin/chromedriver")
    else {
        return;
    };
    let db = TestDb::new(Engine::Sqlite).await.unwrap();
    let (app, _inbox) = app_with_mail(db).await;
    for (name, kind) in [
        ("L'essentiel du matin", ListKind::Digest),
        ("Alertes", ListKind::Alerts),
    ] {
        app.store
            .create_newsletter_list(
                &ListSettings {
                    name: name.to_owned(),
                    description: "Les articles qui comptent, choisis par la rédaction.".to_owned(),
                    kind,
                    schedule: Schedule::DAILY_MORNING,
                    section_id: None,
                    sender_name: "La rédaction".to_owned(),
                    active: true,
                },
                Utc::now() - chrono::Duration::days(3),
            )
            .await
            .unwrap();
    }
    let today = Utc::now().format("%Y-%m-%dT%H:%M:%SZ").to_string();
    for (slug, image) in [("photo-du-jour", Some("p.png")), ("sans-photo", None)] {
        let mut source = french_article_source(slug, image).replace("2024-11-01T18:30:00Z", &today);
        if image.is_none() {
            source = source.replace(
                "Coopération militaire : Pyongyang dit être prêt à « aider » Moscou",
                "Budget 2027 : les députés adoptent la première partie en commission",
            );
        }
        let bytes = kiosque_media::demo_photo(5, 1200, 675, false);
        app.publish(&source, image.map(|i| (i, bytes.as_slice())))
            .await;
    }
    app.wait_for_copies("photo-du-jour").await;

    let browser = Browser::start(&driver).await;
    browser.client.goto(&app.url("/newsletter/")).await.unwrap();
    browser.assert_accessible("the subscribe page").await;
    browser.assert_no_sideways_scroll().await;
    browser
        .fill("newsletter-email", "lectrice@example.org")
        .await;
    browser
        .js("document.getElementById('newsletter-list-1').checked = true; return null")
        .await;
    browser
        .click_and_wait("form.newsletter-form button[type=submit]")
        .await;
    let source = browser.client.source().await.unwrap();
    assert!(source.contains("e-mail de confirmation"), "{source}");
    browser.assert_accessible("the subscribe page, after").await;

    app.create_user(
        "redac@example.org",
        Role::Administrator,
        "un mot de passe solide",
    )
    .await;
    browser
        .sign_in(&app, "redac@example.org", "un mot de passe solide")
        .await;
    for page in [
        "/admin/newsletters",
        "/admin/newsletters/1",
        "/admin/newsletters/1/preview",
        "/admin/newsletters/subscribers",
    ] {
        browser.client.goto(&app.url(page)).await.unwrap();
        browser.assert_accessible(page).await;
    }
    // The mail as a phone and a desktop client draw it.
    browser
        .client
        .goto(&app.url("/admin/newsletters/1/preview/mail"))
        .await
        .unwrap();
    browser.assert_no_sideways_scroll().await;
    let img = browser
        .js("const i = document.querySelector('img.photo'); return i ? [i.getAttribute('width'), i.getAttribute('alt').length > 0, i.getBoundingClientRect().width <= 360] : null")
        .await;
    assert_eq!(
        img,
        serde_json::json!(["560", true, true]),
        "the photo fits the phone"
    );
    browser.screenshot("newsletter-mail-360").await;
    browser.client.close().await.unwrap();
    let desktop = Browser::start_sized(&driver, &[], (600, 1100)).await;
    desktop
        .sign_in(&app, "redac@example.org", "un mot de passe solide")
        .await;
    desktop
        .client
        .goto(&app.url("/admin/newsletters/1/preview/mail"))
        .await
        .unwrap();
    desktop.assert_no_sideways_scroll().await;
    desktop.screenshot("newsletter-mail-600").await;
    desktop.client.close().await.unwrap();
    app.stop().await;
}
