//! Webhooks end to end: registered through the API and the admin, messages
//! signed and checked by the PyPI `standardwebhooks` package, retried after
//! a failure, turned off after a 410, and never sent where Kiosque must not
//! reach (the outbound guard, with `allow_hosts` empty).

use std::time::Duration;

use kiosque::outbound::{Outbound, Sent};
use kiosque_core::ports::{Store, Webhooks};
use kiosque_core::types::Role;
use kiosque_testkit::{
    Answer, TestApp, TestDb, WebhookReceiver, both_databases, eventually,
    verified_by_standardwebhooks,
};
use serde_json::{Value, json};

use crate::api_newsroom::{Call, etag, token};

both_databases!(
    webhooks_registered_through_the_api_get_signed_retried_messages,
    a_receiver_answering_410_turns_its_webhook_off,
    the_admin_registers_a_webhook_and_sends_a_delivery_again,
);

const WAIT: Duration = Duration::from_secs(15);

/// A site whose webhooks may call 127.0.0.1 (the tests' receivers) and
/// retry within a fraction of a second.
async fn app(db: TestDb) -> TestApp {
    TestApp::start(db, kiosque_core::types::Locale::Fr, |s| {
        s.webhooks.allow_hosts = vec!["127.0.0.1".into()];
        s.web.webhook_allow_hosts = vec!["127.0.0.1".into()];
        s.webhooks.retry = vec![Duration::from_millis(300); 4];
        s.schedule_every = Duration::from_millis(100);
    })
    .await
}

async fn webhooks_registered_through_the_api_get_signed_retried_messages(db: TestDb) {
    let app = app(db).await;
    let receiver = WebhookReceiver::start().await;
    let admin = Call {
        app: &app,
        token: token(&app, "admin@example.org", Role::Administrator, false).await,
    };
    let editor = Call {
        app: &app,
        token: token(&app, "redaction@example.org", Role::Editor, false).await,
    };

    // Only administrators register webhooks, and only for public addresses.
    let asked = json!({"url": receiver.url("/kiosque"), "events": ["article.published", "article.updated"], "description": "Réseaux sociaux"});
    let (status, _, refused) = editor.post("/api/v1/webhooks", asked.clone()).await;
    assert_eq!(status, 403, "{refused}");
    for (url, code) in [
        ("http://10.0.0.1/hook", "private_address"),
        (
            "http://169.254.169.254/latest/meta-data/",
            "private_address",
        ),
        ("http://[::1]:9000/", "private_address"),
        ("ftp://example.org/", "invalid_url"),
    ] {
        let (status, _, refused) = admin
            .post(
                "/api/v1/webhooks",
                json!({"url": url, "events": ["article.published"]}),
            )
            .await;
        assert_eq!(status, 422, "{url}: {refused}");
        assert_eq!(refused["error"]["fields"]["url"], code, "{url}");
    }
    let (status, _, refused) = admin
        .post(
            "/api/v1/webhooks",
            json!({"url": receiver.url("/"), "events": []}),
        )
        .await;
    assert_eq!(
        (status, refused["error"]["fields"]["events"].as_str()),
        (422, Some("required"))
    );
    let (status, _, refused) = admin
        .post(
            "/api/v1/webhooks",
            json!({"url": receiver.url("/"), "events": ["post.published"]}),
        )
        .await;
    assert_eq!(status, 422, "{refused}");

    let (status, headers, made) = admin.post("/api/v1/webhooks", asked).await;
    assert_eq!(status, 201, "{made}");
    let secret = made["secret"].as_str().unwrap().to_owned();
    assert!(secret.starts_with("whsec_"), "{secret}");
    let id = made["id"].as_i64().unwrap();
    assert_eq!(headers["location"], format!("/api/v1/webhooks/{id}"));
    let (_, _, listed) = admin.get("/api/v1/webhooks").await;
    assert_eq!(
        listed[0]["events"],
        json!(["article.published", "article.updated"])
    );
    assert!(
        listed[0].get("secret").is_none(),
        "the secret is shown once"
    );

    // Published through the API: one signed message.
    let (status, headers, article) = editor
        .post(
            "/api/v1/newsroom/articles",
            json!({"title": "La saison des pluies commence", "body": "Premières averses à Dakar.", "status": "published"}),
        )
        .await;
    assert_eq!(status, 201, "{article}");
    let article_id = article["id"].as_i64().unwrap();
    let got = receiver.wait_for(1, WAIT).await;
    let first = got[0].json();
    assert_eq!(first["type"], "article.published");
    assert_eq!(first["data"]["object"]["id"], article_id);
    assert_eq!(
        first["data"]["object"]["title"],
        "La saison des pluies commence"
    );
    assert_eq!(got[0].path, "/kiosque");
    assert!(got[0].header("webhook-id").unwrap().starts_with("msg_"));

    // Changed while the receiver fails once: the same message again, with
    // the title it had before.
    receiver.answer([Answer::Status(500)]);
    let (status, _, changed) = editor
        .patch(
            &format!("/api/v1/newsroom/articles/{article_id}"),
            Some(&etag(&headers)),
            json!({"title": "La saison des pluies a commencé"}),
        )
        .await;
    assert_eq!(status, 200, "{changed}");
    let got = receiver.wait_for(3, WAIT).await;
    let (failed, retried) = (&got[1], &got[2]);
    assert_eq!((failed.answered, retried.answered), (500, 204));
    assert_eq!(failed.header("webhook-id"), retried.header("webhook-id"));
    assert_eq!(
        failed.body, retried.body,
        "every attempt sends the same message"
    );
    let update = retried.json();
    assert_eq!(update["type"], "article.updated");
    assert_eq!(
        update["data"]["object"]["title"],
        "La saison des pluies a commencé"
    );
    assert_eq!(
        update["data"]["previous"]["title"],
        "La saison des pluies commence"
    );
    assert_ne!(got[0].header("webhook-id"), retried.header("webhook-id"));
    verified_by_standardwebhooks(&secret, &got).await;

    // The log, newest first.
    let (status, _, log) = admin
        .get(&format!("/api/v1/webhooks/{id}/deliveries"))
        .await;
    assert_eq!(status, 200, "{log}");
    let latest = &log["items"][0];
    assert_eq!(latest["event"], "article.updated");
    assert_eq!(latest["state"], "delivered");
    assert_eq!(latest["attempts"], 2);
    assert_eq!(latest["response_code"], 204);
    assert_eq!(latest["message_id"], retried.header("webhook-id").unwrap());

    // Sent again on request: the same message once more.
    let delivery = latest["id"].as_i64().unwrap();
    let (status, _, queued) = admin
        .post(
            &format!("/api/v1/webhooks/{id}/deliveries/{delivery}/retry"),
            json!({}),
        )
        .await;
    assert_eq!(status, 202, "{queued}");
    let got = receiver.wait_for(4, WAIT).await;
    assert_eq!(got[3].body, retried.body);

    // Changed with If-Match, then deleted.
    let (_, headers, _) = admin.get(&format!("/api/v1/webhooks/{id}")).await;
    let (status, _, stale) = admin
        .patch(
            &format!("/api/v1/webhooks/{id}"),
            Some("\"0\""),
            json!({"enabled": false}),
        )
        .await;
    assert_eq!(status, 412, "{stale}");
    let (status, _, off) = admin
        .patch(
            &format!("/api/v1/webhooks/{id}"),
            Some(&etag(&headers)),
            json!({"enabled": false}),
        )
        .await;
    assert_eq!(
        (status, &off["enabled"]),
        (200, &Value::Bool(false)),
        "{off}"
    );
    let (status, _, _) = admin
        .send(admin.request(reqwest::Method::DELETE, &format!("/api/v1/webhooks/{id}")))
        .await;
    assert_eq!(status, 204);
    assert_eq!(admin.get(&format!("/api/v1/webhooks/{id}")).await.0, 404);
}

