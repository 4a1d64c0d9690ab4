//! RSS 2.0 and Atom feeds of the latest articles: the whole site, a
//! section, a tag, an author — at WordPress's addresses (`/feed/`, `/feed/atom/`,
//! `/category/x/feed/`), so readers' subscriptions survive a move. Each
//! item carries its lead photo as an enclosure.
//!
//! Written by hand like the sitemaps: fixed elements, escaped text.

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use chrono::SecondsFormat;
use kiosque_core::markup::escape_html as xml;
use kiosque_core::model::{ArticleSummary, PageRequest, Site};

use super::lists::{ListKind, resolve};
use super::load_site;
use crate::{AppState, WebError};

/// Items per feed.
const ITEMS: u32 = 20;

/// RSS 2.0 or Atom.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Format {
    Rss,
    Atom,
}

/// A feed as pages announce it (`<link rel="alternate">`).
#[derive(Debug, serde::Serialize)]
pub(crate) struct FeedLink {
    title: String,
    rss: String,
    atom: String,
}

/// The feeds of a list page: its own (for a section or author) and the
/// site's.
pub(crate) fn feed_links(site: &Site, base: &str, name: &str) -> Vec<FeedLink> {
    let mut links = vec![FeedLink {
        title: site.name.clone(),
        rss: "/feed/".into(),
        atom: "/feed/atom/".into(),
    }];
    if base != "/" {
        links.insert(
            0,
            FeedLink {
                title: format!("{} – {name}", site.name),
                rss: format!("{base}feed/"),
                atom: format!("{base}feed/atom/"),
            },
        );
    }
    links
}

async fn feed(state: &AppState, kind: ListKind, format: Format) -> Result<Response, WebError> {
    let site = load_site(state).await?;
    let (filter, base, name) = resolve(state, &site, &kind).await?;
    let items = state
        .reader()
        .list_articles(
            filter,
            PageRequest {
                number: 1,
                per_page: ITEMS,
            },
        )
        .await?
        .items;
    // Whole articles when the newsroom chose it: one more query per item,
    // for twenty items.
    let mut bodies = HashMap::new();
    if site.full_text_feeds {
        for item in &items {
            if let Some(article) = state.reader().article(item.id).await? {
                let html = kiosque_core::markup::component::fallbacks_only(&article.body_html);
                bodies.insert(item.id, absolute_links(&html, &site.base_url));
            }
        }
    }
    let title = if name.is_empty() {
        site.name.clone()
    } else {
        format!("{} – {name}", site.name)
    };
    let feed_path = match format {
        Format::Rss => format!("{base}feed/"),
        Format::Atom => format!("{base}feed/atom/"),
    };
    let (body, content_type) = match format {
        Format::Rss => (
            rss(&site, &title, (&base, &feed_path), &items, &bodies),
            "application/rss+xml; charset=utf-8",
        ),
        Format::Atom => (
            atom(&site, &title, (&base, &feed_path), &items, &bodies),
            "application/atom+xml; charset=utf-8",
        ),
    };
    let family = super::lists::family_of(state, filter).await?;
    let mut topics = super::lists::list_topics(filter, family.as_ref());
    for item in &items {
        topics.summary(item);
    }
    Ok(topics.on((
        [(header::CONTENT_TYPE, HeaderValue::from_static(content_type))],
        body,
    )
        .into_response()))
}

fn enclosure(site: &Site, item: &ArticleSummary) -> Option<(String, u64, String)> {
    item.image.as_ref().map(|i| {
        (
            site.absolute_url(&format!("/media/{}", i.asset.file_name)),
            i.asset.byte_size,
            i.asset.mime.clone(),
        )
    })
}

/// Article HTML with the site's own links (`/media/…`, `/2024/…`) made
/// absolute, as feed readers show it away from the site.
fn absolute_links(html: &str, base_url: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(i) = rest.find("=\"/") {
        out.push_str(&rest[..i + 2]);
        rest = &rest[i + 2..];
        if !rest.starts_with("//") {
            out.push_str(base_url);
        }
    }
    out.push_str(rest);
    out
}

/// Plain text as HTML text: only what HTML would read as markup is
/// escaped (quotes are text outside attributes).
fn html_text(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

fn rss(
    site: &Site,
    title: &str,
    (base, feed): (&str, &str),
    items: &[ArticleSummary],
    bodies: &HashMap<i64, String>,
) -> String {
    let updated = items.first().map(|i| i.published_at.to_rfc2822());
    let mut out = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
         <rss version=\"2.0\" xmlns:atom=\"http://www.w3.org/2005/Atom\" \
         xmlns:dc=\"http://purl.org/dc/elements/1.1/\" \
         xmlns:content=\"http://purl.org/rss/1.0/modules/content/\">\n<channel>\n\
         <title>{}</title>\n<link>{}</link>\n<description>{}</description>\n\
         <language>{}</language>\n\
         <atom:link href=\"{}\" rel=\"self\" type=\"application/rss+xml\"/>\n",
        xml(title),
        xml(&site.absolute_url(base)),
        xml(describe(site, title)),
        site.language.code(),
        xml(&site.absolute_url(feed)),
    );
    if let Some(date) = updated {
        out += &format!("<lastBuildDate>{date}</lastBuildDate>\n");
    }
    for item in items {
        let url = site.absolute_url(&item.path(site));
        out += &format!(
            "<item>\n<title>{}</title>\n<link>{}</link>\n<guid isPermaLink=\"true\">{}</guid>\n\
             <pubDate>{}</pubDate>\n<dc:creator>{}</dc:creator>\n<description>{}</description>\n",
            xml(item.title.as_str()),
            xml(&url),
            xml(&url),
            item.published_at.to_rfc2822(),
            xml(&item.author_name),
            // Readers take an item's description as HTML: the plain-text
            // excerpt is escaped for HTML first, then for XML, so markup
            // it shows stays text.
            xml(&html_text(&item.excerpt)),
        );
        if let Some(body) = bodies.get(&item.id) {
            out += &format!("<content:encoded>{}</content:encoded>\n", xml(body));
        }
        if let Some((src, length, mime)) = enclosure(site, item) {
            out += &format!(
                "<enclosure url=\"{}\" length=\"{length}\" type=\"{}\"/>\n",
                xml(&src),
                xml(&mime)
            );
        }
        out += "</item>\n";
    }
    out + "</channel>\n</rss>\n"
}

