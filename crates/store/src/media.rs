//! Media files and the queue of work on them (smaller copies).

use kiosque_core::model::{
    MediaAsset, MediaItem, MediaQuery, MediaText, MediaUse, NewMediaAsset, Page, PageRequest,
    PublicMedia,
};
use kiosque_core::{Error, Result};
use sqlx::AnyPool;

use crate::rows::{self, MEDIA_FIELDS, MEDIA_RETURNING, id_list};
use crate::{SqlStore, db};

/// How long a worker may hold a job before another may take it again.
const LEASE_SECONDS: i64 = 300;
/// A job that failed this often is dropped (the original stays served).
const MAX_ATTEMPTS: i64 = 5;

/// Records a file and queues its copies, in one transaction. The file name
/// is the content hash, so a second save of the same bytes finds the first
/// row (the no-op update makes RETURNING yield it) and queues nothing new.
pub(crate) async fn save(store: &SqlStore, media: &NewMediaAsset) -> Result<MediaAsset> {
    let now = chrono::Utc::now().timestamp();
    let mut tx = store.begin_write().await?;
    let row = sqlx::query(&format!(
        "INSERT INTO media (file_name, mime, width, height, byte_size, created_at, color, \
         original_name) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) \
         ON CONFLICT (file_name) DO UPDATE SET mime = excluded.mime \
         RETURNING {MEDIA_RETURNING}"
    ))
    .bind(&media.file_name)
    .bind(&media.mime)
    .bind(i64::from(media.width))
    .bind(i64::from(media.height))
    .bind(i64::try_from(media.byte_size).unwrap_or(i64::MAX))
    .bind(now)
    .bind(&media.color)
    .bind(&media.original_name)
    .fetch_one(&mut *tx)
    .await
    .map_err(db)?;
    let asset = rows::media(&row)?;
    if asset.variants.is_empty() {
        sqlx::query(
            "INSERT INTO media_jobs (media_id, run_after) VALUES ($1, $2) \
             ON CONFLICT (media_id) DO NOTHING",
        )
        .bind(asset.id)
        .bind(now)
        .execute(&mut *tx)
        .await
        .map_err(db)?;
    }
    tx.commit().await.map_err(db)?;
    Ok(asset)
}

/// Takes the oldest due job: its lease moves forward in the same statement,
/// so two workers (two app servers) never take the same one.
pub(crate) async fn claim_job(pool: &AnyPool, now: i64) -> Result<Option<MediaAsset>> {
    let claimed = sqlx::query(
        "UPDATE media_jobs SET run_after = $1, attempts = attempts + 1 \
         WHERE media_id = (SELECT media_id FROM media_jobs WHERE run_after <= $2 \
         ORDER BY run_after, media_id LIMIT 1) AND run_after <= $2 \
         RETURNING media_id",
    )
    .bind(now + LEASE_SECONDS)
    .bind(now)
    .fetch_all(pool)
    .await
    .map(crate::any_first_row)
    .map_err(db)?;
    let Some(row) = claimed else { return Ok(None) };
    let id: i64 = rows::get(&row, "media_id")?;
    by_id(pool, id).await
}

pub(crate) async fn by_id(pool: &AnyPool, id: i64) -> Result<Option<MediaAsset>> {
    sqlx::query(&format!(
        "SELECT {MEDIA_FIELDS} FROM media m WHERE m.id = $1"
    ))
    .bind(id)
    .fetch_optional(pool)
    .await
    .map_err(db)?
    .as_ref()
    .map(rows::media)
    .transpose()
}

/// The assets of these file names (a statement per 500, so the number of
/// bound values stays small for both databases).
pub(crate) async fn by_files(pool: &AnyPool, files: &[String]) -> Result<Vec<MediaAsset>> {
    let mut out = Vec::with_capacity(files.len());
    for chunk in files.chunks(500) {
        let marks: Vec<String> = (1..=chunk.len()).map(|i| format!("${i}")).collect();
        let sql = format!(
            "SELECT {MEDIA_FIELDS} FROM media m WHERE m.file_name IN ({})",
            marks.join(", ")
        );
        let mut query = sqlx::query(&sql);
        for f in chunk {
            query = query.bind(f);
        }
        for row in query.fetch_all(pool).await.map_err(db)? {
            out.push(rows::media(&row)?);
        }
    }
    Ok(out)
}

