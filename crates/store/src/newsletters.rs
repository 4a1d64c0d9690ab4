//! Newsletters (migration 0034): lists, subscribers and their consent,
//! sends and the durable queue of deliveries.

use async_trait::async_trait;
use chrono::{DateTime, Duration, Utc};
use kiosque_core::model::{
    Consent, DueMail, ListKind, ListSettings, MailOutcome, Membership, NewsletterList,
    NewsletterSend, Schedule, SendBody, SendDraft, SendKind, SendLog, SendState, Subscriber,
    SubscriberQuery,
};
use kiosque_core::ports::Newsletters;
use kiosque_core::service::newsletter::{HARD_FAILURE_LIMIT, LinkKey};
use kiosque_core::types::Email;
use kiosque_core::{Error, Result};
use sqlx::any::AnyRow;
use sqlx::{Any, Transaction};

use crate::rows::{get, id_list, time};
use crate::{SqlStore, db};

const LIST_COLUMNS: &str = "l.id, l.name, l.description, l.kind, l.days, l.send_minute, \
     l.section_id, l.sender_name, l.active, l.covered_until, l.created_at, \
     (SELECT COUNT(*) FROM newsletter_memberships m \
      JOIN newsletter_subscribers s ON s.id = m.subscriber_id \
      WHERE m.list_id = l.id AND m.left_at IS NULL AND m.confirmed = 1 \
      AND s.suppressed_at IS NULL) AS subscribers";

const SUBSCRIBER_COLUMNS: &str =
    "id, email, confirmed_at, imported, hard_failures, suppressed_at, created_at";

const SEND_COLUMNS: &str = "n.id, n.list_id, n.kind, n.state, n.subject, n.intro, n.articles, \
     n.dropped, n.slot, n.recipients, n.created_at, n.started_at, n.finished_at, \
     (SELECT COUNT(*) FROM newsletter_deliveries d \
      WHERE d.send_id = n.id AND d.state = 'sent') AS sent_count, \
     (SELECT COUNT(*) FROM newsletter_deliveries d \
      WHERE d.send_id = n.id AND d.state = 'failed') AS failed_count, \
     (SELECT COUNT(*) FROM newsletter_deliveries d \
      WHERE d.send_id = n.id AND d.state = 'pending' AND d.attempts > 0) AS deferred_count, \
     (SELECT COUNT(*) FROM newsletter_memberships m \
      WHERE m.list_id = n.list_id AND n.started_at IS NOT NULL \
      AND m.left_at >= n.started_at) AS left_count, \
     (SELECT CAST(COALESCE(SUM(c.clicks), 0) AS BIGINT) FROM newsletter_clicks c \
      WHERE c.send_id = n.id) AS click_count";

fn corrupt(what: &str, value: &str) -> Error {
    Error::Backend(format!("stored {what} is not valid: {value:?}").into())
}

fn count(row: &AnyRow, column: &str) -> Result<u64> {
    Ok(u64::try_from(get::<i64>(row, column)?).unwrap_or(0))
}

fn list(row: &AnyRow) -> Result<NewsletterList> {
    let kind: String = get(row, "kind")?;
    Ok(NewsletterList {
        id: get(row, "id")?,
        settings: ListSettings {
            name: get(row, "name")?,
            description: get(row, "description")?,
            kind: ListKind::parse(&kind).ok_or_else(|| corrupt("list kind", &kind))?,
            schedule: Schedule {
                days: u8::try_from(get::<i64>(row, "days")?).unwrap_or(0),
                minute: u16::try_from(get::<i64>(row, "send_minute")?).unwrap_or(0),
            },
            section_id: get(row, "section_id")?,
            sender_name: get(row, "sender_name")?,
            active: get::<i64>(row, "active")? != 0,
        },
        covered_until: time(get(row, "covered_until")?),
        created_at: time(get(row, "created_at")?),
        subscribers: count(row, "subscribers")?,
    })
}

fn subscriber(row: &AnyRow, lists: Vec<i64>) -> Result<Subscriber> {
    Ok(Subscriber {
        id: get(row, "id")?,
        email: get(row, "email")?,
        confirmed_at: get::<Option<i64>>(row, "confirmed_at")?.map(time),
        imported: get::<i64>(row, "imported")? != 0,
        hard_failures: u32::try_from(get::<i64>(row, "hard_failures")?).unwrap_or(u32::MAX),
        suppressed_at: get::<Option<i64>>(row, "suppressed_at")?.map(time),
        created_at: time(get(row, "created_at")?),
        lists,
    })
}

fn ids(raw: &str) -> Vec<i64> {
    raw.split(',')
        .filter_map(|id| id.trim().parse().ok())
        .collect()
}

fn joined(ids: &[i64]) -> String {
    ids.iter().map(i64::to_string).collect::<Vec<_>>().join(",")
}

