//! The newsroom's admin at `/admin`: sign-in, the dashboard and the comment
//! moderation queue. Server-rendered like the public site; every
//! state-changing form carries the session's anti-forgery token and every
//! handler checks the role's permission.

mod account;
mod app_passwords;
mod articles;
mod authors;
mod charts;
mod comments;
mod content_keys;
mod dashboard;
mod desk;
mod editor;
mod front;
mod gallery;
mod login;
mod media;
mod menus;
mod newsletters;
mod pages;
mod photo;
mod reset;
mod revisions;
pub(crate) mod session;
pub(crate) mod settings;
mod stats;
mod terms;
mod tokens;
mod upload;
mod users;
mod webhooks;

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

/// Largest editor form: a 1 MB body, percent-encoded (accents take up to
/// nine bytes each).
const EDITOR_BODY_LIMIT: usize = 4 * 1024 * 1024;

pub(crate) fn routes(upload_limit: usize) -> Router<Arc<AppState>> {
    // Room for the largest image allowed plus the form around it; anything
    // larger is refused while being read.
    let uploads = axum::extract::DefaultBodyLimit::max(upload_limit);
    Router::new()
        .merge(newsletters::routes(upload_limit))
        .route(
            "/admin/articles/{id}/image",
            post(photo::upload).layer(uploads),
        )
        .route("/admin/settings/logo", post(settings::logo).layer(uploads))
        .route(
            "/admin/authors/{id}/photo",
            post(authors::photo).layer(uploads),
        )
        .route(
            "/admin/media",
            get(media::library).post(media::upload).layer(uploads),
        )
        .route("/admin/media/{id}", get(media::item).post(media::change))
        .route("/admin/editor/media", get(desk::media))
        .route("/admin/editor/articles", get(desk::articles))
        .route("/admin/account/editor-mode", post(desk::set_mode))
        .route("/admin/articles/{id}/presence", post(desk::beat))
        .route("/admin/articles/{id}/take-over", post(desk::take_over))
        .route(
            "/admin",
            get(|| async { crate::site::moved_permanently("/admin/") }),
        )
        .route("/admin/", get(dashboard::show))
        .route("/admin/stats", get(stats::overview))
        .route("/admin/stats/now", get(stats::now))
        .route("/admin/stats/export.csv", get(stats::export))
        .route("/admin/stats/articles/{id}", get(stats::article))
        .route("/admin/login", get(login::form).post(login::submit))
        .route(
            "/admin/login/code",
            get(login::code_form).post(login::code_submit),
        )
        .route(
            "/admin/password-reset",
            get(reset::ask_form).post(reset::ask),
        )
        .route(
            "/admin/password-reset/{token}",
            get(reset::choose_form).post(reset::choose),
        )
        .route("/admin/account", get(account::show))
        .route("/admin/account/password", post(account::change_password))
        .route("/admin/account/tokens", post(tokens::create))
        .route("/admin/account/tokens/{id}/revoke", post(tokens::revoke))
        .route("/admin/account/app-passwords", post(app_passwords::create))
        .route(
            "/admin/content-keys",
            get(content_keys::list).post(content_keys::create),
        )
        .route(
            "/admin/content-keys/{id}/revoke",
            post(content_keys::revoke),
        )
        .route(
            "/admin/account/app-passwords/{id}/revoke",
            post(app_passwords::revoke),
        )
        .route(
            "/admin/account/totp",
            get(account::totp_setup).post(account::totp_enable),
        )
        .route("/admin/account/totp/disable", post(account::totp_disable))
        .route("/admin/logout", post(login::logout))
        .route("/admin/comments", get(comments::queue).post(comments::act))
        .route("/admin/comments/{id}/reply", post(comments::reply))
        .route("/admin/settings", get(settings::form).post(settings::save))
        .route(
            "/admin/webhooks",
            get(webhooks::list).post(webhooks::create),
        )
        .route(
            "/admin/webhooks/{id}",
            get(webhooks::show).post(webhooks::act),
        )
        .route(
            "/admin/webhooks/{id}/deliveries/{delivery}/retry",
            post(webhooks::retry),
        )
        .route("/admin/users", get(users::list).post(users::create))
        .route("/admin/users/{id}/role", post(users::set_role))
        .route("/admin/authors", get(authors::list))
        .route(
            "/admin/authors/{id}",
            get(authors::edit).post(authors::save),
        )
        .merge(terms::routes(kiosque_core::model::TermKind::Category))
        .merge(terms::routes(kiosque_core::model::TermKind::Tag))
        .route("/admin/pages", get(pages::list))
        .route("/admin/menus", get(menus::show).post(menus::change))
        .route("/admin/front", get(front::show).post(front::change))
        .route(
            "/admin/pages/new",
            get(pages::new)
                .post(pages::create)
                .layer(axum::extract::DefaultBodyLimit::max(EDITOR_BODY_LIMIT)),
        )
        .route(
            "/admin/pages/{id}",
            get(pages::edit)
                .post(pages::change)
                .layer(axum::extract::DefaultBodyLimit::max(EDITOR_BODY_LIMIT)),
        )
        .route("/admin/articles", get(articles::list))
        // Long reads are long: the editor's forms get more room than the
        // site's 256 KB default.
        .route(
            "/admin/articles/new",
            get(editor::new)
                .post(editor::create)
                .layer(axum::extract::DefaultBodyLimit::max(EDITOR_BODY_LIMIT)),
        )
        .route(
            "/admin/articles/{id}/edit",
            get(editor::edit)
                .post(editor::update)
                .layer(axum::extract::DefaultBodyLimit::max(EDITOR_BODY_LIMIT)),
        )
        .route("/admin/articles/{id}/preview", get(editor::preview))
        .route("/admin/articles/{id}/delete", post(articles::delete))
        .route(
            "/admin/articles/{id}/gallery",
            get(gallery::show).post(gallery::change),
        )
        .route(
            "/admin/articles/{id}/autosave",
            post(editor::autosave).layer(axum::extract::DefaultBodyLimit::max(EDITOR_BODY_LIMIT)),
        )
        .route(
            "/admin/preview",
            post(editor::live_preview)
                .layer(axum::extract::DefaultBodyLimit::max(EDITOR_BODY_LIMIT)),
        )
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

/// A JSON answer to one of the admin's scripts (autosave, the visual
/// editor's dialogs and uploads).
pub(crate) fn json(
    status: axum::http::StatusCode,
    value: impl serde::Serialize,
) -> axum::response::Response {
    use axum::response::IntoResponse;
    let body = serde_json::to_string(&value).unwrap_or_else(|_| "null".into());
    (status, [(header::CONTENT_TYPE, "application/json")], body).into_response()
}

/// A refused field as a form shows it: in the summary at the top, and next
/// to the field.
#[derive(serde::Serialize)]
pub(crate) struct ErrorView {
    field: &'static str,
    label: String,
    message: String,
}

/// The messages of refused fields, by field and as a summary list.
/// `label_key` gives the translation key of each field's label.
pub(crate) fn error_views(
    strings: &crate::i18n::Strings,
    errors: &[kiosque_core::FieldError],
    label_key: impl Fn(&str) -> String,
) -> (
    std::collections::HashMap<&'static str, String>,
    Vec<ErrorView>,
) {
    let message = |e: &kiosque_core::FieldError| strings.text(&format!("errors.{}", e.code));
    let by_field = errors.iter().map(|e| (e.field, message(e))).collect();
    let list = errors
        .iter()
        .map(|e| ErrorView {
            field: e.field,
            label: strings.text(&label_key(e.field)),
            message: message(e),
        })
        .collect();
    (by_field, list)
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
            context! {
                moderate => n.user.role.allows(Permission::ModerateComments),
                front => n.user.role.allows(Permission::EditOthers),
                authors => n.user.role.allows(Permission::ManageTaxonomy),
                terms => n.user.role.allows(Permission::ManageTaxonomy),
                pages => n.user.role.allows(Permission::ManagePages),
                media => n.user.role.allows(Permission::UploadMedia),
                stats => n.user.role.allows(Permission::PublishOwn),
                settings => n.user.role.allows(Permission::ManageSettings),
                users => n.user.role.allows(Permission::ManageUsers),
            },
        ),
        None => (
            None,
            None,
            0,
            context! {
                moderate => false, front => false, authors => false, terms => false, pages => false, media => false, stats => false,
                settings => false,
                users => false,
            },
        ),
    };
    context! {
        user, csrf, pending, can, section, flash,
        admin_css_url => &state.templates.admin_css_path,
        admin_js_url => &state.templates.admin_js_path,
        ..page_context(state, site, Some(title), None, None)
    }
}
