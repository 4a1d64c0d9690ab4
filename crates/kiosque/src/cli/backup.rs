//! `kiosque backup FILE` and `kiosque restore FILE`.

use std::path::PathBuf;
use std::time::Instant;

use anyhow::Context;
use clap::Args;
use indicatif::{ProgressBar, ProgressStyle};

use kiosque_store::StoreOptions;

use crate::app::{open_store_with, redact, require_site};
use crate::backup;
use crate::config::{Settings, write_default_config};

/// Options of `kiosque backup`.
#[derive(Debug, Args)]
pub struct Backup {
    /// The file to write (a tar archive), e.g. kiosque-2026-11-30.tar.
    /// The site keeps serving meanwhile; the file holds password hashes
    /// and readers' e-mail addresses: only its owner can read it.
    pub file: PathBuf,
}

/// Options of `kiosque restore`.
#[derive(Debug, Args)]
pub struct Restore {
    /// A file written by `kiosque backup`. The database (SQLite in the data
    /// directory, or --database-url) must be new and empty; it may be of
    /// the other kind than the backup's.
    pub file: PathBuf,
}

/// A progress bar fed by (stage, done, total).
fn progress_bar() -> anyhow::Result<(ProgressBar, impl Fn(&str, u64, u64))> {
    let bar = ProgressBar::new(0).with_style(
        ProgressStyle::with_template("{spinner} {msg} {bar:40} {percent}%")
            .context("progress bar template")?,
    );
    let feed = {
        let bar = bar.clone();
        move |stage: &str, done: u64, total: u64| {
            bar.set_message(stage.to_owned());
            bar.set_length(total);
            bar.set_position(done);
        }
    };
    Ok((bar, feed))
}

impl Backup {
    /// Runs the subcommand.
    pub async fn run(self, settings: &Settings) -> anyhow::Result<()> {
        let started = Instant::now();
        let store = open_store_with(
            settings,
            StoreOptions {
                long_statements: true,
                ..Default::default()
            },
        )
        .await?;
        require_site(&store, settings).await?;
        let media = settings.media_store()?;
        let (bar, progress) = progress_bar()?;
        let result = backup::backup(&store, media.as_ref(), &self.file, &progress).await;
        bar.finish_and_clear();
        let (manifest, end) =
            result.with_context(|| format!("backup to {} failed", self.file.display()))?;
        let bytes = std::fs::metadata(&self.file)?.len();
        say!(
            "backed up {} to {} ({:.1} MB) in {:.1} s",
            backup::summary(&manifest),
            self.file.display(),
            bytes as f64 / 1e6,
            started.elapsed().as_secs_f64()
        );
        if !end.media_missing.is_empty() {
            eprintln!(
                "warning: {} media files were deleted while the backup ran and are not in it: {}",
                end.media_missing.len(),
                end.media_missing.join(", ")
            );
        }
        Ok(())
    }
}

impl Restore {
    /// Runs the subcommand.
    pub async fn run(self, settings: &Settings) -> anyhow::Result<()> {
        let started = Instant::now();
        write_default_config(&settings.data_dir)?;
        let media = settings.media_store()?;
        let (bar, progress) = progress_bar()?;
        let result = backup::restore(
            &self.file,
            &settings.database_url,
            media.as_ref(),
            &progress,
        )
        .await;
        bar.finish_and_clear();
        let (manifest, _, store) = result.with_context(|| {
            format!(
                "restore of {} into {} failed",
                self.file.display(),
                redact(&settings.database_url)
            )
        })?;
        say!(
            "restored {} (backed up from {} on {}) into {}",
            backup::summary(&manifest),
            manifest.database,
            manifest.created_at.format("%Y-%m-%d %H:%M UTC"),
            redact(&settings.database_url)
        );
        let site = require_site(&store, settings).await?;
        let indexed = super::search::reindex(settings, &store, &site).await?;
        say!(
            "search index: {indexed} articles indexed; done in {:.1} s",
            started.elapsed().as_secs_f64()
        );
        Ok(())
    }
}
