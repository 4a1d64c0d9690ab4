//! The counted link of a newsletter article, when the operator switches
//! click counting on (`[newsletter] count_clicks`): the follow is counted
//! per send and article — nothing about the reader, not even the time —
//! and the reader goes on to the article with campaign tags, so the visit
//! counts as coming from the newsletter in the audience statistics. Off,
//! mails link to articles directly; links of mails sent while it was on
//! keep working either way.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use kiosque_core::service::audience::is_crawler;

use super::compose::articles;
use crate::site::load_site;
use crate::{AppState, WebError};

pub(crate) async fn follow(
    State(state): State<Arc<AppState>>,
    Path((send, article)): Path<(i64, i64)>,
    headers: HeaderMap,
) -> Result<Response, WebError> {
    let site = load_site(&state).await?;
    let found = articles(&state, &[article]).await?;
    let Some(found) = found.first() else {
        return Ok(away("/".to_owned()));
    };
    let agent = headers
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    // Robots (link checkers, mail scanners that say what they are) and the
    // newsroom itself are not readers.
    if state.config.newsletter_clicks
        && !is_crawler(agent)
        && !crate::stats::left_out(&state, &headers)
    {
        state.store.count_newsletter_click(send, article).await?;
    }
    Ok(away(format!(
        "{}?utm_source=newsletter&utm_medium=email",
        found.path(&site)
    )))
}

/// A redirect no cache keeps: each follow must reach the counter.
fn away(to: String) -> Response {
    let mut response = StatusCode::FOUND.into_response();
    if let Ok(location) = HeaderValue::from_str(&to) {
        response.headers_mut().insert(header::LOCATION, location);
    }
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}
