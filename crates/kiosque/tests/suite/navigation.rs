//! Menus over HTTP on both databases: the default header (sections that
//! hold articles), the newsroom's own menus built in the admin without
//! JavaScript (every kind of link, a sub-menu, renames, moves, removal),
//! bad input refused with its message, rights and forgeries refused, and
//! every cached page following a menu change.

use kiosque_core::ports::Store;
use kiosque_core::types::Role;
use kiosque_testkit::fixtures::french_article_source;
use kiosque_testkit::{TestApp, TestDb, both_databases};

both_databases!(
    without_a_menu_the_header_lists_the_sections_that_hold_articles,
    editors_build_the_menus_and_every_page_follows,
    a_parent_section_lists_its_sub_sections_articles_under_a_breadcrumb,
    an_article_in_several_sections_is_found_in_each,
);

/// The header's navigation as served.
fn header_nav(page: &str) -> &str {
    let start = page
        .find("<nav class=\"site-nav\"")
        .expect("a site navigation");
    let rest = &page[start..];
    // The sub-menus' own lists end before the navigation does.
    &rest[..rest.find("</nav>").unwrap()]
}

async fn without_a_menu_the_header_lists_the_sections_that_hold_articles(db: TestDb) {
    let app = TestApp::french(db).await;
    app.publish(&french_article_source("un", None), None).await;
    let sport = french_article_source("deux", None)
        .replace("category: \"International\"", "category: \"Économie\"");
    app.publish(&sport, None).await;
    let (_, home) = app.page("/").await;
    let nav = header_nav(&home);
    crate::common::assert_in_order(
        nav,
        &[
            "<a href=\"/\" aria-current=\"page\">Accueil</a>",
            "<a href=\"/category/economie/\">Économie</a>",
            "<a href=\"/category/international/\">International</a>",
        ],
    );
    // On a section's page, its link is the current one.
    let (_, section) = app.page("/category/economie/").await;
    assert!(
        header_nav(&section)
            .contains("<a href=\"/category/economie/\" aria-current=\"page\">Économie</a>"),
        "{section}"
    );
}

