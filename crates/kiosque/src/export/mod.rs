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
//! Incremental: a file whose bytes are unchanged is not rewritten, media
//! and assets (named by their content) are not even fetched again, and
//! files a previous export wrote that no longer exist are removed (the
//! list is kept in `.kiosque-export`). Files are written to a temporary
//! name and renamed, so a host never serves half a file.

use std::collections::{BTreeSet, HashSet, VecDeque};
use std::path::{Component, Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use kiosque_core::model::Site;
use tower::ServiceExt as _;

/// What an export did.
#[derive(Debug, Clone, Copy, Default)]
pub struct ExportReport {
    /// Files the site is made of.
    pub files: usize,
    /// Of those, written this time (new or changed).
    pub written: usize,
    /// Files of the previous export that no longer exist, removed.
    pub removed: usize,
    /// How long it took.
    pub elapsed: Duration,
}

/// The list of files written, kept in the export directory.
const MANIFEST: &str = ".kiosque-export";
/// Requests in flight at once.
const PARALLEL: usize = 16;

/// Writes the public site of `router` (serving `site`) into `out`.
/// `progress(done, known)` is called as URLs are done and found.
pub async fn export(
    router: Router,
    site: &Site,
    out: &Path,
    progress: impl Fn(u64, u64),
) -> anyhow::Result<ExportReport> {
    let started = Instant::now();
    std::fs::create_dir_all(out).with_context(|| format!("cannot create {}", out.display()))?;
    let previous: BTreeSet<String> = std::fs::read_to_string(out.join(MANIFEST))
        .map(|m| m.lines().map(str::to_owned).collect())
        .unwrap_or_default();
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
    let mut files = BTreeSet::new();
    let mut report = ExportReport::default();
    let out = Arc::new(out.to_owned());
    let mut running = tokio::task::JoinSet::new();
    let mut done = 0u64;
    loop {
        while running.len() < PARALLEL
            && let Some(path) = queue.pop_front()
        {
            let router = router.clone();
            let out = out.clone();
            running.spawn(async move { fetch_and_write(router, &out, path).await });
        }
        let Some(result) = running.join_next().await else {
            break;
        };
        let fetched = result.context("export task failed")??;
        done += 1;
        if let Some(file) = fetched.file {
            report.written += usize::from(fetched.written);
            files.insert(file);
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
    for gone in previous.difference(&files) {
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
    let manifest: String = files.iter().map(|f| format!("{f}\n")).collect();
    write_atomically(&out.join(MANIFEST), manifest.as_bytes())?;
    report.files = files.len();
    report.elapsed = started.elapsed();
    Ok(report)
}

struct Fetched {
    /// The file written or kept, relative to the export directory.
    file: Option<String>,
    written: bool,
    links: Vec<String>,
}

async fn fetch_and_write(router: Router, out: &Path, path: String) -> anyhow::Result<Fetched> {
    let nothing = Fetched {
        file: None,
        written: false,
        links: Vec::new(),
    };
    let immutable = path.starts_with("/media/") || path.starts_with("/assets/");
    if immutable {
        // Named by their content: an existing file is the right one.
        let file = path.trim_start_matches('/').to_owned();
        if safe_join(out, &file).is_some_and(|p| p.is_file()) {
            return Ok(Fetched {
                file: Some(file),
                ..nothing
            });
        }
    }
    let request = Request::get(&path)
        .body(Body::empty())
        .context("export request")?;
    let response = router.oneshot(request).await?;
    // Redirects (old addresses, `/page/1/`) and missing pages are not files.
    if response.status() != StatusCode::OK {
        if response.status().is_server_error() {
            anyhow::bail!("{path}: the server answered {}", response.status());
        }
        return Ok(nothing);
    }
    let content_type = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
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
    let links = if content_type.starts_with("text/html") || xml || path == "/robots.txt" {
        links(&String::from_utf8_lossy(&body))
    } else {
        Vec::new()
    };
    let written = match std::fs::read(&target) {
        Ok(existing) if existing == body => false,
        _ => {
            write_atomically(&target, &body)?;
            true
        }
    };
    Ok(Fetched {
        file: Some(file),
        written,
        links,
    })
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

/// Every address in a page or XML file: `href`, `src`, `srcset`, `<loc>`,
/// RSS `<link>`, and robots.txt's `Sitemap:` line. A plain scan, not a
/// parser: the pages are Kiosque's own, written with double quotes.
fn links(text: &str) -> Vec<String> {
    let mut found = Vec::new();
    for (open, close) in [
        ("href=\"", "\""),
        ("src=\"", "\""),
        ("<loc>", "</loc>"),
        ("<link>", "</link>"),
        ("Sitemap: ", "\n"),
    ] {
        let mut rest = text;
        while let Some(i) = rest.find(open) {
            rest = &rest[i + open.len()..];
            let end = rest.find(close).unwrap_or(rest.len());
            found.push(rest[..end].trim().to_owned());
            rest = &rest[end..];
        }
    }
    let mut rest = text;
    while let Some(i) = rest.find("srcset=\"") {
        rest = &rest[i + 8..];
        let end = rest.find('"').unwrap_or(rest.len());
        for candidate in rest[..end].split(',') {
            if let Some(url) = candidate.split_whitespace().next() {
                found.push(url.to_owned());
            }
        }
        rest = &rest[end..];
    }
    found
}

/// The site-relative path of a link worth exporting, if it is one.
fn local_path(link: &str, base_url: &str) -> Option<String> {
    let link = link.replace("&amp;", "&");
    let path = match link.strip_prefix(base_url.trim_end_matches('/')) {
        Some(rest) if rest.starts_with('/') => rest.to_owned(),
        Some(_) => return None,
        None if link.starts_with('/') && !link.starts_with("//") => link,
        None => return None,
    };
    let path = path.split('#').next().unwrap_or_default();
    let keep = !path.is_empty()
        && !path.contains('?')
        && !path.starts_with("/admin")
        && !path.starts_with("/search")
        && !path.ends_with("/comments");
    keep.then(|| path.to_owned())
}

/// `/2024/` and `/2024/11/` for an article at `/2024/11/slug/`.
fn date_archives(path: &str) -> Vec<String> {
    let parts: Vec<&str> = path.trim_matches('/').split('/').collect();
    let digits = |s: &str, n: usize| s.len() == n && s.bytes().all(|b| b.is_ascii_digit());
    if parts.len() == 3 && digits(parts[0], 4) && digits(parts[1], 2) {
        vec![
            format!("/{}/", parts[0]),
            format!("/{}/{}/", parts[0], parts[1]),
        ]
    } else {
        Vec::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_are_found_in_pages_feeds_and_robots() {
        let html = r#"<a href="/category/monde/">x</a><img src="/media/a.jpg"
            srcset="/media/a-320.webp 320w, /media/a-640.webp 640w">
            <a href="https://news.example.org/tag/x/">t</a><a href="https://ailleurs.example/">o</a>
            <form action="/2024/11/a/comments"><a href="/search?q=x">s</a><a href="/#top">h</a>"#;
        let paths: Vec<String> = links(html)
            .iter()
            .filter_map(|l| local_path(l, "https://news.example.org"))
            .collect();
        assert_eq!(
            paths,
            [
                "/category/monde/",
                "/tag/x/",
                "/",
                "/media/a.jpg",
                "/media/a-320.webp",
                "/media/a-640.webp"
            ]
        );
        let robots = "User-agent: *\nSitemap: https://news.example.org/sitemap.xml\n";
        assert_eq!(links(robots), ["https://news.example.org/sitemap.xml"]);
    }

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

    #[test]
    fn dated_addresses_bring_their_archives() {
        assert_eq!(
            date_archives("/2024/11/mon-article/"),
            ["/2024/", "/2024/11/"]
        );
        assert!(date_archives("/category/monde/").is_empty());
    }
}
