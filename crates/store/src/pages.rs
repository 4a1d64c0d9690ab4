//! The site's pages (about, contact, ethics policy) and the links to them.

use kiosque_core::model::{PageDraft, StaticPage};
use kiosque_core::types::Slug;
use kiosque_core::{Error, Result};
use sqlx::AnyPool;
use sqlx::any::AnyRow;

use crate::rows::{self, AnyQuery, get, slug_taken, time};
use crate::{SqlStore, db};

const COLUMNS: &str = "id, slug, title, body_markdown, body_html, in_menu, in_footer, \
    position, updated_at";

fn page(row: &AnyRow) -> Result<StaticPage> {
    Ok(StaticPage {
        id: get(row, "id")?,
        slug: rows::slug(row, "slug")?,
        title: get(row, "title")?,
        body_markdown: get(row, "body_markdown")?,
        body_html: get(row, "body_html")?,
        in_menu: get::<i64>(row, "in_menu")? != 0,
        in_footer: get::<i64>(row, "in_footer")? != 0,
        position: get(row, "position")?,
        updated_at: time(get(row, "updated_at")?),
    })
}

pub(crate) async fn all(pool: &AnyPool) -> Result<Vec<StaticPage>> {
    sqlx::query(&format!(
        "SELECT {COLUMNS} FROM pages ORDER BY position, title, id"
    ))
    .fetch_all(pool)
    .await
    .map_err(db)?
    .iter()
    .map(page)
    .collect()
}

/// The page `condition` picks with its one parameter.
async fn one(
    pool: &AnyPool,
    condition: &str,
    bind: impl FnOnce(AnyQuery<'_>) -> AnyQuery<'_>,
) -> Result<Option<StaticPage>> {
    let sql = format!("SELECT {COLUMNS} FROM pages WHERE {condition}");
    bind(sqlx::query(&sql))
        .fetch_optional(pool)
        .await
        .map_err(db)?
        .as_ref()
        .map(page)
        .transpose()
}

pub(crate) async fn by_id(pool: &AnyPool, id: i64) -> Result<Option<StaticPage>> {
    one(pool, "id = $1", |q| q.bind(id)).await
}

pub(crate) async fn by_slug(pool: &AnyPool, slug: &Slug) -> Result<Option<StaticPage>> {
    one(pool, "slug = $1", |q| q.bind(slug.as_str().to_owned())).await
}

/// Saves a page; its menu and footer marks put it in those menus or take
/// it out, in the same write.
pub(crate) async fn save(store: &SqlStore, id: Option<i64>, p: &PageDraft) -> Result<i64> {
    let now = chrono::Utc::now().timestamp();
    let sql = match id {
        None => {
            "INSERT INTO pages (slug, title, body_markdown, body_html, in_menu, in_footer, \
             position, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id"
        }
        Some(_) => {
            "UPDATE pages SET slug = $1, title = $2, body_markdown = $3, body_html = $4, \
             in_menu = $5, in_footer = $6, position = $7, updated_at = $8 WHERE id = $9 \
             RETURNING id"
        }
    };
    let query = sqlx::query(sql);
    let mut query = query
        .bind(p.slug.as_str())
        .bind(&p.title)
        .bind(&p.body_markdown)
        .bind(&p.body_html)
        .bind(i64::from(p.in_menu))
        .bind(i64::from(p.in_footer))
        .bind(p.position)
        .bind(now);
    if let Some(id) = id {
        query = query.bind(id);
    }
    let mut tx = store.begin_write().await?;
    let row = query
        .fetch_optional(&mut *tx)
        .await
        .map_err(|e| slug_taken(e, &p.slug))?
        .ok_or(Error::NotFound("page"))?;
    let id = get(&row, "id")?;
    crate::menus::follow_page_marks(&mut tx, id, p.in_menu, p.in_footer).await?;
    tx.commit().await.map_err(db)?;
    Ok(id)
}

pub(crate) async fn delete(pool: &AnyPool, id: i64) -> Result<()> {
    let done = sqlx::query("DELETE FROM pages WHERE id = $1")
        .bind(id)
        .execute(pool)
        .await
        .map_err(db)?;
    if done.rows_affected() == 0 {
        return Err(Error::NotFound("page"));
    }
    Ok(())
}
