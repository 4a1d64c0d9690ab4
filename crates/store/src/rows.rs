//! From rows to domain values. Column names are the contract with the SELECTs
//! in `articles.rs` and `comments.rs`.

use chrono::{DateTime, Utc};
use kiosque_core::model::{Author, Category, Comment, FeaturedImage, MediaAsset, MediaText, Tag};
use kiosque_core::types::{ArticleStatus, Email, Slug, WebUrl};
use kiosque_core::{Error, Result};
use sqlx::Row;
use sqlx::any::AnyRow;

use crate::db;

pub(crate) fn get<T>(row: &AnyRow, column: &str) -> Result<T>
where
    T: for<'r> sqlx::Decode<'r, sqlx::Any> + sqlx::Type<sqlx::Any>,
{
    row.try_get(column).map_err(db)
}

/// A query on the `Any` driver, as the one-parameter loaders bind it.
pub(crate) type AnyQuery<'q> = sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>>;

/// Ids written into SQL (`IN (…)`): integers only, so nothing to escape.
pub(crate) fn id_list(ids: &[i64]) -> String {
    ids.iter()
        .map(i64::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

pub(crate) fn time(secs: i64) -> DateTime<Utc> {
    DateTime::from_timestamp(secs, 0).unwrap_or_default()
}

pub(crate) fn slug(row: &AnyRow, column: &str) -> Result<Slug> {
    let s: String = get(row, column)?;
    Slug::parse(&s).map_err(|_| corrupt(column, &s))
}

/// A slug from a column that may be NULL (an optional join).
pub(crate) fn optional_slug(row: &AnyRow, column: &str) -> Result<Option<Slug>> {
    let s: Option<String> = get(row, column)?;
    s.map(|s| Slug::parse(&s).map_err(|_| corrupt(column, &s)))
        .transpose()
}

/// A unique-address violation as the conflict it is (a section, tag or
/// page already at that address); other failures as they are.
pub(crate) fn slug_taken(e: sqlx::Error, slug: &Slug) -> Error {
    match e {
        sqlx::Error::Database(d) if d.is_unique_violation() => {
            Error::Conflict(format!("the address {slug} is already used"))
        }
        other => crate::db(other),
    }
}

fn corrupt(column: &str, value: &str) -> Error {
    Error::Backend(format!("stored {column} is not valid: {value:?}").into())
}

fn unsigned(row: &AnyRow, column: &str) -> Result<u32> {
    let v: i64 = get(row, column)?;
    u32::try_from(v).map_err(|_| corrupt(column, &v.to_string()))
}

pub(crate) fn author(row: &AnyRow) -> Result<Author> {
    Ok(Author {
        id: get(row, "author_id")?,
        slug: slug(row, "author_slug")?,
        name: get(row, "author_name")?,
    })
}

pub(crate) fn category(row: &AnyRow) -> Result<Option<Category>> {
    let id: Option<i64> = get(row, "category_id")?;
    id.map(|id| {
        Ok(Category {
            id,
            slug: slug(row, "category_slug")?,
            name: get(row, "category_name")?,
        })
    })
    .transpose()
}

pub(crate) fn tag(row: &AnyRow) -> Result<Tag> {
    Ok(Tag {
        id: get(row, "id")?,
        slug: slug(row, "slug")?,
        name: get(row, "name")?,
    })
}

/// The media columns as every query selects them, from a table aliased `m`.
pub(crate) const MEDIA_FIELDS: &str = "m.id AS media_id, m.file_name AS media_file_name, \
    m.mime AS media_mime, m.width AS media_width, m.height AS media_height, \
    m.byte_size AS media_byte_size, m.color AS media_color, m.variants AS media_variants, \
    m.alt AS media_alt, m.caption AS media_caption, m.credit AS media_credit, \
    m.original_name AS media_original_name";

/// The same columns unqualified, for `RETURNING` (where SQLite accepts no
/// table alias).
pub(crate) const MEDIA_RETURNING: &str = "id AS media_id, file_name AS media_file_name, \
    mime AS media_mime, width AS media_width, height AS media_height, \
    byte_size AS media_byte_size, color AS media_color, variants AS media_variants, \
    alt AS media_alt, caption AS media_caption, credit AS media_credit, \
    original_name AS media_original_name";

/// Media columns are prefixed `media_` in joins (see `MEDIA_FIELDS`).
pub(crate) fn media(row: &AnyRow) -> Result<MediaAsset> {
    let byte_size: i64 = get(row, "media_byte_size")?;
    let variants: String = get(row, "media_variants")?;
    Ok(MediaAsset {
        id: get(row, "media_id")?,
        file_name: get(row, "media_file_name")?,
        mime: get(row, "media_mime")?,
        width: unsigned(row, "media_width")?,
        height: unsigned(row, "media_height")?,
        byte_size: u64::try_from(byte_size).unwrap_or_default(),
        color: get(row, "media_color")?,
        variants: variants.split(',').filter_map(|w| w.parse().ok()).collect(),
        text: MediaText {
            alt: get(row, "media_alt")?,
            caption: get(row, "media_caption")?,
            credit: get(row, "media_credit")?,
        },
        original_name: get(row, "media_original_name")?,
    })
}

/// The joined media row, if the join found one.
pub(crate) fn optional_media(row: &AnyRow) -> Result<Option<MediaAsset>> {
    let id: Option<i64> = get(row, "media_id")?;
    id.map(|_| media(row)).transpose()
}

pub(crate) fn featured_image(row: &AnyRow) -> Result<Option<FeaturedImage>> {
    let id: Option<i64> = get(row, "media_id")?;
    if id.is_none() {
        return Ok(None);
    }
    Ok(Some(FeaturedImage {
        asset: media(row)?,
        alt: get(row, "image_alt")?,
        caption: get(row, "image_caption")?,
        credit: get(row, "image_credit")?,
    }))
}

pub(crate) fn article_status(row: &AnyRow) -> Result<ArticleStatus> {
    let s: String = get(row, "status")?;
    s.parse().map_err(|_| corrupt("status", &s))
}

pub(crate) fn comment(row: &AnyRow) -> Result<Comment> {
    let email: String = get(row, "author_email")?;
    let url: Option<String> = get(row, "author_url")?;
    let status: String = get(row, "status")?;
    Ok(Comment {
        id: get(row, "id")?,
        article_id: get(row, "article_id")?,
        parent_id: get(row, "parent_id")?,
        author_name: get(row, "author_name")?,
        author_email: Email::parse(&email).map_err(|_| corrupt("author_email", &email))?,
        author_url: url
            .map(|u| WebUrl::parse(&u).map_err(|_| corrupt("author_url", &u)))
            .transpose()?,
        body: get(row, "body")?,
        status: status.parse().map_err(|_| corrupt("status", &status))?,
        created_at: time(get(row, "created_at")?),
    })
}
