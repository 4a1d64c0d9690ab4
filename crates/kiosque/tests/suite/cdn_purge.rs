//! The CDN purger (`[[cdn.purge]]`): each change's surrogate keys reach
//! every configured CDN in that CDN's own wire shape — Fastly's and
//! Cloudflare's APIs as a local recorder sees them (those services are not
//! reachable from here), a signed webhook checked by the PyPI
//! `standardwebhooks` package — retried until taken, and, through a real
//! Varnish with the shipped VCL, a comment approved reaches readers within
//! a second while a page the change does not touch stays cached.

use std::time::{Duration, Instant};

use kiosque::cdn::Target;
use kiosque_core::ports::{Purges, Store};
use kiosque_core::types::{CommentStatus, Slug};
use kiosque_testkit::fixtures::french_article_source;
use kiosque_testkit::{
    Answer, Engine, TestApp, TestDb, WebhookReceiver, both_databases, eventually, external_tool,
    verified_by_standardwebhooks,
};

use crate::varnish::Varnish;

const SECRET: &str = "whsec_uz3Tu+NOxHJAWrQ+UpHLWMNAREAdSlVD";

both_databases!(
    each_cdn_gets_the_keys_of_a_change_in_its_own_shape,
    a_purger_behind_the_pruned_log_purges_the_whole_site,
    a_purge_waits_for_every_live_server_to_drop_the_page
);

