//! The API's list: published articles by any filters, a slice after a cursor.

use kiosque_core::model::{ArticleType, ImageUse, PublishedQuery};
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

/// What WordPress's API asks of the lists: any of several sections or
/// tags, none of others, by slugs, page numbers, other orders; approved
/// comments and photos readers can see, a page at a time; import keys
/// both ways.
pub async fn wordpress_lists_take_any_none_pages_and_orders(db: TestDb) {
    use kiosque_core::model::{CommentQuery, MediaQuery, NewComment, NewMediaAsset, SortKey};
    use kiosque_core::ports::Imports;
    use kiosque_core::types::{CommentStatus, Email};

    let store = db.store().await;
    let photo = store
        .save_media(&NewMediaAsset {
            file_name: format!("{}.png", "cd".repeat(32)),
            mime: "image/png".into(),
            width: 10,
            height: 20,
            byte_size: 30,
            color: "#102030".into(),
            original_name: "une.jpg".into(),
        })
        .await
        .unwrap();
    let unused = store
        .save_media(&NewMediaAsset {
            file_name: format!("{}.png", "ef".repeat(32)),
            mime: "image/png".into(),
            width: 10,
            height: 20,
            byte_size: 30,
            color: "#102030".into(),
            original_name: "brouillon.jpg".into(),
        })
        .await
        .unwrap();
    let mut ids = Vec::new();
    for (i, (title, section, tag)) in [
        ("Zèbre", "politique", Some("cop")),
        ("Antilope", "sport", None),
        ("Mangouste", "sport", Some("jo")),
        ("Buffle", "economie", Some("cop")),
    ]
    .into_iter()
    .enumerate()
    {
        let mut d = french_draft(&format!("bete-{i}"), date(i as i64));
        d.title = kiosque_core::types::Title::parse(title).unwrap();
        d.category = Some((Slug::parse(section).unwrap(), section.into()));
        d.tags = tag
            .map(|t| vec![(Slug::parse(t).unwrap(), t.to_uppercase())])
            .unwrap_or_default();
        if i == 0 {
            d.image = Some(ImageUse {
                id: photo.id,
                ..ImageUse::default()
            });
        }
        if i == 3 {
            // A draft leads with the other photo: not shown to readers.
            d.image = Some(ImageUse {
                id: unused.id,
                ..ImageUse::default()
            });
            d.status = ArticleStatus::Draft;
        }
        ids.push(store.publish_article(&d).await.unwrap().article_id);
    }
    let section = |slug: &str| {
        let store = &store;
        let slug = slug.to_owned();
        async move {
            store
                .category_by_slug(&Slug::parse(&slug).unwrap())
                .await
                .unwrap()
                .unwrap()
                .id
        }
    };
    let (politique, sport) = (section("politique").await, section("sport").await);
    let cop = store
        .tag_by_slug(&Slug::parse("cop").unwrap())
        .await
        .unwrap()
        .unwrap()
        .id;
    let titles = |q: PublishedQuery| {
        let store = &store;
        async move {
            store
                .published_articles(&PublishedQuery { limit: 10, ..q })
                .await
                .unwrap()
                .articles
                .iter()
                .map(|a| a.title.as_str().to_owned())
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(
        titles(PublishedQuery {
            in_sections: Some(vec![politique, sport]),
            ..PublishedQuery::default()
        })
        .await,
        ["Mangouste", "Antilope", "Zèbre"]
    );
    assert_eq!(
        titles(PublishedQuery {
            not_in_sections: vec![sport],
            ..PublishedQuery::default()
        })
        .await,
        ["Zèbre"]
    );
    assert_eq!(
        titles(PublishedQuery {
            any_tags: Some(vec![cop]),
            ..PublishedQuery::default()
        })
        .await,
        ["Zèbre"],
        "the draft is not listed"
    );
    assert_eq!(
        titles(PublishedQuery {
            not_tags: vec![cop],
            sort: kiosque_core::model::ListSort {
                by: SortKey::Title,
                ascending: true
            },
            ..PublishedQuery::default()
        })
        .await,
        ["Antilope", "Mangouste"]
    );
    assert!(
        titles(PublishedQuery {
            in_sections: Some(Vec::new()),
            ..PublishedQuery::default()
        })
        .await
        .is_empty(),
        "an empty list names nothing"
    );
    assert_eq!(
        titles(PublishedQuery {
            slugs: Some(vec!["bete-1".into(), "bete-3".into()]),
            ..PublishedQuery::default()
        })
        .await,
        ["Antilope"]
    );
    let page = store
        .published_articles(&PublishedQuery {
            exclude: vec![ids[2]],
            offset: 1,
            limit: 1,
            sort: kiosque_core::model::ListSort {
                by: SortKey::Id,
                ascending: true,
            },
            ..PublishedQuery::default()
        })
        .await
        .unwrap();
    assert_eq!(page.total, 2);
    assert_eq!(page.articles[0].id, ids[1]);
    assert_eq!(page.next, None, "no cursor but in the default order");
    assert_eq!(
        store
            .published_ids(&PublishedQuery {
                signed_by: Some(vec![page.articles[0].author.id]),
                ..PublishedQuery::default()
            })
            .await
            .unwrap(),
        [ids[2], ids[1], ids[0]]
    );

    // Counted as readers see them: the draft's section and tag count
    // nothing there.
    let counts = |kind| {
        let store = &store;
        async move {
            store
                .published_terms(kind)
                .await
                .unwrap()
                .into_iter()
                .map(|t| (t.slug.as_str().to_owned(), t.articles))
                .collect::<std::collections::HashMap<_, _>>()
        }
    };
    use kiosque_core::model::TermKind;
    let sections = counts(TermKind::Category).await;
    assert_eq!(
        (
            sections["sport"],
            sections["politique"],
            sections["economie"]
        ),
        (2, 1, 0)
    );
    let tags = counts(TermKind::Tag).await;
    assert_eq!((tags["cop"], tags["jo"]), (1, 1));

    // Other states, for the newsroom: the draft, and nobody's own.
    assert_eq!(
        titles(PublishedQuery {
            statuses: vec![ArticleStatus::Draft],
            ..PublishedQuery::default()
        })
        .await,
        ["Buffle"]
    );
    assert!(
        titles(PublishedQuery {
            statuses: vec![ArticleStatus::Draft, ArticleStatus::Published],
            created_by: Some(999),
            ..PublishedQuery::default()
        })
        .await
        .is_empty()
    );

    // Comments: approved ones of published articles only, threads, pages.
    let comment = |article_id, parent_id, status| NewComment {
        article_id,
        parent_id,
        author_name: "Kofi".into(),
        author_email: Email::parse("kofi@example.org").unwrap(),
        author_url: None,
        body: "Très juste.".into(),
        status,
        created_at: date(100),
    };
    let first = store
        .add_comment(&comment(ids[0], None, CommentStatus::Approved))
        .await
        .unwrap();
    let reply = store
        .add_comment(&comment(ids[0], Some(first.id), CommentStatus::Approved))
        .await
        .unwrap();
    store
        .add_comment(&comment(ids[0], None, CommentStatus::Pending))
        .await
        .unwrap();
    store
        .add_comment(&comment(ids[3], None, CommentStatus::Approved))
        .await
        .unwrap();
    let listed = |q: CommentQuery| {
        let store = &store;
        async move {
            let (found, total) = store
                .approved_comment_list(&CommentQuery { limit: 10, ..q })
                .await
                .unwrap();
            (found.iter().map(|c| c.id).collect::<Vec<_>>(), total)
        }
    };
    assert_eq!(
        listed(CommentQuery::default()).await,
        (vec![reply.id, first.id], 2)
    );
    assert_eq!(
        listed(CommentQuery {
            parents: Some(vec![0]),
            oldest_first: true,
            ..CommentQuery::default()
        })
        .await,
        (vec![first.id], 1)
    );
    assert_eq!(
        listed(CommentQuery {
            articles: Some(vec![ids[1]]),
            ..CommentQuery::default()
        })
        .await
        .1,
        0
    );

    // Photos: the published article's lead photo, not the draft's.
    let (found, total) = store
        .public_media(&MediaQuery {
            limit: 10,
            ..MediaQuery::default()
        })
        .await
        .unwrap();
    assert_eq!(total, 1);
    assert_eq!(found[0].asset.id, photo.id);
    assert_eq!(found[0].article, Some(ids[0]));
    let (found, _) = store
        .public_media(&MediaQuery {
            parents: Some(vec![0]),
            limit: 10,
            ..MediaQuery::default()
        })
        .await
        .unwrap();
    assert!(found.is_empty(), "the only public photo leads an article");
    let (_, total) = store
        .public_media(&MediaQuery {
            limit: 10,
            whole_library: true,
            ..MediaQuery::default()
        })
        .await
        .unwrap();
    assert_eq!(total, 2, "the newsroom sees the draft's photo too");

    // Import keys, from local ids and from keys.
    store
        .remember_import("https://ancien.example", "post", "42", ids[0])
        .await
        .unwrap();
    assert_eq!(
        store
            .import_keys_of("post", &[ids[0], ids[1]])
            .await
            .unwrap(),
        [(ids[0], "42".to_owned())]
    );
    assert_eq!(
        store
            .imported_as("post", &["42".into(), "43".into()])
            .await
            .unwrap(),
        [("42".to_owned(), ids[0])]
    );
    assert!(
        store
            .imported_as("page", &["42".into()])
            .await
            .unwrap()
            .is_empty()
    );
}
