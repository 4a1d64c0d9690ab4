//! The newsroom's side of the API on both databases: writing articles
//! with a token, `If-Match`, `Idempotency-Key`, the admin's rules, and
//! every refusal in the error table.

use chrono::Utc;
use kiosque_core::ports::{Accounts, Store};
use kiosque_core::service::auth;
use kiosque_core::types::Role;
use kiosque_testkit::{TestApp, TestDb, both_databases};
use serde_json::{Value, json};

both_databases!(
    a_script_writes_schedules_and_publishes_an_article,
    retries_with_an_idempotency_key_create_once,
    a_stale_or_missing_if_match_changes_nothing,
    the_api_keeps_the_admins_rules_for_each_role,
    malformed_bodies_get_the_status_http_means,
    revisions_are_listed_and_restored,
    moderators_work_the_comment_queue,
    sections_and_tags_are_added_renamed_with_if_match_and_deleted,
    articles_are_deleted_by_whoever_may_open_them,
    photos_are_uploaded_to_the_library_and_described,
    pages_accounts_and_settings_are_managed_through_the_api,
);

/// A user of `role` and a token acting as them.
pub(crate) async fn token(app: &TestApp, email: &str, role: Role, read_only: bool) -> String {
    let user = app.create_user(email, role, "un mot de passe long").await;
    let (secret, token) =
        auth::make_api_token(user.id, "Tests", read_only, None, Utc::now()).unwrap();
    app.store.create_api_token(&token).await.unwrap();
    secret
}

pub(crate) struct Call<'a> {
    pub(crate) app: &'a TestApp,
    pub(crate) token: String,
}

impl Call<'_> {
    pub(crate) fn request(&self, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
        self.app
            .client
            .request(method, self.app.url(path))
            .bearer_auth(&self.token)
    }

    pub(crate) async fn send(
        &self,
        request: reqwest::RequestBuilder,
    ) -> (u16, reqwest::header::HeaderMap, Value) {
        let r = request.send().await.unwrap();
        let status = r.status().as_u16();
        let headers = r.headers().clone();
        let text = r.text().await.unwrap();
        let body = if text.is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}: {text}"))
        };
        (status, headers, body)
    }

    pub(crate) async fn post(
        &self,
        path: &str,
        body: Value,
    ) -> (u16, reqwest::header::HeaderMap, Value) {
        self.send(self.request(reqwest::Method::POST, path).json(&body))
            .await
    }

    pub(crate) async fn patch(
        &self,
        path: &str,
        version: Option<&str>,
        body: Value,
    ) -> (u16, reqwest::header::HeaderMap, Value) {
        let mut r = self.request(reqwest::Method::PATCH, path).json(&body);
        if let Some(v) = version {
            r = r.header("if-match", v);
        }
        self.send(r).await
    }

    pub(crate) async fn get(&self, path: &str) -> (u16, reqwest::header::HeaderMap, Value) {
        self.send(self.request(reqwest::Method::GET, path)).await
    }
}

pub(crate) fn etag(headers: &reqwest::header::HeaderMap) -> String {
    headers["etag"].to_str().unwrap().to_owned()
}

