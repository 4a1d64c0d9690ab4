//! Audience statistics in the admin (`/admin/stats`): readers now, a
//! period's views and visitors with their curve and top lists, one
//! article's curve and sources, and CSV exports. Editors and
//! administrators see the whole site; authors their own articles.

use std::sync::Arc;

use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, header};
use axum::response::{Html, IntoResponse, Response};
use chrono::{DateTime, Days, Utc};
use kiosque_core::model::Site;
use kiosque_core::model::audience::{
    By, Device, Period, Source, Span, StatsQuery, StatsRow, local_day,
};
use kiosque_core::service::audience;
use kiosque_core::types::Permission;
use minijinja::{Value, context};
use serde::Deserialize;

use super::charts::{self, Point};
use super::{Newsroom, admin_context};
use crate::i18n::Strings;
use crate::{AppState, WebError};

/// The periods offered as links.
const PERIODS: [&str; 4] = ["today", "yesterday", "7d", "30d"];
/// A report "now" is from the last this many seconds.
const LIVE_WITHIN: i64 = 30;

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct Asked {
    period: String,
    from: String,
    to: String,
    what: String,
}

/// Who is asking, and so what they may see.
struct Reader {
    /// `Some(user)`: only the articles this user made.
    own: Option<i64>,
}

fn reader(newsroom: &Newsroom) -> Result<Reader, WebError> {
    newsroom.require(Permission::PublishOwn)?;
    Ok(Reader {
        own: (!newsroom.user.role.allows(Permission::EditOthers)).then_some(newsroom.user.id),
    })
}

impl Asked {
    /// The period asked (today by default), and its key for links.
    fn period(&self, site: &Site, now: DateTime<Utc>) -> (Period, String) {
        let today = local_day(site.time_zone, now);
        let key = if self.period == "range" {
            format!("{}..{}", self.from.trim(), self.to.trim())
        } else {
            self.period.clone()
        };
        match Period::parse(&key, today) {
            Some(p) => (p, key),
            None => (
                Period::parse("today", today).unwrap_or(Period {
                    first: today,
                    last: today,
                }),
                "today".to_owned(),
            ),
        }
    }

    fn query_string(&self, key: &str) -> String {
        match key.split_once("..") {
            Some((from, to)) => format!("period=range&from={from}&to={to}"),
            None => format!("period={key}"),
        }
    }
}

async fn ask(
    state: &AppState,
    reader: &Reader,
    mut query: StatsQuery,
) -> Result<Vec<StatsRow>, WebError> {
    query.created_by = reader.own;
    Ok(state.store.stats(&query).await?)
}

/// The period's curve: per hour for one day (while hours are kept), per
/// day otherwise; every bucket present, empty ones at zero.
async fn curve(
    state: &AppState,
    reader: &Reader,
    site: &Site,
    strings: &Strings,
    period: &Period,
    article: Option<i64>,
) -> Result<(Vec<Point>, bool), WebError> {
    let zone = site.time_zone;
    let (from, to) = period.bounds(zone);
    let hourly = period.days() == 1 && Utc::now().timestamp() - from < 89 * 86_400;
    let span = if hourly { Span::Hour } else { Span::Day };
    let rows = ask(
        state,
        reader,
        StatsQuery {
            span,
            from,
            to,
            by: By::Time,
            article,
            created_by: None,
            limit: 10_000,
        },
    )
    .await?;
    let found: std::collections::HashMap<i64, &StatsRow> = rows
        .iter()
        .filter_map(|r| r.key.parse().ok().map(|k| (k, r)))
        .collect();
    let mut points = Vec::new();
    if hourly {
        let mut t = from;
        while t < to {
            let local = local_time(zone, t);
            let label = local.format("%H:%M").to_string();
            let row = found.get(&t);
            points.push(Point {
                axis: label.clone(),
                label,
                views: row.map_or(0, |r| r.views),
                visitors: row.map_or(0, |r| r.visitors),
            });
            t += 3600;
        }
    } else {
        for i in 0..period.days() {
            let Some(day) = period.first.checked_add_days(Days::new(i.unsigned_abs())) else {
                break;
            };
            let start = kiosque_core::model::audience::day_start(zone, day);
            let local = local_time(zone, start);
            let row = found.get(&start);
            points.push(Point {
                axis: local.format("%d/%m").to_string(),
                label: strings.date(local),
                views: row.map_or(0, |r| r.views),
                visitors: row.map_or(0, |r| r.visitors),
            });
        }
    }
    Ok((points, hourly))
}

fn local_time(zone: kiosque_core::model::Tz, at: i64) -> DateTime<kiosque_core::model::Tz> {
    DateTime::from_timestamp(at, 0)
        .unwrap_or_default()
        .with_timezone(&zone)
}

fn source_label(strings: &Strings, key: &str) -> String {
    match Source::from_stored(key.to_owned()).key() {
        Some(k) => strings.text(&format!("stats.source_{}", k.replace('-', "_"))),
        None => key.to_owned(),
    }
}

