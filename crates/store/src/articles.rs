//! Articles with their authors, categories, tags and media.

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};

use kiosque_core::Result;
use kiosque_core::model::{
    Article, ArticleDraft, ArticleFilter, ArticleQuery, ArticleRow, ArticleSummary, Page,
    PageRequest, Published,
};
use kiosque_core::model::{
    ArticleType, Category, Contributor, Correction, Editorial, Revision, Source, Tag,
};
use kiosque_core::types::{Slug, Title, WebUrl};
use sqlx::any::AnyRow;
use sqlx::{Any, AnyConnection, AnyPool, Transaction};

use crate::rows::{self, AnyQuery, MEDIA_FIELDS, get, time};
use crate::{SqlStore, db};

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

/// Where a save lands.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Target {
    /// Create, or update the article with the draft's slug (command line,
    /// imports): the file is the source of truth, so no version check.
    Slug,
    /// Create; `Conflict` if the slug is taken.
    New,
    /// Update this article, which must still be at `expected_version`.
    Existing { id: i64, expected_version: i64 },
}

/// The content columns, bound as $1–$10 by [`bind_content`].
const WRITE_COLUMNS: &str = "slug = $1, title = $2, body_markdown = $3, body_html = $4, \
    excerpt = $5, author_id = $6, category_id = $7, image_id = $8, image_caption = $9, \
    image_credit = $10";

/// The same columns taken from the row an upsert proposed.
const UPSERT_COLUMNS: &str = "title = excluded.title, \
    body_markdown = excluded.body_markdown, body_html = excluded.body_html, \
    excerpt = excluded.excerpt, author_id = excluded.author_id, \
    category_id = excluded.category_id, image_id = excluded.image_id, \
    image_caption = excluded.image_caption, image_credit = excluded.image_credit";

/// Binds $1–$10 of [`WRITE_COLUMNS`].
fn bind_content<'q>(
    q: AnyQuery<'q>,
    draft: &ArticleDraft,
    author_id: i64,
    category_id: Option<i64>,
) -> AnyQuery<'q> {
    let (image_id, caption, credit) = match &draft.image {
        Some(i) => (Some(i.id), i.caption.clone(), i.credit.clone()),
        None => (None, None, None),
    };
    q.bind(draft.slug.as_str().to_owned())
        .bind(draft.title.as_str().to_owned())
        .bind(draft.body_markdown.clone())
        .bind(draft.body_html.clone())
        .bind(draft.excerpt.clone())
        .bind(author_id)
        .bind(category_id)
        .bind(image_id)
        .bind(caption)
        .bind(credit)
}

fn slug_taken(e: sqlx::Error, slug: &Slug) -> kiosque_core::Error {
    match e {
        sqlx::Error::Database(d) if d.is_unique_violation() => kiosque_core::Error::Conflict(
            format!("another article already uses the address {slug}"),
        ),
        other => db(other),
    }
}

/// The lists an article is linked to by id and position.
#[derive(Clone, Copy)]
enum Linked {
    /// `article_tags`.
    Tags,
    /// `article_sections`: the further sections.
    Sections,
}

impl Linked {
    /// (table, id column): fixed strings, the only ones reaching the SQL.
    fn table(self) -> (&'static str, &'static str) {
        match self {
            Linked::Tags => ("article_tags", "tag_id"),
            Linked::Sections => ("article_sections", "category_id"),
        }
    }
}

/// Sets an article's tags or further sections to `ids`, in order. As with
/// bylines, rewritten only when they change, and then only the rows
/// removed and added: one kept but moved is not a change to its list.
async fn link(tx: &mut AnyConnection, what: Linked, article_id: i64, ids: &[i64]) -> Result<()> {
    let (table, column) = what.table();
    let current: Vec<i64> = sqlx::query(&format!(
        "SELECT {column} FROM {table} WHERE article_id = $1 ORDER BY position"
    ))
    .bind(article_id)
    .fetch_all(&mut *tx)
    .await
    .map_err(db)?
    .iter()
    .map(|row| get(row, column))
    .collect::<Result<_>>()?;
    if current == ids {
        return Ok(());
    }
    for gone in current.iter().filter(|t| !ids.contains(t)) {
        sqlx::query(&format!(
            "DELETE FROM {table} WHERE article_id = $1 AND {column} = $2"
        ))
        .bind(article_id)
        .bind(*gone)
        .execute(&mut *tx)
        .await
        .map_err(db)?;
    }
    for (position, id) in ids.iter().enumerate() {
        sqlx::query(&format!(
            "INSERT INTO {table} (article_id, {column}, position) VALUES ($1, $2, $3) \
             ON CONFLICT (article_id, {column}) DO UPDATE SET position = excluded.position"
        ))
        .bind(article_id)
        .bind(*id)
        .bind(i64::try_from(position).unwrap_or(i64::MAX))
        .execute(&mut *tx)
        .await
        .map_err(db)?;
    }
    Ok(())
}

