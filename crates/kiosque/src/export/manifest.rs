//! What the previous export wrote, kept in the export directory, and which
//! of its pages a later run may keep without rendering them again.
//!
//! Each page is listed with the topics it shows, the words of the store's
//! change log (migration 0017) the page cache files pages under. A page
//! none of whose topics changed since the last run is the same page: its
//! file is kept, and only read for the links it holds. Media and assets
//! are named by their content and never rendered again anyway.
//!
//! ```text
//! kiosque-export 2 SEQ WRITTEN_AT
//! FILE<TAB>PATH<TAB>EXPIRES<TAB>TOPIC TOPIC …
//! ```
//!
//! `SEQ` is the last change logged before the run started (a change made
//! while it ran is seen by the next one), `WRITTEN_AT` and `EXPIRES` are
//! Unix seconds (`-`: none). An entry without topics is always rendered
//! again. A manifest of an earlier form (one file name per line) only
//! tells which files to remove.

use std::collections::{BTreeMap, HashSet};
use std::path::Path;

use chrono::{DateTime, TimeDelta, Utc};
use kiosque_core::ports::Store;

/// The list, kept in the export directory.
pub(super) const FILE: &str = ".kiosque-export";
const HEADER: &str = "kiosque-export 2";
/// Servers prune the change log after a day (kiosque-web's cache
/// follower); an older export cannot know what changed since.
const TRUST_FOR: TimeDelta = TimeDelta::hours(23);

/// One exported file.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(super) struct Entry {
    /// Relative to the export directory.
    pub(super) file: String,
    /// What the page shows (empty: render it every time).
    pub(super) topics: Vec<String>,
    /// Stale from then on whatever changes.
    pub(super) expires: Option<i64>,
}

/// The previous export.
#[derive(Debug, Default)]
pub(super) struct Manifest {
    /// The change log's position when it started, and when it was written
    /// (absent in an earlier form).
    pub(super) seq: Option<(i64, i64)>,
    /// By site path.
    pub(super) pages: BTreeMap<String, Entry>,
    /// Every file it wrote, pages or not.
    pub(super) files: Vec<String>,
}

impl Manifest {
    /// The manifest in `out`; none (an empty one) on a first run.
    pub(super) fn read(out: &Path) -> Manifest {
        let Ok(text) = std::fs::read_to_string(out.join(FILE)) else {
            return Manifest::default();
        };
        Manifest::parse(&text)
    }

    fn parse(text: &str) -> Manifest {
        let mut manifest = Manifest::default();
        let mut lines = text.lines().peekable();
        if let Some(rest) = lines.peek().and_then(|l| l.strip_prefix(HEADER)) {
            let numbers: Vec<i64> = rest
                .split_whitespace()
                .filter_map(|n| n.parse().ok())
                .collect();
            if let [seq, at] = numbers[..] {
                manifest.seq = Some((seq, at));
            }
            lines.next();
        }
        for line in lines.filter(|l| !l.is_empty()) {
            let mut fields = line.split('\t');
            let file = fields.next().unwrap_or_default().to_owned();
            manifest.files.push(file.clone());
            let (Some(path), Some(expires), Some(topics)) =
                (fields.next(), fields.next(), fields.next())
            else {
                continue;
            };
            manifest.pages.insert(
                path.to_owned(),
                Entry {
                    file,
                    topics: topics.split_whitespace().map(str::to_owned).collect(),
                    expires: expires.parse().ok(),
                },
            );
        }
        manifest
    }

    /// The manifest of this run: `pages` by path, from change `seq`.
    pub(super) fn render(seq: i64, now: DateTime<Utc>, pages: &BTreeMap<String, Entry>) -> String {
        let mut text = format!("{HEADER} {seq} {}\n", now.timestamp());
        for (path, entry) in pages {
            let expires = entry
                .expires
                .map_or_else(|| "-".to_owned(), |at| at.to_string());
            text.push_str(&format!(
                "{}\t{path}\t{expires}\t{}\n",
                entry.file,
                entry.topics.join(" ")
            ));
        }
        text
    }

