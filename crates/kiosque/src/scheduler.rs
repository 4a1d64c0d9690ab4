//! The background task that publishes scheduled articles when their time
//! comes, without anyone acting. The schedule lives in the database, so a
//! restart loses nothing: the first tick after start publishes whatever fell
//! due while the server was down. Several app servers may run it at once;
//! each due article is published by exactly one UPDATE. It also forgets
//! the shared rate limits' buckets that have filled up again.

use std::sync::Arc;
use std::time::Duration;

use kiosque_core::ports::Store;
use kiosque_web::metrics::Metrics;
use tokio::task::JoinHandle;

use crate::stopping::Stopping;

/// How often spent rate limits are forgotten.
const PRUNE_THROTTLES_EVERY: Duration = Duration::from_secs(600);

/// Checks for due articles every `every`, until the server stops.
pub fn spawn(
    store: Arc<dyn Store>,
    every: Duration,
    metrics: Arc<Metrics>,
    mut stopping: Stopping,
) -> JoinHandle<()> {
    tokio::spawn(async move {
        let mut ticks = tokio::time::interval(every);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut pruned = std::time::Instant::now();
        loop {
            tokio::select! {
                _ = ticks.tick() => {}
                () = stopping.wait() => return,
            }
            // Rate-limit buckets full again are the same as none.
            if pruned.elapsed() >= PRUNE_THROTTLES_EVERY {
                pruned = std::time::Instant::now();
                if let Err(e) = store.prune_throttles(chrono::Utc::now()).await {
                    tracing::warn!(error = %e, "pruning rate limits failed");
                }
            }
            let published = store.publish_due(chrono::Utc::now()).await;
            metrics.scheduler_ran(published.is_ok());
            match published {
                Ok(ids) if !ids.is_empty() => {
                    tracing::info!(?ids, "scheduled articles published");
                }
                Ok(_) => {}
                // The database may be briefly away; the next tick retries.
                Err(e) => tracing::error!(error = %e, "checking scheduled articles failed"),
            }
        }
    })
}
