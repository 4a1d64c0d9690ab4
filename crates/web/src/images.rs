//! Storing an uploaded image: decoded, re-encoded without its metadata and
//! kept with kiosque-media (which never trusts a file's name or type), then
//! recorded in the library — for the admin's forms and the API alike.

use kiosque_core::model::MediaAsset;
use kiosque_media::MediaError;

use crate::{AppState, WebError};

/// Decodes, re-encodes and stores an image and records it in the library,
/// for the admin's forms and the API alike; the inner `Err` says why the
/// file is not an acceptable image.
pub(crate) async fn ingest(
    state: &AppState,
    bytes: Vec<u8>,
    original_name: &str,
) -> Result<Result<MediaAsset, MediaError>, WebError> {
    let limits = state.config.media_limits;
    let ingested = tokio::task::spawn_blocking(move || kiosque_media::ingest(&bytes, limits))
        .await
        .map_err(|e| WebError::Internal(format!("image decoding: {e}")))?;
    let mut ingested = match ingested {
        Ok(i) => i,
        Err(reason) => return Ok(Err(reason)),
    };
    ingested.meta.original_name = original_name.to_owned();
    state
        .media
        .put(&ingested.meta.file_name, ingested.bytes)
        .await
        .map_err(|e| media_failure("storing image", e))?;
    Ok(Ok(state.store.save_media(&ingested.meta).await?))
}

/// Media storage that failed: a full disk or a bucket out of reach is a
/// 503 to try again (nothing was recorded); credentials the bucket refuses
/// are a setting to fix, a 500 with the cause in the log.
pub(crate) fn media_failure(doing: &str, e: MediaError) -> WebError {
    match &e {
        MediaError::Io(io) if io.kind() == std::io::ErrorKind::StorageFull => {
            WebError::from(kiosque_core::Error::disk_full(e))
        }
        MediaError::Io(io) if io.kind() == std::io::ErrorKind::PermissionDenied => {
            WebError::Internal(format!("{doing}: {e}"))
        }
        _ => {
            tracing::warn!(error = %e, "{doing}: media storage out of reach");
            WebError::from(kiosque_core::Error::unavailable(e))
        }
    }
}
