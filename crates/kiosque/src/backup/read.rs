//! Restoring a backup into an empty database.

use std::fs::File;
use std::path::Path;

use anyhow::Context;
use kiosque_media::BlobStore;
use kiosque_store::{Restore, SCHEMA_VERSION, SqlStore, StoreOptions};

use super::{End, Manifest, from_json};

/// Restores the backup `file` into the database at `database_url`, which
/// must hold no site, and its media files into `media`.
///
/// The archive is read and checked by `kiosque_transfer::backup::read`;
/// the tables go into the schema version the backup was made with, in one
/// transaction, committed only once every row and file is in: a restore
/// that fails leaves the database empty and can simply be run again. Then
/// the schema is brought up to date, taking the restored rows through any
/// migration made since the backup.
pub async fn restore(
    file: &Path,
    database_url: &str,
    media: &dyn BlobStore,
    progress: &dyn Fn(&str, u64, u64),
) -> anyhow::Result<(Manifest, End, SqlStore)> {
    let size = std::fs::metadata(file)
        .with_context(|| format!("cannot read {}", file.display()))?
        .len();
    let mut sink = Database {
        url: database_url,
        media,
        progress,
        size,
        open: None,
    };
    let (manifest, end) = kiosque_transfer::backup::read(
        File::open(file)?,
        &file.display().to_string(),
        SCHEMA_VERSION,
        &mut sink,
    )
    .await?;
    let (store, restore) = sink
        .open
        .context("the backup's manifest was never accepted")?;
    restore.finish().await?;
    store
        .migrate()
        .await
        .context("cannot bring the restored database up to date")?;
    Ok((manifest, end, store))
}

/// Where a restore writes: the database, opened at the backup's schema
/// once its manifest is read, and the media store.
struct Database<'a> {
    url: &'a str,
    media: &'a dyn BlobStore,
    progress: &'a dyn Fn(&str, u64, u64),
    size: u64,
    open: Option<(SqlStore, Restore)>,
}

impl kiosque_transfer::backup::Sink for Database<'_> {
    async fn start(&mut self, manifest: &Manifest) -> anyhow::Result<()> {
        let store = SqlStore::connect(
            self.url,
            StoreOptions {
                schema_version: Some(manifest.schema_version),
                long_statements: true,
                ..Default::default()
            },
        )
        .await
        .with_context(|| format!("cannot open the database {}", crate::app::redact(self.url)))?;
        let restore = store.begin_restore().await?;
        self.open = Some((store, restore));
        Ok(())
    }

    async fn rows(
        &mut self,
        table: &str,
        columns: &[String],
        rows: Vec<Vec<serde_json::Value>>,
    ) -> anyhow::Result<()> {
        let (_, restore) = self.open.as_mut().context("no database open")?;
        let rows = rows
            .into_iter()
            .map(|row| row.into_iter().map(from_json).collect())
            .collect::<anyhow::Result<Vec<Vec<_>>>>()?;
        restore.write(table, columns, rows).await?;
        Ok(())
    }

    async fn media(&mut self, name: &str, bytes: Vec<u8>) -> anyhow::Result<()> {
        self.media.put(name, bytes).await?;
        Ok(())
    }

    fn progress(&mut self, position: u64) {
        (self.progress)("restoring", position, self.size);
    }
}
