//! Webhooks: events written with the change that makes them, delivered
//! once per webhook, leased, retried, and given up.

use chrono::{Duration, Utc};
use kiosque_core::model::{
    Attempt, DeliveryOutcome, DeliveryState, PageDraft, Site, WebhookEvent, WebhookSettings,
};
use kiosque_core::ports::{Store, Webhooks};
use kiosque_core::types::{ArticleStatus, CommentStatus, Locale, Slug};
use kiosque_store::SqlStore;
use kiosque_testkit::TestDb;
use kiosque_testkit::fixtures::{date, french_draft};

fn everything(url: &str, enabled: bool) -> WebhookSettings {
    WebhookSettings {
        url: url.into(),
        description: "Réseaux sociaux".into(),
        events: WebhookEvent::ALL.to_vec(),
        enabled,
    }
}

fn attempt(code: u16) -> Attempt {
    Attempt {
        at: Utc::now(),
        response_code: Some(code),
        duration_ms: 12,
        error: None,
    }
}

/// Sends every due delivery (as delivered) and says what they were.
async fn drain(store: &SqlStore) -> Vec<(WebhookEvent, i64, Option<String>)> {
    let mut seen = Vec::new();
    let later = Utc::now() + Duration::days(4);
    while let Some(due) = store.claim_delivery(later, later).await.unwrap() {
        seen.push((
            due.delivery.event,
            due.delivery.object_id,
            due.previous.clone(),
        ));
        store
            .finish_delivery(due.delivery.id, &attempt(200), &DeliveryOutcome::Delivered)
            .await
            .unwrap();
    }
    seen
}

fn events(seen: &[(WebhookEvent, i64, Option<String>)]) -> Vec<WebhookEvent> {
    seen.iter().map(|s| s.0).collect()
}

pub async fn webhook_events_are_written_with_their_change_and_delivered_once(db: TestDb) {
    let store = db.store().await;
    store
        .save_site(&Site::new("Le Courrier", Locale::Fr, "https://example.org"))
        .await
        .unwrap();
    // Nothing is written while no webhook wants it.
    let mut quiet = french_draft("sans-ecoute", date(0));
    quiet.status = ArticleStatus::Published;
    store.create_article(&quiet).await.unwrap();
    assert_eq!(db.number("SELECT count(*) FROM webhook_events").await, 0);

    let now = Utc::now();
    let hook = store
        .create_webhook(
            &everything("https://hooks.example.org/a", true),
            "whsec_a",
            now,
        )
        .await
        .unwrap();
    assert_eq!(hook.events, WebhookEvent::ALL.to_vec());
    // A disabled webhook is told nothing.
    let off = store
        .create_webhook(
            &everything("https://hooks.example.org/b", false),
            "whsec_b",
            now,
        )
        .await
        .unwrap();
    assert_eq!(store.webhooks().await.unwrap().len(), 2);

    let mut draft = french_draft("webhook", date(0));
    draft.status = ArticleStatus::Draft;
    let id = store.create_article(&draft).await.unwrap().article_id;
    assert!(drain(&store).await.is_empty(), "a draft is nobody's news");

    draft.status = ArticleStatus::Published;
    store.update_article(id, 1, &draft).await.unwrap();
    let seen = drain(&store).await;
    assert_eq!(events(&seen), [WebhookEvent::ArticlePublished]);
    assert_eq!(seen[0].1, id);

    let old_title = draft.title.as_str().to_owned();
    draft.title = kiosque_core::types::Title::parse("Un titre corrigé").unwrap();
    store.update_article(id, 2, &draft).await.unwrap();
    let seen = drain(&store).await;
    assert_eq!(events(&seen), [WebhookEvent::ArticleUpdated]);
    let previous: serde_json::Value = serde_json::from_str(seen[0].2.as_deref().unwrap()).unwrap();
    assert_eq!(previous["title"], old_title.as_str());
    assert_eq!(previous["status"], "published");

    // A change rolled back leaves no event; the same change committed does.
    let unpublish = format!(
        "UPDATE articles SET status = 'unpublished', version = version + 1 WHERE id = {id}"
    );
    db.rolled_back(&[&unpublish, "SELECT 1"]).await;
    assert!(
        drain(&store).await.is_empty(),
        "a rolled-back change sends nothing"
    );
    db.execute(&unpublish).await;
    assert_eq!(
        events(&drain(&store).await),
        [WebhookEvent::ArticleUnpublished]
    );

    // Scheduling, then the deletion, described by the values it had.
    draft.status = ArticleStatus::Scheduled;
    draft.published_at = Some(Utc::now() + Duration::days(1));
    store.update_article(id, 4, &draft).await.unwrap();
    assert_eq!(
        events(&drain(&store).await),
        [WebhookEvent::ArticleScheduled]
    );
    db.execute(&format!("DELETE FROM articles WHERE id = {id}"))
        .await;
    let seen = drain(&store).await;
    assert_eq!(events(&seen), [WebhookEvent::ArticleDeleted]);
    assert!(seen[0].2.as_deref().unwrap().contains("Un titre corrig"));

    // Comments, pages, photos and the site's settings.
    let article = store
        .publish_article(&french_draft("commentee", date(5)))
        .await
        .unwrap()
        .article_id;
    drain(&store).await;
    let comment = store
        .add_comment(&kiosque_core::model::NewComment {
            article_id: article,
            parent_id: None,
            author_name: "Kofi".into(),
            author_email: kiosque_core::types::Email::parse("kofi@example.org").unwrap(),
            author_url: None,
            body: "Merci pour cet article.".into(),
            status: CommentStatus::Pending,
            created_at: Utc::now(),
        })
        .await
        .unwrap();
    store
        .set_comment_status(comment.id, CommentStatus::Approved)
        .await
        .unwrap();
    let page = PageDraft {
        slug: Slug::parse("a-propos").unwrap(),
        title: "À propos".into(),
        body_markdown: "Qui nous sommes.".into(),
        body_html: "<p>Qui nous sommes.</p>".into(),
        in_menu: false,
        in_footer: true,
        position: 0,
    };
    let page_id = store.save_page(None, &page).await.unwrap();
    store
        .save_page(
            Some(page_id),
            &PageDraft {
                title: "Qui sommes-nous ?".into(),
                ..page
            },
        )
        .await
        .unwrap();
    let mut site = store.site().await.unwrap().unwrap();
    site.tagline = "L'actualité du Sahel".into();
    store.save_site(&site).await.unwrap();
    assert_eq!(
        events(&drain(&store).await),
        [
            WebhookEvent::CommentCreated,
            WebhookEvent::CommentApproved,
            WebhookEvent::PagePublished,
            WebhookEvent::PageUpdated,
            WebhookEvent::SiteChanged,
        ]
    );
    assert_eq!(
        db.number(&format!(
            "SELECT count(*) FROM webhook_deliveries WHERE webhook_id = {}",
            off.id
        ))
        .await,
        0
    );
    let log = store.deliveries(hook.id, 3).await.unwrap();
    assert_eq!(log.len(), 3);
    assert_eq!(log[0].event, WebhookEvent::SiteChanged, "newest first");
    assert_eq!(log[0].state, DeliveryState::Delivered);
    assert_eq!(log[0].response_code, Some(200));
}

