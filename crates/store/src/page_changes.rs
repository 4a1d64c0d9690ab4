//! The log of page changes the triggers of migration 0017 write, which
//! each server's page cache follows.

use kiosque_core::Result;
use kiosque_core::model::PageChange;
use sqlx::AnyPool;

use crate::db;
use crate::rows::get;

pub(crate) async fn after(pool: &AnyPool, after: i64, limit: u32) -> Result<Vec<PageChange>> {
    sqlx::query("SELECT seq, topic FROM page_changes WHERE seq > $1 ORDER BY seq LIMIT $2")
        .bind(after)
        .bind(i64::from(limit))
        .fetch_all(pool)
        .await
        .map_err(db)?
        .iter()
        .map(|row| {
            Ok(PageChange {
                seq: get(row, "seq")?,
                topic: get(row, "topic")?,
            })
        })
        .collect()
}

pub(crate) async fn latest(pool: &AnyPool) -> Result<i64> {
    let row = sqlx::query("SELECT COALESCE(max(seq), 0) AS latest FROM page_changes")
        .fetch_one(pool)
        .await
        .map_err(db)?;
    get(&row, "latest")
}

pub(crate) async fn oldest(pool: &AnyPool) -> Result<i64> {
    let row = sqlx::query("SELECT COALESCE(min(seq), 0) AS oldest FROM page_changes")
        .fetch_one(pool)
        .await
        .map_err(db)?;
    get(&row, "oldest")
}

pub(crate) async fn prune(pool: &AnyPool, before: i64) -> Result<()> {
    sqlx::query("DELETE FROM page_changes WHERE changed_at < $1")
        .bind(before)
        .execute(pool)
        .await
        .map_err(db)?;
    Ok(())
}
