//! Sections, tags and author portraits as editors manage them, over HTTP
//! on both databases.

use crate::common;

use kiosque_core::model::TermKind;
use kiosque_core::ports::Store;
use kiosque_core::types::{Role, Slug};
use kiosque_testkit::fixtures::french_article_source;
use kiosque_testkit::{TestApp, TestDb, both_databases};

both_databases!(
    editors_add_rename_and_delete_sections,
    tags_are_renamed_and_removed_from_their_articles,
    only_editors_and_administrators_manage_sections_and_tags,
    an_editor_gives_an_author_a_portrait,
);

async fn editors_add_rename_and_delete_sections(db: TestDb) {
    let app = TestApp::french(db).await;
    // The fixture is filed under "International".
    let path = app
        .publish(&french_article_source("rubriques", None), None)
        .await;
    let editor = app.newsroom("ed@example.org", Role::Editor).await;
    let (status, page) = editor.page("/admin/sections").await;
    assert_eq!(status, 200);
    assert!(page.contains("<a href=\"/category/international/\">International</a>"));
    // Added with an address made from the name.
    let r = editor
        .post(
            "/admin/sections",
            &[("name", "Économie  africaine"), ("slug", "")],
        )
        .await;
    assert_eq!(r.status(), 303);
    let sections = app.store.terms(TermKind::Category).await.unwrap();
    let eco = sections
        .iter()
        .find(|t| t.name == "Économie africaine")
        .expect("added");
    assert_eq!(eco.slug.as_str(), "economie-africaine");
    let unused = editor
        .post("/admin/sections", &[("name", "Essai"), ("slug", "")])
        .await;
    assert_eq!(unused.status(), 303);
    let essai = app.store.terms(TermKind::Category).await.unwrap();
    let essai = essai.iter().find(|t| t.name == "Essai").unwrap().id;
    let r = editor
        .post(&format!("/admin/sections/{essai}"), &[("action", "delete")])
        .await;
    assert_eq!(r.status(), 303, "an unused section goes at once");
    // Refusals keep what was typed and say why.
    let r = editor
        .post(
            "/admin/sections",
            &[("name", "Autre"), ("slug", "economie-africaine")],
        )
        .await;
    assert_eq!(r.status(), 409);
    let html = r.text().await.unwrap();
    assert!(html.contains("Cette adresse est déjà utilisée."));
    assert!(html.contains("value=\"Autre\""));
    let r = editor
        .post("/admin/sections", &[("name", ""), ("slug", "Pas Bon")])
        .await;
    assert_eq!(r.status(), 422);
    // Renamed: the public page follows.
    let international = sections.iter().find(|t| t.name == "International").unwrap();
    let r = editor
        .post(
            &format!("/admin/sections/{}", international.id),
            &[("name", "Monde"), ("slug", "monde"), ("action", "save")],
        )
        .await;
    assert_eq!(r.status(), 303);
    assert_eq!(app.page("/category/monde/").await.0, 200);
    assert!(
        app.page(&path)
            .await
            .1
            .contains("href=\"/category/monde/\"")
    );
    let r = editor
        .post(
            &format!("/admin/sections/{}", international.id),
            &[
                ("name", "Monde"),
                ("slug", "economie-africaine"),
                ("action", "save"),
            ],
        )
        .await;
    assert_eq!(r.status(), 409);
    // A section in use is deleted only once confirmed; the article stays,
    // without a section.
    let url = format!("/admin/sections/{}", international.id);
    let r = editor.post(&url, &[("action", "delete")]).await;
    assert_eq!(r.status(), 200);
    assert!(
        common::plain(&r.text().await.unwrap())
            .contains("La rubrique « Monde » classe 1 article(s).")
    );
    assert_eq!(app.page("/category/monde/").await.0, 200, "not yet");
    let r = editor
        .post(&url, &[("action", "delete"), ("confirm", "yes")])
        .await;
    assert_eq!(r.status(), 303);
    assert_eq!(app.page("/category/monde/").await.0, 404);
    let (status, article) = app.page(&path).await;
    assert_eq!(status, 200);
    assert!(!article.contains("/category/monde/"));
    assert_eq!(
        editor
            .post(
                &format!("/admin/sections/{}", international.id),
                &[("action", "delete")]
            )
            .await
            .status(),
        404
    );
}

