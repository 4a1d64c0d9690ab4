//! `Idempotency-Key` on POST: a retried request (a lost answer, a mobile
//! network dropping) gets the first answer again instead of creating
//! twice. The key is claimed in the database before acting, so two
//! servers, or two racing retries, never both act.

use std::future::Future;

use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::Utc;
use kiosque_core::model::{Idempotent, KeptAnswer};

use super::error::ApiError;
use crate::AppState;

/// The header.
pub(crate) const HEADER: &str = "idempotency-key";

/// Most bytes an answer may have to be kept.
const KEEP_MAX: usize = 4 * 1024 * 1024;

/// Runs `act` once per key for this token: a retry with the same key and
/// the same request gets the kept answer (with `Idempotent-Replayed:
/// true`); the same key with another request, or while the first is
/// still running, is a 409. Without the header, `act` simply runs.
pub(crate) async fn once<F>(
    state: &AppState,
    token_id: i64,
    asked: &HeaderMap,
    request_hash: &str,
    act: F,
) -> Result<Response, ApiError>
where
    F: Future<Output = Result<Response, ApiError>>,
{
    let Some(key) = asked.get(HEADER) else {
        return act.await;
    };
    let key = key
        .to_str()
        .ok()
        .filter(|k| (1..=255).contains(&k.len()) && k.bytes().all(|b| (0x21..0x7f).contains(&b)))
        .ok_or_else(|| {
            ApiError::bad_request("`Idempotency-Key` is 1 to 255 visible ASCII characters.")
        })?
        .to_owned();
    match state
        .store
        .claim_idempotency_key(token_id, &key, request_hash, Utc::now())
        .await?
    {
        Idempotent::New => {}
        Idempotent::InProgress => {
            return Err(ApiError::new(
                "conflict",
                "A request with this Idempotency-Key is still being answered: retry shortly.",
            ));
        }
        Idempotent::Mismatch => {
            return Err(ApiError::new(
                "conflict",
                "This Idempotency-Key was used for another request.",
            ));
        }
        Idempotent::Replay(answer) => return Ok(replay(&answer)),
    }
    let response = match act.await {
        Ok(r) => r,
        Err(e) => e.into_response(),
    };
    let (parts, body) = response.into_parts();
    let bytes = axum::body::to_bytes(body, KEEP_MAX)
        .await
        .map_err(ApiError::internal)?;
    // A server error is not an answer to replay: the retry should act.
    let kept = (!parts.status.is_server_error()).then(|| KeptAnswer {
        status: parts.status.as_u16(),
        body: String::from_utf8_lossy(&bytes).into_owned(),
        location: parts
            .headers
            .get(header::LOCATION)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned),
    });
    state
        .store
        .keep_idempotent_answer(token_id, &key, kept.as_ref())
        .await?;
    Ok(Response::from_parts(parts, axum::body::Body::from(bytes)))
}

fn replay(answer: &KeptAnswer) -> Response {
    let status = StatusCode::from_u16(answer.status).unwrap_or(StatusCode::OK);
    let mut response = (
        status,
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        )],
        answer.body.clone(),
    )
        .into_response();
    let headers = response.headers_mut();
    headers.insert("idempotent-replayed", HeaderValue::from_static("true"));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    if let Some(location) = answer
        .location
        .as_deref()
        .and_then(|l| HeaderValue::from_str(l).ok())
    {
        headers.insert(header::LOCATION, location);
    }
    response
}
