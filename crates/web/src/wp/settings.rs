//! `/wp/v2/settings`, for administrators: the site's settings as
//! WordPress names them, changed through the admin's own rule
//! (`SettingsForm::apply`). Only what Kiosque has: the title, the
//! tagline, the time zone, the language and whether comments are open.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use kiosque_core::model::Site;
use kiosque_core::types::Permission;
use serde_json::{Value, json};

use super::auth::WpCaller;
use super::error::WpError;
use super::posts::site;
use super::respond::json_response;
use super::write::fields;
use crate::AppState;
use crate::admin::settings::SettingsForm;

fn shown(site: &Site) -> Value {
    let language = match site.language.code() {
        "fr" => "fr_FR",
        _ => "en_US",
    };
    json!({
        "title": site.name,
        "description": site.tagline,
        "url": site.base_url.trim_end_matches('/'),
        "timezone": site.time_zone.name(),
        "date_format": "j F Y",
        "time_format": "G\\hi",
        "start_of_week": 1,
        "language": language,
        "use_smilies": false,
        "default_category": 0,
        "default_post_format": "0",
        "posts_per_page": 20,
        "show_on_front": "posts",
        "page_on_front": 0,
        "page_for_posts": 0,
        "default_ping_status": "closed",
        "default_comment_status": "open",
        "site_logo": Value::Null,
        "site_icon": 0,
    })
}

fn admin(caller: &WpCaller) -> Result<(), WpError> {
    caller
        .may(
            Permission::ManageSettings,
            "rest_forbidden",
            "Sorry, you are not allowed to do that.",
        )
        .map(|_| ())
}

/// `GET /wp/v2/settings`.
pub(crate) async fn get_settings(
    State(state): State<Arc<AppState>>,
    caller: WpCaller,
) -> Result<Response, WpError> {
    admin(&caller)?;
    let site = site(&state).await?;
    Ok(json_response(StatusCode::OK, &shown(&site)))
}

/// `POST`, `PUT` or `PATCH /wp/v2/settings`.
pub(crate) async fn update_settings(
    State(state): State<Arc<AppState>>,
    caller: WpCaller,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, WpError> {
    admin(&caller)?;
    let site = site(&state).await?;
    let sent = fields(&headers, &body)?;
    let text = |name: &str| sent.get(name).and_then(Value::as_str).map(str::to_owned);
    let mut form = SettingsForm::from_site(&site);
    if let Some(title) = text("title") {
        form.name = kiosque_transfer::content::plain_text(&title);
    }
    if let Some(description) = text("description") {
        form.tagline = kiosque_transfer::content::plain_text(&description);
    }
    if let Some(zone) = text("timezone") {
        form.time_zone = zone;
    }
    if let Some(language) = text("language") {
        form.language = match language.split(['_', '-']).next().unwrap_or_default() {
            "fr" => "fr".into(),
            "en" | "" => "en".into(),
            _ => {
                return Err(WpError::invalid_param(
                    "language",
                    "language is fr_FR or en_US here.",
                ));
            }
        };
    }
    let next = form.apply(&site).map_err(|errors| {
        let (field, code) = errors
            .first()
            .map(|e| (e.field, e.code))
            .unwrap_or(("title", "invalid"));
        let name = match field {
            "name" => "title",
            "tagline" => "description",
            "time_zone" => "timezone",
            other => other,
        };
        WpError::invalid_param(name, code)
    })?;
    state.store.save_site(&next).await?;
    tracing::info!("settings changed through WordPress's API");
    Ok(json_response(StatusCode::OK, &shown(&next)))
}