async fn tags_are_renamed_and_removed_from_their_articles(db: TestDb) {
    let app = TestApp::french(db).await;
    let path = app
        .publish(&french_article_source("etiquettes", None), None)
        .await;
    let editor = app.newsroom("ed@example.org", Role::Editor).await;
    let (status, page) = editor.page("/admin/tags").await;
    assert_eq!(status, 200);
    assert!(page.contains("Corée du Nord"));
    let tags = app.store.terms(TermKind::Tag).await.unwrap();
    let korea = tags.iter().find(|t| t.name == "Corée du Nord").unwrap();
    assert_eq!(korea.articles, 1);
    let r = editor
        .post(
            &format!("/admin/tags/{}", korea.id),
            &[
                ("name", "Corée du Nord (RPDC)"),
                ("slug", ""),
                ("action", "save"),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
    assert!(common::plain(&app.page(&path).await.1).contains("Corée du Nord (RPDC)"));
    let r = editor
        .post(
            &format!("/admin/tags/{}", korea.id),
            &[("action", "delete"), ("confirm", "yes")],
        )
        .await;
    assert_eq!(r.status(), 303);
    let article = app
        .store
        .article_by_slug(&Slug::parse("etiquettes").unwrap())
        .await
        .unwrap()
        .unwrap();
    let names: Vec<_> = article.tags.iter().map(|t| t.name.as_str()).collect();
    assert_eq!(names, vec!["Russie"]);
}

async fn only_editors_and_administrators_manage_sections_and_tags(db: TestDb) {
    let app = TestApp::french(db).await;
    app.publish(&french_article_source("droits", None), None)
        .await;
    let section = app.store.terms(TermKind::Category).await.unwrap()[0].id;
    for (role, allowed) in [
        (Role::Contributor, false),
        (Role::Author, false),
        (Role::Editor, true),
        (Role::Administrator, true),
    ] {
        let who = app.newsroom(&format!("{role}@example.org"), role).await;
        for page in ["/admin/sections", "/admin/tags"] {
            let expected = if allowed { 200 } else { 403 };
            assert_eq!(who.get(page).await.status(), expected, "{role} {page}");
        }
        let (_, dashboard) = who.page("/admin/").await;
        assert_eq!(
            dashboard.contains("href=\"/admin/sections\""),
            allowed,
            "{role} nav"
        );
        let name = format!("Rubrique {role}");
        let r = who
            .post("/admin/sections", &[("name", name.as_str()), ("slug", "")])
            .await;
        assert_eq!(r.status(), if allowed { 303 } else { 403 }, "{role} adds");
        if !allowed {
            let r = who
                .post(
                    &format!("/admin/sections/{section}"),
                    &[("action", "delete")],
                )
                .await;
            assert_eq!(r.status(), 403, "{role} deletes");
        }
    }
    // Without the session's token nothing happens, whoever asks.
    let editor = app.newsroom("ed2@example.org", Role::Editor).await;
    let r = editor
        .post_raw(
            &format!("/admin/sections/{section}"),
            &[("action", "delete")],
        )
        .await;
    assert_eq!(r.status(), 403);
    let names: Vec<_> = app
        .store
        .terms(TermKind::Category)
        .await
        .unwrap()
        .into_iter()
        .map(|t| t.name)
        .collect();
    assert_eq!(
        names,
        vec!["International", "Rubrique administrator", "Rubrique editor"]
    );
}

async fn an_editor_gives_an_author_a_portrait(db: TestDb) {
    let app = TestApp::french(db).await;
    app.publish(&french_article_source("portrait", None), None)
        .await;
    let author = app.store.authors().await.unwrap().remove(0);
    let url = format!("/admin/authors/{}/photo", author.id);
    let editor = app.newsroom("ed@example.org", Role::Editor).await;
    let r = editor
        .upload(
            &url,
            &[("action", "save")],
            Some(("face.png", b"not an image".to_vec())),
        )
        .await;
    assert_eq!(r.status(), 422);
    let png = kiosque_media::demo_photo(3, 200, 200, false);
    let r = editor
        .upload(&url, &[("action", "save")], Some(("face.png", png)))
        .await;
    assert_eq!(r.status(), 303);
    let photo = app
        .store
        .author_profile(author.id)
        .await
        .unwrap()
        .photo
        .expect("a portrait");
    let page = app.page(&format!("/author/{}/", author.slug)).await.1;
    assert!(
        page.contains(&format!(
            "src=\"/media/{}\" width=\"200\" height=\"200\" alt=\"Portrait de {}\"",
            photo.file_name, author.name
        )),
        "{page}"
    );
    // Saving the profile's text keeps the portrait.
    let r = editor
        .post(
            &format!("/admin/authors/{}", author.id),
            &[("name", author.name.as_str()), ("bio", "Reporter.")],
        )
        .await;
    assert_eq!(r.status(), 303);
    assert!(
        app.store
            .author_profile(author.id)
            .await
            .unwrap()
            .photo
            .is_some()
    );
    let writer = app.newsroom("a@example.org", Role::Author).await;
    let r = writer.upload(&url, &[("action", "remove")], None).await;
    assert_eq!(r.status(), 403, "authors do not edit profiles");
    let r = editor.upload(&url, &[("action", "remove")], None).await;
    assert_eq!(r.status(), 303);
    assert!(
        app.store
            .author_profile(author.id)
            .await
            .unwrap()
            .photo
            .is_none()
    );
}
