//! Reading requests and writing answers the API's way: malformed
//! parameters are a 400 in the error shape (not axum's plain text), and
//! every JSON answer carries an `ETag` so a client asking again with
//! `If-None-Match` gets a 304 without the body.

use axum::extract::{FromRequestParts, Path, Query};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use serde::de::DeserializeOwned;
use sha2::{Digest, Sha256};

use super::error::ApiError;

/// Query parameters, refused with a 400 that says which one is wrong.
pub(crate) struct Params<T>(pub(crate) T);

impl<T: DeserializeOwned + Send, S: Send + Sync> FromRequestParts<S> for Params<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        Query::<T>::from_request_parts(parts, state)
            .await
            .map(|Query(t)| Params(t))
            .map_err(|e| ApiError::bad_request(e.body_text()))
    }
}

/// Path parameters; one that cannot be read (an id that is not a number)
/// names nothing there is: 404 in the error shape.
pub(crate) struct Ids<T>(pub(crate) T);

impl<T: DeserializeOwned + Send, S: Send + Sync> FromRequestParts<S> for Ids<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        Path::<T>::from_request_parts(parts, state)
            .await
            .map(|Path(t)| Ids(t))
            .map_err(|_| ApiError::not_found())
    }
}

/// Whether the answer may be kept by shared caches (public content read
/// without a token) or only by the caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Audience {
    Public,
    Private,
}

/// A JSON answer with its `ETag` (the body's SHA-256), or a 304 when the
/// client already has this body.
pub(crate) fn json(
    asked: &HeaderMap,
    audience: Audience,
    value: &impl Serialize,
) -> Result<Response, ApiError> {
    let body = serde_json::to_vec(value).map_err(ApiError::internal)?;
    let etag = etag_of(&body);
    let cache = match audience {
        // Shared caches may keep it a minute; clients revalidate with the tag.
        Audience::Public => "public, max-age=60",
        Audience::Private => "private, no-cache",
    };
    let fresh = asked
        .get_all(header::IF_NONE_MATCH)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(|t| t.trim().trim_start_matches("W/"))
        .any(|t| t == etag || t == "*");
    let mut response = if fresh {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        (
            [(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            )],
            body,
        )
            .into_response()
    };
    let headers = response.headers_mut();
    if let Ok(v) = HeaderValue::from_str(&etag) {
        headers.insert(header::ETAG, v);
    }
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    Ok(response)
}

/// The entity tag of a JSON body: the start of its SHA-256. Objects without
/// a version (a section, a tag) are changed with `If-Match` set to this.
pub(crate) fn etag_of(body: &[u8]) -> String {
    let digest = Sha256::digest(body);
    format!(
        "\"{}\"",
        digest[..16]
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect::<String>()
    )
}

/// Whether `If-Match` names `etag`: 400 without one (as for articles), a
/// 412 for another.
pub(crate) fn check_if_match(asked: &HeaderMap, etag: &str) -> Result<(), ApiError> {
    let Some(given) = asked.get(header::IF_MATCH) else {
        return Err(ApiError::new(
            "if_match_required",
            "Send `If-Match` with the `ETag` the object was read with.",
        ));
    };
    let given = given.to_str().unwrap_or_default();
    if given
        .split(',')
        .map(|t| t.trim().trim_start_matches("W/"))
        .any(|t| t == etag || t == "*")
    {
        Ok(())
    } else {
        Err(ApiError::new(
            "precondition_failed",
            "It was changed since that `ETag`: nothing was changed. Read it again.",
        ))
    }
}

/// The answer to a write: the object as JSON with its `ETag` (what the next
/// `If-Match` names), never cached, and for something made (201) its
/// address in `Location`.
pub(crate) fn written(status: StatusCode, body: Vec<u8>, location: &str) -> Response {
    let etag = etag_of(&body);
    let mut response = (
        status,
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        )],
        body,
    )
        .into_response();
    let headers = response.headers_mut();
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    if let Ok(v) = HeaderValue::from_str(&etag) {
        headers.insert(header::ETAG, v);
    }
    if status == StatusCode::CREATED
        && !location.is_empty()
        && let Ok(v) = HeaderValue::from_str(location)
    {
        headers.insert(header::LOCATION, v);
    }
    response
}
