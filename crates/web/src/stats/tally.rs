//! One server's counts in memory, between two flushes to the store.
//!
//! A visitor is a keyed hash of (address, user agent, site), as Plausible
//! counts them: the key (a `RandomState`, SipHash with random keys) lives
//! in this process only and is replaced at the site's midnight, so
//! yesterday's visitors cannot be recognised today, and nothing computed
//! from it is ever written anywhere. Whether a visitor was already counted
//! today is asked of a Bloom filter of fixed size: memory does not grow
//! with the number of paths or readers a day brings (a full filter counts
//! a few new visitors as seen, never the reverse).

use std::collections::HashMap;
use std::hash::{BuildHasher, RandomState};

/// The counter's own tables and derived keys: foldhash, keyed at random,
/// several times faster than SipHash on a request's path.
type Fast = foldhash::fast::RandomState;
use std::net::IpAddr;
use std::sync::{Arc, Mutex, MutexGuard};

use chrono::{DateTime, Utc};
use fastbloom::BloomFilter;
use kiosque_core::model::Tz;
use kiosque_core::model::audience::{
    Counts, Device, Firsts, LiveReport, Source, ViewCell, ViewedPath, day_start, local_day,
};
use kiosque_core::service::audience;

/// Readers seen within this long count as reading now.
const NOW: i64 = 5 * 60;
const RECENT: i64 = 30 * 60;
/// Readers remembered for "now" at most (about 40 bytes each).
const MAX_RECENT: usize = 500_000;
/// Articles reported as read now.
pub(crate) const LIVE_ARTICLES: usize = 20;

/// What the counting layer saw of one view.
pub struct View<'a> {
    /// The page's path.
    pub path: &'a str,
    /// Its title.
    pub title: &'a Arc<str>,
    /// The article it shows.
    pub article: Option<i64>,
    /// Where the reader came from.
    pub source: Source,
    /// On what.
    pub device: Device,
    /// The reader's address: hashed with the day's salt, never kept.
    pub address: IpAddr,
    /// The reader's browser: likewise.
    pub user_agent: &'a str,
    /// When.
    pub at: DateTime<Utc>,
}

/// Counts waiting for the next flush.
pub struct Tally {
    inner: Mutex<Inner>,
    /// What each user agent seen lately is (`None`: a robot): the robots
    /// list is a regular expression of 1,500 patterns, and readers' browsers
    /// repeat.
    kinds: quick_cache::sync::Cache<u64, Option<Device>>,
    kinds_key: Fast,
}

struct Inner {
    zone: Tz,
    host: Arc<str>,
    /// The site's day the salt and filter belong to, and the next one's
    /// start (Unix seconds).
    day: i64,
    next_day: i64,
    salt: RandomState,
    /// Derives the path's and source's keys; made anew with the salt.
    fast: Fast,
    seen: BloomFilter,
    bits: usize,
    pending: HashMap<String, PathCounts, Fast>,
    recent: HashMap<u64, (i64, Option<i64>), Fast>,
}

struct PathCounts {
    title: Arc<str>,
    article: Option<i64>,
    /// (minute, day, source, device, counts).
    cells: Vec<(i64, i64, Source, Device, Counts)>,
}

/// A flush's worth of counts.
pub struct Batch {
    /// Cells to add.
    pub cells: Vec<ViewCell>,
    /// What their paths show.
    pub paths: Vec<ViewedPath>,
}

impl Tally {
    /// A tally whose "already counted today" filter takes `memory_bytes`.
    pub fn new(memory_bytes: u64) -> Tally {
        let bits = usize::try_from(memory_bytes.saturating_mul(8))
            .unwrap_or(usize::MAX)
            .max(1 << 16);
        Tally {
            kinds: quick_cache::sync::Cache::new(4096),
            kinds_key: Fast::default(),
            inner: Mutex::new(Inner {
                zone: Tz::UTC,
                host: Arc::from(""),
                day: i64::MIN,
                next_day: i64::MIN,
                salt: RandomState::new(),
                fast: Fast::default(),
                seen: filter(bits),
                bits,
                pending: HashMap::default(),
                recent: HashMap::default(),
            }),
        }
    }

    fn inner(&self) -> MutexGuard<'_, Inner> {
        // Counts half-added by a panicking thread are still counts.
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The site's zone (its days) and host (its own pages as referrers).
    pub fn configure(&self, zone: Tz, host: &str) {
        let mut inner = self.inner();
        if inner.zone != zone {
            inner.zone = zone;
            // Days are cut anew at the next view.
            inner.next_day = i64::MIN;
        }
        if *inner.host != *host {
            inner.host = Arc::from(host);
        }
    }