fn send(row: &AnyRow) -> Result<NewsletterSend> {
    let kind: String = get(row, "kind")?;
    let state: String = get(row, "state")?;
    Ok(NewsletterSend {
        id: get(row, "id")?,
        draft: SendDraft {
            list_id: get(row, "list_id")?,
            kind: SendKind::parse(&kind).ok_or_else(|| corrupt("send kind", &kind))?,
            subject: get(row, "subject")?,
            intro: get(row, "intro")?,
            articles: ids(&get::<String>(row, "articles")?),
            dropped: ids(&get::<String>(row, "dropped")?),
            slot: get::<Option<i64>>(row, "slot")?.map(time),
        },
        state: SendState::parse(&state).ok_or_else(|| corrupt("send state", &state))?,
        created_at: time(get(row, "created_at")?),
        started_at: get::<Option<i64>>(row, "started_at")?.map(time),
        finished_at: get::<Option<i64>>(row, "finished_at")?.map(time),
        log: SendLog {
            recipients: count(row, "recipients")?,
            sent: count(row, "sent_count")?,
            deferred: count(row, "deferred_count")?,
            failed: count(row, "failed_count")?,
            unsubscribed: count(row, "left_count")?,
            clicks: count(row, "click_count")?,
        },
    })
}

/// Joins (or re-joins) a list. A confirmed member keeps the consent they
/// gave; a new, waiting or returning one records this one.
async fn join(
    tx: &mut Transaction<'static, Any>,
    subscriber_id: i64,
    list_id: i64,
    consent: &Consent,
    confirmed: bool,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO newsletter_memberships (subscriber_id, list_id, confirmed, consent_at, \
         consent_text, consent_version, source) VALUES ($1, $2, $3, $4, $5, $6, $7) \
         ON CONFLICT (subscriber_id, list_id) DO UPDATE SET confirmed = excluded.confirmed, \
         consent_at = excluded.consent_at, consent_text = excluded.consent_text, \
         consent_version = excluded.consent_version, source = excluded.source, left_at = NULL \
         WHERE newsletter_memberships.left_at IS NOT NULL \
            OR newsletter_memberships.confirmed < excluded.confirmed \
            OR (newsletter_memberships.confirmed = 0 AND excluded.confirmed = 0)",
    )
    .bind(subscriber_id)
    .bind(list_id)
    .bind(i64::from(confirmed))
    .bind(consent.at.timestamp())
    .bind(&consent.text)
    .bind(&consent.version)
    .bind(consent.source)
    .execute(&mut **tx)
    .await
    .map_err(db)?;
    Ok(())
}

/// Queues a send to every confirmed member of its list; returns how many.
async fn queue(
    tx: &mut Transaction<'static, Any>,
    send_id: i64,
    list_id: i64,
    now: DateTime<Utc>,
) -> Result<u64> {
    let done = sqlx::query(
        "INSERT INTO newsletter_deliveries (send_id, subscriber_id, run_after) \
         SELECT $1, m.subscriber_id, $2 FROM newsletter_memberships m \
         JOIN newsletter_subscribers s ON s.id = m.subscriber_id \
         WHERE m.list_id = $3 AND m.left_at IS NULL AND m.confirmed = 1 \
         AND s.confirmed_at IS NOT NULL AND s.suppressed_at IS NULL",
    )
    .bind(send_id)
    .bind(now.timestamp())
    .bind(list_id)
    .execute(&mut **tx)
    .await
    .map_err(db)?;
    let recipients = done.rows_affected();
    sqlx::query("UPDATE newsletter_sends SET recipients = $1 WHERE id = $2")
        .bind(i64::try_from(recipients).unwrap_or(i64::MAX))
        .bind(send_id)
        .execute(&mut **tx)
        .await
        .map_err(db)?;
    Ok(recipients)
}

/// Inserts a send being sent, with its rendered mail; `None` when an
/// alert about the same article already went to the list.
async fn insert_send(
    tx: &mut Transaction<'static, Any>,
    draft: &SendDraft,
    alert: Option<i64>,
    body: &SendBody,
    now: DateTime<Utc>,
) -> Result<Option<i64>> {
    let row = sqlx::query(
        "INSERT INTO newsletter_sends (list_id, kind, state, subject, intro, articles, dropped, \
         alert_article_id, slot, sender_name, html, text, created_at, started_at) \
         VALUES ($1, $2, 'sending', $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $12) \
         ON CONFLICT (list_id, alert_article_id) DO NOTHING RETURNING id",
    )
    .bind(draft.list_id)
    .bind(draft.kind.as_str())
    .bind(&body.subject)
    .bind(&draft.intro)
    .bind(joined(&draft.articles))
    .bind(joined(&draft.dropped))
    .bind(alert)
    .bind(draft.slot.map(|s| s.timestamp()))
    .bind(&body.sender_name)
    .bind(&body.html)
    .bind(&body.text)
    .bind(now.timestamp())
    .fetch_optional(&mut **tx)
    .await
    .map_err(db)?;
    match row {
        Some(row) => Ok(Some(get(&row, "id")?)),
        None => Ok(None),
    }
}

