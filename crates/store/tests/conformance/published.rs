//! The API's list: published articles by any filters, a slice after a cursor.

use kiosque_core::model::{ArticleType, PublishedQuery};
use kiosque_core::ports::Store;
use kiosque_core::types::{ArticleStatus, Slug};
use kiosque_testkit::TestDb;
use kiosque_testkit::fixtures::{date, french_draft};

pub async fn published_articles_combine_filters_and_page_by_cursor(db: TestDb) {
    let store = db.store().await;
    // Five articles at the same minute (ties broken by id), two sections,
    // one tagged, one an opinion, one a draft.
    for i in 0..6 {
        let mut d = french_draft(&format!("article-{i}"), date(if i < 5 { 0 } else { 60 }));
        let section = if i % 2 == 0 { "politique" } else { "sport" };
        d.category = Some((Slug::parse(section).unwrap(), section.into()));
        d.tags = if i == 3 {
            vec![(Slug::parse("cop").unwrap(), "COP".into())]
        } else {
            vec![]
        };
        d.editorial.article_type = if i == 1 {
            ArticleType::Opinion
        } else {
            ArticleType::News
        };
        if i == 4 {
            d.status = ArticleStatus::Draft;
        }
        store.publish_article(&d).await.unwrap();
    }
    let slugs = |s: &kiosque_core::model::PublishedSlice| {
        s.articles
            .iter()
            .map(|a| a.slug.as_str().to_owned())
            .collect::<Vec<_>>()
    };
    let all = |limit| PublishedQuery {
        limit,
        ..PublishedQuery::default()
    };
    let first = store.published_articles(&all(2)).await.unwrap();
    assert_eq!(first.total, 5);
    assert_eq!(slugs(&first), ["article-5", "article-3"]);
    let second = store
        .published_articles(&PublishedQuery {
            cursor: first.next,
            ..all(2)
        })
        .await
        .unwrap();
    assert_eq!(slugs(&second), ["article-2", "article-1"]);
    assert_eq!(second.total, 5, "the total is the whole list's");
    let last = store
        .published_articles(&PublishedQuery {
            cursor: second.next,
            ..all(2)
        })
        .await
        .unwrap();
    assert_eq!(slugs(&last), ["article-0"]);
    assert_eq!(last.next, None);

    let sport = store
        .category_by_slug(&Slug::parse("sport").unwrap())
        .await
        .unwrap()
        .unwrap();
    let in_sport = store
        .published_articles(&PublishedQuery {
            section: Some(sport.id),
            ..all(10)
        })
        .await
        .unwrap();
    assert_eq!(slugs(&in_sport), ["article-5", "article-3", "article-1"]);
    let opinions = store
        .published_articles(&PublishedQuery {
            section: Some(sport.id),
            article_type: Some(ArticleType::Opinion),
            ..all(10)
        })
        .await
        .unwrap();
    assert_eq!(slugs(&opinions), ["article-1"]);
    let cop = store
        .tag_by_slug(&Slug::parse("cop").unwrap())
        .await
        .unwrap()
        .unwrap();
    let tagged = store
        .published_articles(&PublishedQuery {
            tag: Some(cop.id),
            ..all(10)
        })
        .await
        .unwrap();
    assert_eq!(
        (slugs(&tagged), tagged.total),
        (vec!["article-3".to_owned()], 1)
    );
    let dated = store
        .published_articles(&PublishedQuery {
            after: Some(date(30)),
            ..all(10)
        })
        .await
        .unwrap();
    assert_eq!(slugs(&dated), ["article-5"]);
    let before = store
        .published_articles(&PublishedQuery {
            before: Some(date(30)),
            among: Some(vec![in_sport.articles[1].id, in_sport.articles[2].id]),
            ..all(10)
        })
        .await
        .unwrap();
    assert_eq!(slugs(&before), ["article-3", "article-1"]);
    let none = store
        .published_articles(&PublishedQuery {
            among: Some(vec![]),
            ..all(10)
        })
        .await
        .unwrap();
    assert_eq!(none.total, 0);
    let tree = store.section_tree().await.unwrap();
    assert_eq!(tree.len(), 2);
    assert!(tree.iter().all(|(_, parent)| parent.is_none()));
}
