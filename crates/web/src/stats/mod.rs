//! Audience counting on the server: every public page a reader receives —
//! rendered, from the page cache or a 304 — counted in memory by
//! [`Tally`], flushed to the store's sums by the binary every few seconds.
//! No cookie, no script, nothing personal kept (see `tally.rs`).

mod beacon;
mod count;
mod tally;

use std::sync::Arc;

pub(crate) use beacon::hit;
pub(crate) use count::count;
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
