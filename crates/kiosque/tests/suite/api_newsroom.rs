//! The newsroom's side of the API on both databases: writing articles
//! with a token, `If-Match`, `Idempotency-Key`, the admin's rules, and
//! every refusal in the error table.

use chrono::Utc;
use kiosque_core::ports::Accounts;
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
    // An image from another site is refused, not fetched; nothing saved.
    let (status, _, body) = editor
        .post(
            path,
            json!({"title": "Avec une image d'ailleurs", "body": "Texte.\n\n![Carte](https://cdn.example.net/carte.png)"}),
        )
        .await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (422, Some("validation_failed"))
    );
    assert_eq!(body["error"]["fields"]["body"], "external_image");
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
    assert_eq!(queue["items"][0]["id"], comment.id);
    assert_eq!(queue["items"][0]["author_email"], "kofi@example.org");
    assert_eq!(queue["total"], 1);
    assert_eq!(queue["next_cursor"], serde_json::Value::Null);
    for bad in ["limit=0", "limit=101", "cursor=x"] {
        let (status, _, _) = editor
            .get(&format!("/api/v1/newsroom/comments?{bad}"))
            .await;
        assert_eq!(status, 400, "{bad}");
    }
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
