//! `kiosque export-static`, the real binary, on both databases: the whole
//! public site as files with the same addresses and the same bytes as the
//! server's, and a second run that rewrites only what changed.

use std::path::Path;

use kiosque_testkit::fixtures::french_article_source;
use kiosque_testkit::{TestApp, TestDb, both_databases};

both_databases!(
    the_static_export_is_the_site_as_files_and_rewrites_only_what_changed,
    the_json_export_holds_the_content_with_its_comments_and_photos,
);

/// Runs `kiosque export-static out` on the app's database; returns stdout.
async fn export(app: &TestApp, out: &Path) -> String {
    crate::common::succeeded(
        &crate::common::kiosque_on(app, &["export-static".as_ref(), out.as_os_str()]).await,
    )
}

/// `(files, written, removed)` from the command's summary line.
fn counts(summary: &str) -> (usize, usize, usize) {
    let (files, written, removed, _) = all_counts(summary);
    (files, written, removed)
}

/// `(files, written, removed, rendered)` from the command's summary line.
fn all_counts(summary: &str) -> (usize, usize, usize, usize) {
    let number = |word: &str| -> usize {
        let before = summary.split(word).next().unwrap();
        before
            .split_whitespace()
            .last()
            .unwrap()
            .trim_start_matches(':')
            .parse()
            .unwrap_or_else(|_| panic!("{word} in {summary}"))
    };
    let files: usize = summary.split_whitespace().nth(1).unwrap().parse().unwrap();
    (
        files,
        number(" written"),
        number(" removed"),
        number(" rendered"),
    )
}

/// Each exported file holds what the server answers at its address.
async fn same_as_served(app: &TestApp, out: &Path, pages: &[(&str, &str)]) {
    for (path, file) in pages {
        let (status, served) = app.page(path).await;
        assert_eq!(status, 200, "{path}");
        let exported = std::fs::read_to_string(out.join(file))
            .unwrap_or_else(|e| panic!("{file} for {path}: {e}"));
        assert_eq!(exported, served, "{path}");
    }
}

async fn the_static_export_is_the_site_as_files_and_rewrites_only_what_changed(db: TestDb) {
    let app = TestApp::french(db).await;
    let photo = kiosque_media::demo_photo(4, 1200, 675, true);
    let first = app
        .publish(
            &french_article_source("premier", Some("photo.jpg")),
            Some(("photo.jpg", &photo)),
        )
        .await;
    app.wait_for_copies("premier").await;
    let second = app
        .publish(
            &french_article_source("second", None)
                .replace("Coopération militaire", "Cacao")
                .replace("category: \"International\"", "category: \"Économie\""),
            None,
        )
        .await;
    let out = tempfile::tempdir().unwrap();
    let summary = export(&app, out.path()).await;
    let (files, written, removed, rendered) = all_counts(&summary);
    assert_eq!((written, removed), (files, 0), "{summary}");

    // Pages are the server's own bytes, at the same addresses.
    let first_file = format!("{}index.html", &first[1..]);
    let second_file = format!("{}index.html", &second[1..]);
    let pages = [
        ("/", "index.html"),
        (first.as_str(), first_file.as_str()),
        (second.as_str(), second_file.as_str()),
        ("/category/economie/", "category/economie/index.html"),
        ("/tag/russie/", "tag/russie/index.html"),
        (
            "/author/gaelle-villeneuve/",
            "author/gaelle-villeneuve/index.html",
        ),
        ("/2024/", "2024/index.html"),
        ("/2024/11/", "2024/11/index.html"),
        ("/feed/", "feed/index.xml"),
        (
            "/category/economie/feed/atom/",
            "category/economie/feed/atom/index.xml",
        ),
        ("/sitemap.xml", "sitemap.xml"),
        ("/robots.txt", "robots.txt"),
    ];
    same_as_served(&app, out.path(), &pages).await;
    // The photo, its copies, and the style sheet.
    let html = std::fs::read_to_string(out.path().join("index.html")).unwrap();
    let media: Vec<&str> = html
        .split("/media/")
        .skip(1)
        .map(|s| s.split([' ', '"', ',']).next().unwrap())
        .collect();
    assert!(media.iter().any(|m| m.ends_with(".webp")), "{media:?}");
    for m in &media {
        assert!(out.path().join("media").join(m).is_file(), "{m}");
    }
    let css = html
        .split("href=\"/assets/")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap();
    assert!(out.path().join("assets").join(css).is_file());
    // Nothing private, nothing of the newsroom.
    assert!(!out.path().join("admin").exists());
    assert!(!out.path().join("search").exists());

    // Again with nothing changed: nothing written, and the pages (whose
    // topics say nothing changed) not even rendered; feeds, sitemaps and
    // robots.txt, which carry no topics, are.
    let summary = export(&app, out.path()).await;
    let (again_files, again_written, again_removed, again_rendered) = all_counts(&summary);
    assert_eq!(
        (again_files, again_written, again_removed),
        (files, 0, 0),
        "{summary}"
    );
    assert!(again_rendered < rendered / 2, "{summary}");

    // One article edited: its page and the lists and files showing it,
    // not the other article's page.
    let other_page = out.path().join(format!("{}index.html", &second[1..]));
    let before = std::fs::metadata(&other_page).unwrap().modified().unwrap();
    app.publish(
        &french_article_source("premier", Some("photo.jpg"))
            .replace("Pyongyang dit", "Pyongyang affirme"),
        Some(("photo.jpg", &photo)),
    )
    .await;
    let summary = export(&app, out.path()).await;
    let (_, written, _) = counts(&summary);
    // With two articles nearly every list shows the edited one; the other
    // article's page and the section it alone is in stay as they were.
    assert!(written > 0 && written < files, "{summary}");
    same_as_served(&app, out.path(), &pages).await;
    assert!(
        std::fs::read_to_string(out.path().join(format!("{}index.html", &first[1..])))
            .unwrap()
            .contains("Pyongyang affirme")
    );
    assert_eq!(
        std::fs::metadata(&other_page).unwrap().modified().unwrap(),
        before
    );

    // An article taken down: its file goes.
    app.db
        .execute("UPDATE articles SET status = 'unpublished' WHERE slug = 'second'")
        .await;
    let summary = export(&app, out.path()).await;
    let (_, _, removed) = counts(&summary);
    assert!(removed >= 1, "{summary}");
    assert!(!other_page.exists());
}

