//! The site's pages (about, contact, ethics policy), for editors: list,
//! write, place in the menu or footer, delete.

use std::sync::Arc;

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum_extra::extract::Form;
use kiosque_core::model::{PageDraft, StaticPage};
use kiosque_core::types::{Locale, Permission};
use kiosque_core::{Error, FieldError};
use minijinja::context;
use serde::{Deserialize, Serialize};

use super::{Newsroom, admin_context, error_views};
use crate::{AppState, WebError};

/// The page form, as typed.
#[derive(Debug, Default, Clone, Deserialize, Serialize)]
#[serde(default)]
pub(crate) struct PageForm {
    #[serde(skip_serializing)]
    csrf: String,
    title: String,
    slug: String,
    body: String,
    /// Checkboxes: present when ticked.
    in_menu: Option<String>,
    in_footer: Option<String>,
    position: String,
    /// "save" or "delete".
    #[serde(skip_serializing)]
    action: String,
}

impl PageForm {
    fn from_page(page: &StaticPage) -> Self {
        PageForm {
            title: page.title.clone(),
            slug: page.slug.as_str().to_owned(),
            body: page.body_markdown.clone(),
            in_menu: page.in_menu.then(|| "on".to_owned()),
            in_footer: page.in_footer.then(|| "on".to_owned()),
            position: page.position.to_string(),
            ..PageForm::default()
        }
    }

    /// The page to store, or what is wrong (`PageDraft::checked`, with the
    /// form's position as typed).
    fn validate(&self, language: Locale) -> Result<PageDraft, Vec<FieldError>> {
        let (position, bad_position) = match self.position.trim() {
            "" => (0, false),
            raw => raw.parse::<i64>().map_or((0, true), |p| (p, false)),
        };
        let checked = PageDraft::checked(
            &self.title,
            &self.slug,
            &self.body,
            (self.in_menu.is_some(), self.in_footer.is_some(), position),
            language,
        );
        match (checked, bad_position) {
            (Ok(draft), false) => Ok(draft),
            (Ok(_), true) => Err(vec![FieldError {
                field: "position",
                code: "invalid_number",
            }]),
            (Err(mut errors), bad) => {
                if bad {
                    errors.push(FieldError {
                        field: "position",
                        code: "invalid_number",
                    });
                }
                Err(errors)
            }
        }
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct DoneQuery {
    saved: Option<String>,
    deleted: Option<String>,
}

pub(crate) async fn list(
    State(state): State<Arc<AppState>>,
    newsroom: Newsroom,
    Query(query): Query<DoneQuery>,
) -> Result<Response, WebError> {
    newsroom.require(Permission::ManagePages)?;
    let strings = state.strings(newsroom.site.language);
    let flash = if query.saved.is_some() {
        Some(strings.text("admin.page_saved"))
    } else {
        query.deleted.map(|_| strings.text("admin.page_deleted"))
    };
    let pages: Vec<_> = state
        .store
        .pages()
        .await?
        .into_iter()
        .map(|p| {
            context! {
                id => p.id,
                title => p.title,
                path => format!("/{}/", p.slug),
                in_menu => p.in_menu,
                in_footer => p.in_footer,
            }
        })
        .collect();
    let title = strings.text("admin.pages");
    let ctx = context! {
        pages,
        ..admin_context(&state, &newsroom.site, Some(&newsroom), &title, "pages", flash)
    };
    Ok(Html(state.templates.render("admin/pages.html", ctx)?).into_response())
}

async fn render(
    state: &AppState,
    newsroom: &Newsroom,
    id: Option<i64>,
    form: &PageForm,
    errors: &[FieldError],
    status: StatusCode,
) -> Result<Response, WebError> {
    let strings = state.strings(newsroom.site.language);
    let (errors, errors_list) = error_views(strings, errors, |f| format!("admin.page_{f}"));
    let title = strings.text(if id.is_some() {
        "admin.page_edit"
    } else {
        "admin.page_new"
    });
    let ctx = context! {
        form, errors, errors_list, id,
        action => id.map_or("/admin/pages/new".to_owned(), |id| format!("/admin/pages/{id}")),
        heading => &title,
        editor => super::desk::editor_setup(state, newsroom).await?,
        ..admin_context(state, &newsroom.site, Some(newsroom), &title, "pages", None)
    };
    let html = state.templates.render("admin/page_edit.html", ctx)?;
    Ok((status, Html(html)).into_response())
}

pub(crate) async fn new(
    State(state): State<Arc<AppState>>,
    newsroom: Newsroom,
) -> Result<Response, WebError> {
    newsroom.require(Permission::ManagePages)?;
    render(
        &state,
        &newsroom,
        None,
        &PageForm::default(),
        &[],
        StatusCode::OK,
    )
    .await
}

pub(crate) async fn edit(
    State(state): State<Arc<AppState>>,
    newsroom: Newsroom,
    Path(id): Path<i64>,
) -> Result<Response, WebError> {
    newsroom.require(Permission::ManagePages)?;
    let page = state.store.page(id).await?.ok_or(WebError::NotFound)?;
    let form = PageForm::from_page(&page);
    render(&state, &newsroom, Some(id), &form, &[], StatusCode::OK).await
}

pub(crate) async fn create(
    State(state): State<Arc<AppState>>,
    newsroom: Newsroom,
    Form(form): Form<PageForm>,
) -> Result<Response, WebError> {
    newsroom.check_csrf(&form.csrf)?;
    newsroom.require(Permission::ManagePages)?;
    save(&state, &newsroom, None, &form).await
}

pub(crate) async fn change(
    State(state): State<Arc<AppState>>,
    newsroom: Newsroom,
    Path(id): Path<i64>,
    Form(form): Form<PageForm>,
) -> Result<Response, WebError> {
    newsroom.check_csrf(&form.csrf)?;
    newsroom.require(Permission::ManagePages)?;
    if form.action == "delete" {
        return match state.store.delete_page(id).await {
            Ok(()) => Ok(Redirect::to("/admin/pages?deleted=1").into_response()),
            Err(Error::NotFound(_)) => Err(WebError::NotFound),
            Err(e) => Err(e.into()),
        };
    }
    save(&state, &newsroom, Some(id), &form).await
}

/// Stores the form; a refusal shows it again as typed.
async fn save(
    state: &AppState,
    newsroom: &Newsroom,
    id: Option<i64>,
    form: &PageForm,
) -> Result<Response, WebError> {
    let draft = match form.validate(newsroom.site.language) {
        Ok(draft) => draft,
        Err(errors) => {
            let status = StatusCode::UNPROCESSABLE_ENTITY;
            return render(state, newsroom, id, form, &errors, status).await;
        }
    };
    match state.store.save_page(id, &draft).await {
        Ok(_) => Ok(Redirect::to("/admin/pages?saved=1").into_response()),
        Err(Error::Conflict(_)) => {
            let taken = [FieldError {
                field: "slug",
                code: "term_slug_taken",
            }];
            render(state, newsroom, id, form, &taken, StatusCode::CONFLICT).await
        }
        Err(Error::NotFound(_)) => Err(WebError::NotFound),
        Err(e) => Err(e.into()),
    }
}
