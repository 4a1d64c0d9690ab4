//! Purging a CDN by surrogate key. Pages carry their topics as
//! `Surrogate-Key` / `Cache-Tag` (kiosque-web's page cache); the store's
//! triggers log every topic a write touches (`page_changes`). One app
//! server at a time — the leader, chosen through the store (a PostgreSQL
//! advisory lock) — reads that log from where the last purge stopped
//! (kept in the database), sends each batch of keys to every configured
//! CDN, retrying with back-off until each takes it, and moves the mark on.
//! A leader that dies releases the lock with its connection; another
//! server takes over at the mark, so no change is missed, and a batch is
//! sent again at most (purges are idempotent). Requests never wait for it.
//! A purge waits until every live server's page cache has dropped the
//! pages too (each reports how far it follows the log; at most
//! [`SETTLE_AT_MOST`]), or the CDN would fetch the old page again.

mod config;
mod targets;

use std::sync::Arc;
use std::time::{Duration, Instant};

use kiosque_core::model::PageChange;
use kiosque_core::ports::{Lead, Store};
use tokio::task::JoinHandle;

pub(crate) use config::CdnFile;
pub use config::Target;

/// How often the leader looks for new changes.
const POLL: Duration = Duration::from_millis(200);
/// The longest a purge waits for every live server's page cache to drop
/// the changed pages (each reports how far it has followed the log): a CDN
/// asking a server that still holds the old page would keep it until its
/// `s-maxage`. A server that lags past this is purged for anyway, and
/// said so in the log.
const SETTLE_AT_MOST: Duration = Duration::from_secs(5);
/// A server not heard of for this long is gone (it reports every 2 s).
const LIVE: chrono::TimeDelta = chrono::TimeDelta::seconds(6);
/// How often a server that does not lead asks again.
const FOLLOWER_WAIT: Duration = Duration::from_secs(5);
/// How often the leader checks it still leads.
const CHECK_LEAD: Duration = Duration::from_secs(2);
/// Changes read at once.
const BATCH: u32 = 1000;
/// The longest wait between two tries of a failing purge.
const MAX_BACKOFF: Duration = Duration::from_secs(30);

/// Starts the purger (only when targets are configured).
pub fn spawn(
    store: Arc<dyn Store>,
    targets: Vec<Target>,
    mut stopping: crate::stopping::Stopping,
) -> JoinHandle<()> {
    tokio::spawn(async move {
        let client = targets::client();
        while !stopping.requested() {
            match store.lead_purges().await {
                Ok(Some(lead)) => {
                    tracing::info!(targets = ?targets, "this server purges the CDN");
                    lead_purges(store.as_ref(), lead, &targets, &client, &mut stopping).await;
                }
                Ok(None) => {
                    pause(&mut stopping, FOLLOWER_WAIT).await;
                }
                Err(e) => {
                    tracing::warn!(error = %e, "cannot tell which server purges the CDN");
                    pause(&mut stopping, FOLLOWER_WAIT).await;
                }
            }
        }
    })
}

/// Waits `how_long` unless the server stops first.
async fn pause(stopping: &mut crate::stopping::Stopping, how_long: Duration) {
    tokio::select! {
        () = tokio::time::sleep(how_long) => {}
        () = stopping.wait() => {}
    }
}

