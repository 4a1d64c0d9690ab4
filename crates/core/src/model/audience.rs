//! Audience statistics: what a counted page view is made of, how the
//! counts are kept (aggregates only, never a row per view) and the
//! questions the newsroom asks of them.

use chrono::{DateTime, Datelike, Days, NaiveDate, TimeZone, Utc};
use chrono_tz::Tz;

/// The three kinds of screen the newsroom tells apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Device {
    /// A phone (or another small screen).
    Phone,
    /// A tablet.
    Tablet,
    /// A computer.
    Desktop,
}

impl Device {
    /// Every class, in the order the admin lists them.
    pub const ALL: [Device; 3] = [Device::Phone, Device::Tablet, Device::Desktop];

    /// Its key in the aggregates.
    pub fn as_str(self) -> &'static str {
        match self {
            Device::Phone => "phone",
            Device::Tablet => "tablet",
            Device::Desktop => "desktop",
        }
    }

    /// The class of a stored key.
    pub fn parse(s: &str) -> Option<Device> {
        Device::ALL.into_iter().find(|d| d.as_str() == s)
    }
}

/// Where readers came from: a known source by its key (`google`,
/// `facebook`, `newsletter`, `direct`…) or another site by its host.
/// Kept as text in the aggregates; a host always holds a dot, a key never.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Source(String);

impl Source {
    /// Typed the address, a bookmark, an app that sends no referrer.
    pub const DIRECT: &'static str = "direct";
    /// From another page of the site itself.
    pub const INTERNAL: &'static str = "internal";
    /// A link in an e-mail (its campaign tags say so).
    pub const NEWSLETTER: &'static str = "newsletter";
    /// The sources known by name, in the order the admin lists them when
    /// they tie.
    pub const KNOWN: [&'static str; 14] = [
        Source::DIRECT,
        Source::INTERNAL,
        "google",
        "google-news",
        "bing",
        "duckduckgo",
        "facebook",
        "x",
        "whatsapp",
        "telegram",
        "linkedin",
        "instagram",
        "reddit",
        Source::NEWSLETTER,
    ];

    /// A known source by its key.
    pub fn known(key: &'static str) -> Source {
        Source(key.to_owned())
    }

    /// Another site, by its host (lower case, without `www.`).
    pub fn site(host: &str) -> Source {
        let host = host.trim_end_matches('.').to_ascii_lowercase();
        Source(host.strip_prefix("www.").map(str::to_owned).unwrap_or(host))
    }

    /// A value read back from the aggregates.
    pub fn from_stored(s: String) -> Source {
        Source(s)
    }

    /// Its key or host, as stored.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The key of a known source; `None` for another site's host.
    pub fn key(&self) -> Option<&'static str> {
        Source::KNOWN.into_iter().find(|k| *k == self.0)
    }
}

/// How finely counts are kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Span {
    /// Kept 48 hours by default: the "now" and an article's first hours.
    Minute,
    /// Kept 90 days by default.
    Hour,
    /// A day of the site's calendar, kept for ever by default.
    Day,
}

impl Span {
    /// Its key in the aggregates.
    pub fn as_str(self) -> &'static str {
        match self {
            Span::Minute => "m",
            Span::Hour => "h",
            Span::Day => "d",
        }
    }

    /// Its length (a day's is nominal: days are cut at the site's midnight).
    pub fn seconds(self) -> i64 {
        match self {
            Span::Minute => 60,
            Span::Hour => 3600,
            Span::Day => 86_400,
        }
    }
}

/// "First time today" marks of one view: which counts of visitors it adds
/// to. A visitor is counted once a day per thing counted (the site, a page,
/// a source, a device, a page's source, a page's device), as Plausible
/// counts unique visitors: sums over several days add each day's.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Firsts {
    /// The visitor's first view of the day on the site.
    pub site: bool,
    /// … of this page.
    pub path: bool,
    /// … from this source.
    pub source: bool,
    /// … on this kind of screen.
    pub device: bool,
    /// … of this page from this source.
    pub path_source: bool,
    /// … of this page on this kind of screen.
    pub path_device: bool,
}

