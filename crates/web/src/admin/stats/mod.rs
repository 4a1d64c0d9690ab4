//! Audience statistics in the admin (`/admin/stats`): readers now, a
//! period's views and visitors with their curve and top lists, one
//! article's curve and sources, and CSV exports. Editors and
//! administrators see the whole site; authors their own articles.

mod article;
mod export;
mod overview;

pub(crate) use article::article;
pub(crate) use export::export;
pub(crate) use overview::{now, overview};

use chrono::{DateTime, Days, Utc};
use kiosque_core::model::Site;
use kiosque_core::model::audience::{
    By, Device, Period, Source, Span, StatsQuery, StatsRow, local_day,
};
use kiosque_core::types::Permission;
use minijinja::{Value, context};
use serde::Deserialize;

use super::Newsroom;
use super::charts::{self, Point};
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

/// The periods offered as links, for a page at `base`.
fn periods_view(strings: &Strings, key: &str, base: &str) -> Vec<Value> {
    PERIODS
        .iter()
        .map(|p| {
            context! {
                key => p, label => strings.text(&format!("stats.period_{p}")),
                current => *p == key, href => format!("{base}?period={p}"),
            }
        })
        .collect()
}
