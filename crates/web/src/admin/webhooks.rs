//! Webhooks in the admin (administrators): register one (its signing
//! secret shown once, on the answering page), turn it off or on, delete
//! it, read its delivery log and send a delivery again. The rules are
//! `kiosque_core::service::webhooks`', as for the API.

use std::sync::Arc;

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum_extra::extract::Form;
use chrono::Utc;
use kiosque_core::model::{Webhook, WebhookEvent, WebhookSettings};
use kiosque_core::service::webhooks;
use kiosque_core::types::Permission;
use kiosque_core::{Error, FieldError};
use minijinja::{Value, context};
use serde::Deserialize;

use super::{Newsroom, admin_context, error_views};
use crate::{AppState, WebError};

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct WebhookForm {
    csrf: String,
    url: String,
    description: String,
    /// One entry per ticked event.
    events: Vec<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct Done {
    done: Option<String>,
}

fn events_view(strings: &crate::i18n::Strings, ticked: &[String]) -> Vec<Value> {
    WebhookEvent::ALL
        .iter()
        .map(|e| {
            context! {
                name => e.as_str(),
                label => strings.text(&format!("admin.webhook_event_{}", e.as_str().replace('.', "_"))),
                ticked => ticked.iter().any(|t| t == e.as_str()),
            }
        })
        .collect()
}

fn hook_view(
    strings: &crate::i18n::Strings,
    site: &kiosque_core::model::Site,
    w: &Webhook,
) -> Value {
    context! {
        id => w.id,
        url => &w.url,
        description => &w.description,
        events => w.events.iter().map(|e| e.as_str()).collect::<Vec<_>>().join(", "),
        enabled => w.enabled,
        disabled_reason => &w.disabled_reason,
        created => strings.datetime(site.local(w.created_at)),
    }
}

/// The list with its form; `made` is a webhook just registered and its
/// secret, shown this once.
async fn render_list(
    state: &AppState,
    newsroom: &Newsroom,
    form: &WebhookForm,
    errors: &[FieldError],
    made: Option<(String, String)>,
    flash: Option<String>,
    status: StatusCode,
) -> Result<Response, WebError> {
    let strings = state.strings(newsroom.site.language);
    let site = &newsroom.site;
    let (errors, errors_list) = error_views(strings, errors, |f| format!("admin.webhook_{f}"));
    let hooks: Vec<Value> = state
        .store
        .webhooks()
        .await?
        .iter()
        .map(|w| hook_view(strings, site, w))
        .collect();
    let title = strings.text("admin.webhooks");
    let ctx = context! {
        hooks, errors, errors_list,
        form => context! { url => &form.url, description => &form.description },
        events => events_view(strings, &form.events),
        made => made.map(|(url, secret)| context! { url, secret }),
        ..admin_context(state, site, Some(newsroom), &title, "webhooks", flash)
    };
    let html = state.templates.render("admin/webhooks.html", ctx)?;
    Ok((status, Html(html)).into_response())
}

pub(crate) async fn list(
    State(state): State<Arc<AppState>>,
    newsroom: Newsroom,
    Query(done): Query<Done>,
) -> Result<Response, WebError> {
    newsroom.require(Permission::ManageSettings)?;
    let strings = state.strings(newsroom.site.language);
    let flash = done
        .done
        .filter(|d| d == "deleted")
        .map(|_| strings.text("admin.webhook_deleted"));
    let form = WebhookForm {
        events: vec![WebhookEvent::ArticlePublished.as_str().to_owned()],
        ..WebhookForm::default()
    };
    render_list(&state, &newsroom, &form, &[], None, flash, StatusCode::OK).await
}

pub(crate) async fn create(
    State(state): State<Arc<AppState>>,
    newsroom: Newsroom,
    Form(form): Form<WebhookForm>,
) -> Result<Response, WebError> {
    newsroom.check_csrf(&form.csrf)?;
    newsroom.require(Permission::ManageSettings)?;
    let asked = WebhookSettings {
        url: form.url.clone(),
        description: form.description.clone(),
        // A name no event has can only come from a forged form: dropped.
        events: form
            .events
            .iter()
            .filter_map(|e| WebhookEvent::parse(e))
            .collect(),
        enabled: true,
    };
    let settings = match webhooks::check(&asked, &state.config.webhook_allow_hosts) {
        Ok(s) => s,
        Err(Error::Invalid(errors)) => {
            return render_list(
                &state,
                &newsroom,
                &form,
                &errors,
                None,
                None,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await;
        }
        Err(e) => return Err(e.into()),
    };
    let secret = webhooks::new_secret()?;
    let made = state
        .store
        .create_webhook(&settings, &secret, Utc::now())
        .await?;
    tracing::info!(
        user = newsroom.user.id,
        webhook = made.id,
        "webhook registered"
    );
    let fresh = WebhookForm {
        events: vec![WebhookEvent::ArticlePublished.as_str().to_owned()],
        ..WebhookForm::default()
    };
    render_list(
        &state,
        &newsroom,
        &fresh,
        &[],
        Some((made.url, secret)),
        None,
        StatusCode::CREATED,
    )
    .await
}

pub(crate) async fn show(
    State(state): State<Arc<AppState>>,
    newsroom: Newsroom,
    Path(id): Path<i64>,
    Query(done): Query<Done>,
) -> Result<Response, WebError> {
    newsroom.require(Permission::ManageSettings)?;
    let strings = state.strings(newsroom.site.language);
    let site = &newsroom.site;
    let hook = state.store.webhook(id).await?.ok_or(WebError::NotFound)?;
    let when = |t| strings.datetime(site.local(t));
    let deliveries: Vec<Value> = state
        .store
        .deliveries(id, 100)
        .await?
        .iter()
        .map(|d| {
            context! {
                id => d.id,
                event => d.event.as_str(),
                object_id => d.object_id,
                state => strings.text(&format!("admin.delivery_{}", d.state.as_str())),
                pending => d.state == kiosque_core::model::DeliveryState::Pending,
                attempts => d.attempts,
                created => when(d.created_at),
                last_attempt => d.last_attempt_at.map(when),
                next_attempt => when(d.next_attempt_at),
                code => d.response_code,
                duration_ms => d.duration_ms,
                error => &d.error,
            }
        })
        .collect();
    let flash = done.done.and_then(|d| match d.as_str() {
        "queued" => Some(strings.text("admin.delivery_queued")),
        "enabled" => Some(strings.text("admin.webhook_enabled_flash")),
        "disabled" => Some(strings.text("admin.webhook_disabled_flash")),
        _ => None,
    });
    let title = strings.text("admin.webhook_log");
    let ctx = context! {
        hook => hook_view(strings, site, &hook),
        deliveries,
        ..admin_context(&state, site, Some(&newsroom), &title, "webhooks", flash)
    };
    let html = state.templates.render("admin/webhook.html", ctx)?;
    Ok(Html(html).into_response())
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct ActForm {
    csrf: String,
    /// `enable`, `disable` or `delete`.
    action: String,
}

pub(crate) async fn act(
    State(state): State<Arc<AppState>>,
    newsroom: Newsroom,
    Path(id): Path<i64>,
    Form(form): Form<ActForm>,
) -> Result<Response, WebError> {
    newsroom.check_csrf(&form.csrf)?;
    newsroom.require(Permission::ManageSettings)?;
    let hook = state.store.webhook(id).await?.ok_or(WebError::NotFound)?;
    let enabled = match form.action.as_str() {
        "delete" => {
            state.store.delete_webhook(id).await?;
            tracing::info!(user = newsroom.user.id, webhook = id, "webhook deleted");
            return Ok(Redirect::to("/admin/webhooks?done=deleted").into_response());
        }
        "enable" => true,
        "disable" => false,
        _ => return Err(WebError::NotFound),
    };
    let settings = WebhookSettings {
        url: hook.url,
        description: hook.description,
        events: hook.events,
        enabled,
    };
    state.store.update_webhook(id, &settings).await?;
    let done = if enabled { "enabled" } else { "disabled" };
    Ok(Redirect::to(&format!("/admin/webhooks/{id}?done={done}")).into_response())
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct RetryForm {
    csrf: String,
}

pub(crate) async fn retry(
    State(state): State<Arc<AppState>>,
    newsroom: Newsroom,
    Path((id, delivery)): Path<(i64, i64)>,
    Form(form): Form<RetryForm>,
) -> Result<Response, WebError> {
    newsroom.check_csrf(&form.csrf)?;
    newsroom.require(Permission::ManageSettings)?;
    state.store.send_again(id, delivery, Utc::now()).await?;
    Ok(Redirect::to(&format!("/admin/webhooks/{id}?done=queued")).into_response())
}
