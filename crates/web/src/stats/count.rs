//! The layer that counts page views, outside the page cache so it sees
//! hits as well as renders.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::sync::atomic::Ordering;

use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri, header};
use axum::middleware::Next;
use axum::response::Response;

use super::PageView;
use crate::AppState;

pub(crate) async fn count(
    State(state): State<Arc<AppState>>,
    request: Request,
    next: Next,
) -> Response {
    if !countable(&state, &request) {
        return next.run(request).await;
    }
    let headers = request.headers();
    let user_agent = headers.get(header::USER_AGENT).cloned();
    let referrer = headers.get(header::REFERER).cloned();
    let address = address(&state, &request);
    let uri = request.uri().clone();
    let response = next.run(request).await;
    counted(
        &state,
        &uri,
        user_agent.as_ref(),
        referrer.as_ref(),
        address,
        &response,
    );
    response
}

/// Counts `response`, a page from the cache answered before routing
/// (`crate::cache::front`), as the layer above would have.
pub(crate) fn count_hit(state: &AppState, request: &Request, response: &Response) {
    if countable(state, request) {
        let headers = request.headers();
        counted(
            state,
            request.uri(),
            headers.get(header::USER_AGENT),
            headers.get(header::REFERER),
            address(state, request),
            response,
        );
    }
}

/// Whether the answer to `request` may be a view to count.
fn countable(state: &AppState, request: &Request) -> bool {
    let headers = request.headers();
    state.tally.is_some()
        && request.method() == Method::GET
        && state.count_on_server.load(Ordering::Relaxed)
        && !prefetch(headers)
        && !super::left_out(state, headers)
}

fn address(state: &AppState, request: &Request) -> IpAddr {
    crate::security::client_ip(
        request.headers(),
        request
            .extensions()
            .get::<ConnectInfo<SocketAddr>>()
            .cloned(),
        state.config.behind_proxy,
    )
}

/// Counts the page view `response` carries, if it is one a reader saw.
fn counted(
    state: &AppState,
    uri: &Uri,
    user_agent: Option<&HeaderValue>,
    referrer: Option<&HeaderValue>,
    address: IpAddr,
    response: &Response,
) {
    let Some(tally) = state.tally.as_ref() else {
        return;
    };
    if !matches!(response.status(), StatusCode::OK | StatusCode::NOT_MODIFIED) {
        return;
    }
    let Some(view) = response.extensions().get::<PageView>() else {
        return;
    };
    let user_agent = user_agent.and_then(|v| v.to_str().ok()).unwrap_or_default();
    let Some(device) = tally.classify(user_agent) else {
        return;
    };
    view.count(
        tally,
        super::Seen {
            uri,
            referrer: referrer.and_then(|v| v.to_str().ok()),
            device,
            address,
            user_agent,
        },
    );
}

/// A page fetched ahead of a click (speculation rules, `<link
/// rel=prefetch>`, Safari's and Firefox's own) may never be seen.
fn prefetch(headers: &HeaderMap) -> bool {
    let says = |name: &str, words: &[&str]| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| {
                let v = v.to_ascii_lowercase();
                words.iter().any(|w| v.contains(w))
            })
    };
    says("sec-purpose", &["prefetch", "prerender"])
        || says("purpose", &["prefetch", "prerender"])
        || says("x-purpose", &["preview", "prefetch"])
        || says("x-moz", &["prefetch"])
}

/// `DNT: 1` or `Sec-GPC: 1`.
pub(super) fn asks_not_to_be_counted(headers: &HeaderMap) -> bool {
    ["dnt", "sec-gpc"].iter().any(|h| {
        headers
            .get(*h)
            .is_some_and(|v| v.as_bytes().trim_ascii() == b"1")
    })
}
