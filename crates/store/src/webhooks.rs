//! Webhooks, their subscriptions and the delivery log (migration 0028; the
//! events themselves are written by that migration's triggers).

use std::collections::HashMap;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use kiosque_core::model::{
    Attempt, Delivery, DeliveryOutcome, DeliveryState, DueDelivery, Webhook, WebhookEvent,
    WebhookSettings,
};
use kiosque_core::ports::Webhooks;
use kiosque_core::{Error, Result};
use sqlx::any::AnyRow;
use sqlx::{Any, Transaction};

use crate::rows::{get, time};
use crate::{SqlStore, db};

const WEBHOOK_COLUMNS: &str = "id, url, description, secret, enabled, disabled_reason, created_at";

const DELIVERY_COLUMNS: &str = "d.id, d.webhook_id, d.event_id, e.event, e.object_id, d.state, \
     d.attempts, d.run_after, d.last_attempt_at, d.response_code, d.duration_ms, d.error, \
     e.created_at";

const DELIVERY_TABLES: &str = "webhook_deliveries d JOIN webhook_events e ON e.id = d.event_id";

fn corrupt(what: &str, value: &str) -> Error {
    Error::Backend(format!("stored {what} is not valid: {value:?}").into())
}

fn webhook(row: &AnyRow, events: Vec<WebhookEvent>) -> Result<Webhook> {
    Ok(Webhook {
        id: get(row, "id")?,
        url: get(row, "url")?,
        description: get(row, "description")?,
        secret: get(row, "secret")?,
        events,
        enabled: get::<i64>(row, "enabled")? != 0,
        disabled_reason: get(row, "disabled_reason")?,
        created_at: time(get(row, "created_at")?),
    })
}

fn delivery(row: &AnyRow) -> Result<Delivery> {
    let event: String = get(row, "event")?;
    let state: String = get(row, "state")?;
    Ok(Delivery {
        id: get(row, "id")?,
        webhook_id: get(row, "webhook_id")?,
        event_id: get(row, "event_id")?,
        event: WebhookEvent::parse(&event).ok_or_else(|| corrupt("event", &event))?,
        object_id: get(row, "object_id")?,
        state: DeliveryState::parse(&state).ok_or_else(|| corrupt("state", &state))?,
        attempts: u32::try_from(get::<i64>(row, "attempts")?).unwrap_or(u32::MAX),
        next_attempt_at: time(get(row, "run_after")?),
        last_attempt_at: get::<Option<i64>>(row, "last_attempt_at")?.map(time),
        response_code: get::<Option<i64>>(row, "response_code")?
            .and_then(|c| u16::try_from(c).ok()),
        duration_ms: get::<Option<i64>>(row, "duration_ms")?.and_then(|d| u64::try_from(d).ok()),
        error: get(row, "error")?,
        created_at: time(get(row, "created_at")?),
    })
}

/// The events each webhook is told of, in the events' own order.
async fn subscriptions(
    pool: &sqlx::AnyPool,
    webhook_id: Option<i64>,
) -> Result<HashMap<i64, Vec<WebhookEvent>>> {
    let rows = match webhook_id {
        Some(id) => {
            sqlx::query("SELECT webhook_id, event FROM webhook_subscriptions WHERE webhook_id = $1")
                .bind(id)
                .fetch_all(pool)
                .await
        }
        None => {
            sqlx::query("SELECT webhook_id, event FROM webhook_subscriptions")
                .fetch_all(pool)
                .await
        }
    }
    .map_err(db)?;
    let mut out: HashMap<i64, Vec<WebhookEvent>> = HashMap::new();
    for row in &rows {
        let name: String = get(row, "event")?;
        // A name this build does not know (written by a newer one) is left
        // out rather than failing the whole list.
        if let Some(event) = WebhookEvent::parse(&name) {
            out.entry(get(row, "webhook_id")?).or_default().push(event);
        }
    }
    for events in out.values_mut() {
        events.sort();
    }
    Ok(out)
}

async fn subscribe(
    tx: &mut Transaction<'static, Any>,
    id: i64,
    events: &[WebhookEvent],
) -> Result<()> {
    sqlx::query("DELETE FROM webhook_subscriptions WHERE webhook_id = $1")
        .bind(id)
        .execute(&mut **tx)
        .await
        .map_err(db)?;
    for event in events {
        sqlx::query("INSERT INTO webhook_subscriptions (webhook_id, event) VALUES ($1, $2)")
            .bind(id)
            .bind(event.as_str())
            .execute(&mut **tx)
            .await
            .map_err(db)?;
    }
    Ok(())
}

