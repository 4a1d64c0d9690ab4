//! Writing a backup while the site serves.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use anyhow::Context;
use flate2::Compression;
use flate2::write::GzEncoder;
use kiosque_media::BlobStore;
use kiosque_store::{Backend, SqlStore, TABLES};

use kiosque_transfer::backup::{END, FORMAT, FORMAT_VERSION, MANIFEST, table_entry};

use super::{End, Manifest, TableCount, to_json};

/// Writes a backup of `store` and its media files to `file`.
///
/// The tables are read in one snapshot, each into a compressed file beside
/// the target; then the archive is written under a temporary name, synced
/// and renamed, so `file` is either the old file or a whole new backup.
/// Media files are immutable (named by their content), so copying them
/// after the snapshot gives the snapshot's files; one deleted meanwhile is
/// listed in the archive's last entry and in the result.
pub async fn backup(
    store: &SqlStore,
    media: &dyn BlobStore,
    file: &Path,
    progress: &dyn Fn(&str, u64, u64),
) -> anyhow::Result<(Manifest, End)> {
    let dir = match file.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_owned(),
        _ => PathBuf::from("."),
    };
    let work = tempfile::Builder::new()
        .prefix(".kiosque-backup-")
        .tempdir_in(&dir)
        .with_context(|| format!("cannot write in {}", dir.display()))?;

    let mut snapshot = store.snapshot().await?;
    let schema_version = snapshot.schema_version().await?;
    let created_at = chrono::Utc::now();
    let mut tables = Vec::new();
    for (i, table) in TABLES.iter().enumerate() {
        progress("tables", i as u64, TABLES.len() as u64);
        let path = work.path().join(format!("{}.jsonl.gz", table.name));
        let mut out = GzEncoder::new(BufWriter::new(File::create(&path)?), Compression::fast());
        let columns = snapshot.columns(table).await?;
        serde_json::to_writer(&mut out, &columns)?;
        out.write_all(b"\n")?;
        let rows = snapshot
            .rows(table, |cells| {
                let values = cells
                    .into_iter()
                    .map(to_json)
                    .collect::<anyhow::Result<Vec<_>>>()
                    .map_err(|e| kiosque_core::Error::Backend(e.into()))?;
                serde_json::to_writer(&mut out, &values)
                    .and_then(|()| out.write_all(b"\n").map_err(serde_json::Error::io))
                    .map_err(kiosque_core::Error::backend)
            })
            .await
            .with_context(|| format!("cannot read the table {}", table.name))?;
        out.finish()?.flush()?;
        tables.push(TableCount {
            name: table.name.to_owned(),
            rows,
        });
    }
    let assets = snapshot.media().await?;
    snapshot.finish().await?;

    let names: Vec<String> = assets.iter().flat_map(kiosque_media::files_of).collect();
    let manifest = Manifest {
        format: FORMAT.into(),
        format_version: FORMAT_VERSION,
        kiosque_version: env!("CARGO_PKG_VERSION").into(),
        schema_version,
        database: match store.backend() {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgresql",
        }
        .into(),
        created_at,
        tables,
        media_files: names.len() as u64,
    };

    let partial = work.path().join("backup.partial");
    let mut archive = tar::Builder::new(BufWriter::new(private_file(&partial)?));
    append(
        &mut archive,
        MANIFEST,
        &serde_json::to_vec_pretty(&manifest)?,
    )?;
    for table in TABLES {
        let path = work.path().join(format!("{}.jsonl.gz", table.name));
        archive.append_path_with_name(&path, table_entry(table.name))?;
    }
    let mut end = End {
        media_files: 0,
        media_missing: Vec::new(),
    };
    for (i, name) in names.iter().enumerate() {
        progress("media", i as u64, names.len() as u64);
        match media.get(name).await? {
            Some(bytes) => {
                append(&mut archive, &format!("media/{name}"), &bytes)?;
                end.media_files += 1;
            }
            None => end.media_missing.push(name.clone()),
        }
    }
    append(&mut archive, END, &serde_json::to_vec_pretty(&end)?)?;
    let file_out = archive
        .into_inner()?
        .into_inner()
        .map_err(|e| e.into_error())?;
    file_out.sync_all()?;
    drop(file_out);
    std::fs::rename(&partial, file).with_context(|| format!("cannot write {}", file.display()))?;
    // The rename itself is durable once the directory is synced.
    File::open(&dir)?.sync_all()?;
    Ok((manifest, end))
}

/// A new file only its owner can read: a backup holds password hashes and
/// readers' e-mail addresses.
fn private_file(path: &Path) -> std::io::Result<File> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options.open(path)
}

fn append(
    archive: &mut tar::Builder<BufWriter<File>>,
    name: &str,
    bytes: &[u8],
) -> anyhow::Result<()> {
    let mut header = tar::Header::new_gnu();
    header.set_size(bytes.len() as u64);
    header.set_mode(0o600);
    header.set_mtime(chrono::Utc::now().timestamp().max(0) as u64);
    archive.append_data(&mut header, name, bytes)?;
    Ok(())
}
