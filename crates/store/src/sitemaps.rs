//! What the sitemaps list: published articles with their last change.

use kiosque_core::Result;
use kiosque_core::model::{Page, PageRequest, SitemapEntry};
use sqlx::AnyPool;
use sqlx::any::AnyRow;

use crate::db;
use crate::rows::{self, get, time};

/// The columns of an entry (of article `a`); the last change counts
/// corrections.
const COLUMNS: &str = "SELECT a.slug, a.title, a.published_at, \
    COALESCE((SELECT max(c.noted_at) FROM article_corrections c WHERE c.article_id = a.id), 0) \
    AS corrected_at, a.updated_at, cat.slug AS category_slug";

fn entry(row: &AnyRow) -> Result<SitemapEntry> {
    let updated = time(get(row, "updated_at")?);
    let corrected = time(get(row, "corrected_at")?);
    Ok(SitemapEntry {
        slug: rows::slug(row, "slug")?,
        title: crate::articles::title(row)?,
        published_at: time(get(row, "published_at")?),
        modified_at: updated.max(corrected),
        category_slug: rows::optional_slug(row, "category_slug")?,
    })
}

pub(crate) async fn page(pool: &AnyPool, page: PageRequest) -> Result<Page<SitemapEntry>> {
    let total = crate::search::published_count(pool).await?;
    // The page's ids first, on the index alone, then only its rows: the
    // last sitemap of 100,000 articles skipped 95,000 rows (~2 s).
    let items = sqlx::query(&format!(
        "{COLUMNS} FROM (SELECT id FROM articles WHERE status = 'published' \
         ORDER BY published_at DESC, id DESC LIMIT $1 OFFSET $2) page \
         JOIN articles a ON a.id = page.id \
         LEFT JOIN categories cat ON cat.id = a.category_id \
         ORDER BY a.published_at DESC, a.id DESC"
    ))
    .bind(i64::from(page.per_page))
    .bind(page.offset())
    .fetch_all(pool)
    .await
    .map_err(db)?
    .iter()
    .map(entry)
    .collect::<Result<Vec<_>>>()?;
    Ok(Page {
        items,
        request: page,
        total,
    })
}

/// The latest change in each page of `per_page` articles (newest first),
/// in one query, so the sitemap index costs the same for 100 articles or
/// 100,000.
pub(crate) async fn page_changes(pool: &AnyPool, per_page: u32) -> Result<Vec<i64>> {
    sqlx::query(
        "SELECT (n - 1) / $1 AS page, max(modified) AS modified FROM ( \
           SELECT row_number() OVER (ORDER BY a.published_at DESC, a.id DESC) AS n, \
             CASE WHEN c.noted_at IS NOT NULL AND c.noted_at > a.updated_at \
               THEN c.noted_at ELSE a.updated_at END AS modified \
           FROM articles a LEFT JOIN ( \
             SELECT article_id, max(noted_at) AS noted_at FROM article_corrections \
             GROUP BY article_id) c ON c.article_id = a.id \
           WHERE a.status = 'published') numbered \
         GROUP BY (n - 1) / $1 ORDER BY page",
    )
    .bind(i64::from(per_page.max(1)))
    .fetch_all(pool)
    .await
    .map_err(db)?
    .iter()
    .map(|row| get(row, "modified"))
    .collect()
}

pub(crate) async fn since(pool: &AnyPool, since: i64, limit: u32) -> Result<Vec<SitemapEntry>> {
    sqlx::query(&format!(
        "{COLUMNS} FROM articles a LEFT JOIN categories cat ON cat.id = a.category_id \
         WHERE a.status = 'published' AND a.published_at >= $1 \
         ORDER BY a.published_at DESC, a.id DESC LIMIT $2"
    ))
    .bind(since)
    .bind(i64::from(limit))
    .fetch_all(pool)
    .await
    .map_err(db)?
    .iter()
    .map(entry)
    .collect()
}
