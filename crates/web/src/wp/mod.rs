//! WordPress's REST API (`/wp-json/wp/v2/`), for the apps, automations
//! and partners' readers built on it before the move: a thin adapter that
//! draws WordPress's shapes from the same store queries, search and
//! services as `/api/v1/`. Imported things answer at their WordPress ids
//! (`ids.rs`); query parameters are read as WordPress's clients send them
//! (`query.rs`); `respond.rs` holds what every answer shares (`context`,
//! `_embed`, `_fields`, paging headers); `error.rs` WordPress's error
//! shape. Discovery (`index.rs`) as WordPress does it: the `/wp-json/`
//! index, a `Link` header and `<link>` on pages, `?rest_route=`.

mod auth;
mod comments;
mod error;
mod ids;
mod index;
mod media;
mod page_write;
mod pages;
mod posts;
pub(crate) mod query;
mod respond;
mod settings;
mod terms;
mod upload;
mod users;
mod write;

use std::sync::Arc;

use axum::Router;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, Uri, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get};
use tower::ServiceExt as _;

use crate::AppState;
use error::WpError;

/// The routes under `/wp-json/`; a photo may be as large as
/// `upload_limit`, other bodies 2 MB.
pub(crate) fn routes(state: Arc<AppState>, upload_limit: usize) -> Router<Arc<AppState>> {
    let v2 = |path: &str| format!("/wp-json/wp/v2{path}");
    let uploads = Router::new()
        .route(
            &v2("/media"),
            get(media::list_media).post(upload::upload_media),
        )
        .layer(axum::extract::DefaultBodyLimit::max(upload_limit));
    Router::new()
        .merge(uploads)
        .route("/wp-json", get(index::root))
        .route("/wp-json/", get(index::root))
        .route("/wp-json/wp/v2", get(index::namespace))
        .route("/wp-json/wp/v2/", get(index::namespace))
        .route(
            &v2("/posts"),
            get(posts::list_posts).post(write::create_post),
        )
        .route(
            &v2("/posts/{id}"),
            get(posts::get_post)
                .post(write::update_post)
                .put(write::update_post)
                .patch(write::update_post)
                .delete(write::delete_post),
        )
        .route(
            &v2("/pages"),
            get(pages::list_pages).post(page_write::create_page),
        )
        .route(
            &v2("/pages/{id}"),
            get(pages::get_page)
                .post(page_write::update_page)
                .put(page_write::update_page)
                .patch(page_write::update_page)
                .delete(page_write::delete_page),
        )
        .route(&v2("/categories"), get(terms::list_categories))
        .route(&v2("/categories/{id}"), get(terms::get_category))
        .route(&v2("/tags"), get(terms::list_tags))
        .route(&v2("/tags/{id}"), get(terms::get_tag))
        .route(&v2("/users"), get(users::list_users))
        .route(&v2("/users/{id}"), get(users::get_user))
        .route(&v2("/media/{id}"), get(media::get_media))
        .route(
            &v2("/comments"),
            get(comments::list_comments).post(comments::create_comment),
        )
        .route(&v2("/comments/{id}"), get(comments::get_comment))
        .route(&v2("/search"), get(index::search))
        .route(
            &v2("/settings"),
            get(settings::get_settings)
                .post(settings::update_settings)
                .put(settings::update_settings)
                .patch(settings::update_settings),
        )
        .route(&v2("/taxonomies"), get(index::list_taxonomies))
        .route(&v2("/taxonomies/{taxonomy}"), get(index::get_taxonomy))
        .route(&v2("/types"), get(index::list_types))
        .route(&v2("/types/{type}"), get(index::get_type))
        .route(&v2("/statuses"), get(index::list_statuses))
        .route(&v2("/statuses/{status}"), get(index::get_status))
        .route("/wp-json/{*rest}", any(no_route))
        .method_not_allowed_fallback(no_route)
        .layer(axum::extract::DefaultBodyLimit::max(2 * 1024 * 1024))
        .layer(axum::middleware::from_fn_with_state(state, method_override))
}

