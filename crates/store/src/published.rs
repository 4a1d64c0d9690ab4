//! Published articles by any combination of filters, a slice at a time
//! after a cursor (the API's list). Keyset paging on `(published_at, id)`
//! reads the site's list index from where the last slice stopped, so a
//! client walking 100,000 articles pays the same for the last slice as
//! for the first.

use kiosque_core::Result;
use kiosque_core::model::{ListCursor, ListSort, PublishedQuery, PublishedSlice, SortKey};
use sqlx::AnyPool;

use crate::db;
use crate::rows::{get, id_list, time};

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

/// Integers written into the statement (read from the database or
/// parsed as numbers, never text from a client).
/// The `WHERE` conditions of a query and their values; `None` when a
/// filter names nothing, so nothing matches.
async fn conditions(
    pool: &AnyPool,
    q: &PublishedQuery,
) -> Result<Option<(Vec<String>, Vec<Value>)>> {
    let mut values: Vec<Value> = Vec::new();
    let mut conditions = if q.statuses.is_empty() {
        vec!["a.status = 'published'".to_owned()]
    } else {
        let marks: Vec<String> = q
            .statuses
            .iter()
            .map(|s| bind(Value::Text(s.as_str().to_owned()), &mut values))
            .collect();
        vec![format!("a.status IN ({})", marks.join(", "))]
    };
    if let Some(by) = q.created_by {
        let p = bind(Value::Int(by), &mut values);
        conditions.push(format!("a.created_by = {p}"));
    }
    if let Some(section) = q.section {
        // The section and every one under it (as its page lists them);
        // ids read from the table, written in as integers.
        let family = crate::taxonomy::family(pool, section).await?;
        let ids = id_list(
            &std::iter::once(section)
                .chain(family.descendants)
                .collect::<Vec<_>>(),
        );
        conditions.push(format!(
            "(a.category_id IN ({ids}) OR a.id IN \
             (SELECT article_id FROM article_sections WHERE category_id IN ({ids})))"
        ));
    }
    let in_sections = |ids: &[i64]| {
        let ids = id_list(ids);
        format!(
            "(a.category_id IN ({ids}) OR a.id IN \
             (SELECT article_id FROM article_sections WHERE category_id IN ({ids})))"
        )
    };
    let with_tags = |ids: &[i64]| {
        format!(
            "a.id IN (SELECT article_id FROM article_tags WHERE tag_id IN ({}))",
            id_list(ids)
        )
    };
    for any in [&q.in_sections, &q.any_tags, &q.signed_by, &q.among] {
        if any.as_ref().is_some_and(Vec::is_empty) {
            return Ok(None);
        }
    }
    if let Some(ids) = &q.in_sections {
        conditions.push(in_sections(ids));
    }
    if !q.not_in_sections.is_empty() {
        // A section-less article is in none of them.
        conditions.push(format!(
            "(a.category_id IS NULL OR NOT {})",
            in_sections(&q.not_in_sections)
        ));
    }
    if let Some(ids) = &q.any_tags {
        conditions.push(with_tags(ids));
    }
    if !q.not_tags.is_empty() {
        conditions.push(format!("NOT {}", with_tags(&q.not_tags)));
    }
    if let Some(ids) = &q.signed_by {
        conditions.push(format!("a.author_id IN ({})", id_list(ids)));
    }
    if !q.not_signed_by.is_empty() {
        conditions.push(format!(
            "a.author_id NOT IN ({})",
            id_list(&q.not_signed_by)
        ));
    }
    if !q.exclude.is_empty() {
        conditions.push(format!("a.id NOT IN ({})", id_list(&q.exclude)));
    }
    if let Some(slugs) = &q.slugs {
        if slugs.is_empty() {
            return Ok(None);
        }
        let placeholders: Vec<String> = slugs
            .iter()
            .map(|s| bind(Value::Text(s.clone()), &mut values))
            .collect();
        conditions.push(format!("a.slug IN ({})", placeholders.join(", ")));
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
        conditions.push(format!("a.id IN ({})", id_list(among)));
    }
    Ok(Some((conditions, values)))
}

/// `ORDER BY` for a sort, ties broken by id the same way.
fn order_by(sort: ListSort) -> String {
    let column = match sort.by {
        SortKey::Published => "a.published_at",
        SortKey::Modified => "a.updated_at",
        SortKey::Id => "a.id",
        SortKey::Title => "a.title",
        SortKey::Slug => "a.slug",
    };
    let direction = if sort.ascending { "ASC" } else { "DESC" };
    if sort.by == SortKey::Id {
        format!("a.id {direction}")
    } else {
        format!("{column} {direction}, a.id {direction}")
    }
}

/// Every matching article's id, in the query's order (offset, limit and
/// cursor aside): what a client's own ordering, such as a search's
/// relevance, picks from.
pub(crate) async fn ids(pool: &AnyPool, q: &PublishedQuery) -> Result<Vec<i64>> {
    let Some((conditions, values)) = conditions(pool, q).await? else {
        return Ok(Vec::new());
    };
    let sql = format!(
        "SELECT a.id FROM articles a WHERE {} ORDER BY {}",
        conditions.join(" AND "),
        order_by(q.sort)
    );
    let rows = run(&sql, &values).fetch_all(pool).await.map_err(db)?;
    rows.iter().map(|row| get::<i64>(row, "id")).collect()
}

pub(crate) async fn slice(pool: &AnyPool, q: &PublishedQuery) -> Result<PublishedSlice> {
    let Some((conditions, values)) = conditions(pool, q).await? else {
        return Ok(PublishedSlice::default());
    };
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
    let default_order = q.sort == ListSort::default();
    if let Some(c) = q.cursor.filter(|_| default_order) {
        let at = bind(Value::Int(c.published_at.timestamp()), &mut page_values);
        let id = bind(Value::Int(c.id), &mut page_values);
        paged.push_str(&format!(
            " AND (a.published_at < {at} OR (a.published_at = {at} AND a.id < {id}))"
        ));
    }
    // One more than asked: whether another slice follows.
    let limit = bind(Value::Int(i64::from(q.limit) + 1), &mut page_values);
    let offset = bind(
        Value::Int(i64::try_from(q.offset).unwrap_or(i64::MAX)),
        &mut page_values,
    );
    let page_sql = format!(
        "SELECT a.id, a.published_at FROM articles a WHERE {paged} \
         ORDER BY {} LIMIT {limit} OFFSET {offset}",
        order_by(q.sort)
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
        .filter(|a| {
            if q.statuses.is_empty() {
                a.status == kiosque_core::types::ArticleStatus::Published
            } else {
                q.statuses.contains(&a.status)
            }
        })
        .collect();
    Ok(PublishedSlice {
        articles,
        total: u64::try_from(total).unwrap_or_default(),
        next: (more && default_order)
            .then(|| keys.last())
            .flatten()
            .map(|(id, published_at)| ListCursor {
                published_at: *published_at,
                id: *id,
            }),
    })
}