/// Records the copies made and closes the job.
pub(crate) async fn finish_job(store: &SqlStore, id: i64, widths: &[u32]) -> Result<()> {
    let list: Vec<String> = widths.iter().map(u32::to_string).collect();
    let mut tx = store.begin_write().await?;
    sqlx::query("UPDATE media SET variants = $1 WHERE id = $2")
        .bind(list.join(","))
        .bind(id)
        .execute(&mut *tx)
        .await
        .map_err(db)?;
    sqlx::query("DELETE FROM media_jobs WHERE media_id = $1")
        .bind(id)
        .execute(&mut *tx)
        .await
        .map_err(db)?;
    tx.commit().await.map_err(db)
}

/// Notes a failure: the job is tried again later (a minute per attempt so
/// far), and given up after a few attempts. Returns whether it will retry.
pub(crate) async fn fail_job(pool: &AnyPool, id: i64, error: &str, now: i64) -> Result<bool> {
    let row = sqlx::query(
        "UPDATE media_jobs SET last_error = $1, run_after = $2 + 60 * attempts \
         WHERE media_id = $3 RETURNING attempts",
    )
    .bind(error)
    .bind(now)
    .bind(id)
    .fetch_all(pool)
    .await
    .map(crate::any_first_row)
    .map_err(db)?;
    let attempts: i64 = match row {
        Some(row) => rows::get(&row, "attempts")?,
        None => return Ok(false),
    };
    if attempts >= MAX_ATTEMPTS {
        sqlx::query("DELETE FROM media_jobs WHERE media_id = $1")
            .bind(id)
            .execute(pool)
            .await
            .map_err(db)?;
        return Ok(false);
    }
    Ok(true)
}

/// Gives a claimed job back for `until`, the claim's attempt not counted.
pub(crate) async fn postpone_job(pool: &AnyPool, id: i64, error: &str, until: i64) -> Result<()> {
    sqlx::query(
        "UPDATE media_jobs SET last_error = $1, run_after = $2, \
         attempts = CASE WHEN attempts > 0 THEN attempts - 1 ELSE 0 END WHERE media_id = $3",
    )
    .bind(error)
    .bind(until)
    .bind(id)
    .execute(pool)
    .await
    .map_err(db)?;
    Ok(())
}

/// The places using an image, as SQL over `m.id`: articles, portraits, logo.
const USES: &str = "(SELECT count(*) FROM articles a WHERE a.image_id = m.id) \
    + (SELECT count(*) FROM authors au WHERE au.photo_id = m.id) \
    + (SELECT count(*) FROM site_settings s WHERE s.logo_id = m.id)";

/// Articles and pages whose text names the file (a gallery, a picture in
/// the text). A scan of every text: asked when one image is looked at or
/// deleted, never for a whole library page. File names are hex digits and
/// an extension, so they hold no LIKE wildcard.
const TEXT_USES: &str = "(SELECT count(*) FROM articles a \
    WHERE a.body_markdown LIKE '%' || m.file_name || '%') \
    + (SELECT count(*) FROM pages p WHERE p.body_markdown LIKE '%' || m.file_name || '%')";

