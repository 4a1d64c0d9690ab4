//! Restoring a backup into an empty database.

use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::Path;

use anyhow::{Context, bail};
use flate2::read::GzDecoder;
use kiosque_media::BlobStore;
use kiosque_store::{Cell, SCHEMA_VERSION, SqlStore, StoreOptions};

use super::{
    END, End, FORMAT, FORMAT_VERSION, MANIFEST, Manifest, from_json, is_media_name, table_entry,
};

/// What a file that cannot be read through is.
const DAMAGED: &str = "the backup is damaged";

/// Rows handed to the database at a time.
const ROWS_PER_WRITE: usize = 2_000;

/// Largest media file accepted from an archive; past this the archive is
/// not one Kiosque wrote.
const MAX_MEDIA_BYTES: u64 = 1 << 30;

/// Restores the backup `file` into the database at `database_url`, which
/// must hold no site, and its media files into `media`.
///
/// The tables go into the schema version the backup was made with, in one
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
    let mut archive = tar::Archive::new(BufReader::new(File::open(file)?));
    let mut entries = archive
        .entries()
        .with_context(|| format!("{} is not a Kiosque backup", file.display()))?;
    let manifest: Manifest = {
        let first = entries.next().transpose().ok().flatten().with_context(|| {
            format!(
                "{} is not a Kiosque backup (not a tar archive)",
                file.display()
            )
        })?;
        if first.path()?.to_str() != Some(MANIFEST) {
            bail!(
                "{} is not a Kiosque backup: it does not start with {MANIFEST}",
                file.display()
            );
        }
        serde_json::from_reader(first.take(1 << 20))
            .with_context(|| format!("{}: unreadable {MANIFEST}", file.display()))?
    };
    if manifest.format != FORMAT {
        bail!("{} is not a Kiosque backup", file.display());
    }
    if manifest.format_version > FORMAT_VERSION || manifest.schema_version > SCHEMA_VERSION {
        bail!(
            "{} was made by a newer Kiosque ({}, schema {}; this one knows schema {SCHEMA_VERSION}): restore it with that version or a later one",
            file.display(),
            manifest.kiosque_version,
            manifest.schema_version
        );
    }

    let store = SqlStore::connect(
        database_url,
        StoreOptions {
            schema_version: Some(manifest.schema_version),
            long_statements: true,
            ..Default::default()
        },
    )
    .await
    .with_context(|| {
        format!(
            "cannot open the database {}",
            crate::app::redact(database_url)
        )
    })?;
    let mut restore = store.begin_restore().await?;
    let mut tables = manifest.tables.iter();
    let mut end = None;
    let mut media_files = 0;
    for entry in entries {
        let mut entry = entry.context(DAMAGED)?;
        let path = entry.path()?.to_string_lossy().into_owned();
        progress("restoring", entry.raw_file_position(), size);
        if end.is_some() {
            bail!("the backup has entries after its end ({path})");
        }
        if path == END {
            end = Some(serde_json::from_reader::<_, End>(entry.take(1 << 24))?);
        } else if let Some(name) = path.strip_prefix("media/") {
            if !is_media_name(name) {
                bail!("the backup holds a media file with a name Kiosque never writes: {path}");
            }
            if entry.size() > MAX_MEDIA_BYTES {
                bail!(
                    "{path}: {} bytes is not a media file Kiosque wrote",
                    entry.size()
                );
            }
            let size = entry.size();
            let mut bytes = Vec::with_capacity(size as usize);
            entry.read_to_end(&mut bytes).context(DAMAGED)?;
            if bytes.len() as u64 != size {
                bail!("{DAMAGED}: {path} is cut short");
            }
            media
                .put(name, bytes)
                .await
                .with_context(|| format!("cannot store {path}"))?;
            media_files += 1;
        } else {
            let Some(expected) = tables.next().filter(|t| table_entry(&t.name) == path) else {
                bail!("the backup holds {path} where the manifest says otherwise");
            };
            let written = read_table(&mut restore, &expected.name, entry)
                .await
                .with_context(|| format!("cannot restore the table {}", expected.name))?;
            if written != expected.rows {
                bail!(
                    "the table {} holds {written} rows in the backup, not the {} its manifest says",
                    expected.name,
                    expected.rows
                );
            }
        }
    }
    let Some(end) = end else {
        bail!(
            "the backup is cut short: it ends before {END}; nothing was restored (copy it again from where it is kept)"
        );
    };
    if let Some(missing) = tables.next() {
        bail!("the backup lacks the table {}", missing.name);
    }
    if media_files != end.media_files {
        bail!(
            "the backup holds {media_files} media files, not the {} it says",
            end.media_files
        );
    }
    restore.finish().await?;
    store
        .migrate()
        .await
        .context("cannot bring the restored database up to date")?;
    Ok((manifest, end, store))
}

/// Writes one `tables/…` entry; returns its row count.
async fn read_table(
    restore: &mut kiosque_store::Restore,
    table: &str,
    entry: impl Read,
) -> anyhow::Result<u64> {
    let mut lines = BufReader::new(GzDecoder::new(entry)).lines();
    let columns: Vec<String> = match lines.next() {
        Some(line) => serde_json::from_str(&line.context(DAMAGED)?)
            .context("line 1: not a list of columns")?,
        None => bail!("empty"),
    };
    let mut batch: Vec<Vec<Cell>> = Vec::new();
    let mut count = 0;
    for (i, line) in lines.enumerate() {
        let values: Vec<serde_json::Value> = serde_json::from_str(&line.context(DAMAGED)?)
            .with_context(|| format!("line {}: not a row", i + 2))?;
        let row = values
            .into_iter()
            .map(from_json)
            .collect::<anyhow::Result<Vec<_>>>()
            .with_context(|| format!("line {}", i + 2))?;
        batch.push(row);
        count += 1;
        if batch.len() == ROWS_PER_WRITE {
            restore
                .write(table, &columns, std::mem::take(&mut batch))
                .await?;
        }
    }
    if !batch.is_empty() {
        restore.write(table, &columns, batch).await?;
    }
    Ok(count)
}
