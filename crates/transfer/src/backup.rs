//! The backup file's layout, and its reader: every entry checked against
//! the manifest before it is handed on, so a damaged, cut or forged archive
//! is refused with a sentence and never half-read into a database.
//!
//! The file is a tar archive, so `tar tf` lists it and any tool can open it:
//!
//! - `kiosque-backup.json`, first: what it holds ([`Manifest`]): the
//!   schema version, each table with its row count, the media files;
//! - `tables/<table>.jsonl.gz`, in the order a restore writes them: a line
//!   with the column names (a JSON array), then one JSON array per row;
//! - `media/<file>`: the media files as stored, originals and their copies;
//! - `kiosque-backup-end.json`, last ([`End`]): its presence proves the
//!   file is whole (a tar archive cut between two entries reads as shorter,
//!   not as broken).
//!
//! The reader knows no database: it hands tables and files to a [`Sink`]
//! (the binary's restore writes them; the fuzz target only counts them).

use std::future::Future as _;
use std::io::{BufRead, BufReader, Read};

use anyhow::{Context, bail};
use flate2::read::GzDecoder;
use serde::{Deserialize, Serialize};

/// Name of the first entry.
pub const MANIFEST: &str = "kiosque-backup.json";
/// Name of the last entry.
pub const END: &str = "kiosque-backup-end.json";
/// What `Manifest::format` says.
pub const FORMAT: &str = "kiosque-backup";
/// Version of the layout above; a reader refuses a newer one.
pub const FORMAT_VERSION: u32 = 1;

/// Rows handed to the sink at a time.
const ROWS_PER_WRITE: usize = 2_000;

/// Largest media file accepted from an archive; past this the archive is
/// not one Kiosque wrote.
const MAX_MEDIA_BYTES: u64 = 1 << 30;

/// What a file that cannot be read through is.
const DAMAGED: &str = "the backup is damaged";

/// What a backup holds, written before it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Manifest {
    /// Always `kiosque-backup`.
    pub format: String,
    /// The layout's version.
    pub format_version: u32,
    /// The Kiosque that wrote it.
    pub kiosque_version: String,
    /// The schema version of the tables (latest migration).
    pub schema_version: i64,
    /// `sqlite` or `postgresql`: where it came from.
    pub database: String,
    /// When the snapshot was taken.
    pub created_at: chrono::DateTime<chrono::Utc>,
    /// Row counts, in the order the tables follow in the archive.
    pub tables: Vec<TableCount>,
    /// Media files the snapshot names.
    pub media_files: u64,
}

/// One table of a backup.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TableCount {
    /// The table.
    pub name: String,
    /// Its rows.
    pub rows: u64,
}

/// The last entry: what was written after the manifest.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct End {
    /// Media files in the archive.
    pub media_files: u64,
    /// Files the snapshot named that were gone when they were copied (an
    /// image deleted while the backup ran).
    pub media_missing: Vec<String>,
}

/// Entry name of a table's rows.
pub fn table_entry(table: &str) -> String {
    format!("tables/{table}.jsonl.gz")
}

/// Media names are content hashes with an extension: anything else in an
/// archive (a path, `..`) is refused before it reaches the file store.
pub fn is_media_name(name: &str) -> bool {
    !name.is_empty()
        && !name.starts_with('.')
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_'))
}

/// A value a table's cell may hold in the file: null, a number or a text
/// (what SQLite and PostgreSQL rows come down to).
fn is_cell(value: &serde_json::Value) -> bool {
    matches!(
        value,
        serde_json::Value::Null | serde_json::Value::Number(_) | serde_json::Value::String(_)
    )
}