async fn a_script_writes_schedules_and_publishes_an_article(db: TestDb) {
    let app = TestApp::french(db).await;
    let editor = Call {
        app: &app,
        token: token(&app, "redaction@example.org", Role::Editor, false).await,
    };
    let (status, headers, made) = editor
        .post(
            "/api/v1/newsroom/articles",
            json!({
                "title": "Budget 2025 : ce qui change",
                "body": "Le gouvernement a présenté son budget.\n\nDeuxième paragraphe.",
                "section": "Économie",
                "tags": ["Budget", "Finances publiques"],
                "type": "analysis",
                "sources": [{"name": "Ministère des Finances", "url": "https://example.org/budget.pdf"}],
                "contributors": [{"name": "Kofi Mensah", "role": "avec"}],
            }),
        )
        .await;
    assert_eq!(status, 201, "{made}");
    let id = made["id"].as_i64().unwrap();
    assert_eq!(
        headers["location"],
        format!("/api/v1/newsroom/articles/{id}")
    );
    assert_eq!(made["status"], "draft");
    assert_eq!(made["type"], "analysis");
    assert_eq!(made["slug"], "budget-2025-ce-qui-change");
    assert_eq!(made["contributors"][0]["role"], "avec");
    let version = etag(&headers);
    assert_eq!(version, format!("\"{}\"", made["version"]));
    // Not public yet.
    assert_eq!(
        app.get(&format!("/api/v1/articles/{id}")).await.status(),
        404
    );

    // Scheduled in the past is refused with the field named; published
    // now, it is on the site and in the public API.
    let past = (Utc::now() - chrono::Duration::hours(1)).to_rfc3339();
    let (status, _, refused) = editor
        .patch(
            &format!("/api/v1/newsroom/articles/{id}"),
            Some(&version),
            json!({"status": "scheduled", "published_at": past}),
        )
        .await;
    assert_eq!(status, 422);
    assert_eq!(
        refused["error"]["fields"]["published_at"],
        "schedule_in_future"
    );
    let (status, headers, published) = editor
        .patch(
            &format!("/api/v1/newsroom/articles/{id}"),
            Some(&version),
            json!({"status": "published"}),
        )
        .await;
    assert_eq!(status, 200, "{published}");
    assert_ne!(etag(&headers), version);
    assert_eq!(published["status"], "published");
    assert_eq!(
        published["title"], "Budget 2025 : ce qui change",
        "fields not sent are kept"
    );
    app.settled().await;
    let public = app.get(&format!("/api/v1/articles/{id}")).await;
    assert_eq!(public.status(), 200);
    let (status, _) = app
        .page(&format!(
            "/{}/",
            published["url"]
                .as_str()
                .unwrap()
                .split_once(".org/")
                .unwrap()
                .1
                .trim_end_matches('/')
        ))
        .await;
    assert_eq!(status, 200);

    // The token's user, and the newsroom's list.
    let (status, _, me) = editor.get("/api/v1/me").await;
    assert_eq!((status, me["role"].as_str()), (200, Some("editor")));
    let (_, _, list) = editor
        .get("/api/v1/newsroom/articles?status=published")
        .await;
    assert_eq!(list["total"], 1);
    app.stop().await;
}

async fn retries_with_an_idempotency_key_create_once(db: TestDb) {
    let app = TestApp::french(db).await;
    let author = Call {
        app: &app,
        token: token(&app, "awa@example.org", Role::Author, false).await,
    };
    let body = json!({"title": "Un seul article", "body": "Même si on insiste."});
    let send = |key: &'static str, body: Value| {
        author.send(
            author
                .request(reqwest::Method::POST, "/api/v1/newsroom/articles")
                .header("idempotency-key", key)
                .json(&body),
        )
    };
    let (first, headers, made) = send("cle-42", body.clone()).await;
    assert_eq!(first, 201);
    let (again, replay_headers, replayed) = send("cle-42", body.clone()).await;
    assert_eq!(again, 201);
    assert_eq!(replay_headers["idempotent-replayed"], "true");
    assert_eq!(replay_headers["location"], headers["location"]);
    assert_eq!(replayed["id"], made["id"]);
    let (_, _, list) = author.get("/api/v1/newsroom/articles").await;
    assert_eq!(list["total"], 1, "one article for two requests");
    // The same key for another request is a conflict, not a second article.
    let (status, _, refused) = send("cle-42", json!({"title": "Autre", "body": "Autre."})).await;
    assert_eq!(
        (status, refused["error"]["code"].as_str()),
        (409, Some("conflict"))
    );
    // A refusal is kept too: the retry gets the same 422.
    let (status, _, _) = send("cle-vide", json!({"title": ""})).await;
    assert_eq!(status, 422);
    let (status, replay_headers, _) = send("cle-vide", json!({"title": ""})).await;
    assert_eq!(
        (status, replay_headers.contains_key("idempotent-replayed")),
        (422, true)
    );
    let (status, _, _) = send("", body.clone()).await;
    assert_eq!(status, 400, "an empty key is refused");
    app.stop().await;
}

