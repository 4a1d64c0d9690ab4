//! Keys of imported things (migration 0021), and the section hierarchy an
//! import brings.

use async_trait::async_trait;
use kiosque_core::Result;
use kiosque_core::model::RedirectTarget;
use kiosque_core::ports::Imports;

use crate::rows::get;
use crate::{SqlStore, db};

#[async_trait]
impl Imports for SqlStore {
    async fn imported(&self, source: &str, kind: &str, key: &str) -> Result<Option<i64>> {
        sqlx::query("SELECT local_id FROM import_keys WHERE source = $1 AND kind = $2 AND key = $3")
            .bind(source)
            .bind(kind)
            .bind(key)
            .fetch_optional(&self.pool)
            .await
            .map_err(db)?
            .map(|row| get(&row, "local_id"))
            .transpose()
    }

    async fn remember_import(
        &self,
        source: &str,
        kind: &str,
        key: &str,
        local_id: i64,
    ) -> Result<()> {
        sqlx::query(
            "INSERT INTO import_keys (source, kind, key, local_id) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (source, kind, key) DO UPDATE SET local_id = excluded.local_id",
        )
        .bind(source)
        .bind(kind)
        .bind(key)
        .bind(local_id)
        .execute(&self.pool)
        .await
        .map_err(db)?;
        Ok(())
    }

    async fn set_category_parent(&self, id: i64, parent: Option<i64>) -> Result<()> {
        if parent == Some(id) {
            return Err(kiosque_core::Error::invalid(
                "parent",
                "a_section_cannot_be_its_own_parent",
            ));
        }
        sqlx::query("UPDATE categories SET parent_id = $1 WHERE id = $2")
            .bind(parent)
            .bind(id)
            .execute(&self.pool)
            .await
            .map_err(db)?;
        Ok(())
    }

    async fn save_redirect(&self, path: &str, target: RedirectTarget) -> Result<()> {
        sqlx::query(
            "INSERT INTO redirects (path, target_kind, target_id) VALUES ($1, $2, $3) \
             ON CONFLICT (path) DO UPDATE SET target_kind = excluded.target_kind, \
             target_id = excluded.target_id",
        )
        .bind(path)
        .bind(target.kind())
        .bind(target.id())
        .execute(&self.pool)
        .await
        .map_err(db)?;
        Ok(())
    }

    async fn redirect(&self, path: &str) -> Result<Option<RedirectTarget>> {
        let Some(row) = sqlx::query("SELECT target_kind, target_id FROM redirects WHERE path = $1")
            .bind(path)
            .fetch_optional(&self.pool)
            .await
            .map_err(db)?
        else {
            return Ok(None);
        };
        let kind: String = get(&row, "target_kind")?;
        Ok(RedirectTarget::from_parts(&kind, get(&row, "target_id")?))
    }
}
