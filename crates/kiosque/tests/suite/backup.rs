//! `kiosque backup` and `kiosque restore`, the real binary. A site with
//! what a newsroom keeps (an imported WordPress site with its photo, a
//! published article whose photo has its smaller copies, comments in every
//! state, accounts, settings, old addresses) is backed up while it serves,
//! restored into an empty database of each kind and served again: the same
//! public pages, byte for byte, and SQLite → PostgreSQL → SQLite. A file cut
//! short, a file that is no backup and a database that is not empty are
//! refused, and a refused restore leaves nothing behind.

use std::collections::BTreeMap;
use std::ffi::OsStr;
use std::path::Path;

use kiosque_core::ports::Store;
use kiosque_core::types::Role;
use kiosque_testkit::{Engine, TestApp, TestDb, both_databases};

use crate::common::{failed, kiosque, kiosque_on, succeeded};

both_databases!(
    a_backup_restores_to_the_same_site_on_either_database,
    a_damaged_file_or_a_site_in_the_way_restores_nothing,
);

const PASSWORD: &str = "une phrase de passe assez longue";

/// A site with a bit of everything in it.
async fn populate(app: &TestApp) {
    crate::common::import_french_site(app).await;

    let photo = kiosque_media::demo_photo(3, 1400, 788, true);
    app.publish(
        "---\ntitle: \"Sauvegardes : la rédaction ne perd plus rien\"\nslug: sauvegardes\nauthor: Awa Diop\ncategory: Société\ntags: [Numérique]\ndate: 2024-04-02T08:30:00Z\nimage: une.jpg\nimage_alt: Une salle de rédaction\nimage_caption: La salle de rédaction, mardi.\n---\nLe **journal** garde tout, même ses « brouillons ».\n",
        Some(("une.jpg", &photo)),
    )
    .await;
    app.wait_for_copies("sauvegardes").await;

    let mut site = app.store.site().await.unwrap().unwrap();
    site.time_zone = "Europe/Paris".parse().unwrap();
    site.full_text_feeds = true;
    site.logo = Some(app.article_image("sauvegardes").await);
    app.save_site(&site).await;
    app.create_user("redaction@echos.example", Role::Editor, PASSWORD)
        .await;
}

/// One response as a reader's browser gets it.
#[derive(Debug, PartialEq, Eq)]
struct Fetched {
    status: u16,
    content_type: String,
    location: String,
    body: Vec<u8>,
}

/// Every public address reachable from the home page, the sitemaps and a
/// few old WordPress addresses, with what each answers.
async fn crawl(app: &TestApp) -> BTreeMap<String, Fetched> {
    let mut todo: Vec<String> = [
        "/",
        "/sitemap.xml",
        "/robots.txt",
        "/feed/",
        "/search?q=dockers",
        "/?p=42",
        "/?page_id=60",
        "/2024/03/port-abidjan-dockers-reprennent-le-travail/",
    ]
    .map(String::from)
    .to_vec();
    let mut seen = BTreeMap::new();
    while let Some(path) = todo.pop() {
        if seen.contains_key(&path) {
            continue;
        }
        assert!(seen.len() < 600, "the crawl does not end");
        let r = app.get(&path).await;
        let header = |name: &str| {
            r.headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default()
                .to_owned()
        };
        let (content_type, location) = (header("content-type"), header("location"));
        let status = r.status().as_u16();
        let body = r.bytes().await.unwrap().to_vec();
        if content_type.contains("html") || content_type.contains("xml") {
            todo.extend(links(&String::from_utf8_lossy(&body)));
        }
        todo.extend(local(&location));
        seen.insert(
            path,
            Fetched {
                status,
                content_type,
                location,
                body,
            },
        );
    }
    seen
}

/// The site's own addresses in a page (links, images, their sizes, sitemap
/// entries), leaving out the newsroom's.
fn links(page: &str) -> Vec<String> {
    let mut found = Vec::new();
    for start in ["href=\"", "src=\"", "srcset=\"", "<loc>", "<link>"] {
        for piece in page.split(start).skip(1) {
            let end = piece.find(['"', '<']).unwrap_or(piece.len());
            for candidate in piece[..end].split(", ") {
                let url = candidate.split(' ').next().unwrap_or_default();
                found.extend(local(&url.replace("&amp;", "&")));
            }
        }
    }
    found
}

fn local(url: &str) -> Option<String> {
    let path = url.strip_prefix("https://news.example.org").unwrap_or(url);
    let path = path.split('#').next()?;
    (path.starts_with('/') && !path.starts_with("//") && !path.starts_with("/admin"))
        .then(|| path.to_owned())
}

fn assert_same_site(original: &BTreeMap<String, Fetched>, restored: &BTreeMap<String, Fetched>) {
    assert_eq!(
        original.keys().collect::<Vec<_>>(),
        restored.keys().collect::<Vec<_>>(),
        "the same addresses"
    );
    for (path, before) in original {
        let after = &restored[path];
        assert!(
            before == after,
            "{path} differs after the restore:\n--- before ({}):\n{}\n--- after ({}):\n{}",
            before.status,
            String::from_utf8_lossy(&before.body),
            after.status,
            String::from_utf8_lossy(&after.body)
        );
    }
}

