//! Backups: the whole site in one file (`kiosque backup`), and back into an
//! empty database of either kind (`kiosque restore`).
//!
//! The file's layout, and the reader that checks it entry by entry, are
//! `kiosque_transfer::backup`'s (where the fuzz target reaches them); this
//! module writes the file from a store and restores one into a store.
//!
//! What a backup leaves out (sign-ins, reset links, change logs) is listed
//! with the reason in `kiosque_store::LEFT_OUT`; the search index is
//! rebuilt by a restore.

mod read;
mod write;

use std::collections::BTreeMap;

use kiosque_store::Cell;
pub use kiosque_transfer::backup::{End, Manifest, TableCount};

pub use read::restore;
pub use write::backup;

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
}
