//! Who is calling: nobody (public content), or a user through a personal
//! token sent as `Authorization: Bearer kq_…`. A header that is there but
//! not a working token is refused with 401 everywhere, public endpoints
//! included: a client with a broken token learns it at once instead of
//! silently reading as a stranger.

use std::sync::Arc;

use axum::extract::FromRequestParts;
use axum::http::header;
use axum::http::request::Parts;
use chrono::Utc;
use kiosque_core::model::{ApiToken, User};
use kiosque_core::service::auth;
use kiosque_core::types::Permission;

use super::error::ApiError;
use crate::AppState;

/// A token's last use is written at most this often (seconds): a busy
/// integration would otherwise write on every request.
const TOUCH_EVERY: i64 = 60;

/// The caller of an API request.
#[derive(Debug, Clone)]
pub(crate) struct Caller {
    /// The token's user and the token, if one was sent.
    pub(crate) signed: Option<(User, ApiToken)>,
}

impl Caller {
    /// The user, for an endpoint that needs one and may change things:
    /// 401 without a token, 403 for a read-only token or a role without
    /// `permission`.
    pub(crate) fn writer(&self, permission: Permission) -> Result<&User, ApiError> {
        let (user, token) = self.reader()?;
        if token.read_only {
            return Err(ApiError::forbidden("This token is read-only."));
        }
        if !user.role.allows(permission) {
            return Err(ApiError::forbidden(format!(
                "A {} may not do this.",
                user.role
            )));
        }
        Ok(user)
    }

    /// The user, for an endpoint that reads what only `permission` may
    /// see (read-only tokens welcome): 401 without a token, 403 for a role
    /// without it.
    pub(crate) fn viewer(&self, permission: Permission) -> Result<&User, ApiError> {
        let (user, _) = self.reader()?;
        if !user.role.allows(permission) {
            return Err(ApiError::forbidden(format!(
                "A {} may not see this.",
                user.role
            )));
        }
        Ok(user)
    }

    /// The user and token, for an endpoint that only reads the newsroom's
    /// side: 401 without a token.
    pub(crate) fn reader(&self) -> Result<(&User, &ApiToken), ApiError> {
        self.signed.as_ref().map(|(u, t)| (u, t)).ok_or_else(|| {
            ApiError::new(
                "invalid_token",
                "This needs a token: `Authorization: Bearer kq_…`.",
            )
        })
    }
}

impl FromRequestParts<Arc<AppState>> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &Arc<AppState>,
    ) -> Result<Self, Self::Rejection> {
        if let Some(caller) = parts.extensions.get::<Caller>() {
            return Ok(caller.clone());
        }
        let caller = identify(parts, state).await?;
        // Every API call that changes something needs a token: refused
        // here, before its body is read, so an anonymous caller learns
        // nothing of what the body should hold (a 401, not a 422).
        if !parts.method.is_safe() {
            caller.reader()?;
        }
        parts.extensions.insert(caller.clone());
        Ok(caller)
    }
}

async fn identify(parts: &Parts, state: &AppState) -> Result<Caller, ApiError> {
    let Some(value) = parts.headers.get(header::AUTHORIZATION) else {
        return Ok(Caller { signed: None });
    };
    let refused = |why: &str| ApiError::new("invalid_token", why.to_owned());
    let secret = value
        .to_str()
        .ok()
        .and_then(|v| {
            let (scheme, token) = v.split_once(' ')?;
            scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
        })
        .filter(|t| t.starts_with(auth::API_TOKEN_PREFIX))
        .ok_or_else(|| refused("`Authorization` must be `Bearer kq_…`."))?;
    let now = Utc::now();
    let (token, user) = state
        .store
        .api_token(&auth::token_hash(secret))
        .await?
        .ok_or_else(|| refused("This token is not known."))?;
    if token.revoked_at.is_some() {
        return Err(refused("This token was revoked."));
    }
    if !token.works_at(now) {
        return Err(refused("This token has expired."));
    }
    if let Err(wait) = state.api_limiter.check(&token.id) {
        return Err(ApiError::rate_limited(wait));
    }
    if token
        .last_used_at
        .is_none_or(|t| (now - t).num_seconds() >= TOUCH_EVERY)
    {
        state.store.touch_api_token(token.id, now).await?;
    }
    Ok(Caller {
        signed: Some((user, token)),
    })
}
