//! Who calls WordPress's API: nobody, or an account signed in as
//! WordPress's clients do it — HTTP Basic with the account's e-mail (or
//! its imported WordPress login) and one of its Application Passwords —
//! or with a Kiosque API token (`Bearer kq_…`). A header that is there but
//! does not sign anyone in is refused with 401, as WordPress does.
//!
//! Application Passwords are kept as Argon2id hashes, slow to check on
//! purpose; a password that checked out is remembered (by its SHA-256,
//! with the user) so the next requests cost one query, not one hash: a
//! revoked password's row is gone, and with it what the memory points at.

use std::sync::{Arc, LazyLock};

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{StatusCode, header};
use base64::Engine as _;
use chrono::Utc;
use kiosque_core::model::User;
use kiosque_core::service::auth;
use kiosque_core::types::{Email, Permission};
use sha2::{Digest, Sha256};

use super::error::WpError;
use crate::AppState;

/// A password's last use is written at most this often (seconds).
const TOUCH_EVERY: i64 = 60;

/// Passwords that checked out: SHA-256 of the user and password → the
/// Application Password's id.
static CHECKED: LazyLock<quick_cache::sync::Cache<[u8; 32], i64>> =
    LazyLock::new(|| quick_cache::sync::Cache::new(10_000));

/// The caller of a WordPress API request.
#[derive(Debug, Clone, Default)]
pub(crate) struct WpCaller {
    pub(crate) user: Option<User>,
    /// Signed in with a read-only API token.
    read_only: bool,
}

impl WpCaller {
    /// The user, for a change `permission` allows: 401 for nobody, 403
    /// for a role without it, in WordPress's words.
    pub(crate) fn may(
        &self,
        permission: Permission,
        code: &'static str,
        message: &str,
    ) -> Result<&User, WpError> {
        let Some(user) = &self.user else {
            return Err(WpError::unauthorized(code, message));
        };
        if self.read_only || !user.role.allows(permission) {
            return Err(WpError::new(StatusCode::FORBIDDEN, code, message));
        }
        Ok(user)
    }
}

impl FromRequestParts<Arc<AppState>> for WpCaller {
    type Rejection = WpError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &Arc<AppState>,
    ) -> Result<Self, Self::Rejection> {
        if let Some(caller) = parts.extensions.get::<WpCaller>() {
            return Ok(caller.clone());
        }
        let caller = identify(parts, state).await?;
        parts.extensions.insert(caller.clone());
        Ok(caller)
    }
}

async fn identify(parts: &mut Parts, state: &Arc<AppState>) -> Result<WpCaller, WpError> {
    let Some(value) = parts.headers.get(header::AUTHORIZATION) else {
        return Ok(WpCaller::default());
    };
    let value = value.to_str().unwrap_or_default().trim().to_owned();
    let (scheme, rest) = value.split_once(' ').unwrap_or((value.as_str(), ""));
    if scheme.eq_ignore_ascii_case("bearer") {
        let caller = crate::api::auth::Caller::from_request_parts(parts, state)
            .await
            .map_err(|_| {
                WpError::unauthorized("rest_forbidden", "This token does not sign anyone in.")
            })?;
        return Ok(match caller.signed {
            Some((user, token)) => WpCaller {
                user: Some(user),
                read_only: token.read_only,
            },
            None => WpCaller::default(),
        });
    }
    if !scheme.eq_ignore_ascii_case("basic") {
        return Err(WpError::unauthorized(
            "rest_not_logged_in",
            "Send an Application Password with HTTP Basic authentication.",
        ));
    }
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(rest.trim())
        .ok()
        .and_then(|b| String::from_utf8(b).ok())
        .ok_or_else(|| {
            WpError::unauthorized("rest_not_logged_in", "Malformed Basic credentials.")
        })?;
    let (login, password) = decoded.split_once(':').ok_or_else(|| {
        WpError::unauthorized("rest_not_logged_in", "Malformed Basic credentials.")
    })?;
    let user = account(state, login).await?;
    let wrong = || {
        WpError::unauthorized(
            "incorrect_password",
            "The provided password is an invalid application password.",
        )
    };
    let Some(user) = user else {
        return Err(if login.contains('@') {
            WpError::unauthorized(
                "invalid_email",
                "Unknown email address. Check again or try your username.",
            )
        } else {
            WpError::unauthorized(
                "invalid_username",
                "Unknown username. Check again or try your email address.",
            )
        });
    };
    let sent = auth::app_password_sent(password).ok_or_else(wrong)?;
    let key: [u8; 32] = Sha256::new()
        .chain_update(user.id.to_be_bytes())
        .chain_update(sent.as_bytes())
        .finalize()
        .into();
    let passwords = state.store.app_passwords(user.id).await?;
    let remembered = CHECKED
        .get(&key)
        .and_then(|id| passwords.iter().find(|(p, _)| p.id == id));
    let found = match remembered {
        Some((p, _)) => p.clone(),
        None => {
            // Hashes are checked only after the account's limit allows:
            // guessing costs the guesser, not the server.
            state
                .login_by_account
                .check(state.store.as_ref(), format!("app:{}", user.id))
                .await?
                .map_err(|wait| {
                    WpError::new(
                        StatusCode::TOO_MANY_REQUESTS,
                        "too_many_attempts",
                        format!("Too many failed attempts: try again in {wait} s."),
                    )
                })?;
            let candidates = passwords.clone();
            let sent = sent.clone();
            let matched = tokio::task::spawn_blocking(move || {
                candidates
                    .into_iter()
                    .find(|(_, hash)| auth::verify_password(&sent, hash))
                    .map(|(p, _)| p)
            })
            .await
            .map_err(WpError::internal)?
            .ok_or_else(wrong)?;
            CHECKED.insert(key, matched.id);
            matched
        }
    };
    let now = Utc::now();
    if found
        .last_used_at
        .is_none_or(|t| (now - t).num_seconds() >= TOUCH_EVERY)
    {
        state.store.touch_app_password(found.id, now).await?;
    }
    Ok(WpCaller {
        user: Some(user),
        read_only: false,
    })
}

/// The account a Basic user name names: its e-mail, or the login it had
/// on the WordPress site it was imported from.
async fn account(state: &AppState, login: &str) -> Result<Option<User>, WpError> {
    if let Ok(email) = Email::parse(login)
        && let Some(user) = state.store.user_by_email(&email).await?
    {
        return Ok(Some(user));
    }
    let imported = state.store.imported_as("user", &[login.to_owned()]).await?;
    match imported.first() {
        Some((_, id)) => Ok(state.store.user(*id).await?),
        None => Ok(None),
    }
}
