//! Photos of the library through the API: uploaded (multipart, as a form
//! would send it), read, and described (alt text, caption, credit, with
//! `If-Match`: its `ETag`). The image is taken by the same code as the
//! admin's forms (`crate::images`), the texts by the same rule
//! (`MediaText::checked`), with the same right (`UploadMedia`).

use std::sync::Arc;

use axum::extract::multipart::MultipartRejection;
use axum::extract::{Multipart, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use kiosque_core::model::{MediaAsset, MediaText, Site};
use kiosque_core::types::Permission;
use kiosque_media::MediaError;
use serde::Deserialize;
use utoipa::ToSchema;

use super::auth::Caller;
use super::body::{Body, Known};
use super::content::site_of;
use super::error::{ApiError, ErrorBody};
use super::extract::{Audience, Ids, check_if_match, etag_of, written};
use super::wire::PhotoOut;
use crate::AppState;

/// A photo to add, as `multipart/form-data` with one field. Its alt text,
/// caption and credit are set afterwards with `PATCH` (as JSON): the parts
/// of a multipart form carry no types, so typed fields belong there.
#[derive(Debug, ToSchema)]
#[allow(dead_code)] // Describes the form for the document; read field by field.
pub(crate) struct PhotoUpload {
    /// The image: JPEG, PNG, WebP or GIF (re-encoded, its metadata dropped).
    #[schema(value_type = String, format = Binary)]
    file: Vec<u8>,
}

/// A photo's texts; the fields sent replace theirs.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct PhotoTextIn {
    #[schema(max_length = 500)]
    alt: Option<String>,
    #[schema(max_length = 500)]
    caption: Option<String>,
    #[schema(max_length = 200)]
    credit: Option<String>,
}

impl Known for PhotoTextIn {
    const FIELDS: &'static [&'static str] = &["alt", "caption", "credit"];
}

fn shown(site: &Site, asset: &MediaAsset) -> Result<Vec<u8>, ApiError> {
    serde_json::to_vec(&PhotoOut::new(site, asset, None, None)).map_err(ApiError::internal)
}

async fn existing(state: &AppState, id: i64) -> Result<MediaAsset, ApiError> {
    state
        .store
        .media_asset(id)
        .await?
        .ok_or_else(ApiError::not_found)
}

fn refused(field: &str, code: &str) -> ApiError {
    ApiError::fields(
        "validation_failed",
        "Some fields are refused.",
        [(field.to_owned(), code.to_owned())],
    )
}

/// Adds a photo to the library (then `PATCH` it to describe it).
#[utoipa::path(
    post,
    path = "/api/v1/newsroom/media",
    tag = "newsroom",
    operation_id = "upload_photo",
    security(("token" = [])),
    request_body(content = PhotoUpload, content_type = "multipart/form-data"),
    responses(
        (status = 201, description = "Added; `Location` is its address.", body = PhotoOut),
        (status = 413, description = "Over the site's upload limit.", body = ErrorBody),
        (status = 415, description = "Not `multipart/form-data`.", body = ErrorBody),
        (status = 422, description = "`file: required`, `file: undecodable` (not a JPEG, PNG, WebP or GIF image), `file: too_many_pixels`, or a field other than `file` (`unknown`).", body = ErrorBody),
    ),
)]
pub(crate) async fn upload_photo(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    multipart: Result<Multipart, MultipartRejection>,
) -> Result<Response, ApiError> {
    let user = caller.writer(Permission::UploadMedia)?.clone();
    let mut multipart = multipart.map_err(|_| {
        ApiError::new(
            "unsupported_media_type",
            "Send the photo as `multipart/form-data`, in a field named `file`.",
        )
    })?;
    let too_large = || {
        ApiError::new(
            "payload_too_large",
            "The file is over the site's upload limit.",
        )
    };
    let broken = || ApiError::bad_request("The multipart body could not be read.");
    let (mut file, mut name) = (None, String::new());
    while let Some(field) = multipart.next_field().await.map_err(|e| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            too_large()
        } else {
            broken()
        }
    })? {
        let field_name = field.name().unwrap_or_default().to_owned();
        let read_error = |e: axum::extract::multipart::MultipartError| {
            if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
                too_large()
            } else {
                broken()
            }
        };
        match field_name.as_str() {
            "file" => {
                name = field
                    .file_name()
                    .unwrap_or_default()
                    .chars()
                    .filter(|c| !c.is_control())
                    .take(200)
                    .collect();
                file = Some(field.bytes().await.map_err(read_error)?.to_vec());
            }
            _ => return Err(refused(&field_name, "unknown")),
        }
    }
    let Some(bytes) = file.filter(|f| !f.is_empty()) else {
        return Err(refused("file", "required"));
    };
    let asset = match crate::images::ingest(&state, bytes, &name)
        .await
        .map_err(|e| ApiError::internal(format!("{e:?}")))?
    {
        Ok(asset) => asset,
        Err(MediaError::TooLarge { .. }) => return Err(too_large()),
        Err(MediaError::TooManyPixels { .. }) => return Err(refused("file", "too_many_pixels")),
        Err(_) => return Err(refused("file", "undecodable")),
    };
    tracing::info!(
        user = user.id,
        media = asset.id,
        "photo added through the API"
    );
    let site = site_of(&state).await?;
    Ok(written(
        StatusCode::CREATED,
        shown(&site, &asset)?,
        &format!("/api/v1/newsroom/media/{}", asset.id),
    ))
}

