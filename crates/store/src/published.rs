//! Published articles by any combination of filters, a slice at a time
//! after a cursor (the API's list). Keyset paging on `(published_at, id)`
//! reads the site's list index from where the last slice stopped, so a
//! client walking 100,000 articles pays the same for the last slice as
//! for the first.

use kiosque_core::Result;
use kiosque_core::model::{ListCursor, PublishedQuery, PublishedSlice};
use sqlx::AnyPool;

use crate::db;
use crate::rows::{get, time};

/// A value bound to the statement.
enum Value {
    Int(i64),
    Text(String),
}

/// Adds a value and returns its placeholder.
fn bind(v: Value, values: &mut Vec<Value>) -> String {
    values.push(v);
    format!("${}", values.len())
}

fn run<'q>(sql: &'q str, values: &[Value]) -> crate::rows::AnyQuery<'q> {
    let mut query = sqlx::query(sql);
    for v in values {
        query = match v {
            Value::Int(i) => query.bind(*i),
            Value::Text(t) => query.bind(t.clone()),
        };
    }
    query
}

pub(crate) async fn slice(pool: &AnyPool, q: &PublishedQuery) -> Result<PublishedSlice> {
    let mut conditions = vec!["a.status = 'published'".to_owned()];
    let mut values: Vec<Value> = Vec::new();
    if let Some(section) = q.section {
        // The section and every one under it (as its page lists them);
        // ids read from the table, written in as integers.
        let family = crate::taxonomy::family(pool, section).await?;
        let ids = std::iter::once(section)
            .chain(family.descendants)
            .map(|i| i.to_string())
            .collect::<Vec<_>>()
            .join(", ");
        conditions.push(format!(
            "(a.category_id IN ({ids}) OR a.id IN \
             (SELECT article_id FROM article_sections WHERE category_id IN ({ids})))"
        ));
    }
    if let Some(tag) = q.tag {
        let p = bind(Value::Int(tag), &mut values);
        conditions.push(format!(
            "a.id IN (SELECT article_id FROM article_tags WHERE tag_id = {p})"
        ));
    }
    if let Some(author) = q.author {
        let p = bind(Value::Int(author), &mut values);
        conditions.push(format!(
            "(a.author_id = {p} OR a.id IN \
             (SELECT article_id FROM article_contributors WHERE author_id = {p}))"
        ));
    }
    if let Some(kind) = q.article_type {
        let p = bind(Value::Text(kind.as_str().to_owned()), &mut values);
        conditions.push(format!("a.article_type = {p}"));
    }
    if let Some(after) = q.after {
        let p = bind(Value::Int(after.timestamp()), &mut values);
        conditions.push(format!("a.published_at >= {p}"));
    }
    if let Some(before) = q.before {
        let p = bind(Value::Int(before.timestamp()), &mut values);
        conditions.push(format!("a.published_at < {p}"));
    }
    if let Some(among) = &q.among {
        if among.is_empty() {
            return Ok(PublishedSlice::default());
        }
        let ids = among
            .iter()
            .map(i64::to_string)
            .collect::<Vec<_>>()
            .join(", ");
        conditions.push(format!("a.id IN ({ids})"));
    }
    let filtered = conditions.join(" AND ");
    let count_sql = format!("SELECT COUNT(*) AS n FROM articles a WHERE {filtered}");
    let mut paged = filtered.clone();
    let mut page_values: Vec<Value> = values
        .iter()
        .map(|v| match v {
            Value::Int(i) => Value::Int(*i),
            Value::Text(t) => Value::Text(t.clone()),
        })
        .collect();
    if let Some(c) = q.cursor {
        let at = bind(Value::Int(c.published_at.timestamp()), &mut page_values);
        let id = bind(Value::Int(c.id), &mut page_values);
        paged.push_str(&format!(
            " AND (a.published_at < {at} OR (a.published_at = {at} AND a.id < {id}))"
        ));
    }
    // One more than asked: whether another slice follows.
    let limit = bind(Value::Int(i64::from(q.limit) + 1), &mut page_values);
    let page_sql = format!(
        "SELECT a.id, a.published_at FROM articles a WHERE {paged} \
         ORDER BY a.published_at DESC, a.id DESC LIMIT {limit}"
    );
    let rows = run(&page_sql, &page_values)
        .fetch_all(pool)
        .await
        .map_err(db)?;
    let total: i64 = get(
        &run(&count_sql, &values).fetch_one(pool).await.map_err(db)?,
        "n",
    )?;
    let mut keys = Vec::with_capacity(rows.len());
    for row in &rows {
        keys.push((get::<i64>(row, "id")?, time(get(row, "published_at")?)));
    }
    let more = keys.len() > q.limit as usize;
    keys.truncate(q.limit as usize);
    let ids: Vec<i64> = keys.iter().map(|(id, _)| *id).collect();
    // An article unpublished between the two reads is left out.
    let articles: Vec<_> = crate::articles::by_ids(pool, &ids)
        .await?
        .into_iter()
        .filter(|a| a.status == kiosque_core::types::ArticleStatus::Published)
        .collect();
    Ok(PublishedSlice {
        articles,
        total: u64::try_from(total).unwrap_or_default(),
        next: more
            .then(|| keys.last())
            .flatten()
            .map(|(id, published_at)| ListCursor {
                published_at: *published_at,
                id: *id,
            }),
    })
}
