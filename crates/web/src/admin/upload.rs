//! Image uploads from admin forms (article photo, logo, author portrait):
//! reading the multipart body, and decoding, re-encoding and storing the
//! image with kiosque-media, which never trusts a file's name or type.

use std::collections::HashMap;

use axum::extract::Multipart;
use axum::http::StatusCode;
use kiosque_core::model::MediaAsset;
use kiosque_media::MediaError;

use super::Newsroom;
use crate::{AppState, WebError};

/// The text fields of a multipart form and its `file` field, if one was
/// chosen.
#[derive(Debug, Default)]
pub(crate) struct Upload {
    pub(crate) fields: HashMap<String, String>,
    pub(crate) file: Option<Vec<u8>>,
    /// The name the file had on the sender's computer.
    pub(crate) file_name: String,
}

impl Upload {
    /// A text field, empty when absent.
    pub(crate) fn field(&self, name: &str) -> &str {
        self.fields
            .get(name)
            .map(String::as_str)
            .unwrap_or_default()
    }
}

/// Why an image was not taken: the message to show and the status to
/// answer with.
#[derive(Debug)]
pub(crate) struct Refusal {
    pub(crate) message: String,
    pub(crate) status: StatusCode,
}

/// Reads the whole form; `Err` when the body broke off or went over the
/// route's size limit.
/// Reads an upload form and checks its token before anything else can
/// answer (a missing article, an image refused): a form without this
/// session's token is a 403 whatever else is wrong with it. `None`: the
/// body broke off or passed the limit. A body refused before its first
/// field (its announced length over the limit) has no token to check; it
/// did nothing, and is answered as too large.
pub(crate) async fn read_checked(
    multipart: Multipart,
    newsroom: &Newsroom,
) -> Result<Option<Upload>, WebError> {
    let (upload, complete) = read(multipart).await;
    if complete || !upload.fields.is_empty() {
        newsroom.check_csrf(upload.field("csrf"))?;
    }
    Ok(complete.then_some(upload))
}

/// The fields read, and whether the whole body was.
async fn read(mut multipart: Multipart) -> (Upload, bool) {
    let mut upload = Upload::default();
    loop {
        let field = match multipart.next_field().await {
            Ok(Some(field)) => field,
            Ok(None) => return (upload, true),
            Err(_) => return (upload, false),
        };
        let name = field.name().unwrap_or_default().to_owned();
        if name == "file" {
            upload.file_name = field
                .file_name()
                .unwrap_or_default()
                .chars()
                .filter(|c| !c.is_control())
                .take(200)
                .collect();
            let Ok(bytes) = field.bytes().await else {
                return (upload, false);
            };
            if !bytes.is_empty() {
                upload.file = Some(bytes.to_vec());
            }
        } else {
            let Ok(text) = field.text().await else {
                return (upload, false);
            };
            upload.fields.insert(name, text);
        }
    }
}

/// The refusal for a body over the size limit.
pub(crate) fn too_large(state: &AppState, newsroom: &Newsroom) -> Refusal {
    let reason = MediaError::TooLarge {
        size: 0,
        max: state.config.media_limits.max_bytes,
    };
    refusal(state, newsroom, &reason)
}

fn refusal(state: &AppState, newsroom: &Newsroom, reason: &MediaError) -> Refusal {
    let strings = state.strings(newsroom.site.language);
    let (message, status) = match reason {
        MediaError::TooLarge { max, .. } => (
            strings
                .text("admin.photo_too_large")
                .replace("{max}", &(max / 1_000_000).to_string()),
            StatusCode::PAYLOAD_TOO_LARGE,
        ),
        MediaError::TooManyPixels { width, height, .. } => (
            strings
                .text("admin.photo_too_many_pixels")
                .replace("{width}", &width.to_string())
                .replace("{height}", &height.to_string()),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        _ => (
            strings.text("admin.photo_undecodable"),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
    };
    Refusal { message, status }
}

/// The refusal for a form sent without a file.
pub(crate) fn missing(state: &AppState, newsroom: &Newsroom) -> Refusal {
    Refusal {
        message: state
            .strings(newsroom.site.language)
            .text("admin.photo_missing"),
        status: StatusCode::UNPROCESSABLE_ENTITY,
    }
}

/// Decodes, re-encodes and stores an image (off the async threads: decoding
/// is CPU work), then records it. The inner `Err` is a refusal to show.
pub(crate) async fn store_image(
    state: &AppState,
    newsroom: &Newsroom,
    bytes: Vec<u8>,
    original_name: &str,
) -> Result<Result<MediaAsset, Refusal>, WebError> {
    Ok(
        match crate::images::ingest(state, bytes, original_name).await? {
            Ok(asset) => Ok(asset),
            Err(reason) => {
                tracing::info!(user = newsroom.user.id, %reason, "image refused");
                Err(refusal(state, newsroom, &reason))
            }
        },
    )
}

/// What a "save or remove" image form asks for: `Ok(None)` to remove the
/// image, `Ok(Some(_))` for the newly stored one, `Err` for a refusal to
/// show (no file chosen, or not an acceptable image).
pub(crate) async fn replacement(
    state: &AppState,
    newsroom: &Newsroom,
    form: &mut Upload,
) -> Result<Result<Option<MediaAsset>, Refusal>, WebError> {
    if form.field("action") == "remove" {
        return Ok(Ok(None));
    }
    Ok(match form.file.take() {
        Some(bytes) => store_image(state, newsroom, bytes, &form.file_name)
            .await?
            .map(Some),
        None => Err(missing(state, newsroom)),
    })
}