/// The library, newest first: everything, or what matches `search` in the
/// file name, alt text, caption or credit (case-insensitive).
pub(crate) async fn library(
    pool: &AnyPool,
    search: &str,
    page: PageRequest,
) -> Result<Page<MediaItem>> {
    let pattern = format!(
        "%{}%",
        search
            .trim()
            .to_lowercase()
            .replace('\\', "\\\\")
            .replace('%', "\\%")
            .replace('_', "\\_")
    );
    let matches = "(lower(m.original_name) LIKE $1 ESCAPE '\\' OR lower(m.alt) LIKE $1 ESCAPE '\\' \
        OR lower(m.caption) LIKE $1 ESCAPE '\\' OR lower(m.credit) LIKE $1 ESCAPE '\\')";
    let total: i64 = sqlx::query(&format!(
        "SELECT count(*) AS n FROM media m WHERE {matches}"
    ))
    .bind(&pattern)
    .fetch_one(pool)
    .await
    .map_err(db)
    .and_then(|row| rows::get(&row, "n"))?;
    let items = sqlx::query(&format!(
        "SELECT {MEDIA_FIELDS}, {USES} AS uses FROM media m WHERE {matches} \
         ORDER BY m.created_at DESC, m.id DESC LIMIT $2 OFFSET $3"
    ))
    .bind(&pattern)
    .bind(i64::from(page.per_page))
    .bind(page.offset())
    .fetch_all(pool)
    .await
    .map_err(db)?
    .iter()
    .map(|row| {
        let uses: i64 = rows::get(row, "uses")?;
        Ok(MediaItem {
            asset: rows::media(row)?,
            uses: u64::try_from(uses).unwrap_or_default(),
        })
    })
    .collect::<Result<Vec<_>>>()?;
    Ok(Page {
        items,
        request: page,
        total: u64::try_from(total).unwrap_or_default(),
    })
}

/// Photos readers already see: a published article's lead photo, a
/// portrait, the logo.
const PUBLIC: &str = "(m.id IN (SELECT image_id FROM articles WHERE status = 'published') \
    OR m.id IN (SELECT photo_id FROM authors) \
    OR m.id IN (SELECT logo_id FROM site_settings))";

/// Integers written into a statement (ids, never a client's text).
/// Photos readers can see, a page at a time, and how many in all.
pub(crate) async fn public(pool: &AnyPool, q: &MediaQuery) -> Result<(Vec<PublicMedia>, u64)> {
    let mut conditions = if q.whole_library {
        vec!["1 = 1".to_owned()]
    } else {
        vec![PUBLIC.to_owned()]
    };
    for any in [&q.include, &q.parents] {
        if any.as_ref().is_some_and(Vec::is_empty) {
            return Ok((Vec::new(), 0));
        }
    }
    if let Some(ids) = &q.include {
        conditions.push(format!("m.id IN ({})", id_list(ids)));
    }
    if !q.exclude.is_empty() {
        conditions.push(format!("m.id NOT IN ({})", id_list(&q.exclude)));
    }
    if let Some(ids) = &q.parents {
        let leading = |ids: &str| {
            format!(
                "m.id IN (SELECT image_id FROM articles WHERE status = 'published' \
                 AND id IN ({ids}))"
            )
        };
        let real: Vec<i64> = ids.iter().copied().filter(|&i| i != 0).collect();
        let mut either = Vec::new();
        if ids.contains(&0) {
            either.push(
                "m.id NOT IN (SELECT image_id FROM articles WHERE status = 'published' \
                 AND image_id IS NOT NULL)"
                    .to_owned(),
            );
        }
        if !real.is_empty() {
            either.push(leading(&id_list(&real)));
        }
        conditions.push(format!("({})", either.join(" OR ")));
    }
    let filtered = conditions.join(" AND ");
    let direction = if q.oldest_first { "ASC" } else { "DESC" };
    let items = sqlx::query(&format!(
        "SELECT {MEDIA_FIELDS}, m.created_at, \
         (SELECT MIN(a.id) FROM articles a WHERE a.image_id = m.id AND a.status = 'published') \
         AS article FROM media m WHERE {filtered} \
         ORDER BY m.created_at {direction}, m.id {direction} LIMIT $1 OFFSET $2"
    ))
    .bind(i64::from(q.limit))
    .bind(i64::try_from(q.offset).unwrap_or(i64::MAX))
    .fetch_all(pool)
    .await
    .map_err(db)?
    .iter()
    .map(|row| {
        Ok(PublicMedia {
            asset: rows::media(row)?,
            uploaded_at: rows::time(rows::get(row, "created_at")?),
            article: rows::get(row, "article")?,
        })
    })
    .collect::<Result<Vec<_>>>()?;
    let total: i64 = sqlx::query(&format!(
        "SELECT count(*) AS n FROM media m WHERE {filtered}"
    ))
    .fetch_one(pool)
    .await
    .map_err(db)
    .and_then(|row| rows::get(&row, "n"))?;
    Ok((items, u64::try_from(total).unwrap_or_default()))
}