/// Counts of one cell (a page, a source and a device in one time bucket).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    /// Page views.
    pub views: i64,
    /// Visitors new to the site that day (see [`Firsts`]).
    pub site: i64,
    /// Visitors new to the page that day.
    pub path: i64,
    /// Visitors new to the source that day.
    pub source: i64,
    /// Visitors new to the kind of screen that day.
    pub device: i64,
    /// Visitors new to the page from the source that day.
    pub path_source: i64,
    /// Visitors new to the page on the kind of screen that day.
    pub path_device: i64,
}

impl Counts {
    /// Counts one view.
    pub fn add_view(&mut self, firsts: Firsts) {
        self.views += 1;
        self.site += i64::from(firsts.site);
        self.path += i64::from(firsts.path);
        self.source += i64::from(firsts.source);
        self.device += i64::from(firsts.device);
        self.path_source += i64::from(firsts.path_source);
        self.path_device += i64::from(firsts.path_device);
    }

    /// Adds another cell's counts.
    pub fn merge(&mut self, other: &Counts) {
        self.views += other.views;
        self.site += other.site;
        self.path += other.path;
        self.source += other.source;
        self.device += other.device;
        self.path_source += other.path_source;
        self.path_device += other.path_device;
    }
}

/// One cell of counts to add to the aggregates.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ViewCell {
    /// The minute's start (Unix seconds).
    pub minute: i64,
    /// The start of the site's day holding that minute (Unix seconds).
    pub day: i64,
    /// The page's path (no query string).
    pub path: String,
    /// Where its readers came from.
    pub source: Source,
    /// On what.
    pub device: Device,
    /// How many.
    pub counts: Counts,
}

/// What the aggregates know of a path besides its counts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ViewedPath {
    /// The page's path.
    pub path: String,
    /// Its title when last viewed.
    pub title: String,
    /// The article it shows, if it is one.
    pub article: Option<i64>,
}

/// One server's readers right now, as it last reported them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LiveReport {
    /// Visitors seen in the last 5 minutes.
    pub readers_5: i64,
    /// … in the last 30 minutes.
    pub readers_30: i64,
    /// Readers in the last 5 minutes per article, the most read first.
    pub articles: Vec<(i64, i64)>,
}

/// What every server reports, added up.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Live {
    /// Visitors seen in the last 5 minutes.
    pub readers_5: i64,
    /// … in the last 30 minutes.
    pub readers_30: i64,
    /// Article id, its title, readers in the last 5 minutes.
    pub articles: Vec<(i64, String, i64)>,
}

/// How long each span is kept (`[stats]` in kiosque.toml).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Retention {
    /// Hours of per-minute counts.
    pub minutes_hours: u32,
    /// Days of per-hour counts.
    pub hours_days: u32,
    /// 0: day counts are kept for ever.
    pub days_days: u32,
}

impl Default for Retention {
    fn default() -> Self {
        Retention {
            minutes_hours: 48,
            hours_days: 90,
            days_days: 0,
        }
    }
}

/// What counts are grouped by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum By {
    /// One row: the period's total.
    Total,
    /// One row per bucket of the span asked.
    Time,
    /// Per page (path).
    Path,
    /// Per article, whatever its paths.
    Article,
    /// Per section of the articles read.
    Section,
    /// Per author (each byline of an article counts its views).
    Author,
    /// Per tag (likewise).
    Tag,
    /// Per source.
    Source,
    /// Per kind of screen.
    Device,
}

/// A question asked of the aggregates.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatsQuery {
    /// Which aggregates are read.
    pub span: Span,
    /// Start (included), Unix seconds.
    pub from: i64,
    /// End (excluded).
    pub to: i64,
    /// What rows are grouped by.
    pub by: By,
    /// Only this article's pages.
    pub article: Option<i64>,
    /// Only the articles this user created (an author's own view).
    pub created_by: Option<i64>,
    /// The most rows answered (the most viewed first, or by time).
    pub limit: u32,
}

