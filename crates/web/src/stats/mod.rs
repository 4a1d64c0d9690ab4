//! Audience counting on the server: every public page a reader receives —
//! rendered, from the page cache or a 304 — counted in memory by
//! [`Tally`], flushed to the store's sums by the binary every few seconds.
//! No cookie, no script, nothing personal kept (see `tally.rs`).

mod beacon;
mod count;
mod tally;

use std::sync::Arc;

pub(crate) use beacon::hit;
pub(crate) use count::{count, count_hit};
pub use tally::{Batch, Tally, View};

/// Marks a response as a page view worth counting: what it shows. Put on
/// by the handlers of public pages and kept with a cached page, so hits
/// and 304s count as the render did.
#[derive(Debug, Clone)]
pub(crate) struct PageView {
    pub(crate) title: Arc<str>,
    pub(crate) article: Option<i64>,
}

impl PageView {
    pub(crate) fn new(title: &str, article: Option<i64>) -> PageView {
        PageView {
            title: Arc::from(title),
            article,
        }
    }

    /// Puts the mark on a response.
    pub(crate) fn on(self, mut response: axum::response::Response) -> axum::response::Response {
        response.extensions_mut().insert(self);
        response
    }
}

/// The newsroom signed in, or a reader who asked not to be counted (when
/// the settings honour it): asked by both doors, the layer and the beacon.
pub(crate) fn left_out(state: &crate::AppState, headers: &axum::http::HeaderMap) -> bool {
    crate::cache::signed_in(headers)
        || (state.honour_dnt.load(std::sync::atomic::Ordering::Relaxed)
            && count::asks_not_to_be_counted(headers))
}

/// What a door (the layer, the beacon) saw of a reader's request.
pub(crate) struct Seen<'a> {
    pub(crate) uri: &'a axum::http::Uri,
    pub(crate) referrer: Option<&'a str>,
    pub(crate) device: kiosque_core::model::audience::Device,
    pub(crate) address: std::net::IpAddr,
    pub(crate) user_agent: &'a str,
}

impl PageView {
    /// Counts this page, seen as `seen` says: the same count whichever
    /// door saw it.
    pub(crate) fn count(&self, tally: &Tally, seen: Seen<'_>) {
        let host = tally.host();
        tally.record(&View {
            path: seen.uri.path(),
            title: &self.title,
            article: self.article,
            source: kiosque_core::service::audience::source(seen.referrer, seen.uri.query(), &host),
            device: seen.device,
            address: seen.address,
            user_agent: seen.user_agent,
            at: chrono::Utc::now(),
        });
    }
}