    /// The kind of screen a user agent runs on, or `None` for a robot.
    pub fn classify(&self, user_agent: &str) -> Option<Device> {
        let key = self.kinds_key.hash_one(user_agent);
        if let Some(kind) = self.kinds.get(&key) {
            return kind;
        }
        let kind = (!audience::is_crawler(user_agent)).then(|| audience::device(user_agent));
        self.kinds.insert(key, kind);
        kind
    }

    /// The host whose pages are this site's own.
    pub(crate) fn host(&self) -> Arc<str> {
        self.inner().host.clone()
    }

    /// Counts one view.
    pub fn record(&self, view: &View<'_>) {
        let now = view.at.timestamp();
        let mut inner = self.inner();
        if now >= inner.next_day || now < inner.day {
            inner.new_day(view.at);
        }
        let visitor = inner
            .salt
            .hash_one((view.address, view.user_agent, &*inner.host));
        // One SipHash (the visitor), two fast hashes (the path, the source); the six
        // "first today" keys are mixed from them, not hashed again.
        let path = inner.fast.hash_one(view.path);
        let source = inner.fast.hash_one(view.source.as_str());
        let device = view.device as u64 + 1;
        let firsts = {
            let seen = &mut inner.seen;
            let mut first = |scope: u64| !seen.insert_hash(mix(visitor ^ scope));
            Firsts {
                site: first(mix(1)),
                path: first(mix(2 ^ path)),
                source: first(mix(3 ^ source)),
                device: first(mix(4 ^ device)),
                path_source: first(mix(5 ^ path ^ mix(source))),
                path_device: first(mix(6 ^ path ^ mix(device))),
            }
        };
        let minute = now - now.rem_euclid(60);
        let day = inner.day;
        let entry = match inner.pending.get_mut(view.path) {
            Some(entry) => entry,
            None => inner
                .pending
                .entry(view.path.to_owned())
                .or_insert_with(|| PathCounts {
                    title: view.title.clone(),
                    article: view.article,
                    cells: Vec::new(),
                }),
        };
        if entry.title != *view.title {
            entry.title = view.title.clone();
        }
        // A path's cells in one flush are few (minutes × sources ×
        // screens): a scan compares without making a key.
        match entry
            .cells
            .iter_mut()
            .find(|c| c.0 == minute && c.1 == day && c.3 == view.device && c.2 == view.source)
        {
            Some(cell) => cell.4.add_view(firsts),
            None => {
                let mut counts = Counts::default();
                counts.add_view(firsts);
                entry
                    .cells
                    .push((minute, day, view.source.clone(), view.device, counts));
            }
        }
        if inner.recent.len() < MAX_RECENT || inner.recent.contains_key(&visitor) {
            inner.recent.insert(visitor, (now, view.article));
        }
    }

    /// Takes what was counted since the last call.
    pub fn take(&self) -> Batch {
        let pending = std::mem::take(&mut self.inner().pending);
        let mut batch = Batch {
            cells: Vec::new(),
            paths: Vec::with_capacity(pending.len()),
        };
        for (path, counts) in pending {
            for (minute, day, source, device, counts) in counts.cells {
                batch.cells.push(ViewCell {
                    minute,
                    day,
                    path: path.clone(),
                    source,
                    device,
                    counts,
                });
            }
            batch.paths.push(ViewedPath {
                path,
                title: counts.title.to_string(),
                article: counts.article,
            });
        }
        batch
    }

    /// Puts back a batch the store did not take, to be sent with the next.
    pub fn give_back(&self, batch: Batch) {
        let mut inner = self.inner();
        let titles: HashMap<String, ViewedPath> = batch
            .paths
            .into_iter()
            .map(|p| (p.path.clone(), p))
            .collect();
        for cell in batch.cells {
            let entry = inner
                .pending
                .entry(cell.path.clone())
                .or_insert_with(|| PathCounts {
                    title: titles
                        .get(&cell.path)
                        .map_or_else(|| Arc::from(""), |p| Arc::from(p.title.as_str())),
                    article: titles.get(&cell.path).and_then(|p| p.article),
                    cells: Vec::new(),
                });
            match entry.cells.iter_mut().find(|c| {
                c.0 == cell.minute && c.1 == cell.day && c.2 == cell.source && c.3 == cell.device
            }) {
                Some(c) => c.4.merge(&cell.counts),
                None => {
                    entry
                        .cells
                        .push((cell.minute, cell.day, cell.source, cell.device, cell.counts))
                }
            }
        }
    }

