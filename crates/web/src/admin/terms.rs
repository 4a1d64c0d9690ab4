//! Sections and tags, for editors: add, rename (name and address) and
//! delete. One module for both, since they differ only in their table and
//! their words.

use std::sync::Arc;

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum_extra::extract::Form;
use kiosque_core::model::TermKind;
use kiosque_core::types::{Permission, Slug};
use kiosque_core::{Error, FieldError};
use minijinja::context;
use serde::{Deserialize, Serialize};

use super::{Newsroom, admin_context, error_views};
use crate::{AppState, WebError};

/// The add form, and each row's rename/delete form.
#[derive(Debug, Default, Clone, Deserialize, Serialize)]
#[serde(default)]
pub(crate) struct TermForm {
    #[serde(skip_serializing)]
    csrf: String,
    name: String,
    slug: String,
    /// "save" or "delete" on a row.
    #[serde(skip_serializing)]
    action: String,
    /// Set by the confirmation form: deleting a term in use is asked twice.
    #[serde(skip_serializing)]
    confirm: String,
}

impl TermForm {
    /// The name and address to store, or what is wrong. An empty address
    /// is made from the name, as for articles.
    fn validate(&self) -> Result<(String, Slug), Vec<FieldError>> {
        kiosque_core::model::check_term(&self.name, &self.slug)
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct DoneQuery {
    saved: Option<String>,
    deleted: Option<String>,
}

/// Where a kind's page lives, and its words in the locale files.
fn base(kind: TermKind) -> &'static str {
    match kind {
        TermKind::Category => "/admin/sections",
        TermKind::Tag => "/admin/tags",
    }
}

/// What the page shows besides the list.
struct Notices<'a> {
    /// The add form as sent, when it was refused.
    form: Option<&'a TermForm>,
    /// The row whose rename was refused, with its form.
    row: Option<(i64, &'a TermForm)>,
    errors: Vec<FieldError>,
    flash: Option<String>,
    status: StatusCode,
    /// The term in use whose deletion awaits confirmation.
    confirm: Option<i64>,
}

async fn render(
    state: &AppState,
    newsroom: &Newsroom,
    kind: TermKind,
    notices: Notices<'_>,
) -> Result<Response, WebError> {
    let strings = state.strings(newsroom.site.language);
    let words = kind.as_str();
    let (errors, errors_list) =
        error_views(strings, &notices.errors, |f| format!("admin.term_{f}"));
    let all = state.store.terms(kind).await?;
    let confirm = notices
        .confirm
        .and_then(|id| all.iter().find(|t| t.id == id))
        .map(|t| {
            context! {
                id => t.id,
                question => strings
                    .text(&format!("admin.{words}_confirm_delete"))
                    .replace("{name}", &t.name)
                    .replace("{n}", &t.articles.to_string()),
            }
        });
    let terms: Vec<_> = all
        .into_iter()
        .map(|t| {
            let edited = notices.row.filter(|(id, _)| *id == t.id).map(|(_, f)| f);
            context! {
                id => t.id,
                name => edited.map_or(t.name.clone(), |f| f.name.clone()),
                slug => edited.map_or(t.slug.as_str().to_owned(), |f| f.slug.clone()),
                label => t.name,
                public => match kind {
                    TermKind::Category => Some(format!("/category/{}/", t.slug)),
                    TermKind::Tag => None,
                },
                articles => t.articles,
                refused => edited.is_some(),
            }
        })
        .collect();
    let title = strings.text(&format!("admin.{words}_title"));
    let ctx = context! {
        terms, errors, errors_list, confirm,
        kind => words,
        action => base(kind),
        form => notices.form.cloned().unwrap_or_default(),
        add_refused => notices.form.is_some(),
        heading => &title,
        intro => strings.text(&format!("admin.{words}_intro")),
        add_title => strings.text(&format!("admin.{words}_add")),
        ..admin_context(state, &newsroom.site, Some(newsroom), &title, words, notices.flash)
    };
    let html = state.templates.render("admin/terms.html", ctx)?;
    Ok((notices.status, Html(html)).into_response())
}

/// The list, with the add form.
pub(crate) async fn list(
    state: &AppState,
    newsroom: &Newsroom,
    kind: TermKind,
    query: DoneQuery,
) -> Result<Response, WebError> {
    newsroom.require(Permission::ManageTaxonomy)?;
    let strings = state.strings(newsroom.site.language);
    let flash = if query.saved.is_some() {
        Some(strings.text("admin.term_saved"))
    } else {
        query.deleted.map(|_| strings.text("admin.term_deleted"))
    };
    let notices = Notices {
        form: None,
        row: None,
        errors: Vec::new(),
        flash,
        status: StatusCode::OK,
        confirm: None,
    };
    render(state, newsroom, kind, notices).await
}

/// The refusal of a taken address, shown on the address field.
const TAKEN: FieldError = FieldError {
    field: "slug",
    code: "term_slug_taken",
};

/// Adds a section or tag.
pub(crate) async fn create(
    state: &AppState,
    newsroom: &Newsroom,
    kind: TermKind,
    form: TermForm,
) -> Result<Response, WebError> {
    newsroom.check_csrf(&form.csrf)?;
    newsroom.require(Permission::ManageTaxonomy)?;
    save(state, newsroom, kind, None, &form).await
}

/// Renames or deletes one.
pub(crate) async fn change(
    state: &AppState,
    newsroom: &Newsroom,
    kind: TermKind,
    id: i64,
    form: TermForm,
) -> Result<Response, WebError> {
    newsroom.check_csrf(&form.csrf)?;
    newsroom.require(Permission::ManageTaxonomy)?;
    if form.action != "delete" {
        return save(state, newsroom, kind, Some(id), &form).await;
    }
    let used = state
        .store
        .terms(kind)
        .await?
        .into_iter()
        .find(|t| t.id == id)
        .ok_or(WebError::NotFound)?
        .articles;
    if used > 0 && form.confirm != "yes" {
        let notices = Notices {
            form: None,
            row: None,
            errors: Vec::new(),
            flash: None,
            status: StatusCode::OK,
            confirm: Some(id),
        };
        return render(state, newsroom, kind, notices).await;
    }
    match state.store.delete_term(kind, id).await {
        Ok(()) => Ok(Redirect::to(&format!("{}?deleted=1", base(kind))).into_response()),
        Err(Error::NotFound(_)) => Err(WebError::NotFound),
        Err(e) => Err(e.into()),
    }
}

/// Adds (`id` is `None`) or renames a term; a refusal shows the page with
/// the form as typed, on the add form or on the row.
async fn save(
    state: &AppState,
    newsroom: &Newsroom,
    kind: TermKind,
    id: Option<i64>,
    form: &TermForm,
) -> Result<Response, WebError> {
    let refused = |errors: Vec<FieldError>, status| Notices {
        form: id.is_none().then_some(form),
        row: id.map(|id| (id, form)),
        errors,
        flash: None,
        status,
        confirm: None,
    };
    let (name, slug) = match form.validate() {
        Ok(valid) => valid,
        Err(errors) => {
            let notices = refused(errors, StatusCode::UNPROCESSABLE_ENTITY);
            return render(state, newsroom, kind, notices).await;
        }
    };
    let saved = match id {
        None => state.store.create_term(kind, &slug, &name).await.map(drop),
        Some(id) => state.store.update_term(kind, id, &slug, &name).await,
    };
    match saved {
        Ok(()) => Ok(Redirect::to(&format!("{}?saved=1", base(kind))).into_response()),
        Err(Error::Conflict(_)) => {
            let notices = refused(vec![TAKEN], StatusCode::CONFLICT);
            render(state, newsroom, kind, notices).await
        }
        Err(Error::NotFound(_)) => Err(WebError::NotFound),
        Err(e) => Err(e.into()),
    }
}

/// The routes of one kind, each handler told which kind it serves.
pub(crate) fn routes(kind: TermKind) -> axum::Router<Arc<AppState>> {
    use axum::routing::{get, post};
    axum::Router::new()
        .route(
            base(kind),
            get(
                move |State(state): State<Arc<AppState>>,
                      newsroom: Newsroom,
                      Query(query): Query<DoneQuery>| async move {
                    list(&state, &newsroom, kind, query).await
                },
            )
            .post(
                move |State(state): State<Arc<AppState>>,
                      newsroom: Newsroom,
                      Form(form): Form<TermForm>| async move {
                    create(&state, &newsroom, kind, form).await
                },
            ),
        )
        .route(
            &format!("{}/{{id}}", base(kind)),
            post(
                move |State(state): State<Arc<AppState>>,
                      newsroom: Newsroom,
                      Path(id): Path<i64>,
                      Form(form): Form<TermForm>| async move {
                    change(&state, &newsroom, kind, id, form).await
                },
            ),
        )
}