async fn a_stale_or_missing_if_match_changes_nothing(db: TestDb) {
    let app = TestApp::french(db).await;
    let editor = Call {
        app: &app,
        token: token(&app, "redaction@example.org", Role::Editor, false).await,
    };
    let (_, headers, made) = editor
        .post(
            "/api/v1/newsroom/articles",
            json!({"title": "Version une", "body": "Texte."}),
        )
        .await;
    let path = format!("/api/v1/newsroom/articles/{}", made["id"]);
    let first = etag(&headers);
    let (status, headers, _) = editor
        .patch(&path, Some(&first), json!({"title": "Version deux"}))
        .await;
    assert_eq!(status, 200);
    let second = etag(&headers);
    // Someone still holding the first version: 412, nothing changed.
    let (status, _, refused) = editor
        .patch(&path, Some(&first), json!({"title": "Version perdue"}))
        .await;
    assert_eq!(
        (status, refused["error"]["code"].as_str()),
        (412, Some("precondition_failed"))
    );
    let (status, _, refused) = editor
        .patch(&path, None, json!({"title": "Sans version"}))
        .await;
    assert_eq!(
        (status, refused["error"]["code"].as_str()),
        (400, Some("if_match_required"))
    );
    let (_, headers, now) = editor.get(&path).await;
    assert_eq!(
        (now["title"].as_str(), etag(&headers)),
        (Some("Version deux"), second.clone())
    );
    // Asked with its version: 304.
    let (status, _, _) = editor
        .send(
            editor
                .request(reqwest::Method::GET, &path)
                .header("if-none-match", &second),
        )
        .await;
    assert_eq!(status, 304);
    app.stop().await;
}

async fn the_api_keeps_the_admins_rules_for_each_role(db: TestDb) {
    let app = TestApp::french(db).await;
    let contributor = Call {
        app: &app,
        token: token(&app, "pigiste@example.org", Role::Contributor, false).await,
    };
    let author = Call {
        app: &app,
        token: token(&app, "auteur@example.org", Role::Author, false).await,
    };
    let reader = Call {
        app: &app,
        token: token(&app, "lecteur@example.org", Role::Editor, true).await,
    };
    let article = json!({"title": "Papier", "body": "Texte.", "status": "published"});
    let (status, _, refused) = contributor
        .post("/api/v1/newsroom/articles", article.clone())
        .await;
    assert_eq!(
        (status, refused["error"]["code"].as_str()),
        (403, Some("forbidden"))
    );
    let (status, _, _) = contributor
        .post(
            "/api/v1/newsroom/articles",
            json!({"title": "Papier", "body": "Texte.", "status": "pending"}),
        )
        .await;
    assert_eq!(status, 201, "a contributor submits");
    let (status, _, refused) = reader
        .post("/api/v1/newsroom/articles", article.clone())
        .await;
    assert_eq!(status, 403);
    assert!(
        refused["error"]["message"]
            .as_str()
            .unwrap()
            .contains("read-only")
    );
    let (status, _, _) = reader.get("/api/v1/newsroom/articles").await;
    assert_eq!(status, 200, "a read-only token reads");
    // An author publishes their own, and cannot see another's.
    let (status, _, theirs) = author
        .post(
            "/api/v1/newsroom/articles",
            json!({"title": "Papier de l'auteur", "body": "Texte.", "status": "published"}),
        )
        .await;
    assert_eq!(status, 201);
    let (_, _, list) = contributor.get("/api/v1/newsroom/articles").await;
    assert_eq!(list["total"], 1, "a contributor lists only their own");
    let (status, _, _) = contributor
        .get(&format!("/api/v1/newsroom/articles/{}", theirs["id"]))
        .await;
    assert_eq!(status, 404);
    let (status, _, _) = author.get("/api/v1/newsroom/articles").await;
    assert_eq!(status, 200);
    // Without a token the newsroom is closed.
    let r = app.get("/api/v1/newsroom/articles").await;
    assert_eq!(r.status().as_u16(), 401);
    assert!(r.headers().contains_key("www-authenticate"));
    app.stop().await;
}