/// Removes an article's rows from a child table (tags, bylines, sources)
/// before they are written again.
async fn clear_children(
    tx: &mut Transaction<'static, Any>,
    table: &str,
    article_id: i64,
) -> Result<()> {
    sqlx::query(&format!("DELETE FROM {table} WHERE article_id = $1"))
        .bind(article_id)
        .execute(&mut **tx)
        .await
        .map_err(db)?;
    Ok(())
}

/// Type, search texts, sources and a new correction, inside the save's
/// transaction.
async fn save_details(
    tx: &mut Transaction<'static, Any>,
    article_id: i64,
    draft: &ArticleDraft,
) -> Result<()> {
    let e = &draft.editorial;
    sqlx::query(
        "UPDATE articles SET article_type = $1, seo_title = $2, seo_description = $3, \
         image_alt = $4 WHERE id = $5",
    )
    .bind(e.article_type.as_str())
    .bind(e.seo_title.clone())
    .bind(e.seo_description.clone())
    .bind(draft.image.as_ref().and_then(|i| i.alt.clone()))
    .bind(article_id)
    .execute(&mut **tx)
    .await
    .map_err(db)?;
    let mut contributors = Vec::with_capacity(e.contributors.len());
    for c in &e.contributors {
        let author_id = upsert_named(tx, "authors", &c.author.0, &c.author.1).await?;
        contributors.push((author_id, c.role.clone()));
    }
    // Rows are rewritten only when they change: each write tells the page
    // caches that the author's list changed (migration 0017).
    let current: Vec<(i64, Option<String>)> = sqlx::query(
        "SELECT author_id, role FROM article_contributors WHERE article_id = $1 ORDER BY position",
    )
    .bind(article_id)
    .fetch_all(&mut **tx)
    .await
    .map_err(db)?
    .iter()
    .map(|row| Ok((get(row, "author_id")?, get(row, "role")?)))
    .collect::<Result<_>>()?;
    if current != contributors {
        clear_children(tx, "article_contributors", article_id).await?;
        for (position, (author_id, role)) in contributors.into_iter().enumerate() {
            sqlx::query(
                "INSERT INTO article_contributors (article_id, position, author_id, role) \
                 VALUES ($1, $2, $3, $4)",
            )
            .bind(article_id)
            .bind(i64::try_from(position).unwrap_or(i64::MAX))
            .bind(author_id)
            .bind(role)
            .execute(&mut **tx)
            .await
            .map_err(db)?;
        }
    }
    clear_children(tx, "article_sources", article_id).await?;
    for (position, source) in e.sources.iter().enumerate() {
        sqlx::query(
            "INSERT INTO article_sources (article_id, position, name, url) VALUES ($1, $2, $3, $4)",
        )
        .bind(article_id)
        .bind(i64::try_from(position).unwrap_or(i64::MAX))
        .bind(&source.name)
        .bind(source.url.as_ref().map(|u| u.as_str().to_owned()))
        .execute(&mut **tx)
        .await
        .map_err(db)?;
    }
    if let Some(note) = &draft.correction {
        sqlx::query(
            "INSERT INTO article_corrections (article_id, noted_at, note) VALUES ($1, $2, $3)",
        )
        .bind(article_id)
        .bind(draft.now.timestamp())
        .bind(note)
        .execute(&mut **tx)
        .await
        .map_err(db)?;
    }
    Ok(())
}

