//! Sections and tags from the newsroom's side: added, renamed (with
//! `If-Match`: the `ETag` of the public object), deleted — with the
//! admin's checks (`model::check_term`) and right (`ManageTaxonomy`).

use std::sync::Arc;

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use kiosque_core::Error;
use kiosque_core::model::{Site, TermKind, check_term};
use kiosque_core::types::Permission;
use serde::Deserialize;
use utoipa::ToSchema;

use super::auth::Caller;
use super::body::{Body, Known};
use super::content::site_of;
use super::error::{ApiError, ErrorBody};
use super::extract::{Ids, check_if_match, etag_of, written};
use super::wire::{SectionOut, TagOut};
use crate::AppState;

/// A section's or tag's name and address.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct TermIn {
    /// Its name; required to add one.
    #[schema(max_length = 100, example = "Agriculture")]
    name: Option<String>,
    /// Its URL name; made from the name when not given.
    #[schema(max_length = 200)]
    slug: Option<String>,
}

impl Known for TermIn {
    const FIELDS: &'static [&'static str] = &["name", "slug"];
}

fn refused(errors: Vec<kiosque_core::FieldError>) -> ApiError {
    ApiError::fields(
        "validation_failed",
        "Some fields are refused.",
        errors
            .into_iter()
            .map(|f| (f.field.to_owned(), f.code.to_owned())),
    )
}

fn taken() -> ApiError {
    ApiError::fields(
        "conflict",
        "Another one has this address.",
        [("slug".to_owned(), "term_slug_taken".to_owned())],
    )
}

/// The public object of a term, as `/api/v1/sections/{id}` or
/// `/api/v1/tags/{id}` shows it, byte for byte (its `ETag` is what
/// `If-Match` names).
async fn shown(
    state: &AppState,
    site: &Site,
    kind: TermKind,
    id: i64,
) -> Result<Option<Vec<u8>>, ApiError> {
    let value = match kind {
        TermKind::Category => state
            .store
            .section_tree()
            .await?
            .into_iter()
            .find(|(c, _)| c.id == id)
            .map(|(c, parent)| serde_json::to_vec(&SectionOut::new(site, &c, parent))),
        TermKind::Tag => state
            .store
            .terms(TermKind::Tag)
            .await?
            .into_iter()
            .find(|t| t.id == id)
            .map(|t| serde_json::to_vec(&TagOut::new(site, &t.into_tag()))),
    };
    value.transpose().map_err(ApiError::internal)
}

/// A term's address in the public API.
fn public_address(kind: TermKind, id: i64) -> String {
    match kind {
        TermKind::Category => format!("/api/v1/sections/{id}"),
        TermKind::Tag => format!("/api/v1/tags/{id}"),
    }
}

async fn add(
    state: &AppState,
    caller: &Caller,
    kind: TermKind,
    body: TermIn,
) -> Result<Response, ApiError> {
    caller.writer(Permission::ManageTaxonomy)?;
    let site = site_of(state).await?;
    let (name, slug) = check_term(
        body.name.as_deref().unwrap_or_default(),
        body.slug.as_deref().unwrap_or_default(),
    )
    .map_err(refused)?;
    let id = match state.store.create_term(kind, &slug, &name).await {
        Ok(id) => id,
        Err(Error::Conflict(_)) => return Err(taken()),
        Err(e) => return Err(e.into()),
    };
    let value = shown(state, &site, kind, id)
        .await?
        .ok_or_else(ApiError::not_found)?;
    Ok(written(
        StatusCode::CREATED,
        value,
        &public_address(kind, id),
    ))
}

async fn change(
    state: &AppState,
    caller: &Caller,
    headers: &HeaderMap,
    kind: TermKind,
    id: i64,
    body: TermIn,
) -> Result<Response, ApiError> {
    caller.writer(Permission::ManageTaxonomy)?;
    let site = site_of(state).await?;
    let current = shown(state, &site, kind, id)
        .await?
        .ok_or_else(ApiError::not_found)?;
    let public: serde_json::Value = serde_json::from_slice(&current).map_err(ApiError::internal)?;
    let text = |field: &str| public[field].as_str().unwrap_or_default().to_owned();
    let name = body.name.unwrap_or_else(|| text("name"));
    let slug = body.slug.unwrap_or_else(|| text("slug"));
    // What was sent is checked first: a refused body is a 422 whatever
    // the version it names.
    let (name, slug) = check_term(&name, &slug).map_err(refused)?;
    check_if_match(headers, &etag_of(&current))?;
    match state.store.update_term(kind, id, &slug, &name).await {
        Ok(()) => {}
        Err(Error::Conflict(_)) => return Err(taken()),
        Err(e) => return Err(e.into()),
    }
    let value = shown(state, &site, kind, id)
        .await?
        .ok_or_else(ApiError::not_found)?;
    Ok(written(StatusCode::OK, value, &public_address(kind, id)))
}

