//! The full-page cache: public pages kept rendered and precompressed in
//! memory, so a reader's request costs a lookup, not a render.
//!
//! A handler opts a page in by attaching [`Topics`] to its response: what
//! the page shows (`article-12`, `comments-12`, `in-category-3`, `site`…).
//! The store's triggers (migration 0017) write the topics every change
//! touches to a log; [`PageCache::catch_up`] reads it and drops exactly the
//! pages filed under them, on this server after each of its own writes and
//! on every server every 250 ms ([`follow`]), so a change made by another
//! process (the CLI, another app server on the same PostgreSQL) is seen too.
//! The same topics go out as `Surrogate-Key` and `Cache-Tag` headers, so a
//! CDN in front can purge by them.
//!
//! Only anonymous GET and HEAD requests without a query string are served
//! from or stored in the cache; the newsroom (signed in) and every POST go
//! through to the handlers.

mod entry;
mod follow;
mod front;
mod layer;
mod topics;

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard};

use kiosque_core::model::Site;
use kiosque_core::ports::Store;

pub(crate) use entry::{CachedPage, accepts_brotli};
pub use follow::follow;
pub(crate) use front::Front;
pub(crate) use layer::{serve, signed_in};
pub use topics::Topics;

/// Pages by path, with the index of which pages show what.
pub struct PageCache {
    pages: quick_cache::sync::Cache<
        String,
        Arc<CachedPage>,
        ByWeight,
        quick_cache::DefaultHashBuilder,
        CountEvictions,
    >,
    index: Mutex<Index>,
    /// The last change of the log applied.
    applied: AtomicI64,
    /// When every page goes stale whatever is logged (Unix seconds; 0 for
    /// never): the end of the breaking-news banner every page shows.
    all_until: AtomicI64,
    /// One catch-up at a time, so changes are applied in order.
    following: tokio::sync::Mutex<()>,
    /// For the operators' metrics.
    counts: Arc<Counts>,
}

/// What the cache did since the server started.
#[derive(Debug, Default)]
pub struct Counts {
    /// Lookups that found a page.
    pub hits: AtomicU64,
    /// Lookups that found none (or one gone stale).
    pub misses: AtomicU64,
    /// Pages dropped to make room (not those a change made stale).
    pub evictions: AtomicU64,
}

/// Counts the pages quick_cache drops to stay within its weight.
#[derive(Clone)]
struct CountEvictions(Arc<Counts>);

impl quick_cache::Lifecycle<String, Arc<CachedPage>> for CountEvictions {
    type RequestState = ();

    fn on_evict(&self, (): &mut (), _path: String, _page: Arc<CachedPage>) {
        self.0.evictions.fetch_add(1, Ordering::Relaxed);
    }
}

#[derive(Default)]
struct Index {
    /// Grows with every invalidation: a page rendered before one may be
    /// out of date and is not stored.
    generation: u64,
    by_topic: HashMap<String, HashSet<String>>,
    /// The site's settings and navigation, which every page shows: read
    /// once instead of on every render, dropped with `site` and with the
    /// logo's `media-N`.
    site: Option<Arc<Site>>,
}

/// A page weighs its bodies, its headers and its path.
#[derive(Clone)]
struct ByWeight;

impl quick_cache::Weighter<String, Arc<CachedPage>> for ByWeight {
    fn weight(&self, path: &String, page: &Arc<CachedPage>) -> u64 {
        u64::try_from(path.len() + page.weight()).unwrap_or(u64::MAX)
    }
}

/// Where a render started: compared when it is stored.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Ticket(u64);

