//! Newsroom accounts, for administrators: list, create, change roles.

use std::sync::Arc;

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum_extra::extract::Form;
use chrono::Utc;
use kiosque_core::model::NewUser;
use kiosque_core::service::auth;
use kiosque_core::types::{Permission, Role};
use kiosque_core::{Error, FieldError};
use minijinja::context;
use serde::{Deserialize, Serialize};

use super::{Newsroom, admin_context, error_views};
use crate::{AppState, WebError};

#[derive(Debug, Default, Clone, Deserialize, Serialize)]
#[serde(default)]
pub(crate) struct UserForm {
    csrf: String,
    name: String,
    email: String,
    role: String,
    #[serde(skip_serializing)]
    password: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct DoneQuery {
    created: Option<String>,
    changed: Option<String>,
}

fn label(field: &str) -> String {
    format!("admin.user_{field}")
}

async fn render(
    state: &AppState,
    newsroom: &Newsroom,
    form: &UserForm,
    errors: &[FieldError],
    flash: Option<String>,
    status: StatusCode,
) -> Result<Response, WebError> {
    let strings = state.strings(newsroom.site.language);
    let (errors, errors_list) = error_views(strings, errors, label);
    let role_label = |r: Role| strings.text(&format!("admin.role_{r}"));
    let users: Vec<_> = state
        .store
        .users()
        .await?
        .into_iter()
        .map(|u| {
            context! {
                id => u.id,
                name => u.name,
                email => u.email.as_str(),
                role => u.role.as_str(),
                role_label => role_label(u.role),
                me => u.id == newsroom.user.id,
            }
        })
        .collect();
    let roles: Vec<_> = Role::ALL
        .iter()
        .map(|r| context! { value => r.as_str(), label => role_label(*r) })
        .collect();
    let title = strings.text("admin.users");
    let ctx = context! {
        users, roles, form, errors, errors_list,
        ..admin_context(state, &newsroom.site, Some(newsroom), &title, "users", flash)
    };
    let html = state.templates.render("admin/users.html", ctx)?;
    Ok((status, Html(html)).into_response())
}

pub(crate) async fn list(
    State(state): State<Arc<AppState>>,
    newsroom: Newsroom,
    Query(query): Query<DoneQuery>,
) -> Result<Response, WebError> {
    newsroom.require(Permission::ManageUsers)?;
    let strings = state.strings(newsroom.site.language);
    let flash = match (query.created, query.changed) {
        (Some(_), _) => Some(strings.text("admin.user_created")),
        (None, Some(_)) => Some(strings.text("admin.role_changed")),
        _ => None,
    };
    let form = UserForm {
        role: Role::Author.as_str().to_owned(),
        ..UserForm::default()
    };
    render(&state, &newsroom, &form, &[], flash, StatusCode::OK).await
}

pub(crate) async fn create(
    State(state): State<Arc<AppState>>,
    newsroom: Newsroom,
    Form(form): Form<UserForm>,
) -> Result<Response, WebError> {
    newsroom.check_csrf(&form.csrf)?;
    newsroom.require(Permission::ManageUsers)?;
    let checked = auth::check_new_account(&form.name, &form.email, &form.role, &form.password);
    let (name, email, role) = match checked {
        Ok(account) => account,
        Err(errors) => {
            return render(
                &state,
                &newsroom,
                &form,
                &errors,
                None,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await;
        }
    };
    let password = form.password.clone();
    let hash = tokio::task::spawn_blocking(move || auth::hash_password(&password))
        .await
        .map_err(|e| WebError::Internal(format!("password hashing: {e}")))??;
    let created = state
        .store
        .create_user(&NewUser {
            email,
            name,
            role,
            password_hash: Some(hash),
            created_at: Utc::now(),
        })
        .await;
    match created {
        Ok(user) => {
            tracing::info!(by = newsroom.user.id, user = user.id, "account created");
            Ok(Redirect::to("/admin/users?created=1").into_response())
        }
        Err(Error::Conflict(_)) => {
            let errors = [FieldError {
                field: "email",
                code: "email_taken",
            }];
            render(
                &state,
                &newsroom,
                &form,
                &errors,
                None,
                StatusCode::CONFLICT,
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct RoleForm {
    csrf: String,
    role: String,
}

pub(crate) async fn set_role(
    State(state): State<Arc<AppState>>,
    newsroom: Newsroom,
    Path(id): Path<i64>,
    Form(form): Form<RoleForm>,
) -> Result<Response, WebError> {
    newsroom.check_csrf(&form.csrf)?;
    newsroom.require(Permission::ManageUsers)?;
    // An administrator cannot demote themselves and leave the site without one.
    if id == newsroom.user.id {
        return Err(WebError::NotAllowed);
    }
    let role: Role = form.role.parse().map_err(|_| WebError::NotFound)?;
    state.store.set_user_role(id, role).await?;
    tracing::info!(by = newsroom.user.id, user = id, %role, "role changed");
    Ok(Redirect::to("/admin/users?changed=1").into_response())
}
