//! The JSON API over HTTP on both databases: the public content side
//! (filters, fields, embeds, cursors, ETags) and personal tokens.

use chrono::{Duration, Utc};
use kiosque_core::model::{ArticleType, NewComment};
use kiosque_core::ports::{Accounts, Store};
use kiosque_core::service::auth;
use kiosque_core::types::{ArticleStatus, CommentStatus, Email, Locale, Role, Slug};
use kiosque_testkit::fixtures::{date, french_draft};
use kiosque_testkit::{TestApp, TestDb, both_databases};
use serde_json::Value;

both_databases!(
    the_content_api_lists_published_articles_with_filters_fields_and_embeds,
    a_client_walks_every_article_by_cursor_and_revalidates_with_etags,
    drafts_private_fields_and_unknown_addresses_stay_out_of_the_api,
    tokens_are_checked_on_every_endpoint_and_limited_per_token,
    a_writer_makes_uses_and_revokes_a_token_from_the_account_page,
    a_failure_behind_the_api_is_a_bare_500,
);

/// Publishes `n` articles a minute apart (the newest last), alternating
/// two sections; the third is an opinion tagged "COP 29".
async fn newsroom_articles(app: &TestApp, n: i64) {
    for i in 0..n {
        let mut d = french_draft(&format!("article-{i}"), date(i));
        let (slug, name) = if i % 2 == 0 {
            ("politique", "Politique")
        } else {
            ("economie", "Économie")
        };
        d.category = Some((Slug::parse(slug).unwrap(), name.into()));
        if i == 2 {
            d.editorial.article_type = ArticleType::Opinion;
            d.tags = vec![(Slug::parse("cop-29").unwrap(), "COP 29".into())];
        }
        app.store.publish_article(&d).await.unwrap();
    }
}

async fn json(app: &TestApp, path: &str) -> (u16, Value) {
    let r = app.get(path).await;
    let status = r.status().as_u16();
    assert_eq!(
        r.headers()["content-type"],
        "application/json",
        "{path} answers JSON"
    );
    (status, r.json().await.expect("JSON"))
}

