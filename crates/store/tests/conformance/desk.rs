//! The writer's desk: editor modes kept per account; open editors seen by
//! every server, taken over, forgotten when silent.

use chrono::Utc;
use kiosque_core::model::NewUser;
use kiosque_core::model::desk::{EditorMode, Presence};
use kiosque_core::ports::{Accounts, Desk, Store};
use kiosque_core::types::{Email, Role};
use kiosque_testkit::TestDb;
use kiosque_testkit::fixtures::{date, french_draft};

async fn writer(store: &impl Accounts, email: &str, name: &str) -> i64 {
    store
        .create_user(&NewUser {
            email: Email::parse(email).unwrap(),
            name: name.into(),
            role: Role::Editor,
            password_hash: None,
            created_at: Utc::now(),
        })
        .await
        .unwrap()
        .id
}

fn who(list: &[Presence]) -> Vec<(&str, &str, Option<&str>)> {
    list.iter()
        .map(|p| (p.page.as_str(), p.user_name.as_str(), p.taken_by.as_deref()))
        .collect()
}

pub async fn open_editors_are_shared_taken_over_and_forgotten_when_silent(db: TestDb) {
    let store = db.store().await;
    let article = store
        .publish_article(&french_draft("pyongyang", date(0)))
        .await
        .unwrap()
        .article_id;
    let awa = writer(&store, "awa@example.org", "Awa Diop").await;
    let jean = writer(&store, "jean@example.org", "Jean Mbarga").await;

    // Modes: Markdown until chosen, then what was chosen.
    assert_eq!(store.editor_mode(awa).await.unwrap(), EditorMode::Markdown);
    store
        .set_editor_mode(awa, EditorMode::Visual)
        .await
        .unwrap();
    assert_eq!(store.editor_mode(awa).await.unwrap(), EditorMode::Visual);
    assert_eq!(store.editor_mode(jean).await.unwrap(), EditorMode::Markdown);

    let (a, j) = ("aaaaaaaaaaaaaaaa", "bbbbbbbbbbbbbbbb");
    let t = 1_767_225_600;
    let first = store.beat(article, awa, a, t, t - 45).await.unwrap();
    assert_eq!(who(&first), [(a, "Awa Diop", None)]);
    let both = store.beat(article, jean, j, t + 5, t - 40).await.unwrap();
    assert_eq!(
        who(&both),
        [(a, "Awa Diop", None), (j, "Jean Mbarga", None)]
    );
    // A heartbeat keeps the time the page opened the article.
    let again = store.beat(article, awa, a, t + 10, t - 35).await.unwrap();
    assert_eq!((again[0].since, again[0].seen_at), (t, t + 10));
    // Another account cannot pass for a page it does not hold.
    store.beat(article, jean, a, t + 11, t - 34).await.unwrap();
    assert_eq!(
        store.presence(article, a).await.unwrap().unwrap().user_id,
        awa
    );

    // Jean takes over: Awa's page is told, his is in charge.
    store.take_over(article, jean, j, t + 12).await.unwrap();
    let taken = store.presence(article, a).await.unwrap().unwrap();
    assert_eq!(taken.taken_by.as_deref(), Some("Jean Mbarga"));
    assert_eq!(
        store.presence(article, j).await.unwrap().unwrap().taken_by,
        None
    );
    // Awa takes it back from a fresh page: Jean's page is the taken one.
    let a2 = "cccccccccccccccc";
    store.take_over(article, awa, a2, t + 20).await.unwrap();
    assert_eq!(
        store
            .presence(article, j)
            .await
            .unwrap()
            .unwrap()
            .taken_by
            .as_deref(),
        Some("Awa Diop")
    );

    // A page taken over stays known when it closes (a save it sends as it
    // closes is still refused); an ordinary page closed is gone.
    store.leave(article, j).await.unwrap();
    assert!(store.presence(article, j).await.unwrap().is_some());
    let d = "dddddddddddddddd";
    store.beat(article, awa, d, t + 21, t - 24).await.unwrap();
    store.leave(article, d).await.unwrap();
    assert!(store.presence(article, d).await.unwrap().is_none());
    // A silent one is forgotten at the next beat.
    let later = store
        .beat(article, awa, a2, t + 70, t + 70 - 45)
        .await
        .unwrap();
    assert_eq!(who(&later), [(a2, "Awa Diop", None)]);
    // An editor page drawn while another request deletes its article: the
    // article is not found, not a failure (a scanner found the 500).
    assert!(matches!(
        store
            .beat(article + 1000, awa, "eeeeeeeeeeeeeeee", t + 80, t + 35)
            .await,
        Err(kiosque_core::Error::NotFound("article"))
    ));
}
