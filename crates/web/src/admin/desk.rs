//! The writer's desk around the body field: what the visual editor needs
//! from the page (its script, labels, the writer's mode), the small JSON
//! lists its dialogs search (the media library, the site's articles for
//! "Lire aussi"), and who else has the article open (heartbeats, taking
//! over).

use std::sync::Arc;

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::Form;
use kiosque_core::model::desk::{EditorMode, PRESENCE_SECONDS, valid_page_key};
use kiosque_core::model::{ArticleQuery, PageRequest};
use kiosque_core::types::{ArticleStatus, Permission};
use minijinja::{Value, context};
use serde::{Deserialize, Serialize};

use super::Newsroom;
use super::media::thumbnail;
use crate::{AppState, WebError};

/// Results a dialog's search shows at once.
const PICK_LIMIT: u32 = 24;

/// What the body field's template needs for the visual mode.
pub(super) async fn editor_setup(state: &AppState, newsroom: &Newsroom) -> Result<Value, WebError> {
    let mode = state.store.editor_mode(newsroom.user.id).await?.as_str();
    let strings = state.strings(newsroom.site.language);
    Ok(context! {
        src => &state.templates.editor_js_path,
        labels => strings.table_json("editor"),
        mode => mode,
        lang => newsroom.site.language.code(),
        can_upload => newsroom.user.role.allows(Permission::UploadMedia),
    })
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct Pick {
    q: String,
}

/// A photo of the library as the photo and gallery dialogs show it.
#[derive(Serialize)]
pub(crate) struct PickedPhoto {
    pub(crate) id: i64,
    pub(crate) file: String,
    pub(crate) thumb: String,
    pub(crate) width: u32,
    pub(crate) height: u32,
    pub(crate) name: String,
    pub(crate) alt: String,
    pub(crate) caption: String,
    pub(crate) credit: String,
}

impl PickedPhoto {
    pub(crate) fn of(asset: &kiosque_core::model::MediaAsset) -> PickedPhoto {
        PickedPhoto {
            id: asset.id,
            file: asset.file_name.clone(),
            thumb: thumbnail(asset),
            width: asset.width,
            height: asset.height,
            name: if asset.original_name.is_empty() {
                asset.file_name.clone()
            } else {
                asset.original_name.clone()
            },
            alt: asset.text.alt.clone(),
            caption: asset.text.caption.clone(),
            credit: asset.text.credit.clone(),
        }
    }
}

/// `GET /admin/editor/media?q=`: the library's photos matching `q`, newest
/// first.
pub(crate) async fn media(
    State(state): State<Arc<AppState>>,
    newsroom: Newsroom,
    Query(pick): Query<Pick>,
) -> Result<Response, WebError> {
    newsroom.require(Permission::UploadMedia)?;
    let page = state
        .store
        .media_library(
            pick.q.trim(),
            PageRequest {
                number: 1,
                per_page: PICK_LIMIT,
            },
        )
        .await?;
    let items: Vec<PickedPhoto> = page
        .items
        .iter()
        .map(|i| PickedPhoto::of(&i.asset))
        .collect();
    Ok(super::json(StatusCode::OK, items))
}

#[derive(Serialize)]
struct PickedArticle {
    title: String,
    path: String,
}

/// `GET /admin/editor/articles?q=`: published articles whose headline holds
/// `q`, with their public path, for a "Lire aussi" link.
pub(crate) async fn articles(
    State(state): State<Arc<AppState>>,
    newsroom: Newsroom,
    Query(pick): Query<Pick>,
) -> Result<Response, WebError> {
    newsroom.require(Permission::WriteDrafts)?;
    let q = pick.q.trim();
    let page = state
        .store
        .articles(
            &ArticleQuery {
                status: Some(ArticleStatus::Published),
                title_contains: (!q.is_empty()).then(|| q.to_owned()),
                ..ArticleQuery::default()
            },
            PageRequest {
                number: 1,
                per_page: 10,
            },
        )
        .await?;
    let mut items = Vec::with_capacity(page.items.len());
    for row in &page.items {
        // The path needs the article's section: one read each, ten at most.
        if let Some(article) = state.store.article(row.id).await? {
            items.push(PickedArticle {
                title: article.title.as_str().to_owned(),
                path: article.path(&newsroom.site),
            });
        }
    }
    Ok(super::json(StatusCode::OK, items))
}

/// Who else has an article open, as the editor page says it, and who took
/// it over from this page (if someone did).
#[derive(Debug, Default, Serialize)]
pub(crate) struct Seen {
    pub(crate) others: Vec<String>,
    pub(crate) taken_by: Option<String>,
}

/// A fresh key for an editor page being shown.
pub(super) fn new_page_key() -> Result<String, WebError> {
    let token = kiosque_core::service::auth::new_token()?;
    Ok(token[..32].to_owned())
}

/// Records the page `page` as open on the article and says who else is.
pub(super) async fn open_page(
    state: &AppState,
    newsroom: &Newsroom,
    article_id: i64,
    page: &str,
) -> Result<Seen, WebError> {
    let now = chrono::Utc::now().timestamp();
    let open = state
        .store
        .beat(
            article_id,
            newsroom.user.id,
            page,
            now,
            now - PRESENCE_SECONDS,
        )
        .await?;
    let strings = state.strings(newsroom.site.language);
    let mut seen = Seen::default();
    let mut named = std::collections::HashSet::new();
    for p in &open {
        if p.page == page {
            seen.taken_by = p.taken_by.clone();
            continue;
        }
        // One line a person, however many pages they have open.
        if !named.insert(p.user_id) {
            continue;
        }
        let since = newsroom
            .site
            .local(chrono::DateTime::from_timestamp(p.since, 0).unwrap_or_default());
        let line = if p.user_id == newsroom.user.id {
            strings.text("editor.presence_self")
        } else {
            strings
                .text("editor.presence")
                .replace("{name}", &p.user_name)
        };
        seen.others
            .push(line.replace("{time}", &strings.time(since)));
    }
    Ok(seen)
}

/// Who took the article over from `page`, if someone did (a save from it
/// is refused).
pub(super) async fn taken_from(
    state: &AppState,
    newsroom: &Newsroom,
    article_id: i64,
    page: &str,
) -> Result<Option<String>, WebError> {
    if !valid_page_key(page) {
        return Ok(None);
    }
    Ok(state
        .store
        .presence(article_id, page)
        .await?
        .filter(|p| p.user_id == newsroom.user.id)
        .and_then(|p| p.taken_by))
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct Beat {
    csrf: String,
    page: String,
    /// Set when the page is being closed.
    leave: String,
    /// The take-over form's confirmation.
    confirm: String,
}

/// `POST /admin/articles/{id}/presence`: an open editor's heartbeat (or
/// its goodbye); answers who else has the article open and whether this
/// page was taken over.
pub(crate) async fn beat(
    State(state): State<Arc<AppState>>,
    newsroom: Newsroom,
    axum::extract::Path(id): axum::extract::Path<i64>,
    Form(form): Form<Beat>,
) -> Result<Response, WebError> {
    newsroom.check_csrf(&form.csrf)?;
    let article = super::editor::editable(&state, &newsroom, id).await?;
    if !valid_page_key(&form.page) {
        return Ok(super::json(
            StatusCode::UNPROCESSABLE_ENTITY,
            serde_json::json!({ "message": "page" }),
        ));
    }
    if !form.leave.is_empty() {
        state.store.leave(article.id, &form.page).await?;
        return Ok(super::json(StatusCode::OK, Seen::default()));
    }
    let seen = open_page(&state, &newsroom, article.id, &form.page).await?;
    let strings = state.strings(newsroom.site.language);
    let message = seen
        .taken_by
        .as_ref()
        .map(|name| strings.text("editor.taken").replace("{name}", name));
    Ok(super::json(
        StatusCode::OK,
        serde_json::json!({ "others": seen.others, "taken_by": seen.taken_by, "message": message }),
    ))
}

/// `POST /admin/articles/{id}/take-over`: this page takes the article
/// over, after a confirmation; the others are told at their next
/// heartbeat and their saves are refused. Back to the editor, which shows
/// the latest version.
pub(crate) async fn take_over(
    State(state): State<Arc<AppState>>,
    newsroom: Newsroom,
    axum::extract::Path(id): axum::extract::Path<i64>,
    Form(form): Form<Beat>,
) -> Result<Response, WebError> {
    newsroom.check_csrf(&form.csrf)?;
    let article = super::editor::editable(&state, &newsroom, id).await?;
    if !valid_page_key(&form.page) || form.confirm != "yes" {
        return Ok(Redirect::to(&format!("/admin/articles/{}/edit", article.id)).into_response());
    }
    let now = chrono::Utc::now().timestamp();
    state
        .store
        .take_over(article.id, newsroom.user.id, &form.page, now)
        .await?;
    Ok(Redirect::to(&format!(
        "/admin/articles/{}/edit?taken=1&page={}",
        article.id, form.page
    ))
    .into_response())
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct ModeForm {
    csrf: String,
    mode: String,
}

/// `POST /admin/account/editor-mode`: the body editor's mode this writer
/// uses from now on.
pub(crate) async fn set_mode(
    State(state): State<Arc<AppState>>,
    newsroom: Newsroom,
    Form(form): Form<ModeForm>,
) -> Result<Response, WebError> {
    newsroom.check_csrf(&form.csrf)?;
    newsroom.require(Permission::WriteDrafts)?;
    let Some(mode) = EditorMode::parse(&form.mode) else {
        return Ok(super::json(
            StatusCode::UNPROCESSABLE_ENTITY,
            serde_json::json!({ "message": "mode: markdown or visual" }),
        ));
    };
    state.store.set_editor_mode(newsroom.user.id, mode).await?;
    Ok(super::json(
        StatusCode::OK,
        serde_json::json!({ "mode": mode.as_str() }),
    ))
}
