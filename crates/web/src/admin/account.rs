//! One's own account: password change, two-step verification, and the
//! personal API tokens (`tokens.rs`).

use std::sync::Arc;

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum_extra::extract::{CookieJar, Form};
use kiosque_core::service::{auth, totp};
use kiosque_core::types::Role;
use minijinja::context;
use serde::Deserialize;

use super::admin_context;
use super::login::{auth_code_step, open_key};
use super::session::{self, Newsroom};
use crate::{AppState, WebError};

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct AccountQuery {
    setup: Option<String>,
    password: Option<String>,
    totp: Option<String>,
    token: Option<String>,
    app_password: Option<String>,
}

/// Whether this user may turn the second factor off.
fn can_disable(newsroom: &Newsroom) -> bool {
    !(newsroom.site.require_admin_2fa && newsroom.user.role == Role::Administrator)
}

async fn render(
    state: &AppState,
    newsroom: &Newsroom,
    setup_required: bool,
    error: Option<String>,
    flash: Option<String>,
    status: StatusCode,
) -> Result<Response, WebError> {
    let page = AccountPage {
        setup_required,
        error,
        flash,
        status,
        ..AccountPage::default()
    };
    render_page(state, newsroom, page).await
}

/// What the account page shows beyond the account itself.
#[derive(Debug, Default)]
pub(super) struct AccountPage {
    pub(super) setup_required: bool,
    pub(super) error: Option<String>,
    pub(super) flash: Option<String>,
    pub(super) status: StatusCode,
    /// Why a token was not made.
    pub(super) token_error: Option<String>,
    /// Why an Application Password was not made.
    pub(super) app_password_error: Option<String>,
}

pub(super) async fn render_page(
    state: &AppState,
    newsroom: &Newsroom,
    page: AccountPage,
) -> Result<Response, WebError> {
    let AccountPage {
        setup_required,
        error,
        flash,
        status,
        token_error,
        app_password_error,
    } = page;
    let strings = state.strings(newsroom.site.language);
    let tokens = super::tokens::views(state, newsroom).await?;
    let app_passwords = super::app_passwords::views(state, newsroom).await?;
    let me = context! {
        name => &newsroom.user.name,
        email => newsroom.user.email.as_str(),
        role => strings.text(&format!("admin.role_{}", newsroom.user.role)),
        totp => newsroom.user.totp_secret.is_some(),
    };
    let title = strings.text("admin.account");
    let ctx = context! {
        me, error, setup_required, tokens, token_error,
        app_passwords, app_password_error,
        api_root => newsroom.site.absolute_url("/wp-json/"),
        can_disable => can_disable(newsroom),
        ..admin_context(state, &newsroom.site, Some(newsroom), &title, "account", flash)
    };
    let html = state.templates.render("admin/account.html", ctx)?;
    Ok((status, Html(html)).into_response())
}

/// A secret just made — a token, an Application Password — and where it
/// belongs on the account page.
pub(super) struct Made {
    /// Translation keys: the page's title, the sentence that names it
    /// (with `{name}`), the secret's label.
    pub(super) title: &'static str,
    pub(super) made: &'static str,
    pub(super) label: &'static str,
    pub(super) input_id: &'static str,
    pub(super) back: &'static str,
    pub(super) name: String,
    pub(super) secret: String,
}

/// The secret on a page of its own (201): it is copied there, away from
/// the lists; and the answer is the same whatever the account already
/// holds. (It was the account page, whose token list grows with every
/// secret made: Wapiti's boolean-blind SQL test read that growth as the
/// payload's effect, issue 22.)
pub(super) async fn render_made(
    state: &AppState,
    newsroom: &Newsroom,
    made: Made,
) -> Result<Response, WebError> {
    let strings = state.strings(newsroom.site.language);
    let title = strings.text(made.title);
    let ctx = context! {
        made => strings.text(made.made).replace("{name}", &made.name),
        label => strings.text(made.label),
        input_id => made.input_id,
        secret => made.secret,
        back => made.back,
        ..admin_context(state, &newsroom.site, Some(newsroom), &title, "account", None)
    };
    let html = state.templates.render("admin/secret_made.html", ctx)?;
    Ok((StatusCode::CREATED, Html(html)).into_response())
}

