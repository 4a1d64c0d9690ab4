//! Readers' pages under `/newsletter/`: subscribing (double opt-in),
//! confirming, choosing lists, leaving. A link in an e-mail only ever
//! shows a page with a button: mail scanners open links, and opening one
//! must change nothing. The one-click unsubscribe POST (RFC 8058) needs no
//! sign-in and no second step.

use std::sync::Arc;

use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum_extra::extract::Form;
use chrono::Utc;
use kiosque_core::Error;
use kiosque_core::model::{Consent, ListKind, NewsletterList, Site, Subscriber};
use kiosque_core::service::newsletter::{
    LinkPurpose, SubscribeForm, Subscription, consent_version, time_of,
};
use minijinja::context;
use serde::{Deserialize, Serialize};

use super::link_key;
use crate::i18n::Strings;
use crate::security::ClientIp;
use crate::site::load_site;
use crate::views::page_context;
use crate::{AppState, WebError};

/// One confirmation e-mail per address in this time at most, whatever
/// the form is sent.
const QUIET: chrono::Duration = chrono::Duration::minutes(10);

/// A list as the forms show it.
#[derive(Debug, Serialize)]
struct ListView {
    id: i64,
    name: String,
    description: String,
    when: Option<String>,
    checked: bool,
}

/// "chaque jour à 07:00", "le lundi, jeudi à 18:30", "quand l'actualité l'exige".
pub(crate) fn schedule_text(strings: &Strings, list: &NewsletterList) -> String {
    let s = &list.settings;
    if s.kind == ListKind::Alerts {
        return strings.text("newsletter.on_alerts");
    }
    let time = time_of(s.schedule.minute);
    if s.schedule.days == 0b111_1111 {
        return strings.text("newsletter.daily").replace("{time}", &time);
    }
    let days: Vec<String> = (0..7)
        .filter(|d| s.schedule.on(*d))
        .map(|d| strings.weekday(d as usize))
        .collect();
    strings
        .text("newsletter.weekly")
        .replace("{days}", &days.join(", "))
        .replace("{time}", &time)
}

fn list_views(strings: &Strings, lists: &[NewsletterList], checked: &[i64]) -> Vec<ListView> {
    lists
        .iter()
        .map(|l| ListView {
            id: l.id,
            name: l.settings.name.clone(),
            description: l.settings.description.clone(),
            when: Some(schedule_text(strings, l)),
            checked: checked.contains(&l.id),
        })
        .collect()
}

/// The lists offered now (none without a mail server to confirm with).
async fn offered(state: &AppState) -> Result<Vec<NewsletterList>, WebError> {
    if state.mailer.is_none() {
        return Ok(Vec::new());
    }
    Ok(state
        .store
        .newsletter_lists()
        .await?
        .into_iter()
        .filter(|l| l.settings.active)
        .collect())
}

/// The consent line the reader sees, and its version.
fn consent_line(strings: &Strings, site: &Site) -> (String, String) {
    let text = strings
        .text("newsletter.consent")
        .replace("{site}", &site.name);
    let version = consent_version(&text);
    (text, version)
}

/// What the subscribe page shows besides the form.
#[derive(Default)]
struct Shown {
    email: String,
    checked: Vec<i64>,
    errors: Vec<kiosque_core::FieldError>,
    message: Option<String>,
}

async fn subscribe_page(
    state: &AppState,
    site: &Site,
    shown: Shown,
    status: StatusCode,
) -> Result<Response, WebError> {
    let strings = state.strings(site.language);
    let lists = offered(state).await?;
    let (consent, version) = consent_line(strings, site);
    let message_of = |e: &kiosque_core::FieldError| strings.text(&format!("errors.{}", e.code));
    let email_error = shown
        .errors
        .iter()
        .find(|e| e.field == "email")
        .map(message_of);
    let lists_error = shown
        .errors
        .iter()
        .find(|e| e.field == "lists")
        .map(message_of);
    let errors: Vec<_> = shown
        .errors
        .iter()
        .map(|e| {
            context! {
                anchor => if e.field == "email" { "newsletter-email" } else { "newsletter-lists" },
                message => message_of(e),
            }
        })
        .collect();
    let heading = strings.text("newsletter.heading");
    // Nothing counts who opens or clicks; with click counting on, the
    // page says that links are counted (never by whom).
    let privacy = strings.text(if state.config.newsletter_clicks {
        "newsletter.privacy_clicks"
    } else {
        "newsletter.privacy"
    });
    let ctx = context! {
        heading => &heading,
        mode => "subscribe",
        lists => list_views(strings, &lists, &shown.checked),
        email => shown.email,
        email_error,
        lists_error,
        errors,
        message => shown.message,
        consent,
        consent_version => version,
        privacy,
        ..page_context(state, site, Some(&heading), None, Some("/newsletter/"))
    };
    let html = state.templates.render("newsletter.html", ctx)?;
    Ok((status, Html(html)).into_response())
}