/// An article's address and id, and a reader's comment on it, pending.
async fn pending_comment(app: &TestApp, slug: &'static str) -> (String, i64, i64) {
    let path = app.publish(&french_article_source(slug, None), None).await;
    let r = app
        .client
        .post(app.url(&format!("{path}comments")))
        .header("origin", format!("http://{}", app.addr))
        .form(&[
            ("name", "Lectrice"),
            ("email", "lectrice@example.org"),
            ("comment", "Un avis que la rédaction approuvera."),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let article = app
        .store
        .article_by_slug(&Slug::parse(slug).unwrap())
        .await
        .unwrap()
        .unwrap()
        .id;
    let comment = app
        .store
        .comments_with_status(CommentStatus::Pending)
        .await
        .unwrap()
        .into_iter()
        .find(|m| m.comment.article_id == article)
        .unwrap()
        .comment
        .id;
    (path, article, comment)
}

/// Waits until the purger has purged every change so far (it begins at
/// the log's end), so later purges are the test's own.
async fn purger_started(app: &TestApp) {
    let latest = app.store.latest_page_change().await.unwrap();
    purged_up_to(app, latest).await;
}

/// Waits until the purger's mark reaches `seq`: it records the mark once
/// the CDN has answered, so the CDN's receipt may reach the test first.
async fn purged_up_to(app: &TestApp, seq: i64) {
    eventually(
        &format!("the purger's mark to reach {seq}"),
        Duration::from_secs(10),
        || async {
            let mark = app.store.purged_up_to().await.unwrap();
            mark.is_some_and(|mark| mark >= seq)
        },
    )
    .await;
}

async fn each_cdn_gets_the_keys_of_a_change_in_its_own_shape(db: TestDb) {
    let fastly = WebhookReceiver::start().await;
    let cloudflare = WebhookReceiver::start().await;
    let hook = WebhookReceiver::start().await;
    // Fastly is down for a moment: the purge is retried until taken.
    fastly.answer([Answer::Status(503), Answer::Status(500)]);
    let targets = vec![
        Target::Fastly {
            api: fastly.url(""),
            service_id: "SVC0kiosque".into(),
            token: "fastly-jeton-de-purge".into(),
        },
        Target::Cloudflare {
            api: cloudflare.url(""),
            zone: "zone0kiosque".into(),
            token: "cloudflare-jeton-de-purge".into(),
        },
        Target::Webhook {
            url: hook.url("/purge"),
            secret: SECRET.into(),
        },
    ];
    let app = TestApp::start(db, kiosque_core::types::Locale::Fr, |s| {
        s.cdn_purge = targets;
    })
    .await;
    purger_started(&app).await;
    let (_, article, comment) = pending_comment(&app, "purge-a-distance").await;
    app.store
        .set_comment_status(comment, CommentStatus::Approved)
        .await
        .unwrap();
    let key = format!("comments-{article}");

    // Each got the change's keys (among earlier ones: the publication's).
    let within = Duration::from_secs(15);
    let has_key = |keys: &str| keys.split(' ').any(|k| k == key);
    let fastly_got = eventually_got(&fastly, within, |r| {
        (200..300).contains(&r.answered) && r.header("surrogate-key").is_some_and(has_key)
    })
    .await;
    assert_eq!(fastly_got.path, "/service/SVC0kiosque/purge");
    assert_eq!(
        fastly_got.header("fastly-key"),
        Some("fastly-jeton-de-purge")
    );
    assert!(
        fastly
            .received()
            .iter()
            .filter(|r| r.answered >= 500)
            .count()
            >= 2,
        "the failed tries were made"
    );
    let cloudflare_got = eventually_got(&cloudflare, within, |r| {
        r.json()["tags"]
            .as_array()
            .is_some_and(|tags| tags.iter().any(|t| t == key.as_str()))
    })
    .await;
    assert_eq!(
        cloudflare_got.path,
        "/client/v4/zones/zone0kiosque/purge_cache"
    );
    assert_eq!(
        cloudflare_got.header("authorization"),
        Some("Bearer cloudflare-jeton-de-purge")
    );
    let hook_got = eventually_got(&hook, within, |r| {
        r.json()["data"]["keys"]
            .as_array()
            .is_some_and(|keys| keys.iter().any(|k| k == key.as_str()))
    })
    .await;
    assert_eq!(hook_got.json()["type"], "cdn.purge");
    assert!(
        hook_got
            .header("webhook-id")
            .is_some_and(|id| id.starts_with("purge_"))
    );
    verified_by_standardwebhooks(SECRET, &hook.received()).await;
    // The mark moved past the change: a restart does not send it again.
    purged_up_to(&app, app.store.latest_page_change().await.unwrap() - 1).await;
    app.stop().await;
}

/// A site whose CDN is a signed webhook at `hook`.
async fn purging_to(db: TestDb, hook: &WebhookReceiver) -> TestApp {
    let targets = vec![Target::Webhook {
        url: hook.url("/purge"),
        secret: SECRET.into(),
    }];
    TestApp::start(db, kiosque_core::types::Locale::Fr, |s| {
        s.cdn_purge = targets;
    })
    .await
}

/// A CDN down while the log is pruned (a day, in life): changes the
/// purger never read are gone, so it cannot know their keys — it purges
/// `site`, every page, once the CDN is back.
async fn a_purger_behind_the_pruned_log_purges_the_whole_site(db: TestDb) {
    let hook = WebhookReceiver::start().await;
    let app = purging_to(db, &hook).await;
    let (_, first, first_comment) = pending_comment(&app, "lue-puis-bloquee").await;
    let (_, _, later_comment) = pending_comment(&app, "apres-la-coupure").await;
    purger_started(&app).await;
    let before = hook.received().len();
    // The CDN goes down; the purger reads a change and keeps failing to
    // send it…
    hook.answer(std::iter::repeat_n(Answer::Status(503), 1000));
    let approve = |id| app.store.set_comment_status(id, CommentStatus::Approved);
    approve(first_comment).await.unwrap();
    hook.wait_for(before + 1, Duration::from_secs(10)).await;
    // …while more changes come and the log is pruned past them.
    app.publish(&french_article_source("jamais-lue", None), None)
        .await;
    let unread = app.store.latest_page_change().await.unwrap();
    app.store
        .prune_page_changes(chrono::Utc::now() + chrono::Duration::days(1))
        .await
        .unwrap();
    approve(later_comment).await.unwrap();
    hook.clear_answers();
    let keys = |r: &kiosque_testkit::Received| r.json()["data"]["keys"].clone();
    let taken = || -> Vec<serde_json::Value> {
        hook.received()[before..]
            .iter()
            .filter(|r| (200..300).contains(&r.answered))
            .map(keys)
            .collect()
    };
    let since = Instant::now();
    while !taken().contains(&serde_json::json!(["site"])) {
        assert!(
            since.elapsed() < Duration::from_secs(20),
            "no whole-site purge: {:?}",
            taken()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // The batch read first went first, with its own key; then the whole site.
    assert_eq!(
        taken(),
        [
            serde_json::json!([format!("comments-{first}")]),
            serde_json::json!(["site"])
        ]
    );
    // The mark moved past the cut.
    purged_up_to(&app, unread + 1).await;
    app.stop().await;
}

/// Another server whose page cache lags holds the purge back (the CDN
/// would fetch the old page from it), until it has followed the change.
async fn a_purge_waits_for_every_live_server_to_drop_the_page(db: TestDb) {
    let hook = WebhookReceiver::start().await;
    let app = purging_to(db, &hook).await;
    let (_, article, comment) = pending_comment(&app, "serveur-en-retard").await;
    purger_started(&app).await;
    let behind = app.store.latest_page_change().await.unwrap();
    let lagging = |applied| {
        app.store
            .report_applied("lent", applied, chrono::Utc::now())
    };
    lagging(behind).await.unwrap();
    app.store
        .set_comment_status(comment, CommentStatus::Approved)
        .await
        .unwrap();
    let key = serde_json::json!([format!("comments-{article}")]);
    let purged = || {
        hook.received()
            .iter()
            .any(|r| r.json()["data"]["keys"] == key)
    };
    for _ in 0..3 {
        tokio::time::sleep(Duration::from_millis(500)).await;
        assert!(
            !purged(),
            "purged while a live server still held the old page"
        );
        lagging(behind).await.unwrap();
    }
    let caught_up = Instant::now();
    lagging(app.store.latest_page_change().await.unwrap())
        .await
        .unwrap();
    while !purged() {
        assert!(
            caught_up.elapsed() < Duration::from_secs(2),
            "no purge once every server had followed"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    app.stop().await;
}

/// The first request `recorder` got that `matches`, waiting for it.
async fn eventually_got(
    recorder: &WebhookReceiver,
    within: Duration,
    matches: impl Fn(&kiosque_testkit::Received) -> bool,
) -> kiosque_testkit::Received {
    let since = Instant::now();
    loop {
        if let Some(r) = recorder.received().into_iter().find(|r| matches(r)) {
            return r;
        }
        assert!(
            since.elapsed() < within,
            "no purge as expected; got {:?}",
            recorder.received()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_comment_approved_reaches_readers_through_varnish_within_a_second() {
    let Some(varnishd) = external_tool(
        crate::varnish::ENV,
        "Varnish (the shipped VCL)",
        "/usr/sbin/varnishd",
    ) else {
        return;
    };
    let port = kiosque_testkit::free_port();
    let db = TestDb::new(Engine::Sqlite).await.unwrap();
    let app = TestApp::start(db, kiosque_core::types::Locale::Fr, |s| {
        s.cdn_purge = vec![Target::Varnish {
            urls: vec![format!("http://127.0.0.1:{port}")],
        }];
    })
    .await;
    let other = app
        .publish(&french_article_source("sans-changement", None), None)
        .await;
    let (path, _, comment) = pending_comment(&app, "avis-en-attente").await;
    let varnish = Varnish::start_on(&varnishd, app.addr, port).await;
    purger_started(&app).await;
    let client = kiosque_testkit::http_client();
    let get = |path: String| {
        let (client, url) = (&client, format!("{}{path}", varnish.url));
        async move {
            let r = client.get(url).send().await.unwrap();
            let cache = r
                .headers()
                .get("x-cache")
                .map(|v| v.to_str().unwrap().to_owned())
                .unwrap_or_default();
            (cache, r.text().await.unwrap())
        }
    };
    for p in [&path, &other] {
        get(p.clone()).await;
        assert_eq!(get(p.clone()).await.0, "HIT", "{p} cached");
    }
    let (_, page) = get(path.clone()).await;
    assert!(
        !page.contains("Un avis que la rédaction approuvera."),
        "pending, unseen"
    );

    // Approved behind the page's back (as `kiosque comments approve` does).
    app.store
        .set_comment_status(comment, CommentStatus::Approved)
        .await
        .unwrap();
    let approved = Instant::now();
    let mut answers = Vec::new();
    let seen = loop {
        let (cache, page) = get(path.clone()).await;
        if page.contains("Un avis que la rédaction approuvera.") {
            break approved.elapsed();
        }
        answers.push(cache);
        assert!(
            approved.elapsed() < Duration::from_secs(1),
            "the approved comment not shown through Varnish after 1 s (Varnish said {answers:?})"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    assert_eq!(
        get(other.clone()).await.0,
        "HIT",
        "a page the change does not touch"
    );
    let _ = std::io::Write::write_fmt(
        &mut std::io::stderr(),
        format_args!(
            "CDN purge through Varnish: the comment shown {} ms after its approval\n",
            seen.as_millis()
        ),
    );
    app.stop().await;
}
