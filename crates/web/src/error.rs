//! The one place where failures become HTTP responses.
//!
//! Handlers return [`WebError`]. Its `IntoResponse` sets the status and logs
//! the cause of a server error (never shown to the reader); the
//! [`render_error_pages`] middleware then gives the response a page in the
//! site's language and design.

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Response};
use kiosque_core::Error;
use minijinja::context;

use crate::AppState;
use crate::views::page_context;

/// Every failure a handler can report.
#[derive(Debug)]
pub enum WebError {
    /// 404.
    NotFound,
    /// 403: a cross-site form post, or a form without this session's token.
    Forbidden,
    /// 403: signed in, but the role does not allow this.
    NotAllowed,
    /// 403: the article's comments are closed.
    CommentsClosed,
    /// 429, with the seconds to wait.
    TooManyRequests(u64),
    /// 500; the text goes to the log only.
    Internal(String),
    /// 503 with `Retry-After`: a comment post found no turn to be written
    /// for seconds (a flood); nothing was stored.
    Busy,
    /// 503 with `Retry-After`, logged with why when made.
    Unavailable {
        /// The seconds the answer asks a client to wait.
        wait: u64,
        /// The disk is full (the page says so), rather than the database
        /// out of reach for now.
        disk_full: bool,
    },
}

/// What a 503 asks a client to wait, in seconds.
const RETRY_UNAVAILABLE: u64 = 5;
/// What a 503 for comments arriving faster than they are written asks a
/// client to wait: a moment, then a turn may be free.
const RETRY_BUSY: u64 = 2;
/// What a 503 for a full disk asks a client to wait: space comes back when
/// someone frees it, not in a few seconds.
const RETRY_DISK_FULL: u64 = 60;

/// Logs why a 503 is answered — a full disk as an error, a database away
/// as a warning — and gives the seconds the answer asks a client to wait;
/// every adapter answering 503 in its own shape comes here.
pub(crate) fn answered_unavailable(e: &Error) -> u64 {
    let cause = chain(e);
    if e.is_disk_full() {
        tracing::error!(%cause, "the disk is full: nothing written, answered 503");
        RETRY_DISK_FULL
    } else {
        tracing::warn!(%cause, "database unavailable: answered 503");
        RETRY_UNAVAILABLE
    }
}

/// The error and its causes on one line, for the log.
pub(crate) fn chain(e: &Error) -> String {
    let mut cause = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        cause.push_str(": ");
        cause.push_str(&s.to_string());
        source = s.source();
    }
    cause
}

/// Marks a response whose body the error-page middleware should render.
#[derive(Debug, Clone, Copy)]
struct ErrorPage {
    status: StatusCode,
    wait: u64,
    /// Translation key of the message, for the 403s that say why.
    reason: Option<&'static str>,
}

impl From<Error> for WebError {
    fn from(e: Error) -> Self {
        match e {
            Error::NotFound(_) => WebError::NotFound,
            Error::Unavailable(_) => WebError::Unavailable {
                wait: answered_unavailable(&e),
                disk_full: e.is_disk_full(),
            },
            other => WebError::Internal(chain(&other)),
        }
    }
}

impl IntoResponse for WebError {
    fn into_response(self) -> Response {
        let reason = match self {
            WebError::NotAllowed => Some("admin.no_permission"),
            WebError::CommentsClosed => Some("comments.closed"),
            WebError::Busy => Some("comments.busy"),
            WebError::Unavailable {
                disk_full: true, ..
            } => Some("errors.disk_full"),
            _ => None,
        };
        let (status, wait) = match self {
            WebError::NotFound => (StatusCode::NOT_FOUND, 0),
            WebError::Forbidden | WebError::NotAllowed | WebError::CommentsClosed => {
                (StatusCode::FORBIDDEN, 0)
            }
            WebError::TooManyRequests(wait) => (StatusCode::TOO_MANY_REQUESTS, wait),
            WebError::Internal(cause) => {
                tracing::error!(%cause, "request failed");
                (StatusCode::INTERNAL_SERVER_ERROR, 0)
            }
            WebError::Unavailable { wait, .. } => (StatusCode::SERVICE_UNAVAILABLE, wait),
            WebError::Busy => (StatusCode::SERVICE_UNAVAILABLE, RETRY_BUSY),
        };
        let mut response = (status, status.canonical_reason().unwrap_or("error")).into_response();
        if wait > 0 {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(wait));
        }
        response.extensions_mut().insert(ErrorPage {
            status,
            wait,
            reason,
        });
        response
    }
}

