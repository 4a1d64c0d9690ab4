//! Every protected admin action, tried by every role, on both databases:
//! the role split of WordPress (contributor < author < editor <
//! administrator). A refused action is a 403 page; an allowed one is never
//! a 403 (it may still be a 409 or 422 when the request itself is off).
//! The same table drives the API: each action the API offers is tried
//! there too, with a token of each role, and must be allowed to exactly the
//! same roles (refused with 403, or 404 where what is refused must look
//! absent: another writer's article).

use kiosque_core::model::TermKind;
use kiosque_core::ports::{Accounts, Store};
use kiosque_core::types::{CommentStatus, Role};
use kiosque_testkit::fixtures::french_article_source;
use kiosque_testkit::{Newsroom, TestApp, TestDb, both_databases};
use serde_json::json;

both_databases!(each_role_may_do_exactly_what_its_rank_allows);

/// How an action is sent.
enum Send {
    Get,
    Post(Vec<(&'static str, String)>),
    Upload(Vec<(&'static str, String)>),
}

/// One protected action and the lowest role allowed to do it.
struct Action {
    what: &'static str,
    path: String,
    send: Send,
    least: Role,
    /// The same action through the API, if it offers it.
    api: Option<Api>,
}

/// An API request: method, path, JSON body, and whether it names the
/// article's current version in `If-Match`.
struct Api {
    method: reqwest::Method,
    path: String,
    body: Option<serde_json::Value>,
    if_match: Option<IfMatch>,
    /// Sent as a multipart form with a photo in `file` instead of JSON.
    photo: bool,
}

/// Where the `If-Match` of an API request comes from.
enum IfMatch {
    /// An article's current version.
    Version(i64),
    /// The `ETag` of a public object, read just before.
    EtagOf(String),
}

impl Action {
    fn api(
        mut self,
        method: reqwest::Method,
        path: impl Into<String>,
        body: Option<serde_json::Value>,
    ) -> Self {
        self.api = Some(Api {
            method,
            path: path.into(),
            body,
            if_match: None,
            photo: false,
        });
        self
    }

    /// The same action through the API: a photo posted to `path`.
    fn api_photo(mut self, path: impl Into<String>) -> Self {
        self.api = Some(Api {
            method: reqwest::Method::POST,
            path: path.into(),
            body: None,
            if_match: None,
            photo: true,
        });
        self
    }

    /// The API request carries the `ETag` of the public object at `path`.
    fn at_etag_of(mut self, path: impl Into<String>) -> Self {
        if let Some(api) = self.api.as_mut() {
            api.if_match = Some(IfMatch::EtagOf(path.into()));
        }
        self
    }

    /// The API request carries the current version of article `id`.
    fn at_version_of(mut self, id: i64) -> Self {
        if let Some(api) = self.api.as_mut() {
            api.if_match = Some(IfMatch::Version(id));
        }
        self
    }
}

async fn attempt_api(app: &TestApp, token: &str, api: &Api) -> u16 {
    let mut request = app
        .client
        .request(api.method.clone(), app.url(&api.path))
        .bearer_auth(token);
    if let Some(body) = &api.body {
        request = request.json(body);
    }
    if api.photo {
        let png = kiosque_media::demo_photo(6, 64, 48, false);
        request = request.multipart(reqwest::multipart::Form::new().part(
            "file",
            reqwest::multipart::Part::bytes(png).file_name("p.png"),
        ));
    }
    match &api.if_match {
        Some(IfMatch::Version(id)) => {
            let version = app.store.article(*id).await.unwrap().unwrap().version;
            request = request.header("if-match", format!("\"{version}\""));
        }
        Some(IfMatch::EtagOf(path)) => {
            // Read as this token's user: some objects are the newsroom's.
            let read = app
                .client
                .get(app.url(path))
                .bearer_auth(token)
                .send()
                .await
                .unwrap();
            let Some(etag) = read.headers().get("etag").cloned() else {
                // Not readable by this user: the change is tried anyway.
                return request
                    .header("if-match", "\"none\"")
                    .send()
                    .await
                    .unwrap()
                    .status()
                    .as_u16();
            };
            request = request.header("if-match", etag);
        }
        None => {}
    }
    request.send().await.unwrap().status().as_u16()
}

fn get(what: &'static str, path: impl Into<String>, least: Role) -> Action {
    Action {
        what,
        path: path.into(),
        send: Send::Get,
        least,
        api: None,
    }
}

fn post(
    what: &'static str,
    path: impl Into<String>,
    fields: &[(&'static str, &str)],
    least: Role,
) -> Action {
    Action {
        what,
        path: path.into(),
        send: Send::Post(fields.iter().map(|(k, v)| (*k, v.to_string())).collect()),
        least,
        api: None,
    }
}

fn upload(what: &'static str, path: impl Into<String>, least: Role) -> Action {
    Action {
        what,
        path: path.into(),
        send: Send::Upload(vec![("action", "save".to_owned())]),
        least,
        api: None,
    }
}

fn rank(role: Role) -> u8 {
    match role {
        Role::Contributor => 0,
        Role::Author => 1,
        Role::Editor => 2,
        Role::Administrator => 3,
    }
}

async fn attempt(who: &Newsroom<'_>, action: &Action) -> u16 {
    let response = match &action.send {
        Send::Get => who.get(&action.path).await,
        Send::Post(fields) => {
            let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
            who.post(&action.path, &fields).await
        }
        Send::Upload(fields) => {
            let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
            let png = kiosque_media::demo_photo(5, 64, 48, false);
            who.upload(&action.path, &fields, Some(("p.png", png)))
                .await
        }
    };
    response.status().as_u16()
}

async fn unused_image(app: &TestApp, hex: &str) -> i64 {
    app.store
        .save_media(&kiosque_core::model::NewMediaAsset {
            file_name: format!("{}.png", hex.repeat(32)),
            mime: "image/png".into(),
            width: 10,
            height: 10,
            byte_size: 10,
            color: "#000000".into(),
            original_name: format!("{hex}.png"),
        })
        .await
        .unwrap()
        .id
}

async fn each_role_may_do_exactly_what_its_rank_allows(db: TestDb) {
    let app = TestApp::french(db).await;
    // Someone else's published article, with a pending comment.
    let path = app
        .publish(&french_article_source("droits", None), None)
        .await;
    let article = app
        .store
        .article_by_slug(&kiosque_core::types::Slug::parse("droits").unwrap())
        .await
        .unwrap()
        .unwrap();
    let r = app
        .post_form(
            &format!("{path}comments"),
            &[
                ("comment", "Un avis de lecteur."),
                ("name", "Lecteur"),
                ("email", "lecteur@example.org"),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
    let comment = app
        .store
        .comments_with_status(CommentStatus::Pending)
        .await
        .unwrap()[0]
        .comment
        .id;
    let author = app.store.authors().await.unwrap()[0].id;
    let section = app.store.terms(TermKind::Category).await.unwrap()[0].id;
    let tag = app.store.terms(TermKind::Tag).await.unwrap()[0].id;
    let target = app
        .create_user(
            "cible@example.org",
            Role::Contributor,
            "un mot de passe solide",
        )
        .await
        .id;
    let id = article.id;
    // Someone else's article to delete (an editor does; the administrator
    // then finds it gone).
    app.publish(&french_article_source("a-supprimer", None), None)
        .await;
    let doomed = app
        .store
        .article_by_slug(&kiosque_core::types::Slug::parse("a-supprimer").unwrap())
        .await
        .unwrap()
        .unwrap();
    let doomed_v = doomed.version.to_string();
    let doomed = doomed.id;
    // Images nothing uses: one to look at and describe, one to delete (an
    // editor deletes it; the administrator then gets a 404, not a 403).
    let image = unused_image(&app, "ab").await;
    let spare = unused_image(&app, "cd").await;
    let v = article.version.to_string();
    let draft = |status: &'static str| {
        vec![
            ("title", "Un titre"),
            ("body", "Un texte."),
            ("status", status),
        ]
    };
    let actions = vec![
        get("dashboard", "/admin/", Role::Contributor),
        get("article list", "/admin/articles", Role::Contributor),
        get("new article form", "/admin/articles/new", Role::Contributor),
        post(
            "write a draft",
            "/admin/articles/new",
            &draft("draft"),
            Role::Contributor,
        )
        .api(
            reqwest::Method::POST,
            "/api/v1/newsroom/articles",
            Some(json!({"title": "Un brouillon par l'API", "body": "Texte."})),
        ),
        post(
            "submit for review",
            "/admin/articles/new",
            &draft("pending"),
            Role::Contributor,
        )
        .api(
            reqwest::Method::POST,
            "/api/v1/newsroom/articles",
            Some(json!({"title": "Soumis par l'API", "body": "Texte.", "status": "pending"})),
        ),
        post(
            "publish",
            "/admin/articles/new",
            &draft("published"),
            Role::Author,
        )
        .api(
            reqwest::Method::POST,
            "/api/v1/newsroom/articles",
            Some(json!({"title": "Publié par l'API", "body": "Texte.", "status": "published"})),
        ),
        get(
            "open another's article",
            format!("/admin/articles/{id}/edit"),
            Role::Editor,
        )
        .api(
            reqwest::Method::GET,
            format!("/api/v1/newsroom/articles/{id}"),
            None,
        ),
        get(
            "preview another's article",
            format!("/admin/articles/{id}/preview"),
            Role::Editor,
        ),
        get(
            "another's revisions",
            format!("/admin/articles/{id}/revisions"),
            Role::Editor,
        )
        .api(
            reqwest::Method::GET,
            format!("/api/v1/newsroom/articles/{id}/revisions"),
            None,
        ),
        post(
            "edit another's article",
            format!("/admin/articles/{id}/edit"),
            &[
                ("title", "Repris"),
                ("body", "Texte."),
                ("status", "published"),
                ("version", &v),
            ],
            Role::Editor,
        )
        .api(
            reqwest::Method::PATCH,
            format!("/api/v1/newsroom/articles/{id}"),
            Some(json!({"title": "Repris par l'API", "status": "published"})),
        )
        .at_version_of(id),
        post(
            "restore another's revision",
            format!("/admin/articles/{id}/revisions/1/restore"),
            &[("version", &v)],
            Role::Editor,
        )
        .api(
            reqwest::Method::POST,
            format!("/api/v1/newsroom/articles/{id}/revisions/1/restore"),
            None,
        )
        .at_version_of(id),
        upload(
            "photo on another's article",
            format!("/admin/articles/{id}/image"),
            Role::Editor,
        ),
        post(
            "delete another's article",
            format!("/admin/articles/{doomed}/delete"),
            &[("confirm", "yes"), ("version", &doomed_v)],
            Role::Editor,
        )
        .api(
            reqwest::Method::DELETE,
            format!("/api/v1/newsroom/articles/{doomed}"),
            None,
        ),
        get("media library", "/admin/media", Role::Author),
        upload("add to the library", "/admin/media", Role::Author)
            .api_photo("/api/v1/newsroom/media"),
        get(
            "an image's page",
            format!("/admin/media/{image}"),
            Role::Author,
        )
        .api(
            reqwest::Method::GET,
            format!("/api/v1/newsroom/media/{image}"),
            None,
        ),
        post(
            "describe an image",
            format!("/admin/media/{image}"),
            &[("alt", "Une photo"), ("action", "save")],
            Role::Author,
        )
        .api(
            reqwest::Method::PATCH,
            format!("/api/v1/newsroom/media/{image}"),
            Some(json!({"alt": "Une photo du port"})),
        )
        .at_etag_of(format!("/api/v1/newsroom/media/{image}")),
        post(
            "delete an image",
            format!("/admin/media/{spare}"),
            &[("action", "delete")],
            Role::Editor,
        ),
        get("moderation queue", "/admin/comments", Role::Editor).api(
            reqwest::Method::GET,
            "/api/v1/newsroom/comments",
            None,
        ),
        post(
            "approve a comment",
            "/admin/comments",
            &[
                ("status", "pending"),
                ("single", &format!("approve:{comment}")),
            ],
            Role::Editor,
        )
        .api(
            reqwest::Method::POST,
            format!("/api/v1/newsroom/comments/{comment}/moderate"),
            Some(json!({"status": "approved"})),
        ),
        post(
            "reply to a comment",
            format!("/admin/comments/{comment}/reply"),
            &[("body", "Merci pour votre message.")],
            Role::Editor,
        )
        .api(
            reqwest::Method::POST,
            format!("/api/v1/newsroom/comments/{comment}/replies"),
            Some(json!({"text": "Merci pour votre message."})),
        ),
        get("author profiles", "/admin/authors", Role::Editor),
        get(
            "an author profile",
            format!("/admin/authors/{author}"),
            Role::Editor,
        ),
        post(
            "edit an author profile",
            format!("/admin/authors/{author}"),
            &[("name", "Gaëlle Villeneuve")],
            Role::Editor,
        ),
        upload(
            "author portrait",
            format!("/admin/authors/{author}/photo"),
            Role::Editor,
        ),
        get("sections", "/admin/sections", Role::Editor),
        post(
            "add a section",
            "/admin/sections",
            &[("name", "Sport")],
            Role::Editor,
        )
        .api(
            reqwest::Method::POST,
            "/api/v1/newsroom/sections",
            Some(json!({"name": "Culture"})),
        ),
        post(
            "rename a section",
            format!("/admin/sections/{section}"),
            &[
                ("name", "International"),
                ("slug", "international"),
                ("action", "save"),
            ],
            Role::Editor,
        )
        .api(
            reqwest::Method::PATCH,
            format!("/api/v1/newsroom/sections/{section}"),
            Some(json!({"name": "International"})),
        )
        .at_etag_of(format!("/api/v1/sections/{section}")),
        get("tags", "/admin/tags", Role::Editor),
        post(
            "rename a tag",
            format!("/admin/tags/{tag}"),
            &[
                ("name", "Corée du Nord"),
                ("slug", "coree-du-nord"),
                ("action", "save"),
            ],
            Role::Editor,
        )
        .api(
            reqwest::Method::PATCH,
            format!("/api/v1/newsroom/tags/{tag}"),
            Some(json!({"name": "Corée du Nord"})),
        )
        .at_etag_of(format!("/api/v1/tags/{tag}")),
        get("pages", "/admin/pages", Role::Editor),
        get("new page form", "/admin/pages/new", Role::Editor),
        post(
            "add a page",
            "/admin/pages/new",
            &[
                ("title", "Contact"),
                ("body", "Écrivez-nous."),
                ("action", "save"),
            ],
            Role::Editor,
        )
        .api(
            reqwest::Method::POST,
            "/api/v1/newsroom/pages",
            Some(json!({"title": "Mentions légales", "body": "Éditeur : …"})),
        ),
        get("front page", "/admin/front", Role::Editor),
        post(
            "pin a story",
            "/admin/front",
            &[("action", "pin"), ("article", &id.to_string())],
            Role::Editor,
        ),
        get("menus", "/admin/menus", Role::Editor),
        post(
            "add a menu item",
            "/admin/menus",
            &[
                ("action", "add"),
                ("place", "footer"),
                ("target", "link"),
                ("url", "/feed/"),
                ("label", "Flux"),
            ],
            Role::Editor,
        ),
        // Someone else's published article: editors and above.
        get(
            "galleries of an article",
            format!("/admin/articles/{id}/gallery"),
            Role::Editor,
        ),
        get("accounts", "/admin/users", Role::Administrator).api(
            reqwest::Method::GET,
            "/api/v1/newsroom/users",
            None,
        ),
        post(
            "create an account",
            "/admin/users",
            &[
                ("name", "X"),
                ("email", "x"),
                ("role", "author"),
                ("password", ""),
            ],
            Role::Administrator,
        )
        .api(
            reqwest::Method::POST,
            "/api/v1/newsroom/users",
            Some(json!({"name": "X", "email": "x", "role": "author", "password": ""})),
        ),
        post(
            "change a role",
            format!("/admin/users/{target}/role"),
            &[("role", "contributor")],
            Role::Administrator,
        )
        .api(
            reqwest::Method::PATCH,
            format!("/api/v1/newsroom/users/{target}"),
            Some(json!({"role": "contributor"})),
        )
        .at_etag_of(format!("/api/v1/newsroom/users/{target}")),
        get("site settings", "/admin/settings", Role::Administrator).api(
            reqwest::Method::GET,
            "/api/v1/newsroom/settings",
            None,
        ),
        post(
            "change the settings",
            "/admin/settings",
            &[("name", ""), ("time_zone", "UTC")],
            Role::Administrator,
        )
        .api(
            reqwest::Method::PATCH,
            "/api/v1/newsroom/settings",
            Some(json!({"name": ""})),
        )
        .at_etag_of("/api/v1/newsroom/settings"),
        upload("site logo", "/admin/settings/logo", Role::Administrator),
        get("webhooks", "/admin/webhooks", Role::Administrator).api(
            reqwest::Method::GET,
            "/api/v1/webhooks",
            None,
        ),
        post(
            "register a webhook",
            "/admin/webhooks",
            &[
                ("url", "https://hooks.example.org/kiosque"),
                ("events", "article.published"),
            ],
            Role::Administrator,
        )
        .api(
            reqwest::Method::POST,
            "/api/v1/webhooks",
            Some(json!({"url": "https://hooks.example.org/api", "events": ["site.changed"]})),
        ),
    ];
    for role in [
        Role::Contributor,
        Role::Author,
        Role::Editor,
        Role::Administrator,
    ] {
        let who = app.newsroom(&format!("{role}@example.org"), role).await;
        // The dashboard points each role at its own work and its own tools.
        let (_, home) = who.page("/admin/").await;
        let home = home.replace('\u{a0}', " ");
        let sees_reviews = rank(role) >= rank(Role::Editor);
        assert_eq!(
            home.contains("Articles en attente de relecture"),
            sees_reviews,
            "{role}"
        );
        assert_eq!(home.contains("Vos brouillons : 0"), !sees_reviews, "{role}");
        assert_eq!(
            home.contains("href=\"/admin/settings\""),
            role == Role::Administrator
        );
        let user = app
            .store
            .user_by_email(
                &kiosque_core::types::Email::parse(&format!("{role}@example.org")).unwrap(),
            )
            .await
            .unwrap()
            .unwrap();
        let (token, made) = kiosque_core::service::auth::make_api_token(
            user.id,
            "droits",
            false,
            None,
            chrono::Utc::now(),
        )
        .unwrap();
        app.store.create_api_token(&made).await.unwrap();
        for action in &actions {
            if let Some(api) = &action.api {
                let status = attempt_api(&app, &token, api).await;
                if rank(role) >= rank(action.least) {
                    assert!(
                        matches!(status, 200 | 201 | 204 | 409 | 422)
                            || (action.what == "delete another's article" && status == 404),
                        "{role} may {} through the API: got {status}",
                        action.what
                    );
                } else {
                    assert!(
                        matches!(status, 403 | 404),
                        "{role} may not {} through the API: got {status}",
                        action.what
                    );
                }
            }
            let status = attempt(&who, action).await;
            if rank(role) >= rank(action.least) {
                assert!(
                    matches!(status, 200 | 201 | 303 | 409 | 422)
                        || (matches!(action.what, "delete an image" | "delete another's article")
                            && status == 404),
                    "{role} may {}: got {status}",
                    action.what
                );
            } else {
                assert_eq!(status, 403, "{role} may not {}", action.what);
            }
        }
    }
    // What the refused roles tried changed nothing they were refused.
    let site = app.store.site().await.unwrap().unwrap();
    assert_eq!(site.name, "Afrique Première Tv");
}
