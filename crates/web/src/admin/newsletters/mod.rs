//! Newsletters in the admin: the lists (administrators make and change
//! them), each list's next digest (editors reorder, drop and introduce
//! it before its time), alerts, previews and test sends (`sending`), the
//! subscribers (`subscribers`), and the log of every send.

mod sending;
mod subscribers;

use std::sync::Arc;

use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum_extra::extract::Form;
use chrono::Utc;
use kiosque_core::model::{
    ListKind, NewsletterList, NewsletterSend, PublishedQuery, SendDraft, SendKind,
};
use kiosque_core::service::newsletter::{ListForm, next_slot, time_of};
use kiosque_core::types::Permission;
use kiosque_core::{Error, FieldError};
use minijinja::{Value, context};
use serde::Deserialize;

use super::{Newsroom, admin_context, error_views};
use crate::newsletter::{compose, schedule_text};
use crate::{AppState, WebError};

pub(crate) fn routes(upload_limit: usize) -> Router<Arc<AppState>> {
    Router::new()
        .route("/admin/newsletters", get(index).post(create))
        .route("/admin/newsletters/{id}", get(show).post(save))
        .route("/admin/newsletters/{id}/digest", post(save_digest))
        .route("/admin/newsletters/{id}/preview", get(sending::preview))
        .route(
            "/admin/newsletters/{id}/preview/mail",
            get(sending::preview_mail),
        )
        .route("/admin/newsletters/{id}/test", post(sending::test))
        .route(
            "/admin/newsletters/alert/{article}",
            get(sending::alert_form).post(sending::alert),
        )
        .route(
            "/admin/newsletters/subscribers",
            get(subscribers::list).post(subscribers::act),
        )
        .route(
            "/admin/newsletters/subscribers.csv",
            get(subscribers::export),
        )
        .route(
            "/admin/newsletters/subscribers/import",
            post(subscribers::import).layer(axum::extract::DefaultBodyLimit::max(upload_limit)),
        )
}

/// The list form as posted.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct Posted {
    csrf: String,
    action: String,
    name: String,
    description: String,
    kind: String,
    days: Vec<u32>,
    time: String,
    section: String,
    sender_name: String,
    active: Option<String>,
}

impl Posted {
    fn form(&self) -> ListForm {
        ListForm {
            name: self.name.clone(),
            description: self.description.clone(),
            kind: self.kind.clone(),
            days: self.days.clone(),
            time: self.time.clone(),
            section: self.section.clone(),
            sender_name: self.sender_name.clone(),
            active: self.active.is_some(),
        }
    }

    fn of(list: &NewsletterList) -> Posted {
        let s = &list.settings;
        Posted {
            name: s.name.clone(),
            description: s.description.clone(),
            kind: s.kind.as_str().to_owned(),
            days: (0..7).filter(|d| s.schedule.on(*d)).collect(),
            time: time_of(s.schedule.minute),
            section: s.section_id.map(|id| id.to_string()).unwrap_or_default(),
            sender_name: s.sender_name.clone(),
            active: s.active.then(String::new),
            ..Posted::default()
        }
    }

    fn view(&self, strings: &crate::i18n::Strings) -> Value {
        context! {
            name => &self.name,
            description => &self.description,
            kind => &self.kind,
            days => (0..7u32).map(|d| context! {
                value => d,
                label => strings.weekday(d as usize),
                ticked => self.days.contains(&d),
            }).collect::<Vec<_>>(),
            time => &self.time,
            section => &self.section,
            sender_name => &self.sender_name,
            active => self.active.is_some(),
        }
    }
}

/// `?done=` after a change.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct Done {
    done: String,
}

fn flash(strings: &crate::i18n::Strings, done: &str) -> Option<String> {
    match done {
        "" => None,
        key => Some(strings.text(&format!("admin.newsletter_done_{key}"))),
    }
}