async fn malformed_bodies_get_the_status_http_means(db: TestDb) {
    let app = TestApp::french(db).await;
    let editor = Call {
        app: &app,
        token: token(&app, "redaction@example.org", Role::Editor, false).await,
    };
    let path = "/api/v1/newsroom/articles";
    let (status, _, body) = editor
        .post(
            path,
            json!({"title": "Titre", "body": "Texte.", "titel": "faute", "auteur": "x"}),
        )
        .await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (422, Some("unknown_fields"))
    );
    assert_eq!(body["error"]["fields"]["titel"], "unknown");
    assert_eq!(body["error"]["fields"]["auteur"], "unknown");
    let (status, _, body) = editor.post(path, json!({"title": "", "body": ""})).await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (422, Some("validation_failed"))
    );
    assert_eq!(body["error"]["fields"]["title"], "required");
    assert_eq!(body["error"]["fields"]["body"], "required");
    let (status, _, body) = editor.post(path, json!({"title": 42})).await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (422, Some("validation_failed"))
    );
    let (status, _, body) = editor
        .send(
            editor
                .request(reqwest::Method::POST, path)
                .header("content-type", "application/json")
                .body("{not json"),
        )
        .await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (400, Some("bad_request"))
    );
    let (status, _, body) = editor
        .send(
            editor
                .request(reqwest::Method::POST, path)
                .form(&[("title", "x")]),
        )
        .await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (415, Some("unsupported_media_type"))
    );
    let huge = "a".repeat(3 * 1024 * 1024);
    let (status, _, body) = editor.post(path, json!({"title": "x", "body": huge})).await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (413, Some("payload_too_large"))
    );
    // Two articles cannot share an address.
    let one = json!({"title": "Même titre", "body": "Texte."});
    assert_eq!(editor.post(path, one.clone()).await.0, 201);
    let (status, _, body) = editor.post(path, one).await;
    assert_eq!(
        (status, body["error"]["fields"]["slug"].as_str()),
        (409, Some("slug_taken"))
    );
    app.stop().await;
}

async fn revisions_are_listed_and_restored(db: TestDb) {
    let app = TestApp::french(db).await;
    let editor = Call {
        app: &app,
        token: token(&app, "redaction@example.org", Role::Editor, false).await,
    };
    let (_, headers, made) = editor
        .post(
            "/api/v1/newsroom/articles",
            json!({"title": "Premier jet", "body": "Version A."}),
        )
        .await;
    let path = format!("/api/v1/newsroom/articles/{}", made["id"]);
    let (_, headers, _) = editor
        .patch(
            &path,
            Some(&etag(&headers)),
            json!({"title": "Second jet", "body": "Version B."}),
        )
        .await;
    let (_, _, revisions) = editor.get(&format!("{path}/revisions")).await;
    let revisions = revisions.as_array().unwrap().clone();
    assert_eq!(revisions.len(), 2);
    assert_eq!(revisions[0]["title"], "Second jet");
    let first = revisions[1]["version"].as_i64().unwrap();
    let restore = format!("{path}/revisions/{first}/restore");
    let (status, _, _) = editor
        .send(
            editor
                .request(reqwest::Method::POST, &restore)
                .header("if-match", "\"999\""),
        )
        .await;
    assert_eq!(status, 412);
    let (status, _, restored) = editor
        .send(
            editor
                .request(reqwest::Method::POST, &restore)
                .header("if-match", etag(&headers)),
        )
        .await;
    assert_eq!(status, 200, "{restored}");
    assert_eq!(restored["title"], "Premier jet");
    assert_eq!(restored["body_markdown"], "Version A.");
    app.stop().await;
}

