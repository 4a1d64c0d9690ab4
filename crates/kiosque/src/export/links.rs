//! Finding the addresses of this site a page, feed or robots.txt links to.

use memchr::memmem;

/// Every address in a page or XML file: `href`, `src`, `srcset`, `<loc>`,
/// RSS `<link>`, and robots.txt's `Sitemap:` line. A plain scan, not a
/// parser: the pages are Kiosque's own, written with double quotes. Each
/// marker is looked for with memchr's vectorised search: the scan runs
/// over every exported page, and `str::find` was 5 % of an export.
pub(super) fn links(text: &str) -> Vec<String> {
    let mut found = Vec::new();
    for (open, close) in [
        ("href=\"", "\""),
        ("src=\"", "\""),
        ("<loc>", "</loc>"),
        ("<link>", "</link>"),
        ("Sitemap: ", "\n"),
    ] {
        for value in values(text, open, close) {
            found.push(value.trim().to_owned());
        }
    }
    for value in values(text, "srcset=\"", "\"") {
        for candidate in value.split(',') {
            if let Some(url) = candidate.split_whitespace().next() {
                found.push(url.to_owned());
            }
        }
    }
    found
}

/// What stands between each `open` and the next `close` (or the end).
fn values<'t>(text: &'t str, open: &str, close: &str) -> Vec<&'t str> {
    let bytes = text.as_bytes();
    let close = memmem::Finder::new(close.as_bytes());
    let mut values = Vec::new();
    for start in memmem::find_iter(bytes, open.as_bytes()) {
        let from = start + open.len();
        let end = close.find(&bytes[from..]).map_or(bytes.len(), |i| from + i);
        // The markers are ASCII: both ends fall on character boundaries.
        values.push(&text[from..end]);
    }
    values
}

/// The site-relative path of a link worth exporting, if it is one.
pub(super) fn local_path(link: &str, base_url: &str) -> Option<String> {
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
pub(super) fn date_archives(path: &str) -> Vec<String> {
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
        // Accents around the markers, and a value left open at the end.
        assert_eq!(links("é<loc>/à/</loc>ü href=\"/fin"), ["/fin", "/à/"]);
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