async fn a_receiver_answering_410_turns_its_webhook_off(db: TestDb) {
    let app = app(db).await;
    let receiver = WebhookReceiver::start().await;
    receiver.answer([Answer::Status(410)]);
    let admin = Call {
        app: &app,
        token: token(&app, "admin@example.org", Role::Administrator, false).await,
    };
    let (status, _, made) = admin
        .post(
            "/api/v1/webhooks",
            json!({"url": receiver.url("/gone"), "events": ["site.changed", "page.published"]}),
        )
        .await;
    assert_eq!(status, 201, "{made}");
    let id = made["id"].as_i64().unwrap();
    let mut site = app.store.site().await.unwrap().unwrap();
    site.tagline = "Toute l'actualité du Sahel".into();
    app.store.save_site(&site).await.unwrap();
    receiver.wait_for(1, WAIT).await;
    eventually("the webhook to be turned off", WAIT, || async {
        let (_, _, hook) = admin.get(&format!("/api/v1/webhooks/{id}")).await;
        hook["enabled"] == false
    })
    .await;
    let (_, _, hook) = admin.get(&format!("/api/v1/webhooks/{id}")).await;
    assert!(
        hook["disabled_reason"].as_str().unwrap().contains("410"),
        "{hook}"
    );
    // Off: later changes are not queued for it.
    site.tagline = "Encore un slogan".into();
    app.store.save_site(&site).await.unwrap();
    let (_, _, log) = admin
        .get(&format!("/api/v1/webhooks/{id}/deliveries"))
        .await;
    assert_eq!(log["items"].as_array().unwrap().len(), 1, "{log}");
    assert_eq!(log["items"][0]["state"], "failed");
    assert_eq!(receiver.received().len(), 1);
}

