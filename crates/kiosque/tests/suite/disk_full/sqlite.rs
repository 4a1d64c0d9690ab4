//! A full disk: the data directory (SQLite file, media, search index) on a
//! small tmpfs, filled up under a running server. Writes are refused with a
//! 503 that says the disk is full and when to come back, nothing already
//! acknowledged is lost or damaged, reads keep coming from the page cache,
//! and everything works again once space is freed.

use kiosque_core::ports::Store;
use kiosque_core::types::Role;
use kiosque_testkit::{Engine, TestDb};

use super::{Tmpfs, assert_refused_for_room, comment, fill, save, site_with_article, skipped};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_disk_refuses_writes_clearly_and_loses_nothing() {
    if skipped("the full-disk test on SQLite") {
        return;
    }
    let db = TestDb::new(Engine::Sqlite)
        .await
        .expect("SQLite is always available");
    let _disk = Tmpfs::mount(db.dir.path(), "32m");
    let (app, path) = site_with_article(db).await;
    let editor = app.newsroom("disque@example.org", Role::Editor).await;
    let comment = |n: u32| comment(&app, &path, n);
    let mut acknowledged = Vec::new();
    for n in 0..3 {
        let r = comment(n).await;
        assert_eq!(r.status(), 303, "comment {n}");
        acknowledged.push(n);
    }
    assert_eq!(app.page(&path).await.0, 200);

    let mut fillers = vec![fill(&app.settings.data_dir, "filler-1")];
    // Writes that still fit where the database already has room (its
    // write-ahead log) are taken and kept; then a reader's comment is
    // refused, saying why and when to come back.
    let mut n = 100;
    let r = loop {
        let r = comment(n).await;
        if r.status() != 303 {
            break r;
        }
        acknowledged.push(n);
        n += 1;
        assert!(n < 5_000, "the disk never filled up");
    };
    let refused = n;
    assert_refused_for_room(r, "a comment").await;
    // A newsroom save: the same, and the article unchanged.
    let article_id = app
        .store
        .article_by_slug(&kiosque_core::types::Slug::parse("disque").unwrap())
        .await
        .unwrap()
        .unwrap()
        .id;
    let save = |title: String, body: &'static str| {
        let (app, editor) = (&app, &editor);
        async move {
            let article = app.store.article(article_id).await.unwrap().unwrap();
            save(editor, article_id, article.version, &title, body).await
        }
    };
    // What the refused comment gave back (a journal rolled back) is taken
    // again. A save may still fit where the log has room again (SQLite
    // reuses its write-ahead log once a checkpoint has copied it back,
    // whenever that happens): such a save is taken and must be kept; the
    // saves go on until the disk refuses one.
    fillers.push(fill(&app.settings.data_dir, "filler-2"));
    let mut saved = 0;
    let r = loop {
        let r = save(
            format!("Un titre changé sur un disque plein, {saved}"),
            "Un texte qui ne tient plus.",
        )
        .await;
        if r.status() != 303 {
            break r;
        }
        saved += 1;
        assert!(saved < 500, "the disk never refused a save");
    };
    assert_refused_for_room(r, "a newsroom save").await;
    if saved > 0 {
        let article = app.store.article(article_id).await.unwrap().unwrap();
        assert_eq!(
            article.title.as_str(),
            format!("Un titre changé sur un disque plein, {}", saved - 1),
            "the last save taken is the article"
        );
    }
    // Readers keep reading.
    assert_eq!(app.page(&path).await.0, 200);

    // Space comes back: everything works again, by itself.
    for filler in &fillers {
        std::fs::remove_file(filler).unwrap();
    }
    let r = comment(200).await;
    assert_eq!(
        r.status(),
        303,
        "a comment once space is back: {}",
        crate::common::plain(&r.text().await.unwrap())
    );
    acknowledged.push(200);
    // Several saves in a row, so that every connection of the pool serves
    // one: a connection left inside a transaction SQLite had rolled back
    // on the full disk refused every later one with a 500.
    for n in 0..12 {
        let r = save(
            format!("Un titre changé une fois le disque libéré, {n}"),
            "Le texte tient de nouveau.",
        )
        .await;
        assert_eq!(
            r.status(),
            303,
            "save {n} once space is back: {}",
            crate::common::plain(&r.text().await.unwrap())
        );
    }

    // Nothing acknowledged lost, nothing refused stored, the file whole.
    assert_eq!(app.db.strings("PRAGMA integrity_check").await, ["ok"]);
    let bodies = app
        .db
        .strings("SELECT body FROM comments ORDER BY id")
        .await;
    for n in &acknowledged {
        assert!(
            bodies
                .iter()
                .any(|b| b.contains(&format!("Avis numéro {n},"))),
            "comment {n} acknowledged, then lost"
        );
    }
    assert!(
        !bodies
            .iter()
            .any(|b| b.contains(&format!("Avis numéro {refused},"))),
        "a refused comment was stored"
    );
    app.stop().await;
}