async fn editors_build_the_menus_and_every_page_follows(db: TestDb) {
    let app = TestApp::french(db).await;
    let article = app.publish(&french_article_source("un", None), None).await;
    let editor = app.newsroom("chef@example.org", Role::Editor).await;
    // Warm the cache with the home page and the article.
    for p in ["/", article.as_str()] {
        app.page(p).await;
    }
    let (status, page) = editor.page("/admin/menus").await;
    assert_eq!(status, 200);
    assert!(page.contains("le haut des pages liste les rubriques principales"));
    let section = app
        .store
        .terms(kiosque_core::model::TermKind::Category)
        .await
        .unwrap()[0]
        .id;
    let add = |place: &'static str,
               target: String,
               url: &'static str,
               label: &'static str,
               parent: String| {
        let editor = &editor;
        async move {
            editor
                .post(
                    "/admin/menus",
                    &[
                        ("action", "add"),
                        ("place", place),
                        ("target", target.as_str()),
                        ("url", url),
                        ("label", label),
                        ("parent", parent.as_str()),
                    ],
                )
                .await
        }
    };
    let r = add(
        "header",
        format!("section:{section}"),
        "",
        "",
        String::new(),
    )
    .await;
    assert_eq!(r.status(), 303);
    // A bad address: refused with its message, what was typed kept.
    let r = add(
        "header",
        "link".into(),
        "javascript:alert(1)",
        "Piège",
        String::new(),
    )
    .await;
    assert_eq!(r.status(), 422);
    let body = r.text().await.unwrap();
    assert!(
        body.contains("Une adresse du site commençant par /"),
        "{body}"
    );
    assert!(body.contains("value=\"javascript:alert(1)\""), "{body}");
    // An address without its text, an unknown section: refused.
    assert_eq!(
        add("header", "link".into(), "/flux/", "", String::new())
            .await
            .status(),
        422
    );
    assert_eq!(
        add("header", "section:999".into(), "", "", String::new())
            .await
            .status(),
        422
    );
    let r = add(
        "header",
        "link".into(),
        "https://radio.example/direct",
        "Radio en direct",
        String::new(),
    )
    .await;
    assert_eq!(r.status(), 303);
    let top = app
        .store
        .menu_items()
        .await
        .unwrap()
        .into_iter()
        .find(|i| i.target == kiosque_core::model::MenuTarget::Section(section))
        .unwrap()
        .id;
    let r = add(
        "header",
        "link".into(),
        "/2024/",
        "Archives 2024",
        top.to_string(),
    )
    .await;
    assert_eq!(r.status(), 303);
    assert_eq!(
        add("footer", "link".into(), "/feed/", "Flux RSS", String::new())
            .await
            .status(),
        303
    );
    // Every page, cached before, shows the new menus.
    for p in ["/", article.as_str()] {
        let (_, html) = app.page(p).await;
        let nav = header_nav(&html);
        crate::common::assert_in_order(
            nav,
            &[
                "<details name=\"site-nav\"><summary>International</summary>",
                "<a href=\"/category/international/\">International</a>",
                "<a href=\"/2024/\">Archives 2024</a>",
                "</details>",
                "<a href=\"https://radio.example/direct\">Radio en direct</a>",
            ],
        );
        assert!(html.contains("<a href=\"/feed/\">Flux RSS</a>"), "{p}");
    }
    // Rename, move up, then take the radio link out.
    let items = app.store.menu_items().await.unwrap();
    let radio = items
        .iter()
        .find(|i| i.label.as_deref() == Some("Radio en direct"))
        .unwrap()
        .id;
    let act = |item: i64, action: &'static str, label: &'static str| {
        let editor = &editor;
        async move {
            editor
                .post(
                    "/admin/menus",
                    &[
                        ("item", item.to_string().as_str()),
                        ("action", action),
                        ("label", label),
                    ],
                )
                .await
                .status()
        }
    };
    assert_eq!(act(radio, "rename", "Radio").await, 303);
    assert_eq!(act(radio, "up", "").await, 303);
    let nav = app.page("/").await.1;
    crate::common::assert_in_order(
        header_nav(&nav),
        &["Accueil", ">Radio</a>", "<summary>International</summary>"],
    );
    assert_eq!(act(radio, "indent", "").await, 303, "no item above it");
    assert_eq!(act(radio, "delete", "").await, 303);
    assert!(!app.page("/").await.1.contains("radio.example"));
    assert_eq!(act(9_999, "delete", "").await, 404);

    // Forged, or from a role that does not manage pages: refused.
    let r = editor
        .post_raw(
            "/admin/menus",
            &[("action", "delete"), ("item", &top.to_string())],
        )
        .await;
    assert_eq!(r.status(), 403);
    let author = app.newsroom("plume@example.org", Role::Author).await;
    assert_eq!(author.page("/admin/menus").await.0, 403);
    let r = author
        .post(
            "/admin/menus",
            &[("action", "delete"), ("item", &top.to_string())],
        )
        .await;
    assert_eq!(r.status(), 403);
    assert!(
        app.page("/")
            .await
            .1
            .contains("<summary>International</summary>")
    );
}

