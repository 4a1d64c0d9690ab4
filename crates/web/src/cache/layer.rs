//! The middleware in front of every handler that answers from the cache,
//! stores cacheable pages, and applies this server's own writes at once.

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::{HeaderMap, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::{CachedPage, Topics};
use crate::AppState;

/// Larger pages than this are served but not stored (no public page comes
/// near it).
const MAX_PAGE: usize = 4 * 1024 * 1024;

pub(crate) async fn serve(
    State(state): State<Arc<AppState>>,
    request: Request,
    next: Next,
) -> Response {
    let Some(cache) = state.cache.as_ref() else {
        return next.run(request).await;
    };
    let method = request.method().clone();
    if method != Method::GET && method != Method::HEAD {
        let response = next.run(request).await;
        // What this request changed is gone from this server's cache
        // before its answer leaves: the writer's next page is fresh.
        if let Err(e) = cache.catch_up(state.store.as_ref()).await {
            tracing::warn!(error = %e, "page cache not brought up to date after a write");
        }
        return response;
    }
    // The newsroom and token holders read the primary (`crate::replica`).
    if !anonymous(request.headers()) {
        return next.run(request).await;
    }
    // A browser calling from another origin gets its CORS answer from the
    // handler.
    if request.uri().query().is_some() || request.headers().contains_key(header::ORIGIN) {
        return crate::replica::public_read(&state, request, next).await;
    }
    let path = request.uri().path().to_owned();
    if let Some(page) = cache.get(&path) {
        return page.respond(&method, request.headers(), "hit");
    }
    let mut asked = HeaderMap::new();
    for h in [header::ACCEPT_ENCODING, header::IF_NONE_MATCH] {
        if let Some(v) = request.headers().get(&h) {
            asked.insert(h, v.clone());
        }
    }
    let ticket = cache.ticket();
    let response = crate::replica::public_read(&state, request, next).await;
    if method != Method::GET
        || response.status() != StatusCode::OK
        || response.headers().contains_key(header::SET_COOKIE)
    {
        return response;
    }
    let Some(topics) = response.extensions().get::<Topics>().cloned() else {
        return response;
    };
    let (parts, body) = response.into_parts();
    let body = match axum::body::to_bytes(body, MAX_PAGE).await {
        Ok(body) => body,
        Err(e) => {
            tracing::error!(error = %e, path, "page body could not be read");
            return StatusCode::INTERNAL_SERVER_ERROR.into_response();
        }
    };
    let view = parts.extensions.get::<crate::stats::PageView>().cloned();
    let page = Arc::new(CachedPage::build_viewed(parts.headers, body, topics, view));
    let response = page.respond(&method, &asked, "miss");
    cache.insert(path, page, ticket);
    response
}

/// Neither the newsroom (signed in) nor a token holder: a reader the cache
/// may answer.
pub(crate) fn anonymous(headers: &HeaderMap) -> bool {
    !signed_in(headers) && !headers.contains_key(header::AUTHORIZATION)
}

/// The newsroom, signed in, always sees pages as they are now.
pub(crate) fn signed_in(headers: &HeaderMap) -> bool {
    // On every request: read the pairs in place, nothing allocated.
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .any(|pair| {
            pair.trim_start()
                .strip_prefix(crate::admin::session::COOKIE)
                .is_some_and(|rest| rest.starts_with('='))
        })
}
