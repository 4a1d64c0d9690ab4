//! Webhooks through the API (administrators): register one (the signing
//! secret is in the answer, once), list, change (`If-Match`: its `ETag`),
//! delete, read its delivery log and send a delivery again. The rules are
//! `kiosque_core::service::webhooks`', as for the admin's form.

use std::sync::Arc;

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use chrono::Utc;
use kiosque_core::model::{Delivery, Site, Webhook, WebhookEvent, WebhookSettings};
use kiosque_core::service::webhooks;
use kiosque_core::types::Permission;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa::openapi::RefOr;
use utoipa::openapi::schema::{ObjectBuilder, Schema, Type};

use super::auth::Caller;
use super::body::{Body, Known};
use super::content::site_of;
use super::error::{ApiError, ErrorBody};
use super::extract::{Audience, Ids, check_if_match, etag_of, written};
use super::idempotency;
use super::wire::time;
use crate::AppState;

/// An event's name on the wire (`article.published`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct EventName(WebhookEvent);

impl Serialize for EventName {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.0.as_str())
    }
}

impl<'de> Deserialize<'de> for EventName {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let name = String::deserialize(d)?;
        WebhookEvent::parse(&name)
            .map(EventName)
            .ok_or_else(|| serde::de::Error::custom(format!("unknown event {name:?}")))
    }
}

// The schema lists the names from the domain's own list, so the two cannot
// drift (a derived enum would repeat them by hand).
impl utoipa::PartialSchema for EventName {
    fn schema() -> RefOr<Schema> {
        ObjectBuilder::new()
            .schema_type(Type::String)
            .enum_values(Some(WebhookEvent::ALL.map(WebhookEvent::as_str)))
            .examples(["article.published"])
            .into()
    }
}

impl ToSchema for EventName {}

/// A webhook (its secret is shown once, when it is registered).
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct WebhookOut {
    id: i64,
    #[schema(example = "https://hooks.example.org/kiosque")]
    url: String,
    description: String,
    events: Vec<EventName>,
    /// Off when an administrator turned it off, or Kiosque did (see
    /// `disabled_reason`).
    enabled: bool,
    /// Why Kiosque turned it off (a 410, days of failures).
    disabled_reason: Option<String>,
    created_at: String,
}

impl WebhookOut {
    fn new(site: &Site, w: &Webhook) -> Self {
        WebhookOut {
            id: w.id,
            url: w.url.clone(),
            description: w.description.clone(),
            events: w.events.iter().copied().map(EventName).collect(),
            enabled: w.enabled,
            disabled_reason: w.disabled_reason.clone(),
            created_at: time(site, w.created_at),
        }
    }
}

/// A webhook just registered, with its signing secret.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct NewWebhookOut {
    #[serde(flatten)]
    webhook: WebhookOut,
    /// The Standard Webhooks signing secret. Shown this once: keep it.
    #[schema(example = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")]
    secret: String,
}

/// What a webhook is registered or changed with.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct WebhookIn {
    /// Where messages are posted (`http` or `https`; not a private address).
    #[schema(max_length = 2000)]
    url: Option<String>,
    /// The events to send; at least one.
    events: Option<Vec<EventName>>,
    /// What it is for.
    #[schema(max_length = 200)]
    description: Option<String>,
    /// Whether messages are sent (default true). Turning it on clears why
    /// Kiosque turned it off.
    enabled: Option<bool>,
}

impl Known for WebhookIn {
    const FIELDS: &'static [&'static str] = &["url", "events", "description", "enabled"];
}

impl WebhookIn {
    /// The settings asked for, over `current` ones.
    fn over(self, current: WebhookSettings) -> WebhookSettings {
        WebhookSettings {
            url: self.url.unwrap_or(current.url),
            events: self
                .events
                .map(|e| e.into_iter().map(|n| n.0).collect())
                .unwrap_or(current.events),
            description: self.description.unwrap_or(current.description),
            enabled: self.enabled.unwrap_or(current.enabled),
        }
    }
}

/// One event sent (or to send) to a webhook: a line of its log.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct DeliveryOut {
    id: i64,
    /// The message's `webhook-id`: the same for every attempt.
    #[schema(example = "msg_128")]
    message_id: String,
    event: EventName,
    /// The id of what the event is about.
    object_id: i64,
    /// `pending`, `delivered` or `failed`.
    #[schema(example = "delivered")]
    state: String,
    attempts: u32,
    /// When it will be tried again, while pending.
    next_attempt_at: Option<String>,
    last_attempt_at: Option<String>,
    /// The receiver's last HTTP status, if it answered.
    response_code: Option<u16>,
    duration_ms: Option<u64>,
    /// Why the last attempt failed.
    error: Option<String>,
    /// When the event happened.
    created_at: String,
}

