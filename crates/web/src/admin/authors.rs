//! Byline profiles, for editors: what readers learn on an author page.

use std::sync::Arc;

use axum::extract::{Multipart, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum_extra::extract::Form;
use kiosque_core::FieldError;
use kiosque_core::model::{Author, AuthorProfile};
use kiosque_core::types::{Permission, WebUrl};
use minijinja::context;
use serde::{Deserialize, Serialize};

use super::{Newsroom, admin_context, error_views, upload};
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

impl ProfileForm {
    fn of(author: &Author, profile: &AuthorProfile) -> Self {
        ProfileForm {
            csrf: String::new(),
            name: author.name.clone(),
            bio: profile.bio.clone(),
            expertise: profile.expertise.clone(),
            links: profile
                .links
                .iter()
                .map(WebUrl::as_str)
                .collect::<Vec<_>>()
                .join("\n"),
        }
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct SavedQuery {
    saved: Option<String>,
}

/// What the profile page shows besides the form.
struct Notices {
    flash: Option<String>,
    photo_error: Option<String>,
    status: StatusCode,
}

impl Notices {
    fn status(status: StatusCode) -> Self {
        Notices {
            flash: None,
            photo_error: None,
            status,
        }
    }
}

async fn render(
    state: &AppState,
    newsroom: &Newsroom,
    id: i64,
    form: &ProfileForm,
    errors: &[FieldError],
    notices: Notices,
) -> Result<Response, WebError> {
    let Notices {
        flash,
        photo_error,
        status,
    } = notices;
    let strings = state.strings(newsroom.site.language);
    let photo = state.store.author_profile(id).await?.photo.map(|p| {
        context! { src => format!("/media/{}", p.file_name), width => p.width, height => p.height }
    });
    let (errors, errors_list) = error_views(strings, errors, |f| match f {
        "name" => "admin.user_name".into(),
        other => format!("admin.author_{other}"),
    });
    let title = strings.text("admin.edit_profile");
    let ctx = context! {
        id, form, errors, errors_list, photo, photo_error,
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
    let (author, profile) = author(&state, id).await?;
    let form = ProfileForm::of(&author, &profile);
    let flash = query.saved.map(|_| {
        state
            .strings(newsroom.site.language)
            .text("admin.author_saved")
    });
    let notices = Notices {
        flash,
        ..Notices::status(StatusCode::OK)
    };
    render(&state, &newsroom, id, &form, &[], notices).await
}

/// An author and their profile; 404 if there is no such author.
async fn author(state: &AppState, id: i64) -> Result<(Author, AuthorProfile), WebError> {
    let author = state
        .store
        .authors()
        .await?
        .into_iter()
        .find(|a| a.id == id)
        .ok_or(WebError::NotFound)?;
    Ok((author, state.store.author_profile(id).await?))
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
        let notices = Notices::status(StatusCode::UNPROCESSABLE_ENTITY);
        return render(&state, &newsroom, id, &form, &errors, notices).await;
    }
    let (_, existing) = author(&state, id).await?;
    let profile = AuthorProfile {
        bio: form.bio.trim().chars().take(2000).collect(),
        expertise: form.expertise.trim().chars().take(200).collect(),
        links,
        photo: existing.photo,
    };
    state.store.save_author_profile(id, &name, &profile).await?;
    Ok(Redirect::to(&format!("/admin/authors/{id}?saved=1")).into_response())
}

/// Sets, replaces or removes an author's portrait.
pub(crate) async fn photo(
    State(state): State<Arc<AppState>>,
    newsroom: Newsroom,
    Path(id): Path<i64>,
    multipart: Multipart,
) -> Result<Response, WebError> {
    let read = upload::read_checked(multipart, &newsroom).await?;
    let (author, mut profile) = author(&state, id).await?;
    let refused = |refusal: upload::Refusal| Notices {
        photo_error: Some(refusal.message),
        ..Notices::status(refusal.status)
    };
    let Some(mut form) = read else {
        let notices = refused(upload::too_large(&state, &newsroom));
        let form = ProfileForm::of(&author, &profile);
        return render(&state, &newsroom, id, &form, &[], notices).await;
    };
    newsroom.require(Permission::ManageTaxonomy)?;
    newsroom.require(Permission::UploadMedia)?;
    match upload::replacement(&state, &newsroom, &mut form).await? {
        Ok(photo) => profile.photo = photo,
        Err(refusal) => {
            let form = ProfileForm::of(&author, &profile);
            return render(&state, &newsroom, id, &form, &[], refused(refusal)).await;
        }
    }
    state
        .store
        .save_author_profile(id, &author.name, &profile)
        .await?;
    Ok(Redirect::to(&format!("/admin/authors/{id}?saved=1#photo")).into_response())
}