/// Every place an image is used.
pub(crate) async fn uses(pool: &AnyPool, id: i64) -> Result<Vec<MediaUse>> {
    let mut out = Vec::new();
    for row in sqlx::query("SELECT id, title FROM articles WHERE image_id = $1 ORDER BY id")
        .bind(id)
        .fetch_all(pool)
        .await
        .map_err(db)?
    {
        out.push(MediaUse::Article(
            rows::get(&row, "id")?,
            rows::get(&row, "title")?,
        ));
    }
    for row in sqlx::query("SELECT id, name FROM authors WHERE photo_id = $1 ORDER BY id")
        .bind(id)
        .fetch_all(pool)
        .await
        .map_err(db)?
    {
        out.push(MediaUse::Portrait(
            rows::get(&row, "id")?,
            rows::get(&row, "name")?,
        ));
    }
    for (sql, page) in [
        (
            "SELECT a.id, a.title FROM articles a JOIN media m ON m.id = $1 \
             WHERE a.body_markdown LIKE '%' || m.file_name || '%' ORDER BY a.id",
            false,
        ),
        (
            "SELECT p.id, p.title FROM pages p JOIN media m ON m.id = $1 \
             WHERE p.body_markdown LIKE '%' || m.file_name || '%' ORDER BY p.id",
            true,
        ),
    ] {
        for row in sqlx::query(sql)
            .bind(id)
            .fetch_all(pool)
            .await
            .map_err(db)?
        {
            let (id, title) = (rows::get(&row, "id")?, rows::get(&row, "title")?);
            out.push(if page {
                MediaUse::PageText(id, title)
            } else {
                MediaUse::ArticleText(id, title)
            });
        }
    }
    let logo = sqlx::query("SELECT id FROM site_settings WHERE logo_id = $1")
        .bind(id)
        .fetch_optional(pool)
        .await
        .map_err(db)?;
    if logo.is_some() {
        out.push(MediaUse::Logo);
    }
    Ok(out)
}

pub(crate) async fn set_text(pool: &AnyPool, id: i64, text: &MediaText) -> Result<()> {
    let done = sqlx::query("UPDATE media SET alt = $1, caption = $2, credit = $3 WHERE id = $4")
        .bind(&text.alt)
        .bind(&text.caption)
        .bind(&text.credit)
        .bind(id)
        .execute(pool)
        .await
        .map_err(db)?;
    if done.rows_affected() == 0 {
        return Err(Error::NotFound("media"));
    }
    Ok(())
}

/// Deletes an unused image's row (and its queued job); `Conflict` while
/// anything uses it. The uses are checked in the deleting transaction, so
/// an article cannot pick the image up in between.
pub(crate) async fn delete(store: &SqlStore, id: i64) -> Result<MediaAsset> {
    let mut tx = store.begin_write().await?;
    let row = sqlx::query(&format!(
        "SELECT {MEDIA_FIELDS}, {USES} + {TEXT_USES} AS uses FROM media m WHERE m.id = $1"
    ))
    .bind(id)
    .fetch_optional(&mut *tx)
    .await
    .map_err(db)?
    .ok_or(Error::NotFound("media"))?;
    let uses: i64 = rows::get(&row, "uses")?;
    if uses > 0 {
        return Err(Error::Conflict(format!(
            "the image is used in {uses} place(s)"
        )));
    }
    let asset = rows::media(&row)?;
    for sql in [
        "DELETE FROM media_jobs WHERE media_id = $1",
        "DELETE FROM media WHERE id = $1",
    ] {
        sqlx::query(sql)
            .bind(id)
            .execute(&mut *tx)
            .await
            .map_err(db)?;
    }
    tx.commit().await.map_err(db)?;
    Ok(asset)
}
