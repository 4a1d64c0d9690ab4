//! Ghost's Content API (`/ghost/api/content/`), read-only, for the front
//! ends and newsletter tools built on it: posts (articles), pages, tags
//! (sections and tags), authors and settings in Ghost's shapes, drawn
//! from the same store queries as `/api/v1/`. Every request carries a
//! Content API key (`?key=`, made in the admin or with `kiosque
//! content-key create`). `filter.rs` reads the part of Ghost's filter
//! language clients use; `content.rs` holds what the resources share,
//! `posts.rs`, `pages.rs` and `catalogue.rs` (tags, authors, settings)
//! draw them.

mod catalogue;
mod content;
mod filter;
mod pages;
mod posts;

use std::sync::Arc;

use axum::Router;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get};
use chrono::Utc;
use kiosque_core::service::auth;
use serde_json::{Value, json};

use crate::AppState;

/// The routes under `/ghost/api/content/`.
pub(crate) fn routes() -> Router<Arc<AppState>> {
    let at = |path: &str| format!("/ghost/api/content{path}");
    Router::new()
        .route(&at("/posts/"), get(posts::browse_posts))
        .route(&at("/posts/{id}/"), get(posts::read_post))
        .route(&at("/posts/slug/{slug}/"), get(posts::read_post_by_slug))
        .route(&at("/pages/"), get(pages::browse_pages))
        .route(&at("/pages/{id}/"), get(pages::read_page))
        .route(&at("/pages/slug/{slug}/"), get(pages::read_page_by_slug))
        .route(&at("/tags/"), get(catalogue::browse_tags))
        .route(&at("/tags/{id}/"), get(catalogue::read_tag))
        .route(&at("/tags/slug/{slug}/"), get(catalogue::read_tag_by_slug))
        .route(&at("/authors/"), get(catalogue::browse_authors))
        .route(&at("/authors/{id}/"), get(catalogue::read_author))
        .route(
            &at("/authors/slug/{slug}/"),
            get(catalogue::read_author_by_slug),
        )
        .route(&at("/settings/"), get(catalogue::settings))
        .route("/ghost/api/content/{*rest}", any(not_found))
        .method_not_allowed_fallback(not_found)
}

async fn not_found() -> GhostError {
    GhostError::not_found("Resource not found.")
}

/// An error as Ghost answers it: `{"errors": [{…}]}`.
#[derive(Debug)]
pub(crate) struct GhostError {
    status: StatusCode,
    kind: &'static str,
    message: &'static str,
    context: String,
}

impl GhostError {
    pub(crate) fn not_found(context: impl Into<String>) -> Self {
        GhostError {
            status: StatusCode::NOT_FOUND,
            kind: "NotFoundError",
            message: "Resource not found",
            context: context.into(),
        }
    }

    pub(crate) fn bad_request(context: impl Into<String>) -> Self {
        GhostError {
            status: StatusCode::BAD_REQUEST,
            kind: "BadRequestError",
            message: "Request not understood error, cannot process the request.",
            context: context.into(),
        }
    }

    fn internal(cause: impl std::fmt::Display) -> Self {
        tracing::error!(error = %cause, "Ghost API request failed");
        GhostError {
            status: StatusCode::INTERNAL_SERVER_ERROR,
            kind: "InternalServerError",
            message: "The server has encountered an error.",
            context: String::new(),
        }
    }
}

impl From<kiosque_core::Error> for GhostError {
    fn from(e: kiosque_core::Error) -> Self {
        match e {
            kiosque_core::Error::Unavailable(_) => {
                crate::error::answered_unavailable(&e);
                GhostError {
                    status: StatusCode::SERVICE_UNAVAILABLE,
                    kind: "InternalServerError",
                    message: "The server is temporarily unavailable.",
                    context: String::new(),
                }
            }
            other => GhostError::internal(crate::error::chain(&other)),
        }
    }
}

impl IntoResponse for GhostError {
    fn into_response(self) -> Response {
        let body = json!({ "errors": [{
            "message": self.message,
            "context": if self.context.is_empty() { Value::Null } else { Value::String(self.context) },
            "type": self.kind,
            "details": null,
            "property": null,
            "help": null,
            "code": null,
            "id": null,
            "ghostErrorCode": null,
        }]});
        (
            self.status,
            [
                (header::CONTENT_TYPE, "application/json; charset=utf-8"),
                (header::CACHE_CONTROL, "no-store"),
            ],
            body.to_string(),
        )
            .into_response()
    }
}

/// A request with a working Content API key.
pub(crate) struct Keyed;

/// A key's last use is written at most this often (seconds).
const TOUCH_EVERY: i64 = 60;

impl FromRequestParts<Arc<AppState>> for Keyed {
    type Rejection = GhostError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &Arc<AppState>,
    ) -> Result<Self, Self::Rejection> {
        let key = url::form_urlencoded::parse(parts.uri.query().unwrap_or_default().as_bytes())
            .find(|(k, _)| k == "key")
            .map(|(_, v)| v.into_owned());
        let Some(key) = key else {
            return Err(GhostError {
                status: StatusCode::FORBIDDEN,
                kind: "NoPermissionError",
                message: "Authorization failed",
                context: "Unable to determine the authenticated member or integration. \
                          Check the supplied Content API Key."
                    .into(),
            });
        };
        let unknown = || GhostError {
            status: StatusCode::UNAUTHORIZED,
            kind: "UnauthorizedError",
            message: "Unknown Content API Key",
            context: String::new(),
        };
        let found = state
            .store
            .content_key(&auth::token_hash(key.trim()))
            .await?
            .filter(|k| k.revoked_at.is_none())
            .ok_or_else(unknown)?;
        let now = Utc::now();
        if found
            .last_used_at
            .is_none_or(|t| (now - t).num_seconds() >= TOUCH_EVERY)
        {
            state.store.touch_content_key(found.id, now).await?;
        }
        Ok(Keyed)
    }
}

/// A JSON answer, with the version Ghost's clients ask for named back.
pub(crate) fn answer(value: &Value, version: Option<&HeaderValue>) -> Response {
    let mut response = (
        StatusCode::OK,
        [(header::CONTENT_TYPE, "application/json; charset=utf-8")],
        value.to_string(),
    )
        .into_response();
    let version = version
        .and_then(|v| v.to_str().ok())
        .filter(|v| v.len() < 20 && v.starts_with('v'))
        .unwrap_or("v5.0");
    if let Ok(v) = HeaderValue::from_str(version) {
        response.headers_mut().insert("content-version", v);
    }
    response
        .headers_mut()
        .insert(header::VARY, HeaderValue::from_static("Accept-Version"));
    response
}
