//! Request bodies: JSON only, size-limited, every field known. A body
//! naming a field the endpoint does not take is refused (422 naming each),
//! not half-applied: a typo in a field name is a mistake to report, not a
//! change to drop silently.

use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::http::header;
use serde::de::DeserializeOwned;
use sha2::{Digest, Sha256};

use super::error::ApiError;

/// A body type's field names, for the unknown-field check.
pub(crate) trait Known {
    /// Every field it takes.
    const FIELDS: &'static [&'static str];
}

/// A JSON body of type `T`, with the hash of the request it came in (the
/// `Idempotency-Key` check compares it).
pub(crate) struct Body<T> {
    pub(crate) value: T,
    pub(crate) hash: String,
}

impl<T: DeserializeOwned + Known, S: Send + Sync> FromRequest<S> for Body<T> {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        let json = request
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(';').next())
            .is_some_and(|t| t.trim().eq_ignore_ascii_case("application/json"));
        if !json {
            return Err(ApiError::new(
                "unsupported_media_type",
                "The body must be JSON, sent as `Content-Type: application/json`.",
            ));
        }
        let what = format!("{} {}", request.method(), request.uri().path());
        let bytes = Bytes::from_request(request, state).await.map_err(|e| {
            if e.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
                ApiError::new("payload_too_large", "The body is too large.")
            } else {
                ApiError::bad_request(e.body_text())
            }
        })?;
        let parsed: serde_json::Value = serde_json::from_slice(&bytes)
            .map_err(|e| ApiError::bad_request(format!("The body is not valid JSON: {e}.")))?;
        let Some(object) = parsed.as_object() else {
            return Err(ApiError::bad_request("The body must be a JSON object."));
        };
        let unknown: Vec<(String, String)> = object
            .keys()
            .filter(|k| !T::FIELDS.contains(&k.as_str()))
            .map(|k| (k.clone(), "unknown".to_owned()))
            .collect();
        if !unknown.is_empty() {
            return Err(ApiError::fields(
                "unknown_fields",
                format!(
                    "Unknown fields: {}. This endpoint takes: {}.",
                    unknown
                        .iter()
                        .map(|(k, _)| k.as_str())
                        .collect::<Vec<_>>()
                        .join(", "),
                    T::FIELDS.join(", ")
                ),
                unknown,
            ));
        }
        let value = serde_json::from_value(parsed).map_err(|e| {
            ApiError::fields(
                "validation_failed",
                format!("A field has the wrong type: {e}."),
                std::iter::empty(),
            )
        })?;
        let mut hasher = Sha256::new();
        hasher.update(what.as_bytes());
        hasher.update(b"\n");
        hasher.update(&bytes);
        let hash = hasher
            .finalize()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        Ok(Body { value, hash })
    }
}