async fn remove(
    state: &AppState,
    caller: &Caller,
    kind: TermKind,
    id: i64,
) -> Result<Response, ApiError> {
    caller.writer(Permission::ManageTaxonomy)?;
    let site = site_of(state).await?;
    shown(state, &site, kind, id)
        .await?
        .ok_or_else(ApiError::not_found)?;
    state.store.delete_term(kind, id).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// Adds a section.
#[utoipa::path(
    post,
    path = "/api/v1/newsroom/sections",
    tag = "newsroom",
    operation_id = "create_section",
    security(("token" = [])),
    request_body(content = TermIn, content_type = "application/json"),
    responses(
        (status = 201, description = "Added.", body = SectionOut),
        (status = 409, description = "The address is taken (`fields.slug`).", body = ErrorBody),
    ),
)]
pub(crate) async fn create_section(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    body: Body<TermIn>,
) -> Result<Response, ApiError> {
    add(&state, &caller, TermKind::Category, body.value).await
}

/// Renames a section (the fields sent), with `If-Match`: the `ETag` of
/// `GET /api/v1/sections/{id}`.
#[utoipa::path(
    patch,
    path = "/api/v1/newsroom/sections/{id}",
    tag = "newsroom",
    operation_id = "update_section",
    security(("token" = [])),
    params(
        ("id" = i64, Path, description = "The section's id."),
        ("If-Match" = String, Header, description = "The `ETag` the section was read with."),
    ),
    request_body(content = TermIn, content_type = "application/json"),
    responses(
        (status = 200, description = "Renamed.", body = SectionOut),
        (status = 404, description = "No such section.", body = ErrorBody),
        (status = 409, description = "The address is taken (`fields.slug`).", body = ErrorBody),
        (status = 412, description = "Changed since that `ETag`: nothing was changed.", body = ErrorBody),
    ),
)]
pub(crate) async fn update_section(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    headers: HeaderMap,
    Ids(id): Ids<i64>,
    body: Body<TermIn>,
) -> Result<Response, ApiError> {
    change(
        &state,
        &caller,
        &headers,
        TermKind::Category,
        id,
        body.value,
    )
    .await
}

/// Deletes a section; its articles simply lose it.
#[utoipa::path(
    delete,
    path = "/api/v1/newsroom/sections/{id}",
    tag = "newsroom",
    operation_id = "delete_section",
    security(("token" = [])),
    params(("id" = i64, Path, description = "The section's id.")),
    responses(
        (status = 204, description = "Deleted."),
        (status = 404, description = "No such section.", body = ErrorBody),
    ),
)]
pub(crate) async fn delete_section(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    Ids(id): Ids<i64>,
) -> Result<Response, ApiError> {
    remove(&state, &caller, TermKind::Category, id).await
}

/// Adds a tag.
#[utoipa::path(
    post,
    path = "/api/v1/newsroom/tags",
    tag = "newsroom",
    operation_id = "create_tag",
    security(("token" = [])),
    request_body(content = TermIn, content_type = "application/json"),
    responses(
        (status = 201, description = "Added.", body = TagOut),
        (status = 409, description = "The address is taken (`fields.slug`).", body = ErrorBody),
    ),
)]
pub(crate) async fn create_tag(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    body: Body<TermIn>,
) -> Result<Response, ApiError> {
    add(&state, &caller, TermKind::Tag, body.value).await
}

/// Renames a tag (the fields sent), with `If-Match`: the `ETag` of
/// `GET /api/v1/tags/{id}`.
#[utoipa::path(
    patch,
    path = "/api/v1/newsroom/tags/{id}",
    tag = "newsroom",
    operation_id = "update_tag",
    security(("token" = [])),
    params(
        ("id" = i64, Path, description = "The tag's id."),
        ("If-Match" = String, Header, description = "The `ETag` the tag was read with."),
    ),
    request_body(content = TermIn, content_type = "application/json"),
    responses(
        (status = 200, description = "Renamed.", body = TagOut),
        (status = 404, description = "No such tag.", body = ErrorBody),
        (status = 409, description = "The address is taken (`fields.slug`).", body = ErrorBody),
        (status = 412, description = "Changed since that `ETag`: nothing was changed.", body = ErrorBody),
    ),
)]
pub(crate) async fn update_tag(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    headers: HeaderMap,
    Ids(id): Ids<i64>,
    body: Body<TermIn>,
) -> Result<Response, ApiError> {
    change(&state, &caller, &headers, TermKind::Tag, id, body.value).await
}

/// Deletes a tag; its articles simply lose it.
#[utoipa::path(
    delete,
    path = "/api/v1/newsroom/tags/{id}",
    tag = "newsroom",
    operation_id = "delete_tag",
    security(("token" = [])),
    params(("id" = i64, Path, description = "The tag's id.")),
    responses(
        (status = 204, description = "Deleted."),
        (status = 404, description = "No such tag.", body = ErrorBody),
    ),
)]
pub(crate) async fn delete_tag(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    Ids(id): Ids<i64>,
) -> Result<Response, ApiError> {
    remove(&state, &caller, TermKind::Tag, id).await
}