/// One photo of the library; its `ETag` is what `If-Match` names to
/// describe it.
#[utoipa::path(
    get,
    path = "/api/v1/newsroom/media/{id}",
    tag = "newsroom",
    operation_id = "get_photo",
    security(("token" = [])),
    params(("id" = i64, Path, description = "The photo's id.")),
    responses(
        (status = 200, description = "The photo.", body = PhotoOut),
        (status = 403, description = "The role may not use the library.", body = ErrorBody),
        (status = 404, description = "No such photo.", body = ErrorBody),
    ),
)]
pub(crate) async fn get_photo(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    headers: HeaderMap,
    Ids(id): Ids<i64>,
) -> Result<Response, ApiError> {
    caller.viewer(Permission::UploadMedia)?;
    let site = site_of(&state).await?;
    let asset = existing(&state, id).await?;
    super::extract::json(
        &headers,
        Audience::Private,
        &PhotoOut::new(&site, &asset, None, None),
    )
}

/// Changes a photo's alt text, caption or credit (the fields sent), with
/// `If-Match`: its `ETag`.
#[utoipa::path(
    patch,
    path = "/api/v1/newsroom/media/{id}",
    tag = "newsroom",
    operation_id = "describe_photo",
    security(("token" = [])),
    params(
        ("id" = i64, Path, description = "The photo's id."),
        ("If-Match" = String, Header, description = "The `ETag` the photo was read with."),
    ),
    request_body(content = PhotoTextIn, content_type = "application/json"),
    responses(
        (status = 200, description = "Described.", body = PhotoOut),
        (status = 404, description = "No such photo.", body = ErrorBody),
        (status = 412, description = "Changed since that `ETag`: nothing was changed.", body = ErrorBody),
    ),
)]
pub(crate) async fn describe_photo(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    headers: HeaderMap,
    Ids(id): Ids<i64>,
    body: Body<PhotoTextIn>,
) -> Result<Response, ApiError> {
    caller.writer(Permission::UploadMedia)?;
    let site = site_of(&state).await?;
    let mut asset = existing(&state, id).await?;
    let current = shown(&site, &asset)?;
    let asked = body.value;
    let text = MediaText::checked(
        asked.alt.as_deref().unwrap_or(&asset.text.alt),
        asked.caption.as_deref().unwrap_or(&asset.text.caption),
        asked.credit.as_deref().unwrap_or(&asset.text.credit),
    )?;
    check_if_match(&headers, &etag_of(&current))?;
    state.store.set_media_text(id, &text).await?;
    asset.text = text;
    Ok(written(
        StatusCode::OK,
        shown(&site, &asset)?,
        &format!("/api/v1/newsroom/media/{}", id),
    ))
}
