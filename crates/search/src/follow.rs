//! Keeping an index in step with the database: a full rebuild when the
//! index is new, then the log of changes the database's triggers write.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use kiosque_core::ports::Store;
use kiosque_core::{Error, Result};

use crate::index::{IndexState, SearchError, SearchIndex};

/// Articles read from the database at a time.
const BATCH: u32 = 500;

/// How often the log is read: changes reach searches within this (plus
/// the commit, a few milliseconds).
const POLL: Duration = Duration::from_millis(250);

/// How often the site's language is read again.
const LANGUAGE_EVERY: Duration = Duration::from_secs(5);

/// How long changes are kept in the log; a server stopped for longer
/// rebuilds its index when it starts.
const KEEP_CHANGES: chrono::Duration = chrono::Duration::days(30);

/// How often old changes are pruned.
const PRUNE_EVERY: Duration = Duration::from_secs(3600);

fn backend(e: SearchError) -> Error {
    Error::backend(e)
}

/// Rebuilds the whole index from the database's published articles,
/// calling `progress(done, total)` after each batch. Returns how many
/// articles it holds.
pub async fn rebuild(
    index: &Arc<SearchIndex>,
    store: &dyn Store,
    progress: &(dyn Fn(u64, u64) + Send + Sync),
) -> Result<u64> {
    // Changes logged from here on are applied afterwards (applying one
    // twice is harmless), so nothing written during the rebuild is missed.
    let (latest, _) = store.search_change_bounds().await?;
    let total = store.published_count().await?;
    let (send, mut receive) =
        tokio::sync::mpsc::channel::<Vec<kiosque_core::model::SearchDocument>>(2);
    let writer = {
        let index = index.clone();
        tokio::task::spawn_blocking(move || -> Result<(), SearchError> {
            let mut rebuild = index.rebuild()?;
            while let Some(batch) = receive.blocking_recv() {
                rebuild.add(&batch)?;
            }
            rebuild.finish(latest)
        })
    };
    let mut after = 0;
    let mut done = 0u64;
    progress(0, total);
    loop {
        let batch = store.search_documents_after(after, BATCH).await?;
        let Some(last) = batch.last() else { break };
        after = last.id;
        done += batch.len() as u64;
        if send.send(batch).await.is_err() {
            break;
        }
        progress(done, total.max(done));
    }
    drop(send);
    writer
        .await
        .map_err(|e| Error::backend(std::io::Error::other(e.to_string())))?
        .map_err(backend)?;
    Ok(done)
}

/// Follows the database for one index.
#[derive(Clone)]
pub struct Follower {
    index: Arc<SearchIndex>,
    store: Arc<dyn Store>,
}

impl std::fmt::Debug for Follower {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Follower").finish_non_exhaustive()
    }
}

impl Follower {
    /// A follower of `store` for `index`.
    pub fn new(index: Arc<SearchIndex>, store: Arc<dyn Store>) -> Self {
        Follower { index, store }
    }

    /// Brings the index up to date, in the site's current language: see
    /// [`Follower::apply_changes`].
    pub async fn catch_up(&self) -> Result<u64> {
        self.follow_language().await?;
        self.apply_changes().await
    }

    /// Takes up the site's language (a change makes the index read as
    /// unbuilt, so the next catch-up rebuilds it with the new rules).
    async fn follow_language(&self) -> Result<()> {
        if let Some(site) = self.store.site().await? {
            self.index.set_locale(site.language);
        }
        Ok(())
    }

    /// Rebuilds the index when new (or when changes it needed were pruned
    /// from the log), otherwise applies the logged changes since the last
    /// applied. Returns how many articles were written.
    async fn apply_changes(&self) -> Result<u64> {
        self.index.refresh().map_err(backend)?;
        let (latest, oldest) = self.store.search_change_bounds().await?;
        let applied = match self.index.state().map_err(backend)? {
            IndexState::Applied(applied) if oldest <= applied + 1 || latest <= applied => applied,
            _ => {
                tracing::info!("building the search index from the database");
                let n = rebuild(&self.index, self.store.as_ref(), &|_, _| {}).await?;
                tracing::info!(articles = n, "search index built");
                return Ok(n);
            }
        };
        let mut applied = applied;
        let mut written = 0;
        loop {
            let changes = self.store.search_changes(applied, BATCH).await?;
            let Some(last) = changes.last() else {
                return Ok(written);
            };
            let last = last.seq;
            let ids: Vec<i64> = changes
                .iter()
                .map(|c| c.article_id)
                .collect::<BTreeSet<_>>()
                .into_iter()
                .collect();
            let documents = self.store.search_documents(&ids).await?;
            let removed: Vec<i64> = ids
                .iter()
                .copied()
                .filter(|id| !documents.iter().any(|d| d.id == *id))
                .collect();
            written += ids.len() as u64;
            let index = self.index.clone();
            tokio::task::spawn_blocking(move || index.apply(&documents, &removed, last))
                .await
                .map_err(|e| Error::backend(std::io::Error::other(e.to_string())))?
                .map_err(backend)?;
            applied = last;
        }
    }

    /// Follows the database until the task is dropped: catches up every
    /// quarter of a second, and prunes the log of old changes hourly.
    /// Failures (the database away, another process writing the index)
    /// are logged and retried.
    pub async fn run(self) {
        let mut last_prune = tokio::time::Instant::now();
        let mut last_language = tokio::time::Instant::now();
        let mut failing = false;
        loop {
            // The log is read every poll; the site's language, which
            // changes about never, only every few seconds.
            let step = if last_language.elapsed() >= LANGUAGE_EVERY {
                last_language = tokio::time::Instant::now();
                self.catch_up().await
            } else {
                self.apply_changes().await
            };
            self.index.set_following(step.is_ok());
            match step {
                Ok(_) => failing = false,
                Err(e) if !failing => {
                    tracing::warn!(error = %e, "search index could not catch up; retrying");
                    failing = true;
                }
                Err(_) => {}
            }
            if last_prune.elapsed() >= PRUNE_EVERY {
                last_prune = tokio::time::Instant::now();
                if let Err(e) = self
                    .store
                    .prune_search_changes(Utc::now() - KEEP_CHANGES)
                    .await
                {
                    tracing::warn!(error = %e, "could not prune the search change log");
                }
            }
            tokio::time::sleep(POLL).await;
        }
    }
}
