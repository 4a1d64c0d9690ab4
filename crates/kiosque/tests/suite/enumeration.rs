//! Nobody learns who has an account: sign-in and password reset answer an
//! unknown address as they answer a known one, in as much time; author
//! pages, feeds and the APIs name bylines of published work only, never an
//! account, and never an address.

use std::time::{Duration, Instant};

use kiosque_core::ports::{Accounts, Store};
use kiosque_core::types::{Locale, Role};
use kiosque_testkit::fixtures::french_article_source;
use kiosque_testkit::{TestApp, TestDb, both_databases};

both_databases!(
    sign_in_and_reset_answer_alike_for_known_and_unknown_addresses,
    public_pages_and_apis_name_no_account,
);

const PASSWORD: &str = "un mot de passe solide";

/// The body with what differs per answer by design (hidden tokens) blanked.
fn comparable(html: &str) -> String {
    let re = regex::Regex::new(r#"value="[A-Za-z0-9_\-]{20,}""#).unwrap();
    re.replace_all(html, "value=\"…\"").into_owned()
}

fn median(mut times: Vec<Duration>) -> Duration {
    times.sort();
    times[times.len() / 2]
}

async fn sign_in_and_reset_answer_alike_for_known_and_unknown_addresses(db: TestDb) {
    // Without mail set up the reset form still answers; with no limit in
    // the way, every attempt reaches the password check.
    let app = TestApp::start(db, Locale::Fr, |s| {
        s.web.login_burst = 10_000;
    })
    .await;
    app.create_user("connue@example.org", Role::Editor, PASSWORD)
        .await;
    let attempt = |email: &'static str| {
        let app = &app;
        async move {
            let started = Instant::now();
            let r = app
                .post_form(
                    "/admin/login",
                    &[
                        ("email", email),
                        ("password", "pas le bon mot de passe"),
                        ("next", "/admin/"),
                    ],
                )
                .await;
            let status = r.status().as_u16();
            let body = comparable(&r.text().await.unwrap()).replace(email, "ADDRESS");
            (status, body, started.elapsed())
        }
    };
    let (known_status, known_body, _) = attempt("connue@example.org").await;
    let (unknown_status, unknown_body, _) = attempt("inconnue@example.org").await;
    assert_eq!(known_status, unknown_status);
    assert_eq!(known_body, unknown_body, "the same page either way");
    // The same time either way: the unknown address is checked against a
    // decoy hash. Interleaved medians; a missing decoy would be hundreds of
    // times faster, so a factor of 3 tells without flapping.
    let (mut known, mut unknown) = (Vec::new(), Vec::new());
    for _ in 0..9 {
        known.push(attempt("connue@example.org").await.2);
        unknown.push(attempt("inconnue@example.org").await.2);
    }
    let (k, u) = (median(known), median(unknown));
    let ratio = k.as_secs_f64() / u.as_secs_f64();
    assert!(
        (1.0 / 3.0..3.0).contains(&ratio),
        "sign-in: known {k:?} against unknown {u:?}"
    );
    let reset = |email: &'static str| {
        let app = &app;
        async move {
            let started = Instant::now();
            let r = app
                .post_form("/admin/password-reset", &[("email", email)])
                .await;
            let status = r.status().as_u16();
            (
                status,
                comparable(&r.text().await.unwrap()).replace(email, "ADDRESS"),
                started.elapsed(),
            )
        }
    };
    let (ks, kb, _) = reset("connue@example.org").await;
    let (us, ub, _) = reset("inconnue@example.org").await;
    assert_eq!((ks, kb), (us, ub), "the reset form answers alike");
}

async fn public_pages_and_apis_name_no_account(db: TestDb) {
    let app = TestApp::french(db).await;
    // An account that writes under a byline, and one that has published
    // nothing: neither address, nor the second's name, may show anywhere.
    app.create_user("plume@example.org", Role::Author, PASSWORD)
        .await;
    app.create_user("discret@example.org", Role::Editor, PASSWORD)
        .await;
    let discreet = app
        .store
        .user_by_email(&kiosque_core::types::Email::parse("discret@example.org").unwrap())
        .await
        .unwrap()
        .unwrap();
    app.publish(&french_article_source("publie", None), None)
        .await;
    let name = discreet.name.clone();
    let slug = kiosque_core::types::Slug::from_text(&name).unwrap();
    let mut pages = vec![
        "/".to_owned(),
        "/feed/".to_owned(),
        "/feed/atom/".to_owned(),
        "/sitemap.xml".to_owned(),
        "/sitemaps/authors.xml".to_owned(),
        "/api/v1/authors".to_owned(),
        "/api/v1/articles".to_owned(),
        "/wp-json/wp/v2/users?per_page=100".to_owned(),
        "/wp-json/wp/v2/posts?_embed=author".to_owned(),
        format!("/wp-json/wp/v2/users/{}", discreet.id),
        format!("/wp-json/wp/v2/users?search={}", name),
        format!("/author/{slug}/"),
        "/author/gaelle-villeneuve/".to_owned(),
    ];
    pages.push(
        app.path_of(
            &app.store
                .article_by_slug(&kiosque_core::types::Slug::parse("publie").unwrap())
                .await
                .unwrap()
                .unwrap(),
        )
        .await,
    );
    for path in &pages {
        let r = app.get(path).await;
        let status = r.status().as_u16();
        let body = r.text().await.unwrap();
        for secret in ["plume@example.org", "discret@example.org", "@example.org\""] {
            assert!(!body.contains(secret), "{path} shows {secret}");
        }
        assert!(
            !body.contains(&name),
            "{path} ({status}) names an account with nothing published: {name}"
        );
    }
    // An account with nothing published has no author page.
    assert_eq!(app.get(&format!("/author/{slug}/")).await.status(), 404);
    assert_eq!(
        app.get(&format!("/wp-json/wp/v2/users/{}", discreet.id))
            .await
            .status(),
        404
    );
}
