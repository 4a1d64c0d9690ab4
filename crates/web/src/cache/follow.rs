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

/// How often a server reports how far it follows when nothing changed:
/// the CDN purger counts a server not heard of for a few seconds as gone.
const HEARTBEAT: Duration = Duration::from_secs(2);

/// Runs until the task is dropped. With a `name`, reports how far the
/// cache has followed (`Purges::report_applied`) whenever that moves, and
/// every [`HEARTBEAT`] — the CDN purger waits for every live server.
pub async fn follow(cache: Arc<PageCache>, store: Arc<dyn Store>, name: Option<String>) {
    let mut tick = tokio::time::interval(EVERY);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut pruned = Instant::now();
    let mut failing = false;
    let mut reporter = name.map(|name| Reporter { name, last: None });
    loop {
        tick.tick().await;
        match cache.catch_up(store.as_ref()).await {
            Ok(()) => {
                failing = false;
                if let Some(reporter) = &mut reporter {
                    reporter.report(store.as_ref(), cache.applied()).await;
                }
            }
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

/// Tells the CDN purger how far this server's cache has followed.
struct Reporter {
    name: String,
    /// What was last reported, and when.
    last: Option<(i64, Instant)>,
}

impl Reporter {
    /// Reports `applied` when it moved, or when the last report is a
    /// [`HEARTBEAT`] old.
    async fn report(&mut self, store: &dyn Store, applied: i64) {
        if self
            .last
            .is_some_and(|(at, when)| at == applied && when.elapsed() < HEARTBEAT)
        {
            return;
        }
        match store
            .report_applied(&self.name, applied, chrono::Utc::now())
            .await
        {
            Ok(()) => self.last = Some((applied, Instant::now())),
            Err(e) => tracing::debug!(error = %e, "page cache position not reported"),
        }
    }
}
