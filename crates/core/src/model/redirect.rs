//! Old addresses that lead somewhere on this site: what a site moving in
//! from WordPress brings (its permalinks, `?p=42`, its archives), so no
//! link anyone kept breaks.

/// What an old address leads to. Named by id, not by address, so the
/// redirect follows a later rename.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RedirectTarget {
    /// An article's page.
    Article(i64),
    /// One of the site's pages.
    Page(i64),
    /// A section's list.
    Section(i64),
    /// A section's feed.
    SectionFeed(i64),
    /// A tag's list.
    Tag(i64),
    /// A tag's feed.
    TagFeed(i64),
    /// A byline's list.
    Author(i64),
    /// A photo's file.
    Media(i64),
}

impl RedirectTarget {
    /// The stored kind.
    pub fn kind(self) -> &'static str {
        match self {
            RedirectTarget::Article(_) => "article",
            RedirectTarget::Page(_) => "page",
            RedirectTarget::Section(_) => "section",
            RedirectTarget::SectionFeed(_) => "section-feed",
            RedirectTarget::Tag(_) => "tag",
            RedirectTarget::TagFeed(_) => "tag-feed",
            RedirectTarget::Author(_) => "author",
            RedirectTarget::Media(_) => "media",
        }
    }

    /// The target's id.
    pub fn id(self) -> i64 {
        match self {
            RedirectTarget::Article(id)
            | RedirectTarget::Page(id)
            | RedirectTarget::Section(id)
            | RedirectTarget::SectionFeed(id)
            | RedirectTarget::Tag(id)
            | RedirectTarget::TagFeed(id)
            | RedirectTarget::Author(id)
            | RedirectTarget::Media(id) => id,
        }
    }

    /// From the stored kind and id; an unknown kind is `None`.
    pub fn from_parts(kind: &str, id: i64) -> Option<Self> {
        Some(match kind {
            "article" => RedirectTarget::Article(id),
            "page" => RedirectTarget::Page(id),
            "section" => RedirectTarget::Section(id),
            "section-feed" => RedirectTarget::SectionFeed(id),
            "tag" => RedirectTarget::Tag(id),
            "tag-feed" => RedirectTarget::TagFeed(id),
            "author" => RedirectTarget::Author(id),
            "media" => RedirectTarget::Media(id),
            _ => return None,
        })
    }
}

/// Query parameters WordPress answers on its home address (`/?p=42`).
const QUERY_KEYS: &[&str] = &["p", "page_id", "attachment_id", "cat", "tag", "author"];

/// An old address as redirects are stored and looked up: the path of a
/// full URL or a path, percent-decoded, with a trailing slash on page
/// addresses (`/2024/03/été/`); on the home address, WordPress's query
/// forms (`?p=42`). `None` for an address that cannot be one.
pub fn old_address(raw: &str, query: Option<&str>) -> Option<String> {
    let raw = raw.trim();
    let (raw, inline_query) = match raw.split_once('?') {
        Some((path, query)) => (path, Some(query)),
        None => (raw, None),
    };
    let raw = raw.split('#').next().unwrap_or(raw);
    let path = match raw.split_once("://") {
        Some((_, rest)) => rest.find('/').map_or("/", |i| &rest[i..]),
        None => raw,
    };
    if !path.starts_with('/') {
        return None;
    }
    let path = percent_encoding::percent_decode_str(path)
        .decode_utf8()
        .ok()?
        .into_owned();
    if path == "/" {
        let query = query.or(inline_query)?;
        return query.split('&').find_map(|pair| {
            let (key, value) = pair.split_once('=')?;
            (QUERY_KEYS.contains(&key) && !value.is_empty() && value.len() <= 200)
                .then(|| format!("?{key}={value}"))
        });
    }
    // Old pages and feeds link WordPress's resized copies of a photo; the
    // import keeps the original, which they all lead to.
    let path = if path.starts_with("/wp-content/uploads/") {
        without_wordpress_size(&path)
    } else {
        path
    };
    let last = path.rsplit('/').next().unwrap_or_default();
    Some(if path.ends_with('/') || last.contains('.') {
        path
    } else {
        format!("{path}/")
    })
}

/// The original of one of WordPress's resized copies of an upload
/// (`port-1024x683.jpg` → `port.jpg`), extension in lower case; other
/// names as they are.
pub fn without_wordpress_size(path: &str) -> String {
    let (stem, extension) = match path.rsplit_once('.') {
        Some((stem, ext)) if !ext.contains('/') => (stem, Some(ext)),
        _ => (path, None),
    };
    let stem = match stem.rsplit_once('-') {
        Some((base, size))
            if size.split_once('x').is_some_and(|(w, h)| {
                !w.is_empty()
                    && !h.is_empty()
                    && w.bytes().all(|b| b.is_ascii_digit())
                    && h.bytes().all(|b| b.is_ascii_digit())
            }) =>
        {
            base
        }
        _ => stem,
    };
    match extension {
        Some(ext) => format!("{stem}.{}", ext.to_ascii_lowercase()),
        None => stem.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn old_addresses_are_decoded_and_end_like_pages() {
        assert_eq!(
            old_address(
                "https://echo.example/2024/03/%c3%a9lections-bouak%c3%a9/",
                None
            )
            .as_deref(),
            Some("/2024/03/élections-bouaké/")
        );
        assert_eq!(
            old_address("/2024/03/%C3%A9lections-bouak%C3%A9", None).as_deref(),
            Some("/2024/03/élections-bouaké/")
        );
        assert_eq!(
            old_address("https://echo.example/?p=42", None).as_deref(),
            Some("?p=42")
        );
        assert_eq!(
            old_address("/", Some("utm_source=x&page_id=2")).as_deref(),
            Some("?page_id=2")
        );
        assert_eq!(old_address("/", Some("s=port")), None);
        assert_eq!(old_address("/", None), None);
        assert_eq!(
            old_address("/wp-content/uploads/2024/03/a.jpg", None).as_deref(),
            Some("/wp-content/uploads/2024/03/a.jpg")
        );
        assert_eq!(old_address("relative/path", None), None);
        assert_eq!(
            old_address("/wp-content/uploads/2024/03/port-1024x683.JPG", None).as_deref(),
            Some("/wp-content/uploads/2024/03/port.jpg"),
            "a resized copy leads to its original"
        );
    }

    #[test]
    fn resized_copies_lead_to_their_original() {
        assert_eq!(
            without_wordpress_size("2024/03/port-1024x683.jpg"),
            "2024/03/port.jpg"
        );
        assert_eq!(
            without_wordpress_size("2024/03/port.JPG"),
            "2024/03/port.jpg"
        );
        assert_eq!(
            without_wordpress_size("2024/03/grand-x-port.jpg"),
            "2024/03/grand-x-port.jpg"
        );
    }
}
