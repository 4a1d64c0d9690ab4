//! Media files and the stylesheet: both named by their content's hash, so
//! both are cached by browsers and CDNs for a year without revalidation.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};

use crate::{AppState, WebError};

const IMMUTABLE: HeaderValue = HeaderValue::from_static("public, max-age=31536000, immutable");

pub(crate) async fn media(
    State(state): State<Arc<AppState>>,
    Path(file): Path<String>,
) -> Result<Response, WebError> {
    // Only names of the exact form this program writes reach the disk, so
    // `..`, slashes or encoded tricks cannot leave the media directory.
    if !kiosque_media::is_media_file_name(&file) {
        return Err(WebError::NotFound);
    }
    let bytes = match state.media.get(&file).await {
        Ok(Some(bytes)) => bytes,
        Ok(None) => return Err(WebError::NotFound),
        Err(e) => return Err(WebError::Internal(format!("reading media {file}: {e}"))),
    };
    Ok((
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static(kiosque_media::mime_of(&file)),
            ),
            (header::CACHE_CONTROL, IMMUTABLE),
        ],
        bytes,
    )
        .into_response())
}

/// Browsers, feed readers and crawlers ask for `/favicon.ico` whatever the
/// page says: sent to the icon rather than to a 404 page rendered for
/// each first visit.
pub(crate) async fn favicon(State(state): State<Arc<AppState>>) -> Response {
    super::moved_permanently(&state.templates.icon_path)
}

pub(crate) async fn asset(
    State(state): State<Arc<AppState>>,
    Path(file): Path<String>,
) -> Result<Response, WebError> {
    let path = format!("/assets/{file}");
    let (body, content_type) = state.templates.asset(&path).ok_or(WebError::NotFound)?;
    Ok((
        [
            (header::CONTENT_TYPE, HeaderValue::from_static(content_type)),
            (header::CACHE_CONTROL, IMMUTABLE),
        ],
        body,
    )
        .into_response())
}
