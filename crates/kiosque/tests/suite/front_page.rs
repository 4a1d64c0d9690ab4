//! The front page the newsroom chooses, over HTTP on both databases:
//! pinned stories with a lead, section blocks, the river after them; the
//! tagline; a breaking-news banner on every page until it ends. Each
//! change drops exactly the cached pages that show it; bad input, forged
//! forms and roles without the right are refused.

use kiosque_core::types::Role;
use kiosque_testkit::fixtures::french_article_source;
use kiosque_testkit::{TestApp, TestDb, both_databases};

use crate::common::assert_in_order;
use crate::page_cache::{economy_article, expect, warm};

both_databases!(
    editors_choose_the_front_page_and_only_it_changes,
    a_breaking_news_banner_is_on_every_page_until_it_ends,
);

async fn id_of(app: &TestApp, slug: &str) -> String {
    use kiosque_core::ports::Store;
    app.store
        .article_by_slug(&kiosque_core::types::Slug::parse(slug).unwrap())
        .await
        .unwrap()
        .unwrap()
        .id
        .to_string()
}

async fn editors_choose_the_front_page_and_only_it_changes(db: TestDb) {
    let app = TestApp::french(db).await;
    let a = app
        .publish(&french_article_source("pyongyang", None), None)
        .await;
    let b = app
        .publish(
            &economy_article("cacao", "Cacao : les planteurs attendent la pluie"),
            None,
        )
        .await;
    let c = app
        .publish(
            &economy_article("port", "Port d'Abidjan : trafic record")
                .replace("2024-11-01T18:30:00Z", "2024-11-02T09:00:00Z"),
            None,
        )
        .await;
    let others = [a.as_str(), b.as_str(), "/category/economie/", "/feed/"];
    let mut all = others.to_vec();
    all.push("/");
    warm(&app, &all).await;
    let editor = app.newsroom("chef@example.org", Role::Editor).await;
    let (status, page) = editor.page("/admin/front").await;
    assert_eq!(status, 200);
    assert!(page.contains("Aucun article épinglé"), "{page}");
    let (ida, idb) = (id_of(&app, "pyongyang").await, id_of(&app, "cacao").await);
    // Pin two stories, then make the second the lead: the front page only.
    for id in [&idb, &ida] {
        let r = editor
            .post("/admin/front", &[("action", "pin"), ("article", id)])
            .await;
        assert_eq!(r.status(), 303);
    }
    expect(&app, "pinned", &others, &["/"]).await;
    let r = editor
        .post("/admin/front", &[("action", "lead"), ("article", &ida)])
        .await;
    assert_eq!(r.status(), 303);
    expect(&app, "lead", &others, &["/"]).await;
    // A block of the Économie section's latest article.
    let sections = {
        use kiosque_core::ports::Store;
        app.store
            .terms(kiosque_core::model::TermKind::Category)
            .await
            .unwrap()
    };
    let eco = sections
        .iter()
        .find(|t| t.name == "Économie")
        .unwrap()
        .id
        .to_string();
    let r = editor
        .post(
            "/admin/front",
            &[("action", "block"), ("section", &eco), ("count", "1")],
        )
        .await;
    assert_eq!(r.status(), 303);
    expect(&app, "block", &others, &["/"]).await;
    let (_, home) = app.page("/").await;
    assert_in_order(
        &home,
        &[
            "<h1 class=\"visually-hidden\">Afrique Première Tv</h1>",
            "<h2 id=\"front-top-title\" class=\"front-heading\">À la une</h2>",
            "<div class=\"lead-story\">",
            &format!("href=\"{a}\""),
            &format!("href=\"{b}\""),
            "<a href=\"/category/economie/\">Économie</a></h2>",
            &format!("href=\"{c}\""),
            "<h2 class=\"front-heading\">Dernières nouvelles</h2>",
        ],
    );
    // The block's newest article changes: the front page follows.
    let d = app
        .publish(
            &economy_article("mines", "Mines : l'or de Tongon")
                .replace("2024-11-01T18:30:00Z", "2024-11-03T09:00:00Z"),
            None,
        )
        .await;
    let (_, home) = app.page("/").await;
    assert_in_order(
        &home,
        &[
            "<a href=\"/category/economie/\">Économie</a></h2>",
            &format!("href=\"{d}\""),
            "Dernières nouvelles",
        ],
    );
    // Bad input, forged forms and roles without the right: refused.
    let r = editor
        .post("/admin/front", &[("action", "pin"), ("article", "999")])
        .await;
    assert_eq!(r.status(), 422);
    let r = editor
        .post(
            "/admin/front",
            &[("action", "block"), ("section", &eco), ("count", "99")],
        )
        .await;
    assert_eq!(r.status(), 422);
    let r = editor
        .post_raw("/admin/front", &[("action", "unpin"), ("article", &ida)])
        .await;
    assert_eq!(r.status(), 403);
    let author = app.newsroom("plume@example.org", Role::Author).await;
    assert_eq!(author.page("/admin/front").await.0, 403);
    let r = author
        .post("/admin/front", &[("action", "unpin"), ("article", &ida)])
        .await;
    assert_eq!(r.status(), 403);
    assert!(app.page("/").await.1.contains("<div class=\"lead-story\">"));
    // Unpinned both and no block: the home page is the river again.
    for action in [("unpin", &ida), ("unpin", &idb)] {
        editor
            .post(
                "/admin/front",
                &[("action", action.0), ("article", action.1)],
            )
            .await;
    }
    editor
        .post(
            "/admin/front",
            &[("action", "block-remove"), ("section", &eco)],
        )
        .await;
    let (_, home) = app.page("/").await;
    assert!(!home.contains("front-heading"), "{home}");

    // The tagline, in the settings: the header, the home page's
    // description, the site's feed.
    let admin = app.newsroom("admin@example.org", Role::Administrator).await;
    let (_, settings) = admin.page("/admin/settings").await;
    assert!(settings.contains("id=\"tagline\""));
    let r = admin
        .post(
            "/admin/settings",
            &[
                ("name", "Afrique Première Tv"),
                (
                    "tagline",
                    "L'actualité africaine et internationale, en continu",
                ),
                ("show_tagline", "on"),
                ("language", "fr"),
                ("comment_policy", "hold_all"),
                ("close_after_days", "0"),
                ("time_zone", "UTC"),
                ("permalink", "date"),
            ],
        )
        .await;
    assert_eq!(r.status(), 303, "{}", r.text().await.unwrap());
    let (_, home) = app.page("/").await;
    assert!(home.contains(
        "<p class=\"tagline\">L&#39;actualité africaine et internationale, en continu</p>"
    ));
    assert!(home.contains(
        "<meta name=\"description\" content=\"L&#39;actualité africaine et internationale, en continu\">"
    ));
    assert!(
        home.contains("\"description\":\"L'actualité africaine"),
        "{home}"
    );
    let (_, feed) = app.page("/feed/").await;
    assert!(
        feed.contains(
            "<description>L&#39;actualité africaine et internationale, en continu</description>"
        ),
        "{feed}"
    );
}

