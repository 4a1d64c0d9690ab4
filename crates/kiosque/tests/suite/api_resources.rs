//! The rest of the newsroom through the API, on both databases: deleting
//! articles, photos of the library, pages, accounts and the site's
//! settings — with the admin's rules and rights.

use kiosque_core::ports::Store;
use kiosque_core::types::Role;
use kiosque_testkit::{TestApp, TestDb, both_databases};
use serde_json::json;

use crate::api_newsroom::{Call, etag, token};

both_databases!(
    articles_are_deleted_by_whoever_may_open_them,
    photos_are_uploaded_to_the_library_and_described,
    pages_accounts_and_settings_are_managed_through_the_api,
);

async fn articles_are_deleted_by_whoever_may_open_them(db: TestDb) {
    let app = TestApp::french(db).await;
    let contributor = Call {
        app: &app,
        token: token(&app, "pigiste@example.org", Role::Contributor, false).await,
    };
    let editor = Call {
        app: &app,
        token: token(&app, "redaction@example.org", Role::Editor, false).await,
    };
    let (status, _, own) = contributor
        .post(
            "/api/v1/newsroom/articles",
            json!({"title": "Un brouillon à jeter", "body": "Texte."}),
        )
        .await;
    assert_eq!(status, 201, "{own}");
    let own = own["id"].as_i64().unwrap();
    let (status, headers, theirs) = editor
        .post(
            "/api/v1/newsroom/articles",
            json!({"title": "Une dépêche publiée", "body": "Texte.", "status": "published"}),
        )
        .await;
    assert_eq!(status, 201, "{theirs}");
    let theirs = theirs["id"].as_i64().unwrap();
    let delete = |call: &Call<'_>, id: i64, version: Option<&str>| {
        let mut r = call.request(
            reqwest::Method::DELETE,
            &format!("/api/v1/newsroom/articles/{id}"),
        );
        if let Some(v) = version {
            r = r.header("if-match", v);
        }
        r
    };
    // Someone else's article looks absent to a contributor.
    let (status, _, _) = contributor.send(delete(&contributor, theirs, None)).await;
    assert_eq!(status, 404);
    // A stale version deletes nothing.
    let (status, _, stale) = editor.send(delete(&editor, theirs, Some("\"0\""))).await;
    assert_eq!(status, 412, "{stale}");
    assert_eq!(stale["error"]["code"], "precondition_failed");
    let (status, _, _) = editor
        .send(delete(&editor, theirs, Some(&etag(&headers))))
        .await;
    assert_eq!(status, 204);
    assert_eq!(
        app.get(&format!("/api/v1/articles/{theirs}"))
            .await
            .status(),
        404
    );
    assert_eq!(
        editor
            .get(&format!("/api/v1/newsroom/articles/{theirs}"))
            .await
            .0,
        404
    );
    // One's own draft, without If-Match.
    let (status, _, _) = contributor.send(delete(&contributor, own, None)).await;
    assert_eq!(status, 204);
    let (status, _, gone) = contributor.send(delete(&contributor, own, None)).await;
    assert_eq!((status, &gone["error"]["code"]), (404, &json!("not_found")));
}

