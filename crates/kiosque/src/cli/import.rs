//! `kiosque import wordpress FILE [--uploads DIR]`: move a site in.

use std::path::PathBuf;

use anyhow::Context;
use clap::{Args, Subcommand};
use indicatif::{ProgressBar, ProgressStyle};

use crate::app::{open_search, open_store_with, require_site};
use crate::config::Settings;
use crate::import::wordpress;

/// What to import from.
#[derive(Debug, Subcommand)]
pub enum Import {
    /// A WordPress export (Tools → Export → All content, a WXR file).
    /// Running it again updates what it imported and duplicates nothing.
    Wordpress(Wordpress),
}

/// Options of `import wordpress`.
#[derive(Debug, Args)]
pub struct Wordpress {
    /// The export file (`.xml`).
    pub file: PathBuf,
    /// A copy of the site's `wp-content/uploads` folder: its images are
    /// imported (nothing is fetched over the network).
    #[arg(long)]
    pub uploads: Option<PathBuf>,
}

impl Import {
    /// Runs the subcommand.
    pub async fn run(self, settings: &Settings) -> anyhow::Result<()> {
        let Import::Wordpress(options) = self;
        if let Some(uploads) = &options.uploads
            && !uploads.is_dir()
        {
            anyhow::bail!("--uploads {}: not a folder", uploads.display());
        }
        // Durable at the end, not commit by commit: see `bulk_load`.
        let store = std::sync::Arc::new(
            open_store_with(
                settings,
                kiosque_store::StoreOptions {
                    bulk_load: true,
                    ..Default::default()
                },
            )
            .await?,
        );
        let site = require_site(store.as_ref(), settings).await?;
        let media = settings.media_store()?;
        let bar = ProgressBar::new(0).with_style(
            ProgressStyle::with_template(
                "{spinner} importing {bar:40} {bytes}/{total_bytes} ({eta} left)",
            )
            .context("progress bar template")?,
        );
        let progress = {
            let bar = bar.clone();
            move |done: u64, total: u64| {
                bar.set_length(total);
                bar.set_position(done);
            }
        };
        let started = std::time::Instant::now();
        let source = wordpress::Source {
            file: options.file,
            uploads: options.uploads,
        };
        let result = wordpress::import(
            store.as_ref(),
            media.as_ref(),
            settings.media_limits,
            &site,
            &source,
            &progress,
        )
        .await;
        bar.finish_and_clear();
        // Even a failed import keeps what it finished: made durable too.
        store
            .make_durable()
            .await
            .context("cannot write the import to disk")?;
        let report = result?;
        say_raw!("{report}");
        // The search index takes in the imported articles now, so the
        // server's first start does not have to.
        bar.reset();
        bar.set_style(ProgressStyle::with_template(
            "{spinner} indexing for search…",
        )?);
        bar.enable_steady_tick(std::time::Duration::from_millis(120));
        let search = open_search(settings, &site)?;
        let indexed = kiosque_search::Follower::new(search, store.clone())
            .catch_up()
            .await;
        bar.finish_and_clear();
        match indexed {
            Ok(n) => say!("search index: {n} articles indexed"),
            // A running server holds the index: it takes the import in
            // itself (it follows the same change log).
            Err(e) => eprintln!("search index not updated now ({e}): the server will at its start"),
        }
        say!(
            "imported {} in {:.1} s",
            source.file.display(),
            started.elapsed().as_secs_f64()
        );
        Ok(())
    }
}
