//! Backups: the whole site in one file (`kiosque backup`), and back into an
//! empty database of either kind (`kiosque restore`).
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
//! What a backup leaves out (sign-ins, reset links, change logs) is listed
//! with the reason in `kiosque_store::LEFT_OUT`; the search index is
//! rebuilt by a restore.

mod read;
mod write;

use std::collections::BTreeMap;

use kiosque_store::Cell;
use serde::{Deserialize, Serialize};

pub use read::restore;
pub use write::backup;

/// Name of the first entry.
const MANIFEST: &str = "kiosque-backup.json";
/// Name of the last entry.
const END: &str = "kiosque-backup-end.json";
/// What `Manifest::format` says.
const FORMAT: &str = "kiosque-backup";
/// Version of the layout above; a reader refuses a newer one.
const FORMAT_VERSION: u32 = 1;

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
fn table_entry(table: &str) -> String {
    format!("tables/{table}.jsonl.gz")
}

/// Media names are content hashes with an extension: anything else in an
/// archive (a path, `..`) is refused before it reaches the file store.
fn is_media_name(name: &str) -> bool {
    !name.is_empty()
        && !name.starts_with('.')
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_'))
}

fn to_json(cell: Cell) -> anyhow::Result<serde_json::Value> {
    Ok(match cell {
        Cell::Null => serde_json::Value::Null,
        Cell::Int(v) => v.into(),
        Cell::Real(v) => serde_json::Number::from_f64(v)
            .ok_or_else(|| anyhow::anyhow!("{v} cannot be written as JSON"))?
            .into(),
        Cell::Text(v) => v.into(),
    })
}

fn from_json(value: serde_json::Value) -> anyhow::Result<Cell> {
    Ok(match value {
        serde_json::Value::Null => Cell::Null,
        serde_json::Value::Number(n) => match n.as_i64() {
            Some(v) => Cell::Int(v),
            None => Cell::Real(
                n.as_f64()
                    .ok_or_else(|| anyhow::anyhow!("{n} is not a number a table holds"))?,
            ),
        },
        serde_json::Value::String(s) => Cell::Text(s),
        other => anyhow::bail!("{other} is not a value a table holds"),
    })
}

/// Row counts by table, for the summary.
pub fn summary(manifest: &Manifest) -> String {
    let counts: BTreeMap<&str, u64> = manifest
        .tables
        .iter()
        .map(|t| (t.name.as_str(), t.rows))
        .collect();
    let count = |t: &str| counts.get(t).copied().unwrap_or(0);
    format!(
        "{} articles, {} pages, {} comments, {} accounts, {} media files",
        count("articles"),
        count("pages"),
        count("comments"),
        count("users"),
        manifest.media_files
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_cross_json_unchanged() {
        for cell in [
            Cell::Null,
            Cell::Int(-3),
            Cell::Int(i64::MAX),
            Cell::Real(0.1),
            Cell::Real(-2.5e-8),
            Cell::Text("Côte d'Ivoire \"à\" \u{1F4F0}\n".into()),
        ] {
            let json = serde_json::to_string(&to_json(cell.clone()).unwrap()).unwrap();
            let back = from_json(serde_json::from_str(&json).unwrap()).unwrap();
            assert_eq!(back, cell, "{json}");
        }
        assert!(to_json(Cell::Real(f64::NAN)).is_err());
        assert!(from_json(serde_json::json!(true)).is_err());
        assert!(from_json(serde_json::json!([1])).is_err());
    }

    #[test]
    fn only_plain_file_names_are_media() {
        assert!(is_media_name("3f2a9c.jpg"));
        assert!(is_media_name("3f2a9c-640.webp"));
        for bad in ["", "../kiosque.db", "a/b.jpg", ".hidden", "a\\b", "é.jpg"] {
            assert!(!is_media_name(bad), "{bad}");
        }
    }
}