async fn photos_are_uploaded_to_the_library_and_described(db: TestDb) {
    let app = TestApp::french(db).await;
    let author = Call {
        app: &app,
        token: token(&app, "photo@example.org", Role::Author, false).await,
    };
    let upload = |bytes: Vec<u8>| {
        author
            .request(reqwest::Method::POST, "/api/v1/newsroom/media")
            .multipart(reqwest::multipart::Form::new().part(
                "file",
                reqwest::multipart::Part::bytes(bytes).file_name("port.png"),
            ))
    };
    let png = kiosque_media::demo_photo(3, 320, 200, false);
    let (status, headers, photo) = author.send(upload(png.clone())).await;
    assert_eq!(status, 201, "{photo}");
    let id = photo["id"].as_i64().unwrap();
    assert_eq!(headers["location"], format!("/api/v1/newsroom/media/{id}"));
    assert_eq!(photo["alt"], "", "described afterwards");
    assert_eq!(
        (photo["width"].as_u64(), photo["height"].as_u64()),
        (Some(320), Some(200))
    );
    // The file is served, re-encoded.
    let file = photo["url"]
        .as_str()
        .unwrap()
        .replace("https://news.example.org", "");
    assert_eq!(app.get(&file).await.status(), 200);

    // Refusals: not an image, no file, not multipart, a contributor.
    let (status, _, refused) = author
        .send(upload(b"ceci n est pas une image".to_vec()))
        .await;
    assert_eq!(
        (status, &refused["error"]["fields"]["file"]),
        (422, &json!("undecodable"))
    );
    let (status, _, refused) = author
        .send(
            author
                .request(reqwest::Method::POST, "/api/v1/newsroom/media")
                .multipart(reqwest::multipart::Form::new().text("alt", "Sans fichier")),
        )
        .await;
    assert_eq!(
        (status, &refused["error"]["fields"]["alt"]),
        (422, &json!("unknown")),
        "texts are set with PATCH, typed"
    );
    let (status, _, refused) = author
        .send(
            author
                .request(reqwest::Method::POST, "/api/v1/newsroom/media")
                .multipart(reqwest::multipart::Form::new().part(
                    "file",
                    reqwest::multipart::Part::bytes(Vec::new()).file_name("vide.png"),
                )),
        )
        .await;
    assert_eq!(
        (status, &refused["error"]["fields"]["file"]),
        (422, &json!("required"))
    );
    let (status, _, refused) = author
        .post("/api/v1/newsroom/media", json!({"file": "x"}))
        .await;
    assert_eq!(
        (status, &refused["error"]["code"]),
        (415, &json!("unsupported_media_type"))
    );
    let contributor = Call {
        app: &app,
        token: token(&app, "pigiste@example.org", Role::Contributor, false).await,
    };
    let (status, _, _) = contributor
        .send(
            contributor
                .request(reqwest::Method::POST, "/api/v1/newsroom/media")
                .multipart(reqwest::multipart::Form::new().part(
                    "file",
                    reqwest::multipart::Part::bytes(png).file_name("p.png"),
                )),
        )
        .await;
    assert_eq!(status, 403);

    // Described with If-Match: a stale ETag changes nothing.
    let (_, headers, _) = author.get(&format!("/api/v1/newsroom/media/{id}")).await;
    let (status, _, _) = author
        .patch(
            &format!("/api/v1/newsroom/media/{id}"),
            Some("\"stale\""),
            json!({"caption": "Au port"}),
        )
        .await;
    assert_eq!(status, 412);
    let (status, _, described) = author
        .patch(
            &format!("/api/v1/newsroom/media/{id}"),
            Some(&etag(&headers)),
            json!({
                "alt": "Des pirogues au port de Soumbédioune",
                "caption": "Retour de pêche à Soumbédioune",
                "credit": "Awa Diop / Le Courrier",
            }),
        )
        .await;
    assert_eq!(status, 200, "{described}");
    assert_eq!(described["caption"], "Retour de pêche à Soumbédioune");
    assert_eq!(described["alt"], "Des pirogues au port de Soumbédioune");
    assert_eq!(described["credit"], "Awa Diop / Le Courrier");
    let long = "x".repeat(501);
    let (_, headers, _) = author.get(&format!("/api/v1/newsroom/media/{id}")).await;
    let (status, _, refused) = author
        .patch(
            &format!("/api/v1/newsroom/media/{id}"),
            Some(&etag(&headers)),
            json!({"alt": long}),
        )
        .await;
    assert_eq!(
        (status, &refused["error"]["fields"]["alt"]),
        (422, &json!("too_long"))
    );
}