fn device_label(strings: &Strings, key: &str) -> String {
    match Device::parse(key) {
        Some(d) => strings.text(&format!("stats.device_{}", d.as_str())),
        None => key.to_owned(),
    }
}

fn rows_view(rows: &[StatsRow], link: impl Fn(&StatsRow) -> Option<String>) -> Vec<Value> {
    rows.iter()
        .map(|r| {
            context! {
                key => &r.key, label => if r.label.is_empty() { &r.key } else { &r.label },
                views => r.views, visitors => r.visitors, link => link(r),
            }
        })
        .collect()
}

fn labelled(rows: &[StatsRow], label: impl Fn(&str) -> String) -> Vec<StatsRow> {
    rows.iter()
        .map(|r| StatsRow {
            label: label(&r.key),
            ..r.clone()
        })
        .collect()
}

fn chart_context(points: &[Point], strings: &Strings) -> Value {
    let views: i64 = points.iter().map(|p| p.views).sum();
    let visitors: i64 = points.iter().map(|p| p.visitors).sum();
    let busiest = points
        .iter()
        .max_by_key(|p| p.views)
        .filter(|p| p.views > 0);
    let summary = match busiest {
        Some(b) => strings
            .text("stats.curve_summary")
            .replace("{views}", &views.to_string())
            .replace("{visitors}", &visitors.to_string())
            .replace("{busiest}", &b.label)
            .replace("{peak}", &b.views.to_string()),
        None => strings.text("stats.curve_empty"),
    };
    context! {
        svg => charts::columns(points, 640.0, 240.0),
        summary,
        rows => points.iter().map(|p| context! { label => &p.label, views => p.views, visitors => p.visitors }).collect::<Vec<_>>(),
    }
}

fn bars_context(rows: &[StatsRow], strings: &Strings, what: &str) -> Value {
    let pairs: Vec<(String, i64)> = rows.iter().map(|r| (r.label.clone(), r.views)).collect();
    let total: i64 = pairs.iter().map(|p| p.1).sum();
    let summary = match rows.first() {
        Some(top) => strings
            .text(&format!("stats.{what}_summary"))
            .replace("{top}", &top.label)
            .replace("{share}", &charts::percent(top.views, total)),
        None => strings.text("stats.nothing"),
    };
    context! {
        svg => charts::bars(&pairs, 460.0),
        summary,
        rows => rows_view(rows, |_| None),
    }
}

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
    let live = live_view(&state, &newsroom, &reader).await?;
    let periods: Vec<Value> = PERIODS
        .iter()
        .map(|p| {
            context! {
                key => p, label => strings.text(&format!("stats.period_{p}")),
                current => *p == key, href => format!("/admin/stats?period={p}"),
            }
        })
        .collect();
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

fn period_text(strings: &Strings, site: &Site, period: &Period) -> String {
    let date = |d: chrono::NaiveDate| {
        let start = kiosque_core::model::audience::day_start(site.time_zone, d);
        strings.date(local_time(site.time_zone, start))
    };
    if period.first == period.last {
        date(period.first)
    } else {
        strings
            .text("stats.from_to")
            .replace("{from}", &date(period.first))
            .replace("{to}", &date(period.last))
    }
}

/// Readers now: every server's last report, the articles an author may
/// see only.
async fn live_view(
    state: &AppState,
    newsroom: &Newsroom,
    reader: &Reader,
) -> Result<Value, WebError> {
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
    let _ = newsroom;
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
    let live = live_view(&state, &newsroom, &reader).await?;
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
    let periods: Vec<Value> = PERIODS
        .iter()
        .map(|p| {
            context! {
                key => p, label => strings.text(&format!("stats.period_{p}")),
                current => *p == key, href => format!("/admin/stats/articles/{id}?period={p}"),
            }
        })
        .collect();
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

/// The CSV of one list over a period (`what`: pages, sources, articles,
/// sections, authors, tags, devices, days).
pub(crate) async fn export(
    State(state): State<Arc<AppState>>,
    newsroom: Newsroom,
    Query(asked): Query<Asked>,
) -> Result<Response, WebError> {
    let reader = reader(&newsroom)?;
    let site = &newsroom.site;
    let (period, key) = asked.period(site, Utc::now());
    let by = audience::export_kind(&asked.what).unwrap_or(By::Path);
    let rows = ask(
        &state,
        &reader,
        audience::over(&period, site.time_zone, by, 1_000_000),
    )
    .await?;
    let body = audience::export(by, &rows, site.time_zone);
    let name = format!(
        "attachment; filename=\"stats-{}-{}.csv\"",
        if asked.what.is_empty() {
            "pages"
        } else {
            asked.what.as_str()
        },
        key.replace("..", "_")
    );
    let mut response = body.into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/csv; charset=utf-8"),
    );
    if let Ok(v) = HeaderValue::try_from(name) {
        headers.insert(header::CONTENT_DISPOSITION, v);
    }
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(response)
}
