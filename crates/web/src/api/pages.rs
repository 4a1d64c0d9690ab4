//! The site's pages from the newsroom's side (editors): added, changed
//! (with `If-Match`: the `ETag` of the public object), deleted — with the
//! admin's rule (`PageDraft::checked`) and right (`ManagePages`).

use std::sync::Arc;

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use kiosque_core::Error;
use kiosque_core::model::{PageDraft, Site, StaticPage};
use kiosque_core::types::Permission;
use serde::Deserialize;
use utoipa::ToSchema;

use super::auth::Caller;
use super::body::{Body, Known};
use super::content::site_of;
use super::error::{ApiError, ErrorBody};
use super::extract::{Ids, check_if_match, etag_of, written};
use super::wire::PageOut;
use crate::AppState;

/// A page as written; to change one, the fields sent replace its own.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct PageIn {
    /// Heading and link text; required to add one.
    #[schema(max_length = 200, example = "Nous contacter")]
    title: Option<String>,
    /// Its address (`/{slug}/`); made from the title when not given.
    #[schema(max_length = 200)]
    slug: Option<String>,
    /// The text, in Markdown.
    #[schema(max_length = 100000)]
    body: Option<String>,
    /// Linked from the menu at the top of every page.
    in_menu: Option<bool>,
    /// Linked from the footer.
    in_footer: Option<bool>,
    /// Order among the links (smallest first).
    position: Option<i64>,
}

impl Known for PageIn {
    const FIELDS: &'static [&'static str] =
        &["title", "slug", "body", "in_menu", "in_footer", "position"];
}

impl PageIn {
    /// The page asked for, over `current` (or from nothing).
    fn draft(
        self,
        current: Option<&StaticPage>,
        site: &kiosque_core::model::Site,
    ) -> Result<PageDraft, ApiError> {
        let keep = |own: Option<String>, old: Option<String>| own.or(old).unwrap_or_default();
        PageDraft::checked(
            &keep(self.title, current.map(|p| p.title.clone())),
            &keep(self.slug, current.map(|p| p.slug.as_str().to_owned())),
            &keep(self.body, current.map(|p| p.body_markdown.clone())),
            (
                self.in_menu.or(current.map(|p| p.in_menu)).unwrap_or(false),
                self.in_footer
                    .or(current.map(|p| p.in_footer))
                    .unwrap_or(false),
                self.position.or(current.map(|p| p.position)).unwrap_or(0),
            ),
            site.language,
        )
        .map_err(|errors| Error::Invalid(errors).into())
    }
}

fn taken() -> ApiError {
    ApiError::fields(
        "conflict",
        "Another page has this address.",
        [("slug".to_owned(), "term_slug_taken".to_owned())],
    )
}

/// The public object, as `GET /api/v1/pages/{id}` shows it, byte for byte
/// (its `ETag` is what `If-Match` names).
fn shown(site: &Site, page: &StaticPage) -> Result<Vec<u8>, ApiError> {
    serde_json::to_vec(&PageOut::new(site, page)).map_err(ApiError::internal)
}

async fn existing(state: &AppState, id: i64) -> Result<StaticPage, ApiError> {
    state.store.page(id).await?.ok_or_else(ApiError::not_found)
}

async fn store(state: &AppState, id: Option<i64>, draft: &PageDraft) -> Result<i64, ApiError> {
    match state.store.save_page(id, draft).await {
        Ok(id) => Ok(id),
        Err(Error::Conflict(_)) => Err(taken()),
        Err(e) => Err(e.into()),
    }
}

/// Adds a page.
#[utoipa::path(
    post,
    path = "/api/v1/newsroom/pages",
    tag = "newsroom",
    operation_id = "create_page",
    security(("token" = [])),
    request_body(content = PageIn, content_type = "application/json"),
    responses(
        (status = 201, description = "Added; `Location` is its public address in the API.", body = PageOut),
        (status = 409, description = "The address is another page's (`fields.slug`).", body = ErrorBody),
    ),
)]
pub(crate) async fn create_page(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    body: Body<PageIn>,
) -> Result<Response, ApiError> {
    caller.writer(Permission::ManagePages)?;
    let site = site_of(&state).await?;
    let draft = body.value.draft(None, &site)?;
    let id = store(&state, None, &draft).await?;
    Ok(written(
        StatusCode::CREATED,
        shown(&site, &existing(&state, id).await?)?,
        &format!("/api/v1/pages/{}", id),
    ))
}

/// Changes a page (the fields sent), with `If-Match`: the `ETag` of
/// `GET /api/v1/pages/{id}`.
#[utoipa::path(
    patch,
    path = "/api/v1/newsroom/pages/{id}",
    tag = "newsroom",
    operation_id = "update_page",
    security(("token" = [])),
    params(
        ("id" = i64, Path, description = "The page's id."),
        ("If-Match" = String, Header, description = "The `ETag` the page was read with."),
    ),
    request_body(content = PageIn, content_type = "application/json"),
    responses(
        (status = 200, description = "Changed.", body = PageOut),
        (status = 404, description = "No such page.", body = ErrorBody),
        (status = 409, description = "The address is another page's (`fields.slug`).", body = ErrorBody),
        (status = 412, description = "Changed since that `ETag`: nothing was changed.", body = ErrorBody),
    ),
)]
pub(crate) async fn update_page(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    headers: HeaderMap,
    Ids(id): Ids<i64>,
    body: Body<PageIn>,
) -> Result<Response, ApiError> {
    caller.writer(Permission::ManagePages)?;
    let site = site_of(&state).await?;
    let page = existing(&state, id).await?;
    let current = shown(&site, &page)?;
    // What was sent is checked first: a refused body is a 422 whatever
    // the version it names.
    let draft = body.value.draft(Some(&page), &site)?;
    check_if_match(&headers, &etag_of(&current))?;
    store(&state, Some(id), &draft).await?;
    Ok(written(
        StatusCode::OK,
        shown(&site, &existing(&state, id).await?)?,
        &format!("/api/v1/pages/{}", id),
    ))
}

/// Deletes a page (and its menu links).
#[utoipa::path(
    delete,
    path = "/api/v1/newsroom/pages/{id}",
    tag = "newsroom",
    operation_id = "delete_page",
    security(("token" = [])),
    params(("id" = i64, Path, description = "The page's id.")),
    responses(
        (status = 204, description = "Deleted."),
        (status = 404, description = "No such page.", body = ErrorBody),
    ),
)]
pub(crate) async fn delete_page(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    Ids(id): Ids<i64>,
) -> Result<Response, ApiError> {
    caller.writer(Permission::ManagePages)?;
    state.store.delete_page(id).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}
