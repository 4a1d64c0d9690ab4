//! `/search?q=…`: the site's full-text search, with section and date
//! filters. Any query string gets a page: what cannot be read is ignored.

use std::sync::Arc;

use axum::extract::{RawQuery, State};
use axum::response::{Html, IntoResponse, Response};
use chrono::{DateTime, NaiveDate, Utc};
use kiosque_core::model::{
    Hit, MAX_SEARCH_RESULTS, Page, PageRequest, SearchQuery, SearchResults, Segment, Site,
};
use kiosque_core::types::Slug;
use minijinja::context;
use serde::Serialize;

use super::load_site;
use crate::views::{iso, page_context, pagination_links};
use crate::{AppState, WebError};

/// What the address asked for, as typed.
#[derive(Debug, Default)]
struct Asked {
    q: String,
    category: String,
    from: String,
    to: String,
    page: u32,
}

impl Asked {
    /// Reads the query string leniently: unknown or repeated parameters,
    /// bad percent-encoding and invalid UTF-8 are not errors.
    fn parse(raw: Option<&str>) -> Self {
        let mut asked = Asked {
            page: 1,
            ..Asked::default()
        };
        for (key, value) in url::form_urlencoded::parse(raw.unwrap_or_default().as_bytes()) {
            match &*key {
                "q" => asked.q = value.trim().to_owned(),
                "category" => asked.category = value.trim().to_owned(),
                "from" => asked.from = value.trim().to_owned(),
                "to" => asked.to = value.trim().to_owned(),
                "page" => asked.page = value.parse().unwrap_or(1).max(1),
                _ => {}
            }
        }
        asked
    }

    /// The address of another page of the same search.
    fn link(&self, page: u32) -> String {
        let mut query = url::form_urlencoded::Serializer::new(String::new());
        query.append_pair("q", &self.q);
        for (key, value) in [
            ("category", &self.category),
            ("from", &self.from),
            ("to", &self.to),
        ] {
            if !value.is_empty() {
                query.append_pair(key, value);
            }
        }
        if page > 1 {
            query.append_pair("page", &page.to_string());
        }
        format!("/search?{}", query.finish())
    }
}

/// Midnight starting `day` (`2024-11-05`) on the site's clock; `None` for
/// anything else.
fn start_of(site: &Site, day: &str) -> Option<DateTime<Utc>> {
    let date = NaiveDate::parse_from_str(day, "%Y-%m-%d").ok()?;
    let midnight = date.and_hms_opt(0, 0, 0)?;
    // `earliest`: a day whose midnight a clock change skips starts at the
    // first moment that exists.
    Some(
        midnight
            .and_local_timezone(site.time_zone)
            .earliest()?
            .with_timezone(&Utc),
    )
}

#[derive(Debug, Serialize)]
struct HitView {
    path: String,
    title: Vec<Segment>,
    snippet: Vec<Segment>,
    authors: String,
    section: Option<String>,
    date_text: String,
    date_iso: String,
}

fn hit_view(hit: Hit, state: &AppState, site: &Site) -> Option<HitView> {
    let slug = Slug::parse(&hit.slug).ok()?;
    let section = hit
        .category
        .as_ref()
        .and_then(|(section, _)| Slug::parse(section).ok());
    Some(HitView {
        path: site.article_path(hit.published_at, section.as_ref(), &slug),
        title: hit.title,
        snippet: hit.snippet,
        authors: hit.authors.join(", "),
        section: hit.category.map(|(_, name)| name),
        date_text: state
            .strings(site.language)
            .date(site.local(hit.published_at)),
        date_iso: iso(hit.published_at),
    })
}

pub(crate) async fn search(
    State(state): State<Arc<AppState>>,
    RawQuery(raw): RawQuery,
) -> Result<Response, WebError> {
    let site = load_site(&state).await?;
    let strings = state.strings(site.language);
    let asked = Asked::parse(raw.as_deref());
    let per_page = state.config.per_page;
    // Pages past the deepest reachable result do not exist.
    let deepest = u32::try_from(MAX_SEARCH_RESULTS).unwrap_or(u32::MAX) / per_page.max(1);
    if asked.page > deepest.max(1) {
        return Err(WebError::NotFound);
    }
    let results = if asked.q.is_empty() {
        SearchResults::default()
    } else {
        let index = state.search.clone();
        let text = asked.q.clone();
        let category = (!asked.category.is_empty()).then(|| asked.category.clone());
        let from = start_of(&site, &asked.from);
        // The "to" day is included: results run until the next midnight.
        let until = start_of(&site, &asked.to).map(|t| t + chrono::Duration::days(1));
        let page = asked.page;
        // Tantivy reads its files: blocking work, kept off the async threads.
        tokio::task::spawn_blocking(move || {
            index.search(&SearchQuery {
                text: &text,
                category: category.as_deref(),
                from,
                until,
                page,
                per_page,
                now: Utc::now(),
            })
        })
        .await
        .map_err(|e| WebError::Internal(e.to_string()))??
    };
    let page = Page {
        items: Vec::<()>::new(),
        request: PageRequest {
            number: asked.page,
            per_page,
        },
        total: results.total,
    };
    if asked.page > page.page_count() && asked.page > 1 {
        return Err(WebError::NotFound);
    }
    let count_text = match results.total {
        0 => strings.text("search.count_none").replace("{q}", &asked.q),
        1 => strings.text("search.count_one"),
        n => strings
            .text("search.count_many")
            .replace("{n}", &n.to_string()),
    };
    let heading = if asked.q.is_empty() {
        strings.text("search.heading")
    } else {
        strings.text("search.heading_for").replace("{q}", &asked.q)
    };
    let hits: Vec<HitView> = results
        .hits
        .into_iter()
        .filter_map(|hit| hit_view(hit, &state, &site))
        .collect();
    let categories = super::public_sections(&state).await?;
    let filtered = !asked.category.is_empty() || !asked.from.is_empty() || !asked.to.is_empty();
    let ctx = context! {
        heading => &heading,
        q => &asked.q,
        category => &asked.category,
        from => &asked.from,
        to => &asked.to,
        filtered,
        categories => categories.iter().map(|c| context! { slug => c.slug.as_str(), name => &c.name }).collect::<Vec<_>>(),
        searched => results.searched,
        count_text,
        hits,
        search_page => true,
        pages => pagination_links(&page, |n| asked.link(n)),
        ..page_context(&state, &site, Some(&heading), None, None)
    };
    let view = crate::stats::PageView::new(&heading, None);
    Ok(view.on(Html(state.templates.render("search.html", ctx)?).into_response()))
}
