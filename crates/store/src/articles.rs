//! Articles with their authors, categories, tags and media.

use kiosque_core::Result;
use kiosque_core::model::{
    Article, ArticleDraft, ArticleFilter, ArticleSummary, Author, Category, MediaAsset,
    NewMediaAsset, Page, PageRequest, Published,
};
use kiosque_core::types::{Slug, Title};
use sqlx::any::AnyRow;
use sqlx::{Any, AnyPool, Transaction};

use crate::rows::{self, get, time};
use crate::{SqlStore, db};

const MEDIA_COLUMNS: &str = "m.id AS media_id, m.file_name AS media_file_name, \
    m.mime AS media_mime, m.width AS media_width, m.height AS media_height, \
    m.byte_size AS media_byte_size, a.image_caption, a.image_credit";

pub(crate) async fn save_media(pool: &AnyPool, media: &NewMediaAsset) -> Result<MediaAsset> {
    // The file name is the content hash, so a second save of the same bytes
    // finds the first row; the no-op update makes RETURNING yield it.
    let row = sqlx::query(
        "INSERT INTO media (file_name, mime, width, height, byte_size, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6) \
         ON CONFLICT (file_name) DO UPDATE SET mime = excluded.mime \
         RETURNING id AS media_id, file_name AS media_file_name, mime AS media_mime, \
         width AS media_width, height AS media_height, byte_size AS media_byte_size",
    )
    .bind(&media.file_name)
    .bind(&media.mime)
    .bind(i64::from(media.width))
    .bind(i64::from(media.height))
    .bind(i64::try_from(media.byte_size).unwrap_or(i64::MAX))
    .bind(chrono::Utc::now().timestamp())
    .fetch_one(pool)
    .await
    .map_err(db)?;
    rows::media(&row)
}

/// Inserts a named thing (author, category, tag) or renames the existing one
/// with that slug, and returns its id.
async fn upsert_named(
    tx: &mut Transaction<'static, Any>,
    table: &str,
    slug: &Slug,
    name: &str,
) -> Result<i64> {
    let sql = format!(
        "INSERT INTO {table} (slug, name) VALUES ($1, $2) \
         ON CONFLICT (slug) DO UPDATE SET name = excluded.name RETURNING id"
    );
    let row = sqlx::query(&sql)
        .bind(slug.as_str())
        .bind(name)
        .fetch_one(&mut **tx)
        .await
        .map_err(db)?;
    get(&row, "id")
}

pub(crate) async fn publish(store: &SqlStore, draft: &ArticleDraft) -> Result<Published> {
    let mut tx = store.begin_write().await?;
    // The first statement writes, so SQLite holds the write lock from here on.
    let author_id = upsert_named(&mut tx, "authors", &draft.author.0, &draft.author.1).await?;
    let category_id = match &draft.category {
        Some((slug, name)) => Some(upsert_named(&mut tx, "categories", slug, name).await?),
        None => None,
    };
    let existing = sqlx::query("SELECT id FROM articles WHERE slug = $1")
        .bind(draft.slug.as_str())
        .fetch_optional(&mut *tx)
        .await
        .map_err(db)?;
    let (image_id, caption, credit) = match &draft.image {
        Some((id, caption, credit)) => (Some(*id), caption.clone(), credit.clone()),
        None => (None, None, None),
    };
    // One statement for both cases. Without a date in the draft, a new
    // article is dated now and an existing one keeps its date (and URL).
    let row = sqlx::query(
        "INSERT INTO articles (slug, title, body_markdown, body_html, excerpt, \
         author_id, category_id, image_id, image_caption, image_credit, \
         published_at, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, COALESCE($11, $12), $12, $12) \
         ON CONFLICT (slug) DO UPDATE SET title = excluded.title, \
         body_markdown = excluded.body_markdown, body_html = excluded.body_html, \
         excerpt = excluded.excerpt, author_id = excluded.author_id, \
         category_id = excluded.category_id, image_id = excluded.image_id, \
         image_caption = excluded.image_caption, image_credit = excluded.image_credit, \
         published_at = COALESCE($11, articles.published_at), updated_at = excluded.updated_at \
         RETURNING id",
    )
    .bind(draft.slug.as_str())
    .bind(draft.title.as_str())
    .bind(&draft.body_markdown)
    .bind(&draft.body_html)
    .bind(&draft.excerpt)
    .bind(author_id)
    .bind(category_id)
    .bind(image_id)
    .bind(caption)
    .bind(credit)
    .bind(draft.published_at.map(|d| d.timestamp()))
    .bind(draft.now.timestamp())
    .fetch_one(&mut *tx)
    .await
    .map_err(db)?;
    let article_id: i64 = get(&row, "id")?;
    sqlx::query("DELETE FROM article_tags WHERE article_id = $1")
        .bind(article_id)
        .execute(&mut *tx)
        .await
        .map_err(db)?;
    for (position, (slug, name)) in draft.tags.iter().enumerate() {
        let tag_id = upsert_named(&mut tx, "tags", slug, name).await?;
        sqlx::query(
            "INSERT INTO article_tags (article_id, tag_id, position) VALUES ($1, $2, $3) \
             ON CONFLICT DO NOTHING",
        )
        .bind(article_id)
        .bind(tag_id)
        .bind(i64::try_from(position).unwrap_or(i64::MAX))
        .execute(&mut *tx)
        .await
        .map_err(db)?;
    }
    tx.commit().await.map_err(db)?;
    Ok(Published {
        article_id,
        created: existing.is_none(),
    })
}