async fn a_breaking_news_banner_is_on_every_page_until_it_ends(db: TestDb) {
    let app = TestApp::french(db).await;
    let a = app
        .publish(&french_article_source("pyongyang", None), None)
        .await;
    let all = ["/", a.as_str(), "/category/international/"];
    warm(&app, &all).await;
    let editor = app.newsroom("chef@example.org", Role::Editor).await;
    // A link that is no address: refused, with what was typed.
    let r = editor
        .post(
            "/admin/front",
            &[
                ("action", "banner"),
                ("banner_text", "Séisme au large d'Abidjan"),
                ("banner_url", "javascript:alert(1)"),
            ],
        )
        .await;
    assert_eq!(r.status(), 422);
    assert!(
        r.text()
            .await
            .unwrap()
            .contains("value=\"Séisme au large d&#39;Abidjan\"")
    );
    // Shown for three seconds (the site's clock is UTC here).
    let until = (chrono::Utc::now() + chrono::Duration::seconds(3))
        .format("%Y-%m-%dT%H:%M:%S")
        .to_string();
    let r = editor
        .post(
            "/admin/front",
            &[
                ("action", "banner"),
                (
                    "banner_text",
                    "Séisme au large d'Abidjan : suivez notre direct",
                ),
                ("banner_url", &a),
                ("banner_until", &until),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
    expect(&app, "banner", &[], &all).await;
    for p in all {
        let (_, page) = app.page(p).await;
        assert_in_order(
            &page,
            &[
                "<aside class=\"breaking\" aria-labelledby=\"breaking-title\"",
                "<strong id=\"breaking-title\">Alerte info</strong>",
                &format!(
                    "<a class=\"breaking-text\" href=\"{a}\">Séisme au large d&#39;Abidjan\u{a0}: suivez notre direct</a>"
                ),
                "role=\"alert\"",
                "<header class=\"masthead\">",
            ],
        );
        assert!(page.contains("/assets/banner."), "{p}");
    }
    // Its end passes: every page, cached or not, is without it.
    tokio::time::sleep(std::time::Duration::from_millis(3500)).await;
    for p in all {
        let (_, page) = app.page(p).await;
        assert!(!page.contains("class=\"breaking\""), "{p}: {page}");
    }
    // Shown again without an end, then taken down.
    let r = editor
        .post(
            "/admin/front",
            &[
                ("action", "banner"),
                ("banner_text", "Élections : résultats à 20 h"),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
    assert!(app.page(&a).await.1.contains("Élections"));
    let r = editor
        .post("/admin/front", &[("action", "banner-remove")])
        .await;
    assert_eq!(r.status(), 303);
    assert!(!app.page(&a).await.1.contains("Élections"));
}