async fn the_admin_registers_a_webhook_and_sends_a_delivery_again(db: TestDb) {
    let app = app(db).await;
    let receiver = WebhookReceiver::start().await;
    let admin = app.newsroom("admin@example.org", Role::Administrator).await;
    let editor = app.newsroom("redaction@example.org", Role::Editor).await;
    assert_eq!(editor.get("/admin/webhooks").await.status(), 403);

    // A refused address keeps what was typed, with the field's message.
    let r = admin
        .post(
            "/admin/webhooks",
            &[
                ("url", "http://192.168.1.10/hook"),
                ("description", "Intranet"),
                ("events", "page.published"),
            ],
        )
        .await;
    assert_eq!(r.status(), 422);
    let page = r.text().await.unwrap();
    assert!(
        page.contains("value=\"http://192.168.1.10/hook\""),
        "{page}"
    );
    assert!(page.contains("propre réseau"), "{page}");

    let url = receiver.url("/pages");
    let r = admin
        .post(
            "/admin/webhooks",
            &[
                ("url", url.as_str()),
                ("description", "Appli"),
                ("events", "page.published"),
                ("events", "media.created"),
            ],
        )
        .await;
    assert_eq!(r.status(), 201);
    let page = r.text().await.unwrap();
    let secret = page
        .split("value=\"whsec_")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .map(|s| format!("whsec_{s}"))
        .expect("the secret is on the answering page");
    let hooks = app.store.webhooks().await.unwrap();
    let id = hooks[0].id;

    let r = admin
        .post(
            "/admin/pages/new",
            &[
                ("title", "Nous contacter"),
                ("slug", "contact"),
                ("body", "Écrivez-nous."),
                ("position", "0"),
            ],
        )
        .await;
    assert!(r.status().is_redirection(), "{}", r.status());
    let got = receiver.wait_for(1, WAIT).await;
    assert_eq!(got[0].json()["type"], "page.published");
    assert_eq!(got[0].json()["data"]["object"]["title"], "Nous contacter");

    let log = admin
        .get(&format!("/admin/webhooks/{id}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(log.contains("page.published"), "{log}");
    let delivery = app.store.deliveries(id, 1).await.unwrap()[0].id;
    let r = admin
        .post(
            &format!("/admin/webhooks/{id}/deliveries/{delivery}/retry"),
            &[],
        )
        .await;
    assert_eq!(r.status(), 303);
    let got = receiver.wait_for(2, WAIT).await;
    assert_eq!(got[0].body, got[1].body);
    verified_by_standardwebhooks(&secret, &got).await;

    // Turned off from its page.
    let r = admin
        .post(&format!("/admin/webhooks/{id}"), &[("action", "disable")])
        .await;
    assert_eq!(r.status(), 303);
    let hook = app.store.webhook(id).await.unwrap().unwrap();
    assert!(!hook.enabled);
}

/// The guard with `allow_hosts` empty: loopback (v4, v6, by name),
/// private and metadata addresses are refused, and nothing reaches them.
#[tokio::test]
async fn refused_addresses_are_never_called() {
    let v4 = WebhookReceiver::start().await;
    let v6 = match tokio::net::TcpListener::bind("[::1]:0").await {
        Ok(probe) => {
            drop(probe);
            Some(WebhookReceiver::start_on("[::1]:0".parse().unwrap()).await)
        }
        Err(_) => None,
    };
    let guarded = Outbound::new(Vec::new(), Duration::from_secs(2)).unwrap();
    let mut targets = vec![
        v4.url("/"),
        format!("http://localhost:{}/", v4.addr.port()),
        "http://10.0.0.1/hook".to_owned(),
        "http://169.254.169.254/latest/meta-data/".to_owned(),
        "http://[::ffff:127.0.0.1]:9/".to_owned(),
        "http://0.0.0.0:9/".to_owned(),
    ];
    if let Some(v6) = &v6 {
        targets.push(v6.url("/"));
    } else {
        targets.push("http://[::1]:9/".to_owned());
    }
    for url in &targets {
        let (sent, _) = guarded.post_json(url, &[], "{}".into()).await;
        assert!(matches!(sent, Sent::Refused(_)), "{url}: {sent:?}");
    }
    assert!(v4.received().is_empty());
    assert!(v6.as_ref().is_none_or(|r| r.received().is_empty()));

    // Allowed by its address, 127.0.0.1 is called; a redirect from there
    // to any refused place is not followed.
    let open = Outbound::new(vec!["127.0.0.1".into()], Duration::from_secs(2)).unwrap();
    let second = WebhookReceiver::start().await;
    let mut redirects = vec![
        format!("http://localhost:{}/", second.addr.port()),
        "http://10.0.0.1/".to_owned(),
        "http://169.254.169.254/latest/meta-data/".to_owned(),
    ];
    if let Some(v6) = &v6 {
        redirects.push(v6.url("/"));
    }
    v4.answer(redirects.iter().cloned().map(Answer::Redirect));
    for to in &redirects {
        let (sent, _) = open.post_json(&v4.url("/hook"), &[], "{}".into()).await;
        assert!(
            matches!(&sent, Sent::Refused(why) if why.contains("refused")),
            "{to}: {sent:?}"
        );
    }
    assert_eq!(v4.received().len(), redirects.len());
    assert!(second.received().is_empty());
    assert!(v6.as_ref().is_none_or(|r| r.received().is_empty()));
    let (sent, _) = open.post_json(&v4.url("/hook"), &[], "{}".into()).await;
    assert_eq!(sent, Sent::Answered(204));
}
