//! The newsroom's admin at `/admin`: sign-in, the dashboard and the comment
//! moderation queue. Server-rendered like the public site; every
//! state-changing form carries the session's anti-forgery token and every
//! handler checks the role's permission.

mod articles;
mod comments;
mod dashboard;
mod editor;
mod login;
mod revisions;
mod session;

use std::sync::Arc;

use axum::Router;
use axum::http::{HeaderValue, header};
use axum::routing::{get, post};
use kiosque_core::model::Site;
use kiosque_core::types::Permission;
use minijinja::{Value, context};
use tower_http::set_header::SetResponseHeaderLayer;

pub(crate) use session::Newsroom;

use crate::AppState;
use crate::views::page_context;

pub(crate) fn routes() -> Router<Arc<AppState>> {
    Router::new()
        .route(
            "/admin",
            get(|| async { crate::site::moved_permanently("/admin/") }),
        )
        .route("/admin/", get(dashboard::show))
        .route("/admin/login", get(login::form).post(login::submit))
        .route("/admin/logout", post(login::logout))
        .route("/admin/comments", get(comments::queue).post(comments::act))
        .route("/admin/articles", get(articles::list))
        .route("/admin/articles/new", get(editor::new).post(editor::create))
        .route(
            "/admin/articles/{id}/edit",
            get(editor::edit).post(editor::update),
        )
        .route("/admin/articles/{id}/preview", get(editor::preview))
        .route("/admin/articles/{id}/revisions", get(revisions::list))
        .route(
            "/admin/articles/{id}/revisions/{version}/restore",
            post(revisions::restore),
        )
        // Newsroom pages are personal: never stored by a browser or a proxy.
        .layer(SetResponseHeaderLayer::overriding(
            header::CACHE_CONTROL,
            HeaderValue::from_static("no-store"),
        ))
}

/// Variables every admin page has, on top of the public ones.
fn admin_context(
    state: &AppState,
    site: &Site,
    newsroom: Option<&Newsroom>,
    title: &str,
    section: &str,
    flash: Option<String>,
) -> Value {
    let (user, csrf, pending, can) = match newsroom {
        Some(n) => (
            Some(context! { name => &n.user.name }),
            Some(n.session.csrf_token.clone()),
            n.pending,
            context! { moderate => n.user.role.allows(Permission::ModerateComments) },
        ),
        None => (None, None, 0, context! { moderate => false }),
    };
    context! {
        user, csrf, pending, can, section, flash,
        admin_css_url => &state.templates.admin_css_path,
        ..page_context(state, site, Some(title), None, None)
    }
}
