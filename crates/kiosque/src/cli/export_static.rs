//! `kiosque export-static DIR`: the public site as files.

use std::path::PathBuf;
use std::sync::Arc;

use anyhow::Context;
use clap::Args;
use indicatif::{ProgressBar, ProgressStyle};
use kiosque_core::ports::Store;
use kiosque_web::AppState;

use crate::app::{open_search, open_store, require_site};
use crate::config::Settings;

/// Options of `export-static`.
#[derive(Debug, Args)]
pub struct ExportStatic {
    /// Where to write the site (created if missing). Running it again
    /// rewrites only what changed and removes what no longer exists.
    pub dir: PathBuf,
}

impl ExportStatic {
    /// Runs the subcommand.
    pub async fn run(self, settings: &Settings) -> anyhow::Result<()> {
        let store = Arc::new(open_store(settings).await?);
        let site = require_site(store.as_ref(), settings).await?;
        let search = open_search(settings, &site)?;
        let state = AppState::new(
            store.clone() as Arc<dyn Store>,
            settings.media_store()?,
            search,
            None,
            None,
            // The export's own requests are not readers: nothing counted.
            kiosque_web::WebConfig {
                stats_memory_bytes: 0,
                ..settings.web.clone()
            },
        )?;
        state.hold_site(site.clone());
        let bar = ProgressBar::new(0).with_style(
            ProgressStyle::with_template("{spinner} exporting {bar:40} {pos}/{len} addresses")
                .context("progress bar template")?,
        );
        let progress = {
            let bar = bar.clone();
            move |done: u64, known: u64| {
                bar.set_length(known);
                bar.set_position(done);
            }
        };
        let report = crate::export::export(
            kiosque_web::router(state.clone()),
            store.as_ref(),
            &site,
            &self.dir,
            progress,
        )
        .await
        .with_context(|| format!("cannot export the site to {}", self.dir.display()))?;
        bar.finish_and_clear();
        state.release();
        let seconds = report.elapsed.as_secs_f64();
        say!(
            "exported {} files to {} in {seconds:.1} s: {} written, {} unchanged, {} removed; \
             {} rendered, the others kept from the previous export",
            report.files,
            self.dir.display(),
            report.written,
            report.files - report.written,
            report.removed,
            report.rendered,
        );
        Ok(())
    }
}
