//! WordPress's error shape: `{"code", "message", "data": {"status"}}`,
//! with the codes WordPress's own routes answer, so a client's error
//! handling keeps working.

use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};

/// An error as WordPress's REST API answers it.
#[derive(Debug)]
pub(crate) struct WpError {
    status: StatusCode,
    code: &'static str,
    message: String,
    params: Option<Map<String, Value>>,
    retry_after: Option<u64>,
}

impl WpError {
    pub(crate) fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        WpError {
            status,
            code,
            message: message.into(),
            params: None,
            retry_after: None,
        }
    }

    /// An address (or method) no route answers.
    pub(crate) fn no_route() -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "rest_no_route",
            "No route was found matching the URL and request method.",
        )
    }

    /// A query parameter out of its range or of the wrong type.
    pub(crate) fn invalid_param(name: &str, why: impl Into<String>) -> Self {
        let mut params = Map::new();
        params.insert(name.to_owned(), Value::String(why.into()));
        WpError {
            status: StatusCode::BAD_REQUEST,
            code: "rest_invalid_param",
            message: format!("Invalid parameter(s): {name}"),
            params: Some(params),
            retry_after: None,
        }
    }

    /// Nothing public at that id.
    pub(crate) fn missing(code: &'static str, message: &str) -> Self {
        Self::new(StatusCode::NOT_FOUND, code, message)
    }

    /// A page number past the last page.
    pub(crate) fn page_past_end(code: &'static str) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            code,
            "The page number requested is larger than the number of pages available.",
        )
    }

    /// What only a signed-in caller may ask.
    pub(crate) fn unauthorized(code: &'static str, message: &str) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, code, message)
    }

    /// A failure of ours, logged; the client learns nothing of its cause.
    pub(crate) fn internal(cause: impl std::fmt::Display) -> Self {
        tracing::error!(error = %cause, "WordPress API request failed");
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "rest_internal_error",
            "Something went wrong on the server.",
        )
    }
}

impl From<kiosque_core::Error> for WpError {
    fn from(e: kiosque_core::Error) -> Self {
        match e {
            kiosque_core::Error::Unavailable(_) => WpError {
                retry_after: Some(crate::error::answered_unavailable(&e)),
                ..Self::new(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "rest_unavailable",
                    "The site cannot answer just now. Try again shortly.",
                )
            },
            other => WpError::internal(crate::error::chain(&other)),
        }
    }
}

impl IntoResponse for WpError {
    fn into_response(self) -> Response {
        let mut data = json!({ "status": self.status.as_u16() });
        if let Some(params) = self.params {
            data["params"] = Value::Object(params);
        }
        let body = json!({ "code": self.code, "message": self.message, "data": data });
        let mut response = (
            self.status,
            [
                (header::CONTENT_TYPE, "application/json; charset=UTF-8"),
                (header::CACHE_CONTROL, "no-store"),
            ],
            body.to_string(),
        )
            .into_response();
        if let Some(wait) = self.retry_after {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, axum::http::HeaderValue::from(wait));
        }
        response
    }
}