impl SqlStore {
    /// Deletes one row of `table` (a name from this file, never input);
    /// `NotFound(what)` if there was none.
    async fn delete_row(&self, table: &str, what: &'static str, id: i64) -> Result<()> {
        let done = sqlx::query(&format!("DELETE FROM {table} WHERE id = $1"))
            .bind(id)
            .execute(&self.pool)
            .await
            .map_err(db)?;
        if done.rows_affected() == 0 {
            return Err(Error::NotFound(what));
        }
        Ok(())
    }

    async fn send_by_id(&self, id: i64) -> Result<Option<NewsletterSend>> {
        sqlx::query(&format!(
            "SELECT {SEND_COLUMNS} FROM newsletter_sends n WHERE n.id = $1"
        ))
        .bind(id)
        .fetch_optional(&self.pool)
        .await
        .map_err(db)?
        .as_ref()
        .map(send)
        .transpose()
    }

    /// The lists each of `subscribers` belongs to now.
    async fn lists_of(&self, subscribers: &[i64]) -> Result<Vec<(i64, i64)>> {
        if subscribers.is_empty() {
            return Ok(Vec::new());
        }
        sqlx::query(&format!(
            "SELECT subscriber_id, list_id FROM newsletter_memberships \
             WHERE left_at IS NULL AND subscriber_id IN ({}) ORDER BY list_id",
            id_list(subscribers)
        ))
        .fetch_all(&self.pool)
        .await
        .map_err(db)?
        .iter()
        .map(|row| Ok((get(row, "subscriber_id")?, get(row, "list_id")?)))
        .collect()
    }

    async fn subscriber_rows(&self, rows: &[AnyRow]) -> Result<Vec<Subscriber>> {
        let ids: Vec<i64> = rows
            .iter()
            .map(|row| get(row, "id"))
            .collect::<Result<_>>()?;
        let memberships = self.lists_of(&ids).await?;
        rows.iter()
            .zip(ids)
            .map(|(row, id)| {
                let lists = memberships
                    .iter()
                    .filter(|(s, _)| *s == id)
                    .map(|(_, l)| *l)
                    .collect();
                subscriber(row, lists)
            })
            .collect()
    }
}

/// `%text%` for LIKE, with its wildcards escaped.
fn containing(text: &str) -> String {
    let escaped = text
        .to_lowercase()
        .replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_");
    format!("%{escaped}%")
}

#[async_trait]
impl Newsletters for SqlStore {
    async fn newsletter_key(&self) -> Result<Vec<u8>> {
        let read = |row: Option<AnyRow>| -> Result<Option<Vec<u8>>> {
            let Some(row) = row else { return Ok(None) };
            let hex: String = get(&row, "secret")?;
            (0..hex.len())
                .step_by(2)
                .map(|i| {
                    hex.get(i..i + 2)
                        .and_then(|b| u8::from_str_radix(b, 16).ok())
                        .ok_or_else(|| corrupt("newsletter key", "…"))
                })
                .collect::<Result<Vec<u8>>>()
                .map(Some)
        };
        let select = "SELECT secret FROM newsletter_keys WHERE id = 1";
        let row = sqlx::query(select)
            .fetch_optional(&self.pool)
            .await
            .map_err(db)?;
        if let Some(key) = read(row)? {
            return Ok(key);
        }
        let fresh: String = LinkKey::generate()?
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        // Two servers starting together: the first key written wins.
        sqlx::query(
            "INSERT INTO newsletter_keys (id, secret) VALUES (1, $1) ON CONFLICT DO NOTHING",
        )
        .bind(fresh)
        .execute(&self.pool)
        .await
        .map_err(db)?;
        let row = sqlx::query(select)
            .fetch_optional(&self.pool)
            .await
            .map_err(db)?;
        read(row)?.ok_or_else(|| corrupt("newsletter key", "missing"))
    }

    async fn newsletter_lists(&self) -> Result<Vec<NewsletterList>> {
        sqlx::query(&format!(
            "SELECT {LIST_COLUMNS} FROM newsletter_lists l ORDER BY l.id"
        ))
        .fetch_all(&self.pool)
        .await
        .map_err(db)?
        .iter()
        .map(list)
        .collect()
    }

    async fn newsletter_list(&self, id: i64) -> Result<Option<NewsletterList>> {
        sqlx::query(&format!(
            "SELECT {LIST_COLUMNS} FROM newsletter_lists l WHERE l.id = $1"
        ))
        .bind(id)
        .fetch_optional(&self.pool)
        .await
        .map_err(db)?
        .as_ref()
        .map(list)
        .transpose()
    }