async fn moderators_work_the_comment_queue(db: TestDb) {
    use kiosque_core::model::NewComment;
    use kiosque_core::ports::Store;
    use kiosque_core::types::{CommentStatus, Email};
    let app = TestApp::french(db).await;
    let saved = app
        .store
        .publish_article(&kiosque_testkit::fixtures::french_draft(
            "un-article",
            kiosque_testkit::fixtures::date(0),
        ))
        .await
        .unwrap();
    let comment = app
        .store
        .add_comment(&NewComment {
            article_id: saved.article_id,
            parent_id: None,
            author_name: "Kofi".into(),
            author_email: Email::parse("kofi@example.org").unwrap(),
            author_url: None,
            body: "Le chiffre du deuxième paragraphe est faux.".into(),
            status: CommentStatus::Pending,
            created_at: Utc::now(),
        })
        .await
        .unwrap();
    let editor = Call {
        app: &app,
        token: token(&app, "redaction@example.org", Role::Editor, false).await,
    };
    let author = Call {
        app: &app,
        token: token(&app, "auteur@example.org", Role::Author, false).await,
    };
    let (status, _, queue) = editor.get("/api/v1/newsroom/comments").await;
    assert_eq!(status, 200);
    assert_eq!(queue[0]["id"], comment.id);
    assert_eq!(queue[0]["author_email"], "kofi@example.org");
    let (status, _, _) = author.get("/api/v1/newsroom/comments").await;
    assert_eq!(status, 403, "authors do not moderate");
    let moderate = format!("/api/v1/newsroom/comments/{}/moderate", comment.id);
    let (status, _, _) = author.post(&moderate, json!({"status": "approved"})).await;
    assert_eq!(status, 403);
    let (status, _, _) = editor.post(&moderate, json!({"status": "approved"})).await;
    assert_eq!(status, 204);
    let (status, _, _) = editor.post(&moderate, json!({"status": "hidden"})).await;
    assert_eq!(status, 422, "an unknown state is refused");
    let (status, _, reply) = editor
        .post(
            &format!("/api/v1/newsroom/comments/{}/replies", comment.id),
            json!({"text": "Merci, c'est corrigé."}),
        )
        .await;
    assert_eq!(status, 201, "{reply}");
    assert_eq!(reply["parent_id"], comment.id);
    assert_eq!(reply["status"], "approved");
    app.settled().await;
    let public = app
        .get(&format!("/api/v1/articles/{}/comments", saved.article_id))
        .await
        .text()
        .await
        .unwrap();
    assert!(public.contains("deuxième paragraphe") && public.contains("corrigé"));
    assert!(!public.contains("kofi@example.org"));
    let path = format!("/api/v1/newsroom/comments/{}", comment.id);
    let (status, _, _) = editor
        .send(editor.request(reqwest::Method::DELETE, &path))
        .await;
    assert_eq!(status, 204);
    let (status, _, _) = editor
        .send(editor.request(reqwest::Method::DELETE, &path))
        .await;
    assert_eq!(status, 404);
    let (status, _, _) = editor
        .post(&format!("{path}/replies"), json!({"text": "Trop tard."}))
        .await;
    assert_eq!(status, 404, "no reply under a deleted comment");
    let (status, _, body) = editor
        .post(
            &format!("/api/v1/newsroom/comments/{}/replies", reply["id"]),
            json!({"text": "  "}),
        )
        .await;
    assert_eq!(
        (status, body["error"]["fields"]["text"].as_str()),
        (422, Some("required"))
    );
    app.stop().await;
}