/// `kiosque restore FILE` into `target`'s empty database and data directory.
async fn restore(target: &TestDb, file: &Path) -> std::process::Output {
    kiosque(&target.dir.path().join("data"), &target.url)
        .args([OsStr::new("restore"), file.as_os_str()])
        .output()
        .await
        .expect("run kiosque restore")
}

async fn backup(app: &TestApp, file: &Path) {
    let stdout = succeeded(&kiosque_on(app, &[OsStr::new("backup"), file.as_os_str()]).await);
    assert!(
        stdout.contains("backed up 4 articles, 1 pages, 6 comments, 3 accounts, 18 media files"),
        "{stdout}"
    );
}

/// Restores `file` into a new database of `engine`, serves it, and checks
/// it is the site `original` crawled; `None` if the engine is not set up.
async fn restored_as(
    engine: Engine,
    file: &Path,
    original: &BTreeMap<String, Fetched>,
) -> Option<TestApp> {
    let target = TestDb::new(engine).await?;
    let stdout = succeeded(&restore(&target, file).await);
    assert!(stdout.contains("restored 4 articles"), "{stdout}");
    let app = TestApp::open(target, |_| {}).await;
    assert_same_site(original, &crawl(&app).await);
    let (cookie, r) = app.sign_in("redaction@echos.example", PASSWORD).await;
    assert_eq!(r.status(), 303, "the same accounts and passwords");
    assert!(cookie.is_some());
    Some(app)
}

async fn a_backup_restores_to_the_same_site_on_either_database(db: TestDb) {
    let engine = db.engine;
    let source = TestApp::french(db).await;
    populate(&source).await;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("echos.tar");
    // While the site serves.
    let (_, served) = tokio::join!(backup(&source, &file), crawl(&source));
    assert!(served.len() > 40, "{:?}", served.keys());
    let original = crawl(&source).await;
    assert!(
        original
            .keys()
            .any(|p| p.starts_with("/media/") && p.ends_with("-640.webp")),
        "the photos' copies are part of the site"
    );
    assert_eq!(original["/?p=42"].status, 301, "old addresses too");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&file).unwrap().permissions().mode();
        assert_eq!(mode & 0o077, 0, "only its owner reads a backup");
    }

    let sqlite = restored_as(Engine::Sqlite, &file, &original)
        .await
        .expect("SQLite is always there");
    if let Some(postgres) = restored_as(Engine::Postgres, &file, &original).await
        && engine == Engine::Sqlite
    {
        // A site that grew moves to PostgreSQL, and could come back.
        let again = dir.path().join("from-postgres.tar");
        backup(&postgres, &again).await;
        restored_as(Engine::Sqlite, &again, &original).await;
    }

    // New writes on a restored site take new ids.
    let path = sqlite
        .publish(
            "---\ntitle: Après la restauration\nslug: apres\nauthor: Awa Diop\ndate: 2024-05-01T10:00:00Z\n---\nEncore.\n",
            None,
        )
        .await;
    assert_eq!(sqlite.page(&path).await.0, 200);
}

async fn a_damaged_file_or_a_site_in_the_way_restores_nothing(db: TestDb) {
    let source = TestApp::french(TestDb::new(Engine::Sqlite).await.unwrap()).await;
    populate(&source).await;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("echos.tar");
    backup(&source, &file).await;
    let whole = std::fs::read(&file).unwrap();
    let target = db;

    // Cut in the middle of an entry, and cut cleanly before the last one
    // (which a tar reader alone would take for a shorter archive).
    let end = find(&whole, b"kiosque-backup-end.json").expect("the end entry") / 512 * 512;
    for (cut, message) in [(whole.len() / 2, "damaged"), (end, "cut short")] {
        let short = dir.path().join("short.tar");
        std::fs::write(&short, &whole[..cut]).unwrap();
        let stderr = failed(&restore(&target, &short).await);
        assert!(stderr.contains(message), "{stderr}");
    }
    let foreign = dir.path().join("notes.txt");
    std::fs::write(&foreign, "pas une sauvegarde\n".repeat(100)).unwrap();
    let stderr = failed(&restore(&target, &foreign).await);
    assert!(stderr.contains("is not a Kiosque backup"), "{stderr}");

    // Nothing of the refused restores stayed: the whole file goes in.
    succeeded(&restore(&target, &file).await);

    // Now the database holds a site: a second restore is refused and
    // changes nothing.
    let stderr = failed(&restore(&target, &file).await);
    assert!(stderr.contains("the database is not empty"), "{stderr}");
    let app = TestApp::open(target, |_| {}).await;
    assert_same_site(&crawl(&source).await, &crawl(&app).await);
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}
