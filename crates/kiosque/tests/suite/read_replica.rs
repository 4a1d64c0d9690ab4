//! Public pages from a read replica (`database_replica_url`): a hot
//! standby of a cluster of the test's own, streaming from its primary.
//! Pages are read from the standby once it has replayed what this
//! server's cache has applied, from the primary until then — the standby's
//! replay paused by hand shows which answered — and from the primary alone
//! while the standby is down.

use std::io::Write;
use std::time::Duration;

use kiosque_core::types::Locale;
use kiosque_testkit::fixtures::french_article_source;
use kiosque_testkit::{POSTGRES_ENV, PgCluster, TestApp, TestDb, eventually};

use crate::common::sample;

/// The article in its version `title`.
fn article(title: &str) -> String {
    french_article_source("replique", None).replace(
        "Coopération militaire : Pyongyang dit être prêt à « aider » Moscou",
        title,
    )
}

/// A `/metrics` series of the app, 0 when absent.
async fn metric(app: &TestApp, series: &str) -> f64 {
    let body = app.get("/metrics").await.text().await.unwrap();
    sample(&body, series).unwrap_or(0.0)
}

/// Waits until the replica has replayed every change on the primary.
async fn replica_caught_up(app: &TestApp) {
    eventually(
        "the replica to catch up",
        Duration::from_secs(10),
        || async {
            let body = app.get("/metrics").await.text().await.unwrap();
            sample(&body, "kiosque_replica_lag_changes") == Some(0.0)
        },
    )
    .await;
}

/// Statements the standby ran that read articles (its log has them all;
/// sqlx's prepared statements are logged as `execute`).
fn article_reads(standby: &PgCluster) -> usize {
    standby
        .log()
        .lines()
        .filter(|l| {
            (l.contains("statement: ") || l.contains("execute ")) && l.contains("FROM articles")
        })
        .count()
}

/// The article's title as a reader gets it now (`?v=…` passes the page
/// cache by, so each read renders).
async fn title_read(app: &TestApp, path: &str, n: u32) -> String {
    let (status, html) = app.page(&format!("{path}?v={n}")).await;
    assert_eq!(status, 200, "read {n}: {html}");
    let title = &html[html.find("<h1").expect("a title")..];
    crate::common::plain(&title[title.find('>').unwrap() + 1..title.find("</h1>").unwrap()])
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn public_pages_come_from_the_replica_only_once_it_has_replayed_the_change() {
    if std::env::var_os(POSTGRES_ENV).is_none() {
        // It runs where the PostgreSQL tests run, which have the server tools.
        let _ = writeln!(
            std::io::stderr(),
            "NOTE: the read-replica test SKIPPED: {POSTGRES_ENV} is not set \
             (the test starts a primary and a standby of its own, where the PostgreSQL tests run)"
        );
        return;
    }
    let root = tempfile::tempdir().unwrap();
    let (at_primary, at_standby) = (root.path().join("primary"), root.path().join("standby"));
    for dir in [&at_primary, &at_standby] {
        std::fs::create_dir(dir).unwrap();
    }
    let primary = PgCluster::init(
        &at_primary,
        at_primary.join("data"),
        &[],
        "-c shared_buffers=16MB",
    );
    let standby = PgCluster::standby_of(&primary, &at_standby, "-c log_statement=all");
    let db = TestDb::postgres_on(&primary.url()).await;
    let replica_url = db.url.replace(
        &format!(":{}/", primary.port),
        &format!(":{}/", standby.port),
    );
    let app = TestApp::start(db, Locale::Fr, |s| {
        s.database_replica_url = Some(replica_url);
    })
    .await;
    let path = app.publish(&article("Première version"), None).await;
    replica_caught_up(&app).await;

    // Caught up: readers' pages are read from the standby.
    let before = article_reads(&standby);
    for n in 0..5 {
        assert_eq!(title_read(&app, &path, n).await, "Première version");
    }
    assert!(
        article_reads(&standby) >= before + 5,
        "the standby read no article: {} then {}",
        before,
        article_reads(&standby)
    );
    let answered = metric(&app, "kiosque_replica_reads_total").await;
    assert!(answered >= 5.0, "replica reads: {answered}");

    // The standby stops replaying; the article changes on the primary.
    // Every page after that is read from the primary, never the old title.
    standby.psql("SELECT pg_wal_replay_pause()");
    // (Asked, the pause takes effect at the next record replayed.)
    eventually(
        "the standby's replay to pause",
        Duration::from_secs(10),
        || async { standby.psql("SELECT pg_get_wal_replay_pause_state()") == "paused" },
    )
    .await;
    app.publish(&article("Deuxième version"), None).await;
    let before = article_reads(&standby);
    let held_back = metric(&app, "kiosque_replica_held_back_reads_total").await;
    for n in 10..15 {
        assert_eq!(title_read(&app, &path, n).await, "Deuxième version");
    }
    assert!(app.page(&path).await.1.contains("Deuxième version"));
    assert_eq!(
        article_reads(&standby),
        before,
        "a page was read from the standby that had not replayed the change"
    );
    assert!(metric(&app, "kiosque_replica_held_back_reads_total").await >= held_back + 5.0);
    assert!(metric(&app, "kiosque_replica_lag_changes").await >= 1.0);

    // Replaying again, it answers again.
    standby.psql("SELECT pg_wal_replay_resume()");
    replica_caught_up(&app).await;
    let before = article_reads(&standby);
    for n in 20..25 {
        assert_eq!(title_read(&app, &path, n).await, "Deuxième version");
    }
    assert!(article_reads(&standby) >= before + 5);

    // The standby gone: the page being read when it went is read again
    // from the primary, and the primary answers every page after it.
    let mut stop = standby.pg_ctl("stop");
    assert!(stop.output().unwrap().status.success());
    for n in 30..40 {
        assert_eq!(title_read(&app, &path, n).await, "Deuxième version");
    }
    app.stop().await;
}
