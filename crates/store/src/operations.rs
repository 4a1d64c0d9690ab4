//! What an operator's metrics read: the queues' lengths and lags, the
//! connection pool.

use async_trait::async_trait;
use kiosque_core::Result;
use kiosque_core::model::{PoolStatus, Queue, QueueStatus};
use kiosque_core::ports::Operations;

use crate::rows::get;
use crate::{SqlStore, db};

/// One scan of each queue's pending rows, through the indexes their
/// workers claim by.
const QUEUES: &str = "\
    SELECT 'image_copies' AS queue, COUNT(*) AS waiting, MIN(run_after) AS first_due \
      FROM media_jobs \
    UNION ALL \
    SELECT 'webhooks', COUNT(*), MIN(run_after) \
      FROM webhook_deliveries WHERE state = 'pending' \
    UNION ALL \
    SELECT 'newsletters', COUNT(*), MIN(run_after) \
      FROM newsletter_deliveries WHERE state = 'pending'";

#[async_trait]
impl Operations for SqlStore {
    async fn queues(&self, now: chrono::DateTime<chrono::Utc>) -> Result<Vec<QueueStatus>> {
        let rows = sqlx::query(QUEUES)
            .fetch_all(&self.pool)
            .await
            .map_err(db)?;
        let mut statuses = Vec::with_capacity(rows.len());
        for row in &rows {
            let name: String = get(row, "queue")?;
            let Some(queue) = Queue::ALL.into_iter().find(|q| q.name() == name) else {
                continue;
            };
            let waiting: i64 = get(row, "waiting")?;
            let first_due: Option<i64> = get(row, "first_due")?;
            statuses.push(QueueStatus {
                queue,
                waiting: u64::try_from(waiting).unwrap_or(0),
                oldest_due_seconds: first_due
                    .map_or(0, |due| u64::try_from(now.timestamp() - due).unwrap_or(0)),
            });
        }
        Ok(statuses)
    }

    fn pool_status(&self) -> PoolStatus {
        PoolStatus {
            open: self.pool.size(),
            idle: u32::try_from(self.pool.num_idle()).unwrap_or(u32::MAX),
            max: self.pool.options().get_max_connections(),
        }
    }
}
