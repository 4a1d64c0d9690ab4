//! Following the change log: the page cache of every server drops what
//! another process changed (the CLI, the scheduler, another app server).

use std::sync::Arc;
use std::time::{Duration, Instant};

use kiosque_core::ports::Store;

use super::PageCache;

/// How often the log is read: a change elsewhere is gone from this
/// server's cache within about this long.
const EVERY: Duration = Duration::from_millis(250);
/// Changes are kept a day: no server lags that far behind.
const KEEP: chrono::TimeDelta = chrono::TimeDelta::days(1);

/// Runs until the task is dropped.
pub async fn follow(cache: Arc<PageCache>, store: Arc<dyn Store>) {
    let mut tick = tokio::time::interval(EVERY);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut pruned = Instant::now();
    let mut failing = false;
    loop {
        tick.tick().await;
        match cache.catch_up(store.as_ref()).await {
            Ok(()) => failing = false,
            Err(e) => {
                // Said once per outage, not four times a second.
                if !failing {
                    tracing::warn!(error = %e, "page cache cannot read the change log");
                }
                failing = true;
            }
        }
        if pruned.elapsed() > Duration::from_secs(60) {
            pruned = Instant::now();
            cache.prune_index();
            if let Err(e) = store.prune_page_changes(chrono::Utc::now() - KEEP).await {
                tracing::warn!(error = %e, "old page changes not pruned");
            }
        }
    }
}
