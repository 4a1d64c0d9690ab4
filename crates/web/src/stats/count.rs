//! The layer that counts page views, outside the page cache so it sees
//! hits as well as renders.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::Ordering;

use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderMap, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::Response;

use super::PageView;
use crate::AppState;

pub(crate) async fn count(
    State(state): State<Arc<AppState>>,
    request: Request,
    next: Next,
) -> Response {
    let Some(tally) = state.tally.as_ref() else {
        return next.run(request).await;
    };
    let headers = request.headers();
    if request.method() != Method::GET
        || !state.count_on_server.load(Ordering::Relaxed)
        || prefetch(headers)
        || super::left_out(&state, headers)
    {
        return next.run(request).await;
    }
    let user_agent = headers.get(header::USER_AGENT).cloned();
    let referrer = headers.get(header::REFERER).cloned();
    let address = crate::security::client_ip(
        headers,
        request
            .extensions()
            .get::<ConnectInfo<SocketAddr>>()
            .cloned(),
        state.config.behind_proxy,
    );
    let uri = request.uri().clone();
    let response = next.run(request).await;
    if !matches!(response.status(), StatusCode::OK | StatusCode::NOT_MODIFIED) {
        return response;
    }
    let Some(view) = response.extensions().get::<PageView>() else {
        return response;
    };
    let user_agent = user_agent
        .as_ref()
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let Some(device) = tally.classify(user_agent) else {
        return response;
    };
    view.count(
        tally,
        super::Seen {
            uri: &uri,
            referrer: referrer.as_ref().and_then(|v| v.to_str().ok()),
            device,
            address,
            user_agent,
        },
    );
    response
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
