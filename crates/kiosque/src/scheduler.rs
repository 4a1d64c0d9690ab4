//! The background task that publishes scheduled articles when their time
//! comes, without anyone acting. The schedule lives in the database, so a
//! restart loses nothing: the first tick after start publishes whatever fell
//! due while the server was down. Several app servers may run it at once;
//! each due article is published by exactly one UPDATE.

use std::sync::Arc;
use std::time::Duration;

use kiosque_core::ports::Store;
use tokio::task::JoinHandle;

/// Checks for due articles every `every`.
pub fn spawn(store: Arc<dyn Store>, every: Duration) -> JoinHandle<()> {
    tokio::spawn(async move {
        let mut ticks = tokio::time::interval(every);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticks.tick().await;
            match store.publish_due(chrono::Utc::now()).await {
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