/// Saves an article with its author, category and tags, and keeps a
/// revision, all in one transaction.
pub(crate) async fn save(
    store: &SqlStore,
    draft: &ArticleDraft,
    target: Target,
) -> Result<Published> {
    let mut tx = store.begin_write().await?;
    // The first statement writes, so SQLite holds the write lock from here on.
    let author_id = upsert_named(&mut tx, "authors", &draft.author.0, &draft.author.1).await?;
    let category_id = match &draft.category {
        Some((slug, name)) => Some(upsert_named(&mut tx, "categories", slug, name).await?),
        None => None,
    };
    let published_at = draft.published_at.map(|d| d.timestamp());
    let now = draft.now.timestamp();
    let insert = "INSERT INTO articles (slug, title, body_markdown, body_html, excerpt, \
         author_id, category_id, image_id, image_caption, image_credit, \
         published_at, created_at, updated_at, status, version, created_by) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, COALESCE($11, $12), $12, $12, $13, 1, $14)";
    let (row, created) = match target {
        Target::Slug => {
            let existed = sqlx::query("SELECT id FROM articles WHERE slug = $1")
                .bind(draft.slug.as_str())
                .fetch_optional(&mut *tx)
                .await
                .map_err(db)?
                .is_some();
            // Without a date in the draft, a new article is dated now and
            // an existing one keeps its date (and so its URL).
            let sql = format!(
                "{insert} ON CONFLICT (slug) DO UPDATE SET {UPSERT_COLUMNS}, \
                 published_at = COALESCE($11, articles.published_at), updated_at = $12, \
                 status = $13, version = articles.version + 1 RETURNING id, version"
            );
            let row = bind_content(sqlx::query(&sql), draft, author_id, category_id)
                .bind(published_at)
                .bind(now)
                .bind(draft.status.as_str())
                .bind(draft.saved_by)
                .fetch_one(&mut *tx)
                .await
                .map_err(db)?;
            (row, !existed)
        }
        Target::New => {
            let sql = format!("{insert} RETURNING id, version");
            let row = bind_content(sqlx::query(&sql), draft, author_id, category_id)
                .bind(published_at)
                .bind(now)
                .bind(draft.status.as_str())
                .bind(draft.saved_by)
                .fetch_one(&mut *tx)
                .await
                .map_err(|e| slug_taken(e, &draft.slug))?;
            (row, true)
        }
        Target::Existing {
            id,
            expected_version,
        } => {
            let sql = format!(
                "UPDATE articles SET {WRITE_COLUMNS}, published_at = COALESCE($11, published_at), \
                 updated_at = $12, status = $13, version = version + 1 \
                 WHERE id = $14 AND version = $15 RETURNING id, version"
            );
            let row = bind_content(sqlx::query(&sql), draft, author_id, category_id)
                .bind(published_at)
                .bind(now)
                .bind(draft.status.as_str())
                .bind(id)
                .bind(expected_version)
                .fetch_optional(&mut *tx)
                .await
                .map_err(|e| slug_taken(e, &draft.slug))?;
            match row {
                Some(row) => (row, false),
                None => {
                    let exists = sqlx::query("SELECT version FROM articles WHERE id = $1")
                        .bind(id)
                        .fetch_optional(&mut *tx)
                        .await
                        .map_err(db)?;
                    return Err(match exists {
                        None => kiosque_core::Error::NotFound("article"),
                        Some(_) => kiosque_core::Error::Conflict(
                            "the article was saved elsewhere since you opened it".into(),
                        ),
                    });
                }
            }
        }
    };
    let article_id: i64 = get(&row, "id")?;
    let version: i64 = get(&row, "version")?;
    save_details(&mut tx, article_id, draft).await?;
    let mut tag_ids = Vec::with_capacity(draft.tags.len());
    for (slug, name) in &draft.tags {
        tag_ids.push(upsert_named(&mut tx, "tags", slug, name).await?);
    }
    link(&mut tx, Linked::Tags, article_id, &tag_ids).await?;
    let mut section_ids = Vec::with_capacity(draft.sections.len());
    for (slug, name) in &draft.sections {
        let id = upsert_named(&mut tx, "categories", slug, name).await?;
        if Some(id) != category_id && !section_ids.contains(&id) {
            section_ids.push(id);
        }
    }
    link(&mut tx, Linked::Sections, article_id, &section_ids).await?;
    sqlx::query(
        "INSERT INTO revisions (article_id, version, title, body_markdown, excerpt, saved_by, \
         saved_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(article_id)
    .bind(version)
    .bind(draft.title.as_str())
    .bind(&draft.body_markdown)
    .bind(&draft.excerpt)
    .bind(draft.saved_by)
    .bind(now)
    .execute(&mut *tx)
    .await
    .map_err(db)?;
    tx.commit().await.map_err(db)?;
    Ok(Published {
        article_id,
        created,
        version,
    })
}

/// A published article by slug (what readers may see).
pub(crate) async fn by_slug(pool: &AnyPool, slug: &Slug) -> Result<Option<Article>> {
    load(pool, "a.slug = $1 AND a.status = 'published'", |q| {
        q.bind(slug.as_str().to_owned())
    })
    .await
}

/// A published article that was at `slug` before being renamed.
pub(crate) async fn by_old_slug(pool: &AnyPool, slug: &Slug) -> Result<Option<Article>> {
    load(
        pool,
        "a.id = (SELECT o.article_id FROM article_old_slugs o WHERE o.slug = $1) \
         AND a.status = 'published'",
        |q| q.bind(slug.as_str().to_owned()),
    )
    .await
}

/// Any article by id, whatever its state (for the newsroom).
pub(crate) async fn by_id(pool: &AnyPool, id: i64) -> Result<Option<Article>> {
    load(pool, "a.id = $1", |q| q.bind(id)).await
}

/// The columns an [`Article`] is read from (with its details).
fn article_select() -> String {
    format!(
        "SELECT a.id, a.slug, a.title, a.body_markdown, a.body_html, a.excerpt, \
         a.published_at, a.updated_at, a.status, a.version, a.created_by, \
         a.article_type, a.seo_title, a.seo_description, \
         au.id AS author_id, au.slug AS author_slug, au.name AS author_name, \
         c.id AS category_id, c.slug AS category_slug, c.name AS category_name, \
         {MEDIA_FIELDS}, a.image_alt, a.image_caption, a.image_credit \
         FROM articles a JOIN authors au ON au.id = a.author_id \
         LEFT JOIN categories c ON c.id = a.category_id \
         LEFT JOIN media m ON m.id = a.image_id"
    )
}

async fn load(
    pool: &AnyPool,
    condition: &str,
    bind: impl FnOnce(AnyQuery<'_>) -> AnyQuery<'_>,
) -> Result<Option<Article>> {
    let sql = format!("{} WHERE {condition}", article_select());
    // One connection for both queries: the pool tests each connection it
    // takes back, a round trip to SQLite's thread saved here.
    let mut conn = pool.acquire().await.map_err(db)?;
    let row = bind(sqlx::query(&sql))
        .fetch_optional(&mut *conn)
        .await
        .map_err(db)?;
    let Some(row) = row else { return Ok(None) };
    let id: i64 = get(&row, "id")?;
    let mut details = details(&mut conn, &[id]).await?;
    Ok(Some(article(
        &row,
        details.remove(&id).unwrap_or_default(),
    )?))
}

/// The articles with these ids, in this order (those that do not exist
/// are left out), read in two queries whatever their number: a list of 20
/// for the API costs what one article does, not twenty times it.
pub(crate) async fn by_ids(pool: &AnyPool, ids: &[i64]) -> Result<Vec<Article>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    // Ids are integers, written into the statement as such.
    let list = ids
        .iter()
        .map(i64::to_string)
        .collect::<Vec<_>>()
        .join(", ");
    let sql = format!("{} WHERE a.id IN ({list})", article_select());
    let mut conn = pool.acquire().await.map_err(db)?;
    let rows = sqlx::query(&sql).fetch_all(&mut *conn).await.map_err(db)?;
    let mut details = details(&mut conn, ids).await?;
    let mut found = std::collections::HashMap::with_capacity(rows.len());
    for row in &rows {
        let id: i64 = get(row, "id")?;
        found.insert(id, article(row, details.remove(&id).unwrap_or_default())?);
    }
    Ok(ids.iter().filter_map(|id| found.remove(id)).collect())
}

/// An article from a row of [`article_select`] and its details.
fn article(row: &AnyRow, details: Details) -> Result<Article> {
    let Details {
        tags,
        sections,
        sources,
        corrections,
        contributors,
    } = details;
    let article_type: String = get(row, "article_type")?;
    Ok(Article {
        id: get(row, "id")?,
        slug: rows::slug(row, "slug")?,
        title: title(row)?,
        body_markdown: get(row, "body_markdown")?,
        body_html: get(row, "body_html")?,
        excerpt: get(row, "excerpt")?,
        author: rows::author(row)?,
        category: rows::category(row)?,
        sections,
        tags,
        image: rows::featured_image(row)?,
        published_at: time(get(row, "published_at")?),
        updated_at: time(get(row, "updated_at")?),
        status: rows::article_status(row)?,
        version: get(row, "version")?,
        created_by: get(row, "created_by")?,
        editorial: Editorial {
            contributors,
            article_type: ArticleType::parse(&article_type),
            sources,
            seo_title: get(row, "seo_title")?,
            seo_description: get(row, "seo_description")?,
        },
        corrections,
    })
}

/// An article's tags, further sections, sources, corrections and further
/// bylines.
#[derive(Default)]
struct Details {
    tags: Vec<Tag>,
    sections: Vec<Category>,
    sources: Vec<Source>,
    corrections: Vec<Correction>,
    contributors: Vec<Contributor>,
}

/// Reads [`Details`] of articles in one query rather than five: on SQLite
/// each query is a round trip to the connection's thread, and those
/// hand-offs, not the queries, were most of an uncached article page's
/// cost. Each row says which list it belongs to (`kind`), sorts within it
/// (`k1`, `k2`) and names its article (`art`).
async fn details(
    conn: &mut AnyConnection,
    ids: &[i64],
) -> Result<std::collections::HashMap<i64, Details>> {
    let list = ids
        .iter()
        .map(i64::to_string)
        .collect::<Vec<_>>()
        .join(", ");
    let sql = format!(
        "SELECT 0 AS kind, at.position AS k1, 0 AS k2, t.id AS id, t.slug AS a, t.name AS b, \
         NULL AS c, at.article_id AS art FROM article_tags at JOIN tags t ON t.id = at.tag_id \
         WHERE at.article_id IN ({list}) \
         UNION ALL SELECT 1, position, 0, NULL, name, url, NULL, article_id \
         FROM article_sources WHERE article_id IN ({list}) \
         UNION ALL SELECT 2, noted_at, id, NULL, note, NULL, NULL, article_id \
         FROM article_corrections WHERE article_id IN ({list}) \
         UNION ALL SELECT 3, ac.position, 0, NULL, au.slug, au.name, ac.role, ac.article_id \
         FROM article_contributors ac JOIN authors au ON au.id = ac.author_id \
         WHERE ac.article_id IN ({list}) \
         UNION ALL SELECT 4, s.position, 0, c.id, c.slug, c.name, NULL, s.article_id \
         FROM article_sections s JOIN categories c ON c.id = s.category_id \
         WHERE s.article_id IN ({list}) \
         ORDER BY 1, 2, 3"
    );
    let rows = sqlx::query(&sql).fetch_all(&mut *conn).await.map_err(db)?;
    let mut all: std::collections::HashMap<i64, Details> = std::collections::HashMap::new();
    for r in &rows {
        let details = all.entry(get::<i64>(r, "art")?).or_default();
        match get::<i64>(r, "kind")? {
            0 => details.tags.push(Tag {
                id: get(r, "id")?,
                slug: rows::slug(r, "a")?,
                name: get(r, "b")?,
            }),
            1 => details.sources.push(Source {
                name: get(r, "a")?,
                url: get::<Option<String>>(r, "b")?.and_then(|u| WebUrl::parse(&u).ok()),
            }),
            2 => details.corrections.push(Correction {
                noted_at: time(get(r, "k1")?),
                note: get(r, "a")?,
            }),
            3 => details.contributors.push(Contributor {
                author: (rows::slug(r, "a")?, get(r, "b")?),
                role: get(r, "c")?,
            }),
            _ => details.sections.push(Category {
                id: get(r, "id")?,
                slug: rows::slug(r, "a")?,
                name: get(r, "b")?,
            }),
        }
    }
    Ok(all)
}

/// Publishes every scheduled article whose time has come; returns their ids.
pub(crate) async fn publish_due(store: &SqlStore, now: i64) -> Result<Vec<i64>> {
    let mut tx = store.begin_write().await?;
    let rows = sqlx::query(
        "UPDATE articles SET status = 'published', version = version + 1 \
         WHERE status = 'scheduled' AND published_at <= $1 RETURNING id",
    )
    .bind(now)
    .fetch_all(&mut *tx)
    .await
    .map_err(db)?;
    tx.commit().await.map_err(db)?;
    rows.iter().map(|r| get(r, "id")).collect()
}

/// The newsroom's list: every state, newest change first, narrowed by `query`.
pub(crate) async fn query(
    pool: &AnyPool,
    query: &ArticleQuery,
    page: PageRequest,
) -> Result<Page<ArticleRow>> {
    enum Value {
        Int(i64),
        Text(String),
    }
    let mut conditions = Vec::new();
    let mut values = Vec::new();
    let mut add = |sql: &str, v: Value| {
        values.push(v);
        conditions.push(sql.replace('?', &format!("${}", values.len() + 2)));
    };
    if let Some(s) = query.status {
        add("a.status = ?", Value::Text(s.as_str().to_owned()));
    }
    if let Some(id) = query.author_id {
        add("a.author_id = ?", Value::Int(id));
    }
    if let Some(id) = query.category_id {
        add("a.category_id = ?", Value::Int(id));
    }
    if let Some(id) = query.created_by {
        add("a.created_by = ?", Value::Int(id));
    }
    if let Some(t) = query
        .title_contains
        .as_deref()
        .map(str::trim)
        .filter(|t| !t.is_empty())
    {
        let escaped = t
            .to_lowercase()
            .replace('\\', "\\\\")
            .replace('%', "\\%")
            .replace('_', "\\_");
        add(
            "LOWER(a.title) LIKE ? ESCAPE '\\'",
            Value::Text(format!("%{escaped}%")),
        );
    }
    let condition = if conditions.is_empty() {
        String::new()
    } else {
        format!("WHERE {}", conditions.join(" AND "))
    };
    let sql = format!(
        "SELECT a.id, a.title, a.slug, a.status, a.published_at, a.updated_at, a.created_by, \
         au.name AS author_name, c.name AS category_name \
         FROM articles a JOIN authors au ON au.id = a.author_id \
         LEFT JOIN categories c ON c.id = a.category_id {condition} \
         ORDER BY a.updated_at DESC, a.id DESC LIMIT $1 OFFSET $2"
    );
    let mut q = sqlx::query(&sql)
        .bind(i64::from(page.per_page))
        .bind(page.offset());
    for v in &values {
        q = match v {
            Value::Int(i) => q.bind(*i),
            Value::Text(t) => q.bind(t.clone()),
        };
    }
    let items = q
        .fetch_all(pool)
        .await
        .map_err(db)?
        .iter()
        .map(|row| {
            Ok(ArticleRow {
                id: get(row, "id")?,
                title: get(row, "title")?,
                slug: rows::slug(row, "slug")?,
                status: rows::article_status(row)?,
                author_name: get(row, "author_name")?,
                category_name: get(row, "category_name")?,
                published_at: time(get(row, "published_at")?),
                updated_at: time(get(row, "updated_at")?),
                created_by: get(row, "created_by")?,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    // The count takes the same conditions, renumbered from $1.
    let mut count_condition = condition.clone();
    for i in 1..=values.len() {
        count_condition = count_condition.replace(&format!("${}", i + 2), &format!("$__{i}"));
    }
    let count_condition = count_condition.replace("$__", "$");
    let count_sql = format!("SELECT COUNT(*) AS n FROM articles a {count_condition}");
    let mut count = sqlx::query(&count_sql);
    for v in &values {
        count = match v {
            Value::Int(i) => count.bind(*i),
            Value::Text(t) => count.bind(t.clone()),
        };
    }
    let total: i64 = get(&count.fetch_one(pool).await.map_err(db)?, "n")?;
    Ok(Page {
        items,
        request: page,
        total: u64::try_from(total).unwrap_or_default(),
    })
}

/// The columns a list's card needs, from `articles a`, `authors au`,
/// `media m` and `categories c` (see [`summary`]).
const SUMMARY_COLUMNS: &str = "a.id, a.slug, a.title, a.excerpt, a.published_at, \
     au.name AS author_name, a.author_id, a.category_id, a.image_alt, a.image_caption, a.image_credit, \
     c.slug AS category_slug";

/// A list's card from a row of [`SUMMARY_COLUMNS`] and `MEDIA_FIELDS`.
fn summary(row: &AnyRow) -> Result<ArticleSummary> {
    Ok(ArticleSummary {
        id: get(row, "id")?,
        slug: rows::slug(row, "slug")?,
        title: title(row)?,
        excerpt: get(row, "excerpt")?,
        published_at: time(get(row, "published_at")?),
        image: rows::featured_image(row)?,
        author_name: get(row, "author_name")?,
        author_id: get(row, "author_id")?,
        category_id: get(row, "category_id")?,
        category_slug: rows::optional_slug(row, "category_slug")?,
    })
}

/// The pinned articles that are published, lead first.
pub(crate) async fn pinned(pool: &AnyPool) -> Result<Vec<ArticleSummary>> {
    let sql = format!(
        "SELECT {SUMMARY_COLUMNS}, {MEDIA_FIELDS} FROM front_pins p \
         JOIN articles a ON a.id = p.article_id AND a.status = 'published' \
         JOIN authors au ON au.id = a.author_id \
         LEFT JOIN media m ON m.id = a.image_id \
         LEFT JOIN categories c ON c.id = a.category_id \
         ORDER BY p.position, a.id"
    );
    let rows = sqlx::query(&sql).fetch_all(pool).await.map_err(db)?;
    rows.iter().map(summary).collect()
}

pub(crate) fn title(row: &AnyRow) -> Result<Title> {
    let t: String = get(row, "title")?;
    Title::parse(&t)
}

/// The published articles an author (`$3`) signed or co-signed, with their
/// publication time: two sets, each read from one index (co-signed ones
/// through `listed_at`, migration 0019); an article both signed and
/// co-signed is the same pair twice, kept once by UNION.
const AUTHOR_ARTICLES: &str = "SELECT id, published_at AS listed_at FROM articles \
     WHERE author_id = $3 AND status = 'published' \
     UNION SELECT article_id, listed_at FROM article_contributors \
     WHERE author_id = $3 AND listed_at IS NOT NULL";

/// A tag's (`$3`) published articles, on index `article_tags_listed`.
const TAG_ARTICLES: &str = "SELECT article_id AS id, listed_at FROM article_tags \
     WHERE tag_id = $3 AND listed_at IS NOT NULL";

/// Lists' totals, good while no page change is logged: every change of
/// which articles a list holds is (the triggers of migration 0017). On
/// 100,000 articles counting the site's list took 9 ms and an author's
/// 11 ms, for each of its 10,000 pages (the static export asks them all).
#[derive(Debug, Default)]
pub(crate) struct ListTotals {
    /// The last change logged when these were counted.
    seq: i64,
    totals: HashMap<ArticleFilter, u64>,
}

pub(crate) async fn list(
    pool: &AnyPool,
    totals: &Mutex<ListTotals>,
    filter: ArticleFilter,
    page: PageRequest,
) -> Result<Page<ArticleSummary>> {
    // Fixed statements rather than one with optional conditions, so each
    // gets a plan that uses its index. The page's ids are found first, on
    // an index alone (migrations 0018, 0019), and only its ten rows are
    // joined: page 500 of a list costs about what page 1 does. Each list
    // is counted from the same set.
    let published = |condition: &str| {
        format!(
            "SELECT id, published_at AS listed_at FROM articles \
             WHERE status = 'published'{condition}"
        )
    };
    let (listed, binds): (String, Vec<i64>) = match filter {
        ArticleFilter::All => (published(""), vec![]),
        ArticleFilter::Category(id) => {
            // A section's list: the articles it is the first section of,
            // and those listing it further (each set on its own index,
            // kept once by UNION, as an author's list is); its
            // sub-sections' articles too. Most sections have none and keep
            // the one-value statements.
            let family = crate::taxonomy::family(pool, id).await?;
            // Ids read from the table: integers, written in as such.
            let ids: String = std::iter::once(id)
                .chain(family.descendants)
                .map(|i| i.to_string())
                .collect::<Vec<_>>()
                .join(", ");
            let (own, further) = if ids.contains(',') {
                (
                    format!(" AND category_id IN ({ids})"),
                    format!("category_id IN ({ids})"),
                )
            } else {
                (
                    " AND category_id = $3".to_owned(),
                    "category_id = $3".to_owned(),
                )
            };
            (
                format!(
                    "{} UNION SELECT article_id, listed_at FROM article_sections \
                     WHERE {further} AND listed_at IS NOT NULL",
                    published(&own)
                ),
                if ids.contains(',') { vec![] } else { vec![id] },
            )
        }
        ArticleFilter::Author(id) => (AUTHOR_ARTICLES.to_owned(), vec![id]),
        ArticleFilter::Tag(id) => (TAG_ARTICLES.to_owned(), vec![id]),
        ArticleFilter::Period(from, to) => (
            published(" AND published_at >= $3 AND published_at < $4"),
            vec![from.timestamp(), to.timestamp()],
        ),
    };
    let sql = format!(
        "SELECT {SUMMARY_COLUMNS}, {MEDIA_FIELDS}, \
         (SELECT COALESCE(max(seq), 0) FROM page_changes) AS seq \
         FROM ({listed} ORDER BY listed_at DESC, id DESC LIMIT $1 OFFSET $2) page \
         JOIN articles a ON a.id = page.id \
         JOIN authors au ON au.id = a.author_id \
         LEFT JOIN media m ON m.id = a.image_id \
         LEFT JOIN categories c ON c.id = a.category_id \
         ORDER BY a.published_at DESC, a.id DESC"
    );
    let mut query = sqlx::query(&sql)
        .bind(i64::from(page.per_page))
        .bind(page.offset());
    for value in &binds {
        query = query.bind(*value);
    }
    let rows = query.fetch_all(pool).await.map_err(db)?;
    let items = rows.iter().map(summary).collect::<Result<Vec<_>>>()?;
    // Read in the same statement as the page: a total counted after it
    // is at least as new, and kept under it; once anything is logged the
    // totals are counted again. (A page past the end has no row to carry
    // the number: its list is counted, and the total not kept.)
    let seq: Option<i64> = rows.first().map(|row| get(row, "seq")).transpose()?;
    let known = seq.and_then(|seq| {
        let totals = totals.lock().unwrap_or_else(PoisonError::into_inner);
        (totals.seq == seq)
            .then(|| totals.totals.get(&filter).copied())
            .flatten()
    });
    let total = match known {
        Some(total) => total,
        None => {
            let total = count(pool, &listed, &binds).await?;
            if let Some(seq) = seq {
                let mut totals = totals.lock().unwrap_or_else(PoisonError::into_inner);
                if totals.seq != seq {
                    totals.seq = seq;
                    totals.totals.clear();
                }
                totals.totals.insert(filter, total);
            }
            total
        }
    };
    Ok(Page {
        items,
        request: page,
        total,
    })
}

/// How many articles the set `listed` (with `binds` for `$3`, `$4`) holds.
async fn count(pool: &AnyPool, listed: &str, binds: &[i64]) -> Result<u64> {
    let sql = format!("SELECT COUNT(*) AS n FROM ({listed}) listed")
        .replace("$3", "$1")
        .replace("$4", "$2");
    let mut count = sqlx::query(&sql);
    for value in binds {
        count = count.bind(*value);
    }
    let n: i64 = get(&count.fetch_one(pool).await.map_err(db)?, "n")?;
    Ok(u64::try_from(n).unwrap_or_default())
}

pub(crate) async fn revisions(pool: &AnyPool, article_id: i64) -> Result<Vec<Revision>> {
    sqlx::query(
        "SELECT r.article_id, r.version, r.title, r.body_markdown, r.excerpt, r.saved_by, \
         r.saved_at, u.name AS saved_by_name FROM revisions r \
         LEFT JOIN users u ON u.id = r.saved_by WHERE r.article_id = $1 \
         ORDER BY r.version DESC",
    )
    .bind(article_id)
    .fetch_all(pool)
    .await
    .map_err(db)?
    .iter()
    .map(|row| {
        Ok(Revision {
            article_id: get(row, "article_id")?,
            version: get(row, "version")?,
            title: get(row, "title")?,
            body_markdown: get(row, "body_markdown")?,
            excerpt: get(row, "excerpt")?,
            saved_by: get(row, "saved_by")?,
            saved_by_name: get(row, "saved_by_name")?,
            saved_at: time(get(row, "saved_at")?),
        })
    })
    .collect()
}
