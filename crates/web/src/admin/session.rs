//! Who is signed in: the session cookie, checked on every admin request.

use std::sync::Arc;

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::cookie::{Cookie, CookieJar, SameSite};
use chrono::Utc;
use kiosque_core::model::{Session, Site, User};
use kiosque_core::service::auth::{same_secret, token_hash};
use kiosque_core::types::{CommentStatus, Permission};

use crate::{AppState, WebError};

/// Name of the session cookie.
pub(crate) const COOKIE: &str = "kiosque_session";

/// A signed-in newsroom member, with their session and the site. Handlers
/// that take it are reachable only when signed in; others are sent to the
/// sign-in page and brought back afterwards.
pub(crate) struct Newsroom {
    pub(crate) user: User,
    pub(crate) session: Session,
    pub(crate) site: Site,
    /// Comments awaiting moderation, for the header badge.
    pub(crate) pending: u64,
}

impl Newsroom {
    /// `NotAllowed` (403) unless the role grants `permission`.
    pub(crate) fn require(&self, permission: Permission) -> Result<(), WebError> {
        if self.user.role.allows(permission) {
            Ok(())
        } else {
            tracing::warn!(user = self.user.id, ?permission, "action refused to role");
            Err(WebError::NotAllowed)
        }
    }

    /// `Forbidden` (403) unless a form carries this session's token.
    pub(crate) fn check_csrf(&self, token: &str) -> Result<(), WebError> {
        if same_secret(token, &self.session.csrf_token) {
            Ok(())
        } else {
            tracing::warn!(
                user = self.user.id,
                "form without this session's token refused"
            );
            Err(WebError::Forbidden)
        }
    }
}

/// The session a request's cookie points to, if any and unexpired.
pub(crate) async fn current(
    state: &AppState,
    jar: &CookieJar,
) -> Result<Option<(Session, User)>, WebError> {
    match jar.get(COOKIE) {
        Some(cookie) => Ok(state
            .store
            .session(&token_hash(cookie.value()), Utc::now())
            .await?),
        None => Ok(None),
    }
}

impl FromRequestParts<Arc<AppState>> for Newsroom {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &Arc<AppState>,
    ) -> Result<Self, Self::Rejection> {
        let jar = CookieJar::from_headers(&parts.headers);
        let path = parts.uri.path().to_owned();
        let here = parts
            .uri
            .path_and_query()
            .map(|p| p.as_str().to_owned())
            .unwrap_or_else(|| "/admin/".to_owned());
        let back = |to: &str| {
            let next: String = url::form_urlencoded::byte_serialize(here.as_bytes()).collect();
            Redirect::to(&format!("{to}?next={next}")).into_response()
        };
        let found = async {
            // Read afresh: the newsroom edits what it sees.
            let site = crate::site::read_site(state).await?;
            let Some((session, user)) = current(state, &jar).await? else {
                return Ok(None);
            };
            let pending = if user.role.allows(Permission::ModerateComments) {
                state.store.count_comments(CommentStatus::Pending).await?
            } else {
                0
            };
            Ok::<_, WebError>(Some(Newsroom {
                user,
                session,
                site,
                pending,
            }))
        }
        .await
        .map_err(IntoResponse::into_response)?;
        let Some(newsroom) = found else {
            return Err(back("/admin/login"));
        };
        // Password given, code still owed: nothing opens until it is.
        if !newsroom.session.verified {
            return Err(back("/admin/login/code"));
        }
        // A site that requires a second factor for administrators sends one
        // without it to set it up, and nowhere else.
        let must_set_up = newsroom.site.require_admin_2fa
            && newsroom.user.role == kiosque_core::types::Role::Administrator
            && newsroom.user.totp_secret.is_none();
        if must_set_up && !path.starts_with("/admin/account") && path != "/admin/logout" {
            return Err(Redirect::to("/admin/account?setup=1").into_response());
        }
        Ok(newsroom)
    }
}

/// The session cookie: invisible to scripts, not sent on cross-site
/// requests, and over https only when the site is served over https.
pub(crate) fn session_cookie(
    token: String,
    secure: bool,
    max_age: std::time::Duration,
) -> Cookie<'static> {
    Cookie::build((COOKIE, token))
        .path("/")
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(secure)
        .max_age(time::Duration::seconds(
            i64::try_from(max_age.as_secs()).unwrap_or(i64::MAX),
        ))
        .build()
}

/// Opens a session for `user_id` and returns the cookie jar that carries
/// it. `verified` is false while a second-factor code is still owed.
pub(crate) async fn open(
    state: &AppState,
    site: &Site,
    jar: CookieJar,
    user_id: i64,
    verified: bool,
) -> Result<CookieJar, WebError> {
    let token = kiosque_core::service::auth::new_token()?;
    let now = Utc::now();
    let lifetime = state.config.session_lifetime;
    state
        .store
        .create_session(&Session {
            token_hash: token_hash(&token),
            user_id,
            csrf_token: kiosque_core::service::auth::new_token()?,
            created_at: now,
            expires_at: now
                + chrono::Duration::from_std(lifetime).unwrap_or(chrono::Duration::days(14)),
            verified,
        })
        .await?;
    let secure = site.base_url.starts_with("https://");
    Ok(jar.add(session_cookie(token, secure, lifetime)))
}

/// A cookie that removes the session cookie.
pub(crate) fn expired_cookie() -> Cookie<'static> {
    let mut c = Cookie::build((COOKIE, "")).path("/").build();
    c.make_removal();
    c
}
