//! The front page's choices (migration 0023): pinned stories and section
//! blocks, each replaced whole in one write.

use kiosque_core::model::{FrontPage, FrontSection};
use kiosque_core::{Error, FieldError, Result};
use sqlx::AnyPool;

use crate::rows::{self, get};
use crate::{SqlStore, db};

pub(crate) async fn load(pool: &AnyPool) -> Result<FrontPage> {
    let pins = sqlx::query("SELECT article_id FROM front_pins ORDER BY position, article_id")
        .fetch_all(pool)
        .await
        .map_err(db)?
        .iter()
        .map(|row| get(row, "article_id"))
        .collect::<Result<Vec<i64>>>()?;
    let mut sections = Vec::new();
    for row in sqlx::query(
        "SELECT c.id AS category_id, c.slug AS category_slug, c.name AS category_name, \
         f.count FROM front_sections f JOIN categories c ON c.id = f.category_id \
         ORDER BY f.position, c.id",
    )
    .fetch_all(pool)
    .await
    .map_err(db)?
    {
        if let Some(category) = rows::category(&row)? {
            let count: i64 = get(&row, "count")?;
            sections.push(FrontSection {
                category,
                count: u32::try_from(count).unwrap_or(1),
            });
        }
    }
    Ok(FrontPage { pins, sections })
}

pub(crate) async fn set_pins(store: &SqlStore, ids: &[i64]) -> Result<()> {
    if ids.len() > kiosque_core::model::MAX_PINS {
        return Err(Error::Invalid(vec![FieldError {
            field: "pins",
            code: "too_many_pins",
        }]));
    }
    let mut tx = store.begin_write().await?;
    sqlx::query("DELETE FROM front_pins")
        .execute(&mut *tx)
        .await
        .map_err(db)?;
    for (position, id) in ids.iter().enumerate() {
        sqlx::query(
            "INSERT INTO front_pins (article_id, position) \
             SELECT id, $1 FROM articles WHERE id = $2 \
             ON CONFLICT (article_id) DO NOTHING",
        )
        .bind(i64::try_from(position).unwrap_or(i64::MAX))
        .bind(*id)
        .execute(&mut *tx)
        .await
        .map_err(db)?;
    }
    tx.commit().await.map_err(db)
}

pub(crate) async fn set_sections(store: &SqlStore, sections: &[(i64, u32)]) -> Result<()> {
    let mut tx = store.begin_write().await?;
    sqlx::query("DELETE FROM front_sections")
        .execute(&mut *tx)
        .await
        .map_err(db)?;
    for (position, (id, count)) in sections.iter().enumerate() {
        let count = (*count).clamp(1, FrontSection::MAX_COUNT);
        sqlx::query(
            "INSERT INTO front_sections (category_id, position, count) \
             SELECT id, $1, $2 FROM categories WHERE id = $3 \
             ON CONFLICT (category_id) DO NOTHING",
        )
        .bind(i64::try_from(position).unwrap_or(i64::MAX))
        .bind(i64::from(count))
        .bind(*id)
        .execute(&mut *tx)
        .await
        .map_err(db)?;
    }
    tx.commit().await.map_err(db)
}