impl PageCache {
    /// A cache holding up to `max_bytes` of pages; `after` is the log's
    /// latest change, the one to follow from.
    pub fn new(max_bytes: u64, after: i64) -> Arc<PageCache> {
        // quick_cache sizes its tables from an item estimate; pages weigh
        // about 30 KB in their three encodings.
        let estimate = usize::try_from(max_bytes / 30_000).unwrap_or(1024).max(16);
        let counts = Arc::new(Counts::default());
        Arc::new(PageCache {
            pages: quick_cache::sync::Cache::with(
                estimate,
                max_bytes.max(1),
                ByWeight,
                quick_cache::DefaultHashBuilder::default(),
                CountEvictions(counts.clone()),
            ),
            counts,
            index: Mutex::new(Index::default()),
            applied: AtomicI64::new(after),
            all_until: AtomicI64::new(0),
            following: tokio::sync::Mutex::new(()),
        })
    }

    fn index(&self) -> MutexGuard<'_, Index> {
        // A panic while holding the index cannot leave it half-written in a
        // way that matters more than serving: keep going.
        self.index.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The page at `path`, counted as a hit or a miss.
    pub(crate) fn get(&self, path: &str) -> Option<Arc<CachedPage>> {
        let page = self.find(path);
        if page.is_none() {
            self.counts.misses.fetch_add(1, Ordering::Relaxed);
        }
        page
    }

    /// The page at `path`, counted as a hit if there is one: a miss is
    /// counted by the [`serve`] layer the request goes on to.
    pub(crate) fn find(&self, path: &str) -> Option<Arc<CachedPage>> {
        let until = self.all_until.load(Ordering::Relaxed);
        if until != 0 && chrono::Utc::now().timestamp() >= until {
            self.all_until.store(0, Ordering::Relaxed);
            self.invalidate([Topics::SITE]);
            return None;
        }
        let page = match self.pages.get(path) {
            Some(page) if !page.expired() => page,
            stale => {
                if stale.is_some() {
                    self.pages.remove(path);
                }
                return None;
            }
        };
        self.counts.hits.fetch_add(1, Ordering::Relaxed);
        Some(page)
    }

    /// Taken before rendering a page that may be stored.
    pub(crate) fn ticket(&self) -> Ticket {
        Ticket(self.index().generation)
    }

    /// Stores a page, unless something was invalidated since `ticket`
    /// (the render may have read what changed).
    pub(crate) fn insert(&self, path: String, page: Arc<CachedPage>, ticket: Ticket) {
        let mut index = self.index();
        if index.generation != ticket.0 {
            return;
        }
        // `site` drops everything: no need to list its pages.
        for topic in page.topics().filter(|t| *t != Topics::SITE) {
            index
                .by_topic
                .entry(topic.clone())
                .or_default()
                .insert(path.clone());
        }
        self.pages.insert(path, page);
    }

    /// The site as last read, unless it changed since.
    pub(crate) fn site(&self) -> Option<Arc<Site>> {
        self.index().site.clone()
    }

    /// Keeps the site read after `ticket`, unless it may have changed since.
    pub(crate) fn keep_site(&self, site: Arc<Site>, ticket: Ticket) {
        let mut index = self.index();
        if index.generation == ticket.0 {
            let until = site
                .banner
                .as_ref()
                .and_then(|b| b.until)
                .filter(|u| *u > chrono::Utc::now())
                .map_or(0, |u| u.timestamp());
            self.all_until.store(until, Ordering::Relaxed);
            index.site = Some(site);
        }
    }

