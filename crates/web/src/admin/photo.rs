//! The article's photo: upload, caption and credit, removal.

use std::sync::Arc;

use axum::extract::{Multipart, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::Utc;
use kiosque_core::Error;
use kiosque_core::model::Article;
use kiosque_core::service::editorial::EditorForm;
use kiosque_core::types::Permission;

use super::Newsroom;
use super::editor::{EditorPage, editable, render};
use super::upload::{self, Refusal};
use crate::{AppState, WebError};

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
    };
    render(state, newsroom, page).await
}

pub(crate) async fn upload(
    State(state): State<Arc<AppState>>,
    newsroom: Newsroom,
    Path(id): Path<i64>,
    multipart: Multipart,
) -> Result<Response, WebError> {
    let read = upload::read(multipart).await;
    let article = editable(&state, &newsroom, id).await?;
    let Ok(mut form) = read else {
        let refusal = upload::too_large(&state, &newsroom);
        return show_error(&state, &newsroom, &article, refusal).await;
    };
    newsroom.check_csrf(form.field("csrf"))?;
    newsroom.require(Permission::UploadMedia)?;
    let image = if form.field("action") == "remove" {
        None
    } else if let Some(bytes) = form.file.take() {
        match upload::store_image(&state, &newsroom, bytes, &form.file_name).await? {
            Ok(asset) => Some(asset.id),
            Err(refusal) => return show_error(&state, &newsroom, &article, refusal).await,
        }
    } else if let Some(existing) = &article.image {
        Some(existing.asset.id)
    } else {
        let refusal = upload::missing(&state, &newsroom);
        return show_error(&state, &newsroom, &article, refusal).await;
    };
    let mut draft = EditorForm::from_article(&article, &newsroom.site)
        .validate(&newsroom.user, &newsroom.site, Utc::now())
        .map_err(|e| WebError::Internal(format!("article {id} no longer validates: {e:?}")))?;
    let text = |name: &str, max: usize| {
        Some(
            form.field(name)
                .trim()
                .chars()
                .take(max)
                .collect::<String>(),
        )
        .filter(|s| !s.is_empty())
    };
    draft.image = image.map(|asset| (asset, text("caption", 500), text("credit", 200)));
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
