//! The newsletter worker: starts each digest list's send when its time
//! comes in the site's time zone (once, whichever app server sees it
//! first), and delivers the queue through SMTP. The queue is in the
//! database (migration 0034): deliveries are claimed with a lease, so
//! several servers share a send, and one stopped mid-send by `kill -9`
//! is resumed by the next start without mailing anyone twice.

pub mod config;
mod journal;
pub(crate) mod message;
mod smtp;

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use kiosque_core::model::{ListKind, SendBody};
use kiosque_core::ports::Store;
use kiosque_core::service::newsletter::{LinkPurpose, due_slot};
use kiosque_web::AppState;
use kiosque_web::newsletter::{compose, link_key};
use tokio::sync::Mutex;
use tokio::task::JoinHandle;

use crate::config::SmtpSettings;
use config::NewsletterSettings;
use message::Letterhead;

/// Deliveries a worker claims at once.
const BATCH: u32 = 25;

/// What the worker needs.
#[derive(Clone)]
pub struct NewsletterWork {
    /// For composing digests (templates, strings).
    pub state: Arc<AppState>,
    /// The queue.
    pub store: Arc<dyn Store>,
    /// Rate, DKIM, lease.
    pub settings: NewsletterSettings,
    /// The server mail goes through (the bulk one, else `[smtp]`).
    pub smtp: SmtpSettings,
    /// Looks for due digests and deliveries this often.
    pub every: Duration,
    /// Once the server stops, each connection finishes its message and
    /// takes no other (the rest of its claimed batch waits out its lease).
    pub stopping: crate::stopping::Stopping,
}

/// Starts the worker.
pub fn spawn(work: NewsletterWork) -> JoinHandle<()> {
    tokio::spawn(async move {
        // Read once: the sender and the DKIM key do not change while the
        // server runs.
        let letterhead = match work.letterhead() {
            Ok(l) => Arc::new(l),
            Err(e) => {
                tracing::error!(error = %e, "newsletters cannot be sent");
                return;
            }
        };
        let mut ticks = tokio::time::interval(work.every);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut stopping = work.stopping.clone();
        loop {
            tokio::select! {
                _ = ticks.tick() => {}
                () = stopping.wait() => return,
            }
            // The database may be briefly away; the next tick retries.
            if let Err(e) = start_digests(&work.state, work.store.as_ref(), Utc::now(), false).await
            {
                tracing::error!(error = %e, "starting due digests failed");
            }
            if let Err(e) = deliver(&work, &letterhead).await {
                tracing::error!(error = %e, "delivering newsletters failed");
            }
        }
    })
}

/// Starts the digests that are due at `now` (every one with something
/// new, if `now_anyway`); returns the sends queued.
pub async fn start_digests(
    state: &AppState,
    store: &dyn Store,
    now: DateTime<Utc>,
    now_anyway: bool,
) -> anyhow::Result<Vec<i64>> {
    let Some(site) = store.site().await? else {
        return Ok(Vec::new());
    };
    let mut started = Vec::new();
    for list in store.newsletter_lists().await? {
        if list.settings.kind != ListKind::Digest || !list.settings.active {
            continue;
        }
        let slot = if now_anyway {
            Some(now).filter(|n| *n > list.covered_until)
        } else {
            due_slot(
                list.settings.schedule,
                site.time_zone,
                list.covered_until,
                now,
            )
        };
        let Some(slot) = slot else { continue };
        let draft = compose::digest_for(state, &site, &list, slot)
            .await
            .map_err(|e| anyhow::anyhow!("composing the digest of list {}: {e:?}", list.id))?;
        let body =
            match &draft {
                Some(d) => Some(compose::body(state, &site, &list, d).await.map_err(|e| {
                    anyhow::anyhow!("drawing the digest of list {}: {e:?}", list.id)
                })?),
                None => None,
            };
        let send = draft.as_ref().zip(body.as_ref());
        let (queued, moved) = store
            .start_digest(list.id, list.covered_until, slot, send, now)
            .await?;
        match queued {
            Some(send) => {
                tracing::info!(
                    list = list.id,
                    send = send.id,
                    recipients = send.log.recipients,
                    "digest queued"
                );
                started.push(send.id);
            }
            None if moved => tracing::info!(list = list.id, "digest time passed with nothing new"),
            None => {}
        }
    }
    Ok(started)
}

/// Paces messages across a server's connections.
struct Pace {
    gap: Option<Duration>,
    next: Mutex<tokio::time::Instant>,
}

impl Pace {
    fn new(per_minute: u32) -> Pace {
        Pace {
            gap: (per_minute > 0).then(|| Duration::from_secs(60) / per_minute),
            next: Mutex::new(tokio::time::Instant::now()),
        }
    }

    async fn wait(&self) {
        let Some(gap) = self.gap else { return };
        let at = {
            let mut next = self.next.lock().await;
            let at = (*next).max(tokio::time::Instant::now());
            *next = at + gap;
            at
        };
        tokio::time::sleep_until(at).await;
    }
}

