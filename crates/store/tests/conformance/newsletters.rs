//! Newsletters: subscriptions with consent, sends queued once, deliveries
//! leased, sent once and retried.

use chrono::{DateTime, Duration, Utc};
use kiosque_core::model::{
    Consent, ListKind, ListSettings, MailOutcome, Schedule, SendBody, SendDraft, SendKind,
    SendState, SubscriberQuery,
};
use kiosque_core::ports::Newsletters;
use kiosque_core::types::Email;
use kiosque_testkit::TestDb;

fn settings(name: &str, kind: ListKind) -> ListSettings {
    ListSettings {
        name: name.to_owned(),
        description: String::new(),
        kind,
        schedule: Schedule::DAILY_MORNING,
        section_id: None,
        sender_name: String::new(),
        active: true,
    }
}

fn consent(at: DateTime<Utc>, source: &'static str) -> Consent {
    Consent {
        at,
        text: "Je veux recevoir cette lettre.".to_owned(),
        version: "v-1".to_owned(),
        source,
    }
}

fn body(list_id: i64) -> SendBody {
    SendBody {
        subject: "Le point du matin".to_owned(),
        html: "<p>Bonjour</p>".to_owned(),
        text: "Bonjour".to_owned(),
        sender_name: "La rédaction".to_owned(),
        list_id,
    }
}

fn draft(list_id: i64, kind: SendKind) -> SendDraft {
    SendDraft {
        list_id,
        kind,
        subject: "Le point du matin".to_owned(),
        intro: String::new(),
        articles: vec![3, 1, 2],
        dropped: vec![4],
        slot: None,
    }
}

fn email(s: &str) -> Email {
    Email::parse(s).unwrap()
}