    async fn create_newsletter_list(
        &self,
        settings: &ListSettings,
        now: DateTime<Utc>,
    ) -> Result<NewsletterList> {
        let row = sqlx::query(
            "INSERT INTO newsletter_lists (name, description, kind, days, send_minute, \
             section_id, sender_name, active, covered_until, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9) RETURNING id",
        )
        .bind(&settings.name)
        .bind(&settings.description)
        .bind(settings.kind.as_str())
        .bind(i64::from(settings.schedule.days))
        .bind(i64::from(settings.schedule.minute))
        .bind(settings.section_id)
        .bind(&settings.sender_name)
        .bind(i64::from(settings.active))
        .bind(now.timestamp())
        .fetch_all(&self.pool)
        .await
        .and_then(crate::first_row)
        .map_err(db)?;
        let id: i64 = get(&row, "id")?;
        self.newsletter_list(id)
            .await?
            .ok_or(Error::NotFound("newsletter list"))
    }

    async fn update_newsletter_list(&self, id: i64, settings: &ListSettings) -> Result<()> {
        let done = sqlx::query(
            "UPDATE newsletter_lists SET name = $1, description = $2, kind = $3, days = $4, \
             send_minute = $5, section_id = $6, sender_name = $7, active = $8 WHERE id = $9",
        )
        .bind(&settings.name)
        .bind(&settings.description)
        .bind(settings.kind.as_str())
        .bind(i64::from(settings.schedule.days))
        .bind(i64::from(settings.schedule.minute))
        .bind(settings.section_id)
        .bind(&settings.sender_name)
        .bind(i64::from(settings.active))
        .bind(id)
        .execute(&self.pool)
        .await
        .map_err(db)?;
        if done.rows_affected() == 0 {
            return Err(Error::NotFound("newsletter list"));
        }
        Ok(())
    }

    async fn delete_newsletter_list(&self, id: i64) -> Result<()> {
        self.delete_row("newsletter_lists", "newsletter list", id)
            .await
    }

    async fn request_subscription(
        &self,
        email: &Email,
        lists: &[i64],
        consent: &Consent,
        quiet: Duration,
    ) -> Result<Option<Subscriber>> {
        let key = email.as_str().to_lowercase();
        let now = consent.at.timestamp();
        let mut tx = self.begin_write().await?;
        sqlx::query(
            "INSERT INTO newsletter_subscribers (email, email_key, created_at) \
             VALUES ($1, $2, $3) ON CONFLICT (email_key) DO NOTHING",
        )
        .bind(email.as_str())
        .bind(&key)
        .bind(now)
        .execute(&mut *tx)
        .await
        .map_err(db)?;
        let row = sqlx::query(&format!(
            "SELECT {SUBSCRIBER_COLUMNS}, asked_at FROM newsletter_subscribers WHERE email_key = $1"
        ))
        .bind(&key)
        .fetch_one(&mut *tx)
        .await
        .map_err(db)?;
        let id: i64 = get(&row, "id")?;
        for list_id in lists {
            join(&mut tx, id, *list_id, consent, false).await?;
        }
        let asked: Option<i64> = get(&row, "asked_at")?;
        let suppressed = get::<Option<i64>>(&row, "suppressed_at")?.is_some();
        let recently = asked.is_some_and(|at| now - at < quiet.num_seconds());
        let mail = !suppressed && !recently;
        if mail {
            sqlx::query("UPDATE newsletter_subscribers SET asked_at = $1 WHERE id = $2")
                .bind(now)
                .bind(id)
                .execute(&mut *tx)
                .await
                .map_err(db)?;
        }
        tx.commit().await.map_err(db)?;
        if !mail {
            return Ok(None);
        }
        self.subscriber(id).await
    }

    async fn confirm_subscriber(&self, id: i64, now: DateTime<Utc>) -> Result<bool> {
        let mut tx = self.begin_write().await?;
        let done = sqlx::query(
            "UPDATE newsletter_subscribers SET confirmed_at = COALESCE(confirmed_at, $1) \
             WHERE id = $2",
        )
        .bind(now.timestamp())
        .bind(id)
        .execute(&mut *tx)
        .await
        .map_err(db)?;
        if done.rows_affected() == 0 {
            return Ok(false);
        }
        sqlx::query(
            "UPDATE newsletter_memberships SET confirmed = 1 \
             WHERE subscriber_id = $1 AND left_at IS NULL",
        )
        .bind(id)
        .execute(&mut *tx)
        .await
        .map_err(db)?;
        tx.commit().await.map_err(db)?;
        Ok(true)
    }

