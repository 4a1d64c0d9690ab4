//! WordPress's REST API on an imported WordPress site, on both databases:
//! what the old site's integrations stored (ids, addresses) keeps
//! working; npm's `wpapi` and `@wordpress/api-fetch` drive it
//! (`tests/clients/wordpress.test.cjs`); things made after the import
//! never take an imported id.

use kiosque_core::ports::{Accounts as _, Imports as _, Store as _};
use kiosque_testkit::{TestApp, TestDb, both_databases, external_tool};
use serde_json::{Value, json};

both_databases!(
    wordpress_clients_read_an_imported_site_at_its_wordpress_ids,
    things_made_after_an_import_never_take_an_imported_id,
    an_application_password_signs_in_by_email_or_imported_login_until_revoked,
    administrators_read_and_change_settings_through_wordpress_api,
);

/// The fixture's WordPress ids (`fr-news.xml`).
const DOCKERS: i64 = 42;
const BOUAKE: i64 = 57;
const DRAFT: i64 = 60;
const ABOUT_PAGE: i64 = 2;
const PHOTO: i64 = 31;
const AFRIQUE: i64 = 4;
const COTE_D_IVOIRE: i64 = 5;
const GAELLE: i64 = 2;

async fn json_at(app: &TestApp, path: &str) -> (u16, Value) {
    let response = app.get(path).await;
    let status = response.status().as_u16();
    let body = response.text().await.unwrap();
    (
        status,
        serde_json::from_str(&body).unwrap_or_else(|e| panic!("{path}: {e}: {body}")),
    )
}

/// The imported site, its address the test server's (the clients follow
/// the addresses the API gives).
pub async fn imported_site(db: TestDb) -> TestApp {
    let app = TestApp::french(db).await;
    crate::common::import_french_site(&app).await;
    let mut site = app.store.site().await.unwrap().unwrap();
    site.base_url = app.url("").trim_end_matches('/').to_owned();
    app.store.save_site(&site).await.unwrap();
    app.settled().await;
    app
}

