//! Shared rate limits (migration 0037): the generic cell rate algorithm,
//! one upsert per action, so every app server on the database counts
//! against the same buckets and two servers racing for the last token
//! cannot both get it (the row is locked by the upsert).

use std::time::Duration;

use async_trait::async_trait;
use kiosque_core::Result;
use kiosque_core::ports::Throttles;

use crate::rows::get;
use crate::{Backend, SqlStore, db};

/// Takes a token if the bucket has one: the row's time moves on by one
/// interval, unless that would put it more than a full bucket ahead of now.
/// `$1` key, `$2` now, `$3` interval, `$4` interval × burst (milliseconds).
fn take(backend: Backend) -> String {
    // The larger of two values: a two-argument MAX in SQLite.
    let greater = match backend {
        Backend::Sqlite => "MAX",
        Backend::Postgres => "GREATEST",
    };
    format!(
        "INSERT INTO throttles (key, tat) VALUES ($1, $2 + $3) \
         ON CONFLICT (key) DO UPDATE SET tat = {greater}(throttles.tat, $2) + $3 \
         WHERE {greater}(throttles.tat, $2) + $3 - $2 <= $4 \
         RETURNING tat"
    )
}

#[async_trait]
impl Throttles for SqlStore {
    async fn throttle(
        &self,
        key: &str,
        burst: u32,
        interval: Duration,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Result<Option<Duration>> {
        let now = now.timestamp_millis();
        let every = i64::try_from(interval.as_millis())
            .unwrap_or(i64::MAX / 4)
            .max(1);
        let limit = every.saturating_mul(i64::from(burst.max(1)));
        let taken = sqlx::query(&take(self.backend))
            .bind(key)
            .bind(now)
            .bind(every)
            .bind(limit)
            .fetch_all(&self.pool)
            .await
            .map(crate::any_first_row)
            .map_err(db)?;
        if taken.is_some() {
            return Ok(None);
        }
        let row = sqlx::query("SELECT tat FROM throttles WHERE key = $1")
            .bind(key)
            .fetch_optional(&self.pool)
            .await
            .map_err(db)?;
        let tat: i64 = match row {
            Some(row) => get(&row, "tat")?,
            // Pruned in between: the bucket is full again.
            None => return Ok(None),
        };
        let wait = tat + every - limit - now;
        Ok(Some(Duration::from_millis(
            u64::try_from(wait).unwrap_or(0).max(1),
        )))
    }

    async fn prune_throttles(&self, now: chrono::DateTime<chrono::Utc>) -> Result<u64> {
        let done = sqlx::query("DELETE FROM throttles WHERE tat < $1")
            .bind(now.timestamp_millis())
            .execute(&self.pool)
            .await
            .map_err(db)?;
        Ok(done.rows_affected())
    }
}