#[async_trait]
impl Webhooks for SqlStore {
    async fn create_webhook(
        &self,
        settings: &WebhookSettings,
        secret: &str,
        now: DateTime<Utc>,
    ) -> Result<Webhook> {
        let mut tx = self.begin_write().await?;
        let row = sqlx::query(&format!(
            "INSERT INTO webhooks (url, description, secret, enabled, created_at) \
             VALUES ($1, $2, $3, $4, $5) RETURNING {WEBHOOK_COLUMNS}"
        ))
        .bind(&settings.url)
        .bind(&settings.description)
        .bind(secret)
        .bind(i64::from(settings.enabled))
        .bind(now.timestamp())
        .fetch_one(&mut *tx)
        .await
        .map_err(db)?;
        let created = webhook(&row, settings.events.clone())?;
        subscribe(&mut tx, created.id, &settings.events).await?;
        tx.commit().await.map_err(db)?;
        Ok(created)
    }

    async fn webhooks(&self) -> Result<Vec<Webhook>> {
        let mut events = subscriptions(&self.pool, None).await?;
        sqlx::query(&format!(
            "SELECT {WEBHOOK_COLUMNS} FROM webhooks ORDER BY id"
        ))
        .fetch_all(&self.pool)
        .await
        .map_err(db)?
        .iter()
        .map(|row| {
            let id: i64 = get(row, "id")?;
            webhook(row, events.remove(&id).unwrap_or_default())
        })
        .collect()
    }

    async fn webhook(&self, id: i64) -> Result<Option<Webhook>> {
        let Some(row) = sqlx::query(&format!(
            "SELECT {WEBHOOK_COLUMNS} FROM webhooks WHERE id = $1"
        ))
        .bind(id)
        .fetch_optional(&self.pool)
        .await
        .map_err(db)?
        else {
            return Ok(None);
        };
        let events = subscriptions(&self.pool, Some(id))
            .await?
            .remove(&id)
            .unwrap_or_default();
        webhook(&row, events).map(Some)
    }

    async fn update_webhook(&self, id: i64, settings: &WebhookSettings) -> Result<Webhook> {
        let mut tx = self.begin_write().await?;
        let row = sqlx::query(&format!(
            "UPDATE webhooks SET url = $1, description = $2, enabled = $3, \
             disabled_reason = CASE WHEN $3 = 1 THEN NULL ELSE disabled_reason END \
             WHERE id = $4 RETURNING {WEBHOOK_COLUMNS}"
        ))
        .bind(&settings.url)
        .bind(&settings.description)
        .bind(i64::from(settings.enabled))
        .bind(id)
        .fetch_optional(&mut *tx)
        .await
        .map_err(db)?
        .ok_or(Error::NotFound("webhook"))?;
        let updated = webhook(&row, settings.events.clone())?;
        subscribe(&mut tx, id, &settings.events).await?;
        tx.commit().await.map_err(db)?;
        Ok(updated)
    }

    async fn delete_webhook(&self, id: i64) -> Result<()> {
        let done = sqlx::query("DELETE FROM webhooks WHERE id = $1")
            .bind(id)
            .execute(&self.pool)
            .await
            .map_err(db)?;
        if done.rows_affected() == 0 {
            return Err(Error::NotFound("webhook"));
        }
        Ok(())
    }

    async fn claim_delivery(
        &self,
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
    ) -> Result<Option<DueDelivery>> {
        // The lease moves forward in the claiming statement itself, and the
        // outer condition is checked again on the row it locks, so two
        // workers (two app servers) never take the same delivery.
        let claimed = sqlx::query(
            "UPDATE webhook_deliveries SET run_after = $1, attempts = attempts + 1, \
             last_attempt_at = $2 \
             WHERE id = (SELECT d.id FROM webhook_deliveries d \
                 JOIN webhooks w ON w.id = d.webhook_id \
                 WHERE d.state = 'pending' AND d.run_after <= $2 AND w.enabled = 1 \
                 ORDER BY d.run_after, d.id LIMIT 1) \
             AND state = 'pending' AND run_after <= $2 RETURNING id",
        )
        .bind(lease_until.timestamp())
        .bind(now.timestamp())
        .fetch_all(&self.pool)
        .await
        .map(crate::any_first_row)
        .map_err(db)?;
        let Some(row) = claimed else { return Ok(None) };
        let id: i64 = get(&row, "id")?;
        let row = sqlx::query(&format!(
            "SELECT {DELIVERY_COLUMNS}, e.previous, e.payload, w.url, w.secret \
             FROM {DELIVERY_TABLES} JOIN webhooks w ON w.id = d.webhook_id WHERE d.id = $1"
        ))
        .bind(id)
        .fetch_optional(&self.pool)
        .await
        .map_err(db)?;
        // Deleted with its webhook since the claim: nothing to send.
        let Some(row) = row else { return Ok(None) };
        Ok(Some(DueDelivery {
            delivery: delivery(&row)?,
            url: get(&row, "url")?,
            secret: get(&row, "secret")?,
            previous: get(&row, "previous")?,
            payload: get(&row, "payload")?,
        }))
    }

