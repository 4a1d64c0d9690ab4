//! Personal API tokens on one's account page: made (the secret shown
//! once, on the page that answers the form — never in an address),
//! listed with their last use, revoked.

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

/// The user's tokens as the page lists them.
pub(super) async fn views(state: &AppState, newsroom: &Newsroom) -> Result<Vec<Value>, WebError> {
    let strings = state.strings(newsroom.site.language);
    let now = Utc::now();
    let when = |t: chrono::DateTime<Utc>| strings.datetime(newsroom.site.local(t));
    Ok(state
        .store
        .api_tokens(newsroom.user.id)
        .await?
        .into_iter()
        .map(|t| {
            let state_key = if t.revoked_at.is_some() {
                "admin.token_revoked"
            } else if !t.works_at(now) {
                "admin.token_expired"
            } else if t.read_only {
                "admin.token_read_only"
            } else {
                "admin.token_active"
            };
            context! {
                id => t.id,
                name => t.name,
                state => strings.text(state_key),
                active => t.works_at(now),
                created => when(t.created_at),
                last_used => t.last_used_at.map(when),
                expires => t.expires_at.map(when),
            }
        })
        .collect())
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct TokenForm {
    csrf: String,
    name: String,
    /// `on` when ticked.
    read_only: Option<String>,
    /// Days until it stops working; empty: never.
    expires: String,
}

pub(crate) async fn create(
    State(state): State<Arc<AppState>>,
    newsroom: Newsroom,
    Form(form): Form<TokenForm>,
) -> Result<Response, WebError> {
    newsroom.check_csrf(&form.csrf)?;
    let strings = state.strings(newsroom.site.language);
    let refused = |key: &str| AccountPage {
        token_error: Some(strings.text(key)),
        status: StatusCode::UNPROCESSABLE_ENTITY,
        ..AccountPage::default()
    };
    let expires = match form.expires.trim() {
        "" => None,
        days => match days.parse::<u32>() {
            Ok(d) => Some(d),
            Err(_) => {
                return render_page(&state, &newsroom, refused("admin.token_expires_invalid"))
                    .await;
            }
        },
    };
    let made = auth::make_api_token(
        newsroom.user.id,
        &form.name,
        form.read_only.is_some(),
        expires,
        Utc::now(),
    );
    let (secret, token) = match made {
        Ok(made) => made,
        Err(Error::Invalid(fields)) => {
            let key = if fields.iter().any(|f| f.field == "expires") {
                "admin.token_expires_invalid"
            } else {
                "admin.token_name_invalid"
            };
            return render_page(&state, &newsroom, refused(key)).await;
        }
        Err(e) => return Err(e.into()),
    };
    let token = state.store.create_api_token(&token).await?;
    tracing::info!(user = newsroom.user.id, token = token.id, "API token made");
    let made = Made {
        title: "admin.tokens",
        made: "admin.token_made",
        label: "admin.token_secret",
        input_id: "new-token",
        back: "/admin/account#tokens-title",
        name: token.name,
        secret,
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
    state
        .store
        .revoke_api_token(newsroom.user.id, id, Utc::now())
        .await?;
    tracing::info!(user = newsroom.user.id, token = id, "API token revoked");
    Ok(Redirect::to("/admin/account?token=revoked").into_response())
}
