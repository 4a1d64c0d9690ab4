//! `kiosque search`: the search index.

use std::time::Duration;

use anyhow::Context;
use clap::Subcommand;
use indicatif::{ProgressBar, ProgressStyle};
use kiosque_search::SearchError;

use crate::app::{open_search, open_store, require_site};
use crate::config::Settings;

/// Search subcommands.
#[derive(Debug, Subcommand)]
pub enum Search {
    /// Rebuild this server's search index from the database. A running
    /// server on the same data directory keeps answering from the old
    /// index until the new one is complete.
    Reindex,
}

/// How long to wait for a running server to finish writing to the index.
const WAIT_FOR_WRITER: Duration = Duration::from_secs(30);

impl Search {
    /// Runs the subcommand.
    pub async fn run(self, settings: &Settings) -> anyhow::Result<()> {
        let Search::Reindex = self;
        let store = open_store(settings).await?;
        let site = require_site(&store, settings).await?;
        let started = std::time::Instant::now();
        let indexed = reindex(settings, &store, &site).await?;
        say!(
            "search index rebuilt: {indexed} articles in {:.1} s",
            started.elapsed().as_secs_f64()
        );
        Ok(())
    }
}

/// Rebuilds the search index from the database, with a progress bar;
/// returns the number of articles indexed.
pub(crate) async fn reindex(
    settings: &Settings,
    store: &kiosque_store::SqlStore,
    site: &kiosque_core::model::Site,
) -> anyhow::Result<u64> {
    let index = open_search(settings, site)?;
    let bar = ProgressBar::new(0).with_style(
        ProgressStyle::with_template(
            "{spinner} indexing {bar:40} {pos}/{len} articles ({per_sec}, {eta} left)",
        )
        .context("progress bar template")?,
    );
    let started = std::time::Instant::now();
    let progress = {
        let bar = bar.clone();
        move |done: u64, total: u64| {
            bar.set_length(total);
            bar.set_position(done);
        }
    };
    let indexed = loop {
        match kiosque_search::rebuild(&index, store, &progress).await {
            Err(e) if is_busy(&e) && started.elapsed() < WAIT_FOR_WRITER => {
                bar.set_message("waiting for the server to finish writing");
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
            result => break result.context("cannot rebuild the search index")?,
        }
    };
    bar.finish_and_clear();
    Ok(indexed)
}

fn is_busy(e: &kiosque_core::Error) -> bool {
    matches!(e, kiosque_core::Error::Backend(inner) if inner.downcast_ref::<SearchError>().is_some_and(|e| matches!(e, SearchError::Busy)))
}