    async fn subscriber(&self, id: i64) -> Result<Option<Subscriber>> {
        let rows = sqlx::query(&format!(
            "SELECT {SUBSCRIBER_COLUMNS} FROM newsletter_subscribers WHERE id = $1"
        ))
        .bind(id)
        .fetch_all(&self.pool)
        .await
        .map_err(db)?;
        Ok(self.subscriber_rows(&rows).await?.pop())
    }

    async fn memberships(&self, subscriber_id: i64) -> Result<Vec<Membership>> {
        Ok(self
            .memberships_of(&[subscriber_id])
            .await?
            .into_iter()
            .map(|(_, m)| m)
            .collect())
    }

    async fn memberships_of(&self, subscriber_ids: &[i64]) -> Result<Vec<(i64, Membership)>> {
        if subscriber_ids.is_empty() {
            return Ok(Vec::new());
        }
        sqlx::query(&format!(
            "SELECT subscriber_id, list_id, confirmed, consent_at, consent_text, \
             consent_version, source FROM newsletter_memberships \
             WHERE subscriber_id IN ({}) AND left_at IS NULL ORDER BY subscriber_id, list_id",
            id_list(subscriber_ids)
        ))
        .fetch_all(&self.pool)
        .await
        .map_err(db)?
        .iter()
        .map(|row| {
            let source: String = get(row, "source")?;
            let membership = Membership {
                list_id: get(row, "list_id")?,
                confirmed: get::<i64>(row, "confirmed")? != 0,
                consent: Consent {
                    at: time(get(row, "consent_at")?),
                    text: get(row, "consent_text")?,
                    version: get(row, "consent_version")?,
                    source: match source.as_str() {
                        "form" => "form",
                        "import" => "import",
                        _ => "preferences",
                    },
                },
            };
            Ok((get(row, "subscriber_id")?, membership))
        })
        .collect()
    }

    async fn set_memberships(
        &self,
        subscriber_id: i64,
        lists: &[i64],
        consent: &Consent,
    ) -> Result<()> {
        let mut tx = self.begin_write().await?;
        let kept = if lists.is_empty() {
            "0".to_owned()
        } else {
            id_list(lists)
        };
        sqlx::query(&format!(
            "UPDATE newsletter_memberships SET left_at = $1 \
             WHERE subscriber_id = $2 AND left_at IS NULL AND list_id NOT IN ({kept})"
        ))
        .bind(consent.at.timestamp())
        .bind(subscriber_id)
        .execute(&mut *tx)
        .await
        .map_err(db)?;
        sqlx::query(&format!(
            "DELETE FROM newsletter_deliveries WHERE subscriber_id = $1 AND state = 'pending' \
             AND send_id IN (SELECT id FROM newsletter_sends WHERE list_id NOT IN ({kept}))"
        ))
        .bind(subscriber_id)
        .execute(&mut *tx)
        .await
        .map_err(db)?;
        for list_id in lists {
            join(&mut tx, subscriber_id, *list_id, consent, true).await?;
        }
        tx.commit().await.map_err(db)
    }

    async fn leave_all(&self, subscriber_id: i64, now: DateTime<Utc>) -> Result<()> {
        let mut tx = self.begin_write().await?;
        sqlx::query(
            "UPDATE newsletter_memberships SET left_at = $1 \
             WHERE subscriber_id = $2 AND left_at IS NULL",
        )
        .bind(now.timestamp())
        .bind(subscriber_id)
        .execute(&mut *tx)
        .await
        .map_err(db)?;
        sqlx::query(
            "DELETE FROM newsletter_deliveries WHERE subscriber_id = $1 AND state = 'pending'",
        )
        .bind(subscriber_id)
        .execute(&mut *tx)
        .await
        .map_err(db)?;
        tx.commit().await.map_err(db)
    }

    async fn subscribers(&self, query: &SubscriberQuery) -> Result<(Vec<Subscriber>, u64)> {
        let mut conditions = vec!["email_key LIKE $1 ESCAPE '\\'".to_owned()];
        if let Some(list_id) = query.list_id {
            conditions.push(format!(
                "EXISTS (SELECT 1 FROM newsletter_memberships m WHERE m.subscriber_id = \
                 newsletter_subscribers.id AND m.list_id = {list_id} AND m.left_at IS NULL)"
            ));
        }
        let filter = conditions.join(" AND ");
        let pattern = containing(query.search.trim());
        let total = sqlx::query(&format!(
            "SELECT COUNT(*) AS n FROM newsletter_subscribers WHERE {filter}"
        ))
        .bind(&pattern)
        .fetch_one(&self.pool)
        .await
        .map_err(db)?;
        let rows = sqlx::query(&format!(
            "SELECT {SUBSCRIBER_COLUMNS} FROM newsletter_subscribers WHERE {filter} \
             ORDER BY id DESC LIMIT $2 OFFSET $3"
        ))
        .bind(&pattern)
        .bind(i64::from(query.limit))
        .bind(i64::from(query.offset))
        .fetch_all(&self.pool)
        .await
        .map_err(db)?;
        Ok((self.subscriber_rows(&rows).await?, count(&total, "n")?))
    }

