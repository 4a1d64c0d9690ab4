//! `POST /wp/v2/media`: a photo sent as WordPress's clients send one —
//! the raw file with `Content-Disposition: attachment; filename=…`, or a
//! multipart form with a `file` field (and `alt_text`, `caption`) — stored
//! as the admin and `/api/v1/` store one (`images::ingest`: decoded,
//! re-encoded without its metadata, copies made).

use std::sync::Arc;

use axum::extract::{FromRequest, Multipart, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::Response;
use chrono::Utc;
use kiosque_core::model::{MediaText, PublicMedia};
use kiosque_core::types::Permission;
use kiosque_media::MediaError;

use super::auth::WpCaller;
use super::error::WpError;
use super::media::draw;
use super::posts::site;
use super::respond::{Ask, json_response, route_url};
use crate::AppState;

/// The file name of `Content-Disposition: attachment; filename="…"`.
fn disposition_name(value: &str) -> Option<String> {
    value.split(';').map(str::trim).find_map(|part| {
        let (key, name) = part.split_once('=')?;
        key.trim()
            .eq_ignore_ascii_case("filename")
            .then(|| name.trim().trim_matches('"').to_owned())
    })
}

fn clean_name(name: &str) -> String {
    name.chars().filter(|c| !c.is_control()).take(200).collect()
}

pub(crate) async fn upload_media(
    State(state): State<Arc<AppState>>,
    caller: WpCaller,
    request: Request,
) -> Result<Response, WpError> {
    caller.may(
        Permission::UploadMedia,
        "rest_cannot_create",
        "Sorry, you are not allowed to upload media on this site.",
    )?;
    let too_large = || {
        WpError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "rest_upload_file_too_big",
            "The file is over the site's upload limit.",
        )
    };
    let kind = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_ascii_lowercase();
    let mut text = MediaText::default();
    let (bytes, name) = if kind.starts_with("multipart/form-data") {
        let mut form = Multipart::from_request(request, &state)
            .await
            .map_err(|_| {
                WpError::new(
                    StatusCode::BAD_REQUEST,
                    "rest_upload_no_data",
                    "No data supplied.",
                )
            })?;
        let (mut file, mut name) = (None, String::new());
        while let Some(field) = form.next_field().await.map_err(|e| {
            if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
                too_large()
            } else {
                WpError::new(
                    StatusCode::BAD_REQUEST,
                    "rest_upload_no_data",
                    "The form could not be read.",
                )
            }
        })? {
            let field_name = field.name().unwrap_or_default().to_owned();
            let file_name = field.file_name().map(clean_name);
            let value = field.bytes().await.map_err(|e| {
                if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
                    too_large()
                } else {
                    WpError::new(
                        StatusCode::BAD_REQUEST,
                        "rest_upload_no_data",
                        "The form could not be read.",
                    )
                }
            })?;
            let text_of = |v: &[u8]| String::from_utf8_lossy(v).into_owned();
            match field_name.as_str() {
                "file" => {
                    file = Some(value.to_vec());
                    name = file_name.unwrap_or_default();
                }
                "alt_text" => text.alt = text_of(&value),
                "caption" => text.caption = kiosque_transfer::content::plain_text(&text_of(&value)),
                _ => {}
            }
        }
        (file, name)
    } else {
        let name = request
            .headers()
            .get(header::CONTENT_DISPOSITION)
            .and_then(|v| v.to_str().ok())
            .and_then(disposition_name)
            .ok_or_else(|| {
                WpError::new(
                    StatusCode::BAD_REQUEST,
                    "rest_upload_no_content_disposition",
                    "No Content-Disposition supplied.",
                )
            })?;
        let body = axum::body::to_bytes(request.into_body(), usize::MAX)
            .await
            .map_err(|_| too_large())?;
        (Some(body.to_vec()), clean_name(&name))
    };
    let Some(bytes) = bytes.filter(|b| !b.is_empty()) else {
        return Err(WpError::new(
            StatusCode::BAD_REQUEST,
            "rest_upload_no_data",
            "No data supplied.",
        ));
    };
    let asset = match crate::images::ingest(&state, bytes, &name)
        .await
        .map_err(|e| WpError::internal(format!("{e:?}")))?
    {
        Ok(asset) => asset,
        Err(MediaError::TooLarge { .. }) => return Err(too_large()),
        Err(_) => {
            return Err(WpError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "rest_upload_sideload_error",
                "Sorry, this file type is not permitted: send a JPEG, PNG, WebP or GIF photo.",
            ));
        }
    };
    if !(text.alt.is_empty() && text.caption.is_empty()) {
        let checked = MediaText::checked(&text.alt, &text.caption, "")
            .map_err(|_| WpError::invalid_param("alt_text", "too long"))?;
        state.store.set_media_text(asset.id, &checked).await?;
    }
    let site = site(&state).await?;
    let stored = state
        .store
        .media_asset(asset.id)
        .await?
        .ok_or_else(|| WpError::internal("an uploaded photo vanished"))?;
    let found = PublicMedia {
        asset: stored,
        uploaded_at: Utc::now(),
        article: None,
    };
    let item = draw(&state, &site, &Ask::edit(), std::slice::from_ref(&found))
        .await?
        .pop()
        .ok_or_else(|| WpError::internal("nothing drawn"))?;
    let id = item["id"].as_i64().unwrap_or(asset.id);
    let mut response = json_response(StatusCode::CREATED, &item);
    if let Ok(v) = HeaderValue::from_str(&route_url(&site, &format!("media/{id}"))) {
        response.headers_mut().insert(header::LOCATION, v);
    }
    Ok(response)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_file_name_comes_from_content_disposition() {
        assert_eq!(
            disposition_name("attachment; filename=\"une photo.jpg\"").as_deref(),
            Some("une photo.jpg")
        );
        assert_eq!(
            disposition_name("attachment; filename=a.png").as_deref(),
            Some("a.png")
        );
        assert_eq!(disposition_name("inline"), None);
    }
}
