//! Search over HTTP on both databases: French matching, the index following
//! every write (including ones made behind the application's back), a
//! second server catching up on its own, `kiosque search reindex`, and
//! queries no one should type.

use crate::common;

use std::time::{Duration, Instant};

use kiosque_core::model::TermKind;
use kiosque_core::ports::Store;
use kiosque_core::types::Slug;
use kiosque_testkit::fixtures::french_article_source;
use kiosque_testkit::{TestApp, TestDb, both_databases};

both_databases!(
    search_finds_french_words_and_follows_every_change,
    queries_no_one_should_type_get_a_page,
    a_second_server_builds_its_own_index_and_follows_the_first,
    reindex_rebuilds_while_the_server_runs,
);

/// Waits until `path`'s page satisfies `test`; returns how long it took.
pub(crate) async fn until(app: &TestApp, path: &str, test: impl Fn(&str) -> bool) -> Duration {
    let started = Instant::now();
    loop {
        let (status, body) = app.page(path).await;
        assert_eq!(status, 200, "{path}");
        if test(&body) {
            return started.elapsed();
        }
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "{path} never changed: {}",
            common::plain(&body)
        );
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

const LINK: &str = "/2024/11/pyongyang/";

async fn search_finds_french_words_and_follows_every_change(db: TestDb) {
    let app = TestApp::french(db).await;
    app.publish(&french_article_source("pyongyang", None), None)
        .await;
    let took = until(&app, "/search?q=coree+du+nord", |b| b.contains(LINK)).await;
    // Followed by polling the database every 250 ms; generous here so a
    // loaded machine does not fail the test, and printed for the record.
    assert!(took < Duration::from_secs(3), "{took:?}");
    eprintln!("published → searchable in {took:?}");
    let (_, page) = app.page("/search?q=serguei+lavrov").await;
    assert!(page.contains(LINK));
    assert!(page.contains("<mark>Sergueï</mark>"), "{page}");
    assert!(page.contains("1 article trouvé."));
    assert!(page.contains(r#"<meta name="robots" content="noindex">"#));
    // Every word must be there: this finds nothing, and says so.
    let (_, page) = app.page("/search?q=lavrov+cricket").await;
    assert!(!page.contains(LINK));
    assert!(common::plain(&page).contains("Aucun article ne correspond à « lavrov cricket »."));
    // Section and date filters.
    let (_, page) = app.page("/search?q=lavrov&category=international").await;
    assert!(page.contains(LINK));
    let (_, page) = app.page("/search?q=lavrov&category=sport").await;
    assert!(!page.contains(LINK));
    let (_, page) = app
        .page("/search?q=lavrov&from=2024-11-01&to=2024-11-01")
        .await;
    assert!(page.contains(LINK), "the 'to' day is included");
    let (_, page) = app.page("/search?q=lavrov&from=2024-11-02").await;
    assert!(!page.contains(LINK));

    // An edit (published again from its file) replaces what is found.
    let edited =
        french_article_source("pyongyang", None).replace("Sergueï Lavrov", "Vladimir Voronkov");
    app.publish(&edited, None).await;
    until(&app, "/search?q=voronkov", |b| b.contains(LINK)).await;
    let (_, page) = app.page("/search?q=lavrov").await;
    assert!(!page.contains(LINK));

    // Renaming a tag reaches the index (the database's triggers note every
    // article that carries it).
    let tag = app
        .store
        .terms(TermKind::Tag)
        .await
        .unwrap()
        .into_iter()
        .find(|t| t.name == "Russie")
        .unwrap();
    app.store
        .update_term(
            TermKind::Tag,
            tag.id,
            &Slug::parse("federation-de-russie").unwrap(),
            "Fédération de Russie",
        )
        .await
        .unwrap();
    until(&app, "/search?q=federation", |b| b.contains(LINK)).await;

    // Unpublished behind the application's back: gone from search too.
    app.db
        .execute("UPDATE articles SET status = 'unpublished' WHERE slug = 'pyongyang'")
        .await;
    until(&app, "/search?q=voronkov", |b| !b.contains(LINK)).await;
}

async fn queries_no_one_should_type_get_a_page(db: TestDb) {
    let app = TestApp::french(db).await;
    app.publish(&french_article_source("pyongyang", None), None)
        .await;
    until(&app, "/search?q=pyongyang", |b| b.contains(LINK)).await;
    let long = "a".repeat(10 * 1024);
    let paths = [
        "/search".to_owned(),
        "/search?q=".to_owned(),
        "/search?q=%22%22%22".to_owned(),
        "/search?q=%22coree+du".to_owned(),
        "/search?q=%3F%21%E2%80%A6%3B".to_owned(),
        "/search?q=((((%5B%5D%7B%7D".to_owned(),
        "/search?q=title%3A".to_owned(),
        "/search?q=AND+OR+NOT".to_owned(),
        "/search?q=%FF%FE%00".to_owned(),
        "/search?q=%".to_owned(),
        format!("/search?q={long}"),
        "/search?q=lavrov&page=abc".to_owned(),
        "/search?q=lavrov&page=0".to_owned(),
        "/search?q=lavrov&from=hier&to=2024-13-45".to_owned(),
        "/search?q=lavrov&category=%3Cscript%3E".to_owned(),
        "/search?q=lavrov&q=coree&category=a&category=b".to_owned(),
    ];
    for path in &paths {
        let (status, body) = app.page(path).await;
        assert_eq!(status, 200, "{path}");
        assert!(body.contains(r#"role="search""#), "{path}");
    }
    // What was typed is shown back escaped.
    let (_, page) = app
        .page("/search?q=%3Cscript%3Ealert(1)%3C%2Fscript%3E")
        .await;
    assert!(!page.contains("<script>alert"));
    assert!(page.contains("&lt;script&gt;alert(1)"));
    // Past the last page of results: no such page.
    let (status, _) = app.page("/search?q=lavrov&page=2").await;
    assert_eq!(status, 404);
    // A page number far past anything reachable costs nothing.
    let (status, _) = app.page("/search?q=lavrov&page=4294967295").await;
    assert_eq!(status, 404);
    // Every page offers the search form.
    let (_, home) = app.page("/").await;
    assert!(home.contains(r#"<form class="site-search" role="search" action="/search""#));
    let (_, article) = app.page(LINK).await;
    assert!(article.contains(r#"role="search""#));
}

async fn a_second_server_builds_its_own_index_and_follows_the_first(db: TestDb) {
    let app = TestApp::french(db).await;
    for slug in ["un", "deux", "trois"] {
        app.publish(&french_article_source(slug, None), None).await;
    }
    // Started after the articles: its new index is built from the database
    // before it serves, so its very first answer is complete.
    let second = app.sibling().await;
    let (_, page) = second.page("/search?q=lavrov").await;
    assert!(page.contains("3 articles trouvés."), "{page}");
    // A change made through the first server reaches the second's index.
    let edited = french_article_source("deux", None).replace("Sergueï Lavrov", "Wang Yi");
    app.publish(&edited, None).await;
    let started = Instant::now();
    loop {
        let (_, page) = second.page("/search?q=wang+yi").await;
        if page.contains("/2024/11/deux/") {
            break;
        }
        assert!(started.elapsed() < Duration::from_secs(10), "{page}");
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    eprintln!(
        "edit on one server → searchable on the other in {:?}",
        started.elapsed()
    );
}

async fn reindex_rebuilds_while_the_server_runs(db: TestDb) {
    let app = TestApp::french(db).await;
    for slug in ["un", "deux"] {
        app.publish(&french_article_source(slug, None), None).await;
    }
    until(&app, "/search?q=lavrov", |b| {
        b.contains("2 articles trouvés.")
    })
    .await;
    let stdout = crate::common::succeeded(
        &crate::common::kiosque_on(&app, &["search".as_ref(), "reindex".as_ref()]).await,
    );
    assert!(
        stdout.contains("search index rebuilt: 2 articles"),
        "{stdout}"
    );
    // The running server answers from the rebuilt index, and keeps following.
    app.publish(&french_article_source("trois", None), None)
        .await;
    until(&app, "/search?q=lavrov", |b| {
        b.contains("3 articles trouvés.")
    })
    .await;
}
