//! "Forgot your password?": a link by e-mail, valid once and for an hour.
//!
//! The answer to a request is the same whether or not the address has an
//! account, and the e-mail is sent after the answer, so neither the words
//! nor the timing tell who has an account.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum_extra::extract::Form;
use chrono::Utc;
use kiosque_core::model::Site;
use kiosque_core::service::auth;
use kiosque_core::types::Email;
use minijinja::context;
use serde::Deserialize;

use super::admin_context;
use crate::security::ClientIp;
use crate::{AppState, WebError};

/// How long a reset link works.
const LINK_LIFETIME: chrono::Duration = chrono::Duration::hours(1);

struct ResetPage<'a> {
    mode: &'static str,
    token: &'a str,
    message: Option<String>,
    problem: bool,
    status: StatusCode,
}

fn render(state: &AppState, site: &Site, page: ResetPage<'_>) -> Result<Response, WebError> {
    let strings = state.strings(site.language);
    let heading = strings.text(if page.mode == "choose" {
        "admin.reset_new_title"
    } else {
        "admin.reset_title"
    });
    let ctx = context! {
        heading => &heading,
        mode => page.mode,
        token => page.token,
        message => page.message,
        problem => page.problem,
        ..admin_context(state, site, None, &heading, "login", None)
    };
    let html = state.templates.render("admin/reset.html", ctx)?;
    Ok((page.status, Html(html)).into_response())
}

pub(crate) async fn ask_form(State(state): State<Arc<AppState>>) -> Result<Response, WebError> {
    let site = crate::site::load_site(&state).await?;
    let (mode, message) = if state.mailer.is_some() {
        ("ask", None)
    } else {
        (
            "none",
            Some(state.strings(site.language).text("admin.reset_unavailable")),
        )
    };
    render(
        &state,
        &site,
        ResetPage {
            mode,
            token: "",
            message,
            problem: false,
            status: StatusCode::OK,
        },
    )
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct AskForm {
    email: String,
}

/// Writes a reset link for `account` if it is a user's and mails it.
async fn send_reset_link(
    state: &AppState,
    site: &kiosque_core::model::Site,
    account: &str,
    mailer: Arc<dyn kiosque_core::ports::Mailer>,
) -> Result<(), WebError> {
    let Ok(email) = Email::parse(account) else {
        return Ok(());
    };
    let Some(user) = state.store.user_by_email(&email).await? else {
        return Ok(());
    };
    let strings = state.strings(site.language);
    let token = auth::new_token()?;
    state
        .store
        .create_password_reset(
            &auth::token_hash(&token),
            user.id,
            Utc::now() + LINK_LIFETIME,
        )
        .await?;
    let link = site.absolute_url(&format!("/admin/password-reset/{token}"));
    let subject = strings
        .text("admin.reset_mail_subject")
        .replace("{site}", &site.name);
    let body = strings
        .text("admin.reset_mail_body")
        .replace("{name}", &user.name)
        .replace("{site}", &site.name)
        .replace("{link}", &link);
    mailer.send(&user.email, &subject, &body).await?;
    Ok(())
}

pub(crate) async fn ask(
    State(state): State<Arc<AppState>>,
    ClientIp(ip): ClientIp,
    Form(form): Form<AskForm>,
) -> Result<Response, WebError> {
    let site = crate::site::load_site(&state).await?;
    let strings = state.strings(site.language);
    let Some(mailer) = state.mailer.clone() else {
        return ask_form(State(state)).await;
    };
    let account = form.email.trim().to_lowercase();
    let store = state.store.as_ref();
    let throttled = match state.login_by_address.check(store, ip).await? {
        Ok(()) => {
            state
                .login_by_account
                .check(store, format!("reset:{account}"))
                .await?
        }
        refused => refused,
    };
    if let Err(wait) = throttled {
        let message = super::login::throttled_text(strings, wait);
        let response = render(
            &state,
            &site,
            ResetPage {
                mode: "ask",
                token: "",
                message: Some(message),
                problem: true,
                status: StatusCode::TOO_MANY_REQUESTS,
            },
        )?;
        return Ok(super::login::with_retry_after(response, wait));
    }
    // Everything that depends on whether the address is known — the
    // lookup, the link written, the mail — happens after the answer, which
    // then takes the same time for a known address and an unknown one.
    let background = state.clone();
    let site_for_mail = site.clone();
    tokio::spawn(async move {
        if let Err(e) = send_reset_link(&background, &site_for_mail, &account, mailer).await {
            tracing::error!(error = ?e, "password reset e-mail not sent");
        }
    });
    render(
        &state,
        &site,
        ResetPage {
            mode: "sent",
            token: "",
            message: Some(strings.text("admin.reset_sent")),
            problem: false,
            status: StatusCode::OK,
        },
    )
}

fn invalid(state: &AppState, site: &Site) -> Result<Response, WebError> {
    render(
        state,
        site,
        ResetPage {
            mode: "ask",
            token: "",
            message: Some(state.strings(site.language).text("admin.reset_invalid")),
            problem: true,
            status: StatusCode::GONE,
        },
    )
}

pub(crate) async fn choose_form(
    State(state): State<Arc<AppState>>,
    Path(token): Path<String>,
) -> Result<Response, WebError> {
    let site = crate::site::load_site(&state).await?;
    if state
        .store
        .password_reset_user(&auth::token_hash(&token), Utc::now())
        .await?
        .is_none()
    {
        return invalid(&state, &site);
    }
    render(
        &state,
        &site,
        ResetPage {
            mode: "choose",
            token: &token,
            message: None,
            problem: false,
            status: StatusCode::OK,
        },
    )
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct ChooseForm {
    new: String,
    again: String,
}

pub(crate) async fn choose(
    State(state): State<Arc<AppState>>,
    Path(token): Path<String>,
    Form(form): Form<ChooseForm>,
) -> Result<Response, WebError> {
    let site = crate::site::load_site(&state).await?;
    let strings = state.strings(site.language);
    let hash = auth::token_hash(&token);
    let problem = if form.new != form.again {
        Some("admin.passwords_differ")
    } else if auth::check_new_password(&form.new).is_err() {
        Some("errors.password_too_short")
    } else {
        None
    };
    if let Some(key) = problem {
        return render(
            &state,
            &site,
            ResetPage {
                mode: "choose",
                token: &token,
                message: Some(strings.text(key)),
                problem: true,
                status: StatusCode::UNPROCESSABLE_ENTITY,
            },
        );
    }
    let password = form.new.clone();
    let new_hash = tokio::task::spawn_blocking(move || auth::hash_password(&password))
        .await
        .map_err(|e| WebError::Internal(format!("password hashing: {e}")))??;
    if !state
        .store
        .reset_password(&hash, &new_hash, Utc::now())
        .await?
    {
        return invalid(&state, &site);
    }
    tracing::info!("password reset through an e-mailed link");
    Ok(Redirect::to("/admin/login?reset=1").into_response())
}
