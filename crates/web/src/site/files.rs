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
        Err(e) => {
            return Err(crate::images::media_failure(
                &format!("reading media {file}"),
                e,
            ));
        }
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
    headers: axum::http::HeaderMap,
) -> Result<Response, WebError> {
    let path = format!("/assets/{file}");
    let asset = state
        .templates
        .served_asset(&path)
        .ok_or(WebError::NotFound)?;
    let content_type = (
        header::CONTENT_TYPE,
        HeaderValue::from_static(asset.content_type),
    );
    if let Some(brotli) = asset.brotli {
        let vary = (header::VARY, HeaderValue::from_static("accept-encoding"));
        // Compressed once by the build; the compression layer leaves a
        // response that already has an encoding alone.
        if crate::cache::accepts_brotli(&headers) {
            return Ok((
                [
                    content_type,
                    (header::CACHE_CONTROL, IMMUTABLE),
                    (header::CONTENT_ENCODING, HeaderValue::from_static("br")),
                    vary,
                ],
                brotli,
            )
                .into_response());
        }
        return Ok((
            [content_type, (header::CACHE_CONTROL, IMMUTABLE), vary],
            asset.body,
        )
            .into_response());
    }
    Ok((
        [content_type, (header::CACHE_CONTROL, IMMUTABLE)],
        asset.body,
    )
        .into_response())
}
