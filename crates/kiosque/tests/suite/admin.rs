//! The newsroom admin over HTTP: sign-in, sessions, anti-forgery tokens and
//! the rights of each role — on both databases.

use std::time::Duration;

use crate::common;

use kiosque_core::ports::{Accounts, Store};
use kiosque_core::types::{CommentStatus, Locale, Role};
use kiosque_testkit::fixtures::french_article_source;
use kiosque_testkit::{TestApp, TestDb, both_databases};

both_databases!(
    the_admin_asks_to_sign_in_and_comes_back,
    signing_in_sets_a_private_session_cookie,
    unknown_account_and_wrong_password_get_the_same_answer,
    sign_in_attempts_are_throttled_per_account,
    signing_out_needs_the_session_token_and_ends_the_session,
    a_password_change_ends_every_session,
    sign_in_never_redirects_off_the_admin,
    each_role_reaches_only_what_it_may,
    moderators_approve_spam_trash_restore_and_delete,
    moderation_without_the_session_token_is_refused,
    the_newsroom_replies_and_the_reply_shows_under_the_comment,
    administrators_change_the_site_settings,
    administrators_create_accounts_and_change_roles,
    two_step_verification_asks_for_a_code_that_works_once,
    a_site_can_require_two_step_verification_for_administrators,
    two_step_keys_are_sealed_at_rest_and_survive_a_key_rotation,
    changing_ones_password_ends_other_sessions_only,
    a_forgotten_password_is_reset_through_an_emailed_link,
    without_email_the_reset_page_says_whom_to_ask,
);

const PASSWORD: &str = "un mot de passe solide";

async fn the_admin_asks_to_sign_in_and_comes_back(db: TestDb) {
    let app = TestApp::french(db).await;
    for path in ["/admin/", "/admin/comments?status=spam"] {
        let r = app.get(path).await;
        assert_eq!(r.status(), 303, "{path}");
        let location = r.headers()["location"].to_str().unwrap().to_owned();
        assert!(location.starts_with("/admin/login?next="), "{location}");
    }
    let r = app.get("/admin").await;
    assert_eq!(r.status(), 301);
    let (status, html) = app.page("/admin/login?next=%2Fadmin%2Fcomments").await;
    assert_eq!(status, 200);
    assert!(html.contains("<h1>Connexion</h1>"));
    assert!(html.contains("name=\"next\" value=\"/admin/comments\""));
    assert!(html.contains("autocomplete=\"current-password\""));
}

async fn signing_in_sets_a_private_session_cookie(db: TestDb) {
    let app = TestApp::french(db).await;
    app.create_user("redac@example.org", Role::Editor, PASSWORD)
        .await;
    let (cookie, r) = app.sign_in("Redac@Example.org", PASSWORD).await;
    assert_eq!(r.status(), 303);
    assert_eq!(r.headers()["location"], "/admin/");
    let set = r.headers()["set-cookie"].to_str().unwrap().to_owned();
    for attribute in ["HttpOnly", "SameSite=Lax", "Path=/", "Secure", "Max-Age="] {
        assert!(set.contains(attribute), "{attribute} in {set}");
    }
    let cookie = cookie.unwrap();
    let r = app
        .client
        .get(app.url("/admin/"))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["cache-control"], "no-store");
    let html = r.text().await.unwrap();
    assert!(html.contains("Bonjour, editor redac."), "{html}");
    assert!(html.contains("éditeur·rice"));
    // The cookie is a random token; only its hash is stored.
    let token = cookie.trim_start_matches("kiosque_session=");
    assert_eq!(token.len(), 64);
    assert!(
        app.store
            .session(token, chrono::Utc::now())
            .await
            .unwrap()
            .is_none()
    );
}

async fn unknown_account_and_wrong_password_get_the_same_answer(db: TestDb) {
    let app = TestApp::french(db).await;
    app.create_user("vrai@example.org", Role::Author, PASSWORD)
        .await;
    let (c1, wrong) = app.sign_in("vrai@example.org", "pas le bon mot").await;
    let (c2, unknown) = app.sign_in("faux@example.org", "pas le bon mot").await;
    assert!(c1.is_none() && c2.is_none());
    assert_eq!(wrong.status(), 401);
    assert_eq!(unknown.status(), 401);
    let a = wrong
        .text()
        .await
        .unwrap()
        .replace("vrai@example.org", "EMAIL");
    let b = unknown
        .text()
        .await
        .unwrap()
        .replace("faux@example.org", "EMAIL");
    assert_eq!(a, b, "the two answers must not differ");
    assert!(a.contains("Adresse e-mail ou mot de passe incorrect."));
}

