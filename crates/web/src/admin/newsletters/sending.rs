//! Before a send: the mail previewed at a phone's and a desktop's width,
//! a test sent to oneself; and alerts, sent once per article and list
//! after a confirmation page that says to how many readers.

use std::sync::Arc;

use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum_extra::extract::Form;
use chrono::Utc;
use kiosque_core::model::{
    Article, ListKind, NewsletterList, RECIPIENT_MARK, SEND_MARK, SendDraft, Site,
};
use kiosque_core::types::{ArticleStatus, Permission};
use minijinja::context;
use serde::Deserialize;

use super::{list_of, send_view};
use crate::admin::{Newsroom, admin_context};
use crate::newsletter::compose;
use crate::{AppState, WebError};

/// `?article=` for an alert's preview.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct Which {
    article: Option<i64>,
}

async fn published(state: &AppState, id: i64) -> Result<Article, WebError> {
    state
        .store
        .article(id)
        .await?
        .filter(|a| a.status == ArticleStatus::Published)
        .ok_or(WebError::NotFound)
}

/// What a list would send now: its next digest, or an alert about
/// `article` (the latest published one if none is named).
async fn sample(
    state: &AppState,
    site: &Site,
    list: &NewsletterList,
    article: Option<i64>,
) -> Result<Option<SendDraft>, WebError> {
    if list.settings.kind == ListKind::Digest {
        return compose::digest_for(state, site, list, Utc::now()).await;
    }
    let id = match article {
        Some(id) => id,
        None => match state
            .store
            .published_ids(&kiosque_core::model::PublishedQuery {
                limit: 1,
                ..Default::default()
            })
            .await?
            .first()
        {
            Some(id) => *id,
            None => return Ok(None),
        },
    };
    let article = published(state, id).await?;
    Ok(Some(compose::alert_draft(state, site, list.id, &article)))
}

/// `GET /admin/newsletters/{id}/preview`: the mail at 360 and 600 px.
pub(crate) async fn preview(
    State(state): State<Arc<AppState>>,
    newsroom: Newsroom,
    Path(id): Path<i64>,
    Query(which): Query<Which>,
) -> Result<Response, WebError> {
    newsroom.require(Permission::EditOthers)?;
    let list = list_of(&state, id).await?;
    let strings = state.strings(newsroom.site.language);
    let draft = sample(&state, &newsroom.site, &list, which.article).await?;
    let title = strings
        .text("admin.newsletter_preview_title")
        .replace("{list}", &list.settings.name);
    let query = which
        .article
        .map(|a| format!("?article={a}"))
        .unwrap_or_default();
    let ctx = context! {
        list => context! { id => list.id, name => &list.settings.name },
        subject => draft.as_ref().map(|d| d.subject.clone()),
        mail_url => format!("/admin/newsletters/{id}/preview/mail{query}"),
        article => which.article,
        ..admin_context(&state, &newsroom.site, Some(&newsroom), &title, "newsletters", None)
    };
    let html = state
        .templates
        .render("admin/newsletter_preview.html", ctx)?;
    let mut response = Html(html).into_response();
    response.headers_mut().insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'none'; img-src 'self' data:; style-src 'self'; \
             style-src-attr 'unsafe-inline'; script-src 'self'; form-action 'self'; \
             base-uri 'none'; frame-src 'self'; frame-ancestors 'none'",
        ),
    );
    Ok(response)
}

/// `GET /admin/newsletters/{id}/preview/mail`: the mail's HTML itself,
/// for the preview's frames (its links lead nowhere).
pub(crate) async fn preview_mail(
    State(state): State<Arc<AppState>>,
    newsroom: Newsroom,
    Path(id): Path<i64>,
    Query(which): Query<Which>,
) -> Result<Response, WebError> {
    newsroom.require(Permission::EditOthers)?;
    let list = list_of(&state, id).await?;
    let Some(draft) = sample(&state, &newsroom.site, &list, which.article).await? else {
        let strings = state.strings(newsroom.site.language);
        return Ok(Html(format!(
            "<!DOCTYPE html><html lang=\"{}\"><title>–</title><p>{}</p></html>",
            newsroom.site.language.code(),
            minijinja::HtmlEscape(&strings.text("admin.newsletter_nothing_new"))
        ))
        .into_response());
    };
    let body = compose::body(&state, &newsroom.site, &list, &draft).await?;
    // Photos from this server, wherever the site's public address points.
    let html = body
        .html
        .replace(RECIPIENT_MARK, "preview")
        .replace(SEND_MARK, "0")
        .replace(&newsroom.site.absolute_url("/media/"), "/media/");
    let mut response = Html(html).into_response();
    let headers = response.headers_mut();
    // The mail's own styles (a <style> element, attributes) and its
    // images (absolute addresses), and nothing that runs.
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'none'; img-src 'self' https: data:; style-src 'unsafe-inline'; \
             frame-ancestors 'self'; sandbox",
        ),
    );
    headers.insert(
        header::X_FRAME_OPTIONS,
        HeaderValue::from_static("SAMEORIGIN"),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(response)
}

