//! Ghost Content API keys, for administrators: made (the key shown once,
//! on the page that answers the form), listed with their last use,
//! revoked.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum_extra::extract::Form;
use chrono::Utc;
use kiosque_core::service::auth;
use kiosque_core::types::Permission;
use minijinja::context;
use serde::Deserialize;

use super::admin_context;
use super::session::Newsroom;
use crate::{AppState, WebError};

async fn render(
    state: &AppState,
    newsroom: &Newsroom,
    made: Option<(String, String)>,
    error: Option<String>,
    flash: Option<String>,
    status: StatusCode,
) -> Result<Response, WebError> {
    let strings = state.strings(newsroom.site.language);
    let when = |t: chrono::DateTime<Utc>| strings.datetime(newsroom.site.local(t));
    let keys: Vec<minijinja::Value> = state
        .store
        .content_keys()
        .await?
        .into_iter()
        .map(|k| {
            context! {
                id => k.id,
                name => k.name,
                active => k.revoked_at.is_none(),
                state => strings.text(if k.revoked_at.is_some() { "admin.token_revoked" } else { "admin.token_active" }),
                created => when(k.created_at),
                last_used => k.last_used_at.map(when),
            }
        })
        .collect();
    let title = strings.text("admin.content_keys");
    let ctx = context! {
        keys, error,
        made => made.map(|(name, key)| context! { name, key }),
        api_root => newsroom.site.absolute_url("/ghost/api/content/"),
        ..admin_context(state, &newsroom.site, Some(newsroom), &title, "content_keys", flash)
    };
    let html = state.templates.render("admin/content_keys.html", ctx)?;
    Ok((status, Html(html)).into_response())
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct Done {
    done: Option<String>,
}

pub(crate) async fn list(
    State(state): State<Arc<AppState>>,
    newsroom: Newsroom,
    axum::extract::Query(done): axum::extract::Query<Done>,
) -> Result<Response, WebError> {
    newsroom.require(Permission::ManageSettings)?;
    let flash = done.done.filter(|d| d == "revoked").map(|_| {
        state
            .strings(newsroom.site.language)
            .text("admin.content_key_revoked_flash")
    });
    render(&state, &newsroom, None, None, flash, StatusCode::OK).await
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct KeyForm {
    csrf: String,
    name: String,
}

pub(crate) async fn create(
    State(state): State<Arc<AppState>>,
    newsroom: Newsroom,
    Form(form): Form<KeyForm>,
) -> Result<Response, WebError> {
    newsroom.require(Permission::ManageSettings)?;
    newsroom.check_csrf(&form.csrf)?;
    let name = form.name.split_whitespace().collect::<Vec<_>>().join(" ");
    if name.is_empty() || name.chars().count() > 100 {
        let why = state
            .strings(newsroom.site.language)
            .text("admin.token_name_invalid");
        return render(
            &state,
            &newsroom,
            None,
            Some(why),
            None,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    }
    let (key, hash) = auth::new_content_key()?;
    let made = state
        .store
        .create_content_key(&name, &hash, Utc::now())
        .await?;
    tracing::info!(
        user = newsroom.user.id,
        key = made.id,
        "Content API key made"
    );
    render(
        &state,
        &newsroom,
        Some((made.name, key)),
        None,
        None,
        StatusCode::CREATED,
    )
    .await
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct RevokeForm {
    csrf: String,
}

pub(crate) async fn revoke(
    State(state): State<Arc<AppState>>,
    newsroom: Newsroom,
    Path(id): Path<i64>,
    Form(form): Form<RevokeForm>,
) -> Result<Response, WebError> {
    newsroom.require(Permission::ManageSettings)?;
    newsroom.check_csrf(&form.csrf)?;
    state.store.revoke_content_key(id, Utc::now()).await?;
    tracing::info!(user = newsroom.user.id, key = id, "Content API key revoked");
    Ok(Redirect::to("/admin/content-keys?done=revoked").into_response())
}