async fn sign_in_attempts_are_throttled_per_account(db: TestDb) {
    let app = TestApp::start(db, Locale::Fr, |s| {
        s.web.login_burst = 3;
        s.web.login_interval = Duration::from_secs(300);
    })
    .await;
    app.create_user("cible@example.org", Role::Editor, PASSWORD)
        .await;
    for _ in 0..3 {
        let (_, r) = app.sign_in("cible@example.org", "devinette123").await;
        assert_eq!(r.status(), 401);
    }
    let (cookie, r) = app.sign_in("cible@example.org", PASSWORD).await;
    assert_eq!(r.status(), 429, "even the right password waits");
    assert!(cookie.is_none());
    assert!(r.headers().contains_key("retry-after"));
    assert!(
        r.text()
            .await
            .unwrap()
            .contains("Trop de tentatives de connexion")
    );
}

async fn signing_out_needs_the_session_token_and_ends_the_session(db: TestDb) {
    let app = TestApp::french(db).await;
    let editor = app.newsroom("e@example.org", Role::Editor).await;
    let r = editor
        .post_raw("/admin/logout", &[("csrf", "forged")])
        .await;
    assert_eq!(r.status(), 403);
    assert_eq!(editor.get("/admin/").await.status(), 200, "still signed in");
    let r = editor.post("/admin/logout", &[]).await;
    assert_eq!(r.status(), 303);
    assert_eq!(r.headers()["location"], "/admin/login?out=1");
    assert!(
        r.headers()["set-cookie"]
            .to_str()
            .unwrap()
            .starts_with("kiosque_session=;")
    );
    assert_eq!(editor.get("/admin/").await.status(), 303, "signed out");
}

async fn a_password_change_ends_every_session(db: TestDb) {
    let app = TestApp::french(db).await;
    let editor = app.newsroom("p@example.org", Role::Editor).await;
    assert_eq!(editor.get("/admin/").await.status(), 200);
    let user = app
        .store
        .user_by_email(&kiosque_core::types::Email::parse("p@example.org").unwrap())
        .await
        .unwrap()
        .unwrap();
    app.store
        .set_password_hash(user.id, "$argon2id$changed")
        .await
        .unwrap();
    assert_eq!(editor.get("/admin/").await.status(), 303);
}

async fn sign_in_never_redirects_off_the_admin(db: TestDb) {
    let app = TestApp::french(db).await;
    app.create_user("n@example.org", Role::Editor, PASSWORD)
        .await;
    for next in [
        "https://evil.example/",
        "//evil.example/admin/",
        "/admin//evil.example",
        "/2024/",
    ] {
        let r = app
            .post_form(
                "/admin/login",
                &[
                    ("email", "n@example.org"),
                    ("password", PASSWORD),
                    ("next", next),
                ],
            )
            .await;
        assert_eq!(r.status(), 303);
        assert_eq!(r.headers()["location"], "/admin/", "next = {next}");
    }
}

async fn published_with_a_comment(app: &TestApp) -> i64 {
    let path = app
        .publish(&french_article_source("moderation", None), None)
        .await;
    for n in 0..3 {
        let name = format!("Lecteur {n}");
        let text = format!("Un avis de lecteur, le numéro {n}.");
        app.post_form(
            &format!("{path}comments"),
            &[
                ("comment", text.as_str()),
                ("name", name.as_str()),
                ("email", "lecteur@example.org"),
            ],
        )
        .await;
    }
    app.store
        .comments_with_status(CommentStatus::Pending)
        .await
        .unwrap()[0]
        .comment
        .id
}

