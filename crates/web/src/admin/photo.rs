//! The article's photo: upload (decoded and re-encoded by kiosque-media,
//! never trusted by its name), caption and credit, removal.

use std::sync::Arc;

use axum::extract::{Multipart, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::Utc;
use kiosque_core::Error;
use kiosque_core::model::Article;
use kiosque_core::service::editorial::EditorForm;
use kiosque_core::types::Permission;
use kiosque_media::MediaError;

use super::Newsroom;
use super::editor::{EditorPage, editable, render};
use crate::{AppState, WebError};

/// What the photo form sent.
#[derive(Default)]
struct PhotoForm {
    csrf: String,
    version: i64,
    caption: String,
    credit: String,
    remove: bool,
    file: Option<Vec<u8>>,
}

/// Reads the form; `Err` carries the reason to show (a body over the limit).
async fn read(mut multipart: Multipart) -> Result<PhotoForm, &'static str> {
    let mut form = PhotoForm::default();
    loop {
        let field = match multipart.next_field().await {
            Ok(Some(f)) => f,
            Ok(None) => return Ok(form),
            Err(_) => return Err("too_large"),
        };
        let name = field.name().unwrap_or_default().to_owned();
        if name == "file" {
            let bytes = field.bytes().await.map_err(|_| "too_large")?;
            if !bytes.is_empty() {
                form.file = Some(bytes.to_vec());
            }
            continue;
        }
        let text = field.text().await.map_err(|_| "too_large")?;
        match name.as_str() {
            "csrf" => form.csrf = text,
            "version" => form.version = text.trim().parse().unwrap_or_default(),
            "caption" => form.caption = text.trim().chars().take(500).collect(),
            "credit" => form.credit = text.trim().chars().take(200).collect(),
            "action" => form.remove = text == "remove",
            _ => {}
        }
    }
}

fn refused(state: &AppState, newsroom: &Newsroom, reason: &MediaError) -> String {
    let strings = state.strings(newsroom.site.language);
    match reason {
        MediaError::TooLarge { max, .. } => strings
            .text("admin.photo_too_large")
            .replace("{max}", &(max / 1_000_000).to_string()),
        MediaError::TooManyPixels { width, height, .. } => strings
            .text("admin.photo_too_many_pixels")
            .replace("{width}", &width.to_string())
            .replace("{height}", &height.to_string()),
        _ => strings.text("admin.photo_undecodable"),
    }
}

async fn show_error(
    state: &AppState,
    newsroom: &Newsroom,
    article: &Article,
    message: String,
    status: StatusCode,
) -> Result<Response, WebError> {
    let page = EditorPage {
        article: Some(article),
        form: EditorForm::from_article(article),
        errors: Vec::new(),
        conflict: status == StatusCode::CONFLICT,
        flash: None,
        status,
        photo_error: Some(message),
    };
    render(state, newsroom, page).await
}

pub(crate) async fn upload(
    State(state): State<Arc<AppState>>,
    newsroom: Newsroom,
    Path(id): Path<i64>,
    multipart: Multipart,
) -> Result<Response, WebError> {
    let read = read(multipart).await;
    let article = editable(&state, &newsroom, id).await?;
    let form = match read {
        Ok(form) => form,
        Err(_) => {
            let too_large = MediaError::TooLarge {
                size: 0,
                max: state.config.media_limits.max_bytes,
            };
            let message = refused(&state, &newsroom, &too_large);
            return show_error(
                &state,
                &newsroom,
                &article,
                message,
                StatusCode::PAYLOAD_TOO_LARGE,
            )
            .await;
        }
    };
    newsroom.check_csrf(&form.csrf)?;
    newsroom.require(Permission::UploadMedia)?;
    let image = if form.remove {
        None
    } else if let Some(bytes) = form.file {
        let limits = state.config.media_limits;
        let ingested = tokio::task::spawn_blocking(move || kiosque_media::ingest(&bytes, limits))
            .await
            .map_err(|e| WebError::Internal(format!("image decoding: {e}")))?;
        let ingested = match ingested {
            Ok(i) => i,
            Err(reason) => {
                tracing::info!(user = newsroom.user.id, %reason, "image refused");
                let message = refused(&state, &newsroom, &reason);
                let status = match reason {
                    MediaError::TooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
                    _ => StatusCode::UNPROCESSABLE_ENTITY,
                };
                return show_error(&state, &newsroom, &article, message, status).await;
            }
        };
        let media = state.media.clone();
        let name = ingested.meta.file_name.clone();
        let bytes = ingested.bytes;
        tokio::task::spawn_blocking(move || media.put(&name, &bytes))
            .await
            .map_err(|e| WebError::Internal(format!("storing image: {e}")))?
            .map_err(|e| WebError::Internal(format!("storing image: {e}")))?;
        let asset = state.store.save_media(&ingested.meta).await?;
        Some(asset.id)
    } else if let Some(existing) = &article.image {
        Some(existing.asset.id)
    } else {
        let message = state
            .strings(newsroom.site.language)
            .text("admin.photo_missing");
        return show_error(
            &state,
            &newsroom,
            &article,
            message,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    };
    let mut draft = EditorForm::from_article(&article)
        .validate(&newsroom.user, newsroom.site.language, Utc::now())
        .map_err(|e| WebError::Internal(format!("article {id} no longer validates: {e:?}")))?;
    let some = |s: String| Some(s).filter(|s| !s.is_empty());
    draft.image = image.map(|asset| (asset, some(form.caption), some(form.credit)));
    draft.published_at = Some(article.published_at);
    match state.store.update_article(id, form.version, &draft).await {
        Ok(_) => {
            Ok(Redirect::to(&format!("/admin/articles/{id}/edit?saved=1#photo")).into_response())
        }
        Err(Error::Conflict(_)) => {
            let message = state.strings(newsroom.site.language).text("admin.conflict");
            show_error(&state, &newsroom, &article, message, StatusCode::CONFLICT).await
        }
        Err(e) => Err(e.into()),
    }
}
