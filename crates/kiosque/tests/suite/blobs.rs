//! One behaviour suite for both media storages: the local directory and an
//! S3-compatible bucket (a real S3-protocol server on loopback, `s3s-fs`).
//! Then the whole site on S3: upload, copies, pages and files.

use std::sync::Arc;

use kiosque::MediaStorage;
use kiosque_media::{BlobStore, LocalBlobStore, S3BlobStore};
use kiosque_testkit::fixtures::french_article_source;
use kiosque_testkit::{S3Server, TestApp, TestDb, both_databases};

/// Runs each named suite function against both storages.
macro_rules! both_storages {
    ($($name:ident),* $(,)?) => {
        mod local {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    let dir = tempfile::tempdir().unwrap();
                    let store: std::sync::Arc<dyn super::BlobStore> =
                        std::sync::Arc::new(super::LocalBlobStore::new(dir.path().join("media")));
                    super::$name(store).await;
                }
            )*
        }
        mod s3 {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    let server = super::S3Server::start().await;
                    let store: std::sync::Arc<dyn super::BlobStore> =
                        std::sync::Arc::new(super::S3BlobStore::new(&server.settings()).unwrap());
                    super::$name(store).await;
                }
            )*
        }
    };
}

both_storages!(
    files_are_written_read_and_deleted,
    writing_the_same_name_twice_keeps_one_file,
    a_photo_sized_file_round_trips,
);

both_databases!(the_whole_site_runs_on_s3);

fn name(c: char, ext: &str) -> String {
    format!("{}.{ext}", c.to_string().repeat(64))
}

async fn files_are_written_read_and_deleted(store: Arc<dyn BlobStore>) {
    let a = name('a', "jpg");
    assert_eq!(store.get(&a).await.unwrap(), None);
    store.put(&a, b"first".to_vec()).await.unwrap();
    assert_eq!(store.get(&a).await.unwrap().as_deref(), Some(&b"first"[..]));
    let copy = format!("{}-640.webp", "a".repeat(64));
    store.put(&copy, b"copy".to_vec()).await.unwrap();
    store.delete(&a).await.unwrap();
    assert_eq!(store.get(&a).await.unwrap(), None);
    assert_eq!(
        store.get(&copy).await.unwrap().as_deref(),
        Some(&b"copy"[..])
    );
    // Deleting what is not there is not an error.
    store.delete(&a).await.unwrap();
}

async fn writing_the_same_name_twice_keeps_one_file(store: Arc<dyn BlobStore>) {
    let b = name('b', "png");
    store.put(&b, b"same".to_vec()).await.unwrap();
    store.put(&b, b"same".to_vec()).await.unwrap();
    assert_eq!(store.get(&b).await.unwrap().as_deref(), Some(&b"same"[..]));
}

async fn a_photo_sized_file_round_trips(store: Arc<dyn BlobStore>) {
    let photo = kiosque_media::photo_like(3, 1600, 1200);
    assert!(photo.len() > 500_000);
    let c = name('c', "jpg");
    store.put(&c, photo.clone()).await.unwrap();
    assert_eq!(store.get(&c).await.unwrap(), Some(photo));
}

#[tokio::test]
async fn a_wrong_secret_is_refused_by_the_server() {
    let server = S3Server::start().await;
    let mut settings = server.settings();
    settings.secret_access_key = "not the secret".into();
    let store = S3BlobStore::new(&settings).unwrap();
    assert!(store.put(&name('d', "jpg"), b"x".to_vec()).await.is_err());
    assert!(!server.holds(&name('d', "jpg")));
}

async fn the_whole_site_runs_on_s3(db: TestDb) {
    let server = S3Server::start().await;
    let settings = server.settings();
    let app = TestApp::start(db, kiosque_core::types::Locale::Fr, |s| {
        s.media_storage = MediaStorage::S3(settings);
    })
    .await;
    let path = app
        .publish(
            &french_article_source("nuage", Some("p.jpg")),
            Some(("p.jpg", &kiosque_media::demo_photo(5, 900, 500, true))),
        )
        .await;
    assert_eq!(app.wait_for_copies("nuage").await, vec![320, 640]);
    let asset = app.article_image("nuage").await;
    let copy = format!("{}-640.webp", asset.stem());
    for file in [&asset.file_name, &copy] {
        assert!(server.holds(file), "{file} in the bucket");
        let r = app.get(&format!("/media/{file}")).await;
        assert_eq!(r.status(), 200, "{file}");
    }
    assert!(
        !app.settings.media_dir().join(&asset.file_name).exists(),
        "nothing on the local disk"
    );
    assert!(app.page(&path).await.1.contains(&copy));
}
