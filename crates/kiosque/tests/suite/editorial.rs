//! The editorial workflow through the admin over HTTP, on both databases:
//! who may write, submit, publish and schedule; drafts stay private; a
//! stale save loses nothing.

use crate::common;

use std::time::Duration;

use kiosque_core::ports::Store;
use kiosque_core::service::editorial::EditorForm;
use kiosque_core::types::{ArticleStatus, Role};
use kiosque_testkit::{Newsroom, TestApp, TestDb, both_databases};

both_databases!(
    a_contributor_writes_and_submits_but_cannot_publish,
    an_author_publishes_their_own_and_only_edits_their_own,
    drafts_are_404_for_readers_and_previewable_by_the_newsroom,
    a_stale_save_is_refused_and_the_text_is_kept,
    a_scheduled_article_goes_live_by_itself,
    the_article_list_filters_by_state_and_title,
    a_taken_address_is_refused_with_the_text_kept,
    an_image_from_another_site_is_refused_with_the_text_kept,
    editor_forms_need_the_session_token,
    every_save_is_kept_and_can_be_compared_and_restored,
    an_author_adds_a_photo_with_caption_and_credit,
    publishing_needs_the_photos_alt_text,
    one_photo_in_two_articles_keeps_each_articles_description,
    a_file_at_every_limit_can_still_be_saved_in_the_editor,
    a_bad_or_oversized_photo_is_refused_and_nothing_changes,
    readers_see_the_type_sources_and_dated_corrections,
    several_bylines_are_listed_in_order_with_their_parts,
    editors_write_the_author_profiles_readers_see,
    the_live_preview_renders_sanitised_markdown_for_the_newsroom_only,
    autosave_keeps_drafts_and_never_overwrites_a_newer_save,
    an_article_is_deleted_from_its_editor_once_confirmed,
    only_editors_make_new_sections_when_saving,
);

fn fields<'a>(title: &'a str, status: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("title", title),
        (
            "body",
            "Premier paragraphe de l'article, avec « guillemets ».\n\nSecond paragraphe.",
        ),
        ("category", "Politique"),
        ("tags", "Élections, Côte d'Ivoire"),
        ("status", status),
    ]
}

/// Creates an article through the editor; returns its id.
async fn write(who: &Newsroom<'_>, title: &str, status: &str) -> i64 {
    who.app().ensure_section("Politique").await;
    let r = who
        .post("/admin/articles/new", &fields(title, status))
        .await;
    assert_eq!(r.status(), 303, "create {title}");
    let location = r.headers()["location"].to_str().unwrap().to_owned();
    location
        .trim_start_matches("/admin/articles/")
        .split('/')
        .next()
        .unwrap()
        .parse()
        .unwrap()
}

/// The version hidden in an article's edit form.
async fn version(who: &Newsroom<'_>, id: i64) -> String {
    let (_, html) = who.page(&format!("/admin/articles/{id}/edit")).await;
    html.split("name=\"version\" value=\"")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .unwrap()
        .to_owned()
}

async fn a_contributor_writes_and_submits_but_cannot_publish(db: TestDb) {
    let app = TestApp::french(db).await;
    let c = app.newsroom("pigiste@example.org", Role::Contributor).await;
    let (status, form) = c.page("/admin/articles/new").await;
    assert_eq!(status, 200);
    assert!(form.contains("Soumettre à relecture"));
    assert!(
        !form.contains(">Publier<"),
        "no publish button for contributors"
    );
    let id = write(&c, "Élections : la campagne s'ouvre", "draft").await;
    let v = version(&c, id).await;
    let mut submit = fields("Élections : la campagne s'ouvre", "pending");
    submit.push(("version", &v));
    let r = c.post(&format!("/admin/articles/{id}/edit"), &submit).await;
    assert_eq!(r.status(), 303);
    let a = app.store.article(id).await.unwrap().unwrap();
    assert_eq!(a.status, ArticleStatus::Pending);
    assert_eq!(a.tags.len(), 2);
    // Publishing is refused, and nothing changes.
    let v = version(&c, id).await;
    let mut publish = fields("Élections : la campagne s'ouvre", "published");
    publish.push(("version", &v));
    let r = c
        .post(&format!("/admin/articles/{id}/edit"), &publish)
        .await;
    assert_eq!(r.status(), 403);
    assert!(
        r.text()
            .await
            .unwrap()
            .contains("Votre rôle ne permet pas cette action.")
    );
    assert_eq!(
        app.store.article(id).await.unwrap().unwrap().status,
        ArticleStatus::Pending
    );
    // The section, tags and byline it named are no public pages while
    // nothing under them is published: not found, not in the sitemap, not
    // among the search page's sections.
    let mut public = vec![
        "/category/politique/".to_owned(),
        format!("/author/{}/", a.author.slug),
    ];
    public.extend(a.tags.iter().map(|t| format!("/tag/{}/", t.slug)));
    let sitemap = || async { app.page("/sitemaps/sections.xml").await.1 };
    for path in &public {
        assert_eq!(app.page(path).await.0, 404, "{path} before publication");
        assert!(!sitemap().await.contains(path), "{path} in the sitemap");
    }
    let (_, search) = app.page("/search/?q=campagne").await;
    assert!(!search.contains(">Politique<"), "{search}");
    // Once it is in review, an editor publishes it.
    let e = app.newsroom("chef@example.org", Role::Editor).await;
    let (_, list) = e.page("/admin/articles?status=pending").await;
    assert!(list.contains("la campagne s&#39;ouvre"), "{list}");
    let v = version(&e, id).await;
    let mut publish = fields("Élections : la campagne s'ouvre", "published");
    publish.push(("version", &v));
    assert_eq!(
        e.post(&format!("/admin/articles/{id}/edit"), &publish)
            .await
            .status(),
        303
    );
    let a = app.store.article(id).await.unwrap().unwrap();
    assert_eq!(a.status, ArticleStatus::Published);
    let (status, _) = app.page(&app.path_of(&a).await).await;
    assert_eq!(status, 200);
    // Its byline as published (an editor's save may have set it).
    public[1] = format!("/author/{}/", a.author.slug);
    for path in &public {
        assert_eq!(app.page(path).await.0, 200, "{path} once published");
        assert!(sitemap().await.contains(path), "{path} in the sitemap");
    }
    let (_, search) = app.page("/search/?q=campagne").await;
    assert!(search.contains(">Politique<"), "{search}");
    // A published article is no longer the contributor's to change.
    assert_eq!(
        c.get(&format!("/admin/articles/{id}/edit")).await.status(),
        403
    );
}

