//! Signing in and out.
//!
//! An unknown address and a wrong password get the same message and take the
//! same time (the password check runs against a decoy hash), so the form
//! cannot be used to find out who has an account. Attempts are limited per
//! account and per address.

use std::sync::Arc;

use axum::extract::{Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum_extra::extract::CookieJar;
use axum_extra::extract::Form;
use chrono::Utc;
use kiosque_core::model::{Session, Site};
use kiosque_core::service::auth;
use kiosque_core::types::{Email, Permission};
use serde::Deserialize;

use super::admin_context;
use super::session::{self, Newsroom};
use crate::security::ClientIp;
use crate::{AppState, WebError};

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct LoginQuery {
    next: String,
    out: Option<String>,
    reset: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct LoginForm {
    email: String,
    password: String,
    next: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct CsrfForm {
    csrf: String,
}

/// Only paths inside the admin: `next` must not send anyone elsewhere.
fn safe_next(next: &str) -> &str {
    if next.starts_with("/admin/") && !next.contains("//") && !next.contains('\\') {
        next
    } else {
        "/admin/"
    }
}

fn render(
    state: &AppState,
    site: &Site,
    email: &str,
    next: &str,
    error: Option<String>,
    flash: Option<String>,
    status: StatusCode,
) -> Result<Response, WebError> {
    let strings = state.strings(site.language);
    let ctx = minijinja::context! {
        email, next, error,
        ..admin_context(state, site, None, &strings.text("admin.login_title"), "login", flash)
    };
    let html = state.templates.render("admin/login.html", ctx)?;
    Ok((status, Html(html)).into_response())
}

pub(crate) async fn form(
    State(state): State<Arc<AppState>>,
    jar: CookieJar,
    Query(query): Query<LoginQuery>,
) -> Result<Response, WebError> {
    let site = crate::site::load_site(&state).await?;
    if session::current(&state, &jar).await?.is_some() {
        return Ok(Redirect::to(safe_next(&query.next)).into_response());
    }
    let strings = state.strings(site.language);
    let flash = match (query.out, query.reset) {
        (_, Some(_)) => Some(strings.text("admin.reset_done")),
        (Some(_), None) => Some(strings.text("admin.logged_out")),
        (None, None) => None,
    };
    render(
        &state,
        &site,
        "",
        safe_next(&query.next),
        None,
        flash,
        StatusCode::OK,
    )
}

/// The sign-in allowance's refusal, in the site's language.
pub(super) fn throttled_text(strings: &crate::i18n::Strings, wait: u64) -> String {
    strings
        .text("admin.login_throttled")
        .replace("{seconds}", &wait.to_string())
}

/// `response`, telling the client when it may try again.
pub(super) fn with_retry_after(mut response: Response, wait: u64) -> Response {
    response
        .headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from(wait));
    response
}

pub(crate) async fn submit(
    State(state): State<Arc<AppState>>,
    ClientIp(ip): ClientIp,
    jar: CookieJar,
    Form(form): Form<LoginForm>,
) -> Result<Response, WebError> {
    let site = crate::site::load_site(&state).await?;
    let strings = state.strings(site.language);
    let next = safe_next(&form.next).to_owned();
    let account = form.email.trim().to_lowercase();
    let store = state.store.as_ref();
    let throttled = match state.login_by_address.check(store, ip).await? {
        Ok(()) => state.login_by_account.check(store, &account).await?,
        refused => refused,
    };
    if let Err(wait) = throttled {
        tracing::warn!(%ip, "sign-in attempts throttled");
        let message = throttled_text(strings, wait);
        let response = render(
            &state,
            &site,
            &form.email,
            &next,
            Some(message),
            None,
            StatusCode::TOO_MANY_REQUESTS,
        )?;
        return Ok(with_retry_after(response, wait));
    }
    let user = match Email::parse(&account) {
        Ok(email) => state.store.user_by_email(&email).await?,
        Err(_) => None,
    };
    let hash = user
        .as_ref()
        .and_then(|u| u.password_hash.clone())
        .unwrap_or_else(|| auth::decoy_hash().to_owned());
    let password = form.password.clone();
    let matches = tokio::task::spawn_blocking(move || auth::verify_password(&password, &hash))
        .await
        .map_err(|e| WebError::Internal(format!("password check: {e}")))?;
    let user = match user {
        Some(u) if matches && u.role.allows(Permission::UseAdmin) => u,
        _ => {
            tracing::info!(%ip, "failed sign-in");
            let mut response = render(
                &state,
                &site,
                &form.email,
                &next,
                Some(strings.text("admin.login_failed")),
                None,
                StatusCode::UNAUTHORIZED,
            )?;
            // 401 must name a scheme; this one is the form itself.
            response.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Form realm=\"Kiosque\""),
            );
            return Ok(response);
        }
    };
    let needs_code = user.totp_secret.is_some();
    let jar = session::open(&state, &site, jar, user.id, !needs_code).await?;
    tracing::info!(user = user.id, "signed in");
    let to = if needs_code {
        let next: String = url::form_urlencoded::byte_serialize(next.as_bytes()).collect();
        format!("/admin/login/code?next={next}")
    } else {
        next
    };
    Ok((jar, Redirect::to(&to)).into_response())
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct CodeForm {
    code: String,
    next: String,
}

fn render_code(
    state: &AppState,
    site: &Site,
    next: &str,
    error: Option<String>,
    status: StatusCode,
) -> Result<Response, WebError> {
    let strings = state.strings(site.language);
    let ctx = minijinja::context! {
        next, error,
        ..admin_context(state, site, None, &strings.text("admin.code_title"), "login", None)
    };
    let html = state.templates.render("admin/code.html", ctx)?;
    Ok((status, Html(html)).into_response())
}

/// The session waiting for its code, or the sign-in page.
async fn pending(
    state: &AppState,
    jar: &CookieJar,
) -> Result<Result<(Session, kiosque_core::model::User), Response>, WebError> {
    match session::current(state, jar).await? {
        Some(found) => Ok(Ok(found)),
        None => Ok(Err(Redirect::to("/admin/login").into_response())),
    }
}

pub(crate) async fn code_form(
    State(state): State<Arc<AppState>>,
    jar: CookieJar,
    Query(query): Query<LoginQuery>,
) -> Result<Response, WebError> {
    let site = crate::site::load_site(&state).await?;
    let (session, _) = match pending(&state, &jar).await? {
        Ok(found) => found,
        Err(redirect) => return Ok(redirect),
    };
    if session.verified {
        return Ok(Redirect::to(safe_next(&query.next)).into_response());
    }
    render_code(&state, &site, safe_next(&query.next), None, StatusCode::OK)
}

pub(crate) async fn code_submit(
    State(state): State<Arc<AppState>>,
    jar: CookieJar,
    Form(form): Form<CodeForm>,
) -> Result<Response, WebError> {
    let site = crate::site::load_site(&state).await?;
    let next = safe_next(&form.next).to_owned();
    let (session, user) = match pending(&state, &jar).await? {
        Ok(found) => found,
        Err(redirect) => return Ok(redirect),
    };
    if session.verified {
        return Ok(Redirect::to(&next).into_response());
    }
    let strings = state.strings(site.language);
    if let Err(wait) = state
        .login_by_account
        .check(state.store.as_ref(), format!("code:{}", user.id))
        .await?
    {
        let message = throttled_text(strings, wait);
        let response = render_code(
            &state,
            &site,
            &next,
            Some(message),
            StatusCode::TOO_MANY_REQUESTS,
        )?;
        return Ok(with_retry_after(response, wait));
    }
    let step = match user.totp_secret.as_deref() {
        Some(stored) => auth_code_step(&open_key(&state, user.id, stored)?, &form.code),
        None => None,
    };
    let accepted = match step {
        Some(step) => state.store.use_totp_step(user.id, step).await?,
        None => false,
    };
    if !accepted {
        tracing::info!(user = user.id, "wrong or replayed second-factor code");
        let mut response = render_code(
            &state,
            &site,
            &next,
            Some(strings.text("admin.wrong_code")),
            StatusCode::UNAUTHORIZED,
        )?;
        response.headers_mut().insert(
            header::WWW_AUTHENTICATE,
            HeaderValue::from_static("Form realm=\"Kiosque\""),
        );
        return Ok(response);
    }
    state.store.verify_session(&session.token_hash).await?;
    tracing::info!(user = user.id, "signed in with a second factor");
    Ok(Redirect::to(&next).into_response())
}

/// An account's two-step key as stored (sealed), opened. One that does not
/// open is the operator's to mend (a key missing from this server's
/// settings): logged with why, and a 500 for the user.
pub(crate) fn open_key(state: &AppState, account: i64, stored: &str) -> Result<String, WebError> {
    state
        .config
        .secrets
        .open(account, stored)
        .map_err(|e| WebError::Internal(format!("account {account}'s two-step key: {e}")))
}

/// The step of a code for now, if it is right.
pub(crate) fn auth_code_step(secret: &str, code: &str) -> Option<i64> {
    let now = u64::try_from(Utc::now().timestamp()).unwrap_or_default();
    kiosque_core::service::totp::matching_step(secret, code, now)
}

pub(crate) async fn logout(
    State(state): State<Arc<AppState>>,
    newsroom: Newsroom,
    jar: CookieJar,
    Form(form): Form<CsrfForm>,
) -> Result<Response, WebError> {
    newsroom.check_csrf(&form.csrf)?;
    state
        .store
        .delete_session(&newsroom.session.token_hash)
        .await?;
    let jar = jar.add(session::expired_cookie());
    Ok((jar, Redirect::to("/admin/login?out=1")).into_response())
}