/// `GET /newsletter/` (`?email=` from the compact form, `?sent=1` after a
/// request).
pub(crate) async fn page(
    State(state): State<Arc<AppState>>,
    RawQuery(query): RawQuery,
) -> Result<Response, WebError> {
    let site = load_site(&state).await?;
    let strings = state.strings(site.language);
    let mut shown = Shown::default();
    for (key, value) in url::form_urlencoded::parse(query.unwrap_or_default().as_bytes()) {
        match &*key {
            "email" => shown.email = value.chars().take(254).collect(),
            "sent" => shown.message = Some(strings.text("newsletter.check_inbox")),
            _ => {}
        }
    }
    subscribe_page(&state, &site, shown, StatusCode::OK).await
}

/// The subscribe form as posted.
#[derive(Debug, Deserialize)]
pub(crate) struct Posted {
    #[serde(default)]
    email: String,
    #[serde(default)]
    lists: Vec<String>,
    #[serde(default)]
    homepage: String,
    #[serde(default)]
    consent_version: String,
}

/// `POST /newsletter/`: the same answer whether the address is new,
/// waiting, subscribed or suppressed, and whether a mail went.
pub(crate) async fn subscribe(
    State(state): State<Arc<AppState>>,
    ClientIp(ip): ClientIp,
    Form(posted): Form<Posted>,
) -> Result<Response, WebError> {
    if let Err(wait) = state.newsletter_limiter.check(&ip) {
        return Err(WebError::TooManyRequests(wait));
    }
    let site = load_site(&state).await?;
    let strings = state.strings(site.language);
    let lists = offered(&state).await?;
    let ids: Vec<i64> = lists.iter().map(|l| l.id).collect();
    let form = SubscribeForm {
        email: posted.email.clone(),
        lists: posted.lists.iter().filter_map(|l| l.parse().ok()).collect(),
        homepage: posted.homepage,
    };
    let subscription = match form.validate(&ids) {
        Ok(s) => s,
        Err(Error::Invalid(errors)) => {
            let shown = Shown {
                email: posted.email.chars().take(254).collect(),
                checked: form.lists,
                errors,
                message: None,
            };
            return subscribe_page(&state, &site, shown, StatusCode::UNPROCESSABLE_ENTITY).await;
        }
        Err(e) => return Err(e.into()),
    };
    if let Some(Subscription {
        email,
        lists: chosen,
    }) = subscription
    {
        // The line the reader saw: its current text, unless the page was
        // made before a rewording (then the version they saw is kept).
        let (text, version) = consent_line(strings, &site);
        let version = if posted.consent_version.trim().is_empty() {
            version
        } else {
            posted.consent_version.chars().take(40).collect()
        };
        let consent = Consent {
            at: Utc::now(),
            text,
            version,
            source: "form",
        };
        if let Some(subscriber) = state
            .store
            .request_subscription(&email, &chosen, &consent, QUIET)
            .await?
        {
            let names: Vec<String> = lists
                .iter()
                .filter(|l| chosen.contains(&l.id))
                .map(|l| format!("- {}", l.settings.name))
                .collect();
            let key = link_key(&state).await?;
            let link = site.absolute_url(&format!(
                "/newsletter/confirm/{}",
                key.sign(LinkPurpose::Confirm, subscriber.id, Utc::now())
            ));
            let subject = strings
                .text("newsletter.confirm_subject")
                .replace("{site}", &site.name);
            let body = strings
                .text("newsletter.confirm_mail")
                .replace("{site}", &site.name)
                .replace("{lists}", &names.join("\n"))
                .replace("{link}", &link);
            // After the answer: its timing tells nothing either.
            if let Some(mailer) = state.mailer.clone() {
                tokio::spawn(async move {
                    if let Err(e) = mailer.send(&email, &subject, &body).await {
                        tracing::warn!(error = %e, "sending a newsletter confirmation failed");
                    }
                });
            }
        }
    }
    Ok(Redirect::to("/newsletter/?sent=1").into_response())
}

