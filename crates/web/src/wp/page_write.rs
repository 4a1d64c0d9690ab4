//! Writing the site's pages through WordPress's API: what is sent laid
//! over the page's current fields and checked by `PageDraft::checked`, as
//! the admin and `/api/v1/` do; HTML content made Markdown by the
//! importer's converter. Kiosque's pages are public once saved, so only
//! `publish` is a status they take.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::Response;
use kiosque_core::Error;
use kiosque_core::model::{PageDraft, Site, StaticPage};
use kiosque_core::types::Permission;
use serde_json::{Map, Value, json};

use super::auth::WpCaller;
use super::error::WpError;
use super::ids::{self, Kind, Outward};
use super::pages::page;
use super::posts::site;
use super::respond::{WpId, json_response, route_url};
use super::write::fields;
use crate::AppState;

fn text(fields: &Map<String, Value>, name: &str) -> Option<String> {
    match fields.get(name)? {
        Value::String(s) => Some(s.clone()),
        Value::Object(o) => o.get("raw").and_then(Value::as_str).map(str::to_owned),
        _ => None,
    }
}

/// The page as it will be saved: `current` with what was sent over it.
fn draft(
    site: &Site,
    current: Option<&StaticPage>,
    sent: &Map<String, Value>,
) -> Result<PageDraft, WpError> {
    if let Some(status) = sent.get("status").and_then(Value::as_str)
        && status != "publish"
    {
        return Err(WpError::invalid_param(
            "status",
            "A page is public once saved here: status is publish.",
        ));
    }
    let title = text(sent, "title")
        .map(|t| kiosque_transfer::content::plain_text(&t))
        .or_else(|| current.map(|p| p.title.clone()))
        .unwrap_or_default();
    let slug = sent
        .get("slug")
        .and_then(Value::as_str)
        .map(str::to_owned)
        .or_else(|| current.map(|p| p.slug.as_str().to_owned()))
        .unwrap_or_default();
    let body = text(sent, "content")
        .map(|c| kiosque_transfer::content::wordpress_to_markdown(&c, &|_: &str| None).markdown)
        .or_else(|| current.map(|p| p.body_markdown.clone()))
        .unwrap_or_default();
    let position = match sent.get("menu_order") {
        None => current.map_or(0, |p| p.position),
        Some(v) => v
            .as_i64()
            .or_else(|| v.as_str().and_then(|s| s.trim().parse().ok()))
            .ok_or_else(|| {
                WpError::invalid_param("menu_order", "menu_order is not of type integer.")
            })?,
    };
    PageDraft::checked(
        &title,
        &slug,
        &body,
        (
            current.is_some_and(|p| p.in_menu),
            current.is_some_and(|p| p.in_footer),
            position,
        ),
        site.language,
    )
    .map_err(|errors| {
        let (field, code) = errors
            .first()
            .map(|e| (e.field, e.code))
            .unwrap_or(("title", "invalid"));
        WpError::invalid_param(field, code)
    })
}

async fn save(state: &AppState, id: Option<i64>, draft: &PageDraft) -> Result<i64, WpError> {
    match state.store.save_page(id, draft).await {
        Ok(id) => Ok(id),
        Err(Error::Conflict(_)) => Err(WpError::new(
            StatusCode::CONFLICT,
            "rest_post_slug_taken",
            "Another page has this slug.",
        )),
        Err(e) => Err(e.into()),
    }
}

fn may(caller: &WpCaller, code: &'static str) -> Result<(), WpError> {
    caller
        .may(
            Permission::ManagePages,
            code,
            "Sorry, you are not allowed to manage pages.",
        )
        .map(|_| ())
}

async fn answer(
    state: &AppState,
    site: &Site,
    id: i64,
    status: StatusCode,
) -> Result<Response, WpError> {
    let saved = state
        .store
        .page(id)
        .await?
        .ok_or_else(|| WpError::internal("a saved page vanished"))?;
    let wp = Outward::of(state.store.as_ref(), Kind::Page, &[id])
        .await?
        .get(id);
    let mut item = page(site, &saved, wp);
    item["title"]["raw"] = json!(saved.title);
    item["content"]["raw"] = item["content"]["rendered"].clone();
    let mut response = json_response(status, &item);
    if status == StatusCode::CREATED
        && let Ok(v) = HeaderValue::from_str(&route_url(site, &format!("pages/{wp}")))
    {
        response.headers_mut().insert(header::LOCATION, v);
    }
    Ok(response)
}

async fn existing(state: &AppState, wp: i64) -> Result<StaticPage, WpError> {
    let missing = || WpError::missing("rest_post_invalid_id", "Invalid post ID.");
    let local = ids::inward(state.store.as_ref(), Kind::Page, wp)
        .await?
        .ok_or_else(missing)?;
    state.store.page(local).await?.ok_or_else(missing)
}

/// `POST /wp/v2/pages`.
pub(crate) async fn create_page(
    State(state): State<Arc<AppState>>,
    caller: WpCaller,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, WpError> {
    may(&caller, "rest_cannot_create")?;
    let site = site(&state).await?;
    let draft = draft(&site, None, &fields(&headers, &body)?)?;
    let id = save(&state, None, &draft).await?;
    answer(&state, &site, id, StatusCode::CREATED).await
}

/// `POST`, `PUT` or `PATCH /wp/v2/pages/{id}`.
pub(crate) async fn update_page(
    State(state): State<Arc<AppState>>,
    caller: WpCaller,
    WpId(wp): WpId,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, WpError> {
    may(&caller, "rest_cannot_edit")?;
    let site = site(&state).await?;
    let current = existing(&state, wp).await?;
    let draft = draft(&site, Some(&current), &fields(&headers, &body)?)?;
    let id = save(&state, Some(current.id), &draft).await?;
    answer(&state, &site, id, StatusCode::OK).await
}

/// `DELETE /wp/v2/pages/{id}?force=true`.
pub(crate) async fn delete_page(
    State(state): State<Arc<AppState>>,
    caller: WpCaller,
    WpId(wp): WpId,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, WpError> {
    may(&caller, "rest_cannot_delete")?;
    let site = site(&state).await?;
    let current = existing(&state, wp).await?;
    if !super::write::forced(raw.as_deref(), &headers, &body)? {
        return Err(WpError::new(
            StatusCode::NOT_IMPLEMENTED,
            "rest_trash_not_supported",
            "The post does not support trashing. Set 'force' to true to delete.",
        ));
    }
    let previous = page(&site, &current, wp);
    state.store.delete_page(current.id).await?;
    Ok(json_response(
        StatusCode::OK,
        &json!({ "deleted": true, "previous": previous }),
    ))
}
