//! The front page's choices, on both databases: pins in order with only
//! published ones shown, section blocks, both replaced whole, each change
//! logged under `front`; the banner, tagline, accent colour and header
//! layout kept with the settings.

use kiosque_core::model::{Banner, Site, TermKind};
use kiosque_core::ports::Store;
use kiosque_core::types::{ArticleStatus, Locale};
use kiosque_testkit::TestDb;
use kiosque_testkit::fixtures::{date, french_draft};

pub(crate) async fn the_front_page_keeps_its_pins_blocks_and_banner(db: TestDb) {
    let store = db.store().await;
    let mut site = Site::new("S", Locale::Fr, "https://example.org");
    store.save_site(&site).await.unwrap();
    let a = store
        .publish_article(&french_draft("a", date(0)))
        .await
        .unwrap()
        .article_id;
    let b = store
        .publish_article(&french_draft("b", date(1)))
        .await
        .unwrap()
        .article_id;
    let mark = store.latest_page_change().await.unwrap();
    store.set_front_pins(&[b, a, 999]).await.unwrap();
    let topics: Vec<String> = store
        .page_changes(mark, 100)
        .await
        .unwrap()
        .into_iter()
        .map(|c| c.topic)
        .collect();
    assert!(
        topics.iter().all(|t| t == "front") && !topics.is_empty(),
        "{topics:?}"
    );
    assert_eq!(store.front_page().await.unwrap().pins, vec![b, a]);
    let shown: Vec<i64> = store
        .pinned_articles()
        .await
        .unwrap()
        .iter()
        .map(|s| s.id)
        .collect();
    assert_eq!(shown, vec![b, a]);
    // Unpublished: still pinned, no longer shown.
    let mut gone = french_draft("b", date(1));
    gone.status = ArticleStatus::Unpublished;
    let v = store.article(b).await.unwrap().unwrap().version;
    store.update_article(b, v, &gone).await.unwrap();
    let shown: Vec<i64> = store
        .pinned_articles()
        .await
        .unwrap()
        .iter()
        .map(|s| s.id)
        .collect();
    assert_eq!(shown, vec![a]);
    assert!(store.set_front_pins(&[a; 13]).await.is_err(), "at most 12");
    // Blocks, in order, their counts kept within bounds.
    let section = store.terms(TermKind::Category).await.unwrap()[0].id;
    store
        .set_front_sections(&[(section, 40), (999, 2)])
        .await
        .unwrap();
    let front = store.front_page().await.unwrap();
    assert_eq!(front.sections.len(), 1);
    assert_eq!(front.sections[0].category.id, section);
    assert_eq!(front.sections[0].count, 12);
    store.set_front_sections(&[]).await.unwrap();
    assert!(store.front_page().await.unwrap().sections.is_empty());
    // The banner and the tagline live with the settings.
    let until = chrono::DateTime::from_timestamp(2_000_000_000, 0).unwrap();
    site.tagline = "L'actualité, en continu".into();
    site.banner = Some(Banner {
        text: "Alerte".into(),
        url: Some("/direct/".into()),
        until: Some(until),
    });
    site.accent = Some(kiosque_core::model::Accent::parse("#0b5394").unwrap());
    site.header_centred = true;
    site.show_tagline = false;
    store.save_site(&site).await.unwrap();
    let back = store.site().await.unwrap().unwrap();
    assert_eq!(back.tagline, site.tagline);
    assert_eq!(back.banner, site.banner);
    assert_eq!(back.accent, site.accent);
    assert!(back.header_centred && !back.show_tagline);
    site.banner = None;
    store.save_site(&site).await.unwrap();
    assert_eq!(store.site().await.unwrap().unwrap().banner, None);
}
