//! Images as readers get them, over HTTP on both databases: smaller copies
//! made by the background worker, `<picture>` with WebP and JPEG `srcset`,
//! immutable caching, and media URLs that cannot leave the media folder.

use kiosque_core::ports::Store;
use kiosque_testkit::fixtures::french_article_source;
use kiosque_testkit::{TestApp, TestDb, both_databases};

both_databases!(
    copies_are_made_in_the_background_and_offered_to_browsers,
    media_urls_cannot_leave_the_media_folder,
);

async fn copies_are_made_in_the_background_and_offered_to_browsers(db: TestDb) {
    let app = TestApp::french(db).await;
    let photo = kiosque_media::demo_photo(6, 1400, 788, true);
    let path = app
        .publish(
            &french_article_source("photo-legere", Some("photo.jpg")),
            Some(("photo.jpg", &photo)),
        )
        .await;
    let article = app
        .store
        .article_by_slug(&kiosque_core::types::Slug::parse("photo-legere").unwrap())
        .await
        .unwrap()
        .unwrap();
    let asset = article.image.unwrap().asset;
    assert!(asset.color.starts_with('#') && asset.color.len() == 7);
    assert_eq!(
        app.wait_for_copies("photo-legere").await,
        vec![320, 640, 960, 1280]
    );
    let page = app.page(&path).await.1;
    let stem = asset.stem();
    assert!(
        page.contains(&format!(
            "<picture><source type=\"image/webp\" srcset=\"/media/{stem}-320.webp 320w, \
             /media/{stem}-640.webp 640w, /media/{stem}-960.webp 960w, \
             /media/{stem}-1280.webp 1280w\" sizes=\"(min-width: 44rem) 42rem, calc(100vw - 2rem)\">"
        )),
        "{page}"
    );
    assert!(page.contains(&format!(
        "srcset=\"/media/{stem}-320.jpg 320w, /media/{stem}-640.jpg 640w, \
         /media/{stem}-960.jpg 960w, /media/{stem}-1280.jpg 1280w, /media/{} 1400w\"",
        asset.file_name
    )));
    assert!(page.contains("width=\"1400\" height=\"788\""));
    assert!(page.contains("fetchpriority=\"high\""));
    assert!(page.contains(&format!("style=\"background-color:{}\"", asset.color)));
    for (name, mime, width) in [
        (format!("{stem}-640.webp"), "image/webp", 640),
        (format!("{stem}-1280.jpg"), "image/jpeg", 1280),
    ] {
        let r = app.get(&format!("/media/{name}")).await;
        assert_eq!(r.status(), 200, "{name}");
        assert_eq!(r.headers()["content-type"], mime);
        assert_eq!(
            r.headers()["cache-control"],
            "public, max-age=31536000, immutable"
        );
        let bytes = r.bytes().await.unwrap();
        assert_eq!(image::load_from_memory(&bytes).unwrap().width(), width);
    }
    // The home page's card offers the same copies, at a card's width.
    let home = app.page("/").await.1;
    assert!(home.contains("sizes=\"(min-width: 48rem) 20rem, calc(100vw - 2rem)\""));
}

async fn media_urls_cannot_leave_the_media_folder(db: TestDb) {
    let app = TestApp::french(db).await;
    // Something worth stealing next to the media folder.
    std::fs::create_dir_all(app.settings.media_dir()).unwrap();
    let secret = app.settings.data_dir.join("secret.txt");
    std::fs::write(&secret, "mot de passe").unwrap();
    let hash = "a".repeat(64);
    for attack in [
        "/media/../secret.txt".to_owned(),
        "/media/..%2Fsecret.txt".to_owned(),
        "/media/%2e%2e%2fsecret.txt".to_owned(),
        "/media/%2e%2e/secret.txt".to_owned(),
        "/media/..%5csecret.txt".to_owned(),
        "/media/....//secret.txt".to_owned(),
        format!("/media/{hash}.jpg%00.txt"),
        format!("/media/{hash}-640.webp/../../secret.txt"),
        "/media/%252e%252e%252fsecret.txt".to_owned(),
        format!("/media/{hash}.jpg"),
    ] {
        let r = app.get(&attack).await;
        assert_eq!(r.status(), 404, "{attack}");
        assert!(
            !r.text().await.unwrap().contains("mot de passe"),
            "{attack}"
        );
    }
}
