//! `/stats/hit`: the first-party beacon's page views, for sites a CDN or
//! the static export serves (switched on in the settings; the server then
//! stops counting the same views itself).
//!
//! The beacon names a path; which page that is (its title, its article)
//! is asked of this server's own router, as a reader's request would be
//! — from the page cache, as a rule — so a beacon can only count a page
//! the site really shows, under the same rules as server-side counting.

use std::sync::Arc;
use std::sync::atomic::Ordering;

use axum::body::Body;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, HeaderValue, Request, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use tower::ServiceExt as _;

use super::PageView;
use crate::AppState;

/// A transparent 1×1 GIF, for the image of browsers without scripts.
const PIXEL: &[u8] = &[
    0x47, 0x49, 0x46, 0x38, 0x39, 0x61, 0x01, 0x00, 0x01, 0x00, 0x80, 0x00, 0x00, 0x00, 0x00, 0x00,
    0xff, 0xff, 0xff, 0x21, 0xf9, 0x04, 0x01, 0x00, 0x00, 0x00, 0x00, 0x2c, 0x00, 0x00, 0x00, 0x00,
    0x01, 0x00, 0x01, 0x00, 0x00, 0x02, 0x02, 0x44, 0x01, 0x00, 0x3b,
];

/// The longest path a beacon may name.
const MAX_PATH: usize = 2048;

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct Hit {
    /// The page's path and query string.
    p: String,
    /// The page's referrer (`document.referrer`).
    r: String,
    /// Sent by the script (answered 204); the image gets a GIF.
    js: Option<String>,
}

pub(crate) async fn hit(
    State(state): State<Arc<AppState>>,
    crate::security::ClientIp(address): crate::security::ClientIp,
    headers: HeaderMap,
    Query(hit): Query<Hit>,
) -> Response {
    let mut answer = if hit.js.is_some() {
        StatusCode::NO_CONTENT.into_response()
    } else {
        ([(header::CONTENT_TYPE, "image/gif")], PIXEL).into_response()
    };
    answer
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    let _ = counted(&state, address, &headers, &hit).await;
    answer
}

/// Counts the view the beacon reports, when it is one; `None` otherwise.
async fn counted(
    state: &Arc<AppState>,
    address: std::net::IpAddr,
    headers: &HeaderMap,
    hit: &Hit,
) -> Option<()> {
    let tally = state.tally.as_ref()?;
    if state.count_on_server.load(Ordering::Relaxed) || super::left_out(state, headers) {
        return None;
    }
    let user_agent = headers
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let device = tally.classify(user_agent)?;
    let target = hit.p.trim();
    if !target.starts_with('/')
        || target.starts_with("//")
        || target.starts_with("/stats/")
        || target.len() > MAX_PATH
    {
        return None;
    }
    let uri: axum::http::Uri = target.parse().ok()?;
    let router = state.router.lock().ok()?.clone()?;
    // Asked as an anonymous reader would: from the cache when it is there.
    let request = Request::get(uri.path()).body(Body::empty()).ok()?;
    let response = router.oneshot(request).await.ok()?;
    if response.status() != StatusCode::OK {
        return None;
    }
    let view = response.extensions().get::<PageView>()?;
    view.count(
        tally,
        super::Seen {
            uri: &uri,
            referrer: Some(hit.r.as_str()).filter(|r| !r.is_empty()),
            device,
            address,
            user_agent,
        },
    );
    Some(())
}
