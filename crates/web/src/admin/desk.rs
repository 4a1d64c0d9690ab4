//! The writer's desk around the body field: what the visual editor needs
//! from the page (its script, labels, the writer's mode) and the small JSON
//! lists its dialogs search (the media library, the site's articles for
//! "Lire aussi").

use std::sync::Arc;

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
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
pub(super) fn editor_setup(state: &AppState, newsroom: &Newsroom, mode: &str) -> Value {
    let strings = state.strings(newsroom.site.language);
    context! {
        src => &state.templates.editor_js_path,
        labels => strings.table_json("editor"),
        mode => mode,
        lang => newsroom.site.language.code(),
        can_upload => newsroom.user.role.allows(Permission::UploadMedia),
    }
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
