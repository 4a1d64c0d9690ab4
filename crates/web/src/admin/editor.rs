//! Writing and editing articles: the editor form, its buttons (one per
//! state the user may move the article to), optimistic concurrency and
//! the newsroom's preview.

use std::sync::Arc;

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum_extra::extract::Form;
use chrono::Utc;
use kiosque_core::FieldError;
use kiosque_core::model::Article;
use kiosque_core::service::editorial::{EditorForm, allowed_statuses, can_edit};
use kiosque_core::service::saving::{self, Refused};
use kiosque_core::types::{ArticleStatus, Permission};
use minijinja::context;
use serde::{Deserialize, Serialize};

use super::{Newsroom, admin_context, error_views, json};
use crate::{AppState, WebError};

#[derive(Serialize)]
struct Button {
    status: &'static str,
    label: String,
    primary: bool,
}

/// The buttons offered for an article in `current` state (`None`: new).
fn buttons(newsroom: &Newsroom, current: Option<ArticleStatus>) -> Vec<Button> {
    use ArticleStatus::*;
    let label_key = |s: ArticleStatus| match (s, current) {
        (Published, Some(Published)) => "admin.update",
        (Draft, _) => "admin.save_draft",
        (Pending, _) => "admin.submit_review",
        (Scheduled, _) => "admin.schedule",
        (Published, _) => "admin.publish",
        (Unpublished, _) => "admin.unpublish",
    };
    let offered: &[ArticleStatus] = match current {
        // A live article is updated or taken down, never silently turned
        // back into a draft by a "save" button.
        Some(Published) => &[Published, Unpublished],
        Some(Scheduled) => &[Draft, Scheduled, Published],
        _ => &[Draft, Pending, Scheduled, Published],
    };
    let allowed = allowed_statuses(&newsroom.user);
    let can_publish = newsroom.user.role.allows(Permission::PublishOwn);
    offered
        .iter()
        .filter(|s| allowed.contains(s))
        .map(|&s| Button {
            status: s.as_str(),
            // A translation key here; `render` translates it.
            label: label_key(s).to_owned(),
            primary: if can_publish {
                s == Published
            } else {
                s == Pending
            },
        })
        .collect()
}

fn field_label(field: &str) -> String {
    format!("admin.field_{field}")
}

pub(super) struct EditorPage<'a> {
    pub(super) article: Option<&'a Article>,
    pub(super) form: EditorForm,
    pub(super) errors: Vec<FieldError>,
    pub(super) conflict: bool,
    pub(super) flash: Option<String>,
    pub(super) status: StatusCode,
    /// Why an uploaded photo was refused.
    pub(super) photo_error: Option<String>,
    /// Who took the article over from this page, when its save was refused
    /// for that.
    pub(super) taken_by: Option<String>,
}

