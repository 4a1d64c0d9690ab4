//! Probes for load balancers and orchestrators: `/healthz` says the
//! process answers, `/readyz` that it can serve — the database reachable
//! with this build's schema, the search index built and following. They
//! sit beside the pages, outside their error pages and the cache, and say
//! what is wrong in a word, never the database's own message (which stays
//! in the log).

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use crate::AppState;

/// How long the database has to answer a probe.
const DATABASE_WAIT: Duration = Duration::from_secs(2);

pub(crate) fn routes() -> Router<Arc<AppState>> {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
}

async fn healthz() -> Response {
    plain(StatusCode::OK, "ok\n".to_owned())
}

async fn readyz(State(state): State<Arc<AppState>>) -> Response {
    let mut problems = Vec::new();
    match tokio::time::timeout(DATABASE_WAIT, state.store.ready()).await {
        Ok(Ok(())) => {}
        Ok(Err(e)) => {
            tracing::warn!(error = %e, "not ready: database");
            problems.push("database: not ready");
        }
        Err(_) => problems.push("database: no answer within 2 s"),
    }
    let search = state.search.clone();
    if !tokio::task::spawn_blocking(move || search.ready())
        .await
        .unwrap_or(false)
    {
        problems.push("search index: not built or not following the database");
    }
    if problems.is_empty() {
        return plain(StatusCode::OK, "ready\n".to_owned());
    }
    let mut response = plain(StatusCode::SERVICE_UNAVAILABLE, problems.join("\n") + "\n");
    response
        .headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from_static("5"));
    response
}

/// A short plain-text answer no cache keeps (the probes, `/metrics`).
pub(crate) fn plain(status: StatusCode, body: String) -> Response {
    let mut response = (status, body).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}
