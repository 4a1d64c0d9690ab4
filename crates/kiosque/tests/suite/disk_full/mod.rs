//! A full disk, on each engine: writes refused with a 503 that says why and
//! when to come back, nothing acknowledged lost or damaged, reads served
//! from the page cache, and everything working again, by itself, once
//! space is freed.
//!
//! Mounting a tmpfs needs root: the tests run when KIOSQUE_TEST_TMPFS=1
//! (`.ci/run` sets it) and say plainly that they were skipped otherwise.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;

use kiosque_testkit::{Newsroom, TestApp};

mod postgres;
mod sqlite;

pub(super) const SWITCH: &str = "KIOSQUE_TEST_TMPFS";

/// A tmpfs mounted for the test's life.
pub(super) struct Tmpfs(PathBuf);

impl Tmpfs {
    pub(super) fn mount(at: &Path, size: &str) -> Tmpfs {
        let status = Command::new("mount")
            .args([
                "-t",
                "tmpfs",
                "-o",
                &format!("size={size},mode=0755"),
                "tmpfs",
            ])
            .arg(at)
            .status()
            .expect("run mount");
        assert!(
            status.success(),
            "{SWITCH} is set but a tmpfs cannot be mounted at {} (root is needed)",
            at.display()
        );
        Tmpfs(at.to_owned())
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        // Lazily: the server may still hold files open as the test ends.
        let _ = Command::new("umount").arg("-l").arg(&self.0).status();
    }
}

/// Writes a file until the disk refuses more; returns it.
pub(super) fn fill(dir: &Path, name: &str) -> PathBuf {
    let path = dir.join(name);
    let mut file = std::fs::File::create(&path).expect("filler file");
    let block = vec![0x5au8; 64 * 1024];
    loop {
        match file.write_all(&block).and_then(|()| file.sync_all()) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::StorageFull => break,
            Err(e) => panic!("filling the disk: {e}"),
        }
    }
    // The last blocks, smaller, so not even a page is left.
    let small = [0x5au8; 512];
    while file
        .write_all(&small)
        .and_then(|()| file.sync_all())
        .is_ok()
    {}
    path
}

/// The site the full-disk tests fill up: comments limited only by the
/// disk (a large burst) and one published article (its address).
pub(super) async fn site_with_article(db: kiosque_testkit::TestDb) -> (TestApp, String) {
    let app = TestApp::start(db, kiosque_core::types::Locale::Fr, |s| {
        s.web.comment_burst = 100_000;
    })
    .await;
    let path = app
        .publish(
            &kiosque_testkit::fixtures::french_article_source("disque", None),
            None,
        )
        .await;
    (app, path)
}

/// A reader's comment, long enough to need room, numbered so the set
/// check finds it.
pub(super) async fn comment(app: &TestApp, path: &str, n: u32) -> reqwest::Response {
    app.client
        .post(app.url(&format!("{path}comments")))
        .header("origin", format!("http://{}", app.addr))
        .form(&[
            ("name", "Lectrice"),
            ("email", "lectrice@example.org"),
            (
                "comment",
                &format!(
                    "Avis numéro {n}, avant et après le disque plein. {}",
                    "Un long développement. ".repeat(150)
                ),
            ),
        ])
        .send()
        .await
        .unwrap()
}

/// A newsroom save of the article at `version`, published.
pub(super) async fn save(
    editor: &Newsroom<'_>,
    article: i64,
    version: i64,
    title: &str,
    body: &str,
) -> reqwest::Response {
    editor
        .post(
            &format!("/admin/articles/{article}/edit"),
            &[
                ("title", title),
                ("body", body),
                ("category", "International"),
                ("status", "published"),
                ("version", &version.to_string()),
            ],
        )
        .await
}

/// Says, past the harness's capture, that a test was skipped and how to run it.
pub(super) fn skipped(what: &str) -> bool {
    if std::env::var_os(SWITCH).is_some() {
        return false;
    }
    let _ = writeln!(
        std::io::stderr(),
        "NOTE: {what} SKIPPED: it mounts a tmpfs, which needs root. \
         To run it: {SWITCH}=1 cargo test (as root)"
    );
    true
}

/// A refusal for want of room: 503, come back in a minute, and a page that
/// says the disk is full and nothing was written.
pub(super) async fn assert_refused_for_room(r: reqwest::Response, what: &str) {
    let status = r.status();
    let wait = r
        .headers()
        .get("retry-after")
        .map(|v| v.to_str().unwrap().to_owned());
    let page = crate::common::plain(&r.text().await.unwrap());
    assert!(
        status == 503
            && wait.as_deref() == Some("60")
            && page.contains("Le disque du serveur est plein"),
        "{what} on a full disk: {status}, Retry-After {wait:?}, the page: {page}"
    );
}