pub(super) async fn render(
    state: &AppState,
    newsroom: &Newsroom,
    page: EditorPage<'_>,
) -> Result<Response, WebError> {
    let strings = state.strings(newsroom.site.language);
    let (errors, errors_list) = error_views(strings, &page.errors, field_label);
    let mut buttons = buttons(newsroom, page.article.map(|a| a.status));
    for b in &mut buttons {
        b.label = strings.text(&b.label);
    }
    let heading = strings.text(if page.article.is_some() {
        "admin.editor_edit"
    } else {
        "admin.editor_new"
    });
    let known_authors: Vec<String> = state
        .store
        .authors()
        .await?
        .into_iter()
        .map(|a| a.name)
        .collect();
    let known_categories: Vec<String> = state
        .store
        .categories()
        .await?
        .into_iter()
        .map(|c| c.name)
        .collect();
    // The open editor's key: the form's own when it comes back (a refused
    // save keeps its page), else a new one.
    let desk = match page.article {
        Some(a) => {
            let key = if kiosque_core::model::desk::valid_page_key(&page.form.desk_page) {
                page.form.desk_page.clone()
            } else {
                super::desk::new_page_key()?
            };
            let seen = super::desk::open_page(state, newsroom, a.id, &key).await?;
            Some((key, seen))
        }
        None => None,
    };
    let taken_refused = page
        .taken_by
        .as_ref()
        .map(|name| strings.text("editor.taken_refused").replace("{name}", name));
    let ctx = context! {
        heading => &heading,
        desk_page => desk.as_ref().map(|(key, _)| key.clone()),
        presence => desk.as_ref().map(|(_, seen)| &seen.others),
        taken_refused,
        heartbeat => kiosque_core::model::desk::HEARTBEAT_SECONDS,
        form => &page.form,
        time_zone => newsroom.site.time_zone.name(),
        errors, errors_list, buttons, known_authors, known_categories,
        conflict => page.conflict,
        autosave => page.article.is_some_and(|a| matches!(a.status, ArticleStatus::Draft | ArticleStatus::Pending)),
        article_types => kiosque_core::model::ArticleType::ALL
            .iter()
            .map(|ty| context! {
                value => ty.as_str(),
                label => strings.text(&format!("article.type_{}", ty.as_str())),
            })
            .collect::<Vec<_>>(),
        corrections => page.article.map(|a| a.corrections.iter()
            .map(|c| format!("{} — {}", strings.datetime(newsroom.site.local(c.noted_at)), c.note))
            .collect::<Vec<_>>()).unwrap_or_default(),
        photo_error => page.photo_error,
        can_upload => newsroom.user.role.allows(Permission::UploadMedia),
        image => page.article.and_then(|a| a.image.as_ref()).map(|i| context! {
            src => format!("/media/{}", i.asset.file_name),
            width => i.asset.width,
            height => i.asset.height,
            caption => &i.caption,
            credit => &i.credit,
            // The caption is offered until the alt text is written.
            alt => i.alt_or_caption().unwrap_or_default(),
            media_id => i.asset.id,
        }),
        article_id => page.article.map(|a| a.id),
        galleries => page.article.map(|a| kiosque_core::markup::gallery::galleries(&a.body_markdown)
            .iter()
            .enumerate()
            .map(|(i, (_, g))| strings.text("admin.gallery_edit")
                .replace("{n}", &(i + 1).to_string())
                .replace("{count}", &g.photos.len().to_string()))
            .collect::<Vec<_>>()),
        public_path => page.article.filter(|a| a.status == ArticleStatus::Published).map(|a| a.path(&newsroom.site)),
        // Alerts go from a published article, by an editor, once a mail
        // server is set up.
        alert_link => page.article
            .filter(|a| a.status == ArticleStatus::Published
                && state.mailer.is_some()
                && newsroom.user.role.allows(Permission::EditOthers))
            .map(|a| format!("/admin/newsletters/alert/{}", a.id)),
        // The audience of a published article, for whoever may read it
        // (whoever may open it in the editor and publish).
        stats_link => page.article.filter(|a| a.status == ArticleStatus::Published && newsroom.user.role.allows(Permission::PublishOwn)).map(|a| format!("/admin/stats/articles/{}", a.id)),
        current_status => page.article.map(|a| strings.text(&format!("admin.article_status_{}", a.status))),
        action => match page.article {
            Some(a) => format!("/admin/articles/{}/edit", a.id),
            None => "/admin/articles/new".to_owned(),
        },
        editor => super::desk::editor_setup(state, newsroom).await?,
        ..admin_context(state, &newsroom.site, Some(newsroom), &heading, "articles", page.flash)
    };
    let html = state.templates.render("admin/editor.html", ctx)?;
    Ok((page.status, Html(html)).into_response())
}

pub(crate) async fn new(
    State(state): State<Arc<AppState>>,
    newsroom: Newsroom,
) -> Result<Response, WebError> {
    newsroom.require(Permission::WriteDrafts)?;
    let form = EditorForm {
        author: newsroom.user.name.clone(),
        ..EditorForm::default()
    };
    let page = EditorPage {
        article: None,
        form,
        errors: Vec::new(),
        conflict: false,
        flash: None,
        status: StatusCode::OK,
        photo_error: None,
        taken_by: None,
    };
    render(&state, &newsroom, page).await
}