async fn a_parent_section_lists_its_sub_sections_articles_under_a_breadcrumb(db: TestDb) {
    use kiosque_core::ports::Imports;
    let app = TestApp::french(db).await;
    let in_senegal = |slug: &str, date: &str| {
        french_article_source(slug, None)
            .replace("category: \"International\"", "category: \"Sénégal\"")
            .replace("2024-11-01T18:30:00Z", date)
    };
    let first = app
        .publish(&in_senegal("kayar", "2024-11-02T08:00:00Z"), None)
        .await;
    let sections = app
        .store
        .terms(kiosque_core::model::TermKind::Category)
        .await
        .unwrap();
    let senegal = sections.iter().find(|t| t.name == "Sénégal").unwrap().id;
    let afrique = app
        .store
        .create_term(
            kiosque_core::model::TermKind::Category,
            &kiosque_core::types::Slug::parse("afrique").unwrap(),
            "Afrique",
        )
        .await
        .unwrap();
    app.store
        .set_category_parent(senegal, Some(afrique))
        .await
        .unwrap();
    app.settled().await;
    // The parent's page holds the child's article and links the child.
    let (status, parent) = app.page("/category/afrique/").await;
    assert_eq!(status, 200);
    assert!(parent.contains(&format!("href=\"{first}\"")), "{parent}");
    assert!(
        parent.contains("<nav class=\"subsections\" aria-label=\"Sous-rubriques\">"),
        "{parent}"
    );
    assert!(parent.contains("<a href=\"/category/senegal/\">Sénégal</a>"));
    // The parent holds no article of its own and is public all the same,
    // in the sitemap and the search page's filter; an empty section is not.
    app.store
        .create_term(
            kiosque_core::model::TermKind::Category,
            &kiosque_core::types::Slug::parse("vide").unwrap(),
            "Vide",
        )
        .await
        .unwrap();
    let (_, sitemap) = app.page("/sitemaps/sections.xml").await;
    assert!(sitemap.contains("/category/afrique/"), "{sitemap}");
    assert!(sitemap.contains("/category/senegal/"), "{sitemap}");
    assert!(!sitemap.contains("/category/vide/"), "{sitemap}");
    let (_, search) = app.page("/search?q=kayar").await;
    assert!(search.contains(">Afrique<"), "{search}");
    assert!(!search.contains(">Vide<"), "{search}");
    // The child's page: Accueil › Afrique › Sénégal.
    let (_, child) = app.page("/category/senegal/").await;
    crate::common::assert_in_order(
        &child,
        &[
            "<nav class=\"breadcrumb\" aria-label=\"Fil d&#39;Ariane\">",
            "<a href=\"/\">Accueil</a>",
            "<a href=\"/category/afrique/\">Afrique</a>",
            "<li aria-current=\"page\">Sénégal</li>",
            "<h1>",
        ],
    );
    // A new article in the child: the parent's cached page and feed follow.
    let second = app
        .publish(&in_senegal("saint-louis", "2024-11-03T08:00:00Z"), None)
        .await;
    let (_, parent) = app.page("/category/afrique/").await;
    crate::common::assert_in_order(
        &parent,
        &[&format!("href=\"{second}\""), &format!("href=\"{first}\"")],
    );
    let (_, feed) = app.page("/category/afrique/feed/").await;
    assert!(feed.contains("saint-louis"), "{feed}");
    // The article's page: its section and the section's parent.
    let (_, story) = app.page(&first).await;
    crate::common::assert_in_order(
        &story,
        &[
            "<nav class=\"breadcrumb\"",
            "<a href=\"/category/afrique/\">Afrique</a>",
            "<a href=\"/category/senegal/\">Sénégal</a>",
            "<h1>",
        ],
    );
    // The section renamed: the child's breadcrumb follows.
    app.store
        .update_term(
            kiosque_core::model::TermKind::Category,
            afrique,
            &kiosque_core::types::Slug::parse("afrique").unwrap(),
            "Afrique de l'Ouest",
        )
        .await
        .unwrap();
    app.settled().await;
    assert!(
        app.page("/category/senegal/")
            .await
            .1
            .contains(">Afrique de l&#39;Ouest</a>")
    );
    // The article's breadcrumb too.
    assert!(
        app.page(&first)
            .await
            .1
            .contains(">Afrique de l&#39;Ouest</a>")
    );
}

async fn an_article_in_several_sections_is_found_in_each(db: TestDb) {
    let app = TestApp::french(db).await;
    let both = french_article_source("deux-rubriques", None).replace(
        "tags: [",
        "sections: [\"Économie\", \"International\"]\ntags: [",
    );
    let path = app.publish(&both, None).await;
    // Warm the lists, then check each holds it.
    for list in ["/category/international/", "/category/economie/"] {
        let (status, page) = app.page(list).await;
        assert_eq!(status, 200, "{list}");
        assert!(page.contains(&format!("href=\"{path}\"")), "{list}");
    }
    let (_, page) = app.page(&path).await;
    assert!(
        crate::common::plain(&page)
            .contains("Aussi dans : <a href=\"/category/economie/\">Économie</a></p>"),
        "the first section is not repeated: {page}"
    );
    // A search narrowed to the further section finds it.
    crate::search::until(&app, "/search?q=pyongyang&category=economie", |b| {
        b.contains(&path)
    })
    .await;
    // The editor shows the further sections; the file published again
    // without them takes the article out of that list (cached or not).
    let editor = app.newsroom("chef@example.org", Role::Editor).await;
    let id = app
        .store
        .article_by_slug(&kiosque_core::types::Slug::parse("deux-rubriques").unwrap())
        .await
        .unwrap()
        .unwrap()
        .id;
    let (_, form) = editor.page(&format!("/admin/articles/{id}/edit")).await;
    assert!(
        form.contains("id=\"sections\" name=\"sections\" type=\"text\" value=\"Économie\""),
        "{form}"
    );
    app.publish(&french_article_source("deux-rubriques", None), None)
        .await;
    let (_, eco) = app.page("/category/economie/").await;
    assert!(!eco.contains(&format!("href=\"{path}\"")), "{eco}");
}
