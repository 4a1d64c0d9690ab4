//! Public pages read from a PostgreSQL hot standby (`database_replica_url`),
//! never from one older than what the page cache has dropped.
//!
//! The position compared is the page change log's, not the WAL's: the
//! log's numbers become visible in commit order (migration 0017 takes one
//! lock for them) and a standby replays commits in order, so a standby
//! whose log reaches change N shows every write committed up to N. This
//! server's page cache has dropped the pages of every change up to
//! `applied`; a page rendered now must show at least that, so it is read
//! from the replica only when the replica's log reaches `applied` — else
//! from the primary. A reader's own comment is applied to the cache before
//! its answer leaves (`cache::serve`), so the page they come back to is
//! never older than their write either.
//!
//! Only anonymous GET and HEAD requests may read from the replica (the
//! cache layer runs them in [`public_read`]); the newsroom, API tokens,
//! every write and every background job read the primary.

use std::cell::Cell;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::time::Duration;

use axum::body::Body;
use axum::extract::Request;
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::Response;
use kiosque_core::ports::Store;

use crate::AppState;

/// How often the replica's position is read: for this long after a change,
/// pages it touched are rendered from the primary.
const EVERY: Duration = Duration::from_millis(50);

/// Not known to have replayed anything (unreachable, or not read yet).
const UNKNOWN: i64 = -1;

tokio::task_local! {
    /// Set while an anonymous GET or HEAD is handled: whether the replica
    /// answered any of its queries.
    static PUBLIC: Cell<bool>;
}

/// Handles `request`, an anonymous GET or HEAD, as a public read: the
/// replica may answer its queries. If one of them failed (the page is a
/// 503), the replica is counted out until it answers again and the page is
/// read again from the primary: a standby going away costs readers a
/// moment, never an error page.
pub(crate) async fn public_read(state: &AppState, request: Request, next: Next) -> Response {
    let Some(replica) = state.replica.get() else {
        return next.run(request).await;
    };
    let (parts, body) = request.into_parts();
    let again = parts.clone();
    let first = next.clone().run(Request::from_parts(parts, body));
    let (response, used) = PUBLIC
        .scope(Cell::new(false), async {
            let response = first.await;
            (response, PUBLIC.with(Cell::get))
        })
        .await;
    if !used || response.status() != StatusCode::SERVICE_UNAVAILABLE {
        return response;
    }
    replica.replayed.store(UNKNOWN, Ordering::Release);
    tracing::warn!("a page read from the replica failed: reading the primary");
    next.run(Request::from_parts(again, Body::empty())).await
}

/// A read-only standby and how far it has replayed the change log.
pub struct Replica {
    store: Arc<dyn Store>,
    replayed: AtomicI64,
    /// Queries of public pages it answered, and those sent to the primary
    /// because it had not replayed the change yet (or was unreachable).
    pub(crate) answered: AtomicU64,
    pub(crate) held_back: AtomicU64,
}

impl Replica {
    /// The standby `store`, not yet known to have replayed anything.
    pub fn new(store: Arc<dyn Store>) -> Arc<Replica> {
        Arc::new(Replica {
            store,
            replayed: AtomicI64::new(UNKNOWN),
            answered: AtomicU64::new(0),
            held_back: AtomicU64::new(0),
        })
    }

    /// Reads the replica's position every [`EVERY`] until dropped; while it
    /// cannot be read, every read goes to the primary.
    pub async fn watch(self: Arc<Self>) {
        let mut tick = tokio::time::interval(EVERY);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut failing = false;
        loop {
            tick.tick().await;
            match self.store.latest_page_change().await {
                Ok(seq) => {
                    if failing {
                        tracing::info!("the read replica answers again");
                    }
                    failing = false;
                    self.replayed.store(seq, Ordering::Release);
                }
                Err(e) => {
                    self.replayed.store(UNKNOWN, Ordering::Release);
                    if !failing {
                        tracing::warn!(error = %e, "the read replica is unreachable: reading the primary");
                    }
                    failing = true;
                }
            }
        }
    }

    /// The last change the replica is known to have replayed.
    pub fn replayed(&self) -> i64 {
        self.replayed.load(Ordering::Acquire)
    }

    /// The replica, if this is a public read and it has replayed `applied`.
    pub(crate) fn for_read(&self, applied: i64) -> Option<&dyn Store> {
        PUBLIC.try_with(|_| ()).ok()?;
        if self.replayed() >= applied {
            self.answered.fetch_add(1, Ordering::Relaxed);
            let _ = PUBLIC.try_with(|used| used.set(true));
            Some(self.store.as_ref())
        } else {
            self.held_back.fetch_add(1, Ordering::Relaxed);
            None
        }
    }
}
