//! `/api/v1/`: the JSON API beside `site/` and `admin/`. Content (public,
//! read-only, cacheable) and the newsroom (with a personal token), each
//! handler registered with its OpenAPI description (utoipa-axum: route and
//! description come from one place, so they cannot drift).

mod accounts;
mod article_in;
pub(crate) mod auth;
mod body;
mod content;
mod error;
mod events;
mod extract;
mod idempotency;
mod media;
mod moderation;
mod newsroom;
mod pages;
mod reference;
mod revisions;
mod settings;
mod spec;
mod terms;
mod webhooks;
mod wire;

use std::sync::Arc;

use axum::Router;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use utoipa::OpenApi as _;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use error::ApiError;
pub use events::webhook_message;

use crate::AppState;

/// The API's routes and their description; photo uploads may be as large
/// as `upload_limit`, other bodies 2 MB.
fn described(upload_limit: usize) -> (Router<Arc<AppState>>, utoipa::openapi::OpenApi) {
    let uploads = OpenApiRouter::new()
        .routes(routes!(media::upload_photo))
        .layer(axum::extract::DefaultBodyLimit::max(upload_limit));
    OpenApiRouter::with_openapi(spec::ApiDoc::openapi())
        .merge(uploads)
        .routes(routes!(content::list_articles))
        .routes(routes!(content::get_article))
        .routes(routes!(content::list_article_comments))
        .routes(routes!(content::list_sections))
        .routes(routes!(content::get_section))
        .routes(routes!(content::list_tags))
        .routes(routes!(content::get_tag))
        .routes(routes!(content::list_authors))
        .routes(routes!(content::get_author))
        .routes(routes!(content::list_pages))
        .routes(routes!(content::get_page))
        .routes(routes!(content::search))
        .routes(routes!(content::get_site))
        .routes(routes!(newsroom::get_me))
        .routes(routes!(
            newsroom::list_desk_articles,
            newsroom::create_article
        ))
        .routes(routes!(
            newsroom::get_desk_article,
            newsroom::update_article,
            newsroom::delete_article
        ))
        .routes(routes!(revisions::list_revisions))
        .routes(routes!(revisions::restore_revision))
        .routes(routes!(moderation::list_comment_queue))
        .routes(routes!(moderation::moderate_comment))
        .routes(routes!(moderation::delete_comment))
        .routes(routes!(moderation::reply_to_comment))
        .routes(routes!(terms::create_section))
        .routes(routes!(terms::update_section, terms::delete_section))
        .routes(routes!(terms::create_tag))
        .routes(routes!(terms::update_tag, terms::delete_tag))
        .routes(routes!(media::get_photo, media::describe_photo))
        .routes(routes!(pages::create_page))
        .routes(routes!(pages::update_page, pages::delete_page))
        .routes(routes!(accounts::list_users, accounts::create_user))
        .routes(routes!(accounts::get_user, accounts::update_user))
        .routes(routes!(settings::get_settings, settings::update_settings))
        .routes(routes!(webhooks::list_webhooks, webhooks::create_webhook))
        .routes(routes!(
            webhooks::get_webhook,
            webhooks::update_webhook,
            webhooks::delete_webhook
        ))
        .routes(routes!(webhooks::list_webhook_deliveries))
        .routes(routes!(webhooks::retry_webhook_delivery))
        .split_for_parts()
}

/// The OpenAPI document, as served at `/api/v1/openapi.json`.
pub fn openapi() -> utoipa::openapi::OpenApi {
    spec::finish(described(0).1)
}

/// The API, with its description and a JSON 404 for any other address
/// under `/api/`.
pub(crate) fn routes(upload_limit: usize) -> Router<Arc<AppState>> {
    let (router, api) = described(upload_limit);
    let api = Arc::new(spec::finish(api));
    let document: Arc<str> = api
        .to_json()
        .unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"))
        .into();
    router
        // Bodies up to an article's longest text, in JSON (a photo's route
        // has its own limit, set closer to it, which wins).
        .layer(axum::extract::DefaultBodyLimit::max(2 * 1024 * 1024))
        .route(
            "/api/v1/openapi.json",
            get(move || {
                let document = document.clone();
                async move {
                    (
                        [
                            (
                                header::CONTENT_TYPE,
                                HeaderValue::from_static("application/json"),
                            ),
                            (
                                header::CACHE_CONTROL,
                                HeaderValue::from_static("public, max-age=300"),
                            ),
                        ],
                        document.to_string(),
                    )
                }
            }),
        )
        .route(
            "/api/v1/docs",
            get(move |state| reference::page(state, api.clone())),
        )
        .route("/api", get(not_found).post(not_found))
        .route("/api/{*rest}", axum::routing::any(not_found))
        .method_not_allowed_fallback(method_not_allowed)
}

async fn not_found() -> ApiError {
    ApiError::not_found()
}

async fn method_not_allowed() -> Response {
    ApiError::new(
        "method_not_allowed",
        "This address does not take this method.",
    )
    .into_response()
}

/// Which web pages may call the API from a browser: none unless the
/// administrator lists their origins (`[api] cors_origins`).
pub(crate) fn cors(origins: &[String]) -> tower_http::cors::CorsLayer {
    use tower_http::cors::{AllowOrigin, CorsLayer};
    let layer = CorsLayer::new()
        .allow_methods([
            axum::http::Method::GET,
            axum::http::Method::POST,
            axum::http::Method::PATCH,
            axum::http::Method::PUT,
            axum::http::Method::DELETE,
        ])
        .allow_headers([
            header::AUTHORIZATION,
            header::CONTENT_TYPE,
            header::IF_MATCH,
            header::IF_NONE_MATCH,
            axum::http::HeaderName::from_static("idempotency-key"),
        ])
        .expose_headers([header::ETAG, header::RETRY_AFTER])
        .max_age(std::time::Duration::from_secs(600));
    if origins.iter().any(|o| o == "*") {
        return layer.allow_origin(AllowOrigin::any());
    }
    let list: Vec<HeaderValue> = origins
        .iter()
        .filter_map(|o| HeaderValue::from_str(o.trim_end_matches('/')).ok())
        .collect();
    layer.allow_origin(AllowOrigin::list(list))
}