/// The subscriber a link names, if it holds.
async fn holder(
    state: &AppState,
    purpose: LinkPurpose,
    token: &str,
) -> Result<Option<Subscriber>, WebError> {
    let key = link_key(state).await?;
    let Some(id) = key.verify(purpose, token, Utc::now()) else {
        return Ok(None);
    };
    Ok(state.store.subscriber(id).await?)
}

/// A page of one of the link modes.
async fn link_page(
    state: &AppState,
    site: &Site,
    mode: &str,
    heading_key: &str,
    extra: minijinja::Value,
    status: StatusCode,
) -> Result<Response, WebError> {
    let strings = state.strings(site.language);
    let heading = strings.text(heading_key);
    let ctx = minijinja::value::merge_maps([
        context! { heading => &heading, mode },
        extra,
        page_context(state, site, Some(&heading), None, None),
    ]);
    let html = state.templates.render("newsletter.html", ctx)?;
    let mut response = (status, Html(html)).into_response();
    // The token is the reader's key: not to be sent on to another site.
    response.headers_mut().insert(
        axum::http::header::REFERRER_POLICY,
        axum::http::HeaderValue::from_static("no-referrer"),
    );
    Ok(response)
}

/// A link that no longer holds: the subscribe form, with a word.
async fn invalid_link(state: &AppState, site: &Site) -> Result<Response, WebError> {
    let strings = state.strings(site.language);
    let shown = Shown {
        message: Some(strings.text("newsletter.link_invalid")),
        ..Shown::default()
    };
    subscribe_page(state, site, shown, StatusCode::NOT_FOUND).await
}

/// A link's page with its one button, if the link holds; opening it
/// changes nothing.
async fn button_page(
    state: &AppState,
    token: String,
    purpose: LinkPurpose,
    mode: &str,
    heading_key: &str,
) -> Result<Response, WebError> {
    let site = load_site(state).await?;
    if holder(state, purpose, &token).await?.is_none() {
        return invalid_link(state, &site).await;
    }
    link_page(
        state,
        &site,
        mode,
        heading_key,
        context! { token },
        StatusCode::OK,
    )
    .await
}

/// `GET /newsletter/confirm/{token}`.
pub(crate) async fn confirm_page(
    State(state): State<Arc<AppState>>,
    Path(token): Path<String>,
) -> Result<Response, WebError> {
    let heading = "newsletter.confirm_heading";
    button_page(&state, token, LinkPurpose::Confirm, "confirm", heading).await
}

/// `POST /newsletter/confirm/{token}`.
pub(crate) async fn confirm(
    State(state): State<Arc<AppState>>,
    Path(token): Path<String>,
) -> Result<Response, WebError> {
    let site = load_site(&state).await?;
    let Some(Subscriber { id, .. }) = holder(&state, LinkPurpose::Confirm, &token).await? else {
        return invalid_link(&state, &site).await;
    };
    state.store.confirm_subscriber(id, Utc::now()).await?;
    let key = link_key(&state).await?;
    let preferences = key.sign(LinkPurpose::Preferences, id, Utc::now());
    Ok(Redirect::to(&format!(
        "/newsletter/preferences/{preferences}?confirmed=1"
    ))
    .into_response())
}