pub(crate) async fn create(
    State(state): State<Arc<AppState>>,
    newsroom: Newsroom,
    Form(form): Form<EditorForm>,
) -> Result<Response, WebError> {
    newsroom.check_csrf(&form.csrf)?;
    newsroom.require(Permission::WriteDrafts)?;
    let refused = |errors, status| EditorPage {
        article: None,
        form: form.clone(),
        errors,
        conflict: false,
        flash: None,
        status,
        photo_error: None,
        taken_by: None,
    };
    let saved = saving::create(
        state.store.as_ref(),
        &newsroom.user,
        &newsroom.site,
        &form,
        Utc::now(),
    )
    .await?;
    match saved {
        Ok(saved) => Ok(Redirect::to(&format!(
            "/admin/articles/{}/edit?saved=1",
            saved.article_id
        ))
        .into_response()),
        Err(Refused::NotAllowed) => Err(WebError::NotAllowed),
        Err(Refused::Invalid(errors)) => {
            render(
                &state,
                &newsroom,
                refused(errors, StatusCode::UNPROCESSABLE_ENTITY),
            )
            .await
        }
        Err(Refused::SlugTaken | Refused::Stale) => {
            let errors = vec![FieldError {
                field: "slug",
                code: "slug_taken",
            }];
            render(&state, &newsroom, refused(errors, StatusCode::CONFLICT)).await
        }
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct EditQuery {
    saved: Option<String>,
    restored: Option<String>,
    /// Back from taking the article over, with the page that did.
    taken: Option<String>,
    page: String,
}

pub(super) async fn editable(
    state: &AppState,
    newsroom: &Newsroom,
    id: i64,
) -> Result<Article, WebError> {
    newsroom.require(Permission::WriteDrafts)?;
    let article = state.store.article(id).await?.ok_or(WebError::NotFound)?;
    if !can_edit(&newsroom.user, &article) {
        return Err(WebError::NotAllowed);
    }
    Ok(article)
}

pub(crate) async fn edit(
    State(state): State<Arc<AppState>>,
    newsroom: Newsroom,
    Path(id): Path<i64>,
    Query(query): Query<EditQuery>,
) -> Result<Response, WebError> {
    let article = editable(&state, &newsroom, id).await?;
    let strings = state.strings(newsroom.site.language);
    let flash = match (query.saved, query.restored, query.taken) {
        (_, _, Some(_)) => Some(strings.text("editor.took_over")),
        (_, Some(_), None) => Some(strings.text("admin.restored")),
        (Some(_), None, None) => Some(strings.text("admin.saved")),
        (None, None, None) => None,
    };
    let page = EditorPage {
        article: Some(&article),
        form: EditorForm {
            desk_page: query.page,
            ..EditorForm::from_article(&article, &newsroom.site)
        },
        errors: Vec::new(),
        conflict: false,
        flash,
        status: StatusCode::OK,
        photo_error: None,
        taken_by: None,
    };
    render(&state, &newsroom, page).await
}

pub(crate) async fn update(
    State(state): State<Arc<AppState>>,
    newsroom: Newsroom,
    Path(id): Path<i64>,
    Form(form): Form<EditorForm>,
) -> Result<Response, WebError> {
    newsroom.check_csrf(&form.csrf)?;
    let article = editable(&state, &newsroom, id).await?;
    save(
        &state,
        &newsroom,
        &article,
        form,
        &format!("/admin/articles/{id}/edit?saved=1"),
    )
    .await
}

/// Saves an article from the editor's form (checked already for forgery
/// and the right to edit it), then goes to `done`; refusals show the
/// editor with the form as sent. The gallery form saves through here too.
pub(super) async fn save(
    state: &AppState,
    newsroom: &Newsroom,
    article: &Article,
    form: EditorForm,
    done: &str,
) -> Result<Response, WebError> {
    let refused = |errors, conflict, status| EditorPage {
        article: Some(article),
        form: form.clone(),
        errors,
        conflict,
        flash: None,
        status,
        photo_error: None,
        taken_by: None,
    };
    // Someone took the article over from this page: nothing is saved, the
    // text stays on screen (the version check would be the last guard).
    if let Some(name) =
        super::desk::taken_from(state, newsroom, article.id, &form.desk_page).await?
    {
        let page = EditorPage {
            taken_by: Some(name),
            ..refused(Vec::new(), false, StatusCode::CONFLICT)
        };
        return render(state, newsroom, page).await;
    }
    let saved = saving::update(
        state.store.as_ref(),
        &newsroom.user,
        &newsroom.site,
        article,
        &form,
        Utc::now(),
    )
    .await?;
    let page = match saved {
        Ok(_) => return Ok(Redirect::to(done).into_response()),
        Err(Refused::NotAllowed) => return Err(WebError::NotAllowed),
        // Saved elsewhere since this form was opened: keep the writer's
        // text on screen, change nothing.
        Err(Refused::Stale) => refused(Vec::new(), true, StatusCode::CONFLICT),
        Err(Refused::SlugTaken) => refused(
            vec![FieldError {
                field: "slug",
                code: "slug_taken",
            }],
            false,
            StatusCode::CONFLICT,
        ),
        Err(Refused::Invalid(errors)) => refused(errors, false, StatusCode::UNPROCESSABLE_ENTITY),
    };
    render(state, newsroom, page).await
}

pub(crate) async fn preview(
    State(state): State<Arc<AppState>>,
    newsroom: Newsroom,
    Path(id): Path<i64>,
) -> Result<Response, WebError> {
    let article = editable(&state, &newsroom, id).await?;
    crate::site::article::preview(&state, &newsroom.site, &article).await
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct LivePreviewForm {
    csrf: String,
    body: String,
}

/// The editor's live preview: Markdown rendered and sanitised exactly as
/// on the published page, as an HTML fragment.
pub(crate) async fn live_preview(
    newsroom: Newsroom,
    Form(form): Form<LivePreviewForm>,
) -> Result<Response, WebError> {
    newsroom.check_csrf(&form.csrf)?;
    newsroom.require(Permission::WriteDrafts)?;
    if form.body.len() > kiosque_core::service::editorial::BODY_MAX {
        return Err(WebError::NotFound);
    }
    let french = newsroom.site.language == kiosque_core::types::Locale::Fr;
    Ok(Html(kiosque_core::markup::render_markdown(&form.body, french)).into_response())
}

/// Autosave from the editor's script: drafts and articles in review only
/// (a live article changes only when someone presses a button), never over
/// a newer save (the version must match), and never a change of state.
pub(crate) async fn autosave(
    State(state): State<Arc<AppState>>,
    newsroom: Newsroom,
    Path(id): Path<i64>,
    Form(mut form): Form<EditorForm>,
) -> Result<Response, WebError> {
    newsroom.check_csrf(&form.csrf)?;
    let article = editable(&state, &newsroom, id).await?;
    let strings = state.strings(newsroom.site.language);
    if !matches!(
        article.status,
        ArticleStatus::Draft | ArticleStatus::Pending
    ) {
        return Ok(json(
            StatusCode::CONFLICT,
            serde_json::json!({ "saved": false }),
        ));
    }
    if let Some(name) =
        super::desk::taken_from(&state, &newsroom, article.id, &form.desk_page).await?
    {
        return Ok(json(
            StatusCode::CONFLICT,
            serde_json::json!({
                "saved": false,
                "message": strings.text("editor.taken_refused").replace("{name}", &name),
            }),
        ));
    }
    form.status = article.status.as_str().to_owned();
    // An autosave never adds a correction note: that is a deliberate act.
    form.correction.clear();
    let saved = saving::update(
        state.store.as_ref(),
        &newsroom.user,
        &newsroom.site,
        &article,
        &form,
        Utc::now(),
    )
    .await?;
    let refused = |status, key: &str| {
        Ok(json(
            status,
            serde_json::json!({ "saved": false, "message": strings.text(key) }),
        ))
    };
    match saved {
        Ok(saved) => {
            let at = strings.datetime(newsroom.site.local(Utc::now()));
            Ok(json(
                StatusCode::OK,
                serde_json::json!({
                    "saved": true,
                    "version": saved.version,
                    "message": strings.text("admin.autosaved").replace("{time}", &at),
                }),
            ))
        }
        Err(Refused::NotAllowed) => Err(WebError::NotAllowed),
        Err(Refused::Invalid(_)) => refused(
            StatusCode::UNPROCESSABLE_ENTITY,
            "admin.autosave_incomplete",
        ),
        Err(Refused::Stale | Refused::SlugTaken) => refused(StatusCode::CONFLICT, "admin.conflict"),
    }
}
