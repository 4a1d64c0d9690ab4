//! PostgreSQL's disk full: a cluster of the test's own (never the shared
//! one), its data directory on a small tmpfs, filled up under a running
//! server. PostgreSQL refuses what needs new room ("could not extend
//! file", SQLSTATE 53100); with no room for its relation cache it refuses
//! new connections the same way, and a checkpoint that cannot write makes
//! it restart itself. Through all of it Kiosque answers writes with a 503
//! and `Retry-After`, never a 500; readers get the page cache; nothing
//! acknowledged is lost; once space is freed, writes are taken again with
//! nobody restarting anything, and `pg_amcheck` finds every table and
//! index whole.

use std::io::Write;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use kiosque_core::ports::Store;
use kiosque_core::types::{Role, Slug};
use kiosque_testkit::{POSTGRES_ENV, PgCluster, TestApp, TestDb};

use super::{Tmpfs, comment, fill, save, site_with_article, skipped};

/// A PostgreSQL cluster for one test, its data on a tmpfs of `size`, its
/// log beside it (off the full disk, so what it says stays readable).
struct Cluster {
    // Stopped before its disk is unmounted, and that before its directory
    // is removed.
    pg: PgCluster,
    disk: Tmpfs,
    _root: tempfile::TempDir,
}

impl Cluster {
    fn start(size: &str) -> Cluster {
        let root = tempfile::tempdir().expect("cluster directory");
        let at = root.path().join("disk");
        std::fs::create_dir(&at).expect("mount point");
        let disk = Tmpfs::mount(&at, size);
        // One-megabyte WAL segments and a small WAL budget: the cluster
        // fits in a few tens of megabytes, so filling it is quick.
        let pg = PgCluster::init(
            root.path(),
            disk.0.join("data"),
            &["--wal-segsize=1"],
            "-c shared_buffers=8MB -c min_wal_size=2MB -c max_wal_size=4MB",
        );
        Cluster {
            pg,
            disk,
            _root: root,
        }
    }

    fn disk(&self) -> &Path {
        &self.disk.0
    }
}

impl std::ops::Deref for Cluster {
    type Target = PgCluster;
    fn deref(&self) -> &PgCluster {
        &self.pg
    }
}

/// What a write got on the full disk: taken (and so kept), or refused with
/// a 503 that says why and when to come back.
#[derive(Debug, PartialEq)]
enum Outcome {
    Taken,
    /// PostgreSQL said there is no room (53100): nothing was written.
    DiskFull,
    /// PostgreSQL restarting itself, or refusing connections for now.
    Unavailable,
}

async fn outcome(r: reqwest::Response, what: &str) -> Outcome {
    let status = r.status().as_u16();
    if status == 303 {
        return Outcome::Taken;
    }
    let wait = r
        .headers()
        .get("retry-after")
        .map(|v| v.to_str().unwrap().to_owned());
    let page = crate::common::plain(&r.text().await.unwrap());
    match (status, wait.as_deref()) {
        (503, Some("60")) if page.contains("Le disque du serveur est plein") => Outcome::DiskFull,
        (503, Some("5")) => Outcome::Unavailable,
        _ => panic!("{what} on a full disk: {status}, Retry-After {wait:?}, the page: {page}"),
    }
}

/// Readers' comments on a full disk, and what became of each.
struct Writes<'a> {
    app: &'a TestApp,
    path: &'a str,
    next: u32,
    acknowledged: Vec<u32>,
    refused: Vec<(u32, Outcome)>,
}

