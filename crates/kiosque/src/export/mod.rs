//! The static export: the whole public site written as files with the same
//! URLs, for any static host or CDN.
//!
//! Pages are not rendered a second way: the exporter asks the real router,
//! in process, for each URL, starting from the home page, the sitemaps
//! (which list every article, section, tag, author and page), the feeds
//! and robots.txt, and follows every link of this site it finds (pages of
//! lists, photos and their copies, style sheet, script), plus the date
//! archives of each dated article address. So the files are exactly what
//! `kiosque serve` answers.
//!
//! Incremental: a page none of whose topics changed since the last run
//! (see [`manifest`]) is not rendered again, only its file read for its
//! links; a file whose bytes are unchanged is not rewritten; media and
//! assets (named by their content) are not even fetched again; and files a
//! previous export wrote that no longer exist are removed. Files are
//! written to a temporary name and renamed, so a host never serves half a
//! file.

mod links;
mod manifest;

use std::collections::{BTreeMap, HashSet, VecDeque};
use std::path::{Component, Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use kiosque_core::model::Site;
use kiosque_core::ports::Store;
use kiosque_web::cache::Topics;
use tower::ServiceExt as _;

use links::{date_archives, links, local_path};
use manifest::{Entry, Manifest};

/// What an export did.
#[derive(Debug, Clone, Copy, Default)]
pub struct ExportReport {
    /// Files the site is made of.
    pub files: usize,
    /// Of those, written this time (new or changed).
    pub written: usize,
    /// Files of the previous export that no longer exist, removed.
    pub removed: usize,
    /// Pages and files asked of the site this time (the others were kept
    /// from the previous export, unchanged).
    pub rendered: usize,
    /// How long it took.
    pub elapsed: Duration,
}

/// Requests in flight at once.
const PARALLEL: usize = 16;

/// Writes the public site of `router` (serving `site`, stored in `store`)
/// into `out`. `progress(done, known)` is called as URLs are done and found.
pub async fn export(
    router: Router,
    store: &dyn Store,
    site: &Site,
    out: &Path,
    progress: impl Fn(u64, u64),
) -> anyhow::Result<ExportReport> {
    let started = Instant::now();
    let now = chrono::Utc::now();
    std::fs::create_dir_all(out).with_context(|| format!("cannot create {}", out.display()))?;
    // Before anything is rendered: a change made during the run is seen
    // by the next one.
    let seq = store.latest_page_change().await?;
    let previous = Manifest::read(out);
    let changed = previous.changed_since(store, now).await?;
    let mut queue: VecDeque<String> = [
        "/",
        "/robots.txt",
        "/sitemap.xml",
        "/sitemaps/news.xml",
        "/feed/",
        "/feed/atom/",
    ]
    .into_iter()
    .map(str::to_owned)
    .collect();
    let mut seen: HashSet<String> = queue.iter().cloned().collect();
    let mut pages: BTreeMap<String, Entry> = BTreeMap::new();
    let mut report = ExportReport::default();
    let out = Arc::new(out.to_owned());
    let mut running = tokio::task::JoinSet::new();
    let mut done = 0u64;
    loop {
        while running.len() < PARALLEL
            && let Some(path) = queue.pop_front()
        {
            let out = out.clone();
            let kept = previous.unchanged(&path, changed.as_ref(), now).cloned();
            let router = router.clone();
            running.spawn(async move {
                // A kept page whose file is gone (removed by hand) is
                // rendered after all.
                match kept.and_then(|entry| keep(&out, &path, entry)) {
                    Some(fetched) => Ok(fetched),
                    None => fetch_and_write(router, &out, path).await,
                }
            });
        }
        let Some(result) = running.join_next().await else {
            break;
        };
        let fetched = result.context("export task failed")??;
        done += 1;
        report.rendered += usize::from(fetched.rendered);
        if let Some(entry) = fetched.entry {
            report.written += usize::from(fetched.written);
            pages.insert(fetched.path, entry);
        }
        for link in fetched.links {
            if let Some(path) = local_path(&link, &site.base_url)
                && seen.insert(path.clone())
            {
                for archive in date_archives(&path) {
                    if seen.insert(archive.clone()) {
                        queue.push_back(archive);
                    }
                }
                queue.push_back(path);
            }
        }
        progress(done, seen.len() as u64);
    }
    let files: HashSet<&str> = pages.values().map(|e| e.file.as_str()).collect();
    for gone in previous
        .files
        .iter()
        .filter(|f| !files.contains(f.as_str()))
    {
        if let Some(path) = safe_join(&out, gone) {
            match std::fs::remove_file(&path) {
                Ok(()) => report.removed += 1,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => {
                    return Err(e).with_context(|| format!("cannot remove {}", path.display()));
                }
            }
        }
    }
    report.files = files.len();
    write_atomically(
        &out.join(manifest::FILE),
        Manifest::render(seq, now, &pages).as_bytes(),
    )?;
    report.elapsed = started.elapsed();
    Ok(report)
}

struct Fetched {
    /// The site path asked for.
    path: String,
    /// The file written or kept, if the path is one.
    entry: Option<Entry>,
    /// Asked of the router (not kept from the previous export).
    rendered: bool,
    written: bool,
    links: Vec<String>,
}

/// A page unchanged since the previous export: its file stays, read for
/// the links it holds (so what it links to is exported as before). `None`
/// if the file cannot be read.
fn keep(out: &Path, path: &str, entry: Entry) -> Option<Fetched> {
    let text = std::fs::read_to_string(safe_join(out, &entry.file)?).ok()?;
    Some(Fetched {
        links: links(&text),
        path: path.to_owned(),
        entry: Some(entry),
        rendered: false,
        written: false,
    })
}

async fn fetch_and_write(router: Router, out: &Path, path: String) -> anyhow::Result<Fetched> {
    let immutable = path.starts_with("/media/") || path.starts_with("/assets/");
    if immutable {
        // Named by their content: an existing file is the right one.
        let file = path.trim_start_matches('/').to_owned();
        if safe_join(out, &file).is_some_and(|p| p.is_file()) {
            return Ok(Fetched {
                path,
                entry: Some(Entry {
                    file,
                    ..Entry::default()
                }),
                rendered: false,
                written: false,
                links: Vec::new(),
            });
        }
    }
    let request = Request::get(&path)
        .body(Body::empty())
        .context("export request")?;
    let response = router.oneshot(request).await?;
    let mut fetched = Fetched {
        path,
        entry: None,
        rendered: true,
        written: false,
        links: Vec::new(),
    };
    let path = &fetched.path;
    // Redirects (old addresses, `/page/1/`) and missing pages are not files.
    if response.status() != StatusCode::OK {
        if response.status().is_server_error() {
            anyhow::bail!("{path}: the server answered {}", response.status());
        }
        return Ok(fetched);
    }
    let content_type = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    // What the page shows, as the page cache would file it.
    let (topics, expires) = response
        .extensions()
        .get::<Topics>()
        .map(|t| {
            (
                t.iter().cloned().collect(),
                t.expires().map(|at| at.timestamp()),
            )
        })
        .unwrap_or_default();
    let body = axum::body::to_bytes(response.into_body(), usize::MAX).await?;
    let xml = content_type.contains("xml");
    let file = match path.strip_suffix('/') {
        // Directory addresses: a static host serves index.html; feeds are
        // XML, in index.xml (see the README for the host's setting).
        Some(dir) if xml => format!("{}/index.xml", dir.trim_start_matches('/')),
        Some(dir) => format!("{}/index.html", dir.trim_start_matches('/'))
            .trim_start_matches('/')
            .to_owned(),
        None => path.trim_start_matches('/').to_owned(),
    };
    let target = safe_join(out, &file).with_context(|| format!("{path}: not a safe file name"))?;
    if content_type.starts_with("text/html") || xml || path == "/robots.txt" {
        fetched.links = links(&String::from_utf8_lossy(&body));
    }
    fetched.written = match std::fs::read(&target) {
        Ok(existing) if existing == body => false,
        _ => {
            write_atomically(&target, &body)?;
            true
        }
    };
    fetched.entry = Some(Entry {
        file,
        topics,
        expires,
    });
    Ok(fetched)
}

/// `out/relative`, refusing anything that would leave `out`.
fn safe_join(out: &Path, relative: &str) -> Option<PathBuf> {
    let rel = Path::new(relative);
    rel.components()
        .all(|c| matches!(c, Component::Normal(_)))
        .then(|| out.join(rel))
}

fn write_atomically(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    let dir = path.parent().context("a file has a directory")?;
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let name = path
        .file_name()
        .context("a file has a name")?
        .to_string_lossy();
    let temporary = dir.join(format!(".{name}.part"));
    std::fs::write(&temporary, bytes)
        .with_context(|| format!("cannot write {}", temporary.display()))?;
    std::fs::rename(&temporary, path).with_context(|| format!("cannot write {}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_file_name_leaves_the_export_directory() {
        let out = Path::new("/srv/export");
        assert!(safe_join(out, "a/index.html").is_some());
        assert!(safe_join(out, "../etc/passwd").is_none());
        assert!(safe_join(out, "/etc/passwd").is_none());
        assert!(safe_join(out, "a/./b").is_some_and(|p| p == Path::new("/srv/export/a/b")));
        assert!(
            local_path("/media/../../x", "https://e.org")
                .is_some_and(|p| { safe_join(out, p.trim_start_matches('/')).is_none() })
        );
    }
}