async fn wordpress_clients_read_an_imported_site_at_its_wordpress_ids(db: TestDb) {
    let app = imported_site(db).await;

    // Each thing at its WordPress id; a draft, and local ids that an
    // imported thing replaced, answer nothing.
    let (status, post) = json_at(&app, &format!("/wp-json/wp/v2/posts/{DOCKERS}")).await;
    assert_eq!(status, 200, "{post}");
    assert_eq!(post["id"], DOCKERS);
    assert_eq!(post["author"], GAELLE);
    assert_eq!(post["featured_media"], PHOTO);
    assert_eq!(post["categories"], json!([COTE_D_IVOIRE]));
    assert_eq!(
        post["link"],
        app.url("/2024/03/port-abidjan-dockers-reprennent-le-travail/")
    );
    assert!(
        post["date"].as_str().unwrap().len() == 19 && post["date_gmt"].is_string(),
        "WordPress's dates have no zone: {post}"
    );
    let (status, error) = json_at(&app, &format!("/wp-json/wp/v2/posts/{DRAFT}")).await;
    assert_eq!(
        (status, &error["code"]),
        (404, &json!("rest_post_invalid_id"))
    );
    assert_eq!(error["data"]["status"], 404);
    let (status, _) = json_at(&app, "/wp-json/wp/v2/posts/1").await;
    assert_eq!(status, 404, "a local id an imported post replaced");
    let (status, page) = json_at(&app, &format!("/wp-json/wp/v2/pages/{ABOUT_PAGE}")).await;
    assert_eq!((status, &page["slug"]), (200, &json!("qui-sommes-nous")));
    let (status, photo) = json_at(&app, &format!("/wp-json/wp/v2/media/{PHOTO}")).await;
    assert_eq!(status, 200, "{photo}");
    assert_eq!(photo["post"], DOCKERS);
    assert!(photo["media_details"]["sizes"]["full"]["source_url"].is_string());
    let (_, category) = json_at(&app, &format!("/wp-json/wp/v2/categories/{COTE_D_IVOIRE}")).await;
    assert_eq!(category["parent"], AFRIQUE);
    let (_, user) = json_at(&app, &format!("/wp-json/wp/v2/users/{GAELLE}")).await;
    assert_eq!(user["name"], "Gaëlle Villeneuve");
    // Filters name WordPress ids too.
    let (_, listed) = json_at(
        &app,
        &format!("/wp-json/wp/v2/posts?categories={COTE_D_IVOIRE}&_fields=id"),
    )
    .await;
    assert_eq!(listed, json!([{"id": BOUAKE}, {"id": DOCKERS}]));
    let (_, listed) = json_at(
        &app,
        &format!("/wp-json/wp/v2/posts?author={GAELLE}&_fields=id"),
    )
    .await;
    assert_eq!(listed, json!([{"id": DOCKERS}]));
    // The same through `?rest_route=`, the fallback of sites without
    // pretty addresses, and the discovery link on every page.
    let (status, same) = json_at(&app, &format!("/?rest_route=/wp/v2/posts/{DOCKERS}")).await;
    assert_eq!((status, &same["id"]), (200, &json!(DOCKERS)));
    let home = app.get("/").await;
    let link = home.headers()["link"].to_str().unwrap().to_owned();
    assert_eq!(
        link,
        format!("<{}>; rel=\"https://api.w.org/\"", app.url("/wp-json/"))
    );
    assert!(home.text().await.unwrap().contains(&format!(
        "<link rel=\"https://api.w.org/\" href=\"{}\">",
        app.url("/wp-json/")
    )));

    let Some(modules) = external_tool(
        "KIOSQUE_TEST_NODE_MODULES",
        "WordPress and Ghost API clients (npm wpapi, @wordpress/api-fetch, @tryghost/content-api)",
        ".ci/tools/node_modules (npm ci --prefix .ci/tools)",
    ) else {
        return;
    };
    // An editor's Application Password, made with the CLI (printed
    // alone on its last line).
    app.store
        .create_user(&kiosque_core::model::NewUser {
            email: kiosque_core::types::Email::parse("redaction@echo-lagune.example").unwrap(),
            name: "Rédaction".into(),
            role: kiosque_core::types::Role::Editor,
            password_hash: None,
            created_at: chrono::Utc::now(),
        })
        .await
        .unwrap();
    let out = crate::common::kiosque_on(
        &app,
        &[
            "user".as_ref(),
            "app-password".as_ref(),
            "redaction@echo-lagune.example".as_ref(),
            "--name".as_ref(),
            "Application mobile".as_ref(),
        ],
    )
    .await;
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let printed = String::from_utf8(out.stdout).unwrap();
    let password = printed.lines().last().unwrap().to_owned();
    assert_eq!(password.len(), 29, "{printed}");
    let photo_file = app.db.dir.path().join("berges.jpg");
    std::fs::write(&photo_file, kiosque_media::photo_like(7, 800, 600)).unwrap();
    let facts = json!({
        "login": "redaction@echo-lagune.example",
        "app_password": password,
        "photo_file": photo_file,
        "published": [DOCKERS, BOUAKE],
        "draft": DRAFT,
        "post": DOCKERS,
        "author_name": "Gaëlle Villeneuve",
        "category_parents": [[COTE_D_IVOIRE, AFRIQUE]],
        "approved_comments": [501, 502, 503],
        "private": [
            "eloise@lecteurs.example",
            "moussa@lecteurs.example",
            "gaelle@echo-lagune.example",
            "kofi@echo-lagune.example",
            "promo@spam.example",
            "awa@lecteurs.example",
        ],
    });
    node_test(&modules, "wordpress.test.cjs", &app.url(""), &facts).await;
}

/// Runs a client test file of `tests/clients/` under `node --test`.
pub async fn node_test(modules: &std::path::Path, file: &str, site: &str, facts: &Value) {
    let script = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/clients")
        .join(file);
    let out = tokio::process::Command::new("node")
        .arg("--test")
        .arg("--test-reporter=spec")
        .arg(&script)
        .env("NODE_PATH", modules)
        .env("KIOSQUE_WP_SITE", site.trim_end_matches('/'))
        .env("KIOSQUE_WP_FACTS", facts.to_string())
        .kill_on_drop(true)
        .output()
        .await
        .expect("node (install Node.js to run the API client tests)");
    let report = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "{file} failed:\n{report}");
    // The tests ran (a file that loads nothing passes too).
    assert!(
        report.contains("ℹ fail 0") && !report.contains("ℹ pass 0"),
        "{report}"
    );
}