fn claim_number() -> i64 {
    let mut bytes = [0u8; 8];
    if getrandom::fill(&mut bytes).is_err() {
        // Unique enough within one server: the time in nanoseconds.
        return Utc::now().timestamp_nanos_opt().unwrap_or(1);
    }
    i64::from_le_bytes(bytes) & i64::MAX
}

impl NewsletterWork {
    /// What every message shares: the sender, the unsubscribe mailbox, the
    /// DKIM signer.
    pub(crate) fn letterhead(&self) -> anyhow::Result<Letterhead> {
        Letterhead::new(
            &self.smtp.from,
            self.settings.unsubscribe_mailto.as_deref(),
            self.settings.dkim.as_ref(),
        )
    }
}

/// Gives back the deliveries a killed worker (of this data directory) left
/// between the database's commit and the final dot, so they go out once.
async fn reopen_orphans(work: &NewsletterWork) -> anyhow::Result<()> {
    let dir = work.settings.journal_dir.clone();
    let orphans = tokio::task::spawn_blocking(move || journal::Journal::orphans(&dir)).await??;
    for (entry, path) in orphans {
        if let Some(o) = entry
            && work
                .store
                .reopen_mail(o.send_id, o.subscriber_id, o.claim, Utc::now())
                .await?
        {
            tracing::warn!(
                send = o.send_id,
                subscriber = o.subscriber_id,
                "a delivery a stopped worker had not finished goes out again"
            );
        }
        std::fs::remove_file(&path)?;
    }
    Ok(())
}

/// Sends every delivery due now, on `connections` connections at once;
/// returns how many messages were accepted.
pub(crate) async fn deliver(
    work: &NewsletterWork,
    letterhead: &Arc<Letterhead>,
) -> anyhow::Result<u64> {
    let Some(site) = work.store.site().await? else {
        return Ok(0);
    };
    let key = link_key(&work.state)
        .await
        .map_err(|e| anyhow::anyhow!("reading the newsletter key: {e:?}"))?;
    reopen_orphans(work).await?;
    let pace = Arc::new(Pace::new(work.settings.per_minute));
    let site = Arc::new(site);
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..work.settings.connections {
        let (work, letterhead, key, pace, site) = (
            work.clone(),
            letterhead.clone(),
            key.clone(),
            pace.clone(),
            site.clone(),
        );
        tasks.spawn(async move {
            let mut sender = smtp::Sender::new(
                work.smtp.clone(),
                work.settings.retry.clone(),
                &work.settings.journal_dir,
            )?;
            let mut bodies: HashMap<i64, Option<SendBody>> = HashMap::new();
            let mut accepted = 0u64;
            let result: anyhow::Result<()> = async {
                let mut idle = false;
                while !work.stopping.requested() {
                    let now = Utc::now();
                    let lease = now
                        + chrono::Duration::from_std(work.settings.lease)
                            .unwrap_or(chrono::Duration::minutes(2));
                    let batch = work
                        .store
                        .claim_mail(now, lease, BATCH, claim_number())
                        .await?;
                    if batch.is_empty() {
                        // Under PostgreSQL two claims racing for the same
                        // rows can both come back short: one look again
                        // before this connection stops.
                        if idle {
                            return Ok(());
                        }
                        idle = true;
                        tokio::time::sleep(Duration::from_millis(100)).await;
                        continue;
                    }
                    idle = false;
                    for mail in batch {
                        if work.stopping.requested() {
                            return Ok(());
                        }
                        let body = match bodies.entry(mail.send_id) {
                            std::collections::hash_map::Entry::Occupied(e) => e.into_mut(),
                            std::collections::hash_map::Entry::Vacant(e) => {
                                e.insert(work.store.send_body(mail.send_id).await?)
                            }
                        };
                        let Some(body) = body else { continue };
                        let token = key.sign(LinkPurpose::Preferences, mail.subscriber_id, now);
                        let bytes = letterhead.message(&site, body, &mail, &token)?;
                        pace.wait().await;
                        if let smtp::Sent::Done = sender
                            .send(work.store.as_ref(), &mail, &letterhead.from, &bytes)
                            .await?
                        {
                            accepted += 1;
                        }
                    }
                }
                Ok(())
            }
            .await;
            sender.close().await;
            result.map(|()| accepted)
        });
    }
    let mut accepted = 0;
    let mut failure = None;
    while let Some(joined) = tasks.join_next().await {
        match joined {
            Ok(Ok(n)) => accepted += n,
            Ok(Err(e)) => failure = Some(e),
            Err(e) => failure = Some(anyhow::anyhow!("a sending task stopped: {e}")),
        }
    }
    for id in work.store.finish_sends(Utc::now()).await? {
        tracing::info!(send = id, "newsletter send finished");
    }
    match failure {
        Some(e) => Err(e),
        None => Ok(accepted),
    }
}
