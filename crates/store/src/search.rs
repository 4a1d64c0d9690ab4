//! What the search index reads: published articles as documents, and the
//! log of changes the triggers of migration 0014 write.

use std::collections::HashMap;
use std::fmt::Write as _;

use kiosque_core::Result;
use kiosque_core::markup::plain_text;
use kiosque_core::model::{SearchChange, SearchDocument};
use sqlx::AnyPool;
use sqlx::any::AnyRow;

use crate::db;
use crate::rows::{self, get, time};

const DOCUMENT: &str = "SELECT a.id, a.slug, a.title, a.excerpt, a.body_markdown, a.published_at, \
    a.category_id, c.slug AS category_slug, c.name AS category_name, au.name AS author_name \
    FROM articles a JOIN authors au ON au.id = a.author_id \
    LEFT JOIN categories c ON c.id = a.category_id WHERE a.status = 'published'";

/// `(1,2,3)`: ids are integers, so writing them into the SQL is safe, and
/// one query serves any number of them on both dialects.
fn id_list(ids: &[i64]) -> String {
    let mut list = String::from("(");
    for (i, id) in ids.iter().enumerate() {
        if i > 0 {
            list.push(',');
        }
        let _ = write!(list, "{id}");
    }
    list.push(')');
    list
}

/// Adds one row of a document's parts (a tag, a byline…) to it.
type AddPart = fn(&mut SearchDocument, &AnyRow) -> Result<()>;

/// Documents for the rows `sql` selects, with their tags and bylines.
async fn documents(pool: &AnyPool, sql: &str) -> Result<Vec<SearchDocument>> {
    let rows = sqlx::query(sql).fetch_all(pool).await.map_err(db)?;
    let mut documents = rows
        .iter()
        .map(|row| {
            Ok(SearchDocument {
                id: get(row, "id")?,
                slug: rows::slug(row, "slug")?,
                title: get(row, "title")?,
                excerpt: get(row, "excerpt")?,
                body: plain_text(&get::<String>(row, "body_markdown")?),
                tags: Vec::new(),
                authors: vec![get(row, "author_name")?],
                category: rows::category(row)?,
                further_sections: Vec::new(),
                published_at: time(get(row, "published_at")?),
            })
        })
        .collect::<Result<Vec<_>>>()?;
    if documents.is_empty() {
        return Ok(documents);
    }
    let ids = id_list(&documents.iter().map(|d| d.id).collect::<Vec<_>>());
    let position: HashMap<i64, usize> = documents
        .iter()
        .enumerate()
        .map(|(i, d)| (d.id, i))
        .collect();
    // Each document's tags, further bylines and further sections: one
    // query each, rows in order, each row added to its document.
    let parts: [(&str, AddPart); 3] = [
        (
            "SELECT x.article_id, t.name AS value FROM article_tags x \
             JOIN tags t ON t.id = x.tag_id",
            |d, row| {
                d.tags.push(get(row, "value")?);
                Ok(())
            },
        ),
        (
            "SELECT x.article_id, au.name AS value FROM article_contributors x \
             JOIN authors au ON au.id = x.author_id",
            |d, row| {
                d.authors.push(get(row, "value")?);
                Ok(())
            },
        ),
        (
            "SELECT x.article_id, c.slug AS value FROM article_sections x \
             JOIN categories c ON c.id = x.category_id",
            |d, row| {
                d.further_sections.push(rows::slug(row, "value")?);
                Ok(())
            },
        ),
    ];
    for (select, add) in parts {
        let sql = format!("{select} WHERE x.article_id IN {ids} ORDER BY x.article_id, x.position");
        for row in sqlx::query(&sql).fetch_all(pool).await.map_err(db)? {
            let article: i64 = get(&row, "article_id")?;
            if let Some(&i) = position.get(&article) {
                add(&mut documents[i], &row)?;
            }
        }
    }
    Ok(documents)
}

pub(crate) async fn by_ids(pool: &AnyPool, ids: &[i64]) -> Result<Vec<SearchDocument>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    documents(pool, &format!("{DOCUMENT} AND a.id IN {}", id_list(ids))).await
}

pub(crate) async fn after(pool: &AnyPool, after: i64, limit: u32) -> Result<Vec<SearchDocument>> {
    documents(
        pool,
        &format!("{DOCUMENT} AND a.id > {after} ORDER BY a.id LIMIT {limit}"),
    )
    .await
}

pub(crate) async fn published_count(pool: &AnyPool) -> Result<u64> {
    let n: i64 = sqlx::query("SELECT count(*) AS n FROM articles WHERE status = 'published'")
        .fetch_one(pool)
        .await
        .map_err(db)
        .and_then(|row| get(&row, "n"))?;
    Ok(u64::try_from(n).unwrap_or_default())
}

pub(crate) async fn changes(pool: &AnyPool, after: i64, limit: u32) -> Result<Vec<SearchChange>> {
    sqlx::query("SELECT seq, article_id FROM search_changes WHERE seq > $1 ORDER BY seq LIMIT $2")
        .bind(after)
        .bind(i64::from(limit))
        .fetch_all(pool)
        .await
        .map_err(db)?
        .iter()
        .map(|row| {
            Ok(SearchChange {
                seq: get(row, "seq")?,
                article_id: get(row, "article_id")?,
            })
        })
        .collect()
}

pub(crate) async fn bounds(pool: &AnyPool) -> Result<(i64, i64)> {
    // Two subqueries, not one SELECT with both aggregates: SQLite reads a
    // lone min() or max() off the key, but scans the whole table for the
    // pair (2.5 ms at 10,000 articles, on every poll of every server).
    let row = sqlx::query(
        "SELECT (SELECT COALESCE(max(seq), 0) FROM search_changes) AS latest, \
                (SELECT COALESCE(min(seq), 0) FROM search_changes) AS oldest",
    )
    .fetch_one(pool)
    .await
    .map_err(db)?;
    Ok((get(&row, "latest")?, get(&row, "oldest")?))
}

pub(crate) async fn prune(pool: &AnyPool, before: i64) -> Result<()> {
    sqlx::query("DELETE FROM search_changes WHERE changed_at < $1")
        .bind(before)
        .execute(pool)
        .await
        .map_err(db)?;
    Ok(())
}
