//! An article in several sections, on both databases: its further
//! sections read back in order, every list holding it, entering and
//! leaving with its publication, and the page and search logs told.

use kiosque_core::model::{ArticleFilter, PageRequest, TermKind};
use kiosque_core::ports::Store;
use kiosque_core::types::{ArticleStatus, Slug};
use kiosque_testkit::TestDb;
use kiosque_testkit::fixtures::{date, french_draft};

fn named(slug: &str, name: &str) -> (Slug, String) {
    (Slug::parse(slug).unwrap(), name.to_owned())
}

pub(crate) async fn an_article_is_listed_in_each_of_its_sections(db: TestDb) {
    let store = db.store().await;
    let mut draft = french_draft("cacao", date(0));
    draft.category = Some(named("economie", "Économie"));
    draft.sections = vec![
        named("cote-d-ivoire", "Côte d'Ivoire"),
        named("economie", "Économie"),
        named("agriculture", "Agriculture"),
    ];
    let mark = store.latest_page_change().await.unwrap();
    let id = store.publish_article(&draft).await.unwrap().article_id;
    let article = store.article(id).await.unwrap().unwrap();
    let names: Vec<&str> = article.sections.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(
        names,
        ["Côte d'Ivoire", "Agriculture"],
        "the first one once"
    );
    let sections = store.terms(TermKind::Category).await.unwrap();
    let id_of = |name: &str| sections.iter().find(|t| t.name == name).unwrap().id;
    let listed = |section: i64| {
        let store = store.clone();
        async move {
            store
                .list_articles(
                    ArticleFilter::Category(section),
                    PageRequest {
                        number: 1,
                        per_page: 10,
                    },
                )
                .await
                .unwrap()
        }
    };
    for name in ["Économie", "Côte d'Ivoire", "Agriculture"] {
        let page = listed(id_of(name)).await;
        assert_eq!(page.total, 1, "{name}");
        assert_eq!(page.items[0].id, id, "{name}");
    }
    let topics: Vec<String> = store
        .page_changes(mark, 1000)
        .await
        .unwrap()
        .into_iter()
        .map(|c| c.topic)
        .collect();
    let civ = format!("in-category-{}", id_of("Côte d'Ivoire"));
    assert!(topics.contains(&civ), "{topics:?}");
    // The search document names every section.
    let docs = store.search_documents(&[id]).await.unwrap();
    let further: Vec<&str> = docs[0]
        .further_sections
        .iter()
        .map(|s| s.as_str())
        .collect();
    assert_eq!(further, ["cote-d-ivoire", "agriculture"]);
    // Unpublished: out of every list.
    let mut gone = draft.clone();
    gone.status = ArticleStatus::Unpublished;
    let v = store.article(id).await.unwrap().unwrap().version;
    let mark = store.latest_page_change().await.unwrap();
    store.update_article(id, v, &gone).await.unwrap();
    assert_eq!(listed(id_of("Agriculture")).await.total, 0);
    let topics: Vec<String> = store
        .page_changes(mark, 1000)
        .await
        .unwrap()
        .into_iter()
        .map(|c| c.topic)
        .collect();
    assert!(topics.contains(&civ), "{topics:?}");
    // Published again with one further section fewer: listed in the rest.
    let mut back = draft.clone();
    back.sections = vec![named("agriculture", "Agriculture")];
    let v = store.article(id).await.unwrap().unwrap().version;
    store.update_article(id, v, &back).await.unwrap();
    assert_eq!(listed(id_of("Agriculture")).await.total, 1);
    assert_eq!(listed(id_of("Côte d'Ivoire")).await.total, 0);
}