/// A feed's description: the site's tagline for the site's own feed, the
/// feed's title for the others.
fn describe<'a>(site: &'a Site, title: &'a str) -> &'a str {
    if title == site.name && !site.tagline.is_empty() {
        &site.tagline
    } else {
        title
    }
}

fn atom(
    site: &Site,
    title: &str,
    (base, feed): (&str, &str),
    items: &[ArticleSummary],
    bodies: &HashMap<i64, String>,
) -> String {
    let iso = |at: chrono::DateTime<chrono::Utc>| at.to_rfc3339_opts(SecondsFormat::Secs, true);
    let updated = items
        .iter()
        .map(|i| i.published_at)
        .max()
        .map_or_else(|| iso(chrono::DateTime::UNIX_EPOCH), iso);
    let self_url = site.absolute_url(feed);
    let mut out = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
         <feed xmlns=\"http://www.w3.org/2005/Atom\" xml:lang=\"{}\">\n\
         <title>{}</title>\n<id>{}</id>\n<updated>{updated}</updated>\n\
         <link rel=\"self\" type=\"application/atom+xml\" href=\"{}\"/>\n\
         <link rel=\"alternate\" type=\"text/html\" href=\"{}\"/>\n\
         <author><name>{}</name></author>\n<subtitle>{}</subtitle>\n",
        site.language.code(),
        xml(title),
        xml(&self_url),
        xml(&self_url),
        xml(&site.absolute_url(base)),
        xml(&site.name),
        xml(describe(site, title)),
    );
    for item in items {
        let url = site.absolute_url(&item.path(site));
        out += &format!(
            "<entry>\n<title>{}</title>\n<id>{}</id>\n<link rel=\"alternate\" href=\"{}\"/>\n\
             <published>{}</published>\n<updated>{}</updated>\n\
             <author><name>{}</name></author>\n<summary>{}</summary>\n",
            xml(item.title.as_str()),
            xml(&url),
            xml(&url),
            iso(item.published_at),
            iso(item.published_at),
            xml(&item.author_name),
            xml(&item.excerpt),
        );
        if let Some(body) = bodies.get(&item.id) {
            out += &format!("<content type=\"html\">{}</content>\n", xml(body));
        }
        if let Some((src, length, mime)) = enclosure(site, item) {
            out += &format!(
                "<link rel=\"enclosure\" href=\"{}\" length=\"{length}\" type=\"{}\"/>\n",
                xml(&src),
                xml(&mime)
            );
        }
        out += "</entry>\n";
    }
    out + "</feed>\n"
}

pub(crate) async fn site_rss(State(state): State<Arc<AppState>>) -> Result<Response, WebError> {
    feed(&state, ListKind::Home, Format::Rss).await
}

pub(crate) async fn site_atom(State(state): State<Arc<AppState>>) -> Result<Response, WebError> {
    feed(&state, ListKind::Home, Format::Atom).await
}

pub(crate) async fn category_rss(
    State(state): State<Arc<AppState>>,
    Path(slug): Path<String>,
) -> Result<Response, WebError> {
    feed(&state, ListKind::Category(slug), Format::Rss).await
}

pub(crate) async fn category_atom(
    State(state): State<Arc<AppState>>,
    Path(slug): Path<String>,
) -> Result<Response, WebError> {
    feed(&state, ListKind::Category(slug), Format::Atom).await
}

pub(crate) async fn author_rss(
    State(state): State<Arc<AppState>>,
    Path(slug): Path<String>,
) -> Result<Response, WebError> {
    feed(&state, ListKind::Author(slug), Format::Rss).await
}

pub(crate) async fn author_atom(
    State(state): State<Arc<AppState>>,
    Path(slug): Path<String>,
) -> Result<Response, WebError> {
    feed(&state, ListKind::Author(slug), Format::Atom).await
}

pub(crate) async fn tag_rss(
    State(state): State<Arc<AppState>>,
    Path(slug): Path<String>,
) -> Result<Response, WebError> {
    feed(&state, ListKind::Tag(slug), Format::Rss).await
}

pub(crate) async fn tag_atom(
    State(state): State<Arc<AppState>>,
    Path(slug): Path<String>,
) -> Result<Response, WebError> {
    feed(&state, ListKind::Tag(slug), Format::Atom).await
}