async fn an_author_publishes_their_own_and_only_edits_their_own(db: TestDb) {
    let app = TestApp::french(db).await;
    let a = app.newsroom("autrice@example.org", Role::Author).await;
    let id = write(&a, "Cacao : les prix s'envolent", "published").await;
    let article = app.store.article(id).await.unwrap().unwrap();
    assert_eq!(article.status, ArticleStatus::Published);
    assert_eq!(
        article.author.name, "author autrice",
        "byline defaults to the writer"
    );
    let (status, html) = app.page(&app.path_of(&article).await).await;
    assert_eq!(status, 200);
    assert!(html.contains("Cacao\u{a0}: les prix"));
    let other = app.newsroom("autre@example.org", Role::Author).await;
    assert_eq!(
        other
            .get(&format!("/admin/articles/{id}/edit"))
            .await
            .status(),
        403
    );
    let (_, list) = other.page("/admin/articles").await;
    assert!(!list.contains("Cacao"), "authors list their own articles");
    let editor = app.newsroom("ed@example.org", Role::Editor).await;
    assert_eq!(
        editor
            .get(&format!("/admin/articles/{id}/edit"))
            .await
            .status(),
        200
    );
}

async fn drafts_are_404_for_readers_and_previewable_by_the_newsroom(db: TestDb) {
    let app = TestApp::french(db).await;
    let a = app.newsroom("a@example.org", Role::Author).await;
    let id = write(&a, "Brouillon secret", "draft").await;
    let article = app.store.article(id).await.unwrap().unwrap();
    let (status, html) = app.page(&app.path_of(&article).await).await;
    assert_eq!(status, 404);
    assert!(!html.contains("Brouillon secret"));
    assert!(!app.page("/").await.1.contains("Brouillon secret"));
    assert!(
        !app.page("/category/politique/")
            .await
            .1
            .contains("Brouillon secret")
    );
    let (status, preview) = a.page(&format!("/admin/articles/{id}/preview")).await;
    assert_eq!(status, 200);
    assert!(preview.contains("<h1>Brouillon secret</h1>"));
    let r = app.get(&format!("/admin/articles/{id}/preview")).await;
    assert_eq!(r.status(), 303, "readers are sent to sign in");
}

async fn a_stale_save_is_refused_and_the_text_is_kept(db: TestDb) {
    let app = TestApp::french(db).await;
    let e = app.newsroom("e@example.org", Role::Editor).await;
    let id = write(&e, "Deux onglets", "draft").await;
    let opened = version(&e, id).await;
    let mut first = fields("Deux onglets", "draft");
    first.push(("version", &opened));
    first[1] = ("body", "Texte enregistré par le premier onglet.");
    assert_eq!(
        e.post(&format!("/admin/articles/{id}/edit"), &first)
            .await
            .status(),
        303
    );
    let mut second = fields("Deux onglets", "draft");
    second.push(("version", &opened));
    second[1] = ("body", "Texte du second onglet, ouvert avant.");
    let r = e.post(&format!("/admin/articles/{id}/edit"), &second).await;
    assert_eq!(r.status(), 409);
    let html = r.text().await.unwrap();
    assert!(html.contains("enregistré ailleurs"));
    assert!(html.contains(">Texte du second onglet, ouvert avant.</textarea>"));
    let kept = app.store.article(id).await.unwrap().unwrap();
    assert_eq!(
        kept.body_markdown,
        "Texte enregistré par le premier onglet."
    );
}