impl DeliveryOut {
    fn new(site: &Site, d: &Delivery) -> Self {
        DeliveryOut {
            id: d.id,
            message_id: format!("msg_{}", d.event_id),
            event: EventName(d.event),
            object_id: d.object_id,
            state: d.state.as_str().to_owned(),
            attempts: d.attempts,
            next_attempt_at: (d.state == kiosque_core::model::DeliveryState::Pending)
                .then(|| time(site, d.next_attempt_at)),
            last_attempt_at: d.last_attempt_at.map(|t| time(site, t)),
            response_code: d.response_code,
            duration_ms: d.duration_ms,
            error: d.error.clone(),
            created_at: time(site, d.created_at),
        }
    }
}

/// A webhook's log.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct DeliveriesOut {
    /// Newest first, the latest 100.
    items: Vec<DeliveryOut>,
}

/// A delivery queued again.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct QueuedDeliveryOut {
    /// The new line of the log.
    id: i64,
}

fn bytes(value: &impl Serialize) -> Result<Vec<u8>, ApiError> {
    serde_json::to_vec(value).map_err(ApiError::internal)
}

async fn existing(state: &AppState, id: i64) -> Result<Webhook, ApiError> {
    state
        .store
        .webhook(id)
        .await?
        .ok_or_else(ApiError::not_found)
}

/// Every webhook, oldest first.
#[utoipa::path(
    get,
    path = "/api/v1/webhooks",
    tag = "webhooks",
    operation_id = "list_webhooks",
    security(("token" = [])),
    responses(
        (status = 200, description = "The webhooks.", body = Vec<WebhookOut>),
        (status = 403, description = "Not an administrator.", body = ErrorBody),
    ),
)]
pub(crate) async fn list_webhooks(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    caller.viewer(Permission::ManageSettings)?;
    let site = site_of(&state).await?;
    let list: Vec<WebhookOut> = state
        .store
        .webhooks()
        .await?
        .iter()
        .map(|w| WebhookOut::new(&site, w))
        .collect();
    super::extract::json(&headers, Audience::Private, &list)
}

/// Registers a webhook. The answer holds its signing secret, shown this
/// once.
#[utoipa::path(
    post,
    path = "/api/v1/webhooks",
    tag = "webhooks",
    operation_id = "create_webhook",
    security(("token" = [])),
    params(
        ("Idempotency-Key" = Option<String>, Header, description = "Any unique string (a UUID): a retried request with the same key and body gets the first answer.", max_length = 255),
    ),
    request_body(content = WebhookIn, content_type = "application/json"),
    responses(
        (status = 201, description = "Registered; `Location` is its address.", body = NewWebhookOut),
        (status = 409, description = "The `Idempotency-Key` was used for another request.", body = ErrorBody),
        (status = 422, description = "Refused fields: `url: required`, `url: private_address`, `events: required`…", body = ErrorBody),
    ),
)]
pub(crate) async fn create_webhook(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    headers: HeaderMap,
    body: Body<WebhookIn>,
) -> Result<Response, ApiError> {
    caller.writer(Permission::ManageSettings)?;
    let (_, token) = caller.reader()?;
    let hash = body.hash.clone();
    idempotency::once(&state, token.id, &headers, &hash, async {
        let site = site_of(&state).await?;
        let asked = body.value.over(WebhookSettings {
            url: String::new(),
            description: String::new(),
            events: Vec::new(),
            enabled: true,
        });
        let settings = webhooks::check(&asked, &state.config.webhook_allow_hosts)?;
        let secret = webhooks::new_secret()?;
        let made = state
            .store
            .create_webhook(&settings, &secret, Utc::now())
            .await?;
        Ok(written(
            StatusCode::CREATED,
            bytes(&NewWebhookOut {
                webhook: WebhookOut::new(&site, &made),
                secret,
            })?,
            &format!("/api/v1/webhooks/{}", made.id),
        ))
    })
    .await
}

/// One webhook; its `ETag` is what `If-Match` names to change it.
#[utoipa::path(
    get,
    path = "/api/v1/webhooks/{id}",
    tag = "webhooks",
    operation_id = "get_webhook",
    security(("token" = [])),
    params(("id" = i64, Path, description = "The webhook's id.")),
    responses(
        (status = 200, description = "The webhook.", body = WebhookOut),
        (status = 403, description = "Not an administrator.", body = ErrorBody),
        (status = 404, description = "No such webhook.", body = ErrorBody),
    ),
)]
pub(crate) async fn get_webhook(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    headers: HeaderMap,
    Ids(id): Ids<i64>,
) -> Result<Response, ApiError> {
    caller.viewer(Permission::ManageSettings)?;
    let site = site_of(&state).await?;
    let hook = existing(&state, id).await?;
    super::extract::json(&headers, Audience::Private, &WebhookOut::new(&site, &hook))
}

