//! Newsroom accounts through the API (administrators): listed, made (with
//! the admin's rule, `auth::check_new_account`), and given another role
//! (with `If-Match`: the account's `ETag`; never one's own, so a site is
//! never left without an administrator).

use std::sync::Arc;

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use chrono::Utc;
use kiosque_core::Error;
use kiosque_core::model::{NewUser, User};
use kiosque_core::service::auth;
use kiosque_core::types::{Permission, Role};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::auth::Caller;
use super::body::{Body, Known};
use super::content::site_of;
use super::error::{ApiError, ErrorBody};
use super::extract::{Audience, Ids, check_if_match, etag_of, written};
use super::wire::time;
use crate::AppState;

/// A role, least to most powerful.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub(crate) enum RoleParam {
    Contributor,
    Author,
    Editor,
    Administrator,
}

impl RoleParam {
    fn of(role: Role) -> Self {
        match role {
            Role::Contributor => RoleParam::Contributor,
            Role::Author => RoleParam::Author,
            Role::Editor => RoleParam::Editor,
            Role::Administrator => RoleParam::Administrator,
        }
    }

    fn domain(self) -> Role {
        match self {
            RoleParam::Contributor => Role::Contributor,
            RoleParam::Author => Role::Author,
            RoleParam::Editor => Role::Editor,
            RoleParam::Administrator => Role::Administrator,
        }
    }
}

/// A newsroom account, as administrators see it.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct AccountOut {
    id: i64,
    name: String,
    /// Its sign-in address (private: administrators only).
    email: String,
    role: RoleParam,
    /// Whether it signs in with a second factor.
    two_factor: bool,
    created_at: String,
}

impl AccountOut {
    fn new(site: &kiosque_core::model::Site, u: &User) -> Self {
        AccountOut {
            id: u.id,
            name: u.name.clone(),
            email: u.email.as_str().to_owned(),
            role: RoleParam::of(u.role),
            two_factor: u.totp_secret.is_some(),
            created_at: time(site, u.created_at),
        }
    }
}

/// A new account.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct AccountIn {
    #[schema(max_length = 100, example = "Awa Diop")]
    name: Option<String>,
    #[schema(example = "awa@example.org")]
    email: Option<String>,
    role: Option<RoleParam>,
    /// At least 10 characters; stored as an Argon2id hash.
    #[schema(min_length = 10, max_length = 1000)]
    password: Option<String>,
}

impl Known for AccountIn {
    const FIELDS: &'static [&'static str] = &["name", "email", "role", "password"];
}

/// Another role for an account.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct RoleIn {
    role: Option<RoleParam>,
}

impl Known for RoleIn {
    const FIELDS: &'static [&'static str] = &["role"];
}

async fn shown(state: &AppState, id: i64) -> Result<Vec<u8>, ApiError> {
    let site = site_of(state).await?;
    let user = state
        .store
        .user(id)
        .await?
        .ok_or_else(ApiError::not_found)?;
    serde_json::to_vec(&AccountOut::new(&site, &user)).map_err(ApiError::internal)
}

/// Every account, by name.
#[utoipa::path(
    get,
    path = "/api/v1/newsroom/users",
    tag = "administration",
    operation_id = "list_users",
    security(("token" = [])),
    responses(
        (status = 200, description = "The accounts.", body = Vec<AccountOut>),
        (status = 403, description = "Not an administrator.", body = ErrorBody),
    ),
)]
pub(crate) async fn list_users(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    caller.viewer(Permission::ManageUsers)?;
    let site = site_of(&state).await?;
    let list: Vec<AccountOut> = state
        .store
        .users()
        .await?
        .iter()
        .map(|u| AccountOut::new(&site, u))
        .collect();
    super::extract::json(&headers, Audience::Private, &list)
}

