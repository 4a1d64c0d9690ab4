//! The background task that delivers webhook messages. The outbox lives
//! in the database (migration 0028): a delivery is claimed with a lease,
//! so several app servers share the work without sending one twice at
//! once, and a server that dies mid-send lets another take it up again
//! (at least once: the receiver tells repeats apart by `webhook-id`).

use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use kiosque_core::model::{Attempt, DueDelivery};
use kiosque_core::ports::Store;
use kiosque_core::service::webhooks;
use tokio::task::{JoinHandle, JoinSet};

use crate::outbound::{Outbound, Sent};

/// How the worker sends.
#[derive(Debug, Clone)]
pub struct WebhookWork {
    /// Waits after each failed attempt, in order; the delivery is given
    /// up (and its webhook turned off) after the last.
    pub retry: Vec<Duration>,
    /// Looks for due deliveries this often.
    pub every: Duration,
}

/// Deliveries in flight at once, so one slow receiver does not hold up
/// the others.
const IN_FLIGHT: usize = 4;

/// Old events and their log are kept this long.
const KEEP_DAYS: i64 = 30;

/// Starts the worker.
pub fn spawn(
    store: Arc<dyn Store>,
    outbound: Outbound,
    work: WebhookWork,
    mut stopping: crate::stopping::Stopping,
) -> JoinHandle<()> {
    tokio::spawn(async move {
        let mut ticks = tokio::time::interval(work.every);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut pruned_at = None;
        loop {
            tokio::select! {
                _ = ticks.tick() => {}
                () = stopping.wait() => return,
            }
            if pruned_at.is_none_or(|at: chrono::DateTime<Utc>| {
                Utc::now() - at > chrono::Duration::hours(1)
            }) {
                pruned_at = Some(Utc::now());
                if let Err(e) = store
                    .prune_webhook_events(Utc::now() - chrono::Duration::days(KEEP_DAYS))
                    .await
                {
                    tracing::warn!(error = %e, "pruning old webhook events failed");
                }
            }
            let mut sending = JoinSet::new();
            // Once the server stops, the calls under way finish (below)
            // and no other is started.
            while !stopping.requested() {
                while sending.len() >= IN_FLIGHT {
                    sending.join_next().await;
                }
                let lease = Utc::now()
                    + chrono::Duration::from_std(outbound.timeout() * 2 + Duration::from_secs(30))
                        .unwrap_or(chrono::Duration::minutes(1));
                match store.claim_delivery(Utc::now(), lease).await {
                    Ok(Some(due)) => {
                        let (store, outbound, retry) =
                            (store.clone(), outbound.clone(), work.retry.clone());
                        sending.spawn(async move {
                            deliver(store.as_ref(), &outbound, &retry, due).await;
                        });
                    }
                    Ok(None) => break,
                    // The database may be briefly away; the next tick retries.
                    Err(e) => {
                        tracing::error!(error = %e, "reading the webhook outbox failed");
                        break;
                    }
                }
            }
            while sending.join_next().await.is_some() {}
        }
    })
}

async fn deliver(store: &dyn Store, outbound: &Outbound, retry: &[Duration], due: DueDelivery) {
    let d = &due.delivery;
    let payload = match due.payload.clone() {
        Some(p) => Ok(p),
        None => match kiosque_web::webhook_message(store, &due).await {
            Ok(made) => store.keep_event_payload(d.event_id, &made).await,
            Err(e) => Err(e),
        },
    };
    let message_id = format!("msg_{}", d.event_id);
    let now = Utc::now();
    // A message that cannot be made or signed counts as a failed attempt,
    // so it follows the schedule (and is given up) like any other.
    let (sent, took) = match payload {
        Err(e) => (
            Sent::Failed(format!("making the message failed: {e}")),
            Duration::ZERO,
        ),
        Ok(payload) => match standardwebhooks::Webhook::new(&due.secret)
            .and_then(|w| w.sign(&message_id, now.timestamp(), payload.as_bytes()))
        {
            Ok(signature) => {
                outbound
                    .post_json(
                        &due.url,
                        &[
                            ("webhook-id", message_id.clone()),
                            ("webhook-timestamp", now.timestamp().to_string()),
                            ("webhook-signature", signature),
                        ],
                        payload,
                    )
                    .await
            }
            Err(e) => (
                Sent::Failed(format!("the signing secret is not valid: {e}")),
                Duration::ZERO,
            ),
        },
    };
    let (code, error) = match sent {
        Sent::Answered(code) => (Some(code), None),
        Sent::Refused(why) | Sent::Failed(why) => (None, Some(why)),
    };
    let outcome = webhooks::after_attempt(code, d.attempts, retry, Utc::now(), jitter());
    let attempt = Attempt {
        at: now,
        response_code: code,
        duration_ms: u64::try_from(took.as_millis()).unwrap_or(u64::MAX),
        error: error.clone(),
    };
    tracing::info!(
        delivery = d.id,
        event = d.event.as_str(),
        attempt = d.attempts,
        code,
        error,
        ms = attempt.duration_ms,
        ?outcome,
        "webhook delivery"
    );
    if let Err(e) = store.finish_delivery(d.id, &attempt, &outcome).await {
        tracing::error!(delivery = d.id, error = %e, "recording a webhook delivery failed");
    }
}

/// A number in [0, 1) to spread retries.
fn jitter() -> f64 {
    let mut b = [0u8; 4];
    match getrandom::fill(&mut b) {
        Ok(()) => f64::from(u32::from_le_bytes(b)) / (f64::from(u32::MAX) + 1.0),
        Err(_) => 0.5,
    }
}
