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

    async fn import_keys_of(&self, kind: &str, local_ids: &[i64]) -> Result<Vec<(i64, String)>> {
        if local_ids.is_empty() {
            return Ok(Vec::new());
        }
        // Ids are integers, written in as such.
        let list = local_ids
            .iter()
            .map(i64::to_string)
            .collect::<Vec<_>>()
            .join(", ");
        let sql = format!(
            "SELECT local_id, key FROM import_keys WHERE kind = $1 AND local_id IN ({list}) \
             ORDER BY source"
        );
        sqlx::query(&sql)
            .bind(kind)
            .fetch_all(&self.pool)
            .await
            .map_err(db)?
            .iter()
            .map(|row| Ok((get(row, "local_id")?, get(row, "key")?)))
            .collect()
    }

    async fn imported_as(&self, kind: &str, keys: &[String]) -> Result<Vec<(String, i64)>> {
        if keys.is_empty() {
            return Ok(Vec::new());
        }
        let placeholders: Vec<String> = (0..keys.len()).map(|i| format!("${}", i + 2)).collect();
        let sql = format!(
            "SELECT key, local_id FROM import_keys WHERE kind = $1 AND key IN ({}) ORDER BY source",
            placeholders.join(", ")
        );
        let mut query = sqlx::query(&sql).bind(kind);
        for key in keys {
            query = query.bind(key.as_str());
        }
        query
            .fetch_all(&self.pool)
            .await
            .map_err(db)?
            .iter()
            .map(|row| Ok((get(row, "key")?, get(row, "local_id")?)))
            .collect()
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

    async fn save_redirects(&self, redirects: &[(String, RedirectTarget)]) -> Result<()> {
        // One row per address (PostgreSQL refuses to update a row twice in
        // one statement), the last target winning.
        let mut unique: Vec<&(String, RedirectTarget)> = Vec::with_capacity(redirects.len());
        for redirect in redirects.iter().rev() {
            if !unique.iter().any(|r| r.0 == redirect.0) {
                unique.push(redirect);
            }
        }
        // Under both databases' limits on bound values (3 per row).
        for chunk in unique.chunks(500) {
            let rows: Vec<String> = (0..chunk.len())
                .map(|i| format!("(${}, ${}, ${})", 3 * i + 1, 3 * i + 2, 3 * i + 3))
                .collect();
            // An address already leading to the same place is not written
            // again (an import run twice rewrites nothing).
            let sql = format!(
                "INSERT INTO redirects (path, target_kind, target_id) VALUES {} \
                 ON CONFLICT (path) DO UPDATE SET target_kind = excluded.target_kind, \
                 target_id = excluded.target_id \
                 WHERE redirects.target_kind <> excluded.target_kind \
                 OR redirects.target_id <> excluded.target_id",
                rows.join(", ")
            );
            let mut query = sqlx::query(&sql);
            for (path, target) in chunk.iter().map(|r| (&r.0, r.1)) {
                query = query
                    .bind(path.as_str())
                    .bind(target.kind())
                    .bind(target.id());
            }
            query.execute(&self.pool).await.map_err(db)?;
        }
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
