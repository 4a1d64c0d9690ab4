//! One article's audience: its first hours, its days, its sources and
//! screens, its rank among the day's articles.

use std::sync::Arc;

use axum::extract::{Path, Query, State};
use axum::response::{Html, IntoResponse, Response};
use chrono::Utc;
use kiosque_core::model::audience::{By, Period, Span, StatsQuery, local_day};
use kiosque_core::service::audience;
use minijinja::context;

use super::*;
use crate::admin::{Newsroom, admin_context};
use crate::{AppState, WebError};

pub(crate) async fn article(
    State(state): State<Arc<AppState>>,
    newsroom: Newsroom,
    Path(id): Path<i64>,
    Query(mut asked): Query<Asked>,
) -> Result<Response, WebError> {
    let reader = reader(&newsroom)?;
    let site = &newsroom.site;
    let strings = state.strings(site.language);
    let article = state.store.article(id).await?.ok_or(WebError::NotFound)?;
    if reader.own.is_some_and(|u| article.created_by != Some(u)) {
        return Err(WebError::NotFound);
    }
    if asked.period.is_empty() {
        asked.period = "30d".to_owned();
    }
    let now = Utc::now();
    let (period, key) = asked.period(site, now);
    let zone = site.time_zone;
    let only = |by, limit| StatsQuery {
        article: Some(id),
        ..audience::over(&period, zone, by, limit)
    };
    let total = ask(&state, &reader, only(By::Total, 1)).await?;
    let total = total.first().cloned();
    let sources = labelled(&ask(&state, &reader, only(By::Source, 15)).await?, |k| {
        source_label(strings, k)
    });
    let devices = labelled(&ask(&state, &reader, only(By::Device, 3)).await?, |k| {
        device_label(strings, k)
    });
    let (daily, hourly) = curve(&state, &reader, site, strings, &period, Some(id)).await?;
    let first_hours = first_hours(&state, &reader, &article, zone).await?;
    // Where it stands among the articles read today.
    let today = Period::parse("today", local_day(zone, now)).unwrap_or(period);
    let ranked = ask(&state, &reader, {
        let mut q = audience::over(&today, zone, By::Article, 1000);
        q.created_by = None;
        q
    })
    .await?;
    let rank = ranked
        .iter()
        .position(|r| r.key == id.to_string())
        .map(|i| i + 1);
    let periods = periods_view(strings, &key, &format!("/admin/stats/articles/{id}"));
    let ctx = context! {
        periods,
        article_title => article.title.as_str(),
        article_id => id,
        public_path => article.path(site),
        period_text => period_text(strings, site, &period),
        views => total.as_ref().map_or(0, |t| t.views),
        visitors => total.as_ref().map_or(0, |t| t.visitors),
        rank, ranked => ranked.len(),
        first_hours => (!first_hours.is_empty()).then(|| chart_context(&first_hours, strings)),
        daily => chart_context(&daily, strings),
        daily_caption => strings.text(if hourly { "stats.per_hour" } else { "stats.per_day" }),
        sources => bars_context(&sources, strings, "sources"),
        devices => bars_context(&devices, strings, "devices"),
        ..admin_context(&state, site, Some(&newsroom), &strings.text("stats.article_title"), "stats", None)
    };
    Ok(Html(state.templates.render("admin/stats_article.html", ctx)?).into_response())
}

/// Views per 10 minutes over the article's first 48 hours (while minute
/// sums are kept).
async fn first_hours(
    state: &AppState,
    reader: &Reader,
    article: &kiosque_core::model::Article,
    zone: kiosque_core::model::Tz,
) -> Result<Vec<Point>, WebError> {
    const STEP: i64 = 600;
    let start = article.published_at.timestamp();
    let start = start - start.rem_euclid(STEP);
    let now = Utc::now().timestamp();
    let end = (start + 48 * 3600).min(now + STEP);
    if end <= start {
        return Ok(Vec::new());
    }
    let rows = ask(
        state,
        reader,
        StatsQuery {
            span: Span::Minute,
            from: start,
            to: end,
            by: By::Time,
            article: Some(article.id),
            created_by: None,
            limit: 10_000,
        },
    )
    .await?;
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let mut buckets = vec![(0i64, 0i64); usize::try_from((end - start) / STEP).unwrap_or(0)];
    for r in &rows {
        let Ok(t) = r.key.parse::<i64>() else {
            continue;
        };
        if let Some(b) = usize::try_from((t - start) / STEP)
            .ok()
            .and_then(|i| buckets.get_mut(i))
        {
            b.0 += r.views;
            b.1 += r.visitors;
        }
    }
    Ok(buckets
        .iter()
        .enumerate()
        .map(|(i, (views, visitors))| {
            let at = start + i as i64 * STEP;
            let local = local_time(zone, at);
            let label = local.format("%d/%m %H:%M").to_string();
            Point {
                // An axis label every three hours.
                axis: if i % 18 == 0 {
                    local.format("%H:%M").to_string()
                } else {
                    String::new()
                },
                label,
                views: *views,
                visitors: *visitors,
            }
        })
        .collect())
}
