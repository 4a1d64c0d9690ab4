//! Photo stories and embedded posts over HTTP on both databases: a gallery
//! drawn from the library (order, texts, copies, the library's later
//! edits), embeds as placeholders that load nothing from their provider,
//! with a content policy that lets in their players only.

use kiosque_core::model::{MediaAsset, MediaText};
use kiosque_core::ports::Store;
use kiosque_core::types::Role;
use kiosque_testkit::fixtures::french_article_source;
use kiosque_testkit::{TestApp, TestDb, both_databases};

both_databases!(
    a_gallery_shows_library_photos_in_order_with_their_texts,
    embeds_load_nothing_until_asked_and_frames_come_from_their_provider_only,
    editors_make_a_gallery_from_the_library_without_javascript,
);

/// Three photos in the library, each with its texts.
pub(crate) async fn three_photos(app: &TestApp) -> Vec<MediaAsset> {
    let mut out = Vec::new();
    for (i, (alt, caption, credit)) in [
        (
            "Des pirogues au port de pêche d'Abobo-Doumé",
            "Le port au lever du jour",
            "Awa Traoré",
        ),
        (
            "Le marché aux poissons",
            "Les étals à 7 heures",
            "Koffi N'Guessan",
        ),
        ("Une vendeuse de poisson fumé", "", ""),
    ]
    .into_iter()
    .enumerate()
    {
        let bytes = kiosque_media::demo_photo(i as u32 + 20, 1000, 750, true);
        out.push(
            app.add_to_library(
                &bytes,
                MediaText {
                    alt: alt.into(),
                    caption: caption.into(),
                    credit: credit.into(),
                },
            )
            .await,
        );
    }
    out
}

/// A photo story: an introduction, a gallery (the second photo with a
/// caption of its own, then a file the library does not hold), an embed,
/// an address of no provider and another embed.
pub(crate) fn photo_story(slug: &str, photos: &[MediaAsset]) -> String {
    format!(
        "---\ntitle: \"En images : le port de pêche d'Abidjan\"\nauthor: \"Awa Traoré\"\n\
         date: 2024-11-02T08:00:00Z\ncategory: \"Économie\"\nslug: \"{slug}\"\n---\n\
         Au petit matin, les pirogues rentrent au port.\n\n\
         ```gallery columns=3\n\
         ![](/media/{a})\n\
         ![Le marché vu d'en haut](/media/{b} \"Légende de la galerie : vue du toit\")\n\
         ![Disparue](/media/ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff.jpg)\n\
         ![](/media/{c})\n\
         ```\n\n\
         https://www.youtube.com/watch?v=dQw4w9WgXcQ\n\n\
         https://example.org/reportage\n\n\
         <https://soundcloud.com/radio-lagune/journal-du-port>\n",
        a = photos[0].file_name,
        b = photos[1].file_name,
        c = photos[2].file_name,
    )
}

async fn a_gallery_shows_library_photos_in_order_with_their_texts(db: TestDb) {
    let app = TestApp::french(db).await;
    let photos = three_photos(&app).await;
    for p in &photos {
        app.wait_for_asset_copies(p.id).await;
    }
    let path = app.publish(&photo_story("le-port", &photos), None).await;
    let (status, page) = app.page(&path).await;
    assert_eq!(status, 200);
    assert!(!page.contains("```"), "no raw Markdown: {page}");
    assert!(!page.contains("<!--kiosque"), "no marker: {page}");
    let gallery = between(&page, "<div class=\"gallery gallery-cols-3\"", "</div>");
    assert!(
        gallery.contains("role=\"group\" aria-label=\"Galerie de 3 photos\""),
        "{gallery}"
    );
    // In the gallery's order, the missing file left out.
    let order: Vec<usize> = photos
        .iter()
        .map(|p| {
            gallery
                .find(&format!("href=\"/media/{}\"", p.file_name))
                .expect("each photo links to its largest copy")
        })
        .collect();
    assert!(order[0] < order[1] && order[1] < order[2], "{gallery}");
    assert_eq!(gallery.matches("<li>").count(), 3);
    // The library's texts, unless the gallery wrote its own.
    assert!(gallery.contains("alt=\"Des pirogues au port de pêche d&#39;Abobo-Doumé\""));
    assert!(gallery.contains(
        "<figcaption>Le port au lever du jour <span class=\"credit\">© Awa Traoré</span>"
    ));
    assert!(gallery.contains("alt=\"Le marché vu d&#39;en haut\""));
    assert!(
        gallery.contains("<figcaption>Légende de la galerie\u{a0}: vue du toit"),
        "French spacing in captions: {gallery}"
    );
    assert!(gallery.contains("alt=\"Une vendeuse de poisson fumé\""));
    // Copies offered, sized, lazy.
    let stem = photos[0].stem();
    assert!(
        gallery.contains(&format!("/media/{stem}-320.webp 320w")),
        "{gallery}"
    );
    assert!(gallery.contains("width=\"1000\" height=\"750\""));
    assert_eq!(gallery.matches("loading=\"lazy\"").count(), 3);
    assert!(
        page.contains("/assets/reader."),
        "the lightbox script is linked"
    );

    // The library's caption changes: the page follows.
    let mut text = photos[0].text.clone();
    text.caption = "Le port, vu depuis la jetée".into();
    app.store.set_media_text(photos[0].id, &text).await.unwrap();
    app.settled().await;
    let page = app.page(&path).await.1;
    assert!(
        page.contains("<figcaption>Le port, vu depuis la jetée"),
        "{page}"
    );

    // Search finds the story by the words of a caption in its text.
    crate::search::until(&app, "/search?q=toit+march%C3%A9", |b| b.contains(&path)).await;
}

