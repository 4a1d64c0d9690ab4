//! Audience sums: added by several servers, read back grouped, pruned.

use kiosque_core::model::audience::{
    By, Counts, Device, Firsts, LiveReport, Retention, Source, Span, StatsQuery, ViewCell,
    ViewedPath,
};
use kiosque_core::ports::{Audience, Store};
use kiosque_testkit::TestDb;
use kiosque_testkit::fixtures::{date, french_draft};

const DAY: i64 = 1_767_225_600; // 2026-01-01T00:00:00Z
const MINUTE: i64 = DAY + 9 * 3600 + 17 * 60;

fn cell(path: &str, source: &str, device: Device, views: i64, firsts: Firsts) -> ViewCell {
    let mut counts = Counts::default();
    for i in 0..views {
        counts.add_view(if i == 0 { firsts } else { Firsts::default() });
    }
    ViewCell {
        minute: MINUTE,
        day: DAY,
        path: path.into(),
        source: if source.contains('.') {
            Source::site(source)
        } else {
            Source::from_stored(source.into())
        },
        device,
        counts,
    }
}

fn all() -> Firsts {
    Firsts {
        site: true,
        path: true,
        source: true,
        device: true,
        path_source: true,
        path_device: true,
    }
}

fn query(by: By) -> StatsQuery {
    StatsQuery {
        span: Span::Day,
        from: DAY,
        to: DAY + 86_400,
        by,
        article: None,
        created_by: None,
        limit: 50,
    }
}

fn pairs(rows: &[kiosque_core::model::audience::StatsRow]) -> Vec<(String, i64, i64)> {
    rows.iter()
        .map(|r| (r.key.clone(), r.views, r.visitors))
        .collect()
}

