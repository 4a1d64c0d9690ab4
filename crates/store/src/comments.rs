//! Reader comments and their moderation.

use kiosque_core::model::{Comment, ModerationItem, NewComment};
use kiosque_core::types::{CommentStatus, Email};
use kiosque_core::{Error, Result};
use sqlx::AnyPool;

use crate::rows::{self, get};
use crate::{SqlStore, db};

const COLUMNS: &str = "c.id, c.article_id, c.parent_id, c.author_name, c.author_email, \
    c.author_url, c.body, c.status, c.created_at";

pub(crate) async fn add(pool: &AnyPool, c: &NewComment) -> Result<Comment> {
    let sql = format!(
        "INSERT INTO comments (article_id, parent_id, author_name, author_email, \
         author_url, body, status, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) \
         RETURNING {}",
        COLUMNS.replace("c.", "")
    );
    let row = sqlx::query(&sql)
        .bind(c.article_id)
        .bind(c.parent_id)
        .bind(&c.author_name)
        .bind(c.author_email.as_str())
        .bind(c.author_url.as_ref().map(|u| u.as_str().to_owned()))
        .bind(&c.body)
        .bind(c.status.as_str())
        .bind(c.created_at.timestamp())
        .fetch_one(pool)
        .await
        .map_err(db)?;
    rows::comment(&row)
}

pub(crate) async fn by_id(pool: &AnyPool, id: i64) -> Result<Option<Comment>> {
    let sql = format!("SELECT {COLUMNS} FROM comments c WHERE c.id = $1");
    let row = sqlx::query(&sql)
        .bind(id)
        .fetch_optional(pool)
        .await
        .map_err(db)?;
    row.as_ref().map(rows::comment).transpose()
}

pub(crate) async fn has_approved(pool: &AnyPool, email: &Email) -> Result<bool> {
    let row = sqlx::query(
        "SELECT COUNT(*) AS n FROM comments WHERE LOWER(author_email) = $1 AND status = 'approved'",
    )
    .bind(email.as_str().to_lowercase())
    .fetch_one(pool)
    .await
    .map_err(db)?;
    Ok(get::<i64>(&row, "n")? > 0)
}

pub(crate) async fn is_duplicate(
    pool: &AnyPool,
    article_id: i64,
    email: &Email,
    body: &str,
) -> Result<bool> {
    let row = sqlx::query(
        "SELECT COUNT(*) AS n FROM comments WHERE article_id = $1 \
         AND LOWER(author_email) = $2 AND body = $3 AND status <> 'trash'",
    )
    .bind(article_id)
    .bind(email.as_str().to_lowercase())
    .bind(body)
    .fetch_one(pool)
    .await
    .map_err(db)?;
    Ok(get::<i64>(&row, "n")? > 0)
}

pub(crate) async fn approved(pool: &AnyPool, article_id: i64) -> Result<Vec<Comment>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM comments c WHERE c.article_id = $1 AND c.status = 'approved' \
         ORDER BY c.created_at, c.id"
    );
    sqlx::query(&sql)
        .bind(article_id)
        .fetch_all(pool)
        .await
        .map_err(db)?
        .iter()
        .map(rows::comment)
        .collect()
}

pub(crate) async fn with_status(
    pool: &AnyPool,
    status: CommentStatus,
) -> Result<Vec<ModerationItem>> {
    let sql = format!(
        "SELECT {COLUMNS}, a.title AS article_title, a.slug AS article_slug, \
         a.published_at AS article_published_at FROM comments c \
         JOIN articles a ON a.id = c.article_id WHERE c.status = $1 ORDER BY c.created_at, c.id"
    );
    sqlx::query(&sql)
        .bind(status.as_str())
        .fetch_all(pool)
        .await
        .map_err(db)?
        .iter()
        .map(|row| {
            Ok(ModerationItem {
                comment: rows::comment(row)?,
                article_title: get(row, "article_title")?,
                article_slug: rows::slug(row, "article_slug")?,
                article_published_at: rows::time(get(row, "article_published_at")?),
            })
        })
        .collect()
}

pub(crate) async fn count(pool: &AnyPool, status: CommentStatus) -> Result<u64> {
    let row = sqlx::query("SELECT COUNT(*) AS n FROM comments WHERE status = $1")
        .bind(status.as_str())
        .fetch_one(pool)
        .await
        .map_err(db)?;
    let n: i64 = get(&row, "n")?;
    Ok(u64::try_from(n).unwrap_or_default())
}

pub(crate) async fn set_status(pool: &AnyPool, id: i64, status: CommentStatus) -> Result<()> {
    let done = sqlx::query("UPDATE comments SET status = $1 WHERE id = $2")
        .bind(status.as_str())
        .bind(id)
        .execute(pool)
        .await
        .map_err(db)?;
    if done.rows_affected() == 0 {
        return Err(Error::NotFound("comment"));
    }
    Ok(())
}

pub(crate) async fn delete(store: &SqlStore, id: i64) -> Result<()> {
    let mut tx = store.begin_write().await?;
    // Replies stay in the thread, one level up, rather than being orphaned.
    sqlx::query(
        "UPDATE comments SET parent_id = (SELECT p.parent_id FROM comments p WHERE p.id = $1) \
         WHERE parent_id = $1",
    )
    .bind(id)
    .execute(&mut *tx)
    .await
    .map_err(db)?;
    let done = sqlx::query("DELETE FROM comments WHERE id = $1")
        .bind(id)
        .execute(&mut *tx)
        .await
        .map_err(db)?;
    if done.rows_affected() == 0 {
        return Err(Error::NotFound("comment"));
    }
    tx.commit().await.map_err(db)
}