/// Changes a webhook (the fields sent), with `If-Match`: its `ETag`.
#[utoipa::path(
    patch,
    path = "/api/v1/webhooks/{id}",
    tag = "webhooks",
    operation_id = "update_webhook",
    security(("token" = [])),
    params(
        ("id" = i64, Path, description = "The webhook's id."),
        ("If-Match" = String, Header, description = "The `ETag` the webhook was read with."),
    ),
    request_body(content = WebhookIn, content_type = "application/json"),
    responses(
        (status = 200, description = "Changed.", body = WebhookOut),
        (status = 404, description = "No such webhook.", body = ErrorBody),
        (status = 412, description = "Changed since that `ETag`: nothing was changed.", body = ErrorBody),
        (status = 422, description = "Refused fields.", body = ErrorBody),
    ),
)]
pub(crate) async fn update_webhook(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    headers: HeaderMap,
    Ids(id): Ids<i64>,
    body: Body<WebhookIn>,
) -> Result<Response, ApiError> {
    caller.writer(Permission::ManageSettings)?;
    let site = site_of(&state).await?;
    let hook = existing(&state, id).await?;
    let current = bytes(&WebhookOut::new(&site, &hook))?;
    let asked = body.value.over(WebhookSettings {
        url: hook.url,
        description: hook.description,
        events: hook.events,
        enabled: hook.enabled,
    });
    // What was sent is checked first: a refused body is a 422 whatever
    // the version it names.
    let settings = webhooks::check(&asked, &state.config.webhook_allow_hosts)?;
    check_if_match(&headers, &etag_of(&current))?;
    let changed = state.store.update_webhook(id, &settings).await?;
    Ok(written(
        StatusCode::OK,
        bytes(&WebhookOut::new(&site, &changed))?,
        "",
    ))
}

/// Deletes a webhook and its log.
#[utoipa::path(
    delete,
    path = "/api/v1/webhooks/{id}",
    tag = "webhooks",
    operation_id = "delete_webhook",
    security(("token" = [])),
    params(("id" = i64, Path, description = "The webhook's id.")),
    responses(
        (status = 204, description = "Deleted."),
        (status = 404, description = "No such webhook.", body = ErrorBody),
    ),
)]
pub(crate) async fn delete_webhook(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    Ids(id): Ids<i64>,
) -> Result<Response, ApiError> {
    caller.writer(Permission::ManageSettings)?;
    state.store.delete_webhook(id).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// A webhook's delivery log, newest first.
#[utoipa::path(
    get,
    path = "/api/v1/webhooks/{id}/deliveries",
    tag = "webhooks",
    operation_id = "list_webhook_deliveries",
    security(("token" = [])),
    params(("id" = i64, Path, description = "The webhook's id.")),
    responses(
        (status = 200, description = "The latest deliveries.", body = DeliveriesOut),
        (status = 403, description = "Not an administrator.", body = ErrorBody),
        (status = 404, description = "No such webhook.", body = ErrorBody),
    ),
)]
pub(crate) async fn list_webhook_deliveries(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    headers: HeaderMap,
    Ids(id): Ids<i64>,
) -> Result<Response, ApiError> {
    caller.viewer(Permission::ManageSettings)?;
    let site = site_of(&state).await?;
    existing(&state, id).await?;
    let items = state
        .store
        .deliveries(id, 100)
        .await?
        .iter()
        .map(|d| DeliveryOut::new(&site, d))
        .collect();
    super::extract::json(&headers, Audience::Private, &DeliveriesOut { items })
}

/// Sends a delivery's message again, now (a new line of the log, with
/// the same `webhook-id`).
#[utoipa::path(
    post,
    path = "/api/v1/webhooks/{id}/deliveries/{delivery_id}/retry",
    tag = "webhooks",
    operation_id = "retry_webhook_delivery",
    security(("token" = [])),
    params(
        ("id" = i64, Path, description = "The webhook's id."),
        ("delivery_id" = i64, Path, description = "The delivery's id."),
    ),
    responses(
        (status = 202, description = "Queued.", body = QueuedDeliveryOut),
        (status = 404, description = "No such delivery of this webhook.", body = ErrorBody),
    ),
)]
pub(crate) async fn retry_webhook_delivery(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    Ids((id, delivery_id)): Ids<(i64, i64)>,
) -> Result<Response, ApiError> {
    caller.writer(Permission::ManageSettings)?;
    let queued = state.store.send_again(id, delivery_id, Utc::now()).await?;
    Ok(written(
        StatusCode::ACCEPTED,
        bytes(&QueuedDeliveryOut { id: queued })?,
        "",
    ))
}