async fn things_made_after_an_import_never_take_an_imported_id(db: TestDb) {
    let app = imported_site(db).await;
    let first = app.publish("---\ntitle: Premier après\nslug: premier-apres\nauthor: Awa Diop\ndate: 2024-05-01T10:00:00Z\n---\nTexte.\n", None).await;
    let second = app.publish("---\ntitle: Second après\nslug: second-apres\nauthor: Awa Diop\ndate: 2024-05-02T10:00:00Z\n---\nTexte.\n", None).await;
    let local = |path: &str| {
        let slug = path
            .trim_end_matches('/')
            .rsplit('/')
            .next()
            .unwrap()
            .to_owned();
        let store = app.store.clone();
        async move {
            store
                .article_by_slug(&kiosque_core::types::Slug::parse(&slug).unwrap())
                .await
                .unwrap()
                .unwrap()
                .id
        }
    };
    let (a, b) = (local(&first).await, local(&second).await);
    // Say `b` came from another WordPress site where it had `a`'s number:
    // `b` answers there, and `a` moves out of every WordPress id's way.
    app.store
        .remember_import("https://autre.example", "post", &a.to_string(), b)
        .await
        .unwrap();
    let (_, listed) = json_at(&app, "/wp-json/wp/v2/posts?per_page=100&_fields=id,slug").await;
    let ids: Vec<i64> = listed
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["id"].as_i64().unwrap())
        .collect();
    let mut unique = ids.clone();
    unique.sort_unstable();
    unique.dedup();
    assert_eq!(unique.len(), ids.len(), "one id each: {listed}");
    assert!(ids.contains(&DOCKERS) && ids.contains(&BOUAKE));
    let (_, at_a) = json_at(&app, &format!("/wp-json/wp/v2/posts/{a}?_fields=slug")).await;
    assert_eq!(at_a["slug"], "second-apres");
    let aliased = 1_000_000_000 + a;
    let (_, moved) = json_at(
        &app,
        &format!("/wp-json/wp/v2/posts/{aliased}?_fields=id,slug"),
    )
    .await;
    assert_eq!(moved, json!({"id": aliased, "slug": "premier-apres"}));
    let (status, _) = json_at(&app, &format!("/wp-json/wp/v2/posts/{b}")).await;
    assert_eq!(status, 404, "`b` answers at its imported id only");
}

/// `GET /wp-json/wp/v2/users/me` with HTTP Basic.
async fn me(app: &TestApp, login: &str, password: &str) -> (u16, Value) {
    let r = app
        .client
        .get(app.url("/wp-json/wp/v2/users/me"))
        .basic_auth(login, Some(password))
        .send()
        .await
        .unwrap();
    (r.status().as_u16(), r.json().await.unwrap())
}

async fn an_application_password_signs_in_by_email_or_imported_login_until_revoked(db: TestDb) {
    let app = imported_site(db).await;
    // Made on the account page: shown once, listed, revoked.
    let newsroom = app
        .newsroom("awa@example.org", kiosque_core::types::Role::Author)
        .await;
    let made = newsroom
        .post("/admin/account/app-passwords", &[("name", "Zapier")])
        .await;
    assert_eq!(made.status().as_u16(), 201);
    assert_eq!(made.headers()["cache-control"], "no-store");
    let page = made.text().await.unwrap();
    let password = page
        .split("id=\"new-app-password\" type=\"text\" readonly value=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("the password is shown once")
        .to_owned();
    let (status, body) = me(&app, "awa@example.org", &password).await;
    assert_eq!(status, 200, "{body}");
    // Without its spaces too, as some clients send it.
    let (status, _) = me(&app, "awa@example.org", &password.replace(' ', "")).await;
    assert_eq!(status, 200);
    let (_, listed) = newsroom.page("/admin/account").await;
    assert!(listed.contains("Zapier") && !listed.contains(&password));
    let (status, error) = me(&app, "awa@example.org", "abcd efgh ijkl mnop qrst uvwx").await;
    assert_eq!(
        (status, &error["code"]),
        (401, &json!("incorrect_password"))
    );
    let (status, error) = me(&app, "nobody@example.org", &password).await;
    assert_eq!((status, &error["code"]), (401, &json!("invalid_email")));
    let id = app
        .store
        .app_passwords(newsroom_user_id(&app, "awa@example.org").await)
        .await
        .unwrap()[0]
        .0
        .id;
    let revoked = newsroom
        .post(&format!("/admin/account/app-passwords/{id}/revoke"), &[])
        .await;
    assert_eq!(revoked.status().as_u16(), 303);
    let (status, _) = me(&app, "awa@example.org", &password).await;
    assert_eq!(status, 401, "a revoked password signs nobody in");
    let bad = newsroom
        .post("/admin/account/app-passwords", &[("name", " ")])
        .await;
    assert_eq!(bad.status().as_u16(), 422);

    // An imported account signs in with its WordPress login.
    let gaelle = newsroom_user_id(&app, "gaelle@echo-lagune.example").await;
    let (password, new) =
        kiosque_core::service::auth::make_app_password(gaelle, "Appli", chrono::Utc::now())
            .unwrap();
    app.store.create_app_password(&new).await.unwrap();
    let (status, body) = me(&app, "gaelle", &password).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["id"], GAELLE);
    assert_eq!(body["name"], "Gaëlle Villeneuve");
}