/// Purges while this server leads; returns when it no longer does, when
/// the database fails (the caller asks again) or when the server stops.
async fn lead_purges(
    store: &dyn Store,
    mut lead: Box<dyn Lead>,
    targets: &[Target],
    client: &reqwest::Client,
    stopping: &mut crate::stopping::Stopping,
) {
    let mut applied = match start(store).await {
        Ok(seq) => seq,
        Err(e) => {
            tracing::warn!(error = %e, "cannot read where the CDN purges stopped");
            return pause(stopping, FOLLOWER_WAIT).await;
        }
    };
    let mut checked = Instant::now();
    while !stopping.requested() {
        if checked.elapsed() >= CHECK_LEAD {
            if !lead.holds().await {
                tracing::warn!("this server no longer purges the CDN (its database session ended)");
                return;
            }
            checked = Instant::now();
        }
        let changes = match store.page_changes(applied, BATCH).await {
            Ok(c) => c,
            Err(e) => {
                tracing::warn!(error = %e, "cannot read the page change log");
                return pause(stopping, FOLLOWER_WAIT).await;
            }
        };
        let (Some(first), Some(last)) = (
            changes.first().map(|c| c.seq),
            changes.last().map(|c| c.seq),
        ) else {
            pause(stopping, POLL).await;
            continue;
        };
        let keys = match missed_some(store, applied, first).await {
            Ok(false) => keys(&changes),
            Ok(true) => {
                tracing::warn!(
                    purged_up_to = applied,
                    "the CDN purger fell behind the pruned change log: the whole site is purged"
                );
                vec!["site".to_owned()]
            }
            Err(e) => {
                tracing::warn!(error = %e, "cannot read the page change log");
                return pause(stopping, FOLLOWER_WAIT).await;
            }
        };
        settle(store, last, stopping).await;
        for target in targets {
            let mut backoff = Duration::from_millis(500);
            while let Err(why) = targets::purge(client, target, &keys, last).await {
                tracing::warn!(target = %target.name(), error = %why, retry_in_ms = backoff.as_millis() as u64, "a CDN purge failed");
                pause(stopping, backoff).await;
                if stopping.requested() || !lead.holds().await {
                    return;
                }
                backoff = (backoff * 2).min(MAX_BACKOFF);
            }
        }
        if let Err(e) = store.set_purged_up_to(last).await {
            // Sent but not recorded: the next leader sends it again.
            tracing::warn!(error = %e, "cannot record the CDN purge");
            return pause(stopping, FOLLOWER_WAIT).await;
        }
        tracing::debug!(keys = keys.len(), up_to = last, "CDN purged");
        applied = last;
    }
}

/// Waits until every live server's page cache has applied `last`.
async fn settle(store: &dyn Store, last: i64, stopping: &mut crate::stopping::Stopping) {
    let since = Instant::now();
    loop {
        match store.slowest_follower(chrono::Utc::now() - LIVE).await {
            Ok(slowest) if slowest.is_none_or(|applied| applied >= last) => return,
            Ok(slowest) => {
                if since.elapsed() >= SETTLE_AT_MOST {
                    tracing::warn!(?slowest, last, "a server's page cache lags: purging anyway");
                    return;
                }
            }
            Err(e) => {
                tracing::warn!(error = %e, "cannot read how far the servers follow: purging");
                return;
            }
        }
        pause(stopping, Duration::from_millis(50)).await;
        if stopping.requested() {
            return;
        }
    }
}

/// Where to start: the mark, or on the very first run the log's end (the
/// CDN holds nothing older than the site's first purge worth sending).
async fn start(store: &dyn Store) -> kiosque_core::Result<i64> {
    if let Some(seq) = store.purged_up_to().await? {
        return Ok(seq);
    }
    let latest = store.latest_page_change().await?;
    store.set_purged_up_to(latest).await?;
    Ok(latest)
}

/// Whether changes after `applied` were pruned before being purged (a
/// leader stuck for a day on a failing CDN, or a cluster whose servers
/// all stopped for longer than the log is kept). The log's numbers have
/// gaps of their own — a transaction rolled back spends its numbers — so a
/// gap alone says nothing; a gap with nothing older kept says the log was
/// cut there. At worst a rolled-back number right after a day without
/// changes costs one whole-site purge.
async fn missed_some(store: &dyn Store, applied: i64, first: i64) -> kiosque_core::Result<bool> {
    if first <= applied + 1 {
        return Ok(false);
    }
    Ok(store.oldest_page_change().await? > applied + 1)
}

/// The batch's keys, each once; just `site` when that is one of them (every
/// page carries it: the whole cache goes).
fn keys(changes: &[PageChange]) -> Vec<String> {
    if changes.iter().any(|c| c.topic == "site") {
        return vec!["site".to_owned()];
    }
    let mut seen = std::collections::HashSet::new();
    changes
        .iter()
        .filter(|c| seen.insert(c.topic.as_str()))
        .map(|c| c.topic.clone())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn change(seq: i64, topic: &str) -> PageChange {
        PageChange {
            seq,
            topic: topic.to_owned(),
        }
    }

    #[test]
    fn a_batch_sends_each_key_once_and_site_alone() {
        let batch = [
            change(1, "article-1"),
            change(2, "comments-1"),
            change(3, "article-1"),
        ];
        assert_eq!(keys(&batch), ["article-1", "comments-1"]);
        let batch = [change(4, "article-2"), change(5, "site")];
        assert_eq!(keys(&batch), ["site"]);
    }
}
