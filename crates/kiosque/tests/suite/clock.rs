//! The clock jumping under the real binary (libfaketime, Debian's
//! `faketime`: the server's wall clock moved forward and back while it
//! runs; its timers keep the real monotonic clock). A scheduled article goes
//! out once its time has come, a session ends when its lifetime has passed,
//! going back in time grants no extra sign-in attempts, and nothing answers
//! a 500 or stops serving.
//!
//! Runs when KIOSQUE_TEST_FAKETIME names libfaketime (`.ci/run` sets it to
//! Debian's /usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1).

use std::io::Write;
use std::path::Path;
use std::time::Duration;

use chrono::Utc;
use kiosque_core::model::NewUser;
use kiosque_core::ports::Accounts;
use kiosque_core::service::auth;
use kiosque_core::types::{Email, Role};
use kiosque_testkit::{Engine, TestDb, eventually};

const SWITCH: &str = "KIOSQUE_TEST_FAKETIME";
const PASSWORD: &str = "une phrase de passe solide";

/// Moves the server's wall clock to `offset` from the real one ("+3h").
fn set_clock(file: &Path, offset: &str) {
    std::fs::write(file, format!("{offset}\n")).expect("clock file");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_clock_jumping_forward_and_back_breaks_nothing() {
    let Some(library) = std::env::var_os(SWITCH) else {
        // To the real stderr, past the harness's capture: a skip is never silent.
        let _ = writeln!(
            std::io::stderr(),
            "NOTE: the clock-jump test SKIPPED: it needs libfaketime. To run it: \
             apt-get install faketime; {SWITCH}=/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1 cargo test"
        );
        return;
    };
    assert!(
        Path::new(&library).exists(),
        "{SWITCH} names no file: {library:?}"
    );
    let db = TestDb::new(Engine::Sqlite)
        .await
        .expect("SQLite is always available");
    let k = crate::cli::Kiosque::new(&db);
    k.init().await;
    let store = db.store().await;
    let editor = store
        .create_user(&NewUser {
            email: Email::parse("horloge@example.org").unwrap(),
            name: "Awa Horloge".into(),
            role: Role::Editor,
            password_hash: Some(auth::hash_password(PASSWORD).unwrap()),
            created_at: Utc::now(),
        })
        .await
        .unwrap();
    let (token, record) =
        auth::make_api_token(editor.id, "Horloge", false, None, Utc::now()).unwrap();
    store.create_api_token(&record).await.unwrap();

    let clock = db.dir.path().join("clock");
    set_clock(&clock, "+0");
    let mut server = crate::common::kiosque(&k.data, &db.url)
        .args(["serve", "--listen", "127.0.0.1:0", "--log-format", "json"])
        .env("KIOSQUE_LOG", "info,sqlx=warn")
        .env("LD_PRELOAD", &library)
        .env("FAKETIME_TIMESTAMP_FILE", &clock)
        .env("FAKETIME_NO_CACHE", "1")
        .env("FAKETIME_DONT_FAKE_MONOTONIC", "1")
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("spawn serve");
    let (address, log) = crate::common::serving(&mut server).await;
    let base = format!("http://{address}");
    let http = kiosque_testkit::http_client();
    let status = |path: String, cookie: Option<String>| {
        let request = http.get(format!("{base}{path}"));
        let request = match cookie {
            Some(c) => request.header("cookie", c),
            None => request,
        };
        async move { request.send().await.unwrap().status().as_u16() }
    };
    let sign_in = || {
        let request = http
            .post(format!("{base}/admin/login"))
            .header("origin", &base)
            .form(&[
                ("email", "horloge@example.org"),
                ("password", PASSWORD),
                ("next", "/admin/"),
            ]);
        async move {
            let r = request.send().await.unwrap();
            (r.status().as_u16(), kiosque_testkit::session_cookie(&r))
        }
    };

    // An article scheduled two hours ahead, and a session opened now.
    let at = (Utc::now() + chrono::Duration::hours(2)).to_rfc3339();
    let r = http
        .post(format!("{base}/api/v1/newsroom/articles"))
        .bearer_auth(&token)
        .json(&serde_json::json!({
            "title": "Une annonce programmée",
            "body": "Elle paraît à son heure, pas avant.",
            "status": "scheduled",
            "published_at": at,
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 201, "{}", r.text().await.unwrap());
    let created: serde_json::Value = r.json().await.unwrap_or_default();
    let path = created["url"]
        .as_str()
        .and_then(|u| u.split_once("://").map(|(_, rest)| rest))
        .and_then(|rest| rest.find('/').map(|i| rest[i..].to_owned()))
        .unwrap_or_else(|| panic!("an address for the article: {created}"));
    let (signed, cookie) = sign_in().await;
    assert_eq!(signed, 303);
    let cookie = cookie.expect("a session");
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(status(path.clone(), None).await, 404, "not before its time");

    // Three hours later, by the clock: it goes out by itself.
    set_clock(&clock, "+3h");
    eventually(
        "the scheduled article went out",
        Duration::from_secs(15),
        || {
            let s = status(path.clone(), None);
            async move { s.await == 200 }
        },
    )
    .await;
    assert_eq!(status("/admin/".into(), Some(cookie.clone())).await, 200);

    // Fifteen days later the session (fourteen days) has ended.
    set_clock(&clock, "+15d");
    eventually("the session ended", Duration::from_secs(5), || {
        let s = status("/admin/".into(), Some(cookie.clone()));
        async move { s.await == 303 }
    })
    .await;

    // Sign-in attempts spent, then the clock goes back two hours: no extra
    // attempt is granted, and nothing fails.
    let wrong = || {
        let request = http
            .post(format!("{base}/admin/login"))
            .header("origin", &base)
            .form(&[
                ("email", "horloge@example.org"),
                ("password", "pas la bonne"),
                ("next", "/admin/"),
            ]);
        async move { request.send().await.unwrap().status().as_u16() }
    };
    let mut answers = Vec::new();
    for _ in 0..7 {
        answers.push(wrong().await);
    }
    assert!(answers.contains(&429), "the allowance ran out: {answers:?}");
    set_clock(&clock, "+358h");
    let back = wrong().await;
    assert_eq!(back, 429, "going back in time grants no attempt");
    // Forward again: refused or allowed, never a failure.
    set_clock(&clock, "+16d");
    let forward = wrong().await;
    assert!(matches!(forward, 401 | 429), "{forward}");
    // Pages, probes and the feed keep answering.
    for p in [path.clone(), "/".into(), "/feed/".into(), "/healthz".into()] {
        assert_eq!(status(p.clone(), None).await, 200, "{p}");
    }
    let _ = server.start_kill();
    let _ = server.wait().await;
    let log = log.lock().unwrap();
    let failed: Vec<&String> = log
        .iter()
        .filter(|l| l.contains("request failed") || l.contains("panicked"))
        .collect();
    assert!(failed.is_empty(), "{failed:?}");
}