async fn newsroom_user_id(app: &TestApp, email: &str) -> i64 {
    app.store
        .user_by_email(&kiosque_core::types::Email::parse(email).unwrap())
        .await
        .unwrap()
        .unwrap()
        .id
}

async fn administrators_read_and_change_settings_through_wordpress_api(db: TestDb) {
    use kiosque_core::types::Role;
    let app = imported_site(db).await;
    let password_of = |email: &'static str, role: Role| {
        let app = &app;
        async move {
            let user = app
                .store
                .create_user(&kiosque_core::model::NewUser {
                    email: kiosque_core::types::Email::parse(email).unwrap(),
                    name: email.into(),
                    role,
                    password_hash: None,
                    created_at: chrono::Utc::now(),
                })
                .await
                .unwrap();
            let (password, new) = kiosque_core::service::auth::make_app_password(
                user.id,
                "Script",
                chrono::Utc::now(),
            )
            .unwrap();
            app.store.create_app_password(&new).await.unwrap();
            password
        }
    };
    let admin = password_of("admin@example.org", Role::Administrator).await;
    let editor = password_of("editor@example.org", Role::Editor).await;
    let settings = |login: Option<(&'static str, String)>, body: Option<Value>| {
        let app = &app;
        async move {
            let mut request = match &body {
                Some(b) => app.client.post(app.url("/wp-json/wp/v2/settings")).json(b),
                None => app.client.get(app.url("/wp-json/wp/v2/settings")),
            };
            if let Some((login, password)) = login {
                request = request.basic_auth(login, Some(password));
            }
            let r = request.send().await.unwrap();
            (r.status().as_u16(), r.json::<Value>().await.unwrap())
        }
    };
    let (status, error) = settings(None, None).await;
    assert_eq!((status, &error["code"]), (401, &json!("rest_forbidden")));
    let (status, _) = settings(Some(("editor@example.org", editor)), None).await;
    assert_eq!(status, 403);
    let (status, shown) = settings(Some(("admin@example.org", admin.clone())), None).await;
    assert_eq!(status, 200, "{shown}");
    assert!(shown["timezone"].is_string() && shown["language"] == "fr_FR");
    // The fields of WordPress's own settings schema (.ci/wordpress-schemas),
    // but the administrator's e-mail address, which is not published here.
    let schema: Value =
        serde_json::from_str(include_str!("../fixtures/wordpress-schemas/settings.json")).unwrap();
    let mut expected: Vec<&String> = schema["properties"]
        .as_object()
        .unwrap()
        .keys()
        .filter(|k| *k != "email")
        .collect();
    expected.sort();
    let mut got: Vec<&String> = shown.as_object().unwrap().keys().collect();
    got.sort();
    assert_eq!(got, expected);
    let (status, changed) = settings(
        Some(("admin@example.org", admin.clone())),
        Some(json!({"title": "L'Écho du Plateau", "timezone": "Africa/Abidjan"})),
    )
    .await;
    assert_eq!(status, 200, "{changed}");
    assert_eq!(changed["title"], "L'Écho du Plateau");
    let (_, index) = json_at(&app, "/wp-json/").await;
    assert_eq!(index["name"], "L'Écho du Plateau");
    assert_eq!(index["timezone_string"], "Africa/Abidjan");
    let (status, refused) = settings(
        Some(("admin@example.org", admin.clone())),
        Some(json!({"timezone": "Mars/Olympus"})),
    )
    .await;
    assert_eq!(
        (status, &refused["code"]),
        (400, &json!("rest_invalid_param"))
    );

    // `_method` stands for the method a client cannot send.
    let made: Value = app
        .client
        .post(app.url("/wp-json/wp/v2/posts"))
        .basic_auth("admin@example.org", Some(&admin))
        .form(&[("title", "Éphémère"), ("content", "<p>Un instant.</p>")])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let id = made["id"].as_i64().expect("made");
    let gone = app
        .client
        .post(app.url(&format!(
            "/wp-json/wp/v2/posts/{id}?_method=DELETE&force=true"
        )))
        .basic_auth("admin@example.org", Some(&admin))
        .send()
        .await
        .unwrap();
    assert_eq!(gone.status().as_u16(), 200);
    let gone: Value = gone.json().await.unwrap();
    assert_eq!(gone["deleted"], true);
    assert_eq!(gone["previous"]["title"]["raw"], "Éphémère");
}
