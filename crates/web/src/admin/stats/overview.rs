//! The overview: readers now, and a period's figures, curve and lists.

use std::sync::Arc;

use axum::extract::{Query, State};
use axum::http::header;
use axum::response::{Html, IntoResponse, Response};
use chrono::Utc;
use kiosque_core::model::audience::By;
use kiosque_core::service::audience;
use minijinja::{Value, context};

use super::*;
use crate::admin::{Newsroom, admin_context};
use crate::{AppState, WebError};

pub(crate) async fn overview(
    State(state): State<Arc<AppState>>,
    newsroom: Newsroom,
    Query(asked): Query<Asked>,
) -> Result<Response, WebError> {
    let reader = reader(&newsroom)?;
    let site = &newsroom.site;
    let strings = state.strings(site.language);
    let now = Utc::now();
    let (period, key) = asked.period(site, now);
    let zone = site.time_zone;
    let q = |by, limit| audience::over(&period, zone, by, limit);
    let total = ask(&state, &reader, q(By::Total, 1)).await?;
    let total = total.first().cloned();
    let (points, _) = curve(&state, &reader, site, strings, &period, None).await?;
    let articles = ask(&state, &reader, q(By::Article, 20)).await?;
    let sections = ask(&state, &reader, q(By::Section, 10)).await?;
    let authors = ask(&state, &reader, q(By::Author, 10)).await?;
    let tags = ask(&state, &reader, q(By::Tag, 10)).await?;
    let pages = ask(&state, &reader, q(By::Path, 20)).await?;
    let sources = labelled(&ask(&state, &reader, q(By::Source, 15)).await?, |k| {
        source_label(strings, k)
    });
    let devices = labelled(&ask(&state, &reader, q(By::Device, 3)).await?, |k| {
        device_label(strings, k)
    });
    let live = live_view(&state, &reader).await?;
    let periods = periods_view(strings, &key, "/admin/stats");
    let (first, last) = (
        period.first.format("%Y-%m-%d").to_string(),
        period.last.format("%Y-%m-%d").to_string(),
    );
    let ctx = context! {
        periods, live, first, last,
        custom => !PERIODS.contains(&key.as_str()),
        period_text => period_text(strings, site, &period),
        query => asked.query_string(&key),
        views => total.as_ref().map_or(0, |t| t.views),
        visitors => total.as_ref().map_or(0, |t| t.visitors),
        own => reader.own.is_some(),
        curve => chart_context(&points, strings),
        articles => rows_view(&articles, |r| Some(format!("/admin/stats/articles/{}?{}", r.key, asked.query_string(&key)))),
        sections => rows_view(&sections, |_| None),
        authors => rows_view(&authors, |_| None),
        tags => rows_view(&tags, |_| None),
        pages => rows_view(&pages, |r| Some(r.key.clone())),
        sources => bars_context(&sources, strings, "sources"),
        devices => bars_context(&devices, strings, "devices"),
        ..admin_context(&state, site, Some(&newsroom), &strings.text("stats.title"), "stats", None)
    };
    Ok(Html(state.templates.render("admin/stats.html", ctx)?).into_response())
}

/// Readers now: every server's last report, the articles an author may
/// see only.
async fn live_view(state: &AppState, reader: &Reader) -> Result<Value, WebError> {
    let now = Utc::now().timestamp();
    let live = state.store.live(now - LIVE_WITHIN, 10).await?;
    let mut articles = Vec::new();
    for (id, title, readers) in &live.articles {
        if let Some(user) = reader.own {
            let mine = state
                .store
                .article(*id)
                .await?
                .is_some_and(|a| a.created_by == Some(user));
            if !mine {
                continue;
            }
        }
        articles
            .push(context! { id, title, readers, link => format!("/admin/stats/articles/{id}") });
    }
    Ok(context! {
        site => reader.own.is_none(),
        readers_5 => live.readers_5,
        readers_30 => live.readers_30,
        articles,
    })
}

/// Readers now, for the overview's script to refresh in place.
pub(crate) async fn now(
    State(state): State<Arc<AppState>>,
    newsroom: Newsroom,
) -> Result<Response, WebError> {
    let reader = reader(&newsroom)?;
    let live = live_view(&state, &reader).await?;
    let body = serde_json::to_string(&live).map_err(|e| WebError::Internal(e.to_string()))?;
    Ok((
        [
            (header::CONTENT_TYPE, "application/json"),
            (header::CACHE_CONTROL, "no-store"),
        ],
        body,
    )
        .into_response())
}