    async fn delete_subscriber(&self, id: i64) -> Result<()> {
        self.delete_row("newsletter_subscribers", "subscriber", id)
            .await
    }

    async fn import_subscribers(
        &self,
        emails: &[Email],
        lists: &[i64],
        consent: &Consent,
    ) -> Result<u64> {
        let now = consent.at.timestamp();
        let mut added = 0;
        let mut tx = self.begin_write().await?;
        for email in emails {
            let key = email.as_str().to_lowercase();
            let inserted = sqlx::query(
                "INSERT INTO newsletter_subscribers (email, email_key, confirmed_at, imported, \
                 created_at) VALUES ($1, $2, $3, 1, $3) ON CONFLICT (email_key) DO NOTHING",
            )
            .bind(email.as_str())
            .bind(&key)
            .bind(now)
            .execute(&mut *tx)
            .await
            .map_err(db)?;
            added += inserted.rows_affected();
            // The newsroom declares it holds this address's consent.
            let row = sqlx::query(
                "UPDATE newsletter_subscribers SET confirmed_at = COALESCE(confirmed_at, $1) \
                 WHERE email_key = $2 RETURNING id",
            )
            .bind(now)
            .bind(&key)
            .fetch_one(&mut *tx)
            .await
            .map_err(db)?;
            let id: i64 = get(&row, "id")?;
            for list_id in lists {
                join(&mut tx, id, *list_id, consent, true).await?;
            }
        }
        tx.commit().await.map_err(db)?;
        Ok(added)
    }

    async fn save_digest_draft(
        &self,
        draft: &SendDraft,
        now: DateTime<Utc>,
    ) -> Result<NewsletterSend> {
        let mut tx = self.begin_write().await?;
        sqlx::query("DELETE FROM newsletter_sends WHERE list_id = $1 AND state = 'draft'")
            .bind(draft.list_id)
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        let row = sqlx::query(
            "INSERT INTO newsletter_sends (list_id, kind, state, subject, intro, articles, \
             dropped, slot, created_at) VALUES ($1, 'digest', 'draft', $2, $3, $4, $5, $6, $7) \
             RETURNING id",
        )
        .bind(draft.list_id)
        .bind(&draft.subject)
        .bind(&draft.intro)
        .bind(joined(&draft.articles))
        .bind(joined(&draft.dropped))
        .bind(draft.slot.map(|s| s.timestamp()))
        .bind(now.timestamp())
        .fetch_one(&mut *tx)
        .await
        .map_err(db)?;
        tx.commit().await.map_err(db)?;
        self.send_by_id(get(&row, "id")?)
            .await?
            .ok_or(Error::NotFound("newsletter send"))
    }

    async fn digest_draft(&self, list_id: i64) -> Result<Option<NewsletterSend>> {
        sqlx::query(&format!(
            "SELECT {SEND_COLUMNS} FROM newsletter_sends n \
             WHERE n.list_id = $1 AND n.state = 'draft' ORDER BY n.id DESC LIMIT 1"
        ))
        .bind(list_id)
        .fetch_optional(&self.pool)
        .await
        .map_err(db)?
        .as_ref()
        .map(send)
        .transpose()
    }

    async fn start_digest(
        &self,
        list_id: i64,
        covered_until: DateTime<Utc>,
        slot: DateTime<Utc>,
        send: Option<(&SendDraft, &SendBody)>,
        now: DateTime<Utc>,
    ) -> Result<(Option<NewsletterSend>, bool)> {
        let mut tx = self.begin_write().await?;
        let moved = sqlx::query(
            "UPDATE newsletter_lists SET covered_until = $1 WHERE id = $2 AND covered_until = $3",
        )
        .bind(slot.timestamp())
        .bind(list_id)
        .bind(covered_until.timestamp())
        .execute(&mut *tx)
        .await
        .map_err(db)?;
        if moved.rows_affected() == 0 {
            return Ok((None, false));
        }
        let Some((draft, body)) = send else {
            tx.commit().await.map_err(db)?;
            return Ok((None, true));
        };
        sqlx::query("DELETE FROM newsletter_sends WHERE list_id = $1 AND state = 'draft'")
            .bind(list_id)
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        let id = insert_send(&mut tx, draft, None, body, now)
            .await?
            .ok_or_else(|| corrupt("digest", "not inserted"))?;
        queue(&mut tx, id, list_id, now).await?;
        tx.commit().await.map_err(db)?;
        Ok((self.send_by_id(id).await?, true))
    }

