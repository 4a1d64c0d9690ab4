//! Bylines and the profiles their author pages show.

use kiosque_core::model::{Author, AuthorProfile};
use kiosque_core::types::{Slug, WebUrl};
use kiosque_core::{Error, Result};
use sqlx::AnyPool;

use crate::db;
use crate::rows::{self, MEDIA_FIELDS, get};

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

pub(crate) async fn authors(pool: &AnyPool) -> Result<Vec<Author>> {
    sqlx::query(
        "SELECT id AS author_id, slug AS author_slug, name AS author_name FROM authors \
         ORDER BY name, id",
    )
    .fetch_all(pool)
    .await
    .map_err(db)?
    .iter()
    .map(rows::author)
    .collect()
}

pub(crate) async fn author_profile(pool: &AnyPool, id: i64) -> Result<AuthorProfile> {
    let row = sqlx::query(&format!(
        "SELECT a.bio, a.expertise, a.links, {MEDIA_FIELDS} \
         FROM authors a LEFT JOIN media m ON m.id = a.photo_id WHERE a.id = $1"
    ))
    .bind(id)
    .fetch_optional(pool)
    .await
    .map_err(db)?
    .ok_or(Error::NotFound("author"))?;
    let links: String = get(&row, "links")?;
    Ok(AuthorProfile {
        bio: get(&row, "bio")?,
        expertise: get(&row, "expertise")?,
        links: links
            .lines()
            .filter_map(|l| WebUrl::parse(l).ok())
            .collect(),
        photo: rows::optional_media(&row)?,
    })
}

pub(crate) async fn save_author_profile(
    pool: &AnyPool,
    id: i64,
    name: &str,
    profile: &AuthorProfile,
) -> Result<()> {
    let links: Vec<&str> = profile.links.iter().map(WebUrl::as_str).collect();
    let done = sqlx::query(
        "UPDATE authors SET name = $1, bio = $2, expertise = $3, links = $4, photo_id = $5 \
         WHERE id = $6",
    )
    .bind(name)
    .bind(&profile.bio)
    .bind(&profile.expertise)
    .bind(links.join("\n"))
    .bind(profile.photo.as_ref().map(|p| p.id))
    .bind(id)
    .execute(pool)
    .await
    .map_err(db)?;
    if done.rows_affected() == 0 {
        return Err(Error::NotFound("author"));
    }
    Ok(())
}