async fn embeds_load_nothing_until_asked_and_frames_come_from_their_provider_only(db: TestDb) {
    let app = TestApp::french(db).await;
    let photos = three_photos(&app).await;
    let path = app.publish(&photo_story("le-port", &photos), None).await;
    let r = app.get(&path).await;
    let policy = r.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_owned();
    let page = r.text().await.unwrap();
    assert!(
        policy.ends_with("; frame-src https://www.youtube-nocookie.com https://w.soundcloud.com"),
        "{policy}"
    );
    assert!(policy.starts_with("default-src 'none';"), "{policy}");
    assert!(!page.contains("<iframe"), "{page}");
    let video = between(
        &page,
        "<figure class=\"embed embed-video embed-youtube\">",
        "</figure>",
    );
    assert!(
        video.contains(
            "href=\"https://www.youtube.com/watch?v=dQw4w9WgXcQ\" rel=\"noopener\" \
             data-player=\"https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ?autoplay=1\""
        ),
        "{video}"
    );
    assert!(video.contains("Afficher le contenu YouTube"), "{video}");
    assert!(page.contains("<figure class=\"embed embed-audio embed-soundcloud\">"));
    // Nothing on the page loads from another host.
    for attr in ["src=\"", "srcset=\"", "data-player=\""] {
        for (i, _) in page.match_indices(attr) {
            let value = &page[i + attr.len()..];
            let value = &value[..value.find('"').unwrap()];
            let external = value.contains("//");
            assert!(!external || attr == "data-player=\"", "{attr}{value}");
        }
    }
    // An address of no provider stays text.
    assert!(
        page.contains("<p>https://example.org/reportage</p>"),
        "{page}"
    );

    // A page without embeds keeps the policy that lets no frame in.
    let plain = app
        .publish(
            &kiosque_testkit::fixtures::french_article_source("sans-video", None),
            None,
        )
        .await;
    let r = app.get(&plain).await;
    let policy = r.headers()["content-security-policy"].to_str().unwrap();
    assert!(!policy.contains("frame-src"), "{policy}");
    assert!(!r.text().await.unwrap().contains("/assets/reader."));

    // Feeds give readers links and pictures, never a player or a marker.
    let mut site = app.store.site().await.unwrap().unwrap();
    site.full_text_feeds = true;
    app.save_site(&site).await;
    let feed = app.page("/feed/").await.1;
    assert!(
        feed.contains("https://www.youtube.com/watch?v=dQw4w9WgXcQ"),
        "{feed}"
    );
    assert!(!feed.contains("kiosque {"), "{feed}");
    assert!(!feed.contains("iframe"), "{feed}");
}