async fn each_role_reaches_only_what_it_may(db: TestDb) {
    let app = TestApp::french(db).await;
    let id = published_with_a_comment(&app).await.to_string();
    for (role, moderates) in [
        (Role::Contributor, false),
        (Role::Author, false),
        (Role::Editor, true),
        (Role::Administrator, true),
    ] {
        let who = app.newsroom(&format!("{role}@example.org"), role).await;
        let (status, dashboard) = who.page("/admin/").await;
        assert_eq!(status, 200, "{role} dashboard");
        assert_eq!(
            dashboard.contains("href=\"/admin/comments\""),
            moderates,
            "{role} sees the queue link"
        );
        let (status, page) = who.page("/admin/comments").await;
        if moderates {
            assert_eq!(status, 200, "{role} queue");
        } else {
            assert_eq!(status, 403, "{role} queue");
            assert!(page.contains("Votre rôle ne permet pas cette action."));
        }
        let r = who
            .post(
                "/admin/comments",
                &[("status", "pending"), ("single", &format!("approve:{id}"))],
            )
            .await;
        assert_eq!(
            r.status(),
            if moderates { 303 } else { 403 },
            "{role} approves"
        );
        if moderates {
            // Put it back for the next role.
            who.post(
                "/admin/comments",
                &[
                    ("status", "approved"),
                    ("single", &format!("unapprove:{id}")),
                ],
            )
            .await;
        }
    }
    assert_eq!(
        app.store
            .count_comments(CommentStatus::Approved)
            .await
            .unwrap(),
        0,
        "the refused roles changed nothing"
    );
}