    async fn keep_event_payload(&self, event_id: i64, payload: &str) -> Result<String> {
        sqlx::query("UPDATE webhook_events SET payload = $1 WHERE id = $2 AND payload IS NULL")
            .bind(payload)
            .bind(event_id)
            .execute(&self.pool)
            .await
            .map_err(db)?;
        let row = sqlx::query("SELECT payload FROM webhook_events WHERE id = $1")
            .bind(event_id)
            .fetch_optional(&self.pool)
            .await
            .map_err(db)?
            .ok_or(Error::NotFound("webhook event"))?;
        Ok(get::<Option<String>>(&row, "payload")?.unwrap_or_else(|| payload.to_owned()))
    }

    async fn finish_delivery(
        &self,
        id: i64,
        attempt: &Attempt,
        outcome: &DeliveryOutcome,
    ) -> Result<()> {
        let (state, run_after) = match outcome {
            DeliveryOutcome::Delivered => (DeliveryState::Delivered, attempt.at),
            DeliveryOutcome::Retry(at) => (DeliveryState::Pending, *at),
            DeliveryOutcome::Failed(_) => (DeliveryState::Failed, attempt.at),
        };
        let mut tx = self.begin_write().await?;
        sqlx::query(
            "UPDATE webhook_deliveries SET state = $1, run_after = $2, last_attempt_at = $3, \
             response_code = $4, duration_ms = $5, error = $6 WHERE id = $7",
        )
        .bind(state.as_str())
        .bind(run_after.timestamp())
        .bind(attempt.at.timestamp())
        .bind(attempt.response_code.map(i64::from))
        .bind(i64::try_from(attempt.duration_ms).unwrap_or(i64::MAX))
        .bind(attempt.error.as_deref())
        .bind(id)
        .execute(&mut *tx)
        .await
        .map_err(db)?;
        if let DeliveryOutcome::Failed(Some(reason)) = outcome {
            sqlx::query(
                "UPDATE webhooks SET enabled = 0, disabled_reason = $1 \
                 WHERE id = (SELECT webhook_id FROM webhook_deliveries WHERE id = $2)",
            )
            .bind(reason)
            .bind(id)
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        }
        tx.commit().await.map_err(db)
    }

    async fn deliveries(&self, webhook_id: i64, limit: u32) -> Result<Vec<Delivery>> {
        sqlx::query(&format!(
            "SELECT {DELIVERY_COLUMNS} FROM {DELIVERY_TABLES} WHERE d.webhook_id = $1 \
             ORDER BY d.id DESC LIMIT $2"
        ))
        .bind(webhook_id)
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await
        .map_err(db)?
        .iter()
        .map(delivery)
        .collect()
    }

    async fn send_again(
        &self,
        webhook_id: i64,
        delivery_id: i64,
        now: DateTime<Utc>,
    ) -> Result<i64> {
        let row = sqlx::query(
            "INSERT INTO webhook_deliveries (webhook_id, event_id, run_after, created_at) \
             SELECT webhook_id, event_id, $1, $1 FROM webhook_deliveries \
             WHERE id = $2 AND webhook_id = $3 RETURNING id",
        )
        .bind(now.timestamp())
        .bind(delivery_id)
        .bind(webhook_id)
        .fetch_all(&self.pool)
        .await
        .map(crate::any_first_row)
        .map_err(db)?
        .ok_or(Error::NotFound("delivery"))?;
        get(&row, "id")
    }

    async fn prune_webhook_events(&self, before: DateTime<Utc>) -> Result<()> {
        sqlx::query(
            "DELETE FROM webhook_events WHERE created_at < $1 AND NOT EXISTS \
             (SELECT 1 FROM webhook_deliveries d WHERE d.event_id = webhook_events.id \
              AND d.state = 'pending')",
        )
        .bind(before.timestamp())
        .execute(&self.pool)
        .await
        .map_err(db)?;
        Ok(())
    }
}
