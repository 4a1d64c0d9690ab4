//! An article's revisions through the API: every save listed, and one
//! brought back as a new save (with `If-Match`, as any change).

use std::sync::Arc;

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use chrono::Utc;
use kiosque_core::service::saving::{self, Refused};
use kiosque_core::types::Permission;
use serde::Serialize;
use utoipa::ToSchema;

use super::article_in::refusal;
use super::auth::Caller;
use super::content::site_of;
use super::error::{ApiError, ErrorBody};
use super::extract::{Audience, Ids, json};
use super::newsroom::{DeskArticleOut, desk_response, editable, if_match};
use super::wire::time;
use crate::AppState;

/// One save of an article.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct RevisionOut {
    /// The version this save made.
    version: i64,
    title: String,
    excerpt: String,
    body_markdown: String,
    /// Who saved, if known.
    saved_by: Option<String>,
    saved_at: String,
}

/// Every save of an article, newest first.
#[utoipa::path(
    get,
    path = "/api/v1/newsroom/articles/{id}/revisions",
    tag = "newsroom",
    operation_id = "list_revisions",
    security(("token" = [])),
    params(("id" = i64, Path, description = "The article's id.")),
    responses(
        (status = 200, description = "Its revisions.", body = Vec<RevisionOut>),
        (status = 404, description = "No article this user may open.", body = ErrorBody),
    ),
)]
pub(crate) async fn list_revisions(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    headers: HeaderMap,
    Ids(id): Ids<i64>,
) -> Result<Response, ApiError> {
    let site = site_of(&state).await?;
    let (user, _) = caller.reader()?;
    let article = editable(&state, user, id).await?;
    let revisions: Vec<RevisionOut> = state
        .store
        .revisions(article.id)
        .await?
        .into_iter()
        .map(|r| RevisionOut {
            version: r.version,
            title: r.title,
            excerpt: r.excerpt,
            body_markdown: r.body_markdown,
            saved_by: r.saved_by_name,
            saved_at: time(&site, r.saved_at),
        })
        .collect();
    json(&headers, Audience::Private, &revisions)
}

/// Brings back a revision's text as a new save (with `If-Match`, as any
/// change).
#[utoipa::path(
    post,
    path = "/api/v1/newsroom/articles/{id}/revisions/{version}/restore",
    tag = "newsroom",
    operation_id = "restore_revision",
    security(("token" = [])),
    params(
        ("id" = i64, Path, description = "The article's id."),
        ("version" = i64, Path, description = "The revision's version."),
        ("If-Match" = String, Header, description = "The article's current `ETag`."),
    ),
    responses(
        (status = 200, description = "Restored; the new version is its `ETag`.", body = DeskArticleOut),
        (status = 404, description = "No such article or revision.", body = ErrorBody),
        (status = 412, description = "Saved by someone else since that version.", body = ErrorBody),
            ),
)]
pub(crate) async fn restore_revision(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    headers: HeaderMap,
    Ids((id, version)): Ids<(i64, i64)>,
) -> Result<Response, ApiError> {
    let user = caller.writer(Permission::WriteDrafts)?;
    let site = site_of(&state).await?;
    let article = editable(&state, user, id).await?;
    if if_match(&headers)? != article.version {
        return Err(refusal(Refused::Stale));
    }
    saving::restore(
        state.store.as_ref(),
        user,
        &site,
        &article,
        version,
        Utc::now(),
    )
    .await?
    .ok_or_else(ApiError::not_found)?
    .map_err(refusal)?;
    let saved = editable(&state, user, id).await?;
    desk_response(&site, &saved, StatusCode::OK)
}