/// Where the reader puts what it has checked.
// Our own callers only, all awaiting on one task: no `Send` bound needed.
#[allow(async_fn_in_trait)]
pub trait Sink {
    /// The manifest, read and accepted, before any table.
    async fn start(&mut self, manifest: &Manifest) -> anyhow::Result<()>;
    /// Rows of `table` (each a list of cells: null, numbers, texts), in
    /// batches; `columns` names them.
    async fn rows(
        &mut self,
        table: &str,
        columns: &[String],
        rows: Vec<Vec<serde_json::Value>>,
    ) -> anyhow::Result<()>;
    /// A media file, whole, under a name [`is_media_name`] accepted.
    async fn media(&mut self, name: &str, bytes: Vec<u8>) -> anyhow::Result<()>;
    /// How far into the archive the reader is, in bytes.
    fn progress(&mut self, _position: u64) {}
}

/// Reads the backup `file` (called `label` in messages) through to its end
/// entry, handing each table and media file to `sink`; refuses one made
/// with a schema newer than `newest_schema`. Nothing read is trusted: the
/// manifest says what must follow, in what order and how much, and any
/// difference stops the reading with what is wrong.
pub async fn read(
    file: impl Read,
    label: &str,
    newest_schema: i64,
    sink: &mut impl Sink,
) -> anyhow::Result<(Manifest, End)> {
    let mut archive = tar::Archive::new(BufReader::new(file));
    let mut entries = archive
        .entries()
        .with_context(|| format!("{label} is not a Kiosque backup"))?;
    let manifest: Manifest =
        {
            let first =
                entries.next().transpose().ok().flatten().with_context(|| {
                    format!("{label} is not a Kiosque backup (not a tar archive)")
                })?;
            if first.path()?.to_str() != Some(MANIFEST) {
                bail!("{label} is not a Kiosque backup: it does not start with {MANIFEST}");
            }
            serde_json::from_reader(first.take(1 << 20))
                .with_context(|| format!("{label}: unreadable {MANIFEST}"))?
        };
    if manifest.format != FORMAT {
        bail!("{label} is not a Kiosque backup");
    }
    if manifest.format_version > FORMAT_VERSION || manifest.schema_version > newest_schema {
        bail!(
            "{label} was made by a newer Kiosque ({}, schema {}; this one knows schema {newest_schema}): restore it with that version or a later one",
            manifest.kiosque_version,
            manifest.schema_version
        );
    }
    sink.start(&manifest).await?;

    let mut tables = manifest.tables.iter();
    let mut end = None;
    let mut media_files = 0;
    for entry in entries {
        let mut entry = entry.context(DAMAGED)?;
        let path = entry.path()?.to_string_lossy().into_owned();
        sink.progress(entry.raw_file_position());
        if end.is_some() {
            bail!("the backup has entries after its end ({path})");
        }
        if path == END {
            end = Some(serde_json::from_reader::<_, End>(entry.take(1 << 24)).context(DAMAGED)?);
        } else if let Some(name) = path.strip_prefix("media/") {
            if !is_media_name(name) {
                bail!("the backup holds a media file with a name Kiosque never writes: {path}");
            }
            let size = entry.size();
            if size > MAX_MEDIA_BYTES {
                bail!("{path}: {size} bytes is not a media file Kiosque wrote");
            }
            let mut bytes = Vec::with_capacity(size as usize);
            entry.read_to_end(&mut bytes).context(DAMAGED)?;
            if bytes.len() as u64 != size {
                bail!("{DAMAGED}: {path} is cut short");
            }
            sink.media(name, bytes)
                .await
                .with_context(|| format!("cannot store {path}"))?;
            media_files += 1;
        } else {
            let Some(expected) = tables.next().filter(|t| table_entry(&t.name) == path) else {
                bail!("the backup holds {path} where the manifest says otherwise");
            };
            let written = read_table(sink, &expected.name, entry)
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
    Ok((manifest, end))
}

/// A sink that only counts what a backup holds (and never waits).
#[derive(Debug, Default)]
pub struct Tally {
    /// Rows read, by table.
    pub rows: std::collections::BTreeMap<String, u64>,
    /// Media files read.
    pub media: u64,
    /// Rows whose width was not their table's column count (the reader
    /// refuses them: this stays 0).
    pub misfits: u64,
    /// Media names the file store would not accept (likewise 0).
    pub bad_names: u64,
}

impl Sink for Tally {
    async fn start(&mut self, _: &Manifest) -> anyhow::Result<()> {
        Ok(())
    }

    async fn rows(
        &mut self,
        table: &str,
        columns: &[String],
        rows: Vec<Vec<serde_json::Value>>,
    ) -> anyhow::Result<()> {
        self.misfits += rows.iter().filter(|r| r.len() != columns.len()).count() as u64;
        *self.rows.entry(table.to_owned()).or_default() += rows.len() as u64;
        Ok(())
    }

    async fn media(&mut self, name: &str, _: Vec<u8>) -> anyhow::Result<()> {
        self.bad_names += u64::from(!is_media_name(name));
        self.media += 1;
        Ok(())
    }
}

/// Reads a backup through without writing it anywhere: what `read` would
/// hand on, counted. (The fuzz target and the property tests read with it.)
pub fn tally(file: impl Read, label: &str) -> anyhow::Result<(Manifest, End, Tally)> {
    let mut tally = Tally::default();
    let polled = {
        let future = std::pin::pin!(read(file, label, i64::MAX, &mut tally));
        // Tally never waits, so neither does the reader: one poll finishes it.
        future.poll(&mut std::task::Context::from_waker(std::task::Waker::noop()))
    };
    match polled {
        std::task::Poll::Ready(result) => result.map(|(manifest, end)| (manifest, end, tally)),
        std::task::Poll::Pending => bail!("the backup reader waited on a sink that never waits"),
    }
}

/// Hands one `tables/…` entry to the sink; returns its row count.
async fn read_table(sink: &mut impl Sink, table: &str, entry: impl Read) -> anyhow::Result<u64> {
    let mut lines = BufReader::new(GzDecoder::new(entry)).lines();
    let columns: Vec<String> = match lines.next() {
        Some(line) => serde_json::from_str(&line.context(DAMAGED)?)
            .context("line 1: not a list of columns")?,
        None => bail!("empty"),
    };
    let mut batch = Vec::new();
    let mut count = 0;
    for (i, line) in lines.enumerate() {
        let row: Vec<serde_json::Value> = serde_json::from_str(&line.context(DAMAGED)?)
            .with_context(|| format!("line {}: not a row", i + 2))?;
        if let Some(bad) = row.iter().find(|v| !is_cell(v)) {
            bail!("line {}: {bad} is not a value a table holds", i + 2);
        }
        if row.len() != columns.len() {
            bail!(
                "line {}: {} values for {} columns",
                i + 2,
                row.len(),
                columns.len()
            );
        }
        batch.push(row);
        count += 1;
        if batch.len() == ROWS_PER_WRITE {
            sink.rows(table, &columns, std::mem::take(&mut batch))
                .await?;
        }
    }
    if !batch.is_empty() {
        sink.rows(table, &columns, batch).await?;
    }
    Ok(count)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_plain_file_names_are_media() {
        assert!(is_media_name("3f2a9c.jpg"));
        assert!(is_media_name("3f2a9c-640.webp"));
        for bad in ["", "../kiosque.db", "a/b.jpg", ".hidden", "a\\b", "é.jpg"] {
            assert!(!is_media_name(bad), "{bad}");
        }
    }

    #[test]
    fn cells_are_null_numbers_and_texts() {
        for good in [
            serde_json::json!(null),
            serde_json::json!(-3),
            serde_json::json!(0.5),
            serde_json::json!("Côte d'Ivoire"),
        ] {
            assert!(is_cell(&good), "{good}");
        }
        for bad in [
            serde_json::json!(true),
            serde_json::json!([1]),
            serde_json::json!({}),
        ] {
            assert!(!is_cell(&bad), "{bad}");
        }
    }
}
