//! Helpers shared by the integration tests.

use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::{Output, Stdio};

use kiosque_testkit::TestApp;

/// The real `kiosque` binary on the data directory `data` and the database
/// at `database_url`, with nothing taken from the environment.
pub fn kiosque(data: &Path, database_url: &str) -> tokio::process::Command {
    let mut command = tokio::process::Command::new(env!("CARGO_BIN_EXE_kiosque"));
    command
        .env_remove("DATABASE_URL")
        .env_remove("KIOSQUE_DATA")
        .env_remove("KIOSQUE_LISTEN")
        .env_remove("KIOSQUE_TOTP_KEY_FILE")
        .env("KIOSQUE_LOG", "warn")
        .arg("--data")
        .arg(data)
        .arg("--database-url")
        .arg(database_url)
        .stdin(Stdio::null())
        .kill_on_drop(true);
    command
}

/// Runs `kiosque ARGS…` on a running app's data directory and database.
pub async fn kiosque_on(app: &TestApp, args: &[&OsStr]) -> Output {
    kiosque(&app.settings.data_dir, &app.db.url)
        .args(args)
        .output()
        .await
        .expect("run kiosque")
}

/// The standard output of a command that must have succeeded (a panic
/// showing both outputs otherwise).
pub fn succeeded(out: &Output) -> String {
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "the command failed:\n{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
}

/// The standard error of a command that must have failed.
pub fn failed(out: &Output) -> String {
    assert!(
        !out.status.success(),
        "the command should have failed:\n{}",
        String::from_utf8_lossy(&out.stdout)
    );
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// The page with no-break spaces turned into plain ones, so assertions can
/// be written as a reader sees the text.
pub fn plain(html: &str) -> String {
    html.replace(['\u{a0}', '\u{202f}'], " ")
        .replace("&nbsp;", " ")
}

/// Asserts that each needle occurs, in this order, and returns their positions.
pub fn assert_in_order(haystack: &str, needles: &[&str]) -> Vec<usize> {
    let mut from = 0;
    let mut positions = Vec::new();
    for needle in needles {
        match haystack[from..].find(needle) {
            Some(i) => {
                positions.push(from + i);
                from += i + needle.len();
            }
            None => panic!("{needle:?} not found after position {from}; the page was:\n{haystack}"),
        }
    }
    positions
}

/// A PNG photo for the tests, generated.
pub fn png(seed: u32) -> Vec<u8> {
    kiosque_media::demo_photo(seed, 320, 180, false)
}

/// The French WordPress export of `kiosque-transfer`'s fixtures.
pub const WXR_FIXTURE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../transfer/tests/fixtures/fr-news.xml"
);

/// WordPress's uploads folder, under `dir`, with the photo the fixture
/// export names.
pub fn wordpress_uploads(dir: &Path) -> PathBuf {
    let uploads = dir.join("uploads");
    let month = uploads.join("2024/03");
    std::fs::create_dir_all(&month).unwrap();
    std::fs::write(
        month.join("port-abidjan.jpg"),
        kiosque_media::demo_photo(7, 1600, 1067, true),
    )
    .unwrap();
    uploads
}

/// A second French export: a photo story (classic editor: gallery
/// shortcode, `[embed]`, an address alone on a line), a block-editor one
/// (gallery and embed blocks), sticky posts, posts in several sections,
/// nested sections, two menus with sub-menus and a tagline.
pub const WXR_FRONT_FIXTURE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../transfer/tests/fixtures/fr-front.xml"
);

/// The uploads folder of [`WXR_FRONT_FIXTURE`] under `dir`.
pub fn front_uploads(dir: &Path) -> PathBuf {
    let uploads = dir.join("front-uploads");
    let month = uploads.join("2024/05");
    std::fs::create_dir_all(&month).unwrap();
    for n in 1..=3 {
        std::fs::write(
            month.join(format!("marche-{n}.jpg")),
            kiosque_media::demo_photo(30 + n, 1200, 900, true),
        )
        .unwrap();
    }
    uploads
}

/// Imports `fr-front.xml` with its uploads; returns the report.
pub async fn import_front_site(app: &TestApp) -> String {
    let uploads = front_uploads(app.db.dir.path());
    let report = succeeded(
        &kiosque_on(
            app,
            &[
                "import".as_ref(),
                "wordpress".as_ref(),
                WXR_FRONT_FIXTURE.as_ref(),
                "--uploads".as_ref(),
                uploads.as_os_str(),
            ],
        )
        .await,
    );
    app.settled().await;
    report
}

/// Imports the French fixture site and its uploads into `app`, as
/// `kiosque import wordpress` does; returns the report.
pub async fn import_french_site(app: &TestApp) -> String {
    let uploads = wordpress_uploads(app.db.dir.path());
    let out = kiosque_on(
        app,
        &[
            "import".as_ref(),
            "wordpress".as_ref(),
            WXR_FIXTURE.as_ref(),
            "--uploads".as_ref(),
            uploads.as_os_str(),
        ],
    )
    .await;
    succeeded(&out)
}

/// Lines a server wrote to its standard error, kept as they come.
pub type ServerLog = std::sync::Arc<std::sync::Mutex<Vec<String>>>;

/// For a `kiosque serve` spawned with its standard error piped: waits for
/// the line saying where it listens, then keeps the rest of its log.
/// Returns the address (`127.0.0.1:port`) and the log.
pub async fn serving(server: &mut tokio::process::Child) -> (String, ServerLog) {
    use tokio::io::{AsyncBufReadExt, BufReader};
    let mut stderr = BufReader::new(server.stderr.take().expect("stderr piped")).lines();
    let address = loop {
        let line = stderr
            .next_line()
            .await
            .expect("the server's log")
            .expect("serve exited");
        if let Some(rest) = line.split("serving on http://").nth(1) {
            break rest.trim().trim_end_matches('/').to_owned();
        }
    };
    let log = ServerLog::default();
    let kept = log.clone();
    tokio::spawn(async move {
        while let Ok(Some(line)) = stderr.next_line().await {
            kept.lock().expect("log").push(line);
        }
    });
    (address, log)
}

/// The value of one series (name and labels, as written) in a `/metrics`
/// scrape.
pub fn sample(body: &str, series: &str) -> Option<f64> {
    body.lines()
        .find_map(|line| line.strip_prefix(series)?.strip_prefix(' '))
        .and_then(|v| v.split(' ').next()?.parse().ok())
}