pub(crate) fn send_view(
    strings: &crate::i18n::Strings,
    site: &kiosque_core::model::Site,
    lists: &[NewsletterList],
    send: &NewsletterSend,
) -> Value {
    context! {
        id => send.id,
        list => lists.iter().find(|l| l.id == send.draft.list_id).map(|l| l.settings.name.clone()),
        kind => strings.text(&format!("admin.newsletter_kind_{}", send.draft.kind.as_str())),
        subject => &send.draft.subject,
        state => strings.text(&format!("admin.newsletter_state_{}", send.state.as_str())),
        started => send.started_at.map(|t| strings.datetime(site.local(t))),
        recipients => send.log.recipients,
        sent => send.log.sent,
        deferred => send.log.deferred,
        failed => send.log.failed,
        unsubscribed => send.log.unsubscribed,
        clicks => send.log.clicks,
    }
}

async fn sections(state: &AppState) -> Result<Vec<Value>, WebError> {
    Ok(state
        .store
        .categories()
        .await?
        .iter()
        .map(|c| context! { id => c.id, name => &c.name })
        .collect())
}

/// What the index and a list's page share: the list form with its
/// errors, the send log, what the user may do, and the admin's frame.
#[allow(clippy::too_many_arguments)]
async fn page_frame(
    state: &AppState,
    newsroom: &Newsroom,
    form: &Posted,
    errors: &[FieldError],
    sends: &[NewsletterSend],
    lists: &[NewsletterList],
    title: &str,
    flash: Option<String>,
) -> Result<Value, WebError> {
    let strings = state.strings(newsroom.site.language);
    let site = &newsroom.site;
    let (errors, errors_list) = error_views(strings, errors, |f| format!("admin.newsletter_{f}"));
    let shared = context! {
        sends => sends.iter().map(|s| send_view(strings, site, lists, s)).collect::<Vec<_>>(),
        clicks_counted => state.config.newsletter_clicks,
        form => form.view(strings),
        sections => sections(state).await?,
        errors, errors_list,
        may_manage => newsroom.user.role.allows(Permission::ManageSettings),
        mail_ready => state.mailer.is_some(),
    };
    Ok(minijinja::value::merge_maps([
        shared,
        admin_context(state, site, Some(newsroom), title, "newsletters", flash),
    ]))
}

async fn render_index(
    state: &AppState,
    newsroom: &Newsroom,
    form: &Posted,
    errors: &[FieldError],
    flash: Option<String>,
    status: StatusCode,
) -> Result<Response, WebError> {
    let strings = state.strings(newsroom.site.language);
    let site = &newsroom.site;
    let lists = state.store.newsletter_lists().await?;
    let sends = state.store.newsletter_sends(None, 30).await?;
    let now = Utc::now();
    let title = strings.text("admin.newsletters");
    let frame = page_frame(state, newsroom, form, errors, &sends, &lists, &title, flash).await?;
    let ctx = context! {
        lists => lists.iter().map(|l| context! {
            id => l.id,
            name => &l.settings.name,
            kind => strings.text(&format!("admin.newsletter_kind_{}", l.settings.kind.as_str())),
            when => schedule_text(strings, l),
            next => (l.settings.kind == ListKind::Digest && l.settings.active)
                .then(|| next_slot(l.settings.schedule, site.time_zone, now))
                .flatten()
                .map(|t| strings.datetime(site.local(t))),
            subscribers => l.subscribers,
            active => l.settings.active,
        }).collect::<Vec<_>>(),
        ..frame
    };
    let html = state.templates.render("admin/newsletters.html", ctx)?;
    Ok((status, Html(html)).into_response())
}