    /// The topics changed since this export, or `None` when no page of it
    /// can be trusted (none recorded, too old, or the site itself changed).
    pub(super) async fn changed_since(
        &self,
        store: &dyn Store,
        now: DateTime<Utc>,
    ) -> kiosque_core::Result<Option<HashSet<String>>> {
        const BATCH: u32 = 1000;
        let Some((mut after, written_at)) = self.seq else {
            return Ok(None);
        };
        if now.timestamp() - written_at > TRUST_FOR.num_seconds() {
            return Ok(None);
        }
        let mut changed = HashSet::new();
        loop {
            let changes = store.page_changes(after, BATCH).await?;
            for change in &changes {
                if change.topic == kiosque_web::cache::Topics::SITE {
                    return Ok(None);
                }
                changed.insert(change.topic.clone());
            }
            match changes.last() {
                Some(last) if changes.len() == BATCH as usize => after = last.seq,
                _ => return Ok(Some(changed)),
            }
        }
    }

    /// The previous entry for `path`, if its page is still what the site
    /// would serve: none of its topics changed and it has not expired.
    pub(super) fn unchanged(
        &self,
        path: &str,
        changed: Option<&HashSet<String>>,
        now: DateTime<Utc>,
    ) -> Option<&Entry> {
        let changed = changed?;
        let entry = self.pages.get(path)?;
        let fresh = !entry.topics.is_empty()
            && entry.expires.is_none_or(|at| now.timestamp() < at)
            && !entry.topics.iter().any(|t| changed.contains(t));
        fresh.then_some(entry)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(file: &str, topics: &[&str], expires: Option<i64>) -> Entry {
        Entry {
            file: file.into(),
            topics: topics.iter().map(|t| (*t).to_owned()).collect(),
            expires,
        }
    }

    #[test]
    fn a_manifest_reads_back_what_was_written() {
        let mut pages = BTreeMap::new();
        pages.insert(
            "/2024/11/a/".to_owned(),
            entry(
                "2024/11/a/index.html",
                &["site", "article-1"],
                Some(1_800_000_000),
            ),
        );
        pages.insert("/feed/".to_owned(), entry("feed/index.xml", &[], None));
        let now = Utc::now();
        let text = Manifest::render(42, now, &pages);
        let read = Manifest::parse(&text);
        assert_eq!(read.seq, Some((42, now.timestamp())));
        assert_eq!(read.pages, pages);
        assert_eq!(read.files, ["2024/11/a/index.html", "feed/index.xml"]);
    }

    #[test]
    fn an_earlier_manifest_only_lists_files() {
        let read = Manifest::parse("index.html\nmedia/a.jpg\n");
        assert_eq!(read.seq, None);
        assert!(read.pages.is_empty());
        assert_eq!(read.files, ["index.html", "media/a.jpg"]);
    }

    #[test]
    fn a_page_is_kept_only_when_nothing_it_shows_changed() {
        let now = Utc::now();
        let mut manifest = Manifest::default();
        for (path, topics, expires) in [
            ("/a/", &["site", "article-1"][..], None),
            ("/b/", &["site", "article-2"][..], None),
            (
                "/closing/",
                &["site", "article-3"][..],
                Some(now.timestamp()),
            ),
            ("/feed/", &[][..], None),
        ] {
            manifest.pages.insert(
                path.into(),
                entry(&format!("{path}index.html"), topics, expires),
            );
        }
        let changed: HashSet<String> = ["article-2".to_owned()].into();
        let kept = |path| manifest.unchanged(path, Some(&changed), now).is_some();
        assert!(kept("/a/"));
        assert!(!kept("/b/"), "its article changed");
        assert!(!kept("/closing/"), "expired");
        assert!(!kept("/feed/"), "no topics: always rendered");
        assert!(!kept("/new/"), "not exported before");
        assert!(manifest.unchanged("/a/", None, now).is_none());
    }
}
