//! Sections and tags: the public lookups and the newsroom's management.

use kiosque_core::model::{Category, SectionFamily, Tag, TermKind, TermUsage};
use kiosque_core::types::Slug;
use kiosque_core::{Error, Result};
use sqlx::AnyPool;

use crate::rows::{self, get, slug_taken};
use crate::{SqlStore, db};

pub(crate) async fn category_by_slug(pool: &AnyPool, slug: &Slug) -> Result<Option<Category>> {
    let row = sqlx::query(
        "SELECT id AS category_id, slug AS category_slug, name AS category_name \
         FROM categories WHERE slug = $1",
    )
    .bind(slug.as_str())
    .fetch_optional(pool)
    .await
    .map_err(db)?;
    Ok(match row {
        Some(row) => rows::category(&row)?,
        None => None,
    })
}

/// Every section with its parent: (section, parent id).
pub(crate) async fn tree(pool: &AnyPool) -> Result<Vec<(Category, Option<i64>)>> {
    let rows = sqlx::query(
        "SELECT id AS category_id, slug AS category_slug, name AS category_name, parent_id \
         FROM categories ORDER BY name, id",
    )
    .fetch_all(pool)
    .await
    .map_err(db)?;
    let mut out = Vec::with_capacity(rows.len());
    for row in &rows {
        if let Some(c) = rows::category(row)? {
            out.push((c, get(row, "parent_id")?));
        }
    }
    Ok(out)
}

/// Ancestors (a loop of parents stops where it would repeat), children
/// and every descendant of a section.
pub(crate) async fn family(pool: &AnyPool, id: i64) -> Result<SectionFamily> {
    let all = tree(pool).await?;
    let parent_of = |id: i64| all.iter().find(|(c, _)| c.id == id).and_then(|(_, p)| *p);
    let mut ancestors = Vec::new();
    let mut at = parent_of(id);
    while let Some(p) = at {
        if p == id || ancestors.iter().any(|a: &Category| a.id == p) {
            break;
        }
        if let Some((c, _)) = all.iter().find(|(c, _)| c.id == p) {
            ancestors.insert(0, c.clone());
        }
        at = parent_of(p);
    }
    let children: Vec<Category> = all
        .iter()
        .filter(|(c, p)| *p == Some(id) && c.id != id)
        .map(|(c, _)| c.clone())
        .collect();
    let mut descendants: Vec<i64> = Vec::new();
    let mut frontier = vec![id];
    while let Some(at) = frontier.pop() {
        for (c, p) in &all {
            if *p == Some(at) && c.id != id && !descendants.contains(&c.id) {
                descendants.push(c.id);
                frontier.push(c.id);
            }
        }
    }
    Ok(SectionFamily {
        ancestors,
        children,
        descendants,
    })
}

pub(crate) async fn categories(pool: &AnyPool) -> Result<Vec<Category>> {
    sqlx::query(
        "SELECT id AS category_id, slug AS category_slug, name AS category_name \
         FROM categories ORDER BY name, id",
    )
    .fetch_all(pool)
    .await
    .map_err(db)?
    .iter()
    .filter_map(|row| rows::category(row).transpose())
    .collect()
}

pub(crate) async fn tag_by_slug(pool: &AnyPool, slug: &Slug) -> Result<Option<Tag>> {
    sqlx::query("SELECT id, slug, name FROM tags WHERE slug = $1")
        .bind(slug.as_str())
        .fetch_optional(pool)
        .await
        .map_err(db)?
        .as_ref()
        .map(rows::tag)
        .transpose()
}

/// The table of a kind, and the condition that finds the articles using a
/// term of it. Only these fixed strings ever reach the SQL.
fn table(kind: TermKind) -> (&'static str, &'static str) {
    match kind {
        TermKind::Category => (
            "categories",
            "SELECT count(*) FROM articles a WHERE a.category_id = t.id",
        ),
        TermKind::Tag => (
            "tags",
            "SELECT count(*) FROM article_tags a WHERE a.tag_id = t.id",
        ),
    }
}