    /// Readers right now, forgetting those gone for half an hour.
    pub fn live(&self, at: DateTime<Utc>) -> LiveReport {
        let now = at.timestamp();
        let mut inner = self.inner();
        inner.recent.retain(|_, (seen, _)| now - *seen < RECENT);
        let mut report = LiveReport {
            readers_30: i64::try_from(inner.recent.len()).unwrap_or(i64::MAX),
            ..LiveReport::default()
        };
        let mut articles: HashMap<i64, i64> = HashMap::new();
        for (seen, article) in inner.recent.values() {
            if now - seen < NOW {
                report.readers_5 += 1;
                if let Some(a) = article {
                    *articles.entry(*a).or_default() += 1;
                }
            }
        }
        drop(inner);
        let mut articles: Vec<(i64, i64)> = articles.into_iter().collect();
        articles.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        articles.truncate(LIVE_ARTICLES);
        report.articles = articles;
        report
    }

    /// Memory the tally holds beyond its fixed filter: paths waiting and
    /// readers remembered for "now".
    pub fn held(&self) -> (usize, usize) {
        let inner = self.inner();
        (inner.pending.len(), inner.recent.len())
    }
}

impl Inner {
    /// A new day: a new salt, an empty filter. Yesterday's visitors can no
    /// longer be told from anyone.
    fn new_day(&mut self, at: DateTime<Utc>) {
        let today = local_day(self.zone, at);
        self.day = day_start(self.zone, today);
        self.next_day = today
            .succ_opt()
            .map_or(i64::MAX, |d| day_start(self.zone, d));
        self.salt = RandomState::new();
        self.fast = Fast::default();
        self.seen = filter(self.bits);
    }
}

/// A 64-bit finaliser (SplitMix64's): spreads keys already derived from
/// keyed hashes over the filter. Written here because it is three lines
/// and the filter takes the result as is.
fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

fn filter(bits: usize) -> BloomFilter {
    // Three bits per mark: 16 MB hold ten million "first today" marks
    // (six per view) at under 1 % false positives, and a view costs 18
    // memory accesses, not the 54 of the "optimal" nine bits — at this
    // size each is a cache miss on the request's path.
    BloomFilter::with_num_bits(bits).hashes(3)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn view<'a>(path: &'a str, title: &'a Arc<str>, ip: [u8; 4], at: DateTime<Utc>) -> View<'a> {
        View {
            path,
            title,
            article: Some(1),
            source: Source::known(Source::DIRECT),
            device: Device::Phone,
            address: IpAddr::from(ip),
            user_agent: "Mozilla/5.0 (Linux; Android 14) Mobile",
            at,
        }
    }

    #[test]
    fn visitors_are_counted_once_a_day_and_again_the_next() {
        let tally = Tally::new(1 << 20);
        tally.configure(Tz::UTC, "journal.example");
        let title: Arc<str> = Arc::from("Titre");
        let at = DateTime::from_timestamp(1_767_225_600 + 3600, 0).unwrap();
        tally.record(&view("/a/", &title, [10, 0, 0, 1], at));
        tally.record(&view("/a/", &title, [10, 0, 0, 1], at));
        tally.record(&view("/b/", &title, [10, 0, 0, 1], at));
        tally.record(&view("/a/", &title, [10, 0, 0, 2], at));
        let next_day = at + chrono::Duration::days(1);
        tally.record(&view("/a/", &title, [10, 0, 0, 1], next_day));
        let batch = tally.take();
        let sum = |path: &str, day_of: DateTime<Utc>| {
            let day = day_start(Tz::UTC, local_day(Tz::UTC, day_of));
            let mut c = Counts::default();
            for cell in batch
                .cells
                .iter()
                .filter(|c| c.path == path && c.day == day)
            {
                c.merge(&cell.counts);
            }
            c
        };
        let a = sum("/a/", at);
        assert_eq!((a.views, a.site, a.path), (3, 2, 2));
        let b = sum("/b/", at);
        assert_eq!((b.views, b.site, b.path), (1, 0, 1));
        let a2 = sum("/a/", next_day);
        assert_eq!((a2.views, a2.site, a2.path), (1, 1, 1));
        assert!(tally.take().cells.is_empty());
        let live = tally.live(next_day);
        assert_eq!((live.readers_5, live.readers_30), (1, 1));
        assert_eq!(live.articles, [(1, 1)]);
    }

    #[test]
    fn a_batch_given_back_is_sent_with_the_next() {
        let tally = Tally::new(1 << 20);
        let title: Arc<str> = Arc::from("Titre");
        let at = Utc::now();
        tally.record(&view("/a/", &title, [10, 0, 0, 1], at));
        let batch = tally.take();
        tally.give_back(batch);
        tally.record(&view("/a/", &title, [10, 0, 0, 3], at));
        let batch = tally.take();
        let views: i64 = batch.cells.iter().map(|c| c.counts.views).sum();
        assert_eq!(views, 2);
        assert_eq!(batch.paths[0].title, "Titre");
    }
}
