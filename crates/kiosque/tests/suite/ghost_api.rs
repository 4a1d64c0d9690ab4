//! Ghost's Content API on an imported site, on both databases, read by
//! Ghost's own client (npm `@tryghost/content-api`,
//! `tests/clients/ghost.test.cjs`); keys made with `kiosque content-key`.

use kiosque_testkit::{TestDb, both_databases, external_tool};
use serde_json::{Value, json};

use crate::wp_api::{imported_site, node_test};

both_databases!(
    ghost_clients_read_the_site_with_a_content_key,
    administrators_make_and_revoke_content_keys_in_the_admin,
);

async fn ghost_clients_read_the_site_with_a_content_key(db: TestDb) {
    let app = imported_site(db).await;
    let out = crate::common::kiosque_on(
        &app,
        &[
            "content-key".as_ref(),
            "create".as_ref(),
            "--name".as_ref(),
            "Site Next.js".as_ref(),
        ],
    )
    .await;
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let printed = String::from_utf8(out.stdout).unwrap();
    let key = printed.lines().last().unwrap().to_owned();
    assert!(
        key.len() == 26 && key.bytes().all(|b| b.is_ascii_hexdigit()),
        "{printed}"
    );

    // Without a key, or with a revoked one, nothing.
    let status = |path: String| {
        let app = &app;
        async move { app.get(&path).await.status().as_u16() }
    };
    assert_eq!(status("/ghost/api/content/posts/".into()).await, 403);
    assert_eq!(
        status(format!("/ghost/api/content/posts/?key={key}")).await,
        200
    );
    let (_, body) = {
        let r = app
            .get(&format!("/ghost/api/content/posts/?key={key}&limit=1"))
            .await;
        (r.status(), r.json::<Value>().await.unwrap())
    };
    assert_eq!(body["meta"]["pagination"]["total"], 2);

    let Some(modules) = external_tool(
        "KIOSQUE_TEST_NODE_MODULES",
        "WordPress and Ghost API clients (npm wpapi, @wordpress/api-fetch, @tryghost/content-api)",
        ".ci/tools/node_modules (npm ci --prefix .ci/tools)",
    ) else {
        return;
    };
    let site_name = {
        use kiosque_core::ports::Store as _;
        app.store.site().await.unwrap().unwrap().name
    };
    let facts = json!({
        "key": key,
        "published": [42, 57],
        "published_slugs": [
            "port-abidjan-dockers-reprennent-le-travail",
            "elections-bouake-ete-debats",
        ],
        "section": "cote-d-ivoire",
        "section_slugs": [
            "port-abidjan-dockers-reprennent-le-travail",
            "elections-bouake-ete-debats",
        ],
        "author": "gaelle-villeneuve",
        "author_slugs": ["port-abidjan-dockers-reprennent-le-travail"],
        "newest": "elections-bouake-ete-debats",
        "between": "2024-03-16",
        "page": "qui-sommes-nous",
        "site_name": site_name,
    });
    node_test(&modules, "ghost.test.cjs", &app.url(""), &facts).await;

    let listed = crate::common::kiosque_on(&app, &["content-key".as_ref(), "list".as_ref()]).await;
    let listed = String::from_utf8(listed.stdout).unwrap();
    let id = listed.split_whitespace().next().unwrap().to_owned();
    assert!(listed.contains("Site Next.js"), "{listed}");
    let revoked = crate::common::kiosque_on(
        &app,
        &["content-key".as_ref(), "revoke".as_ref(), id.as_ref()],
    )
    .await;
    assert!(revoked.status.success());
    assert_eq!(
        status(format!("/ghost/api/content/posts/?key={key}")).await,
        401
    );
}

async fn administrators_make_and_revoke_content_keys_in_the_admin(db: TestDb) {
    use kiosque_core::types::Role;
    let app = imported_site(db).await;
    let author = app.newsroom("awa@example.org", Role::Author).await;
    let (status, _) = author.page("/admin/content-keys").await;
    assert_eq!(status, 403, "administrators only");
    let admin = app.newsroom("kofi@example.org", Role::Administrator).await;
    let made = admin
        .post("/admin/content-keys", &[("name", "Front-end Next.js")])
        .await;
    assert_eq!(made.status().as_u16(), 201);
    let page = made.text().await.unwrap();
    let key = page
        .split("id=\"new-content-key\" type=\"text\" readonly value=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("the key is shown once")
        .to_owned();
    let posts = |key: String| {
        let app = &app;
        async move {
            app.get(&format!("/ghost/api/content/posts/?key={key}"))
                .await
                .status()
                .as_u16()
        }
    };
    assert_eq!(posts(key.clone()).await, 200);
    let (_, listed) = admin.page("/admin/content-keys").await;
    assert!(listed.contains("Front-end Next.js") && !listed.contains(&key));
    let id = listed
        .split("/admin/content-keys/")
        .nth(1)
        .and_then(|rest| rest.split('/').next())
        .expect("a revoke form")
        .to_owned();
    let revoked = admin
        .post(&format!("/admin/content-keys/{id}/revoke"), &[])
        .await;
    assert_eq!(revoked.status().as_u16(), 303);
    assert_eq!(posts(key).await, 401);
    let refused = admin.post("/admin/content-keys", &[("name", "  ")]).await;
    assert_eq!(refused.status().as_u16(), 422);
}