pub async fn newsletters_keep_consent_queue_once_and_deliver_once(db: TestDb) {
    let store = db.store().await;
    let now = Utc::now();
    let key = store.newsletter_key().await.unwrap();
    assert_eq!(key.len(), 32);
    assert_eq!(
        store.newsletter_key().await.unwrap(),
        key,
        "the key is kept"
    );

    let morning = store
        .create_newsletter_list(&settings("L'essentiel du matin", ListKind::Digest), now)
        .await
        .unwrap();
    let alerts = store
        .create_newsletter_list(&settings("Alertes", ListKind::Alerts), now)
        .await
        .unwrap();
    assert_eq!(morning.covered_until.timestamp(), now.timestamp());
    let mut changed = alerts.settings.clone();
    changed.description = "Quand l'actualité l'exige.".to_owned();
    store
        .update_newsletter_list(alerts.id, &changed)
        .await
        .unwrap();
    let lists = store.newsletter_lists().await.unwrap();
    assert_eq!(lists.len(), 2);
    assert_eq!(lists[1].settings.description, "Quand l'actualité l'exige.");

    // A request waits for confirmation; a second one within the quiet
    // time sends no second mail; case does not make a second subscriber.
    let quiet = Duration::minutes(10);
    let ana = store
        .request_subscription(
            &email("Ana@Example.org"),
            &[morning.id],
            &consent(now, "form"),
            quiet,
        )
        .await
        .unwrap()
        .expect("a first request is mailed");
    assert_eq!(
        (ana.confirmed_at, &ana.lists[..]),
        (None, &[morning.id][..])
    );
    let again = store
        .request_subscription(
            &email("ana@example.org"),
            &[morning.id, alerts.id],
            &consent(now, "form"),
            quiet,
        )
        .await
        .unwrap();
    assert!(again.is_none(), "no second mail within the quiet time");
    assert_eq!(
        store.subscriber(ana.id).await.unwrap().unwrap().lists,
        [morning.id, alerts.id]
    );
    assert_eq!(store.newsletter_lists().await.unwrap()[0].subscribers, 0);
    assert!(store.confirm_subscriber(ana.id, now).await.unwrap());
    assert!(!store.confirm_subscriber(ana.id + 1000, now).await.unwrap());
    let memberships = store.memberships(ana.id).await.unwrap();
    assert!(memberships.iter().all(|m| m.confirmed));
    assert_eq!(
        memberships[0].consent.text,
        "Je veux recevoir cette lettre."
    );
    assert_eq!(memberships[0].consent.source, "form");
    assert_eq!(store.newsletter_lists().await.unwrap()[0].subscribers, 1);

    // An import is confirmed on the newsroom's word, marked as such, and a
    // known address is not added twice.
    let added = store
        .import_subscribers(
            &[email("bob@example.org"), email("ANA@example.org")],
            &[morning.id],
            &consent(now, "import"),
        )
        .await
        .unwrap();
    assert_eq!(added, 1);
    let (found, total) = store
        .subscribers(&SubscriberQuery {
            search: "BOB".to_owned(),
            limit: 10,
            ..SubscriberQuery::default()
        })
        .await
        .unwrap();
    assert_eq!(total, 1);
    let bob = found[0].clone();
    assert!(bob.imported && bob.confirmed_at.is_some());
    let (_, on_alerts) = store
        .subscribers(&SubscriberQuery {
            list_id: Some(alerts.id),
            limit: 10,
            ..SubscriberQuery::default()
        })
        .await
        .unwrap();
    assert_eq!(on_alerts, 1);
    let (none, _) = store
        .subscribers(&SubscriberQuery {
            search: "%".to_owned(),
            limit: 10,
            ..SubscriberQuery::default()
        })
        .await
        .unwrap();
    assert!(none.is_empty(), "wildcards are searched as text");

    // A digest is started once for its slot, whoever asks.
    let slot = now + Duration::hours(1);
    let mut digest = draft(morning.id, SendKind::Digest);
    digest.slot = Some(slot);
    let (started, moved) = store
        .start_digest(
            morning.id,
            morning.covered_until,
            slot,
            Some((&digest, &body(morning.id))),
            now,
        )
        .await
        .unwrap();
    assert!(moved);
    let started = started.unwrap();
    assert_eq!(started.state, SendState::Sending);
    assert_eq!(started.draft.articles, [3, 1, 2]);
    assert_eq!(started.log.recipients, 2);
    let (twice, moved) = store
        .start_digest(
            morning.id,
            morning.covered_until,
            slot,
            Some((&digest, &body(morning.id))),
            now,
        )
        .await
        .unwrap();
    assert!(twice.is_none() && !moved);
    assert_eq!(
        store
            .newsletter_list(morning.id)
            .await
            .unwrap()
            .unwrap()
            .covered_until,
        DateTime::from_timestamp(slot.timestamp(), 0).unwrap()
    );
    assert_eq!(
        store.send_body(started.id).await.unwrap().unwrap().html,
        "<p>Bonjour</p>"
    );

    // An alert goes to a list once per article.
    let alert = store
        .start_alert(
            &draft(alerts.id, SendKind::Alert),
            77,
            &body(alerts.id),
            now,
        )
        .await
        .unwrap()
        .unwrap();
    assert_eq!(alert.log.recipients, 1);
    assert!(
        store
            .start_alert(
                &draft(alerts.id, SendKind::Alert),
                77,
                &body(alerts.id),
                now
            )
            .await
            .unwrap()
            .is_none()
    );
    assert_eq!(store.alerted_lists(77).await.unwrap(), [alerts.id]);

    // Deliveries: claimed once, marked sent under the claim only.
    let lease = now + Duration::minutes(5);
    let claimed = store.claim_mail(now, lease, 10, 111).await.unwrap();
    assert_eq!(claimed.len(), 3);
    assert!(
        store
            .claim_mail(now, lease, 10, 222)
            .await
            .unwrap()
            .is_empty()
    );
    let mut lost = claimed[0].clone();
    lost.claim = 222;
    assert!(!store.mark_mail_sent(&lost, now).await.unwrap());
    assert!(store.mark_mail_sent(&claimed[0], now).await.unwrap());
    assert!(!store.mark_mail_sent(&claimed[0], now).await.unwrap());
    // A temporary refusal comes back after its time; a permanent one counts.
    store
        .finish_mail(
            &claimed[1],
            &MailOutcome::Deferred(now + Duration::minutes(1), "451 busy".to_owned()),
            now,
        )
        .await
        .unwrap();
    store
        .finish_mail(
            &claimed[2],
            &MailOutcome::Failed {
                error: "550 unknown".to_owned(),
                hard: true,
            },
            now,
        )
        .await
        .unwrap();
    assert_eq!(
        store.finish_sends(now).await.unwrap(),
        [alert.id],
        "the digest still has a delivery to retry"
    );
    let later = now + Duration::minutes(2);
    let retried = store
        .claim_mail(later, later + Duration::minutes(5), 10, 333)
        .await
        .unwrap();
    assert_eq!(retried.len(), 1);
    assert_eq!(retried[0].attempts, 2);
    assert!(store.mark_mail_sent(&retried[0], later).await.unwrap());
    let finished = store.finish_sends(later).await.unwrap();
    assert!(!finished.is_empty());
    for id in [started.id, alert.id] {
        let send = store.newsletter_send(id).await.unwrap().unwrap();
        assert_eq!(send.state, SendState::Sent);
        assert_eq!(
            send.log.sent + send.log.failed,
            send.log.recipients,
            "{send:?}"
        );
    }
    // A worker killed between its commit and the final dot: the delivery
    // is given back under its claim only, and its send opens again.
    let r = &retried[0];
    let reopen = |claim| store.reopen_mail(r.send_id, r.subscriber_id, claim, later);
    assert!(!reopen(999).await.unwrap());
    assert!(reopen(r.claim).await.unwrap());
    assert_eq!(
        store
            .newsletter_send(r.send_id)
            .await
            .unwrap()
            .unwrap()
            .state,
        SendState::Sending
    );
    let again = store
        .claim_mail(later, later + Duration::minutes(5), 10, 334)
        .await
        .unwrap();
    assert_eq!(
        again
            .iter()
            .map(|m| (m.send_id, m.subscriber_id))
            .collect::<Vec<_>>(),
        [(r.send_id, r.subscriber_id)]
    );
    assert!(!reopen(r.claim).await.unwrap(), "claimed again since");
    assert!(store.mark_mail_sent(&again[0], later).await.unwrap());
    assert_eq!(store.finish_sends(later).await.unwrap(), [r.send_id]);

    // Clicks count per send, only on the send's own articles.
    let article = alert.draft.articles[0];
    let click = |send, article| store.count_newsletter_click(send, article);
    assert!(click(alert.id, article).await.unwrap());
    assert!(click(alert.id, article).await.unwrap());
    assert!(!click(alert.id, article + 1000).await.unwrap());
    assert!(!click(alert.id + 1000, article).await.unwrap());
    let log = store.newsletter_send(alert.id).await.unwrap().unwrap().log;
    assert_eq!(log.clicks, 2);

    // Leaving counts in the log of sends before it; pending mail is dropped.
    store.leave_all(ana.id, later).await.unwrap();
    assert!(
        store
            .subscriber(ana.id)
            .await
            .unwrap()
            .unwrap()
            .lists
            .is_empty()
    );
    let log = store
        .newsletter_send(started.id)
        .await
        .unwrap()
        .unwrap()
        .log;
    assert_eq!(log.unsubscribed, 1);
    // Preferences: back on one list, confirmed (the link came by mail).
    store
        .set_memberships(ana.id, &[alerts.id], &consent(later, "preferences"))
        .await
        .unwrap();
    let memberships = store.memberships(ana.id).await.unwrap();
    assert_eq!(memberships.len(), 1);
    assert_eq!(
        (memberships[0].list_id, memberships[0].confirmed),
        (alerts.id, true)
    );

    // Three permanent failures in a row suppress an address (the alert
    // above was the first).
    let mut suppressed = false;
    for article in 0..2 {
        let send = store
            .start_alert(
                &draft(alerts.id, SendKind::Alert),
                100 + article,
                &body(alerts.id),
                later,
            )
            .await
            .unwrap()
            .unwrap();
        let claimed = store
            .claim_mail(later, later + Duration::minutes(5), 10, 400 + article)
            .await
            .unwrap();
        let mine: Vec<_> = claimed.iter().filter(|m| m.send_id == send.id).collect();
        assert_eq!(mine.len(), 1);
        store
            .finish_mail(
                mine[0],
                &MailOutcome::Failed {
                    error: "550 no such user".to_owned(),
                    hard: true,
                },
                later,
            )
            .await
            .unwrap();
        suppressed = store
            .subscriber(ana.id)
            .await
            .unwrap()
            .unwrap()
            .suppressed_at
            .is_some();
    }
    assert!(suppressed);
    let next = store
        .start_alert(
            &draft(alerts.id, SendKind::Alert),
            200,
            &body(alerts.id),
            later,
        )
        .await
        .unwrap()
        .unwrap();
    assert_eq!(next.log.recipients, 0, "a suppressed address is not queued");

    // An editor's draft is kept for the next time, then used up.
    let mut prepared = draft(morning.id, SendKind::Digest);
    prepared.intro = "Bonne lecture.".to_owned();
    store.save_digest_draft(&prepared, later).await.unwrap();
    prepared.articles = vec![2];
    let kept = store.save_digest_draft(&prepared, later).await.unwrap();
    assert_eq!(kept.state, SendState::Draft);
    let found = store.digest_draft(morning.id).await.unwrap().unwrap();
    assert_eq!((found.id, &found.draft.articles[..]), (kept.id, &[2][..]));
    let covered = store
        .newsletter_list(morning.id)
        .await
        .unwrap()
        .unwrap()
        .covered_until;
    let (none, moved) = store
        .start_digest(morning.id, covered, slot + Duration::days(1), None, later)
        .await
        .unwrap();
    assert!(
        none.is_none() && moved,
        "nothing new: the time passes, nothing is sent"
    );
    assert!(store.digest_draft(morning.id).await.unwrap().is_some());

    store.delete_subscriber(bob.id).await.unwrap();
    assert!(store.subscriber(bob.id).await.unwrap().is_none());
    store.delete_newsletter_list(alerts.id).await.unwrap();
    assert_eq!(store.newsletter_lists().await.unwrap().len(), 1);
}