async fn a_scheduled_article_goes_live_by_itself(db: TestDb) {
    let app = TestApp::french(db).await;
    let e = app.newsroom("e@example.org", Role::Editor).await;
    // Minutes are the form's precision; schedule for the next minute.
    let when = (chrono::Utc::now() + chrono::Duration::minutes(1))
        .format("%Y-%m-%dT%H:%M")
        .to_string();
    let mut f = fields("Programmé pour bientôt", "scheduled");
    f.push(("published_at", &when));
    let r = e.post("/admin/articles/new", &f).await;
    assert_eq!(r.status(), 303);
    let id: i64 = r.headers()["location"].to_str().unwrap()[16..]
        .split('/')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    let article = app.store.article(id).await.unwrap().unwrap();
    assert_eq!(article.status, ArticleStatus::Scheduled);
    assert_eq!(app.page(&app.path_of(&article).await).await.0, 404);
    // Move the schedule to a second ago behind the server's back: the
    // background task must notice without any request.
    app.db
        .execute(&format!(
            "UPDATE articles SET published_at = {} WHERE id = {id}",
            chrono::Utc::now().timestamp() - 1
        ))
        .await;
    let path = app
        .path_of(&app.store.article(id).await.unwrap().unwrap())
        .await;
    let mut live = false;
    for _ in 0..50 {
        if app.store.article(id).await.unwrap().unwrap().status == ArticleStatus::Published {
            live = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(live, "published by the scheduler within 5 s");
    assert_eq!(app.page(&path).await.0, 200);
    // A past date cannot be scheduled.
    let mut past = fields("Trop tard", "scheduled");
    past.push(("published_at", "2020-01-01T10:00"));
    let r = e.post("/admin/articles/new", &past).await;
    assert_eq!(r.status(), 422);
    assert!(
        r.text()
            .await
            .unwrap()
            .contains("choisissez une date à venir")
    );
}

async fn the_article_list_filters_by_state_and_title(db: TestDb) {
    let app = TestApp::french(db).await;
    let e = app.newsroom("e@example.org", Role::Editor).await;
    write(&e, "Sport : victoire à Yaoundé", "published").await;
    write(&e, "Économie : le cacao", "draft").await;
    let (_, all) = e.page("/admin/articles").await;
    assert!(all.contains("victoire à Yaoundé") && all.contains("le cacao"));
    let (_, drafts) = e.page("/admin/articles?status=draft").await;
    assert!(!drafts.contains("victoire") && drafts.contains("le cacao"));
    let (_, found) = e.page("/admin/articles?q=YAOUN").await;
    assert!(found.contains("victoire") && !found.contains("le cacao"));
    assert!(found.contains("value=\"YAOUN\""));
    assert_eq!(e.page("/admin/articles?page=5").await.0, 404);
}

async fn a_taken_address_is_refused_with_the_text_kept(db: TestDb) {
    let app = TestApp::french(db).await;
    let e = app.newsroom("e@example.org", Role::Editor).await;
    write(&e, "Même titre", "draft").await;
    let mut again = fields("Même titre", "draft");
    again[1] = ("body", "Un autre texte qui ne doit pas se perdre.");
    let r = e.post("/admin/articles/new", &again).await;
    assert_eq!(r.status(), 409);
    let html = r.text().await.unwrap();
    assert!(html.contains("Cette adresse est déjà utilisée par un autre article."));
    assert!(html.contains(">Un autre texte qui ne doit pas se perdre.</textarea>"));
}

/// An image from another site would be blocked by every page's policy:
/// the save is refused with the text kept, and the editor says what to do.
async fn an_image_from_another_site_is_refused_with_the_text_kept(db: TestDb) {
    let app = TestApp::french(db).await;
    let e = app.newsroom("img@example.org", Role::Editor).await;
    app.ensure_section("Politique").await;
    let mut form = fields("Une carte venue d'ailleurs", "published");
    let body = "Le tracé.\n\n<img src=\"https://cdn.example.net/carte.png\" alt=\"Carte\">";
    form[1] = ("body", body);
    let r = e.post("/admin/articles/new", &form).await;
    assert_eq!(r.status(), 422);
    let html = r.text().await.unwrap();
    assert!(
        html.contains("Une image de ce texte est sur un autre site"),
        "{html}"
    );
    assert!(
        html.contains("cdn.example.net/carte.png"),
        "the text is kept"
    );
    assert!(
        app.store
            .article_by_slug(
                &kiosque_core::types::Slug::parse("une-carte-venue-d-ailleurs").unwrap()
            )
            .await
            .unwrap()
            .is_none()
    );
    // The site's own files are welcome.
    form[1] = ("body", "Le tracé.\n\n![Carte](/media/carte.png)");
    let r = e.post("/admin/articles/new", &form).await;
    assert_eq!(r.status(), 303);
}

async fn editor_forms_need_the_session_token(db: TestDb) {
    let app = TestApp::french(db).await;
    let e = app.newsroom("e@example.org", Role::Editor).await;
    let mut f = fields("Sans jeton", "draft");
    f.push(("csrf", "forged"));
    let r = e.post_raw("/admin/articles/new", &f).await;
    assert_eq!(r.status(), 403);
    let (_, list) = e.page("/admin/articles").await;
    assert!(!list.contains("Sans jeton"));
}

async fn every_save_is_kept_and_can_be_compared_and_restored(db: TestDb) {
    let app = TestApp::french(db).await;
    let e = app.newsroom("e@example.org", Role::Editor).await;
    let id = write(&e, "Révisions", "draft").await;
    let v = version(&e, id).await;
    let mut second = fields("Révisions : suite", "draft");
    second[1] = ("body", "Premier paragraphe réécrit.\n\nSecond paragraphe.");
    second.push(("version", &v));
    assert_eq!(
        e.post(&format!("/admin/articles/{id}/edit"), &second)
            .await
            .status(),
        303
    );
    let (status, list) = e.page(&format!("/admin/articles/{id}/revisions")).await;
    assert_eq!(status, 200);
    assert!(list.contains("Version 2</b> (version actuelle)"), "{list}");
    assert!(list.contains("Version 1</b>"));
    let (_, diff) = e
        .page(&format!("/admin/articles/{id}/revisions?compare=1"))
        .await;
    assert!(diff.contains("Version 1 → version actuelle (2)"));
    assert!(
        diff.contains("Supprimé : </span>Premier paragraphe de l&#39;article"),
        "{diff}"
    );
    assert!(diff.contains("Ajouté : </span>Premier paragraphe réécrit."));
    assert!(
        diff.contains("<li>Second paragraphe.</li>"),
        "unchanged lines kept"
    );
    assert!(diff.contains("Révisions : suite"), "title change shown");
    let r = e
        .post_raw(
            &format!("/admin/articles/{id}/revisions/1/restore"),
            &[("csrf", "forged")],
        )
        .await;
    assert_eq!(r.status(), 403);
    let r = e
        .post(&format!("/admin/articles/{id}/revisions/1/restore"), &[])
        .await;
    assert_eq!(r.status(), 303);
    let a = app.store.article(id).await.unwrap().unwrap();
    assert_eq!(a.title.as_str(), "Révisions");
    assert!(
        a.body_markdown
            .starts_with("Premier paragraphe de l'article")
    );
    assert_eq!(a.version, 3, "restoring is a new save");
    assert_eq!(app.store.revisions(id).await.unwrap().len(), 3);
    assert_eq!(
        e.get(&format!("/admin/articles/{id}/revisions?compare=9"))
            .await
            .status(),
        404
    );
}

async fn an_author_adds_a_photo_with_caption_and_credit(db: TestDb) {
    let app = TestApp::french(db).await;
    let a = app.newsroom("photo@example.org", Role::Author).await;
    let id = write(&a, "Avec photo", "published").await;
    let v = version(&a, id).await;
    let png = kiosque_media::demo_photo(9, 400, 225, false);
    // The article is published: its photo needs an alt text.
    let r = a
        .upload(
            &format!("/admin/articles/{id}/image"),
            &[
                ("version", &v),
                ("caption", "Photo de la place centrale."),
                ("action", "save"),
            ],
            Some(("place.png", png.clone())),
        )
        .await;
    assert_eq!(r.status(), 422);
    assert!(common::plain(&r.text().await.unwrap()).contains("Écrivez le texte alternatif"));
    assert!(
        app.store
            .article(id)
            .await
            .unwrap()
            .unwrap()
            .image
            .is_none()
    );
    let r = a
        .upload(
            &format!("/admin/articles/{id}/image"),
            &[
                ("version", &v),
                ("alt", "Une place pavée, une fontaine et des passants"),
                ("caption", "Photo de la place centrale."),
                ("credit", "Kiosque"),
                ("action", "save"),
            ],
            Some(("place.png", png)),
        )
        .await;
    assert_eq!(r.status(), 303);
    let article = app.store.article(id).await.unwrap().unwrap();
    let image = article.image.clone().expect("an image");
    assert_eq!((image.asset.width, image.asset.height), (400, 225));
    assert_eq!(
        image.caption.as_deref(),
        Some("Photo de la place centrale.")
    );
    let (_, page) = app.page(&app.path_of(&article).await).await;
    assert!(page.contains(
        "<figcaption>Photo de la place centrale. <span class=\"credit\">© Kiosque</span>"
    ));
    assert!(page.contains("alt=\"Une place pavée, une fontaine et des passants\""));
    // The library learned the texts.
    let text = app
        .store
        .media_asset(image.asset.id)
        .await
        .unwrap()
        .unwrap()
        .text;
    assert_eq!(text.caption, "Photo de la place centrale.");
    assert_eq!(text.credit, "Kiosque");
    assert_eq!(
        app.get(&format!("/media/{}", image.asset.file_name))
            .await
            .status(),
        200
    );
    // Caption alone can change, and the photo can go.
    let v = version(&a, id).await;
    a.upload(
        &format!("/admin/articles/{id}/image"),
        &[
            ("version", &v),
            ("caption", "Nouvelle légende"),
            ("alt", "Une place pavée, une fontaine et des passants"),
            ("credit", ""),
            ("action", "save"),
        ],
        None,
    )
    .await;
    let image = app.store.article(id).await.unwrap().unwrap().image.unwrap();
    assert_eq!(image.caption.as_deref(), Some("Nouvelle légende"));
    assert_eq!(image.credit, None);
    let v = version(&a, id).await;
    let r = a
        .upload(
            &format!("/admin/articles/{id}/image"),
            &[("version", &v), ("action", "remove")],
            None,
        )
        .await;
    assert_eq!(r.status(), 303);
    assert!(
        app.store
            .article(id)
            .await
            .unwrap()
            .unwrap()
            .image
            .is_none()
    );
    let c = app.newsroom("c@example.org", Role::Contributor).await;
    let own = write(&c, "Sans droit d'image", "draft").await;
    let v = version(&c, own).await;
    let r = c
        .upload(
            &format!("/admin/articles/{own}/image"),
            &[("version", &v), ("action", "save")],
            Some(("p.png", kiosque_media::demo_photo(1, 40, 30, false))),
        )
        .await;
    assert_eq!(r.status(), 403, "contributors do not upload");
}

async fn publishing_needs_the_photos_alt_text(db: TestDb) {
    let app = TestApp::french(db).await;
    let a = app.newsroom("alt@example.org", Role::Author).await;
    let id = write(&a, "Avec une photo à décrire", "draft").await;
    let v = version(&a, id).await;
    // A draft's photo may wait for its description.
    let r = a
        .upload(
            &format!("/admin/articles/{id}/image"),
            &[
                ("version", &v),
                ("caption", "Le port de Dakar"),
                ("action", "save"),
            ],
            Some(("port.png", kiosque_media::demo_photo(2, 400, 225, false))),
        )
        .await;
    assert_eq!(r.status(), 303);
    // Publishing is refused until it has one; the caption is offered.
    let v = version(&a, id).await;
    let mut publish = fields("Avec une photo à décrire", "published");
    publish.push(("version", &v));
    let r = a
        .post(&format!("/admin/articles/{id}/edit"), &publish)
        .await;
    assert_eq!(r.status(), 422);
    let html = common::plain(&r.text().await.unwrap());
    assert!(html.contains("Écrivez le texte alternatif"), "{html}");
    assert!(
        html.contains(">Le port de Dakar</textarea>"),
        "the caption is offered"
    );
    assert_eq!(
        app.store.article(id).await.unwrap().unwrap().status,
        ArticleStatus::Draft
    );
    let r = a
        .upload(
            &format!("/admin/articles/{id}/image"),
            &[
                ("version", &v),
                ("alt", "Le port de Dakar"),
                ("caption", "Le port de Dakar"),
                ("action", "save"),
            ],
            None,
        )
        .await;
    assert_eq!(r.status(), 303);
    let v = version(&a, id).await;
    let mut publish = fields("Avec une photo à décrire", "published");
    publish.push(("version", &v));
    let r = a
        .post(&format!("/admin/articles/{id}/edit"), &publish)
        .await;
    assert_eq!(r.status(), 303);
}

async fn one_photo_in_two_articles_keeps_each_articles_description(db: TestDb) {
    let app = TestApp::french(db).await;
    let a = app.newsroom("alt2@example.org", Role::Author).await;
    let png = kiosque_media::demo_photo(5, 400, 225, false);
    let mut ids = Vec::new();
    for (title, alt) in [
        ("Le marché rouvre", "Des étals de fruits sous une halle"),
        ("La halle rénovée", "La charpente métallique de la halle"),
    ] {
        let id = write(&a, title, "published").await;
        let v = version(&a, id).await;
        let r = a
            .upload(
                &format!("/admin/articles/{id}/image"),
                &[("version", &v), ("alt", alt), ("action", "save")],
                Some(("halle.png", png.clone())),
            )
            .await;
        assert_eq!(r.status(), 303, "{title}");
        ids.push((id, alt));
    }
    let first = app.store.article(ids[0].0).await.unwrap().unwrap();
    let second = app.store.article(ids[1].0).await.unwrap().unwrap();
    let photo = first.image.as_ref().unwrap().asset.id;
    assert_eq!(
        second.image.as_ref().unwrap().asset.id,
        photo,
        "the same bytes are one photo in the library"
    );
    for (article, (_, alt)) in [&first, &second].into_iter().zip(&ids) {
        let (_, page) = app.page(&app.path_of(article).await).await;
        assert!(page.contains(&format!("alt=\"{alt}\"")), "{alt}");
    }
    // Saving the first again keeps its words; the library keeps the first
    // description it was given, as the default for the photo's next use.
    let library = app.store.media_asset(photo).await.unwrap().unwrap().text;
    assert_eq!(library.alt, ids[0].1);
    let v = version(&a, ids[0].0).await;
    let mut again = fields("Le marché rouvre", "published");
    again.push(("version", &v));
    let r = a
        .post(&format!("/admin/articles/{}/edit", ids[0].0), &again)
        .await;
    assert_eq!(r.status(), 303);
    let (_, page) = app.page(&app.path_of(&first).await).await;
    assert!(page.contains(&format!("alt=\"{}\"", ids[0].1)));
    let (_, page) = app.page(&app.path_of(&second).await).await;
    assert!(page.contains(&format!("alt=\"{}\"", ids[1].1)));
}

/// What `kiosque publish` takes, the editor takes back: a file with every
/// list and text at its limit is saved unchanged from the editor, its photo
/// form included (an article the editor could no longer save was found by
/// an outside test).
async fn a_file_at_every_limit_can_still_be_saved_in_the_editor(db: TestDb) {
    let app = TestApp::french(db).await;
    let long = |c: &str, n: usize| c.repeat(n);
    let quoted = |items: Vec<String>| {
        items
            .iter()
            .map(|i| format!("\"{i}\""))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let contributors = quoted(
        (0..10)
            .map(|i| format!("{}{i:02} | {}", long("é", 98), long("r", 60)))
            .collect(),
    );
    let sources = quoted(
        (0..30)
            .map(|i| format!("{}{i:02} | https://example.org/{i}", long("s", 198)))
            .collect(),
    );
    let tags = quoted((0..5).map(|i| format!("{}{i}", long("t", 99))).collect());
    let source = format!(
        "---\ntitle: \"{title}\"\nauthor: \"{author}\"\ncategory: \"{category}\"\n\
         tags: [{tags}]\ncontributors: [{contributors}]\nsources: [{sources}]\n\
         excerpt: \"{excerpt}\"\nseo_title: \"{seo}\"\nseo_description: \"{desc}\"\n\
         image: p.png\nimage_alt: \"{alt}\"\nimage_caption: \"{alt}\"\nimage_credit: \"{credit}\"\n\
         ---\nUn paragraphe.\n",
        title = long("T", 300),
        author = long("à", 100),
        category = long("c", 100),
        excerpt = long("x", 500),
        seo = long("S", 200),
        desc = long("D", 300),
        alt = long("a", 500),
        credit = long("k", 200),
    );
    let png = kiosque_media::demo_photo(3, 200, 120, false);
    app.publish(&source, Some(("p.png", &png))).await;
    let article = app
        .store
        .article_by_slug(&kiosque_core::types::Slug::parse(&long("t", 200)).unwrap())
        .await
        .unwrap()
        .expect("published");
    assert_eq!(article.editorial.contributors.len(), 10);
    assert_eq!(article.editorial.sources.len(), 30);
    let ed = app.newsroom("limites@example.org", Role::Editor).await;
    let id = article.id;
    let (status, html) = ed.page(&format!("/admin/articles/{id}/edit")).await;
    assert_eq!(status, 200);
    assert!(html.contains(&long("é", 98)), "the bylines are in the form");
    // The form as the editor page fills it, sent back untouched.
    let site = app.store.site().await.unwrap().unwrap();
    let form = EditorForm::from_article(&article, &site);
    let at_version = form.version.to_string();
    let fields = [
        ("title", form.title.as_str()),
        ("slug", &form.slug),
        ("body", &form.body),
        ("excerpt", &form.excerpt),
        ("author", &form.author),
        ("category", &form.category),
        ("sections", &form.sections),
        ("tags", &form.tags),
        ("published_at", &form.published_at),
        ("version", &at_version),
        ("status", &form.status),
        ("article_type", &form.article_type),
        ("sources", &form.sources),
        ("seo_title", &form.seo_title),
        ("seo_description", &form.seo_description),
        ("contributors", &form.contributors),
    ];
    let r = ed
        .post(&format!("/admin/articles/{id}/edit"), &fields)
        .await;
    assert_eq!(r.status(), 303, "{}", r.text().await.unwrap());
    let saved = app.store.article(id).await.unwrap().unwrap();
    assert_eq!(saved.editorial, article.editorial);
    assert_eq!(saved.tags, article.tags);
    let v = version(&ed, id).await;
    let r = ed
        .upload(
            &format!("/admin/articles/{id}/image"),
            &[
                ("version", &v),
                ("alt", &long("a", 500)),
                ("caption", &long("a", 500)),
                ("credit", &long("k", 200)),
                ("action", "save"),
            ],
            None,
        )
        .await;
    assert_eq!(r.status(), 303);
}

async fn a_bad_or_oversized_photo_is_refused_and_nothing_changes(db: TestDb) {
    let app = TestApp::start(db, kiosque_core::types::Locale::Fr, |s| {
        s.web.media_limits.max_bytes = 200_000;
    })
    .await;
    let a = app.newsroom("photo@example.org", Role::Author).await;
    let id = write(&a, "Refus", "draft").await;
    let v = version(&a, id).await;
    let r = a
        .upload(
            &format!("/admin/articles/{id}/image"),
            &[("version", &v), ("action", "save")],
            Some((
                "photo.jpg",
                b"<html><script>alert(1)</script></html>".to_vec(),
            )),
        )
        .await;
    assert_eq!(r.status(), 422);
    assert!(
        r.text()
            .await
            .unwrap()
            .contains("n&#39;est pas une image JPEG, PNG, WebP ou GIF lisible")
    );
    let r = a
        .upload(
            &format!("/admin/articles/{id}/image"),
            &[("version", &v), ("action", "save")],
            Some(("big.png", vec![0u8; 400_000])),
        )
        .await;
    assert_eq!(r.status(), 413);
    assert!(
        r.text()
            .await
            .unwrap()
            .contains("dépasse la taille permise")
    );
    let article = app.store.article(id).await.unwrap().unwrap();
    assert!(article.image.is_none());
    assert_eq!(article.version.to_string(), v, "nothing was saved");
    assert!(
        !app.settings.media_dir().exists()
            || std::fs::read_dir(app.settings.media_dir())
                .unwrap()
                .next()
                .is_none(),
        "no file stored"
    );
}

async fn readers_see_the_type_sources_and_dated_corrections(db: TestDb) {
    let app = TestApp::french(db).await;
    let e = app.newsroom("e@example.org", Role::Editor).await;
    let id = write(&e, "Tribune : l'école d'abord", "published").await;
    let v = version(&e, id).await;
    let mut f = fields("Tribune : l'école d'abord", "published");
    f.extend([
        ("version", v.as_str()),
        ("slug", "tribune-l-ecole-d-abord"),
        ("article_type", "opinion"),
        (
            "sources",
            "Ministère de l'Éducation | https://example.org/rapport\nEntretien avec l'auteur",
        ),
        ("seo_title", "L'école d'abord, une tribune"),
        (
            "correction",
            "Le chiffre des inscriptions a été corrigé (12 000 et non 21 000).",
        ),
    ]);
    let r = e.post(&format!("/admin/articles/{id}/edit"), &f).await;
    assert_eq!(r.status(), 303);
    let article = app.store.article(id).await.unwrap().unwrap();
    assert_eq!(article.corrections.len(), 1);
    let (_, page) = app.page(&app.path_of(&article).await).await;
    assert!(page.contains("<p class=\"kicker\">Opinion</p>"), "{page}");
    assert!(
        page.contains("<title>L&#39;école d&#39;abord, une tribune – Afrique Première Tv</title>")
    );
    assert!(page.contains(
        "<a href=\"https://example.org/rapport\" rel=\"noopener\">Ministère de l&#39;Éducation</a>"
    ));
    assert!(page.contains("<li>Entretien avec l&#39;auteur</li>"));
    assert!(page.contains("Mis à jour le "));
    assert!(page.contains("12 000 et non 21 000"));
    // A save without a note adds none; the sources and type are kept.
    let v = version(&e, id).await;
    let (_, form) = e.page(&format!("/admin/articles/{id}/edit")).await;
    assert!(form.contains("Ministère de l&#39;Éducation | https://example.org/rapport"));
    let mut again = fields("Tribune : l'école d'abord", "published");
    again.extend([
        ("version", v.as_str()),
        ("slug", "tribune-l-ecole-d-abord"),
        ("article_type", "opinion"),
    ]);
    e.post(&format!("/admin/articles/{id}/edit"), &again).await;
    let article = app.store.article(id).await.unwrap().unwrap();
    assert_eq!(article.corrections.len(), 1);
    assert!(
        article.editorial.sources.is_empty(),
        "sources follow the form"
    );
    let mut bad = fields("Tribune : l'école d'abord", "published");
    let v = version(&e, id).await;
    bad.extend([
        ("version", v.as_str()),
        ("sources", "Nom | javascript:alert(1)"),
    ]);
    let r = e.post(&format!("/admin/articles/{id}/edit"), &bad).await;
    assert_eq!(r.status(), 422);
}

async fn several_bylines_are_listed_in_order_with_their_parts(db: TestDb) {
    let app = TestApp::french(db).await;
    let e = app.newsroom("e@example.org", Role::Editor).await;
    let mut f = fields("Reportage à Bouaké", "published");
    f.extend([
        ("author", "Gaëlle Villeneuve"),
        ("contributors", "Kofi Mensah | avec\nAwa Diop | Photos :\n"),
    ]);
    let r = e.post("/admin/articles/new", &f).await;
    assert_eq!(r.status(), 303);
    let (_, page) = app.page("/").await;
    let path = page
        .split("href=\"")
        .find(|s| s.contains("reportage-a-bouake"))
        .and_then(|s| s.split('"').next())
        .unwrap()
        .to_owned();
    let (_, article) = app.page(&path).await;
    let byline = article
        .split("<p class=\"byline\">")
        .nth(1)
        .and_then(|s| s.split("</p>").next())
        .unwrap()
        .replace(['\u{a0}', '\u{202f}'], " ");
    assert_eq!(
        byline,
        "Par : <a rel=\"author\" href=\"/author/gaelle-villeneuve/\">Gaëlle Villeneuve</a>, avec <a rel=\"author\" href=\"/author/kofi-mensah/\">Kofi Mensah</a>, Photos : <a rel=\"author\" href=\"/author/awa-diop/\">Awa Diop</a> / Afrique Première Tv"
    );
    // Each contributor's page lists the article.
    let (status, awa) = app.page("/author/awa-diop/").await;
    assert_eq!(status, 200);
    assert!(awa.contains("reportage-a-bouake"));
}

async fn editors_write_the_author_profiles_readers_see(db: TestDb) {
    let app = TestApp::french(db).await;
    let e = app.newsroom("e@example.org", Role::Editor).await;
    let mut f = fields("Profil", "published");
    f.push(("author", "Gaëlle Villeneuve"));
    e.post("/admin/articles/new", &f).await;
    let gaelle = app
        .store
        .author_by_slug(&kiosque_core::types::Slug::parse("gaelle-villeneuve").unwrap())
        .await
        .unwrap()
        .unwrap();
    let a = app.newsroom("a@example.org", Role::Author).await;
    assert_eq!(a.get("/admin/authors").await.status(), 403);
    let (status, list) = e.page("/admin/authors").await;
    assert_eq!(status, 200);
    assert!(list.contains("Gaëlle Villeneuve"));
    let url = format!("/admin/authors/{}", gaelle.id);
    let r = e
        .post(
            &url,
            &[("name", "Gaëlle Villeneuve"), ("links", "pas une adresse")],
        )
        .await;
    assert_eq!(r.status(), 422);
    let r = e
        .post(
            &url,
            &[
                ("name", "Gaëlle Villeneuve"),
                ("expertise", "Diplomatie, Afrique de l'Ouest"),
                ("bio", "Correspondante depuis 2015."),
                ("links", "https://social.example/@gaelle"),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
    let (_, page) = app.page("/author/gaelle-villeneuve/").await;
    assert!(
        page.contains("Spécialités : Diplomatie, Afrique de l&#39;Ouest"),
        "{page}"
    );
    assert!(page.contains("Correspondante depuis 2015."));
    assert!(page.contains("href=\"https://social.example/@gaelle\" rel=\"me noopener\""));
}

async fn the_live_preview_renders_sanitised_markdown_for_the_newsroom_only(db: TestDb) {
    let app = TestApp::french(db).await;
    let c = app.newsroom("c@example.org", Role::Contributor).await;
    let r = c
        .post(
            "/admin/preview",
            &[("body", "**Gras** : « oui » <script>alert(1)</script>")],
        )
        .await;
    assert_eq!(r.status(), 200);
    let html = r.text().await.unwrap();
    assert!(
        html.contains("<strong>Gras</strong>&nbsp;: «&nbsp;oui&nbsp;»"),
        "{html}"
    );
    assert!(!html.contains("<script"));
    assert_eq!(
        c.post_raw("/admin/preview", &[("csrf", "forged"), ("body", "x")])
            .await
            .status(),
        403
    );
    assert_eq!(
        app.post_form("/admin/preview", &[("body", "x")])
            .await
            .status(),
        303
    );
}

async fn autosave_keeps_drafts_and_never_overwrites_a_newer_save(db: TestDb) {
    let app = TestApp::french(db).await;
    let a = app.newsroom("a@example.org", Role::Author).await;
    let id = write(&a, "Brouillon auto", "draft").await;
    let url = format!("/admin/articles/{id}/autosave");
    let v = version(&a, id).await;
    let mut f = fields("Brouillon auto", "published");
    f[1] = ("body", "Texte tapé, pas encore enregistré à la main.");
    f.push(("version", &v));
    let r = a.post(&url, &f).await;
    assert_eq!(r.status(), 200);
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!(body["saved"], true);
    let saved = app.store.article(id).await.unwrap().unwrap();
    assert_eq!(body["version"], saved.version);
    assert_eq!(
        saved.body_markdown,
        "Texte tapé, pas encore enregistré à la main."
    );
    assert_eq!(
        saved.status,
        ArticleStatus::Draft,
        "autosave never changes the state"
    );
    // The same stale version again: refused, nothing changes.
    f[1] = ("body", "Version d'un onglet en retard.");
    let r = a.post(&url, &f).await;
    assert_eq!(r.status(), 409);
    assert_eq!(
        app.store.article(id).await.unwrap().unwrap().body_markdown,
        "Texte tapé, pas encore enregistré à la main."
    );
    let v = version(&a, id).await;
    let mut empty = fields("", "draft");
    empty.push(("version", &v));
    assert_eq!(a.post(&url, &empty).await.status(), 422);
    assert_eq!(
        a.post_raw(&url, &[("csrf", "forged"), ("version", &v)])
            .await
            .status(),
        403
    );
    // A live article is not autosaved.
    let live = write(&a, "En ligne", "published").await;
    let v = version(&a, live).await;
    let mut f = fields("En ligne", "published");
    f.push(("version", &v));
    assert_eq!(
        a.post(&format!("/admin/articles/{live}/autosave"), &f)
            .await
            .status(),
        409
    );
}

async fn an_article_is_deleted_from_its_editor_once_confirmed(db: TestDb) {
    let app = TestApp::french(db).await;
    let c = app.newsroom("pigiste@example.org", Role::Contributor).await;
    let id = write(&c, "Un brouillon de trop", "draft").await;
    let (_, editor) = c.page(&format!("/admin/articles/{id}/edit")).await;
    assert!(editor.contains(&format!("action=\"/admin/articles/{id}/delete\"")));
    let v = version(&c, id).await;
    // Unticked, or from a stale page: nothing is deleted.
    let r = c
        .post(&format!("/admin/articles/{id}/delete"), &[("version", &v)])
        .await;
    assert_eq!(r.status(), 303);
    let r = c
        .post(
            &format!("/admin/articles/{id}/delete"),
            &[("version", "0"), ("confirm", "yes")],
        )
        .await;
    assert_eq!(r.status(), 303);
    assert!(app.store.article(id).await.unwrap().is_some());
    let r = c
        .post(
            &format!("/admin/articles/{id}/delete"),
            &[("version", &v), ("confirm", "yes")],
        )
        .await;
    assert_eq!(r.status(), 303);
    assert_eq!(r.headers()["location"], "/admin/articles?deleted=1");
    assert!(app.store.article(id).await.unwrap().is_none());
    let (_, list) = c.page("/admin/articles?deleted=1").await;
    assert!(list.contains("Article supprimé."));
}

/// Sections are the editors' to make: a contributor's or an author's save
/// naming a section the site lacks is refused with the field named, and
/// no section appears; an editor's save makes it.
async fn only_editors_make_new_sections_when_saving(db: TestDb) {
    let app = TestApp::french(db).await;
    let slug = kiosque_core::types::Slug::parse("nouvelle-rubrique").unwrap();
    for (email, role) in [
        ("pigiste@example.org", Role::Contributor),
        ("autrice@example.org", Role::Author),
    ] {
        let who = app.newsroom(email, role).await;
        let mut f = fields("Une rubrique de trop", "draft");
        f.retain(|(k, _)| *k != "category");
        f.push(("category", "Nouvelle rubrique"));
        let r = who.post("/admin/articles/new", &f).await;
        assert_eq!(r.status(), 422, "{role:?}");
        let html = r.text().await.unwrap();
        assert!(html.contains("Cette rubrique n&#39;existe pas"), "{html}");
        assert!(app.store.category_by_slug(&slug).await.unwrap().is_none());
    }
    let editor = app.newsroom("chef@example.org", Role::Editor).await;
    let mut f = fields("Une rubrique voulue", "draft");
    f.retain(|(k, _)| *k != "category");
    f.push(("category", "Nouvelle rubrique"));
    assert_eq!(editor.post("/admin/articles/new", &f).await.status(), 303);
    assert!(app.store.category_by_slug(&slug).await.unwrap().is_some());
}
