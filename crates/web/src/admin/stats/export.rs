//! The CSV of one list over a period.

use std::sync::Arc;

use axum::extract::{Query, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use chrono::Utc;
use kiosque_core::model::audience::By;
use kiosque_core::service::audience;

use super::*;
use crate::admin::Newsroom;
use crate::{AppState, WebError};

/// The CSV of one list over a period (`what`: pages, sources, articles,
/// sections, authors, tags, devices, days).
pub(crate) async fn export(
    State(state): State<Arc<AppState>>,
    newsroom: Newsroom,
    Query(asked): Query<Asked>,
) -> Result<Response, WebError> {
    let reader = reader(&newsroom)?;
    let site = &newsroom.site;
    let (period, key) = asked.period(site, Utc::now());
    let by = audience::export_kind(&asked.what).unwrap_or(By::Path);
    let rows = ask(
        &state,
        &reader,
        audience::over(&period, site.time_zone, by, 1_000_000),
    )
    .await?;
    let body = audience::export(by, &rows, site.time_zone);
    let name = format!(
        "attachment; filename=\"stats-{}-{}.csv\"",
        if asked.what.is_empty() {
            "pages"
        } else {
            asked.what.as_str()
        },
        key.replace("..", "_")
    );
    let mut response = body.into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/csv; charset=utf-8"),
    );
    if let Ok(v) = HeaderValue::try_from(name) {
        headers.insert(header::CONTENT_DISPOSITION, v);
    }
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(response)
}