async fn editors_make_a_gallery_from_the_library_without_javascript(db: TestDb) {
    let app = TestApp::french(db).await;
    let photos = three_photos(&app).await;
    let path = app
        .publish(&french_article_source("galerie", None), None)
        .await;
    let id = app
        .store
        .article_by_slug(&kiosque_core::types::Slug::parse("galerie").unwrap())
        .await
        .unwrap()
        .unwrap()
        .id;
    let version = |app: &TestApp| {
        let store = app.store.clone();
        async move {
            store
                .article(id)
                .await
                .unwrap()
                .unwrap()
                .version
                .to_string()
        }
    };
    let editor = app.newsroom("chef@example.org", Role::Editor).await;
    let form_url = format!("/admin/articles/{id}/gallery");
    let (status, page) = editor.page(&form_url).await;
    assert_eq!(status, 200, "{page}");
    assert!(page.contains("Nouvelle galerie"), "{page}");
    for p in &photos {
        assert!(
            page.contains(&format!("value=\"{}\"", p.file_name)),
            "the library is offered"
        );
    }
    // Tick three photos (and a name the library does not hold).
    let v = version(&app).await;
    let r = editor
        .post(
            &form_url,
            &[
                ("version", v.as_str()),
                ("columns", "3"),
                ("add", photos[2].file_name.as_str()),
                ("add", photos[0].file_name.as_str()),
                ("add", photos[1].file_name.as_str()),
                ("add", "ffff.jpg"),
                ("action", "add"),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
    assert_eq!(
        r.headers()["location"],
        format!("/admin/articles/{id}/gallery?n=1&saved=1").as_str()
    );
    let body = app.store.article(id).await.unwrap().unwrap().body_markdown;
    assert!(
        body.ends_with(&format!(
            "\n\n```gallery columns=3\n![](/media/{})\n![](/media/{})\n![](/media/{})\n```\n",
            photos[2].file_name, photos[0].file_name, photos[1].file_name
        )),
        "{body}"
    );
    // Move the third up, remove the first, write a caption: each a save.
    let n1 = format!("{form_url}?n=1");
    let (_, page) = editor.page(&n1).await;
    assert!(
        page.contains("Galerie enregistrée") || page.contains("Galerie 1"),
        "{page}"
    );
    let files = [&photos[2], &photos[0], &photos[1]].map(|p| p.file_name.clone());
    let send = |action: &'static str, files: Vec<String>, captions: Vec<&'static str>| {
        let editor = &editor;
        let form_url = &form_url;
        let app = &app;
        async move {
            let v = version(app).await;
            let mut fields = vec![
                ("version", v),
                ("n", "1".to_owned()),
                ("columns", "3".to_owned()),
            ];
            for (i, f) in files.iter().enumerate() {
                fields.push(("photo", f.clone()));
                fields.push(("alt", String::new()));
                fields.push((
                    "caption",
                    captions.get(i).copied().unwrap_or_default().to_owned(),
                ));
            }
            fields.push(("action", action.to_owned()));
            let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
            editor.post(form_url, &fields).await
        }
    };
    assert_eq!(send("up-2", files.to_vec(), vec![]).await.status(), 303);
    let order = [&photos[2], &photos[1], &photos[0]].map(|p| p.file_name.clone());
    assert_eq!(send("remove-0", order.to_vec(), vec![]).await.status(), 303);
    let left = [order[1].clone(), order[2].clone()];
    assert_eq!(
        send("save", left.to_vec(), vec!["Vue du marché : 7 heures", ""])
            .await
            .status(),
        303
    );
    let article = app.store.article(id).await.unwrap().unwrap();
    assert!(
        article.body_markdown.ends_with(&format!(
            "```gallery columns=3\n![](/media/{} \"Vue du marché : 7 heures\")\n![](/media/{})\n```\n",
            photos[1].file_name, photos[0].file_name
        )),
        "{}",
        article.body_markdown
    );
    // Each step is a revision the newsroom can go back to.
    assert!(app.store.revisions(id).await.unwrap().len() >= 4);
    app.settled().await;
    let public = app.page(&path).await.1;
    common_order(&public, &[&photos[1].file_name, &photos[0].file_name]);
    assert!(public.contains("Vue du marché\u{a0}: 7 heures"), "{public}");

    // A form opened before the last save changes nothing: 409.
    let r = editor
        .post(
            &n1,
            &[
                ("version", "1"),
                ("n", "1"),
                ("action", "remove-0"),
                ("photo", order[1].as_str()),
            ],
        )
        .await;
    assert_eq!(r.status(), 409);
    assert_eq!(
        app.store.article(id).await.unwrap().unwrap().body_markdown,
        article.body_markdown
    );
    // No token, or a role that may not edit this article: refused.
    let v = version(&app).await;
    let r = editor
        .post_raw(
            &form_url,
            &[
                ("version", v.as_str()),
                ("action", "add"),
                ("add", order[0].as_str()),
            ],
        )
        .await;
    assert_eq!(r.status(), 403);
    let contributor = app.newsroom("pigiste@example.org", Role::Contributor).await;
    let r = contributor
        .post(
            &form_url,
            &[
                ("version", v.as_str()),
                ("action", "add"),
                ("add", order[0].as_str()),
            ],
        )
        .await;
    assert_eq!(r.status(), 403);
    assert_eq!(contributor.page(&form_url).await.0, 403);
    assert_eq!(
        app.store.article(id).await.unwrap().unwrap().body_markdown,
        article.body_markdown
    );
    // Removing the last photo takes the gallery out of the text.
    let two = vec![photos[1].file_name.clone(), photos[0].file_name.clone()];
    assert_eq!(send("remove-0", two, vec![]).await.status(), 303);
    let r = send("remove-0", vec![photos[0].file_name.clone()], vec![]).await;
    assert_eq!(r.status(), 303);
    assert_eq!(
        r.headers()["location"],
        format!("/admin/articles/{id}/edit?saved=1").as_str()
    );
    let body = app.store.article(id).await.unwrap().unwrap().body_markdown;
    assert!(!body.contains("```"), "{body}");
}

fn common_order(page: &str, files: &[&str]) {
    let at: Vec<usize> = files
        .iter()
        .map(|f| {
            page.find(&format!("href=\"/media/{f}\""))
                .unwrap_or_else(|| panic!("{f} in {page}"))
        })
        .collect();
    assert!(at.windows(2).all(|w| w[0] < w[1]), "{files:?}");
}

fn between<'a>(page: &'a str, start: &str, end: &str) -> &'a str {
    let from = page
        .find(start)
        .unwrap_or_else(|| panic!("{start} in {page}"));
    let rest = &page[from..];
    &rest[..rest.find(end).map_or(rest.len(), |i| i + end.len())]
}