/// Each term with the published articles filed under it (a section: as
/// first or further section), as readers and WordPress's API count them.
fn published_usage(kind: TermKind) -> &'static str {
    match kind {
        TermKind::Category => {
            "SELECT count(*) FROM articles a WHERE a.status = 'published' AND \
             (a.category_id = t.id OR a.id IN \
             (SELECT s.article_id FROM article_sections s WHERE s.category_id = t.id))"
        }
        TermKind::Tag => {
            "SELECT count(*) FROM article_tags x JOIN articles a ON a.id = x.article_id \
             WHERE x.tag_id = t.id AND a.status = 'published'"
        }
    }
}

pub(crate) async fn published_terms(pool: &AnyPool, kind: TermKind) -> Result<Vec<TermUsage>> {
    counted(pool, kind, published_usage(kind)).await
}

pub(crate) async fn terms(pool: &AnyPool, kind: TermKind) -> Result<Vec<TermUsage>> {
    counted(pool, kind, table(kind).1).await
}

async fn counted(pool: &AnyPool, kind: TermKind, usage: &str) -> Result<Vec<TermUsage>> {
    let (table, _) = table(kind);
    sqlx::query(&format!(
        "SELECT t.id, t.slug, t.name, ({usage}) AS articles FROM {table} t ORDER BY t.name, t.id"
    ))
    .fetch_all(pool)
    .await
    .map_err(db)?
    .iter()
    .map(|row| {
        let tag = rows::tag(row)?;
        let articles: i64 = get(row, "articles")?;
        Ok(TermUsage {
            id: tag.id,
            slug: tag.slug,
            name: tag.name,
            articles: u64::try_from(articles).unwrap_or_default(),
        })
    })
    .collect()
}

pub(crate) async fn create_term(
    pool: &AnyPool,
    kind: TermKind,
    slug: &Slug,
    name: &str,
) -> Result<i64> {
    let (table, _) = table(kind);
    let row = sqlx::query(&format!(
        "INSERT INTO {table} (slug, name) VALUES ($1, $2) RETURNING id"
    ))
    .bind(slug.as_str())
    .bind(name)
    .fetch_all(pool)
    .await
    .and_then(crate::first_row)
    .map_err(|e| slug_taken(e, slug))?;
    get(&row, "id")
}

pub(crate) async fn update_term(
    pool: &AnyPool,
    kind: TermKind,
    id: i64,
    slug: &Slug,
    name: &str,
) -> Result<()> {
    let (table, _) = table(kind);
    let done = sqlx::query(&format!(
        "UPDATE {table} SET slug = $1, name = $2 WHERE id = $3"
    ))
    .bind(slug.as_str())
    .bind(name)
    .bind(id)
    .execute(pool)
    .await
    .map_err(|e| slug_taken(e, slug))?;
    if done.rows_affected() == 0 {
        return Err(Error::NotFound(kind.as_str()));
    }
    Ok(())
}

/// Deletes a term; articles filed under it lose it (a section's articles
/// are left without one), in one transaction.
pub(crate) async fn delete_term(store: &SqlStore, kind: TermKind, id: i64) -> Result<()> {
    let mut tx = store.begin_write().await?;
    let detach = match kind {
        TermKind::Category => "UPDATE articles SET category_id = NULL WHERE category_id = $1",
        TermKind::Tag => "DELETE FROM article_tags WHERE tag_id = $1",
    };
    sqlx::query(detach)
        .bind(id)
        .execute(&mut *tx)
        .await
        .map_err(db)?;
    let (table, _) = table(kind);
    let done = sqlx::query(&format!("DELETE FROM {table} WHERE id = $1"))
        .bind(id)
        .execute(&mut *tx)
        .await
        .map_err(db)?;
    if done.rows_affected() == 0 {
        return Err(Error::NotFound(kind.as_str()));
    }
    tx.commit().await.map_err(db)
}