    async fn start_alert(
        &self,
        draft: &SendDraft,
        article_id: i64,
        body: &SendBody,
        now: DateTime<Utc>,
    ) -> Result<Option<NewsletterSend>> {
        let mut tx = self.begin_write().await?;
        let Some(id) = insert_send(&mut tx, draft, Some(article_id), body, now).await? else {
            return Ok(None);
        };
        queue(&mut tx, id, draft.list_id, now).await?;
        tx.commit().await.map_err(db)?;
        self.send_by_id(id).await
    }

    async fn alerted_lists(&self, article_id: i64) -> Result<Vec<i64>> {
        sqlx::query(
            "SELECT list_id FROM newsletter_sends WHERE alert_article_id = $1 ORDER BY list_id",
        )
        .bind(article_id)
        .fetch_all(&self.pool)
        .await
        .map_err(db)?
        .iter()
        .map(|row| get(row, "list_id"))
        .collect()
    }

    async fn newsletter_sends(
        &self,
        list_id: Option<i64>,
        limit: u32,
    ) -> Result<Vec<NewsletterSend>> {
        let filter = match list_id {
            Some(id) => format!("WHERE n.list_id = {id} AND n.state <> 'draft'"),
            None => "WHERE n.state <> 'draft'".to_owned(),
        };
        sqlx::query(&format!(
            "SELECT {SEND_COLUMNS} FROM newsletter_sends n {filter} ORDER BY n.id DESC LIMIT $1"
        ))
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await
        .map_err(db)?
        .iter()
        .map(send)
        .collect()
    }

    async fn newsletter_send(&self, id: i64) -> Result<Option<NewsletterSend>> {
        self.send_by_id(id).await
    }

    async fn send_body(&self, send_id: i64) -> Result<Option<SendBody>> {
        let Some(row) = sqlx::query(
            "SELECT list_id, subject, sender_name, html, text FROM newsletter_sends \
             WHERE id = $1 AND html IS NOT NULL",
        )
        .bind(send_id)
        .fetch_optional(&self.pool)
        .await
        .map_err(db)?
        else {
            return Ok(None);
        };
        Ok(Some(SendBody {
            subject: get(&row, "subject")?,
            html: get(&row, "html")?,
            text: get(&row, "text")?,
            sender_name: get(&row, "sender_name")?,
            list_id: get(&row, "list_id")?,
        }))
    }

    async fn claim_mail(
        &self,
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
        limit: u32,
        claim: i64,
    ) -> Result<Vec<DueMail>> {
        // The lease moves forward in the claiming statement itself and the
        // outer condition is checked again on each row it locks, so two
        // workers never hold the same delivery.
        sqlx::query(
            "UPDATE newsletter_deliveries SET run_after = $1, attempts = attempts + 1, claim = $2 \
             WHERE (send_id, subscriber_id) IN (SELECT d.send_id, d.subscriber_id \
                 FROM newsletter_deliveries d JOIN newsletter_sends n ON n.id = d.send_id \
                 WHERE d.state = 'pending' AND d.run_after <= $3 AND n.state = 'sending' \
                 ORDER BY d.run_after, d.send_id, d.subscriber_id LIMIT $4) \
             AND state = 'pending' AND run_after <= $3",
        )
        .bind(lease_until.timestamp())
        .bind(claim)
        .bind(now.timestamp())
        .bind(i64::from(limit))
        .execute(&self.pool)
        .await
        .map_err(db)?;
        sqlx::query(
            "SELECT d.send_id, d.subscriber_id, d.attempts, s.email \
             FROM newsletter_deliveries d JOIN newsletter_subscribers s ON s.id = d.subscriber_id \
             WHERE d.claim = $1 AND d.state = 'pending' AND d.run_after = $2 \
             ORDER BY d.send_id, d.subscriber_id",
        )
        .bind(claim)
        .bind(lease_until.timestamp())
        .fetch_all(&self.pool)
        .await
        .map_err(db)?
        .iter()
        .map(|row| {
            Ok(DueMail {
                send_id: get(row, "send_id")?,
                subscriber_id: get(row, "subscriber_id")?,
                email: get(row, "email")?,
                attempts: u32::try_from(get::<i64>(row, "attempts")?).unwrap_or(u32::MAX),
                claim,
            })
        })
        .collect()
    }