async fn moderators_approve_spam_trash_restore_and_delete(db: TestDb) {
    let app = TestApp::french(db).await;
    published_with_a_comment(&app).await;
    let editor = app.newsroom("ed@example.org", Role::Editor).await;
    let (_, queue) = editor.page("/admin/comments").await;
    assert!(queue.contains("3 en attente"), "badge: {queue}");
    assert!(
        queue.contains("lecteur@example.org"),
        "the newsroom sees addresses"
    );
    assert!(queue.contains("En attente (3)"));
    let ids: Vec<String> = app
        .store
        .comments_with_status(CommentStatus::Pending)
        .await
        .unwrap()
        .iter()
        .map(|i| i.comment.id.to_string())
        .collect();
    let r = editor
        .post(
            "/admin/comments",
            &[
                ("status", "pending"),
                ("action", "spam"),
                ("ids", &ids[0]),
                ("ids", &ids[1]),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
    assert_eq!(
        r.headers()["location"],
        "/admin/comments?status=pending&done=2"
    );
    let (_, page) = editor.page("/admin/comments?status=pending&done=2").await;
    assert!(page.contains("2 commentaires traités."));
    assert!(page.contains("Indésirables (2)"));
    editor
        .post(
            "/admin/comments",
            &[
                ("status", "pending"),
                ("single", &format!("approve:{}", ids[2])),
            ],
        )
        .await;
    let (_, public) = app.page("/2024/11/moderation/").await;
    assert!(public.contains("Lecteur 2"));
    editor
        .post(
            "/admin/comments",
            &[
                ("status", "approved"),
                ("single", &format!("trash:{}", ids[2])),
            ],
        )
        .await;
    assert!(
        !app.page("/2024/11/moderation/")
            .await
            .1
            .contains("Lecteur 2")
    );
    editor
        .post(
            "/admin/comments",
            &[
                ("status", "trash"),
                ("single", &format!("restore:{}", ids[2])),
            ],
        )
        .await;
    assert_eq!(
        app.store
            .count_comments(CommentStatus::Pending)
            .await
            .unwrap(),
        1
    );
    editor
        .post(
            "/admin/comments",
            &[("status", "spam"), ("action", "delete"), ("ids", &ids[0])],
        )
        .await;
    assert!(
        app.store
            .comment(ids[0].parse().unwrap())
            .await
            .unwrap()
            .is_none()
    );
    let r = editor
        .post(
            "/admin/comments",
            &[("status", "nowhere"), ("action", "spam")],
        )
        .await;
    assert_eq!(r.status(), 404);
}

async fn moderation_without_the_session_token_is_refused(db: TestDb) {
    let app = TestApp::french(db).await;
    let id = published_with_a_comment(&app).await.to_string();
    let editor = app.newsroom("c@example.org", Role::Editor).await;
    for csrf in ["", "0000"] {
        let r = editor
            .post_raw(
                "/admin/comments",
                &[
                    ("csrf", csrf),
                    ("status", "pending"),
                    ("single", &format!("approve:{id}")),
                ],
            )
            .await;
        assert_eq!(r.status(), 403);
    }
    // A cross-site page submitting the same form is refused before anything else.
    let token = editor.csrf().await;
    let r = app
        .client
        .post(app.url("/admin/comments"))
        .header("cookie", &editor.cookie)
        .header("origin", "https://evil.example")
        .form(&[
            ("csrf", token.as_str()),
            ("status", "pending"),
            ("single", &format!("approve:{id}")),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    assert_eq!(
        app.store
            .count_comments(CommentStatus::Approved)
            .await
            .unwrap(),
        0
    );
}

async fn administrators_change_the_site_settings(db: TestDb) {
    let app = TestApp::french(db).await;
    let editor = app.newsroom("ed@example.org", Role::Editor).await;
    assert_eq!(editor.get("/admin/settings").await.status(), 403);
    let r = editor
        .post("/admin/settings", &[("name", "Piraté"), ("language", "en")])
        .await;
    assert_eq!(r.status(), 403);
    let admin = app.newsroom("admin@example.org", Role::Administrator).await;
    let (status, page) = admin.page("/admin/settings").await;
    assert_eq!(status, 200);
    assert!(page.contains("value=\"Afrique Première Tv\""));
    let r = admin
        .post(
            "/admin/settings",
            &[
                ("name", "Afrique Première Télévision"),
                ("language", "fr"),
                ("comment_policy", "hold_first_time"),
                ("close_after_days", "abc"),
                ("blocked_terms", "casino\n\npilules "),
            ],
        )
        .await;
    assert_eq!(r.status(), 422);
    assert!(
        r.text()
            .await
            .unwrap()
            .contains("Indiquez un nombre entier")
    );
    let r = admin
        .post(
            "/admin/settings",
            &[
                ("name", "Afrique Première Télévision"),
                ("language", "fr"),
                ("comment_policy", "hold_first_time"),
                ("close_after_days", "60"),
                ("blocked_terms", "casino\n\npilules "),
                ("time_zone", "UTC"),
                ("share", "whatsapp"),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
    let site = app.store.site().await.unwrap().unwrap();
    assert_eq!(site.name, "Afrique Première Télévision");
    assert_eq!(
        site.comments.policy,
        kiosque_core::model::CommentPolicy::HoldFirstTime
    );
    assert_eq!(site.comments.close_after_days, 60);
    assert_eq!(site.comments.blocked_terms, vec!["casino", "pilules"]);
    assert!(
        app.page("/")
            .await
            .1
            .contains("Afrique Première Télévision")
    );
}

async fn administrators_create_accounts_and_change_roles(db: TestDb) {
    let app = TestApp::french(db).await;
    let editor = app.newsroom("ed@example.org", Role::Editor).await;
    assert_eq!(editor.get("/admin/users").await.status(), 403);
    let admin = app.newsroom("admin@example.org", Role::Administrator).await;
    let (status, page) = admin.page("/admin/users").await;
    assert_eq!(status, 200);
    assert!(page.contains("ed@example.org"));
    let r = admin
        .post(
            "/admin/users",
            &[
                ("name", "Jean Mbarga"),
                ("email", "jean@example.org"),
                ("role", "author"),
                ("password", "court"),
            ],
        )
        .await;
    assert_eq!(r.status(), 422);
    let html = r.text().await.unwrap();
    assert!(html.contains("au moins 10 caractères"));
    assert!(
        html.contains("value=\"jean@example.org\""),
        "the form is kept"
    );
    assert!(!html.contains("value=\"court\""), "but never the password");
    let r = admin
        .post(
            "/admin/users",
            &[
                ("name", "Jean Mbarga"),
                ("email", "jean@example.org"),
                ("role", "author"),
                ("password", PASSWORD),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
    let (cookie, r) = app.sign_in("jean@example.org", PASSWORD).await;
    assert_eq!(r.status(), 303);
    assert!(cookie.is_some());
    let r = admin
        .post(
            "/admin/users",
            &[
                ("name", "Double"),
                ("email", "JEAN@example.org"),
                ("role", "author"),
                ("password", PASSWORD),
            ],
        )
        .await;
    assert_eq!(r.status(), 409);
    let jean = app
        .store
        .user_by_email(&kiosque_core::types::Email::parse("jean@example.org").unwrap())
        .await
        .unwrap()
        .unwrap();
    let r = admin
        .post(
            &format!("/admin/users/{}/role", jean.id),
            &[("role", "editor")],
        )
        .await;
    assert_eq!(r.status(), 303);
    assert_eq!(
        app.store.user(jean.id).await.unwrap().unwrap().role,
        Role::Editor
    );
    let me = app
        .store
        .user_by_email(&kiosque_core::types::Email::parse("admin@example.org").unwrap())
        .await
        .unwrap()
        .unwrap();
    let r = admin
        .post(
            &format!("/admin/users/{}/role", me.id),
            &[("role", "contributor")],
        )
        .await;
    assert_eq!(r.status(), 403, "no demoting oneself");
}

fn code(secret: &str, offset_steps: i64) -> String {
    let now = chrono::Utc::now().timestamp() + offset_steps * 30;
    kiosque_core::service::totp::code_at(secret, now as u64).unwrap()
}

/// Turns two-step verification on through the account page; returns the secret.
/// Turns two-step verification on; the secret, and the code that did it.
async fn enable_totp(who: &kiosque_testkit::Newsroom<'_>) -> (String, String) {
    let (status, page) = who.page("/admin/account/totp").await;
    assert_eq!(status, 200);
    assert!(page.contains("<svg role=\"img\""), "a QR code");
    let secret = page
        .split("<code class=\"secret\">")
        .nth(1)
        .and_then(|s| s.split('<').next())
        .unwrap()
        .to_owned();
    // The page shows the same key again: the server keeps it.
    let (_, again) = who.page("/admin/account/totp").await;
    assert!(again.contains(&format!("<code class=\"secret\">{secret}</code>")));
    // A key chosen by the browser is not taken: an all-zero key with its
    // right code, or no key at all, is a wrong code (422), never a 500.
    let zero = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
    for sent in [zero, "not base32 !"] {
        let r = who
            .post(
                "/admin/account/totp",
                &[("secret", sent), ("code", code(zero, 0).as_str())],
            )
            .await;
        assert_eq!(r.status(), 422, "{sent}");
    }
    let r = who
        .post(
            "/admin/account/totp",
            &[("secret", secret.as_str()), ("code", "123 456")],
        )
        .await;
    assert_eq!(r.status(), 422, "a wrong code does not turn it on");
    let used = code(&secret, 0);
    let r = who
        .post(
            "/admin/account/totp",
            &[("secret", secret.as_str()), ("code", used.as_str())],
        )
        .await;
    assert_eq!(r.status(), 303);
    assert_eq!(r.headers()["location"], "/admin/account?totp=on");
    (secret, used)
}

async fn two_step_verification_asks_for_a_code_that_works_once(db: TestDb) {
    let app = TestApp::french(db).await;
    let editor = app.newsroom("deux@example.org", Role::Editor).await;
    let (secret, used) = enable_totp(&editor).await;
    let (cookie, r) = app
        .sign_in("deux@example.org", "un mot de passe solide")
        .await;
    assert_eq!(r.status(), 303);
    assert!(
        r.headers()["location"]
            .to_str()
            .unwrap()
            .starts_with("/admin/login/code?next=")
    );
    let cookie = cookie.unwrap();
    let get = |path: &'static str| {
        let request = app.client.get(app.url(path)).header("cookie", &cookie);
        async move { request.send().await.unwrap() }
    };
    let r = get("/admin/").await;
    assert_eq!(r.status(), 303, "the password alone opens nothing");
    assert!(
        r.headers()["location"]
            .to_str()
            .unwrap()
            .starts_with("/admin/login/code")
    );
    let (status, page) = {
        let r = get("/admin/login/code").await;
        (r.status(), r.text().await.unwrap())
    };
    assert_eq!(status, 200);
    assert!(page.contains("autocomplete=\"one-time-code\""));
    let post = |code: String| {
        let request = app
            .client
            .post(app.url("/admin/login/code"))
            .header("cookie", &cookie)
            .header("origin", format!("http://{}", app.addr))
            .form(&[("code", code), ("next", "/admin/comments".to_owned())]);
        async move { request.send().await.unwrap() }
    };
    let r = post("000000".replace('0', "1")).await;
    if code(&secret, 0) != "111111" && code(&secret, 1) != "111111" {
        assert_eq!(r.status(), 401);
    }
    // The code that turned it on has been used: it does not work twice
    // (the code itself, not today's: a slow machine may have crossed into
    // the next 30 s step meanwhile).
    let r = post(used).await;
    assert_eq!(r.status(), 401, "a code works once");
    let r = post(code(&secret, 1)).await;
    assert_eq!(r.status(), 303);
    assert_eq!(r.headers()["location"], "/admin/comments");
    assert_eq!(get("/admin/").await.status(), 200);
}

async fn a_site_can_require_two_step_verification_for_administrators(db: TestDb) {
    let app = TestApp::french(db).await;
    let mut site = app.store.site().await.unwrap().unwrap();
    site.require_admin_2fa = true;
    app.save_site(&site).await;
    let editor = app.newsroom("ed@example.org", Role::Editor).await;
    assert_eq!(
        editor.get("/admin/").await.status(),
        200,
        "editors are not concerned"
    );
    let admin = app.newsroom("admin@example.org", Role::Administrator).await;
    let r = admin.get("/admin/users").await;
    assert_eq!(r.status(), 303);
    assert_eq!(r.headers()["location"], "/admin/account?setup=1");
    let (_, page) = admin.page("/admin/account?setup=1").await;
    assert!(page.contains("Ce site exige la validation en deux étapes"));
    let (secret, _) = enable_totp(&admin).await;
    assert_eq!(admin.get("/admin/users").await.status(), 200);
    let r = admin
        .post(
            "/admin/account/totp/disable",
            &[("code", code(&secret, 1).as_str())],
        )
        .await;
    assert_eq!(r.status(), 403, "required: it cannot be turned off");
}

async fn changing_ones_password_ends_other_sessions_only(db: TestDb) {
    let app = TestApp::french(db).await;
    let here = app.newsroom("moi@example.org", Role::Author).await;
    let (other, _) = app
        .sign_in("moi@example.org", "un mot de passe solide")
        .await;
    let other = other.unwrap();
    let r = here
        .post(
            "/admin/account/password",
            &[
                ("current", "pas le bon"),
                ("new", "nouveau mot de passe"),
                ("again", "nouveau mot de passe"),
            ],
        )
        .await;
    assert_eq!(r.status(), 422);
    assert!(
        r.text()
            .await
            .unwrap()
            .contains("Le mot de passe actuel est incorrect.")
    );
    let r = here
        .post(
            "/admin/account/password",
            &[
                ("current", "un mot de passe solide"),
                ("new", "nouveau mot de passe"),
                ("again", "autre chose encore"),
            ],
        )
        .await;
    assert_eq!(r.status(), 422);
    let r = here
        .post(
            "/admin/account/password",
            &[
                ("current", "un mot de passe solide"),
                ("new", "nouveau mot de passe"),
                ("again", "nouveau mot de passe"),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
    let fresh = r
        .headers()
        .get_all("set-cookie")
        .iter()
        .find_map(|v| {
            v.to_str()
                .ok()
                .filter(|v| v.starts_with("kiosque_session="))
        })
        .and_then(|v| v.split(';').next())
        .unwrap()
        .to_owned();
    let with = |cookie: String| {
        let request = app.client.get(app.url("/admin/")).header("cookie", cookie);
        async move { request.send().await.unwrap().status() }
    };
    assert_eq!(with(fresh).await, 200, "this browser stays signed in");
    assert_eq!(with(other).await, 303, "the other session has ended");
    assert_eq!(
        with(here.cookie.clone()).await,
        303,
        "so has the old cookie"
    );
    let (cookie, _) = app.sign_in("moi@example.org", "nouveau mot de passe").await;
    assert!(cookie.is_some());
    // A session in the wrong hands cannot guess the password through this
    // form: the account's sign-in allowance (5) holds here too.
    let again = kiosque_testkit::Newsroom::with_cookie(&app, cookie.unwrap());
    let mut wrong = 0;
    let refused = loop {
        let r = again
            .post(
                "/admin/account/password",
                &[
                    ("current", "devinette"),
                    ("new", "encore un autre mot"),
                    ("again", "encore un autre mot"),
                ],
            )
            .await;
        if r.status() != 422 {
            break r;
        }
        wrong += 1;
        assert!(wrong <= 5, "more than five guesses were checked");
    };
    assert_eq!(refused.status(), 429);
    assert!(refused.headers().contains_key("retry-after"));
}

async fn a_forgotten_password_is_reset_through_an_emailed_link(db: TestDb) {
    let (port, inbox) = kiosque_testkit::smtp_sink().await;
    let app = TestApp::start(db, Locale::Fr, |s| {
        s.smtp = Some(kiosque::config::SmtpSettings {
            host: "127.0.0.1".into(),
            port,
            security: kiosque::config::SmtpSecurity::None,
            username: None,
            password: None,
            from: "Rédaction <redaction@example.org>".into(),
        });
    })
    .await;
    app.create_user("oubli@example.org", Role::Author, PASSWORD)
        .await;
    let (_, known) = {
        let r = app
            .post_form("/admin/password-reset", &[("email", "Oubli@Example.org")])
            .await;
        (r.status(), r.text().await.unwrap())
    };
    let unknown = app
        .post_form(
            "/admin/password-reset",
            &[("email", "personne@example.org")],
        )
        .await;
    assert_eq!(unknown.status(), 200);
    assert_eq!(
        known,
        unknown.text().await.unwrap(),
        "the same answer either way"
    );
    assert_eq!(
        inbox.wait_for(1).await.len(),
        1,
        "one e-mail, to the known address only"
    );
    let mail = &inbox.decoded()[0];
    assert!(mail.contains("Bonjour author oubli,"), "{mail}");
    assert!(mail.contains("To: oubli@example.org"), "{mail}");
    let link = mail
        .split("https://news.example.org")
        .nth(1)
        .and_then(|s| s.split_whitespace().next())
        .expect("a link in the e-mail")
        .to_owned();
    assert!(link.starts_with("/admin/password-reset/"));
    let (status, page) = app.page(&link).await;
    assert_eq!(status, 200);
    assert!(page.contains("Choisir un nouveau mot de passe"));
    let r = app
        .post_form(&link, &[("new", "nouveau secret!"), ("again", "autre")])
        .await;
    assert_eq!(r.status(), 422);
    let r = app
        .post_form(
            &link,
            &[("new", "nouveau secret!"), ("again", "nouveau secret!")],
        )
        .await;
    assert_eq!(r.status(), 303);
    assert_eq!(r.headers()["location"], "/admin/login?reset=1");
    assert!(app.sign_in("oubli@example.org", PASSWORD).await.0.is_none());
    assert!(
        app.sign_in("oubli@example.org", "nouveau secret!")
            .await
            .0
            .is_some()
    );
    // The link works once.
    assert_eq!(app.page(&link).await.0, 410);
    let r = app
        .post_form(
            &link,
            &[("new", "encore un autre"), ("again", "encore un autre")],
        )
        .await;
    assert_eq!(r.status(), 410);
}

async fn without_email_the_reset_page_says_whom_to_ask(db: TestDb) {
    let app = TestApp::french(db).await;
    let (status, page) = app.page("/admin/password-reset").await;
    assert_eq!(status, 200);
    assert!(page.contains("L&#39;envoi d&#39;e-mails n&#39;est pas configuré"));
    assert!(!page.contains("<form class=\"comment-form login\""));
    assert_eq!(app.page("/admin/password-reset/abc").await.0, 410);
}

async fn the_newsroom_replies_and_the_reply_shows_under_the_comment(db: TestDb) {
    let app = TestApp::french(db).await;
    let id = published_with_a_comment(&app).await;
    let editor = app.newsroom("redac@example.org", Role::Editor).await;
    let (_, queue) = editor.page("/admin/comments").await;
    assert!(queue.contains(&format!("form=\"reply-form-{id}\"")));
    let r = editor
        .post(
            &format!("/admin/comments/{id}/reply"),
            &[
                ("status", "pending"),
                ("text", "Merci, nous suivons le dossier."),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
    assert_eq!(
        r.headers()["location"],
        "/admin/comments?status=pending&replied=1"
    );
    let (_, page) = app.page("/2024/11/moderation/").await;
    let parent = page
        .find(&format!("id=\"comment-{id}\""))
        .expect("the comment, approved");
    let answer = page
        .find("Merci, nous suivons le dossier.")
        .expect("the reply");
    assert!(answer > parent);
    assert!(page.contains("editor redac (Afrique Première Tv)"));
    assert!(!page.contains("redac@example.org"));
    let author = app.newsroom("auteur@example.org", Role::Author).await;
    let r = author
        .post(
            &format!("/admin/comments/{id}/reply"),
            &[("status", "pending"), ("text", "x")],
        )
        .await;
    assert_eq!(r.status(), 403);
}

/// Sends a second-factor code on the session `cookie`, then to /admin/.
async fn second_step(app: &TestApp, cookie: &str, code: &str) -> reqwest::Response {
    app.client
        .post(app.url("/admin/login/code"))
        .header("cookie", cookie)
        .header("origin", format!("http://{}", app.addr))
        .form(&[("code", code), ("next", "/admin/")])
        .send()
        .await
        .unwrap()
}

/// The stored two-step key is sealed (a copy of the database gives no
/// second factor away); rotating the sealing key reseals every account at
/// start, after which the old key can go; a key stored in clear before
/// sealing existed is sealed at the next start.
async fn two_step_keys_are_sealed_at_rest_and_survive_a_key_rotation(db: TestDb) {
    use kiosque_core::service::secrets::SecretBox;
    use kiosque_core::types::Email;
    let app = TestApp::french(db).await;
    let editor = app.newsroom("cle@example.org", Role::Editor).await;
    let (secret, _) = enable_totp(&editor).await;
    let email = Email::parse("cle@example.org").unwrap();
    let id = app.store.user_by_email(&email).await.unwrap().unwrap().id;
    let stored = |app: &TestApp| {
        let store = app.store.clone();
        async move { store.user(id).await.unwrap().unwrap().totp_secret.unwrap() }
    };
    let first = stored(&app).await;
    assert!(first.starts_with("sealed1."), "{first}");
    assert!(!first.contains(&secret));
    let data = app.settings.data_dir.clone();
    let old =
        SecretBox::parse_key(&std::fs::read_to_string(data.join("totp.key")).unwrap()).unwrap();
    let new = SecretBox::parse_key(&SecretBox::generate_key().unwrap()).unwrap();
    let rotated = SecretBox::new(&new, &[]);
    let new_id = rotated.current_id().to_owned();
    // The new key seals, the old one still opens: resealed at start.
    let app = app
        .restart(|s| s.web.secrets = std::sync::Arc::new(SecretBox::new(&new, &[old])))
        .await;
    let second = stored(&app).await;
    assert!(
        second.starts_with(&format!("sealed1.{new_id}.")),
        "{second}"
    );
    // A key from before sealing, written behind the server's back.
    let other = app
        .create_user("clair@example.org", Role::Author, "un mot de passe solide")
        .await;
    app.store
        .set_totp_secret(other.id, Some("JBSWY3DPEHPK3PXP"))
        .await
        .unwrap();
    // The old key gone, the new one alone opens both.
    let app = app
        .restart(|s| s.web.secrets = std::sync::Arc::new(rotated))
        .await;
    let sealed = app
        .store
        .user(other.id)
        .await
        .unwrap()
        .unwrap()
        .totp_secret
        .unwrap();
    assert!(
        sealed.starts_with(&format!("sealed1.{new_id}.")),
        "{sealed}"
    );
    let (cookie, r) = app
        .sign_in("cle@example.org", "un mot de passe solide")
        .await;
    assert_eq!(r.status(), 303);
    let r = second_step(&app, &cookie.unwrap(), &code(&secret, 1)).await;
    assert_eq!(r.status(), 303, "the phone's codes still work");
    assert_eq!(r.headers()["location"], "/admin/");
    // A server given the wrong key cannot open it (an operator's mistake,
    // logged at start); the way back is the terminal's two-step-off.
    let app = app
        .restart(|s| s.web.secrets = std::sync::Arc::new(SecretBox::random().unwrap()))
        .await;
    let (cookie, _) = app
        .sign_in("cle@example.org", "un mot de passe solide")
        .await;
    let r = second_step(&app, &cookie.unwrap(), &code(&secret, 1)).await;
    assert_eq!(r.status(), 500);
    let out = common::kiosque_on(
        &app,
        &["user", "two-step-off", "cle@example.org"].map(std::ffi::OsStr::new),
    )
    .await;
    assert!(common::succeeded(&out).contains("two-step sign-in is off for cle@example.org"));
    let (_, r) = app
        .sign_in("cle@example.org", "un mot de passe solide")
        .await;
    assert_eq!(r.status(), 303);
    assert_eq!(r.headers()["location"], "/admin/", "the password alone");
}