impl Writes<'_> {
    async fn one(&mut self) -> bool {
        let n = self.next;
        self.next += 1;
        let r = comment(self.app, self.path, n).await;
        let taken = match outcome(r, &format!("comment {n}")).await {
            Outcome::Taken => {
                self.acknowledged.push(n);
                true
            }
            refusal => {
                self.refused.push((n, refusal));
                false
            }
        };
        tokio::time::sleep(Duration::from_millis(50)).await;
        taken
    }

    async fn until_refused(&mut self) {
        while self.one().await {
            assert!(self.next < 5_000, "the disk never filled up");
        }
    }

    async fn for_a_while(&mut self, how_long: Duration) {
        let start = Instant::now();
        while start.elapsed() < how_long {
            self.one().await;
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_postgresql_disk_refuses_writes_clearly_and_loses_nothing() {
    if skipped("the full-disk test on PostgreSQL") {
        return;
    }
    if std::env::var_os(POSTGRES_ENV).is_none() {
        // It runs where the PostgreSQL tests run, which have the server tools.
        let _ = writeln!(
            std::io::stderr(),
            "NOTE: the full-disk test on PostgreSQL SKIPPED: {POSTGRES_ENV} is not set \
             (the test starts a cluster of its own, where the PostgreSQL tests run)"
        );
        return;
    }
    let cluster = Cluster::start("64m");
    let db = TestDb::postgres_on(&cluster.url()).await;
    let (app, path) = site_with_article(db).await;
    let editor = app.newsroom("disque@example.org", Role::Editor).await;
    let article = app
        .store
        .article_by_slug(&Slug::parse("disque").unwrap())
        .await
        .unwrap()
        .unwrap();
    let mut acknowledged = Vec::new();
    for n in 0..3 {
        assert_eq!(comment(&app, &path, n).await.status(), 303, "comment {n}");
        acknowledged.push(n);
    }
    assert_eq!(app.page(&path).await.0, 200);

    // Comments until PostgreSQL refuses one, then more for two seconds;
    // then a checkpoint, as PostgreSQL's own timer would start one (here it
    // cannot write: PostgreSQL restarts itself, and its recovery frees
    // room), the disk filled again, and more comments for two seconds.
    // Each is taken and kept, or refused with a 503 — never anything else.
    let mut fillers = vec![fill(cluster.disk(), "filler-1")];
    let mut writes = Writes {
        app: &app,
        path: &path,
        next: 100,
        acknowledged,
        refused: Vec::new(),
    };
    writes.until_refused().await;
    writes.for_a_while(Duration::from_secs(2)).await;
    assert!(
        writes.refused.iter().any(|(_, o)| *o == Outcome::DiskFull),
        "no refusal said the disk is full: {:?}",
        writes.refused
    );
    let _ = Command::new(cluster.bin.join("psql"))
        .args([&cluster.url(), "-c", "CHECKPOINT"])
        .output();
    fillers.push(fill(cluster.disk(), "filler-2"));
    writes.for_a_while(Duration::from_secs(2)).await;
    let Writes {
        mut acknowledged,
        refused,
        ..
    } = writes;
    // A newsroom save: refused the same way, or taken and kept.
    let title = "Un titre changé sur un disque plein";
    let saved_while_full = outcome(
        save(&editor, article.id, article.version, title, "Texte.").await,
        "a save",
    )
    .await
        == Outcome::Taken;
    // Readers keep reading (a save taken under a new title moved the
    // article: its old address redirects).
    let status = app.page(&path).await.0;
    assert!(
        status == 200 || (saved_while_full && status == 301),
        "the article on a full disk: {status}"
    );

    // Space comes back: writes are taken again, by themselves.
    for filler in &fillers {
        std::fs::remove_file(filler).unwrap();
    }
    let back = Instant::now();
    let mut n = 1_000;
    loop {
        let r = comment(&app, &path, n).await;
        if r.status() == 303 {
            acknowledged.push(n);
            break;
        }
        assert!(
            back.elapsed() < Duration::from_secs(30),
            "writes still refused 30 s after space came back: {}; PostgreSQL's log: {}",
            r.status(),
            cluster.log()
        );
        n += 1;
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let recovered = back.elapsed();
    for k in 0..12 {
        let current = app.store.article(article.id).await.unwrap().unwrap();
        let r = save(
            &editor,
            article.id,
            current.version,
            &format!("Un titre changé une fois le disque libéré, {k}"),
            "Le texte tient de nouveau.",
        )
        .await;
        assert_eq!(r.status(), 303, "save {k} once space is back");
    }
    if saved_while_full {
        let history = app
            .db
            .strings("SELECT title FROM revisions ORDER BY id")
            .await;
        assert!(
            history.iter().any(|t| t == title),
            "a save taken on the full disk was lost: {history:?}"
        );
    }

    // Nothing acknowledged lost; nothing stored that PostgreSQL refused.
    let bodies = app.db.strings("SELECT body FROM comments").await;
    let stored = |n: u32| {
        bodies
            .iter()
            .any(|b| b.contains(&format!("Avis numéro {n},")))
    };
    for n in &acknowledged {
        assert!(stored(*n), "comment {n} acknowledged, then lost");
    }
    for (n, why) in &refused {
        if *why == Outcome::DiskFull {
            assert!(
                !stored(*n),
                "comment {n} refused for want of room, yet stored"
            );
        }
    }
    // Every table and index whole, by PostgreSQL's own checker.
    let amcheck = Command::new(cluster.bin.join("pg_amcheck"))
        .args(["-h", "127.0.0.1", "-p", &cluster.port.to_string()])
        .args([
            "-U",
            "postgres",
            "-d",
            "postgres",
            "--install-missing",
            "--heapallindexed",
        ])
        .output()
        .expect("run pg_amcheck");
    assert!(
        amcheck.status.success(),
        "pg_amcheck: {}{}",
        String::from_utf8_lossy(&amcheck.stdout),
        String::from_utf8_lossy(&amcheck.stderr)
    );
    let said = |what: &str| cluster.log().matches(what).count();
    let _ = writeln!(
        std::io::stderr(),
        "full disk on PostgreSQL: {} comments taken, {} refused ({} disk full, {} unavailable), \
             a save {}; PostgreSQL logged {} \"could not extend\", {} restarts; writes taken again {} ms after space came back",
        acknowledged.len(),
        refused.len(),
        refused
            .iter()
            .filter(|(_, o)| *o == Outcome::DiskFull)
            .count(),
        refused
            .iter()
            .filter(|(_, o)| *o == Outcome::Unavailable)
            .count(),
        if saved_while_full { "taken" } else { "refused" },
        said("could not extend file"),
        said("terminating any other active server processes"),
        recovered.as_millis()
    );
    app.stop().await;
}