async fn pages_accounts_and_settings_are_managed_through_the_api(db: TestDb) {
    let app = TestApp::french(db).await;
    let admin = Call {
        app: &app,
        token: token(&app, "admin@example.org", Role::Administrator, false).await,
    };
    // Pages: added, changed with If-Match, deleted.
    let (status, headers, page) = admin
        .post(
            "/api/v1/newsroom/pages",
            json!({"title": "Nous contacter", "body": "Écrivez à *redaction@example.org*.", "in_footer": true}),
        )
        .await;
    assert_eq!(status, 201, "{page}");
    let id = page["id"].as_i64().unwrap();
    assert_eq!(headers["location"], format!("/api/v1/pages/{id}"));
    assert_eq!(page["slug"], "nous-contacter");
    assert!(
        app.page("/nous-contacter/")
            .await
            .1
            .contains("<em>redaction@example.org</em>")
    );
    let (status, _, taken) = admin
        .post(
            "/api/v1/newsroom/pages",
            json!({"title": "Autre", "slug": "nous-contacter"}),
        )
        .await;
    assert_eq!(
        (status, &taken["error"]["fields"]["slug"]),
        (409, &json!("term_slug_taken"))
    );
    let (status, _, _) = admin
        .patch(
            &format!("/api/v1/newsroom/pages/{id}"),
            Some("\"0\""),
            json!({"title": "Contact"}),
        )
        .await;
    assert_eq!(status, 412);
    let (status, _, changed) = admin
        .patch(
            &format!("/api/v1/newsroom/pages/{id}"),
            Some(&etag(&headers)),
            json!({"title": "Contact"}),
        )
        .await;
    assert_eq!(
        (status, &changed["title"]),
        (200, &json!("Contact")),
        "{changed}"
    );
    assert_eq!(changed["in_footer"], true, "fields not sent are kept");
    let (status, _, _) = admin
        .send(admin.request(
            reqwest::Method::DELETE,
            &format!("/api/v1/newsroom/pages/{id}"),
        ))
        .await;
    assert_eq!(status, 204);
    assert_eq!(app.get(&format!("/api/v1/pages/{id}")).await.status(), 404);

    // Accounts: made, refused, given another role; never one's own.
    let (status, headers, made) = admin
        .post(
            "/api/v1/newsroom/users",
            json!({"name": "Awa Diop", "email": "awa@example.org", "role": "author", "password": "un mot de passe solide"}),
        )
        .await;
    assert_eq!(status, 201, "{made}");
    assert_eq!(made["role"], "author");
    assert!(made.get("password").is_none() && !made.to_string().contains("argon2"));
    let awa = made["id"].as_i64().unwrap();
    let (status, _, refused) = admin
        .post(
            "/api/v1/newsroom/users",
            json!({"name": "", "email": "pas-une-adresse", "role": "author", "password": "court"}),
        )
        .await;
    assert_eq!(status, 422);
    for (field, code) in [
        ("name", "required"),
        ("email", "invalid_email"),
        ("password", "password_too_short"),
    ] {
        assert_eq!(refused["error"]["fields"][field], code, "{refused}");
    }
    let (status, _, taken) = admin
        .post(
            "/api/v1/newsroom/users",
            json!({"name": "Awa", "email": "AWA@example.org", "role": "editor", "password": "un autre mot de passe"}),
        )
        .await;
    assert_eq!(
        (status, &taken["error"]["fields"]["email"]),
        (409, &json!("email_taken"))
    );
    let (status, _, promoted) = admin
        .patch(
            &format!("/api/v1/newsroom/users/{awa}"),
            Some(&etag(&headers)),
            json!({"role": "editor"}),
        )
        .await;
    assert_eq!(
        (status, &promoted["role"]),
        (200, &json!("editor")),
        "{promoted}"
    );
    let (cookie, _) = app
        .sign_in("awa@example.org", "un mot de passe solide")
        .await;
    assert!(
        cookie.is_some(),
        "the new account signs in with its password"
    );
    let (_, _, me) = admin.get("/api/v1/me").await;
    let my_id = me["id"].as_i64().unwrap();
    let (_, headers, _) = admin.get(&format!("/api/v1/newsroom/users/{my_id}")).await;
    let (status, _, _) = admin
        .patch(
            &format!("/api/v1/newsroom/users/{my_id}"),
            Some(&etag(&headers)),
            json!({"role": "author"}),
        )
        .await;
    assert_eq!(status, 403);

    // Settings: read, changed with If-Match, refused choices named.
    let (status, headers, settings) = admin.get("/api/v1/newsroom/settings").await;
    assert_eq!(status, 200, "{settings}");
    assert_eq!(settings["name"], "Afrique Première Tv");
    let (status, _, refused) = admin
        .patch(
            "/api/v1/newsroom/settings",
            Some(&etag(&headers)),
            json!({"language": "de", "accent": "#ffff00", "time_zone": "Mars/Olympus"}),
        )
        .await;
    assert_eq!(status, 422, "{refused}");
    assert_eq!(refused["error"]["fields"]["language"], "invalid_choice");
    let (status, _, saved) = admin
        .patch(
            "/api/v1/newsroom/settings",
            Some(&etag(&headers)),
            json!({"tagline": "L'actualité de l'Afrique de l'Ouest", "time_zone": "Africa/Dakar", "close_after_days": 30}),
        )
        .await;
    assert_eq!(status, 200, "{saved}");
    assert_eq!(saved["time_zone"], "Africa/Dakar");
    assert_eq!(
        saved["name"], "Afrique Première Tv",
        "fields not sent are kept"
    );
    let (status, _, _) = admin
        .patch(
            "/api/v1/newsroom/settings",
            Some(&etag(&headers)),
            json!({"tagline": "Trop tard"}),
        )
        .await;
    assert_eq!(status, 412, "the first change made that ETag stale");
    let site = app.store.site().await.unwrap().unwrap();
    assert_eq!(site.tagline, "L'actualité de l'Afrique de l'Ouest");
    assert_eq!(site.comments.close_after_days, 30);
}
