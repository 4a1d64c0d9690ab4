//! How search engines find every page: `robots.txt`, a sitemap index, its
//! paginated sitemaps (sections and authors, then articles newest first)
//! and a Google News sitemap of the last 48 hours.
//!
//! The XML is written by hand: a few fixed elements whose text is escaped
//! here, which a serialiser crate would not make safer.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use chrono::{SecondsFormat, Utc};
use kiosque_core::markup::escape_html as xml;
use kiosque_core::model::{PageRequest, Site};

use super::load_site;
use crate::{AppState, WebError};

/// Articles per sitemap (the protocol allows 50,000; smaller files are
/// quicker to make and to fetch).
const PER_SITEMAP: u32 = 5_000;
/// Google News reads at most 1,000 articles from the last two days.
const NEWS_LIMIT: u32 = 1_000;

fn iso(at: chrono::DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Secs, true)
}

fn xml_response(body: String) -> Response {
    (
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/xml; charset=utf-8"),
        )],
        body,
    )
        .into_response()
}

const HEADER: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
const SITEMAP_NS: &str = "http://www.sitemaps.org/schemas/sitemap/0.9";

pub(crate) async fn robots(State(state): State<Arc<AppState>>) -> Result<Response, WebError> {
    let site = load_site(&state).await?;
    let body = format!(
        "User-agent: *\nDisallow: /admin/\n\nSitemap: {}\nSitemap: {}\n",
        site.absolute_url("/sitemap.xml"),
        site.absolute_url("/sitemaps/news.xml")
    );
    Ok((
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/plain; charset=utf-8"),
        )],
        body,
    )
        .into_response())
}

/// The index: the sections sitemap, then one per page of articles with the
/// date of its latest change.
pub(crate) async fn index(State(state): State<Arc<AppState>>) -> Result<Response, WebError> {
    let site = load_site(&state).await?;
    let mut body = format!("{HEADER}<sitemapindex xmlns=\"{SITEMAP_NS}\">\n");
    body += &format!(
        "<sitemap><loc>{}</loc></sitemap>\n",
        xml(&site.absolute_url("/sitemaps/sections.xml"))
    );
    let changes = state.reader().sitemap_page_changes(PER_SITEMAP).await?;
    for (i, lastmod) in changes.into_iter().enumerate() {
        body += &format!(
            "<sitemap><loc>{}</loc><lastmod>{}</lastmod></sitemap>\n",
            xml(&site.absolute_url(&format!("/sitemaps/articles-{}.xml", i + 1))),
            iso(lastmod)
        );
    }
    body += "</sitemapindex>\n";
    Ok(xml_response(body))
}

async fn articles(
    state: &AppState,
    number: u32,
) -> Result<kiosque_core::model::Page<kiosque_core::model::SitemapEntry>, WebError> {
    Ok(state
        .reader()
        .sitemap(PageRequest {
            number,
            per_page: PER_SITEMAP,
        })
        .await?)
}

fn url(site: &Site, path: &str, lastmod: Option<chrono::DateTime<Utc>>) -> String {
    format!(
        "<url><loc>{}</loc>{}</url>\n",
        xml(&site.absolute_url(path)),
        lastmod
            .map(|at| format!("<lastmod>{}</lastmod>", iso(at)))
            .unwrap_or_default()
    )
}

/// `sections.xml`, `articles-N.xml` or `news.xml`.
pub(crate) async fn sitemap(
    State(state): State<Arc<AppState>>,
    Path(file): Path<String>,
) -> Result<Response, WebError> {
    let site = load_site(&state).await?;
    let body = match file.as_str() {
        "sections.xml" => {
            let mut body = format!("{HEADER}<urlset xmlns=\"{SITEMAP_NS}\">\n");
            body += &url(&site, "/", None);
            for c in super::public_sections(&state).await? {
                body += &url(&site, &format!("/category/{}/", c.slug), None);
            }
            for t in state
                .reader()
                .published_terms(kiosque_core::model::TermKind::Tag)
                .await?
            {
                if t.articles > 0 {
                    body += &url(&site, &format!("/tag/{}/", t.slug), None);
                }
            }
            for a in super::public_authors(&state).await? {
                body += &url(&site, &format!("/author/{}/", a.slug), None);
            }
            for p in state.reader().pages().await? {
                body += &url(&site, &format!("/{}/", p.slug), Some(p.updated_at));
            }
            body + "</urlset>\n"
        }
        "news.xml" => {
            let since = Utc::now() - chrono::Duration::hours(48);
            let recent = state.reader().published_since(since, NEWS_LIMIT).await?;
            let mut body = format!(
                "{HEADER}<urlset xmlns=\"{SITEMAP_NS}\" \
                 xmlns:news=\"http://www.google.com/schemas/sitemap-news/0.9\">\n"
            );
            for e in recent {
                body += &format!(
                    "<url><loc>{}</loc><news:news><news:publication><news:name>{}</news:name>\
                     <news:language>{}</news:language></news:publication>\
                     <news:publication_date>{}</news:publication_date>\
                     <news:title>{}</news:title></news:news></url>\n",
                    xml(&site.absolute_url(&e.path(&site))),
                    xml(&site.name),
                    site.language.code(),
                    iso(e.published_at),
                    xml(e.title.as_str())
                );
            }
            body + "</urlset>\n"
        }
        other => {
            let number: u32 = other
                .strip_prefix("articles-")
                .and_then(|n| n.strip_suffix(".xml"))
                .and_then(|n| n.parse().ok())
                .filter(|n| *n >= 1)
                .ok_or(WebError::NotFound)?;
            let page = articles(&state, number).await?;
            if page.items.is_empty() {
                return Err(WebError::NotFound);
            }
            let mut body = format!("{HEADER}<urlset xmlns=\"{SITEMAP_NS}\">\n");
            for e in &page.items {
                body += &url(&site, &e.path(&site), Some(e.modified_at));
            }
            body + "</urlset>\n"
        }
    };
    Ok(xml_response(body))
}
