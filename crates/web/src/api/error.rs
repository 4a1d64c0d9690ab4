//! The API's one error shape, `{"error": {"code", "message", "fields"}}`,
//! and the table of its codes (docs/API.md is written from the same list).

use std::collections::BTreeMap;

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use kiosque_core::Error;
use serde::Serialize;
use utoipa::ToSchema;

/// Every code an API error can carry: (code, status, when).
pub(crate) const CODES: &[(&str, u16, &str)] = &[
    (
        "bad_request",
        400,
        "A parameter or the body cannot be read (not a number, not JSON, an unknown cursor).",
    ),
    (
        "invalid_token",
        401,
        "The `Authorization` header is not a valid, unexpired, unrevoked token (even on a public endpoint).",
    ),
    (
        "forbidden",
        403,
        "The token's user may not do this, or the token is read-only.",
    ),
    (
        "not_found",
        404,
        "No such object, or not visible to this caller.",
    ),
    (
        "method_not_allowed",
        405,
        "The path exists, not with this method.",
    ),
    (
        "conflict",
        409,
        "The request clashes with what is stored (an address taken; an `Idempotency-Key` reused with another body).",
    ),
    (
        "precondition_failed",
        412,
        "`If-Match` names a version that is no longer the current one: nothing was changed.",
    ),
    (
        "if_match_required",
        400,
        "A change to an existing object needs `If-Match` with its current `ETag` (its version).",
    ),
    (
        "payload_too_large",
        413,
        "The body is larger than the endpoint takes.",
    ),
    (
        "unsupported_media_type",
        415,
        "The body is not `application/json` (or `multipart/form-data` for uploads).",
    ),
    (
        "validation_failed",
        422,
        "The body was read but some fields are refused; `fields` names each with why.",
    ),
    (
        "unknown_fields",
        422,
        "The body has fields the endpoint does not know; `fields` names them.",
    ),
    (
        "rate_limited",
        429,
        "Too many requests with this token; `Retry-After` says when to try again.",
    ),
    (
        "internal_error",
        500,
        "Kiosque failed; the cause is in the server's log, never in the answer.",
    ),
    (
        "unavailable",
        503,
        "The database cannot be reached just now (restarting, or swamped), or the server's disk is full: nothing was done; `Retry-After` says when to try again (5 s, or 60 s for a full disk).",
    ),
];

/// What a failed request answers.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct ErrorBody {
    error: ErrorDetail,
}

/// The error itself.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct ErrorDetail {
    /// One of the codes in the table of docs/API.md (`not_found`,
    /// `validation_failed`…): what a program tests.
    #[schema(example = "validation_failed")]
    code: String,
    /// What went wrong, for the developer reading it.
    #[schema(example = "Some fields are refused.")]
    message: String,
    /// For `validation_failed` and `unknown_fields`: each field and why.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    #[schema(example = json!({"title": "required"}))]
    fields: BTreeMap<String, String>,
}

/// A failed API request.
#[derive(Debug)]
pub(crate) struct ApiError {
    code: &'static str,
    message: String,
    fields: BTreeMap<String, String>,
    retry_after: Option<u64>,
}

impl ApiError {
    /// An error of a code from [`CODES`].
    pub(crate) fn new(code: &'static str, message: impl Into<String>) -> Self {
        debug_assert!(CODES.iter().any(|(c, ..)| *c == code), "{code}");
        ApiError {
            code,
            message: message.into(),
            fields: BTreeMap::new(),
            retry_after: None,
        }
    }

    pub(crate) fn bad_request(message: impl Into<String>) -> Self {
        Self::new("bad_request", message)
    }

    pub(crate) fn not_found() -> Self {
        Self::new("not_found", "There is nothing at this address.")
    }

    pub(crate) fn forbidden(message: impl Into<String>) -> Self {
        Self::new("forbidden", message)
    }

    /// A 422 naming each refused field with its reason.
    pub(crate) fn fields(
        code: &'static str,
        message: impl Into<String>,
        fields: impl IntoIterator<Item = (String, String)>,
    ) -> Self {
        ApiError {
            fields: fields.into_iter().collect(),
            ..Self::new(code, message)
        }
    }

    pub(crate) fn rate_limited(wait: u64) -> Self {
        ApiError {
            retry_after: Some(wait.max(1)),
            ..Self::new(
                "rate_limited",
                format!("Too many requests with this token: wait {} s.", wait.max(1)),
            )
        }
    }

    pub(crate) fn internal(cause: impl std::fmt::Display) -> Self {
        tracing::error!(%cause, "API request failed");
        Self::new("internal_error", "Kiosque failed; the cause is in its log.")
    }

    fn status(&self) -> StatusCode {
        CODES
            .iter()
            .find(|(c, ..)| *c == self.code)
            .and_then(|(_, s, _)| StatusCode::from_u16(*s).ok())
            .unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
    }
}

impl From<Error> for ApiError {
    fn from(e: Error) -> Self {
        match e {
            Error::Invalid(fields) => ApiError::fields(
                "validation_failed",
                "Some fields are refused.",
                fields
                    .into_iter()
                    .map(|f| (f.field.to_owned(), f.code.to_owned())),
            ),
            Error::NotFound(_) => ApiError::not_found(),
            Error::Conflict(message) => ApiError::new("conflict", message),
            Error::Unavailable(_) => ApiError {
                retry_after: Some(crate::error::answered_unavailable(&e)),
                ..Self::new(
                    "unavailable",
                    if e.is_disk_full() {
                        "The server's disk is full: nothing was written. Try again once space is freed."
                    } else {
                        "The database cannot be reached just now: nothing was done. Try again shortly."
                    },
                )
            },
            backend => ApiError::internal(crate::error::chain(&backend)),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = self.status();
        let body = ErrorBody {
            error: ErrorDetail {
                code: self.code.to_owned(),
                message: self.message,
                fields: self.fields,
            },
        };
        let json = serde_json::to_vec(&body).unwrap_or_default();
        let mut response = (
            status,
            [(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            )],
            json,
        )
            .into_response();
        let headers = response.headers_mut();
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        if let Some(wait) = self.retry_after {
            headers.insert(header::RETRY_AFTER, HeaderValue::from(wait));
        }
        if status == StatusCode::UNAUTHORIZED {
            headers.insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer realm=\"kiosque\""),
            );
        }
        response
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_is_snake_case_with_a_real_status() {
        for (code, status, _) in CODES {
            assert!(code.bytes().all(|b| b.is_ascii_lowercase() || b == b'_'));
            assert!(StatusCode::from_u16(*status).is_ok());
        }
    }
}