pub(crate) async fn show(
    State(state): State<Arc<AppState>>,
    newsroom: Newsroom,
    Query(query): Query<AccountQuery>,
) -> Result<Response, WebError> {
    let strings = state.strings(newsroom.site.language);
    let flash = if query.password.is_some() {
        Some(strings.text("admin.password_changed"))
    } else if query.token.is_some() {
        Some(strings.text("admin.token_revoked_flash"))
    } else if query.app_password.is_some() {
        Some(strings.text("admin.app_password_revoked_flash"))
    } else {
        match query.totp.as_deref() {
            Some("on") => Some(strings.text("admin.two_factor_enabled")),
            Some("off") => Some(strings.text("admin.two_factor_disabled")),
            _ => None,
        }
    };
    let setup_required = query.setup.is_some() && newsroom.user.totp_secret.is_none();
    render(
        &state,
        &newsroom,
        setup_required,
        None,
        flash,
        StatusCode::OK,
    )
    .await
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct PasswordForm {
    csrf: String,
    current: String,
    new: String,
    again: String,
}

pub(crate) async fn change_password(
    State(state): State<Arc<AppState>>,
    newsroom: Newsroom,
    jar: CookieJar,
    Form(form): Form<PasswordForm>,
) -> Result<Response, WebError> {
    newsroom.check_csrf(&form.csrf)?;
    let strings = state.strings(newsroom.site.language);
    let refuse = |key: &str| {
        render(
            &state,
            &newsroom,
            false,
            Some(strings.text(key)),
            None,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
    };
    if form.new != form.again {
        return refuse("admin.passwords_differ").await;
    }
    if auth::check_new_password(&form.new).is_err() {
        return refuse("errors.password_too_short").await;
    }
    // A borrowed session must not become a way to guess the password:
    // the current one is checked under the account's sign-in allowance.
    if let Err(wait) = state
        .login_by_account
        .check(
            state.store.as_ref(),
            format!("password:{}", newsroom.user.id),
        )
        .await?
    {
        let message = super::login::throttled_text(strings, wait);
        let response = render(
            &state,
            &newsroom,
            false,
            Some(message),
            None,
            StatusCode::TOO_MANY_REQUESTS,
        )
        .await?;
        return Ok(super::login::with_retry_after(response, wait));
    }
    let hash = newsroom.user.password_hash.clone().unwrap_or_default();
    let (current, new) = (form.current.clone(), form.new.clone());
    let checked = tokio::task::spawn_blocking(move || {
        auth::verify_password(&current, &hash).then(|| auth::hash_password(&new))
    })
    .await
    .map_err(|e| WebError::Internal(format!("password hashing: {e}")))?;
    let Some(new_hash) = checked.transpose()? else {
        return refuse("admin.wrong_password").await;
    };
    // Every session ends, this one included; this browser gets a new one.
    state
        .store
        .set_password_hash(newsroom.user.id, &new_hash)
        .await?;
    let jar = session::open(&state, &newsroom.site, jar, newsroom.user.id, true).await?;
    tracing::info!(user = newsroom.user.id, "password changed");
    Ok((jar, Redirect::to("/admin/account?password=1")).into_response())
}

/// The setup page: a fresh secret, as a QR code and as text.
async fn render_setup(
    state: &AppState,
    newsroom: &Newsroom,
    secret: &str,
    error: Option<String>,
    status: StatusCode,
) -> Result<Response, WebError> {
    let strings = state.strings(newsroom.site.language);
    let url = totp::setup_url(secret, &newsroom.site.name, newsroom.user.email.as_str())?;
    let qr = qrcode::QrCode::new(url.as_bytes())
        .map_err(|e| WebError::Internal(format!("QR code: {e}")))?
        .render::<qrcode::render::svg::Color<'_>>()
        .min_dimensions(200, 200)
        .build();
    // Inline in HTML: no XML declaration, and a name for screen readers.
    let qr = qr[qr.find("<svg").unwrap_or(0)..].replacen(
        "<svg",
        &format!(
            "<svg role=\"img\" aria-label=\"{}\"",
            kiosque_core::markup::escape_html(&strings.text("admin.qr_label"))
        ),
        1,
    );
    let title = strings.text("admin.enable_two_factor");
    let ctx = context! {
        qr, secret, error,
        ..admin_context(state, &newsroom.site, Some(newsroom), &title, "account", None)
    };
    let html = state.templates.render("admin/totp.html", ctx)?;
    Ok((status, Html(html)).into_response())
}

/// The key of the account's set-up under way (made, sealed and kept the
/// first time), opened.
async fn pending_key(state: &AppState, newsroom: &Newsroom) -> Result<String, WebError> {
    let id = newsroom.user.id;
    let fresh = state.config.secrets.seal(id, &totp::new_secret()?)?;
    let stored = state.store.pending_totp(id, &fresh).await?;
    open_key(state, id, &stored)
}

pub(crate) async fn totp_setup(
    State(state): State<Arc<AppState>>,
    newsroom: Newsroom,
) -> Result<Response, WebError> {
    let secret = pending_key(&state, &newsroom).await?;
    render_setup(&state, &newsroom, &secret, None, StatusCode::OK).await
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct TotpForm {
    csrf: String,
    code: String,
}

pub(crate) async fn totp_enable(
    State(state): State<Arc<AppState>>,
    newsroom: Newsroom,
    Form(form): Form<TotpForm>,
) -> Result<Response, WebError> {
    newsroom.check_csrf(&form.csrf)?;
    // The key is the one the server made for this set-up, never one sent
    // back by the browser; a code made from it proves the phone holds it.
    // (`pending_totp` keeps the key under way; the fresh one is used only
    // if none is, e.g. a form posted without the set-up page.)
    let secret = pending_key(&state, &newsroom).await?;
    let Some(step) = auth_code_step(&secret, &form.code) else {
        let error = state
            .strings(newsroom.site.language)
            .text("admin.wrong_code");
        return render_setup(
            &state,
            &newsroom,
            &secret,
            Some(error),
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    };
    let sealed = state.config.secrets.seal(newsroom.user.id, &secret)?;
    state
        .store
        .set_totp_secret(newsroom.user.id, Some(&sealed))
        .await?;
    state.store.use_totp_step(newsroom.user.id, step).await?;
    tracing::info!(user = newsroom.user.id, "two-step verification on");
    Ok(Redirect::to("/admin/account?totp=on").into_response())
}

pub(crate) async fn totp_disable(
    State(state): State<Arc<AppState>>,
    newsroom: Newsroom,
    Form(form): Form<TotpForm>,
) -> Result<Response, WebError> {
    newsroom.check_csrf(&form.csrf)?;
    if !can_disable(&newsroom) {
        return Err(WebError::NotAllowed);
    }
    let Some(stored) = newsroom.user.totp_secret.as_deref() else {
        return Ok(Redirect::to("/admin/account").into_response());
    };
    let secret = open_key(&state, newsroom.user.id, stored)?;
    let accepted = match auth_code_step(&secret, &form.code) {
        Some(step) => state.store.use_totp_step(newsroom.user.id, step).await?,
        None => false,
    };
    if !accepted {
        let error = state
            .strings(newsroom.site.language)
            .text("admin.wrong_code");
        return render(
            &state,
            &newsroom,
            false,
            Some(error),
            None,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    }
    state.store.set_totp_secret(newsroom.user.id, None).await?;
    tracing::info!(user = newsroom.user.id, "two-step verification off");
    Ok(Redirect::to("/admin/account?totp=off").into_response())
}