pub async fn deliveries_are_leased_retried_and_given_up(db: TestDb) {
    let store = db.store().await;
    let now = Utc::now();
    let hook = store
        .create_webhook(
            &everything("https://hooks.example.org/a", true),
            "whsec_a",
            now,
        )
        .await
        .unwrap();
    store
        .publish_article(&french_draft("relance", date(0)))
        .await
        .unwrap();
    // The database's clock wrote the event: read ours after it.
    let now = Utc::now();
    let lease = now + Duration::seconds(60);
    let due = store.claim_delivery(now, lease).await.unwrap().unwrap();
    assert_eq!(due.delivery.attempts, 1);
    assert_eq!(due.url, "https://hooks.example.org/a");
    assert_eq!(due.secret, "whsec_a");
    // Leased: nobody else takes it meanwhile.
    assert!(store.claim_delivery(now, lease).await.unwrap().is_none());
    // The first message kept is the one every attempt sends.
    let kept = store
        .keep_event_payload(due.delivery.event_id, "{\"a\":1}")
        .await
        .unwrap();
    assert_eq!(kept, "{\"a\":1}");
    let kept = store
        .keep_event_payload(due.delivery.event_id, "{\"b\":2}")
        .await
        .unwrap();
    assert_eq!(kept, "{\"a\":1}");

    let retry_at = now + Duration::seconds(5);
    store
        .finish_delivery(
            due.delivery.id,
            &attempt(500),
            &DeliveryOutcome::Retry(retry_at),
        )
        .await
        .unwrap();
    assert!(store.claim_delivery(now, lease).await.unwrap().is_none());
    let again = store
        .claim_delivery(retry_at, retry_at + Duration::seconds(60))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (again.delivery.id, again.delivery.attempts),
        (due.delivery.id, 2)
    );
    assert_eq!(again.payload.as_deref(), Some("{\"a\":1}"));

    // Given up with a reason: the webhook is turned off and sends nothing.
    store
        .finish_delivery(
            again.delivery.id,
            &attempt(410),
            &DeliveryOutcome::Failed(Some("410".into())),
        )
        .await
        .unwrap();
    let off = store.webhook(hook.id).await.unwrap().unwrap();
    assert!(!off.enabled);
    assert_eq!(off.disabled_reason.as_deref(), Some("410"));
    let resent = store
        .send_again(hook.id, again.delivery.id, now)
        .await
        .unwrap();
    let far = now + Duration::days(4);
    assert!(store.claim_delivery(far, far).await.unwrap().is_none());
    // Turned back on: the reason goes, the queued message is sent.
    let on = store
        .update_webhook(hook.id, &everything("https://hooks.example.org/a2", true))
        .await
        .unwrap();
    assert!(on.enabled && on.disabled_reason.is_none());
    let third = store.claim_delivery(far, far).await.unwrap().unwrap();
    assert_eq!(third.delivery.id, resent);
    assert_eq!(third.delivery.event_id, again.delivery.event_id);
    assert_eq!(third.url, "https://hooks.example.org/a2");
    assert!(matches!(
        store.send_again(hook.id + 1, again.delivery.id, now).await,
        Err(kiosque_core::Error::NotFound(_))
    ));

    // Old finished events are forgotten; pending ones stay.
    store
        .finish_delivery(
            third.delivery.id,
            &attempt(204),
            &DeliveryOutcome::Delivered,
        )
        .await
        .unwrap();
    store.prune_webhook_events(far).await.unwrap();
    assert_eq!(db.number("SELECT count(*) FROM webhook_events").await, 0);
    store.delete_webhook(hook.id).await.unwrap();
    assert!(matches!(
        store.delete_webhook(hook.id).await,
        Err(kiosque_core::Error::NotFound(_))
    ));
}