/// A form that only carries its token (and, for alerts, which article).
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct Plain {
    csrf: String,
    article: String,
    lists: Vec<String>,
    confirm: String,
}

/// `POST /admin/newsletters/{id}/test`: the mail to the editor's own
/// address, as a subscriber would get it.
pub(crate) async fn test(
    State(state): State<Arc<AppState>>,
    newsroom: Newsroom,
    Path(id): Path<i64>,
    Form(posted): Form<Plain>,
) -> Result<Response, WebError> {
    newsroom.check_csrf(&posted.csrf)?;
    newsroom.require(Permission::EditOthers)?;
    let list = list_of(&state, id).await?;
    let Some(mailer) = state.mailer.clone() else {
        return Err(WebError::NotFound);
    };
    let article = posted.article.parse().ok();
    let Some(draft) = sample(&state, &newsroom.site, &list, article).await? else {
        return Ok(
            Redirect::to(&format!("/admin/newsletters/{id}?done=nothing_new")).into_response(),
        );
    };
    let body = compose::body(&state, &newsroom.site, &list, &draft).await?;
    mailer
        .send_newsletter(&newsroom.site, &newsroom.user.email, &body)
        .await?;
    Ok(Redirect::to(&format!("/admin/newsletters/{id}?done=test_sent")).into_response())
}

/// `GET /admin/newsletters/alert/{article}`: which alert lists, to how
/// many readers, and which already had this article.
pub(crate) async fn alert_form(
    State(state): State<Arc<AppState>>,
    newsroom: Newsroom,
    Path(article_id): Path<i64>,
) -> Result<Response, WebError> {
    newsroom.require(Permission::EditOthers)?;
    render_alert(&state, &newsroom, article_id, None, StatusCode::OK).await
}

async fn render_alert(
    state: &AppState,
    newsroom: &Newsroom,
    article_id: i64,
    error: Option<String>,
    status: StatusCode,
) -> Result<Response, WebError> {
    let article = published(state, article_id).await?;
    let strings = state.strings(newsroom.site.language);
    let sent = state.store.alerted_lists(article_id).await?;
    let all = state.store.newsletter_lists().await?;
    let lists: Vec<_> = all
        .iter()
        .filter(|l| l.settings.kind == ListKind::Alerts && l.settings.active)
        .collect();
    let title = strings.text("admin.newsletter_alert_title");
    let sends = state.store.newsletter_sends(None, 50).await?;
    let ctx = context! {
        article => context! { id => article.id, title => article.title.as_str(),
            path => article.path(&newsroom.site) },
        lists => lists.iter().map(|l| context! {
            id => l.id, name => &l.settings.name, subscribers => l.subscribers,
            sent => sent.contains(&l.id),
        }).collect::<Vec<_>>(),
        clicks_counted => state.config.newsletter_clicks,
        sends => sends.iter()
            .filter(|s| s.draft.kind == kiosque_core::model::SendKind::Alert && s.draft.articles.contains(&article.id))
            .map(|s| send_view(strings, &newsroom.site, &all, s)).collect::<Vec<_>>(),
        error,
        mail_ready => state.mailer.is_some(),
        ..admin_context(state, &newsroom.site, Some(newsroom), &title, "newsletters", None)
    };
    let html = state.templates.render("admin/newsletter_alert.html", ctx)?;
    Ok((status, Html(html)).into_response())
}

/// `POST /admin/newsletters/alert/{article}`: queues the alert to each
/// list ticked, once per list whatever is posted again.
pub(crate) async fn alert(
    State(state): State<Arc<AppState>>,
    newsroom: Newsroom,
    Path(article_id): Path<i64>,
    Form(posted): Form<Plain>,
) -> Result<Response, WebError> {
    newsroom.check_csrf(&posted.csrf)?;
    newsroom.require(Permission::EditOthers)?;
    let strings = state.strings(newsroom.site.language);
    let chosen: Vec<i64> = posted.lists.iter().filter_map(|l| l.parse().ok()).collect();
    if chosen.is_empty() || posted.confirm != "yes" || state.mailer.is_none() {
        let error = strings.text(if chosen.is_empty() {
            "errors.choose_a_list"
        } else {
            "admin.newsletter_alert_confirm_needed"
        });
        return render_alert(
            &state,
            &newsroom,
            article_id,
            Some(error),
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    }
    let article = published(&state, article_id).await?;
    for id in chosen {
        let Some(list) = state
            .store
            .newsletter_list(id)
            .await?
            .filter(|l| l.settings.kind == ListKind::Alerts)
        else {
            continue;
        };
        let draft = compose::alert_draft(&state, &newsroom.site, list.id, &article);
        let body = compose::body(&state, &newsroom.site, &list, &draft).await?;
        match state
            .store
            .start_alert(&draft, article.id, &body, Utc::now())
            .await?
        {
            Some(send) => tracing::info!(
                list = list.id,
                send = send.id,
                article = article.id,
                "alert queued"
            ),
            None => tracing::info!(
                list = list.id,
                article = article.id,
                "alert already sent to this list"
            ),
        }
    }
    Ok(Redirect::to(&format!(
        "/admin/newsletters/alert/{article_id}?done=queued"
    ))
    .into_response())
}
