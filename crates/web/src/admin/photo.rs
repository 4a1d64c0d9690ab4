//! The article's photo: upload, caption and credit, removal.

use std::sync::Arc;

use axum::extract::{Multipart, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::Utc;
use kiosque_core::Error;
use kiosque_core::model::{Article, ImageUse};
use kiosque_core::service::editorial::EditorForm;
use kiosque_core::types::Permission;

use super::Newsroom;
use super::editor::{EditorPage, editable, render};
use super::upload::{self, Refusal};
use crate::{AppState, WebError};
use kiosque_core::service::saving::goes_public;

async fn show_error(
    state: &AppState,
    newsroom: &Newsroom,
    article: &Article,
    refusal: Refusal,
) -> Result<Response, WebError> {
    let page = EditorPage {
        article: Some(article),
        form: EditorForm::from_article(article, &newsroom.site),
        errors: Vec::new(),
        conflict: refusal.status == StatusCode::CONFLICT,
        flash: None,
        status: refusal.status,
        photo_error: Some(refusal.message),
        taken_by: None,
    };
    render(state, newsroom, page).await
}

pub(crate) async fn upload(
    State(state): State<Arc<AppState>>,
    newsroom: Newsroom,
    Path(id): Path<i64>,
    multipart: Multipart,
) -> Result<Response, WebError> {
    let read = upload::read_checked(multipart, &newsroom).await?;
    let article = editable(&state, &newsroom, id).await?;
    let Some(mut form) = read else {
        let refusal = upload::too_large(&state, &newsroom);
        return show_error(&state, &newsroom, &article, refusal).await;
    };
    newsroom.require(Permission::UploadMedia)?;
    let text = |name: &str, max: usize| {
        Some(
            form.field(name)
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" "),
        )
        .map(|s| s.chars().take(max).collect::<String>())
        .filter(|s| !s.is_empty())
    };
    let (caption, credit, alt) = (text("caption", 500), text("credit", 200), text("alt", 500));
    if form.field("action") != "remove" && alt.is_none() && goes_public(article.status) {
        let refusal = Refusal {
            message: state
                .strings(newsroom.site.language)
                .text("errors.alt_required"),
            status: StatusCode::UNPROCESSABLE_ENTITY,
        };
        return show_error(&state, &newsroom, &article, refusal).await;
    }
    let image = if form.field("action") == "remove" {
        None
    } else if let Some(bytes) = form.file.take() {
        match upload::store_image(&state, &newsroom, bytes, &form.file_name).await? {
            Ok(asset) => Some(asset),
            Err(refusal) => return show_error(&state, &newsroom, &article, refusal).await,
        }
    } else if let Some(existing) = &article.image {
        Some(existing.asset.clone())
    } else {
        let refusal = upload::missing(&state, &newsroom);
        return show_error(&state, &newsroom, &article, refusal).await;
    };
    if let Some(asset) = &image {
        // The texts belong to this article; the library takes them as
        // defaults for the image's next use where it has none.
        let library = asset
            .text
            .after_use(alt.as_deref(), caption.as_deref(), credit.as_deref());
        if library != asset.text {
            state.store.set_media_text(asset.id, &library).await?;
        }
    }
    let mut draft = EditorForm::from_article(&article, &newsroom.site)
        .validate(&newsroom.user, &newsroom.site, Utc::now())
        .map_err(|e| WebError::Internal(format!("article {id} no longer validates: {e:?}")))?;
    draft.image = image.map(|asset| ImageUse {
        id: asset.id,
        alt,
        caption,
        credit,
    });
    draft.published_at = Some(article.published_at);
    let version = form.field("version").trim().parse().unwrap_or_default();
    match state.store.update_article(id, version, &draft).await {
        Ok(_) => {
            Ok(Redirect::to(&format!("/admin/articles/{id}/edit?saved=1#photo")).into_response())
        }
        Err(Error::Conflict(_)) => {
            let refusal = Refusal {
                message: state.strings(newsroom.site.language).text("admin.conflict"),
                status: StatusCode::CONFLICT,
            };
            show_error(&state, &newsroom, &article, refusal).await
        }
        Err(e) => Err(e.into()),
    }
}
