//! Byline profiles, for editors: what readers learn on an author page.

use std::sync::Arc;

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum_extra::extract::Form;
use kiosque_core::FieldError;
use kiosque_core::model::AuthorProfile;
use kiosque_core::types::{Permission, WebUrl};
use minijinja::context;
use serde::{Deserialize, Serialize};

use super::{Newsroom, admin_context, error_views};
use crate::{AppState, WebError};

pub(crate) async fn list(
    State(state): State<Arc<AppState>>,
    newsroom: Newsroom,
) -> Result<Response, WebError> {
    newsroom.require(Permission::ManageTaxonomy)?;
    let strings = state.strings(newsroom.site.language);
    let authors: Vec<_> = state
        .store
        .authors()
        .await?
        .into_iter()
        .map(|a| context! { id => a.id, name => a.name, slug => a.slug.as_str() })
        .collect();
    let title = strings.text("admin.authors");
    let ctx = context! {
        authors,
        ..admin_context(&state, &newsroom.site, Some(&newsroom), &title, "authors", None)
    };
    Ok(Html(state.templates.render("admin/authors.html", ctx)?).into_response())
}

#[derive(Debug, Default, Clone, Deserialize, Serialize)]
#[serde(default)]
pub(crate) struct ProfileForm {
    #[serde(skip_serializing)]
    csrf: String,
    name: String,
    bio: String,
    expertise: String,
    links: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct SavedQuery {
    saved: Option<String>,
}

async fn render(
    state: &AppState,
    newsroom: &Newsroom,
    id: i64,
    form: &ProfileForm,
    errors: &[FieldError],
    flash: Option<String>,
    status: StatusCode,
) -> Result<Response, WebError> {
    let strings = state.strings(newsroom.site.language);
    let (errors, errors_list) = error_views(strings, errors, |f| match f {
        "name" => "admin.user_name".into(),
        other => format!("admin.author_{other}"),
    });
    let title = strings.text("admin.edit_profile");
    let ctx = context! {
        id, form, errors, errors_list,
        ..admin_context(state, &newsroom.site, Some(newsroom), &title, "authors", flash)
    };
    let html = state.templates.render("admin/author.html", ctx)?;
    Ok((status, Html(html)).into_response())
}

pub(crate) async fn edit(
    State(state): State<Arc<AppState>>,
    newsroom: Newsroom,
    Path(id): Path<i64>,
    Query(query): Query<SavedQuery>,
) -> Result<Response, WebError> {
    newsroom.require(Permission::ManageTaxonomy)?;
    let author = state
        .store
        .authors()
        .await?
        .into_iter()
        .find(|a| a.id == id)
        .ok_or(WebError::NotFound)?;
    let profile = state.store.author_profile(id).await?;
    let form = ProfileForm {
        csrf: String::new(),
        name: author.name,
        bio: profile.bio,
        expertise: profile.expertise,
        links: profile
            .links
            .iter()
            .map(WebUrl::as_str)
            .collect::<Vec<_>>()
            .join("\n"),
    };
    let flash = query.saved.map(|_| {
        state
            .strings(newsroom.site.language)
            .text("admin.author_saved")
    });
    render(&state, &newsroom, id, &form, &[], flash, StatusCode::OK).await
}

pub(crate) async fn save(
    State(state): State<Arc<AppState>>,
    newsroom: Newsroom,
    Path(id): Path<i64>,
    Form(form): Form<ProfileForm>,
) -> Result<Response, WebError> {
    newsroom.check_csrf(&form.csrf)?;
    newsroom.require(Permission::ManageTaxonomy)?;
    let mut errors = Vec::new();
    let name = kiosque_core::types::person_name(&form.name)
        .map_err(|code| {
            errors.push(FieldError {
                field: "name",
                code,
            })
        })
        .unwrap_or_default();
    let mut links = Vec::new();
    for line in form.links.lines().map(str::trim).filter(|l| !l.is_empty()) {
        match WebUrl::parse(line) {
            Ok(url) => links.push(url),
            Err(_) => {
                errors.push(FieldError {
                    field: "links",
                    code: "invalid_url",
                });
                break;
            }
        }
    }
    if !errors.is_empty() {
        return render(
            &state,
            &newsroom,
            id,
            &form,
            &errors,
            None,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    }
    let profile = AuthorProfile {
        bio: form.bio.trim().chars().take(2000).collect(),
        expertise: form.expertise.trim().chars().take(200).collect(),
        links,
    };
    state.store.save_author_profile(id, &name, &profile).await?;
    Ok(Redirect::to(&format!("/admin/authors/{id}?saved=1")).into_response())
}
