//! Writes this server's audience counts to the database every few seconds:
//! the sums (added to whatever other servers wrote), its readers right now,
//! and once an hour the pruning of old sums. A server killed loses at most
//! the counts of its last interval; one stopped cleanly writes them first.

use std::sync::Arc;
use std::time::Duration;

use kiosque_core::model::audience::Retention;
use kiosque_core::ports::Store;
use kiosque_web::AppState;
use kiosque_web::stats::Tally;
use tokio::task::JoinHandle;

/// A report older than this is no longer "now" (a server stopped).
const LIVE_FOR: i64 = 30;

/// What the worker needs.
pub struct StatsWork {
    /// Whose settings follow the site's.
    pub state: Arc<AppState>,
    /// What was counted.
    pub tally: Arc<Tally>,
    /// Where it goes.
    pub store: Arc<dyn Store>,
    /// How often.
    pub every: Duration,
    /// How long sums are kept.
    pub retention: Retention,
    /// This process, among the servers reporting readers.
    pub server: String,
}

impl StatsWork {
    /// Follows the site's settings and writes what was counted; a failed
    /// write keeps the counts for the next.
    pub async fn flush(&self) {
        match self.store.site().await {
            Ok(Some(site)) => self.state.follow_stats_settings(&site),
            Ok(None) => {}
            Err(e) => tracing::warn!(error = %e, "audience: cannot read the site's settings"),
        }
        let batch = self.tally.take();
        if !batch.cells.is_empty() {
            match self.store.add_views(&batch.cells, &batch.paths).await {
                Ok(()) => self.state.counts_were_written(),
                Err(e) => {
                    tracing::warn!(error = %e, "audience: counts not written, kept for the next try");
                    self.tally.give_back(batch);
                }
            }
        }
        let now = chrono::Utc::now();
        let live = self.tally.live(now);
        let at = now.timestamp();
        if let Err(e) = self
            .store
            .report_live(&self.server, at, &live, at - LIVE_FOR)
            .await
        {
            tracing::warn!(error = %e, "audience: readers right now not reported");
        }
    }
}

/// Flushes every `work.every`, prunes every hour.
pub fn spawn(work: Arc<StatsWork>) -> JoinHandle<()> {
    tokio::spawn(async move {
        let mut ticks = tokio::time::interval(work.every);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut pruned: Option<i64> = None;
        loop {
            ticks.tick().await;
            work.flush().await;
            let now = chrono::Utc::now().timestamp();
            if pruned.is_none_or(|p| now - p >= 3600) {
                pruned = Some(now);
                if let Err(e) = work.store.prune_stats(now, work.retention).await {
                    tracing::warn!(error = %e, "audience: old sums not pruned");
                }
            }
        }
    })
}

/// A name for this process among the servers of a site.
pub fn server_name() -> String {
    let mut bytes = [0u8; 8];
    let _ = getrandom::fill(&mut bytes);
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
