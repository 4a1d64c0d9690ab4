//! The CDN purger's shared state (migration 0039): which server purges —
//! on PostgreSQL the holder of a session advisory lock, on a connection
//! taken out of the pool for it, so the lock goes when that server or its
//! connection dies; on SQLite, one server by construction — and the last
//! change of the page log purged.

use async_trait::async_trait;
use kiosque_core::Result;
use kiosque_core::ports::{Lead, Purges};
use sqlx::{AnyConnection, Connection};

use crate::rows::get;
use crate::{Backend, SqlStore, db};

/// The lock's key: one number all servers of a site agree on. Advisory
/// locks belong to the database; the schema is part of the key so that two
/// sites in one database (each in its schema) each have their purger.
const LOCK: &str = "hashtext('kiosque.cdn_purge.' || current_schema())";

/// How long a check of the lock's connection may take before it counts as
/// lost: a primary gone silent must not keep a server purging.
const CHECK_WITHIN: std::time::Duration = std::time::Duration::from_secs(3);

#[async_trait]
impl Purges for SqlStore {
    async fn lead_purges(&self) -> Result<Option<Box<dyn Lead>>> {
        if self.backend == Backend::Sqlite {
            return Ok(Some(Box::new(Alone)));
        }
        let mut conn = self.pool.acquire().await.map_err(db)?.detach();
        let row = sqlx::query(&format!(
            "SELECT CASE WHEN pg_try_advisory_lock({LOCK}) THEN 1 ELSE 0 END AS got"
        ))
        .fetch_one(&mut conn)
        .await
        .map_err(db)?;
        if get::<i32>(&row, "got")? == 1 {
            Ok(Some(Box::new(Locked(Some(conn)))))
        } else {
            let _ = conn.close().await;
            Ok(None)
        }
    }

    async fn purged_up_to(&self) -> Result<Option<i64>> {
        let row = sqlx::query("SELECT applied FROM cdn_purge WHERE id = 1")
            .fetch_optional(&self.pool)
            .await
            .map_err(db)?;
        row.map(|r| get(&r, "applied")).transpose()
    }

    async fn set_purged_up_to(&self, seq: i64) -> Result<()> {
        sqlx::query(
            "INSERT INTO cdn_purge (id, applied) VALUES (1, $1) \
             ON CONFLICT (id) DO UPDATE SET applied = excluded.applied",
        )
        .bind(seq)
        .execute(&self.pool)
        .await
        .map_err(db)?;
        Ok(())
    }

    async fn report_applied(
        &self,
        server: &str,
        applied: i64,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Result<()> {
        sqlx::query(
            "INSERT INTO page_followers (server, applied, seen_at) VALUES ($1, $2, $3) \
             ON CONFLICT (server) DO UPDATE SET applied = excluded.applied, seen_at = excluded.seen_at",
        )
        .bind(server)
        .bind(applied)
        .bind(now.timestamp_millis())
        .execute(&self.pool)
        .await
        .map_err(db)?;
        Ok(())
    }

    async fn slowest_follower(&self, since: chrono::DateTime<chrono::Utc>) -> Result<Option<i64>> {
        let row =
            sqlx::query("SELECT min(applied) AS slowest FROM page_followers WHERE seen_at >= $1")
                .bind(since.timestamp_millis())
                .fetch_one(&self.pool)
                .await
                .map_err(db)?;
        get(&row, "slowest")
    }
}

/// Forgets the servers following the page log not heard of since `before`
/// (with the log's own pruning, once a minute).
pub(crate) async fn forget_followers(
    pool: &sqlx::AnyPool,
    before: chrono::DateTime<chrono::Utc>,
) -> Result<()> {
    sqlx::query("DELETE FROM page_followers WHERE seen_at < $1")
        .bind(before.timestamp_millis())
        .execute(pool)
        .await
        .map_err(db)?;
    Ok(())
}

/// SQLite: the one server that writes the file leads.
struct Alone;

#[async_trait]
impl Lead for Alone {
    async fn holds(&mut self) -> bool {
        true
    }
}

/// PostgreSQL: the connection holding the session lock; dropping it
/// closes the session, which releases the lock.
struct Locked(Option<AnyConnection>);

#[async_trait]
impl Lead for Locked {
    async fn holds(&mut self) -> bool {
        let Some(conn) = self.0.as_mut() else {
            return false;
        };
        let alive = tokio::time::timeout(CHECK_WITHIN, sqlx::query("SELECT 1").execute(&mut *conn))
            .await
            .is_ok_and(|r| r.is_ok());
        if !alive {
            // Whatever the server still believes, this session is done.
            self.0 = None;
        }
        alive
    }
}