    /// Drops every page filed under one of `topics` (all of them for
    /// `site`).
    pub(crate) fn invalidate<'a>(&self, topics: impl IntoIterator<Item = &'a str>) {
        let mut index = self.index();
        index.generation += 1;
        for topic in topics {
            if topic == Topics::SITE {
                index.by_topic.clear();
                index.site = None;
                self.pages.clear();
                return;
            }
            let logo = index.site.as_ref().and_then(|s| s.logo.as_ref());
            if logo.is_some_and(|l| topic.strip_prefix("media-") == Some(&l.id.to_string())) {
                index.site = None;
            }
            if let Some(paths) = index.by_topic.remove(topic) {
                for path in paths {
                    self.pages.remove(&path);
                }
            }
        }
    }

    /// Forgets index entries of pages evicted to make room.
    fn prune_index(&self) {
        let mut index = self.index();
        index.by_topic.retain(|_, paths| {
            paths.retain(|p| self.pages.contains_key(p));
            !paths.is_empty()
        });
    }

    /// Applies the changes logged since the last call.
    pub async fn catch_up(&self, store: &dyn Store) -> kiosque_core::Result<()> {
        const BATCH: u32 = 1000;
        let _one = self.following.lock().await;
        loop {
            let after = self.applied.load(Ordering::Acquire);
            let changes = store.page_changes(after, BATCH).await?;
            let Some(last) = changes.last().map(|c| c.seq) else {
                return Ok(());
            };
            let topics: HashSet<&str> = changes.iter().map(|c| c.topic.as_str()).collect();
            self.invalidate(topics);
            self.applied.store(last, Ordering::Release);
            if changes.len() < BATCH as usize {
                return Ok(());
            }
        }
    }

    /// The number of the last change applied.
    pub fn applied(&self) -> i64 {
        self.applied.load(Ordering::Acquire)
    }

    /// How many pages are held, and what they weigh.
    pub fn usage(&self) -> (usize, u64) {
        (self.pages.len(), self.pages.weight())
    }

    /// The most the pages may weigh.
    pub fn capacity(&self) -> u64 {
        self.pages.capacity()
    }

    /// Hits, misses and evictions so far.
    pub fn counts(&self) -> &Counts {
        &self.counts
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page(topics: &[&str], size: usize) -> Arc<CachedPage> {
        let mut t = Topics::new();
        for topic in topics {
            t.push((*topic).to_owned());
        }
        Arc::new(CachedPage::build(
            axum::http::HeaderMap::new(),
            axum::body::Bytes::from(vec![b'a'; size]),
            t,
        ))
    }

    #[test]
    fn invalidating_a_topic_drops_its_pages_and_no_others() {
        let cache = PageCache::new(1 << 20, 0);
        let t = cache.ticket();
        cache.insert("/a/".into(), page(&["article-1"], 100), t);
        cache.insert("/b/".into(), page(&["article-2"], 100), t);
        cache.insert("/".into(), page(&["article-1", "article-2"], 100), t);
        cache.invalidate(["article-1"]);
        assert!(cache.get("/a/").is_none());
        assert!(cache.get("/").is_none());
        assert!(cache.get("/b/").is_some());
        cache.invalidate([Topics::SITE]);
        assert!(cache.get("/b/").is_none());
    }

    #[test]
    fn a_page_rendered_before_an_invalidation_is_not_stored() {
        let cache = PageCache::new(1 << 20, 0);
        let before = cache.ticket();
        cache.invalidate(["comments-9"]);
        cache.insert("/a/".into(), page(&["article-1"], 100), before);
        assert!(cache.get("/a/").is_none());
        cache.insert("/a/".into(), page(&["article-1"], 100), cache.ticket());
        assert!(cache.get("/a/").is_some());
    }

    #[test]
    fn the_cache_stays_within_its_memory_bound() {
        let cache = PageCache::new(2_000_000, 0);
        for i in 0..400 {
            // Incompressible-ish bodies of about 20 KB each: 8 MB offered.
            let body: Vec<u8> = (0..20_000u32)
                .map(|n| (n.wrapping_mul(2_654_435_761).wrapping_add(i) >> 13) as u8)
                .collect();
            let mut t = Topics::new();
            t.push(format!("article-{i}"));
            let p = Arc::new(CachedPage::build(
                axum::http::HeaderMap::new(),
                axum::body::Bytes::from(body),
                t,
            ));
            cache.insert(format!("/{i}/"), p, cache.ticket());
        }
        let (count, weight) = cache.usage();
        assert!(weight <= 2_000_000, "{weight} bytes held");
        assert!(count > 10 && count < 400, "{count} pages held");
        cache.prune_index();
        let indexed: usize = cache.index().by_topic.values().map(HashSet::len).sum();
        assert!(
            indexed <= count,
            "{indexed} index entries for {count} pages"
        );
    }
}