async fn preferences_page(
    state: &AppState,
    site: &Site,
    subscriber: &Subscriber,
    token: &str,
    message: Option<String>,
) -> Result<Response, WebError> {
    let strings = state.strings(site.language);
    // Lists no longer offered still show while the reader is on them, so
    // they can leave them.
    let lists: Vec<NewsletterList> = state
        .store
        .newsletter_lists()
        .await?
        .into_iter()
        .filter(|l| l.settings.active || subscriber.lists.contains(&l.id))
        .collect();
    link_page(
        state,
        site,
        "preferences",
        "newsletter.preferences_heading",
        context! {
            token,
            email => &subscriber.email,
            lists => list_views(strings, &lists, &subscriber.lists),
            message,
        },
        StatusCode::OK,
    )
    .await
}

/// `GET /newsletter/preferences/{token}`.
pub(crate) async fn preferences(
    State(state): State<Arc<AppState>>,
    Path(token): Path<String>,
    RawQuery(query): RawQuery,
) -> Result<Response, WebError> {
    let site = load_site(&state).await?;
    let Some(subscriber) = holder(&state, LinkPurpose::Preferences, &token).await? else {
        return invalid_link(&state, &site).await;
    };
    let strings = state.strings(site.language);
    let query = query.unwrap_or_default();
    let message = if query.contains("confirmed=1") {
        Some(strings.text("newsletter.confirmed"))
    } else if query.contains("saved=1") {
        Some(strings.text("newsletter.saved"))
    } else {
        None
    };
    preferences_page(&state, &site, &subscriber, &token, message).await
}

/// The preferences form.
#[derive(Debug, Deserialize)]
pub(crate) struct Chosen {
    #[serde(default)]
    lists: Vec<String>,
}

/// `POST /newsletter/preferences/{token}`.
pub(crate) async fn save_preferences(
    State(state): State<Arc<AppState>>,
    Path(token): Path<String>,
    Form(chosen): Form<Chosen>,
) -> Result<Response, WebError> {
    let site = load_site(&state).await?;
    let Some(Subscriber {
        id, lists: current, ..
    }) = holder(&state, LinkPurpose::Preferences, &token).await?
    else {
        return invalid_link(&state, &site).await;
    };
    let known: Vec<i64> = state
        .store
        .newsletter_lists()
        .await?
        .iter()
        .filter(|l| l.settings.active || current.contains(&l.id))
        .map(|l| l.id)
        .collect();
    let mut lists: Vec<i64> = chosen
        .lists
        .iter()
        .filter_map(|l| l.parse().ok())
        .filter(|l| known.contains(l))
        .collect();
    lists.sort_unstable();
    lists.dedup();
    let strings = state.strings(site.language);
    let (text, version) = consent_line(strings, &site);
    let consent = Consent {
        at: Utc::now(),
        text,
        version,
        source: "preferences",
    };
    state.store.set_memberships(id, &lists, &consent).await?;
    Ok(Redirect::to(&format!("/newsletter/preferences/{token}?saved=1")).into_response())
}

/// `GET /newsletter/unsubscribe/{token}`: a button (mail scanners open
/// links), nothing changed.
pub(crate) async fn unsubscribe_page(
    State(state): State<Arc<AppState>>,
    Path(token): Path<String>,
) -> Result<Response, WebError> {
    let heading = "newsletter.unsubscribe_heading";
    button_page(
        &state,
        token,
        LinkPurpose::Preferences,
        "unsubscribe",
        heading,
    )
    .await
}

/// `POST /newsletter/unsubscribe/{token}`: RFC 8058's one-click (a mail
/// provider posts `List-Unsubscribe=One-Click`) and the page's button
/// alike; whatever the body, the address leaves every list.
pub(crate) async fn unsubscribe(
    State(state): State<Arc<AppState>>,
    Path(token): Path<String>,
) -> Result<Response, WebError> {
    let site = load_site(&state).await?;
    let Some(Subscriber { id, .. }) = holder(&state, LinkPurpose::Preferences, &token).await?
    else {
        return invalid_link(&state, &site).await;
    };
    state.store.leave_all(id, Utc::now()).await?;
    let strings = state.strings(site.language);
    link_page(
        &state,
        &site,
        "done",
        "newsletter.unsubscribe_heading",
        context! { message => strings.text("newsletter.unsubscribed") },
        StatusCode::OK,
    )
    .await
}