pub(crate) async fn by_slug(pool: &AnyPool, slug: &Slug) -> Result<Option<Article>> {
    let sql = format!(
        "SELECT a.id, a.slug, a.title, a.body_markdown, a.body_html, a.excerpt, \
         a.published_at, a.updated_at, \
         au.id AS author_id, au.slug AS author_slug, au.name AS author_name, \
         c.id AS category_id, c.slug AS category_slug, c.name AS category_name, \
         {MEDIA_COLUMNS} \
         FROM articles a JOIN authors au ON au.id = a.author_id \
         LEFT JOIN categories c ON c.id = a.category_id \
         LEFT JOIN media m ON m.id = a.image_id \
         WHERE a.slug = $1"
    );
    let row = sqlx::query(&sql)
        .bind(slug.as_str())
        .fetch_optional(pool)
        .await
        .map_err(db)?;
    let Some(row) = row else { return Ok(None) };
    let id: i64 = get(&row, "id")?;
    let tags = sqlx::query(
        "SELECT t.id, t.slug, t.name FROM article_tags at JOIN tags t ON t.id = at.tag_id \
         WHERE at.article_id = $1 ORDER BY at.position",
    )
    .bind(id)
    .fetch_all(pool)
    .await
    .map_err(db)?
    .iter()
    .map(rows::tag)
    .collect::<Result<Vec<_>>>()?;
    Ok(Some(Article {
        id,
        slug: rows::slug(&row, "slug")?,
        title: title(&row)?,
        body_markdown: get(&row, "body_markdown")?,
        body_html: get(&row, "body_html")?,
        excerpt: get(&row, "excerpt")?,
        author: rows::author(&row)?,
        category: rows::category(&row)?,
        tags,
        image: rows::featured_image(&row)?,
        published_at: time(get(&row, "published_at")?),
        updated_at: time(get(&row, "updated_at")?),
    }))
}

fn title(row: &AnyRow) -> Result<Title> {
    let t: String = get(row, "title")?;
    Title::parse(&t)
}

pub(crate) async fn list(
    pool: &AnyPool,
    filter: ArticleFilter,
    page: PageRequest,
) -> Result<Page<ArticleSummary>> {
    // Three fixed statements rather than one with optional conditions, so
    // each gets a plan that uses its index.
    let (condition, filter_id) = match filter {
        ArticleFilter::All => ("", None),
        ArticleFilter::Category(id) => ("WHERE a.category_id = $3", Some(id)),
        ArticleFilter::Author(id) => ("WHERE a.author_id = $3", Some(id)),
    };
    let sql = format!(
        "SELECT a.id, a.slug, a.title, a.excerpt, a.published_at, au.name AS author_name, \
         {MEDIA_COLUMNS} \
         FROM articles a JOIN authors au ON au.id = a.author_id \
         LEFT JOIN media m ON m.id = a.image_id {condition} \
         ORDER BY a.published_at DESC, a.id DESC LIMIT $1 OFFSET $2"
    );
    let mut query = sqlx::query(&sql)
        .bind(i64::from(page.per_page))
        .bind(page.offset());
    if let Some(id) = filter_id {
        query = query.bind(id);
    }
    let items = query
        .fetch_all(pool)
        .await
        .map_err(db)?
        .iter()
        .map(|row| {
            Ok(ArticleSummary {
                id: get(row, "id")?,
                slug: rows::slug(row, "slug")?,
                title: title(row)?,
                excerpt: get(row, "excerpt")?,
                published_at: time(get(row, "published_at")?),
                image: rows::featured_image(row)?,
                author_name: get(row, "author_name")?,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    let count_sql = format!(
        "SELECT COUNT(*) AS n FROM articles a {}",
        condition.replace("$3", "$1")
    );
    let mut count = sqlx::query(&count_sql);
    if let Some(id) = filter_id {
        count = count.bind(id);
    }
    let total: i64 = get(&count.fetch_one(pool).await.map_err(db)?, "n")?;
    Ok(Page {
        items,
        request: page,
        total: u64::try_from(total).unwrap_or_default(),
    })
}

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

pub(crate) async fn author_by_slug(pool: &AnyPool, slug: &Slug) -> Result<Option<Author>> {
    let row = sqlx::query(
        "SELECT id AS author_id, slug AS author_slug, name AS author_name \
         FROM authors WHERE slug = $1",
    )
    .bind(slug.as_str())
    .fetch_optional(pool)
    .await
    .map_err(db)?;
    row.as_ref().map(rows::author).transpose()
}