async fn the_json_export_holds_the_content_with_its_comments_and_photos(db: TestDb) {
    use kiosque_core::model::NewComment;
    use kiosque_core::ports::Store;
    use kiosque_core::types::{CommentStatus, Email};

    let app = TestApp::french(db).await;
    let photo = kiosque_media::demo_photo(5, 800, 450, true);
    let path = app
        .publish(
            &french_article_source("avec-photo", Some("photo.jpg")),
            Some(("photo.jpg", &photo)),
        )
        .await;
    app.publish(&french_article_source("sans-photo", None), None)
        .await;
    let article = app
        .store
        .article_by_slug(&kiosque_core::types::Slug::parse("avec-photo").unwrap())
        .await
        .unwrap()
        .unwrap();
    let comment = |body: &str, parent_id, status| NewComment {
        article_id: article.id,
        parent_id,
        author_name: "Awa Diop".into(),
        author_email: Email::parse("awa@lecteurs.example").unwrap(),
        author_url: None,
        body: body.into(),
        status,
        created_at: chrono::Utc::now(),
    };
    let first = app
        .store
        .add_comment(&comment(
            "Très clair, merci.",
            None,
            CommentStatus::Approved,
        ))
        .await
        .unwrap();
    app.store
        .add_comment(&comment(
            "Et la suite ?",
            Some(first.id),
            CommentStatus::Pending,
        ))
        .await
        .unwrap();

    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("contenu.json");
    let output = crate::common::kiosque_on(
        &app,
        &[
            "export".as_ref(),
            "json".as_ref(),
            "--output".as_ref(),
            file.as_os_str(),
        ],
    )
    .await;
    crate::common::succeeded(&output);
    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&file).unwrap()).expect("valid JSON");
    assert_eq!(json["format"], "kiosque-content");
    assert_eq!(json["version"], 1);
    assert_eq!(json["site"]["language"], "fr");
    let articles = json["articles"].as_array().unwrap();
    assert_eq!(articles.len(), 2);
    let exported = articles
        .iter()
        .find(|a| a["slug"] == "avec-photo")
        .expect("the article");
    assert!(
        exported["url"].as_str().unwrap().ends_with(&path),
        "{exported}"
    );
    assert_eq!(exported["status"], "published");
    assert!(
        exported["body_markdown"]
            .as_str()
            .unwrap()
            .contains("Lavrov")
    );
    let comments = exported["comments"].as_array().unwrap();
    assert_eq!(comments.len(), 2, "every state");
    assert_eq!(comments[0]["status"], "approved");
    assert_eq!(comments[1]["parent_id"], comments[0]["id"]);
    assert_eq!(comments[1]["author_email"], "awa@lecteurs.example");
    let media_id = &exported["image"]["media_id"];
    let media = json["media"].as_array().unwrap();
    assert!(
        media.iter().any(|m| &m["id"] == media_id),
        "its photo is listed"
    );
    let author_id = &exported["author_id"];
    assert!(
        json["authors"]
            .as_array()
            .unwrap()
            .iter()
            .any(|a| &a["id"] == author_id)
    );
    let category_id = &exported["category_id"];
    assert!(
        json["categories"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| &c["id"] == category_id)
    );
    assert_eq!(
        exported["tag_ids"].as_array().unwrap().len(),
        article.tags.len()
    );
}