    async fn mark_mail_sent(&self, mail: &DueMail, now: DateTime<Utc>) -> Result<bool> {
        let mut tx = self.begin_write().await?;
        let done = sqlx::query(
            "UPDATE newsletter_deliveries SET state = 'sent', sent_at = $1, error = NULL \
             WHERE send_id = $2 AND subscriber_id = $3 AND claim = $4 AND state = 'pending'",
        )
        .bind(now.timestamp())
        .bind(mail.send_id)
        .bind(mail.subscriber_id)
        .bind(mail.claim)
        .execute(&mut *tx)
        .await
        .map_err(db)?;
        if done.rows_affected() == 0 {
            return Ok(false);
        }
        // Failures count in a row: an accepted message starts again.
        sqlx::query(
            "UPDATE newsletter_subscribers SET hard_failures = 0 \
             WHERE id = $1 AND hard_failures > 0",
        )
        .bind(mail.subscriber_id)
        .execute(&mut *tx)
        .await
        .map_err(db)?;
        tx.commit().await.map_err(db)?;
        Ok(true)
    }

    async fn finish_mail(
        &self,
        mail: &DueMail,
        outcome: &MailOutcome,
        now: DateTime<Utc>,
    ) -> Result<()> {
        let (state, run_after, error, hard) = match outcome {
            MailOutcome::Sent => return Ok(()),
            MailOutcome::Deferred(at, error) => ("pending", *at, error, false),
            MailOutcome::Failed { error, hard } => ("failed", now, error, *hard),
        };
        let mut tx = self.begin_write().await?;
        let done = sqlx::query(
            "UPDATE newsletter_deliveries SET state = $1, run_after = $2, error = $3, \
             sent_at = NULL WHERE send_id = $4 AND subscriber_id = $5 AND claim = $6",
        )
        .bind(state)
        .bind(run_after.timestamp())
        .bind(error)
        .bind(mail.send_id)
        .bind(mail.subscriber_id)
        .bind(mail.claim)
        .execute(&mut *tx)
        .await
        .map_err(db)?;
        if hard && done.rows_affected() > 0 {
            sqlx::query(
                "UPDATE newsletter_subscribers SET hard_failures = hard_failures + 1, \
                 suppressed_at = CASE WHEN hard_failures + 1 >= $1 \
                     THEN COALESCE(suppressed_at, $2) ELSE suppressed_at END \
                 WHERE id = $3",
            )
            .bind(i64::from(HARD_FAILURE_LIMIT))
            .bind(now.timestamp())
            .bind(mail.subscriber_id)
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        }
        tx.commit().await.map_err(db)
    }

    async fn count_newsletter_click(&self, send_id: i64, article_id: i64) -> Result<bool> {
        // Only a send's own articles: a made-up address counts nothing.
        let mut tx = self.begin_write().await?;
        let articles: Option<String> =
            sqlx::query_scalar("SELECT articles FROM newsletter_sends WHERE id = $1")
                .bind(send_id)
                .fetch_optional(&mut *tx)
                .await
                .map_err(db)?;
        if !articles.is_some_and(|a| ids(&a).contains(&article_id)) {
            return Ok(false);
        }
        sqlx::query(
            "INSERT INTO newsletter_clicks (send_id, article_id, clicks) VALUES ($1, $2, 1) \
             ON CONFLICT (send_id, article_id) \
             DO UPDATE SET clicks = newsletter_clicks.clicks + 1",
        )
        .bind(send_id)
        .bind(article_id)
        .execute(&mut *tx)
        .await
        .map_err(db)?;
        tx.commit().await.map_err(db)?;
        Ok(true)
    }

    async fn reopen_mail(
        &self,
        send_id: i64,
        subscriber_id: i64,
        claim: i64,
        now: DateTime<Utc>,
    ) -> Result<bool> {
        let mut tx = self.begin_write().await?;
        let reopened = sqlx::query(
            "UPDATE newsletter_deliveries SET state = 'pending', sent_at = NULL, run_after = $1 \
             WHERE send_id = $2 AND subscriber_id = $3 AND claim = $4 \
             AND state IN ('pending', 'sent')",
        )
        .bind(now.timestamp())
        .bind(send_id)
        .bind(subscriber_id)
        .bind(claim)
        .execute(&mut *tx)
        .await
        .map_err(db)?
        .rows_affected()
            > 0;
        if reopened {
            sqlx::query(
                "UPDATE newsletter_sends SET state = 'sending', finished_at = NULL \
                 WHERE id = $1 AND state = 'sent'",
            )
            .bind(send_id)
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        }
        tx.commit().await.map_err(db)?;
        Ok(reopened)
    }

    async fn finish_sends(&self, now: DateTime<Utc>) -> Result<Vec<i64>> {
        sqlx::query(
            "UPDATE newsletter_sends SET state = 'sent', finished_at = $1 \
             WHERE state = 'sending' AND NOT EXISTS (SELECT 1 FROM newsletter_deliveries d \
                 WHERE d.send_id = newsletter_sends.id AND d.state = 'pending') RETURNING id",
        )
        .bind(now.timestamp())
        .fetch_all(&self.pool)
        .await
        .map_err(db)?
        .iter()
        .map(|row| get(row, "id"))
        .collect()
    }
}