/// A `POST` standing for another method (`X-HTTP-Method-Override: PUT`
/// or `?_method=DELETE`), as WordPress takes it from clients and proxies
/// that send only GET and POST: asked again with that method.
async fn method_override(
    State(state): State<Arc<AppState>>,
    request: Request,
    next: Next,
) -> Response {
    if request.method() != axum::http::Method::POST {
        return next.run(request).await;
    }
    let named = request
        .headers()
        .get("x-http-method-override")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
        .or_else(|| {
            url::form_urlencoded::parse(request.uri().query().unwrap_or_default().as_bytes())
                .find(|(k, _)| k == "_method")
                .map(|(_, v)| v.into_owned())
        });
    let method = match named.map(|m| m.to_ascii_uppercase()).as_deref() {
        Some("PUT") => axum::http::Method::PUT,
        Some("PATCH") => axum::http::Method::PATCH,
        Some("DELETE") => axum::http::Method::DELETE,
        _ => return next.run(request).await,
    };
    let Some(router) = state.router.lock().ok().and_then(|r| r.clone()) else {
        return next.run(request).await;
    };
    let (mut parts, body) = request.into_parts();
    parts.method = method;
    parts.headers.remove("x-http-method-override");
    again(router, parts, body).await
}

/// Asks the whole router again: routed afresh (the first routing's
/// matched path is dropped), from the same peer.
async fn again(
    router: Router,
    mut parts: axum::http::request::Parts,
    body: axum::body::Body,
) -> Response {
    let peer = parts
        .extensions
        .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
        .cloned();
    parts.extensions = axum::http::Extensions::new();
    if let Some(peer) = peer {
        parts.extensions.insert(peer);
    }
    match router.oneshot(Request::from_parts(parts, body)).await {
        Ok(response) => response,
        Err(never) => match never {},
    }
}

async fn no_route() -> WpError {
    WpError::no_route()
}

/// The address a `?rest_route=/wp/v2/posts&…` request stands for (on a
/// site without pretty permalinks, WordPress's clients fall back to it).
fn rest_route_target(uri: &Uri) -> Option<String> {
    let query = uri.query()?;
    let mut route = None;
    let mut rest: Vec<(String, String)> = Vec::new();
    for (k, v) in url::form_urlencoded::parse(query.as_bytes()) {
        if k == "rest_route" {
            route = Some(v.into_owned());
        } else {
            rest.push((k.into_owned(), v.into_owned()));
        }
    }
    let route = route?;
    let route = if route.starts_with('/') {
        route
    } else {
        format!("/{route}")
    };
    // Only a path: nothing that would make it another host or a query.
    if route.contains(['?', '#', '\\']) || route.contains("//") {
        return None;
    }
    let mut target = format!("/wp-json{route}");
    if !rest.is_empty() {
        target.push('?');
        target.push_str(
            &url::form_urlencoded::Serializer::new(String::new())
                .extend_pairs(rest)
                .finish(),
        );
    }
    Some(target)
}

/// Answers `/?rest_route=…` as the API address it names, and tells every
/// HTML page's reader where the API is (`Link: <…/wp-json/>;
/// rel="https://api.w.org/"`, as WordPress does).
pub(crate) async fn discovery(
    State(state): State<Arc<AppState>>,
    request: Request,
    next: Next,
) -> Response {
    let path = request.uri().path();
    if (path == "/" || path == "/index.php")
        && let Some(target) = rest_route_target(request.uri())
    {
        let router = state.router.lock().ok().and_then(|r| r.clone());
        let (mut parts, body) = request.into_parts();
        let Ok(uri) = target.parse::<Uri>() else {
            return WpError::no_route().into_response();
        };
        parts.uri = uri;
        let Some(router) = router else {
            return WpError::no_route().into_response();
        };
        return again(router, parts, body).await;
    }
    let mut response = next.run(request).await;
    let html = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/html"));
    if html
        && response.status().is_success()
        && let Ok(site) = crate::site::load_site(&state).await
        && let Ok(value) = HeaderValue::from_str(&format!(
            "<{}>; rel=\"https://api.w.org/\"",
            site.absolute_url("/wp-json/")
        ))
    {
        response.headers_mut().append(header::LINK, value);
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rest_route_names_an_api_address_and_nothing_else() {
        let uri: Uri = "/?rest_route=/wp/v2/posts&per_page=2".parse().unwrap();
        assert_eq!(
            rest_route_target(&uri).as_deref(),
            Some("/wp-json/wp/v2/posts?per_page=2")
        );
        let uri: Uri = "/?rest_route=%2Fwp%2Fv2%2Fposts%2F42".parse().unwrap();
        assert_eq!(
            rest_route_target(&uri).as_deref(),
            Some("/wp-json/wp/v2/posts/42")
        );
        for bad in [
            "/?p=42",
            "/?rest_route=//evil.example/x",
            "/?rest_route=/wp/v2/posts%3Fx=1",
        ] {
            let uri: Uri = bad.parse().unwrap();
            assert_eq!(rest_route_target(&uri), None, "{bad}");
        }
    }
}