/// One account; its `ETag` is what `If-Match` names to change its role.
#[utoipa::path(
    get,
    path = "/api/v1/newsroom/users/{id}",
    tag = "administration",
    operation_id = "get_user",
    security(("token" = [])),
    params(("id" = i64, Path, description = "The account's id.")),
    responses(
        (status = 200, description = "The account.", body = AccountOut),
        (status = 403, description = "Not an administrator.", body = ErrorBody),
        (status = 404, description = "No such account.", body = ErrorBody),
    ),
)]
pub(crate) async fn get_user(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    headers: HeaderMap,
    Ids(id): Ids<i64>,
) -> Result<Response, ApiError> {
    caller.viewer(Permission::ManageUsers)?;
    let site = site_of(&state).await?;
    let user = state
        .store
        .user(id)
        .await?
        .ok_or_else(ApiError::not_found)?;
    super::extract::json(&headers, Audience::Private, &AccountOut::new(&site, &user))
}

/// Makes an account.
#[utoipa::path(
    post,
    path = "/api/v1/newsroom/users",
    tag = "administration",
    operation_id = "create_user",
    security(("token" = [])),
    request_body(content = AccountIn, content_type = "application/json"),
    responses(
        (status = 201, description = "Made; `Location` is its address.", body = AccountOut),
        (status = 409, description = "Another account has this address (`fields.email`).", body = ErrorBody),
        (status = 422, description = "`name: required`, `email: invalid_email`, `role: invalid_role`, `password: password_too_short`.", body = ErrorBody),
    ),
)]
pub(crate) async fn create_user(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    body: Body<AccountIn>,
) -> Result<Response, ApiError> {
    let admin = caller.writer(Permission::ManageUsers)?.clone();
    let asked = body.value;
    let role = asked.role.map(|r| r.domain().as_str()).unwrap_or_default();
    let password = asked.password.unwrap_or_default();
    let (name, email, role) = auth::check_new_account(
        asked.name.as_deref().unwrap_or_default(),
        asked.email.as_deref().unwrap_or_default(),
        role,
        &password,
    )
    .map_err(Error::Invalid)?;
    let hash = tokio::task::spawn_blocking(move || auth::hash_password(&password))
        .await
        .map_err(ApiError::internal)??;
    let made = state
        .store
        .create_user(&NewUser {
            email,
            name,
            role,
            password_hash: Some(hash),
            created_at: Utc::now(),
        })
        .await;
    let user = match made {
        Ok(user) => user,
        Err(Error::Conflict(_)) => {
            return Err(ApiError::fields(
                "conflict",
                "Another account has this address.",
                [("email".to_owned(), "email_taken".to_owned())],
            ));
        }
        Err(e) => return Err(e.into()),
    };
    tracing::info!(
        by = admin.id,
        user = user.id,
        "account created through the API"
    );
    Ok(written(
        StatusCode::CREATED,
        shown(&state, user.id).await?,
        &format!("/api/v1/newsroom/users/{}", user.id),
    ))
}

/// Gives an account another role, with `If-Match`: its `ETag`. One's own
/// role is not changed here (403).
#[utoipa::path(
    patch,
    path = "/api/v1/newsroom/users/{id}",
    tag = "administration",
    operation_id = "update_user",
    security(("token" = [])),
    params(
        ("id" = i64, Path, description = "The account's id."),
        ("If-Match" = String, Header, description = "The `ETag` the account was read with."),
    ),
    request_body(content = RoleIn, content_type = "application/json"),
    responses(
        (status = 200, description = "Changed.", body = AccountOut),
        (status = 404, description = "No such account.", body = ErrorBody),
        (status = 412, description = "Changed since that `ETag`: nothing was changed.", body = ErrorBody),
    ),
)]
pub(crate) async fn update_user(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    headers: HeaderMap,
    Ids(id): Ids<i64>,
    body: Body<RoleIn>,
) -> Result<Response, ApiError> {
    let admin = caller.writer(Permission::ManageUsers)?.clone();
    let current = shown(&state, id).await?;
    let Some(role) = body.value.role else {
        return Err(Error::invalid("role", "required").into());
    };
    if id == admin.id {
        return Err(ApiError::forbidden(
            "An administrator does not change their own role (the site would risk having none).",
        ));
    }
    check_if_match(&headers, &etag_of(&current))?;
    state.store.set_user_role(id, role.domain()).await?;
    tracing::info!(by = admin.id, user = id, role = %role.domain(), "role changed through the API");
    Ok(written(
        StatusCode::OK,
        shown(&state, id).await?,
        &format!("/api/v1/newsroom/users/{}", id),
    ))
}
