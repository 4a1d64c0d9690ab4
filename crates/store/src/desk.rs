//! The writer's desk (migration 0030): editor modes on `users`, open
//! editors in `desk_presence`.

use async_trait::async_trait;
use kiosque_core::Result;
use kiosque_core::model::desk::{EditorMode, Presence};
use kiosque_core::ports::Desk;
use sqlx::any::AnyRow;

use crate::rows::get;
use crate::{SqlStore, db};

const PRESENCE: &str = "SELECT p.page, p.user_id, u.name AS user_name, p.since, p.seen_at, \
     t.name AS taken_by FROM desk_presence p JOIN users u ON u.id = p.user_id \
     LEFT JOIN users t ON t.id = p.taken_by";

fn presence(row: &AnyRow) -> Result<Presence> {
    Ok(Presence {
        page: get(row, "page")?,
        user_id: get(row, "user_id")?,
        user_name: get(row, "user_name")?,
        since: get(row, "since")?,
        seen_at: get(row, "seen_at")?,
        taken_by: get(row, "taken_by")?,
    })
}

/// Records that `page` was heard from at `now` (opening it if new); with
/// `in_charge`, it is no longer taken over. A page's key is its own:
/// another account's key is left alone.
async fn seen(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    article_id: i64,
    page: &str,
    user_id: i64,
    now: i64,
    in_charge: bool,
) -> Result<()> {
    let taken = if in_charge { ", taken_by = NULL" } else { "" };
    sqlx::query(&format!(
        "INSERT INTO desk_presence (article_id, page, user_id, since, seen_at) \
         VALUES ($1, $2, $3, $4, $4) \
         ON CONFLICT (article_id, page) DO UPDATE SET seen_at = excluded.seen_at{taken} \
         WHERE desk_presence.user_id = excluded.user_id"
    ))
    .bind(article_id)
    .bind(page)
    .bind(user_id)
    .bind(now)
    .execute(&mut **tx)
    .await
    // The article deleted while its editor page was being drawn.
    .map_err(|e| crate::parent_gone(e, "article"))?;
    Ok(())
}

#[async_trait]
impl Desk for SqlStore {
    async fn editor_mode(&self, user_id: i64) -> Result<EditorMode> {
        let mode: Option<String> =
            sqlx::query_scalar("SELECT editor_mode FROM users WHERE id = $1")
                .bind(user_id)
                .fetch_optional(&self.pool)
                .await
                .map_err(db)?;
        Ok(mode
            .as_deref()
            .and_then(EditorMode::parse)
            .unwrap_or_default())
    }

    async fn set_editor_mode(&self, user_id: i64, mode: EditorMode) -> Result<()> {
        sqlx::query("UPDATE users SET editor_mode = $1 WHERE id = $2")
            .bind(mode.as_str())
            .bind(user_id)
            .execute(&self.pool)
            .await
            .map_err(db)?;
        Ok(())
    }

    async fn beat(
        &self,
        article_id: i64,
        user_id: i64,
        page: &str,
        now: i64,
        forget_before: i64,
    ) -> Result<Vec<Presence>> {
        let mut tx = self.begin_write().await?;
        sqlx::query("DELETE FROM desk_presence WHERE seen_at < $1")
            .bind(forget_before)
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        seen(&mut tx, article_id, page, user_id, now, false).await?;
        let rows = sqlx::query(&format!(
            "{PRESENCE} WHERE p.article_id = $1 ORDER BY p.since, p.page"
        ))
        .bind(article_id)
        .fetch_all(&mut *tx)
        .await
        .map_err(db)?;
        tx.commit().await.map_err(db)?;
        rows.iter().map(presence).collect()
    }

    async fn take_over(&self, article_id: i64, user_id: i64, page: &str, now: i64) -> Result<()> {
        let mut tx = self.begin_write().await?;
        sqlx::query(
            "UPDATE desk_presence SET taken_by = $1 \
             WHERE article_id = $2 AND page <> $3 AND taken_by IS NULL",
        )
        .bind(user_id)
        .bind(article_id)
        .bind(page)
        .execute(&mut *tx)
        .await
        .map_err(db)?;
        // The taker's own page is in charge again, even if it had been
        // taken over before.
        seen(&mut tx, article_id, page, user_id, now, true).await?;
        tx.commit().await.map_err(db)
    }

    async fn presence(&self, article_id: i64, page: &str) -> Result<Option<Presence>> {
        sqlx::query(&format!(
            "{PRESENCE} WHERE p.article_id = $1 AND p.page = $2"
        ))
        .bind(article_id)
        .bind(page)
        .fetch_optional(&self.pool)
        .await
        .map_err(db)?
        .as_ref()
        .map(presence)
        .transpose()
    }

    async fn leave(&self, article_id: i64, page: &str) -> Result<()> {
        // A page taken over stays known until it falls silent: the save it
        // may send as it closes is still refused.
        sqlx::query(
            "DELETE FROM desk_presence WHERE article_id = $1 AND page = $2 AND taken_by IS NULL",
        )
        .bind(article_id)
        .bind(page)
        .execute(&self.pool)
        .await
        .map_err(db)?;
        Ok(())
    }
}