pub async fn audience_sums_add_up_from_several_servers_and_group_as_asked(db: TestDb) {
    let store = db.store().await;
    let one = store
        .publish_article(&french_draft("pyongyang", date(0)))
        .await
        .unwrap()
        .article_id;
    let two = store
        .publish_article(&french_draft("moscou", date(5)))
        .await
        .unwrap()
        .article_id;
    let paths = [
        ViewedPath {
            path: "/2024/11/01/pyongyang/".into(),
            title: "Pyongyang".into(),
            article: Some(one),
        },
        ViewedPath {
            path: "/2024/11/01/moscou/".into(),
            title: "Moscou".into(),
            article: Some(two),
        },
        ViewedPath {
            path: "/".into(),
            title: "Accueil".into(),
            article: None,
        },
    ];
    // Server A: 3 views of the first article from Google on phones (one
    // visitor new to everything), a view of the front page.
    store
        .add_views(
            &[
                cell("/2024/11/01/pyongyang/", "google", Device::Phone, 3, all()),
                cell("/", "direct", Device::Desktop, 1, all()),
            ],
            &paths,
        )
        .await
        .unwrap();
    // Server B, same minute: the same cell grows; another site sends one.
    store
        .add_views(
            &[
                cell("/2024/11/01/pyongyang/", "google", Device::Phone, 2, all()),
                cell(
                    "/2024/11/01/moscou/",
                    "blog.example.net",
                    Device::Tablet,
                    1,
                    Firsts {
                        path: true,
                        path_source: true,
                        path_device: true,
                        source: true,
                        ..Firsts::default()
                    },
                ),
            ],
            &paths[..2],
        )
        .await
        .unwrap();

    assert_eq!(
        pairs(&store.stats(&query(By::Total)).await.unwrap()),
        [(String::new(), 7, 3)]
    );
    assert_eq!(
        pairs(&store.stats(&query(By::Path)).await.unwrap()),
        [
            ("/2024/11/01/pyongyang/".into(), 5, 2),
            ("/".into(), 1, 1),
            ("/2024/11/01/moscou/".into(), 1, 1),
        ]
    );
    let articles = store.stats(&query(By::Article)).await.unwrap();
    assert_eq!(articles[0].key, one.to_string());
    assert_eq!(articles[0].views, 5);
    assert_eq!(articles[1].key, two.to_string());
    assert_eq!(
        pairs(&store.stats(&query(By::Source)).await.unwrap()),
        [
            ("google".into(), 5, 2),
            ("blog.example.net".into(), 1, 1),
            ("direct".into(), 1, 1),
        ]
    );
    assert_eq!(
        pairs(&store.stats(&query(By::Device)).await.unwrap()),
        [
            ("phone".into(), 5, 2),
            ("desktop".into(), 1, 1),
            ("tablet".into(), 1, 0),
        ]
    );
    let sections = store.stats(&query(By::Section)).await.unwrap();
    assert_eq!(
        (sections[0].label.as_str(), sections[0].views),
        ("International", 6)
    );
    let tags = store.stats(&query(By::Tag)).await.unwrap();
    assert_eq!(tags.len(), 2);
    assert!(tags.iter().all(|t| t.views == 6), "{tags:?}");
    let authors = store.stats(&query(By::Author)).await.unwrap();
    assert_eq!(
        (authors[0].label.as_str(), authors[0].views),
        ("Gaëlle Villeneuve", 6)
    );

    // One article: its views, its sources with the page's own visitors.
    let only = |by| StatsQuery {
        article: Some(one),
        ..query(by)
    };
    assert_eq!(
        pairs(&store.stats(&only(By::Total)).await.unwrap()),
        [(String::new(), 5, 2)]
    );
    assert_eq!(
        pairs(&store.stats(&only(By::Source)).await.unwrap()),
        [("google".into(), 5, 2)]
    );
    // The newsroom's list: each article's views.
    let views = store.views_of(&[one, two, 999_999], DAY).await.unwrap();
    assert_eq!(views.len(), 2);
    assert_eq!((views[&one], views[&two]), (5, 1));
    assert!(store.views_of(&[], DAY).await.unwrap().is_empty());
    assert!(
        store
            .views_of(&[one], DAY + 86_400)
            .await
            .unwrap()
            .is_empty()
    );
    // Minute and hour sums hold the same views.
    for span in [Span::Minute, Span::Hour] {
        let rows = store
            .stats(&StatsQuery {
                span,
                ..query(By::Time)
            })
            .await
            .unwrap();
        let start = if span == Span::Minute {
            MINUTE
        } else {
            DAY + 9 * 3600
        };
        assert_eq!(pairs(&rows), [(start.to_string(), 7, 3)], "{span:?}");
    }
    // An author's view: the articles they made only (none here).
    let mine = StatsQuery {
        created_by: Some(12345),
        ..query(By::Total)
    };
    assert_eq!(
        pairs(&store.stats(&mine).await.unwrap()),
        [(String::new(), 0, 0)]
    );

    // Minutes go after 48 hours, hours after 90 days, days stay.
    store
        .prune_stats(MINUTE + 49 * 3600, Retention::default())
        .await
        .unwrap();
    let minutes = StatsQuery {
        span: Span::Minute,
        ..query(By::Total)
    };
    assert_eq!(store.stats(&minutes).await.unwrap()[0].views, 0);
    assert_eq!(store.stats(&query(By::Total)).await.unwrap()[0].views, 7);
    // Nothing that tells readers apart is kept: the tables hold sums.
    assert_eq!(db.number("SELECT COUNT(*) FROM stats_paths").await, 3);
}

pub async fn live_readers_add_up_across_servers_and_forget_silent_ones(db: TestDb) {
    let store = db.store().await;
    let one = store
        .publish_article(&french_draft("en-direct", date(0)))
        .await
        .unwrap()
        .article_id;
    let report = |r5, r30, n| LiveReport {
        readers_5: r5,
        readers_30: r30,
        articles: vec![(one, n)],
    };
    store
        .report_live("a", 1000, &report(3, 10, 2), 990)
        .await
        .unwrap();
    store
        .report_live("b", 1002, &report(4, 5, 3), 990)
        .await
        .unwrap();
    let live = store.live(995, 10).await.unwrap();
    assert_eq!((live.readers_5, live.readers_30), (7, 15));
    assert_eq!(live.articles.len(), 1);
    assert_eq!((live.articles[0].0, live.articles[0].2), (one, 5));
    // A's next report replaces its last; B falls silent and is left out.
    store
        .report_live("a", 1010, &report(1, 2, 1), 990)
        .await
        .unwrap();
    let live = store.live(1005, 10).await.unwrap();
    assert_eq!((live.readers_5, live.readers_30), (1, 2));
    store
        .report_live("a", 1100, &report(0, 0, 0), 1050)
        .await
        .unwrap();
    assert_eq!(
        db.number("SELECT COUNT(*) FROM stats_live WHERE server = 'b'")
            .await,
        0
    );
}