fn titles(list: &Value) -> Vec<String> {
    list["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|a| a["slug"].as_str().unwrap_or_default().to_owned())
        .collect()
}

async fn the_content_api_lists_published_articles_with_filters_fields_and_embeds(db: TestDb) {
    let app = TestApp::french(db).await;
    newsroom_articles(&app, 5).await;

    let (status, all) = json(&app, "/api/v1/articles").await;
    assert_eq!(status, 200);
    assert_eq!(all["total"], 5);
    assert_eq!(
        titles(&all),
        [
            "article-4",
            "article-3",
            "article-2",
            "article-1",
            "article-0"
        ]
    );
    let first = &all["items"][0];
    assert_eq!(
        first["url"],
        format!(
            "https://news.example.org{}",
            app.path_of(
                &app.store
                    .article_by_slug(&Slug::parse("article-4").unwrap())
                    .await
                    .unwrap()
                    .unwrap()
            )
            .await
        )
    );
    // Times carry the site's offset; bodies are HTML; no embed unless asked.
    assert!(first["published_at"].as_str().unwrap().ends_with("+00:00"));
    assert!(first["body_html"].as_str().unwrap().contains("<p>"));
    assert!(first.get("author").is_none());

    let (_, politics) = json(&app, "/api/v1/articles?section=politique").await;
    assert_eq!(titles(&politics), ["article-4", "article-2", "article-0"]);
    let (_, opinion) = json(&app, "/api/v1/articles?section=politique&type=opinion").await;
    assert_eq!(titles(&opinion), ["article-2"]);
    let (_, tagged) = json(&app, "/api/v1/articles?tag=cop-29").await;
    assert_eq!(titles(&tagged), ["article-2"]);
    let after = urlencoding(&date(3).to_rfc3339());
    let (_, recent) = json(&app, &format!("/api/v1/articles?published_after={after}")).await;
    assert_eq!(titles(&recent), ["article-4", "article-3"]);
    let (_, nobody) = json(&app, "/api/v1/articles?section=sport").await;
    assert_eq!(
        (nobody["total"].as_u64(), titles(&nobody).len()),
        (Some(0), 0)
    );

    let (_, slim) = json(
        &app,
        "/api/v1/articles?limit=1&fields=title,url&embed=author,section,tags,photo",
    )
    .await;
    let item = slim["items"][0].as_object().unwrap();
    let mut keys: Vec<&str> = item.keys().map(String::as_str).collect();
    keys.sort_unstable();
    assert_eq!(
        keys,
        ["author", "id", "photo", "section", "tags", "title", "url"]
    );
    assert_eq!(item["section"]["slug"], "politique");
    assert!(item["author"]["url"].as_str().unwrap().contains("/author/"));
    assert!(item["author"].get("email").is_none());
    assert_eq!(item["photo"], Value::Null);

    for (bad, says) in [
        ("limit=0", "limit"),
        ("limit=abc", "limit"),
        ("type=rumour", "type"),
        ("fields=title,password", "fields"),
        ("embed=comments", "embed"),
        ("published_after=yesterday", "published_after"),
        ("cursor=nonsense", "cursor"),
        ("section=Not%20A%20Slug", "section"),
    ] {
        let (status, body) = json(&app, &format!("/api/v1/articles?{bad}")).await;
        assert_eq!(status, 400, "{bad}");
        assert_eq!(body["error"]["code"], "bad_request");
        assert!(
            body["error"]["message"].as_str().unwrap().contains(says),
            "{bad}: {body}"
        );
    }

    // One article by id or slug; sections, tags, authors, the site.
    let id = first["id"].as_i64().unwrap();
    let (_, by_id) = json(&app, &format!("/api/v1/articles/{id}")).await;
    let (_, by_slug) = json(&app, "/api/v1/articles/article-4").await;
    assert_eq!(by_id, by_slug);
    let (_, sections) = json(&app, "/api/v1/sections").await;
    assert_eq!(sections.as_array().unwrap().len(), 2);
    let (_, tags) = json(&app, "/api/v1/tags").await;
    assert_eq!(tags["items"][0]["name"], "COP 29");
    let (status, tag) = json(&app, "/api/v1/tags/cop-29").await;
    assert_eq!((status, tag["slug"].as_str()), (200, Some("cop-29")));
    let (_, authors) = json(&app, "/api/v1/authors").await;
    let author = authors[0]["slug"].as_str().unwrap().to_owned();
    let (status, profile) = json(&app, &format!("/api/v1/authors/{author}")).await;
    assert_eq!(status, 200);
    assert!(profile["profile"].is_object());
    // The reference page lists every operation of the document.
    let (status, reference) = app.page("/api/v1/docs").await;
    assert_eq!(status, 200);
    let (_, document) = json(&app, "/api/v1/openapi.json").await;
    for (path, item) in document["paths"].as_object().unwrap() {
        for method in item.as_object().unwrap().keys() {
            let shown = format!("{} {path}", method.to_uppercase());
            assert!(reference.contains(&shown), "{shown} is in the reference");
        }
    }
    let (_, site) = json(&app, "/api/v1/site").await;
    assert_eq!(
        (site["name"].as_str(), site["language"].as_str()),
        (Some("Afrique Première Tv"), Some("fr"))
    );
    app.stop().await;
}

fn urlencoding(text: &str) -> String {
    url::form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

async fn a_client_walks_every_article_by_cursor_and_revalidates_with_etags(db: TestDb) {
    let app = TestApp::french(db).await;
    newsroom_articles(&app, 7).await;
    let mut seen = Vec::new();
    let mut next = "/api/v1/articles?limit=3&fields=slug".to_owned();
    loop {
        let (status, page) = json(&app, &next).await;
        assert_eq!(status, 200);
        // The total counts what is published now (one more after the first page).
        assert_eq!(page["total"], if seen.is_empty() { 7 } else { 8 });
        seen.extend(titles(&page));
        // An article published meanwhile does not shift what follows.
        if seen.len() == 3 {
            let d = french_draft("article-nouveau", date(100));
            app.store.publish_article(&d).await.unwrap();
        }
        match page["next_cursor"].as_str() {
            Some(cursor) => next = format!("/api/v1/articles?limit=3&fields=slug&cursor={cursor}"),
            None => break,
        }
    }
    let expected: Vec<String> = (0..7).rev().map(|i| format!("article-{i}")).collect();
    assert_eq!(seen, expected);
    // The publication above invalidates the API's cached answers once the
    // page cache has followed the change log; wait for it, or it may drop
    // the entry between the two requests below.
    app.settled().await;

    // Bare addresses are kept in the page cache, as pages are.
    app.get("/api/v1/articles/article-5").await;
    let again = app.get("/api/v1/articles/article-5").await;
    assert_eq!(again.headers()["x-kiosque-cache"], "hit");
    assert_eq!(again.headers()["content-type"], "application/json");
    // Asked again with its ETag: 304, no body; changed: 200 and a new tag.
    for path in ["/api/v1/articles?limit=2", "/api/v1/articles/article-6"] {
        let first = app.get(path).await;
        let etag = first.headers()["etag"].to_str().unwrap().to_owned();
        let again = app
            .client
            .get(app.url(path))
            .header("if-none-match", &etag)
            .send()
            .await
            .unwrap();
        assert_eq!(again.status().as_u16(), 304, "{path}");
        assert!(again.bytes().await.unwrap().is_empty());
        let mut d = french_draft("article-6", date(6));
        d.title = kiosque_core::types::Title::parse(&format!("Un titre revu pour {path}")).unwrap();
        app.store.publish_article(&d).await.unwrap();
        app.settled().await;
        let changed = app
            .client
            .get(app.url(path))
            .header("if-none-match", &etag)
            .send()
            .await
            .unwrap();
        assert_eq!(changed.status().as_u16(), 200, "{path}");
        assert_ne!(changed.headers()["etag"].to_str().unwrap(), etag);
    }
    app.stop().await;
}

async fn drafts_private_fields_and_unknown_addresses_stay_out_of_the_api(db: TestDb) {
    let app = TestApp::french(db).await;
    newsroom_articles(&app, 1).await;
    let mut draft = french_draft("brouillon", date(10));
    draft.status = ArticleStatus::Draft;
    let saved = app.store.publish_article(&draft).await.unwrap();
    for path in [
        format!("/api/v1/articles/{}", saved.article_id),
        "/api/v1/articles/brouillon".to_owned(),
        format!("/api/v1/articles/{}/comments", saved.article_id),
        "/api/v1/nothing-here".to_owned(),
        "/api/v2/articles".to_owned(),
    ] {
        let (status, body) = json(&app, &path).await;
        assert_eq!(
            (status, body["error"]["code"].as_str()),
            (404, Some("not_found")),
            "{path}"
        );
    }
    let (_, list) = json(&app, "/api/v1/articles").await;
    assert_eq!(titles(&list), ["article-0"]);

    // Comments: approved ones only, the commenter's address never shown.
    let article = app
        .store
        .article_by_slug(&Slug::parse("article-0").unwrap())
        .await
        .unwrap()
        .unwrap();
    for (status, body) in [
        (CommentStatus::Approved, "Merci pour cet article."),
        (CommentStatus::Pending, "En attente."),
    ] {
        app.store
            .add_comment(&NewComment {
                article_id: article.id,
                parent_id: None,
                author_name: "Kofi".into(),
                author_email: Email::parse("kofi@example.org").unwrap(),
                author_url: None,
                body: body.into(),
                status,
                created_at: Utc::now(),
            })
            .await
            .unwrap();
    }
    let r = app.get("/api/v1/articles/article-0/comments").await;
    let text = r.text().await.unwrap();
    assert!(text.contains("Merci pour cet article."));
    assert!(!text.contains("En attente."));
    assert!(!text.contains("kofi@example.org"));

    // A method the address does not take: 405 in the error shape.
    let r = app
        .client
        .delete(app.url("/api/v1/articles"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 405);
    assert!(r.headers().contains_key("allow"));
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["error"]["code"], "method_not_allowed");
    app.stop().await;
}

async fn tokens_are_checked_on_every_endpoint_and_limited_per_token(db: TestDb) {
    let app = TestApp::start(db, Locale::Fr, |s| {
        s.web.api_burst = 3;
        s.web.api_interval = std::time::Duration::from_secs(60);
    })
    .await;
    newsroom_articles(&app, 1).await;
    let user = app
        .create_user("awa@example.org", Role::Editor, "un mot de passe long")
        .await;
    let now = Utc::now();
    let make = |name: &str, days: Option<u32>| {
        auth::make_api_token(user.id, name, false, days, now).unwrap()
    };
    let (good, token) = make("Appli", None);
    let made = app.store.create_api_token(&token).await.unwrap();
    let (revoked, token) = make("Ancienne", None);
    let old = app.store.create_api_token(&token).await.unwrap();
    app.store
        .revoke_api_token(user.id, old.id, now)
        .await
        .unwrap();
    let (expired, mut token) = make("Expirée", Some(1));
    token.expires_at = Some(now - Duration::minutes(1));
    app.store.create_api_token(&token).await.unwrap();

    let with = |value: String| {
        let app = &app;
        async move {
            let r = app
                .client
                .get(app.url("/api/v1/site"))
                .header("authorization", value)
                .send()
                .await
                .unwrap();
            let status = r.status().as_u16();
            let cache = r
                .headers()
                .get("cache-control")
                .map(|v| v.to_str().unwrap().to_owned());
            let body: Value = r.json().await.unwrap();
            (status, cache, body)
        }
    };
    for (header, why) in [
        (format!("Bearer {revoked}"), "revoked"),
        (format!("Bearer {expired}"), "expired"),
        ("Bearer kq_0000".to_owned(), "not known"),
        (format!("Basic {good}"), "Bearer"),
    ] {
        let (status, _, body) = with(header.clone()).await;
        assert_eq!(status, 401, "{header}");
        assert_eq!(body["error"]["code"], "invalid_token");
        assert!(
            body["error"]["message"].as_str().unwrap().contains(why),
            "{body}"
        );
    }
    // A good token reads, privately, and its use is noted.
    let (status, cache, _) = with(format!("Bearer {good}")).await;
    assert_eq!(status, 200);
    assert_eq!(cache.as_deref(), Some("private, no-cache"));
    let listed = app.store.api_tokens(user.id).await.unwrap();
    let used = listed.iter().find(|t| t.id == made.id).unwrap();
    assert!(used.last_used_at.is_some());
    // Three at once, then wait: 429 with Retry-After; others are not slowed.
    with(format!("Bearer {good}")).await;
    with(format!("Bearer {good}")).await;
    let r = app
        .client
        .get(app.url("/api/v1/site"))
        .header("authorization", format!("Bearer {good}"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 429);
    let wait: u64 = r.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=60).contains(&wait));
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["error"]["code"], "rate_limited");
    let (status, _) = json(&app, "/api/v1/site").await;
    assert_eq!(status, 200, "readers without a token are not limited by it");
    app.stop().await;
}