/// One answer row. `key` is the bucket's start (as text), the path, the
/// id, the source or the device; `label` a title or name where one exists.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatsRow {
    /// What the row is of.
    pub key: String,
    /// Its name, where it has one.
    pub label: String,
    /// Page views.
    pub views: i64,
    /// Visitors (daily uniques, summed over days).
    pub visitors: i64,
}

/// A period the newsroom asks about: whole days of the site's calendar.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Period {
    /// The first day.
    pub first: NaiveDate,
    /// The last day, included.
    pub last: NaiveDate,
}

impl Period {
    /// `today`, `yesterday`, `7d`, `30d` or `YYYY-MM-DD..YYYY-MM-DD`
    /// (either order), counted back from `today`.
    pub fn parse(s: &str, today: NaiveDate) -> Option<Period> {
        let back = |days: u64| today.checked_sub_days(Days::new(days));
        let (first, last) = match s.trim() {
            "today" => (today, today),
            "yesterday" => (back(1)?, back(1)?),
            "7d" => (back(6)?, today),
            "30d" => (back(29)?, today),
            range => {
                let (a, b) = range.split_once("..")?;
                let a = NaiveDate::parse_from_str(a.trim(), "%Y-%m-%d").ok()?;
                let b = NaiveDate::parse_from_str(b.trim(), "%Y-%m-%d").ok()?;
                (a.min(b), a.max(b))
            }
        };
        // Ten years at most: a typo (20225) answers a clear error, not a
        // scan of centuries.
        ((last - first).num_days() <= 3660).then_some(Period { first, last })
    }

    /// The period's bounds in Unix seconds: the first day's midnight and
    /// the midnight after the last, in the site's zone.
    pub fn bounds(&self, zone: Tz) -> (i64, i64) {
        (
            day_start(zone, self.first),
            day_start(zone, self.last.succ_opt().unwrap_or(self.last)),
        )
    }

    /// How many days it holds.
    pub fn days(&self) -> i64 {
        (self.last - self.first).num_days() + 1
    }
}

/// Midnight of `day` in `zone`, in Unix seconds (the first instant of the
/// day where a change of clocks skips midnight).
pub fn day_start(zone: Tz, day: NaiveDate) -> i64 {
    let mut t = day.and_hms_opt(0, 0, 0).unwrap_or_default();
    for _ in 0..4 {
        if let Some(at) = zone.from_local_datetime(&t).earliest() {
            return at.timestamp();
        }
        t += chrono::Duration::minutes(30);
    }
    zone.from_utc_datetime(&t).timestamp()
}

/// The site's day holding `at`.
pub fn local_day(zone: Tz, at: DateTime<Utc>) -> NaiveDate {
    let local = at.with_timezone(&zone);
    NaiveDate::from_ymd_opt(local.year(), local.month(), local.day()).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn periods_are_whole_days_of_the_sites_calendar() {
        let today = NaiveDate::from_ymd_opt(2026, 3, 29).unwrap();
        let p = Period::parse("7d", today).unwrap();
        assert_eq!(p.first, NaiveDate::from_ymd_opt(2026, 3, 23).unwrap());
        assert_eq!(p.days(), 7);
        assert_eq!(Period::parse("yesterday", today).unwrap().days(), 1);
        let r = Period::parse("2026-03-30..2026-03-01", today).unwrap();
        assert_eq!(r.days(), 30);
        assert_eq!(Period::parse("someday", today), None);
        assert_eq!(Period::parse("2026-01-01..20226-01-01", today), None);
        // 29 March 2026 is 23 hours long in Paris.
        let (from, to) = Period::parse("today", today)
            .unwrap()
            .bounds(chrono_tz::Europe::Paris);
        assert_eq!(to - from, 23 * 3600);
    }

    #[test]
    fn sources_are_keys_or_hosts() {
        assert_eq!(Source::site("WWW.Example.ORG").as_str(), "example.org");
        assert_eq!(Source::site("example.org").key(), None);
        assert_eq!(Source::known("google").key(), Some("google"));
    }
}
