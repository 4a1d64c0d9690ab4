//! Reader comments and their moderation.

use kiosque_core::model::{Comment, CommentQuery, ModerationItem, NewComment, Page, PageRequest};
use std::collections::HashMap;

use kiosque_core::service::spam::{TokenCounts, Totals};
use kiosque_core::types::{CommentStatus, Email};
use kiosque_core::{Error, Result};
use sqlx::AnyPool;

use crate::rows::{self, get, id_list};
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
        .fetch_all(pool)
        .await
        .and_then(crate::first_row)
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

/// An article's comments, oldest first: the approved ones (what readers
/// see), or all of them whatever their state.
pub(crate) async fn of_article(
    pool: &AnyPool,
    article_id: i64,
    approved_only: bool,
) -> Result<Vec<Comment>> {
    let only = if approved_only {
        " AND c.status = 'approved'"
    } else {
        ""
    };
    let sql = format!(
        "SELECT {COLUMNS} FROM comments c WHERE c.article_id = $1{only} \
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

/// Integers written into a statement (ids, never a client's text).
/// Approved comments of published articles, a page at a time, and how
/// many there are in all.
pub(crate) async fn approved(pool: &AnyPool, q: &CommentQuery) -> Result<(Vec<Comment>, u64)> {
    let mut conditions = vec![
        "c.status = 'approved'".to_owned(),
        "c.article_id IN (SELECT id FROM articles WHERE status = 'published')".to_owned(),
    ];
    for any in [&q.articles, &q.parents, &q.include] {
        if any.as_ref().is_some_and(Vec::is_empty) {
            return Ok((Vec::new(), 0));
        }
    }
    if let Some(ids) = &q.articles {
        conditions.push(format!("c.article_id IN ({})", id_list(ids)));
    }
    if let Some(ids) = &q.parents {
        let top = if ids.contains(&0) {
            "c.parent_id IS NULL OR "
        } else {
            ""
        };
        conditions.push(format!("({top}c.parent_id IN ({}))", id_list(ids)));
    }
    if let Some(ids) = &q.include {
        conditions.push(format!("c.id IN ({})", id_list(ids)));
    }
    if !q.exclude.is_empty() {
        conditions.push(format!("c.id NOT IN ({})", id_list(&q.exclude)));
    }
    let filtered = conditions.join(" AND ");
    let direction = if q.oldest_first { "ASC" } else { "DESC" };
    let sql = format!(
        "SELECT {COLUMNS} FROM comments c WHERE {filtered} \
         ORDER BY c.created_at {direction}, c.id {direction} LIMIT $1 OFFSET $2"
    );
    let comments = sqlx::query(&sql)
        .bind(i64::from(q.limit))
        .bind(i64::try_from(q.offset).unwrap_or(i64::MAX))
        .fetch_all(pool)
        .await
        .map_err(db)?
        .iter()
        .map(rows::comment)
        .collect::<Result<Vec<_>>>()?;
    let total = sqlx::query(&format!(
        "SELECT COUNT(*) AS n FROM comments c WHERE {filtered}"
    ))
    .fetch_one(pool)
    .await
    .map_err(db)?;
    let total: i64 = get(&total, "n")?;
    Ok((comments, u64::try_from(total).unwrap_or_default()))
}

pub(crate) async fn with_status(
    pool: &AnyPool,
    status: CommentStatus,
) -> Result<Vec<ModerationItem>> {
    moderation_items(pool, status, "c.created_at, c.id", None).await
}

pub(crate) async fn page_with_status(
    pool: &AnyPool,
    status: CommentStatus,
    page: PageRequest,
) -> Result<Page<ModerationItem>> {
    let items = moderation_items(
        pool,
        status,
        "c.created_at DESC, c.id DESC",
        Some((page.per_page, page.offset())),
    )
    .await?;
    Ok(Page {
        items,
        request: page,
        total: count(pool, status).await?,
    })
}

/// Comments in `status` with their article, in `order`, a slice of them
/// if `window` (limit, offset) says so.
async fn moderation_items(
    pool: &AnyPool,
    status: CommentStatus,
    order: &str,
    window: Option<(u32, i64)>,
) -> Result<Vec<ModerationItem>> {
    let window = window
        .map(|(limit, offset)| format!(" LIMIT {limit} OFFSET {offset}"))
        .unwrap_or_default();
    let sql = format!(
        "SELECT {COLUMNS}, a.title AS article_title, a.slug AS article_slug, \
         a.published_at AS article_published_at, cat.slug AS article_category_slug \
         FROM comments c JOIN articles a ON a.id = c.article_id \
         LEFT JOIN categories cat ON cat.id = a.category_id \
         WHERE c.status = $1 ORDER BY {order}{window}"
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
                article_category_slug: rows::optional_slug(row, "article_category_slug")?,
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

pub(crate) async fn spam_counts(
    pool: &AnyPool,
    tokens: &[String],
) -> Result<(HashMap<String, TokenCounts>, Totals)> {
    let row = sqlx::query("SELECT spam, ham FROM spam_totals WHERE id = 1")
        .fetch_one(pool)
        .await
        .map_err(db)?;
    let count = |v: i64| u32::try_from(v).unwrap_or(u32::MAX);
    let totals = Totals {
        spam: count(get(&row, "spam")?),
        ham: count(get(&row, "ham")?),
    };
    let mut counts = HashMap::new();
    // In batches, so the statement stays within every engine's limits.
    for batch in tokens.chunks(100) {
        let placeholders: Vec<String> = (1..=batch.len()).map(|i| format!("${i}")).collect();
        let sql = format!(
            "SELECT token, spam, ham FROM spam_tokens WHERE token IN ({})",
            placeholders.join(", ")
        );
        let mut q = sqlx::query(&sql);
        for t in batch {
            q = q.bind(t.clone());
        }
        for row in q.fetch_all(pool).await.map_err(db)? {
            counts.insert(
                get::<String>(&row, "token")?,
                TokenCounts {
                    spam: count(get(&row, "spam")?),
                    ham: count(get(&row, "ham")?),
                },
            );
        }
    }
    Ok((counts, totals))
}

pub(crate) async fn learn_spam(
    store: &SqlStore,
    comment_id: i64,
    tokens: &[String],
    is_spam: bool,
) -> Result<()> {
    let label = if is_spam { "spam" } else { "ham" };
    // A write transaction from the start (SQLite: BEGIN IMMEDIATE), and the
    // label is changed only if it is still what was read, so two
    // moderators acting at once cannot count a comment twice.
    let mut tx = store.begin_write().await?;
    let row = sqlx::query("SELECT spam_label FROM comments WHERE id = $1")
        .bind(comment_id)
        .fetch_optional(&mut *tx)
        .await
        .map_err(db)?;
    let Some(row) = row else {
        return Err(Error::NotFound("comment"));
    };
    let previous: Option<String> = get(&row, "spam_label")?;
    if previous.as_deref() == Some(label) {
        return Ok(());
    }
    let claimed = sqlx::query(
        "UPDATE comments SET spam_label = $1 WHERE id = $2 \
         AND spam_label IS NOT DISTINCT FROM $3",
    )
    .bind(label)
    .bind(comment_id)
    .bind(previous.clone())
    .execute(&mut *tx)
    .await
    .map_err(db)?;
    if claimed.rows_affected() == 0 {
        return Ok(());
    }
    let delta = |class: &str| -> i64 {
        i64::from(label == class) - i64::from(previous.as_deref() == Some(class))
    };
    let (spam, ham) = (delta("spam"), delta("ham"));
    for token in tokens {
        sqlx::query(
            "INSERT INTO spam_tokens (token, spam, ham) VALUES ($1, $2, $3) \
             ON CONFLICT (token) DO UPDATE SET spam = spam_tokens.spam + excluded.spam, \
             ham = spam_tokens.ham + excluded.ham",
        )
        .bind(token.clone())
        .bind(spam.max(0))
        .bind(ham.max(0))
        .execute(&mut *tx)
        .await
        .map_err(db)?;
        if spam < 0 || ham < 0 {
            sqlx::query("UPDATE spam_tokens SET spam = spam + $1, ham = ham + $2 WHERE token = $3")
                .bind(spam.min(0))
                .bind(ham.min(0))
                .bind(token.clone())
                .execute(&mut *tx)
                .await
                .map_err(db)?;
        }
    }
    sqlx::query("UPDATE spam_totals SET spam = spam + $1, ham = ham + $2 WHERE id = 1")
        .bind(spam)
        .bind(ham)
        .execute(&mut *tx)
        .await
        .map_err(db)?;
    tx.commit().await.map_err(db)
}
