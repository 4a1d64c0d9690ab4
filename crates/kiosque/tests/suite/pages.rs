//! The site's pages over HTTP on both databases: editors write them, they
//! get their own address, the menu and footer link them, and the usual
//! refusals (rights, forgery, bad input, a taken address) hold.

use crate::common;

use kiosque_core::ports::Store;
use kiosque_core::types::Role;
use kiosque_testkit::fixtures::french_article_source;
use kiosque_testkit::{TestApp, TestDb, both_databases};

both_databases!(
    editors_write_pages_that_the_menu_and_footer_link,
    pages_refuse_bad_input_forgeries_and_other_roles,
);

fn page_form<'a>(
    title: &'a str,
    slug: &'a str,
    body: &'a str,
    extra: &[(&'a str, &'a str)],
) -> Vec<(&'a str, &'a str)> {
    let mut f = vec![
        ("title", title),
        ("slug", slug),
        ("body", body),
        ("position", "0"),
        ("action", "save"),
    ];
    f.retain(|(k, _)| !extra.iter().any(|(e, _)| e == k));
    f.extend_from_slice(extra);
    f
}

async fn editors_write_pages_that_the_menu_and_footer_link(db: TestDb) {
    let app = TestApp::french(db).await;
    let path = app
        .publish(&french_article_source("actualite", None), None)
        .await;
    let editor = app.newsroom("chef@example.org", Role::Editor).await;
    let r = editor
        .post(
            "/admin/pages/new",
            &page_form(
                "À propos",
                "",
                "Nous sommes une **rédaction indépendante** fondée à Abidjan.\n\n<script>alert(1)</script>",
                &[("in_menu", "on"), ("position", "1")],
            ),
        )
        .await;
    assert_eq!(r.status(), 303);
    let r = editor
        .post(
            "/admin/pages/new",
            &page_form(
                "Charte éthique",
                "charte",
                "Nous vérifions chaque information auprès de deux sources.",
                &[("in_footer", "on")],
            ),
        )
        .await;
    assert_eq!(r.status(), 303);
    let (status, page) = app.page("/a-propos/").await;
    assert_eq!(status, 200);
    assert!(page.contains("<strong>rédaction indépendante</strong>"));
    assert!(!page.contains("<script>alert"), "sanitised like articles");
    assert!(page.contains(r#"<link rel="canonical" href="https://news.example.org/a-propos/">"#));
    // Every page links them: the menu at the top, the footer below.
    for p in ["/", path.as_str(), "/a-propos/", "/search?q=lavrov"] {
        let (_, html) = app.page(p).await;
        let menu = html.split("</nav>").next().unwrap();
        // The page shown is marked current in the menu.
        let link = if p == "/a-propos/" {
            r#"<a href="/a-propos/" aria-current="page">À propos</a>"#
        } else {
            r#"<a href="/a-propos/">À propos</a>"#
        };
        assert!(menu.contains(link), "{p}: {menu}");
        assert!(!menu.contains("/charte/"), "{p}");
        let footer = html.split(r#"<footer class="colophon">"#).nth(1).unwrap();
        assert!(
            footer.contains(r#"<a href="/charte/">Charte éthique</a>"#),
            "{p}"
        );
    }
    // The list, then an edit: out of the menu, into the footer, renamed.
    let (_, list) = editor.page("/admin/pages").await;
    assert!(list.contains("À propos") && list.contains("/charte/"));
    let id = app
        .store
        .pages()
        .await
        .unwrap()
        .into_iter()
        .find(|p| p.slug.as_str() == "a-propos")
        .unwrap()
        .id;
    let (status, form) = editor.page(&format!("/admin/pages/{id}")).await;
    assert_eq!(status, 200);
    assert!(form.contains("rédaction indépendante"));
    let r = editor
        .post(
            &format!("/admin/pages/{id}"),
            &page_form(
                "Qui sommes-nous",
                "qui-sommes-nous",
                "Une rédaction.",
                &[("in_footer", "on")],
            ),
        )
        .await;
    assert_eq!(r.status(), 303);
    assert_eq!(app.page("/a-propos/").await.0, 404);
    let (_, home) = app.page("/").await;
    assert!(
        !home
            .split("</nav>")
            .next()
            .unwrap()
            .contains("qui-sommes-nous")
    );
    assert!(home.contains(r#"<a href="/qui-sommes-nous/">Qui sommes-nous</a>"#));
    // Deleted: gone from the site and its links.
    let r = editor
        .post(&format!("/admin/pages/{id}"), &[("action", "delete")])
        .await;
    assert_eq!(r.status(), 303);
    assert_eq!(app.page("/qui-sommes-nous/").await.0, 404);
    assert!(!app.page("/").await.1.contains("qui-sommes-nous"));
    // The article is untouched by all this.
    assert_eq!(app.page(&path).await.0, 200);
}

async fn pages_refuse_bad_input_forgeries_and_other_roles(db: TestDb) {
    let app = TestApp::french(db).await;
    let editor = app.newsroom("chef@example.org", Role::Editor).await;
    let r = editor
        .post(
            "/admin/pages/new",
            &page_form("Contact", "contact", "Écrivez-nous.", &[]),
        )
        .await;
    assert_eq!(r.status(), 303);
    // The same address again: refused, the text kept.
    let r = editor
        .post(
            "/admin/pages/new",
            &page_form("Nous joindre", "contact", "Un autre texte.", &[]),
        )
        .await;
    assert_eq!(r.status(), 409);
    let html = r.text().await.unwrap();
    assert!(html.contains("Un autre texte."));
    // No title, a bad address, a bad order number.
    let r = editor
        .post("/admin/pages/new", &page_form(" ", "", "Texte.", &[]))
        .await;
    assert_eq!(r.status(), 422);
    let r = editor
        .post(
            "/admin/pages/new",
            &page_form(
                "Titre",
                "Pas une adresse!",
                "Texte.",
                &[("position", "premier")],
            ),
        )
        .await;
    assert_eq!(r.status(), 422);
    let html = common::plain(&r.text().await.unwrap());
    assert!(html.contains("Pas une adresse!"));
    assert_eq!(
        app.store.pages().await.unwrap().len(),
        1,
        "nothing else stored"
    );
    // Without the anti-forgery token: refused.
    let r = editor
        .post_raw("/admin/pages/new", &page_form("Forgé", "forge", "x", &[]))
        .await;
    assert_eq!(r.status(), 403);
    // Authors and contributors may not touch pages.
    for role in [Role::Author, Role::Contributor] {
        let other = app
            .newsroom(&format!("{}@example.org", role.as_str()), role)
            .await;
        assert_eq!(other.page("/admin/pages").await.0, 403);
        let r = other
            .post("/admin/pages/new", &page_form("Non", "non", "x", &[]))
            .await;
        assert_eq!(r.status(), 403);
    }
    assert_eq!(app.store.pages().await.unwrap().len(), 1);
    // An unknown page.
    assert_eq!(editor.page("/admin/pages/999999").await.0, 404);
}
