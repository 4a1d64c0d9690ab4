//! Images as readers get them, over HTTP on both databases: smaller copies
//! made by the background worker, `<picture>` with WebP and JPEG `srcset`,
//! immutable caching, and media URLs that cannot leave the media folder.

use crate::common;

use kiosque_core::ports::Store;
use kiosque_core::types::Role;
use kiosque_testkit::fixtures::french_article_source;
use kiosque_testkit::{TestApp, TestDb, both_databases};

both_databases!(
    copies_are_made_in_the_background_and_offered_to_browsers,
    media_urls_cannot_leave_the_media_folder,
    before_its_copies_exist_a_page_shows_the_original,
    the_newsroom_keeps_a_searchable_media_library,
    images_in_use_cannot_be_deleted_and_deleted_ones_leave_no_file,
    an_upload_is_refused_without_the_token_before_anything_else_answers,
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
    let asset = app.article_image("photo-legere").await;
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

async fn before_its_copies_exist_a_page_shows_the_original(db: TestDb) {
    // The worker looks at its queue once at start, then not for an hour.
    let app = TestApp::start(db, kiosque_core::types::Locale::Fr, |s| {
        s.schedule_every = std::time::Duration::from_secs(3600);
    })
    .await;
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    let path = app
        .publish(
            &french_article_source("sans-copies", Some("p.jpg")),
            Some(("p.jpg", &kiosque_media::demo_photo(2, 1000, 600, true))),
        )
        .await;
    let (status, page) = app.page(&path).await;
    assert_eq!(status, 200);
    assert!(
        !page.contains("<picture>") && !page.contains("srcset"),
        "{page}"
    );
    assert!(page.contains("width=\"1000\" height=\"600\""));
    let asset = app.article_image("sans-copies").await;
    assert!(page.contains(&format!("src=\"/media/{}\"", asset.file_name)));
    assert!(asset.variants.is_empty());
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

/// The id in a `/admin/media/{id}?…` redirect.
pub(crate) fn media_id(r: &reqwest::Response) -> i64 {
    let location = r.headers()["location"].to_str().unwrap();
    location
        .trim_start_matches("/admin/media/")
        .split('?')
        .next()
        .unwrap()
        .parse()
        .unwrap()
}

async fn the_newsroom_keeps_a_searchable_media_library(db: TestDb) {
    let app = TestApp::french(db).await;
    let author = app.newsroom("auteur@example.org", Role::Author).await;
    let contributor = app.newsroom("pigiste@example.org", Role::Contributor).await;
    assert_eq!(contributor.get("/admin/media").await.status(), 403);
    let photo = kiosque_media::demo_photo(8, 800, 450, true);
    let r = author
        .upload(
            "/admin/media",
            &[],
            Some(("marche-sandaga.jpg", photo.clone())),
        )
        .await;
    assert_eq!(r.status(), 303);
    let id = media_id(&r);
    let (status, page) = author.page(&format!("/admin/media/{id}?added=1")).await;
    assert_eq!(status, 200);
    assert!(page.contains("marche-sandaga.jpg"));
    assert!(common::plain(&page).contains("écrivez son texte alternatif"));
    let r = author
        .post(
            &format!("/admin/media/{id}"),
            &[
                ("alt", "Des étals de tissus colorés sous des bâches"),
                ("caption", "Le marché Sandaga, à Dakar"),
                ("credit", "Kiosque"),
                ("action", "save"),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
    let text = app.store.media_asset(id).await.unwrap().unwrap().text;
    assert_eq!(text.alt, "Des étals de tissus colorés sous des bâches");
    for search in ["TISSUS", "sandaga", "marche-sandaga"] {
        let (_, library) = author.page(&format!("/admin/media?q={search}")).await;
        assert!(
            library.contains(&format!("href=\"/admin/media/{id}\"")),
            "{search}"
        );
    }
    let (_, library) = author.page("/admin/media?q=introuvable").await;
    assert!(!library.contains(&format!("href=\"/admin/media/{id}\"")));
    // A text too long is refused and nothing changes.
    let long = "x".repeat(501);
    let r = author
        .post(
            &format!("/admin/media/{id}"),
            &[("alt", long.as_str()), ("action", "save")],
        )
        .await;
    assert_eq!(r.status(), 422);
    // 30 MB, over the default 20 MB: refused while being read.
    let r = author
        .upload(
            "/admin/media",
            &[],
            Some(("enorme.jpg", vec![0xFF; 30 * 1024 * 1024])),
        )
        .await;
    assert_eq!(r.status(), 413);
    assert!(common::plain(&r.text().await.unwrap()).contains("dépasse la taille permise (20 Mo)"));
    // Not an image: refused with a reason, nothing stored.
    let r = author
        .upload(
            "/admin/media",
            &[],
            Some(("photo.jpg", b"<script>x</script>".to_vec())),
        )
        .await;
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("lisible"));
    let all = app
        .store
        .media_library(
            "",
            kiosque_core::model::PageRequest {
                number: 1,
                per_page: 50,
            },
        )
        .await
        .unwrap();
    assert_eq!(all.total, 1);
    // Authors do not delete.
    let r = author
        .post(&format!("/admin/media/{id}"), &[("action", "delete")])
        .await;
    assert_eq!(r.status(), 403);
}

async fn images_in_use_cannot_be_deleted_and_deleted_ones_leave_no_file(db: TestDb) {
    let app = TestApp::french(db).await;
    let photo = kiosque_media::demo_photo(9, 900, 500, true);
    app.publish(
        &french_article_source("utilisee", Some("p.jpg")),
        Some(("p.jpg", &photo)),
    )
    .await;
    app.wait_for_copies("utilisee").await;
    let used = app.article_image("utilisee").await;
    let editor = app.newsroom("chef@example.org", Role::Editor).await;
    let (_, page) = editor.page(&format!("/admin/media/{}", used.id)).await;
    assert!(page.contains("Coopération militaire"), "where it is used");
    assert!(!page.contains("value=\"delete\""), "no delete button");
    let r = editor
        .post(
            &format!("/admin/media/{}", used.id),
            &[("action", "delete")],
        )
        .await;
    assert_eq!(r.status(), 409);
    assert!(common::plain(&r.text().await.unwrap()).contains("Cette image est utilisée"));
    assert_eq!(
        app.get(&format!("/media/{}", used.file_name))
            .await
            .status(),
        200
    );
    // An unused one goes, with its copies.
    let r = editor
        .upload(
            "/admin/media",
            &[],
            Some(("libre.jpg", kiosque_media::demo_photo(10, 700, 400, true))),
        )
        .await;
    let id = media_id(&r);
    let free = app.store.media_asset(id).await.unwrap().unwrap();
    for _ in 0..200 {
        if !app
            .store
            .media_asset(id)
            .await
            .unwrap()
            .unwrap()
            .variants
            .is_empty()
        {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let copy = format!("/media/{}-640.webp", free.stem());
    assert_eq!(app.get(&copy).await.status(), 200);
    let r = editor
        .post(&format!("/admin/media/{id}"), &[("action", "delete")])
        .await;
    assert_eq!(r.status(), 303);
    assert!(app.store.media_asset(id).await.unwrap().is_none());
    assert_eq!(
        app.get(&format!("/media/{}", free.file_name))
            .await
            .status(),
        404
    );
    assert_eq!(app.get(&copy).await.status(), 404);
    assert!(!app.settings.media_dir().join(&free.file_name).exists());
}

/// Wapiti found an article's photo form answering the same with a forged
/// token as with the right one, once the article was gone (404 either
/// way): every upload form now checks the token first — before the
/// article, the author or the size is looked at.
async fn an_upload_is_refused_without_the_token_before_anything_else_answers(db: TestDb) {
    let app = TestApp::start(db, kiosque_core::types::Locale::Fr, |s| {
        s.web.media_limits.max_bytes = 100_000;
    })
    .await;
    let editor = app.newsroom("photos@example.org", Role::Editor).await;
    app.publish(&french_article_source("photo-jeton", None), None)
        .await;
    let id = app
        .store
        .article_by_slug(&kiosque_core::types::Slug::parse("photo-jeton").unwrap())
        .await
        .unwrap()
        .unwrap()
        .id;
    let photo = || Some(("p.png", common::png(3)));
    let big = || Some(("grand.jpg", vec![0xFF; 300_000]));
    let forged: &[(&str, &str)] = &[("csrf", "forged")];
    for target in [
        format!("/admin/articles/{id}/image"),
        "/admin/articles/999999/image".to_owned(),
        "/admin/media".to_owned(),
        "/admin/authors/999999/photo".to_owned(),
        "/admin/settings/logo".to_owned(),
        "/admin/newsletters/subscribers/import".to_owned(),
    ] {
        let r = editor.upload(&target, forged, photo()).await;
        assert_eq!(r.status(), 403, "{target}");
    }
    // Over the size limit too: the token comes before the file and is read
    // before the limit is reached.
    let r = editor
        .upload(&format!("/admin/articles/{id}/image"), forged, big())
        .await;
    assert_eq!(r.status(), 403);
    // With the token: what is wrong is then said.
    let r = editor
        .upload("/admin/articles/999999/image", &[], photo())
        .await;
    assert_eq!(r.status(), 404);
    let r = editor
        .upload(&format!("/admin/articles/{id}/image"), &[], big())
        .await;
    assert_eq!(r.status(), 413);
}
