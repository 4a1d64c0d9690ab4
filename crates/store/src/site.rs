//! The site's settings row.

use kiosque_core::Result;
use kiosque_core::model::Site;
use sqlx::AnyPool;

use crate::db;
use crate::rows::get;

pub(crate) async fn load(pool: &AnyPool) -> Result<Option<Site>> {
    let row = sqlx::query("SELECT name, language, base_url FROM site_settings WHERE id = 1")
        .fetch_optional(pool)
        .await
        .map_err(db)?;
    let Some(row) = row else { return Ok(None) };
    let language: String = get(&row, "language")?;
    Ok(Some(Site {
        name: get(&row, "name")?,
        language: language.parse().unwrap_or_default(),
        base_url: get(&row, "base_url")?,
    }))
}

pub(crate) async fn save(pool: &AnyPool, site: &Site) -> Result<()> {
    sqlx::query(
        "INSERT INTO site_settings (id, name, language, base_url) VALUES (1, $1, $2, $3) \
         ON CONFLICT (id) DO UPDATE SET name = excluded.name, language = excluded.language, \
         base_url = excluded.base_url",
    )
    .bind(&site.name)
    .bind(site.language.code())
    .bind(&site.base_url)
    .execute(pool)
    .await
    .map_err(db)?;
    Ok(())
}
