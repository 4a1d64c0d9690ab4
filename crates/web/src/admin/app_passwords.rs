//! WordPress Application Passwords on one's account page: made (the
//! password shown once, on the page that answers the form), listed with
//! when each was made and last used, revoked.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::Form;
use chrono::Utc;
use kiosque_core::Error;
use kiosque_core::service::auth;
use minijinja::Value;
use minijinja::context;
use serde::Deserialize;

use super::account::{AccountPage, Made, render_made, render_page};
use super::session::Newsroom;
use crate::{AppState, WebError};

/// The user's Application Passwords as the page lists them.
pub(super) async fn views(state: &AppState, newsroom: &Newsroom) -> Result<Vec<Value>, WebError> {
    let strings = state.strings(newsroom.site.language);
    let when = |t: chrono::DateTime<Utc>| strings.datetime(newsroom.site.local(t));
    Ok(state
        .store
        .app_passwords(newsroom.user.id)
        .await?
        .into_iter()
        .map(|(p, _)| {
            context! {
                id => p.id,
                name => p.name,
                created => when(p.created_at),
                last_used => p.last_used_at.map(when),
            }
        })
        .collect())
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct AppPasswordForm {
    csrf: String,
    name: String,
}

pub(crate) async fn create(
    State(state): State<Arc<AppState>>,
    newsroom: Newsroom,
    Form(form): Form<AppPasswordForm>,
) -> Result<Response, WebError> {
    newsroom.check_csrf(&form.csrf)?;
    let user_id = newsroom.user.id;
    let made = tokio::task::spawn_blocking(move || {
        auth::make_app_password(user_id, &form.name, Utc::now())
    })
    .await
    .map_err(|e| WebError::Internal(format!("hashing: {e}")))?;
    let (password, new) = match made {
        Ok(made) => made,
        Err(Error::Invalid(_)) => {
            let strings = state.strings(newsroom.site.language);
            let page = AccountPage {
                app_password_error: Some(strings.text("admin.app_password_name_invalid")),
                status: StatusCode::UNPROCESSABLE_ENTITY,
                ..AccountPage::default()
            };
            return render_page(&state, &newsroom, page).await;
        }
        Err(e) => return Err(e.into()),
    };
    let stored = state.store.create_app_password(&new).await?;
    tracing::info!(
        user = user_id,
        app_password = stored.id,
        "Application Password made"
    );
    let made = Made {
        title: "admin.app_passwords",
        made: "admin.app_password_made",
        label: "admin.app_password_secret",
        input_id: "new-app-password",
        back: "/admin/account#app-passwords",
        name: stored.name,
        secret: auth::app_password_shown(&password),
    };
    render_made(&state, &newsroom, made).await
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
    newsroom.check_csrf(&form.csrf)?;
    if state
        .store
        .revoke_app_password(newsroom.user.id, id)
        .await?
    {
        tracing::info!(
            user = newsroom.user.id,
            app_password = id,
            "Application Password revoked"
        );
    }
    Ok(Redirect::to("/admin/account?app_password=revoked#app-passwords").into_response())
}