async fn a_writer_makes_uses_and_revokes_a_token_from_the_account_page(db: TestDb) {
    let app = TestApp::french(db).await;
    let newsroom = app.newsroom("awa@example.org", Role::Author).await;
    let made = newsroom
        .post(
            "/admin/account/tokens",
            &[
                ("name", "Appli mobile"),
                ("expires", "30"),
                ("read_only", "on"),
            ],
        )
        .await;
    assert_eq!(made.status().as_u16(), 201);
    assert_eq!(made.headers()["cache-control"], "no-store");
    let page = made.text().await.unwrap();
    let secret = page
        .split("value=\"")
        .filter_map(|rest| rest.split('"').next())
        .find(|v| v.starts_with("kq_"))
        .expect("the token is shown once")
        .to_owned();
    let me = |secret: String| {
        let app = &app;
        async move {
            app.client
                .get(app.url("/api/v1/me"))
                .bearer_auth(secret)
                .send()
                .await
                .unwrap()
        }
    };
    let r = me(secret.clone()).await;
    assert_eq!(r.status().as_u16(), 200);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["token"]["read_only"], true);
    // Listed on the page, never shown again; then revoked.
    let (_, listed) = newsroom.page("/admin/account").await;
    assert!(listed.contains("Appli mobile"));
    assert!(!listed.contains(&secret));
    let id = body["token"]["id"].as_i64().unwrap();
    let other = app
        .newsroom("kofi@example.org", Role::Administrator)
        .await
        .post(&format!("/admin/account/tokens/{id}/revoke"), &[])
        .await;
    assert_eq!(other.status().as_u16(), 404, "only its owner revokes it");
    let revoked = newsroom
        .post(&format!("/admin/account/tokens/{id}/revoke"), &[])
        .await;
    assert_eq!(revoked.status().as_u16(), 303);
    assert_eq!(me(secret).await.status().as_u16(), 401);
    let bad = newsroom
        .post("/admin/account/tokens", &[("name", " "), ("expires", "")])
        .await;
    assert_eq!(bad.status().as_u16(), 422);
    app.stop().await;
}

/// A store that fails (a table gone behind the server's back) gives the
/// generic 500 of the error table: the code, never the cause.
async fn a_failure_behind_the_api_is_a_bare_500(db: TestDb) {
    let app = TestApp::french(db).await;
    let admin = app
        .create_user(
            "admin@example.org",
            Role::Administrator,
            "un mot de passe long",
        )
        .await;
    let (secret, token) = auth::make_api_token(admin.id, "Tests", false, None, Utc::now()).unwrap();
    app.store.create_api_token(&token).await.unwrap();
    let list = || {
        app.client
            .get(app.url("/api/v1/webhooks"))
            .bearer_auth(&secret)
            .send()
    };
    assert_eq!(list().await.unwrap().status(), 200);
    app.db.execute("DROP TABLE webhook_subscriptions").await;
    let r = list().await.unwrap();
    assert_eq!(r.status(), 500);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["error"]["code"], "internal_error");
    let message = body["error"]["message"].as_str().unwrap();
    assert!(!message.contains("webhook_subscriptions"), "{message}");
}