async fn sections_and_tags_are_added_renamed_with_if_match_and_deleted(db: TestDb) {
    let app = TestApp::french(db).await;
    let editor = Call {
        app: &app,
        token: token(&app, "redaction@example.org", Role::Editor, false).await,
    };
    for (kind, public) in [("sections", "/api/v1/sections"), ("tags", "/api/v1/tags")] {
        let add = format!("/api/v1/newsroom/{kind}");
        let (status, headers, made) = editor.post(&add, json!({"name": "Santé publique"})).await;
        assert_eq!(status, 201, "{made}");
        assert_eq!(made["slug"], "sante-publique");
        let id = made["id"].as_i64().unwrap();
        assert_eq!(headers["location"], format!("{public}/{id}"));
        let (status, _, body) = editor.post(&add, json!({"name": "Santé  publique"})).await;
        assert_eq!(
            (status, body["error"]["fields"]["slug"].as_str()),
            (409, Some("term_slug_taken"))
        );
        let (status, _, body) = editor.post(&add, json!({"slug": "sans-nom"})).await;
        assert_eq!(
            (status, body["error"]["fields"]["name"].as_str()),
            (422, Some("required"))
        );

        let one = format!("/api/v1/newsroom/{kind}/{id}");
        let etag = app.get(&format!("{public}/{id}")).await.headers()["etag"]
            .to_str()
            .unwrap()
            .to_owned();
        let (status, _, renamed) = editor
            .patch(&one, Some(&etag), json!({"name": "Santé"}))
            .await;
        assert_eq!(status, 200, "{renamed}");
        assert_eq!(
            (renamed["name"].as_str(), renamed["slug"].as_str()),
            (Some("Santé"), Some("sante-publique"))
        );
        let (status, _, _) = editor
            .patch(&one, Some(&etag), json!({"name": "Perdu"}))
            .await;
        assert_eq!(status, 412, "the old ETag is stale");
        let (status, _, _) = editor.patch(&one, None, json!({"name": "Perdu"})).await;
        assert_eq!(status, 400);
        let (_, _, now) = app_json(&app, &format!("{public}/{id}")).await;
        assert_eq!(now["name"], "Santé");
        let (status, _, _) = editor
            .send(editor.request(reqwest::Method::DELETE, &one))
            .await;
        assert_eq!(status, 204);
        assert_eq!(app.get(&format!("{public}/{id}")).await.status(), 404);
        let (status, _, _) = editor
            .send(editor.request(reqwest::Method::DELETE, &one))
            .await;
        assert_eq!(status, 404);
    }
    app.stop().await;
}

async fn app_json(app: &TestApp, path: &str) -> (u16, reqwest::header::HeaderMap, Value) {
    let r = app.get(path).await;
    let status = r.status().as_u16();
    let headers = r.headers().clone();
    (status, headers, r.json().await.unwrap())
}

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
    let upload = |bytes: Vec<u8>, alt: &str| {
        author
            .request(reqwest::Method::POST, "/api/v1/newsroom/media")
            .multipart(
                reqwest::multipart::Form::new()
                    .part(
                        "file",
                        reqwest::multipart::Part::bytes(bytes).file_name("port.png"),
                    )
                    .text("alt", alt.to_owned())
                    .text("credit", "Awa Diop / Le Courrier"),
            )
    };
    let png = kiosque_media::demo_photo(3, 320, 200, false);
    let (status, headers, photo) = author
        .send(upload(png.clone(), "Des pirogues au port de Soumbédioune"))
        .await;
    assert_eq!(status, 201, "{photo}");
    let id = photo["id"].as_i64().unwrap();
    assert_eq!(headers["location"], format!("/api/v1/newsroom/media/{id}"));
    assert_eq!(photo["alt"], "Des pirogues au port de Soumbédioune");
    assert_eq!(photo["credit"], "Awa Diop / Le Courrier");
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
        .send(upload(b"ceci n est pas une image".to_vec(), "x"))
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
            json!({"caption": "Retour de pêche à Soumbédioune"}),
        )
        .await;
    assert_eq!(status, 200, "{described}");
    assert_eq!(described["caption"], "Retour de pêche à Soumbédioune");
    assert_eq!(described["alt"], "Des pirogues au port de Soumbédioune");
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
