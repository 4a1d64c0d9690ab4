//! Rate limits every app server shares (kept in the database): sign-in
//! guesses spread over a hundred addresses and two servers get no further
//! than one guesser on one server, and a reader's comment allowance is one
//! allowance whichever server takes the post.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use kiosque_core::ports::Store;
use kiosque_core::types::{Locale, Role};
use kiosque_testkit::fixtures::french_article_source;
use kiosque_testkit::{TestApp, TestDb, both_databases};

both_databases!(
    ten_thousand_guesses_from_a_hundred_addresses_on_two_servers_get_nowhere,
    a_readers_comment_allowance_is_shared_by_every_server,
);

const PASSWORD: &str = "le-bon-mot-de-passe-2026";

fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

async fn ten_thousand_guesses_from_a_hundred_addresses_on_two_servers_get_nowhere(db: TestDb) {
    const GUESSES: usize = 10_000;
    let app = TestApp::start(db, Locale::Fr, |s| {
        s.web.behind_proxy = true;
    })
    .await;
    let burst = app.settings.web.login_burst as usize;
    let interval = app.settings.web.login_interval;
    app.create_user("cible@example.org", Role::Editor, PASSWORD)
        .await;
    let other = app.sibling().await;
    let servers = Arc::new([app.url(""), format!("http://{}", other.addr)]);
    let next = Arc::new(AtomicUsize::new(0));
    // Statuses: 401 (a guess checked and wrong), 429 (refused unchecked),
    // 303 (signed in), anything else.
    let counts: Arc<[AtomicUsize; 4]> = Arc::new(Default::default());
    let started = Instant::now();
    let mut guessers = tokio::task::JoinSet::new();
    for _ in 0..32 {
        let (servers, next, counts) = (servers.clone(), next.clone(), counts.clone());
        guessers.spawn(async move {
            let client = client();
            loop {
                let n = next.fetch_add(1, Ordering::Relaxed);
                if n >= GUESSES {
                    return;
                }
                // The right password is among the guesses, three times.
                let password = if [2_000, 5_000, 9_999].contains(&n) {
                    PASSWORD.to_owned()
                } else {
                    format!("essai-{n}")
                };
                let r = client
                    .post(format!("{}/admin/login", servers[n % 2]))
                    .header("x-forwarded-for", format!("198.51.100.{}", n % 100))
                    .form(&[
                        ("email", "cible@example.org"),
                        ("password", password.as_str()),
                        ("next", "/admin/"),
                    ])
                    .send()
                    .await
                    .expect("POST");
                let slot = match r.status().as_u16() {
                    401 => 0,
                    429 => 1,
                    303 => 2,
                    _ => 3,
                };
                counts[slot].fetch_add(1, Ordering::Relaxed);
            }
        });
    }
    while guessers.join_next().await.is_some() {}
    let took = started.elapsed();
    let [checked, refused, signed_in, other_status] =
        [0, 1, 2, 3].map(|i| counts[i].load(Ordering::Relaxed));
    assert_eq!(checked + refused + signed_in + other_status, GUESSES);
    assert_eq!(signed_in, 0, "the password was guessed");
    assert_eq!(other_status, 0, "{checked} checked, {refused} refused");
    // The account's bucket: `burst` at once, one more per interval since.
    let allowed = burst + (took.as_secs_f64() / interval.as_secs_f64()).ceil() as usize;
    assert!(
        checked <= allowed,
        "{checked} guesses were checked in {took:?} (at most {allowed})"
    );
    assert_eq!(refused, GUESSES - checked);
    eprintln!(
        "{GUESSES} guesses over 100 addresses and two servers in {:.1} s: {checked} checked, {refused} refused",
        took.as_secs_f64()
    );
    // Still refused from a fresh address on either server, right password
    // or not.
    for server in servers.iter() {
        let r = client()
            .post(format!("{server}/admin/login"))
            .header("x-forwarded-for", "192.0.2.77")
            .form(&[
                ("email", "cible@example.org"),
                ("password", PASSWORD),
                ("next", "/admin/"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 429);
        assert!(r.headers().contains_key("retry-after"));
    }
    // The table holds hashes: no account, no address.
    let plain = app
        .db
        .number(
            "SELECT COUNT(*) FROM throttles WHERE key LIKE '%cible%' \
             OR key LIKE '%198.51%' OR length(key) <> 64",
        )
        .await;
    assert_eq!(plain, 0);
    assert!(app.db.number("SELECT COUNT(*) FROM throttles").await >= 101);
}

async fn a_readers_comment_allowance_is_shared_by_every_server(db: TestDb) {
    let app = TestApp::start(db, Locale::Fr, |s| {
        s.web.behind_proxy = true;
        s.web.comment_burst = 4;
        s.web.comment_interval = Duration::from_secs(600);
    })
    .await;
    let path = app
        .publish(&french_article_source("partage", None), None)
        .await;
    let other = app.sibling().await;
    let servers = [app.url(""), format!("http://{}", other.addr)];
    let post = |n: usize, from: &'static str| {
        let url = format!("{}{path}comments", servers[n % 2]);
        async move {
            client()
                .post(url)
                .header("x-forwarded-for", from)
                .form(&[
                    (
                        "comment",
                        format!("Remarque numéro {n} sur ce sujet.").as_str(),
                    ),
                    ("name", "Kofi Mensah"),
                    ("email", "kofi@example.org"),
                    ("url", ""),
                ])
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        }
    };
    // Four accepted, alternating servers; the fifth refused on either.
    for n in 0..4 {
        assert_eq!(post(n, "203.0.113.40").await, 303, "comment {n}");
    }
    assert_eq!(post(4, "203.0.113.40").await, 429);
    assert_eq!(post(5, "203.0.113.40").await, 429);
    // Another reader is not held back.
    assert_eq!(post(6, "203.0.113.41").await, 303);
    let comments = app
        .store
        .comments_with_status(kiosque_core::types::CommentStatus::Pending)
        .await
        .unwrap()
        .len()
        + app
            .store
            .comments_with_status(kiosque_core::types::CommentStatus::Approved)
            .await
            .unwrap()
            .len();
    assert_eq!(comments, 5);
}