/// A request the framework refused before any handler ran (a body over the
/// limit, a form that does not parse): its plain-text answer becomes the
/// site's error page too. Handlers' own 422 pages are HTML and stay.
fn rejection(response: &Response) -> Option<ErrorPage> {
    let status = response.status();
    let plain = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/plain"));
    let refused = matches!(
        status,
        StatusCode::BAD_REQUEST
            | StatusCode::PAYLOAD_TOO_LARGE
            | StatusCode::UNSUPPORTED_MEDIA_TYPE
            | StatusCode::UNPROCESSABLE_ENTITY
    );
    (plain && refused).then_some(ErrorPage {
        status,
        wait: 0,
        reason: None,
    })
}

/// Replaces the body of an error response with a themed, translated page.
pub(crate) async fn render_error_pages(
    State(state): State<Arc<AppState>>,
    request: Request,
    next: Next,
) -> Response {
    let response = next.run(request).await;
    let Some(ErrorPage {
        status,
        wait,
        reason,
    }) = response
        .extensions()
        .get::<ErrorPage>()
        .copied()
        .or_else(|| rejection(&response))
    else {
        return response;
    };
    let retry_after = response.headers().get(header::RETRY_AFTER).cloned();
    let page = async {
        // The site as the cache holds it: a 503 for a database that went
        // away is still the site's own page.
        let site = crate::site::load_site(&state).await.ok()?;
        let strings = state.strings(site.language);
        let (heading, message) = match status {
            StatusCode::NOT_FOUND => (
                strings.text("errors.not_found_title"),
                strings.text("errors.not_found_text"),
            ),
            StatusCode::FORBIDDEN if reason.is_some() => (
                strings.text("errors.forbidden_title"),
                strings.text(reason.unwrap_or_default()),
            ),
            StatusCode::FORBIDDEN => (
                strings.text("errors.forbidden_title"),
                strings.text("errors.forbidden_text"),
            ),
            StatusCode::PAYLOAD_TOO_LARGE => (
                strings.text("errors.too_large_title"),
                strings.text("errors.too_large_text"),
            ),
            StatusCode::BAD_REQUEST
            | StatusCode::UNSUPPORTED_MEDIA_TYPE
            | StatusCode::UNPROCESSABLE_ENTITY => (
                strings.text("errors.bad_request_title"),
                strings.text("errors.bad_request_text"),
            ),
            StatusCode::SERVICE_UNAVAILABLE => (
                strings.text("errors.unavailable_title"),
                strings.text(reason.unwrap_or("errors.unavailable_text")),
            ),
            StatusCode::TOO_MANY_REQUESTS => (
                strings.text("errors.too_many_title"),
                strings
                    .text("comments.too_many")
                    .replace("{seconds}", &wait.to_string()),
            ),
            _ => (
                strings.text("errors.server_title"),
                strings.text("errors.server_text"),
            ),
        };
        let ctx = context! {
            heading => &heading,
            message => message,
            ..page_context(&state, &site, Some(&heading), None, None)
        };
        state.templates.render("error.html", ctx).ok()
    }
    .await;
    match page {
        Some(html) => {
            let mut themed = Html(html).into_response();
            *themed.status_mut() = status;
            if let Some(value) = retry_after {
                themed.headers_mut().insert(header::RETRY_AFTER, value);
            }
            themed
        }
        // No site yet, or the store is down: the plain status text stays.
        _ => response,
    }
}