/// `GET /admin/newsletters`: the lists, a form for a new one, the log.
pub(crate) async fn index(
    State(state): State<Arc<AppState>>,
    newsroom: Newsroom,
    Query(done): Query<Done>,
) -> Result<Response, WebError> {
    newsroom.require(Permission::EditOthers)?;
    let strings = state.strings(newsroom.site.language);
    let form = Posted {
        kind: "digest".to_owned(),
        days: (0..7).collect(),
        time: "07:00".to_owned(),
        active: Some(String::new()),
        ..Posted::default()
    };
    let flash = flash(strings, &done.done);
    render_index(&state, &newsroom, &form, &[], flash, StatusCode::OK).await
}

/// `POST /admin/newsletters`: a new list.
pub(crate) async fn create(
    State(state): State<Arc<AppState>>,
    newsroom: Newsroom,
    Form(posted): Form<Posted>,
) -> Result<Response, WebError> {
    newsroom.check_csrf(&posted.csrf)?;
    newsroom.require(Permission::ManageSettings)?;
    match posted.form().validate() {
        Ok(settings) => {
            let list = state
                .store
                .create_newsletter_list(&settings, Utc::now())
                .await?;
            Ok(
                Redirect::to(&format!("/admin/newsletters/{}?done=created", list.id))
                    .into_response(),
            )
        }
        Err(Error::Invalid(errors)) => {
            render_index(
                &state,
                &newsroom,
                &posted,
                &errors,
                None,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

async fn list_of(state: &AppState, id: i64) -> Result<NewsletterList, WebError> {
    state
        .store
        .newsletter_list(id)
        .await?
        .ok_or(WebError::NotFound)
}

/// The next digest as the editor sees it: the saved draft's order and
/// drops over what is new now.
async fn next_digest(
    state: &AppState,
    list: &NewsletterList,
) -> Result<(SendDraft, Vec<(i64, String, bool)>), WebError> {
    let compose::Prepared {
        articles: order,
        dropped,
        intro,
        fresh,
    } = compose::prepared(state, list, Utc::now()).await?;
    let shown: Vec<i64> = order
        .iter()
        .copied()
        .chain(dropped.iter().copied().filter(|id| fresh.contains(id)))
        .collect();
    let titles = state
        .store
        .published_articles(&PublishedQuery {
            among: Some(shown.clone()),
            limit: u32::try_from(shown.len()).unwrap_or(u32::MAX).max(1),
            ..PublishedQuery::default()
        })
        .await?
        .articles;
    let rows = shown
        .iter()
        .filter_map(|id| {
            titles
                .iter()
                .find(|a| a.id == *id)
                .map(|a| (a.id, a.title.as_str().to_owned(), dropped.contains(id)))
        })
        .collect();
    Ok((
        SendDraft {
            list_id: list.id,
            kind: SendKind::Digest,
            subject: String::new(),
            intro,
            articles: order,
            dropped,
            slot: None,
        },
        rows,
    ))
}

async fn render_list(
    state: &AppState,
    newsroom: &Newsroom,
    list: &NewsletterList,
    form: &Posted,
    errors: &[FieldError],
    flash: Option<String>,
    status: StatusCode,
) -> Result<Response, WebError> {
    let strings = state.strings(newsroom.site.language);
    let site = &newsroom.site;
    let lists = state.store.newsletter_lists().await?;
    let sends = state.store.newsletter_sends(Some(list.id), 30).await?;
    let digest = if list.settings.kind == ListKind::Digest {
        let (draft, rows) = next_digest(state, list).await?;
        Some(context! {
            intro => draft.intro,
            next => next_slot(list.settings.schedule, site.time_zone, Utc::now())
                .map(|t| strings.datetime(site.local(t))),
            articles => rows.iter().enumerate().map(|(i, (id, title, dropped))| context! {
                id, title, dropped, position => i + 1,
            }).collect::<Vec<_>>(),
        })
    } else {
        None
    };
    let title = list.settings.name.clone();
    let frame = page_frame(state, newsroom, form, errors, &sends, &lists, &title, flash).await?;
    let ctx = context! {
        list => context! { id => list.id, name => &list.settings.name, subscribers => list.subscribers,
            digest => list.settings.kind == ListKind::Digest },
        digest,
        ..frame
    };
    let html = state.templates.render("admin/newsletter.html", ctx)?;
    Ok((status, Html(html)).into_response())
}

/// `GET /admin/newsletters/{id}`.
pub(crate) async fn show(
    State(state): State<Arc<AppState>>,
    newsroom: Newsroom,
    Path(id): Path<i64>,
    Query(done): Query<Done>,
) -> Result<Response, WebError> {
    newsroom.require(Permission::EditOthers)?;
    let list = list_of(&state, id).await?;
    let strings = state.strings(newsroom.site.language);
    let flash = flash(strings, &done.done);
    render_list(
        &state,
        &newsroom,
        &list,
        &Posted::of(&list),
        &[],
        flash,
        StatusCode::OK,
    )
    .await
}

/// `POST /admin/newsletters/{id}`: save the list's settings, or delete it.
pub(crate) async fn save(
    State(state): State<Arc<AppState>>,
    newsroom: Newsroom,
    Path(id): Path<i64>,
    Form(posted): Form<Posted>,
) -> Result<Response, WebError> {
    newsroom.check_csrf(&posted.csrf)?;
    newsroom.require(Permission::ManageSettings)?;
    let list = list_of(&state, id).await?;
    if posted.action == "delete" {
        state.store.delete_newsletter_list(id).await?;
        return Ok(Redirect::to("/admin/newsletters?done=deleted").into_response());
    }
    match posted.form().validate() {
        Ok(settings) => {
            state.store.update_newsletter_list(id, &settings).await?;
            Ok(Redirect::to(&format!("/admin/newsletters/{id}?done=saved")).into_response())
        }
        Err(Error::Invalid(errors)) => {
            render_list(
                &state,
                &newsroom,
                &list,
                &posted,
                &errors,
                None,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

/// The next digest's form: an introduction, a position per article, and
/// the articles left out.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct DigestPosted {
    csrf: String,
    intro: String,
    /// `position-ID` = the article's place.
    #[serde(flatten)]
    rest: std::collections::HashMap<String, String>,
    /// Ids left out.
    drop: Vec<String>,
}

/// `POST /admin/newsletters/{id}/digest`: keeps the editor's order, drops
/// and introduction for the list's next digest.
pub(crate) async fn save_digest(
    State(state): State<Arc<AppState>>,
    newsroom: Newsroom,
    Path(id): Path<i64>,
    Form(posted): Form<DigestPosted>,
) -> Result<Response, WebError> {
    newsroom.check_csrf(&posted.csrf)?;
    newsroom.require(Permission::EditOthers)?;
    let list = list_of(&state, id).await?;
    if list.settings.kind != ListKind::Digest {
        return Err(WebError::NotFound);
    }
    let (draft, rows) = next_digest(&state, &list).await?;
    let dropped: Vec<i64> = posted.drop.iter().filter_map(|d| d.parse().ok()).collect();
    let mut placed: Vec<(f64, usize, i64)> = rows
        .iter()
        .enumerate()
        .filter(|(_, (id, _, _))| !dropped.contains(id))
        .map(|(i, (id, _, _))| {
            let position = posted
                .rest
                .get(&format!("position-{id}"))
                .and_then(|p| p.trim().parse::<f64>().ok())
                .filter(|p| p.is_finite())
                .unwrap_or(i as f64 + 1.0);
            (position, i, *id)
        })
        .collect();
    placed.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
    let intro: String = posted.intro.trim().chars().take(2000).collect();
    let saved = SendDraft {
        intro,
        articles: placed.iter().map(|p| p.2).collect(),
        dropped: rows
            .iter()
            .map(|r| r.0)
            .filter(|id| dropped.contains(id))
            .collect(),
        ..draft
    };
    state.store.save_digest_draft(&saved, Utc::now()).await?;
    Ok(Redirect::to(&format!("/admin/newsletters/{id}?done=digest_saved#digest")).into_response())
}
