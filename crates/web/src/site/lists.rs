//! Lists of articles: the home page, a category, an author.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::response::{Html, IntoResponse, Response};
use kiosque_core::model::{ArticleFilter, PageRequest, SectionFamily, Site};
use minijinja::context;

use super::{load_site, moved_permanently, slug};
use crate::cache::Topics;
use crate::views::{page_context, pagination_view, summary_view, typeset};
use crate::{AppState, WebError};

pub(crate) async fn home(State(state): State<Arc<AppState>>) -> Result<Response, WebError> {
    list(&state, ListKind::Home, 1, false).await
}

pub(crate) async fn home_page(
    State(state): State<Arc<AppState>>,
    Path(n): Path<String>,
) -> Result<Response, WebError> {
    list(&state, ListKind::Home, page_number(&n)?, true).await
}

pub(crate) async fn category(
    State(state): State<Arc<AppState>>,
    Path(s): Path<String>,
) -> Result<Response, WebError> {
    list(&state, ListKind::Category(s), 1, false).await
}

pub(crate) async fn category_page(
    State(state): State<Arc<AppState>>,
    Path((s, n)): Path<(String, String)>,
) -> Result<Response, WebError> {
    list(&state, ListKind::Category(s), page_number(&n)?, true).await
}

pub(crate) async fn tag(
    State(state): State<Arc<AppState>>,
    Path(s): Path<String>,
) -> Result<Response, WebError> {
    list(&state, ListKind::Tag(s), 1, false).await
}

pub(crate) async fn tag_page(
    State(state): State<Arc<AppState>>,
    Path((s, n)): Path<(String, String)>,
) -> Result<Response, WebError> {
    list(&state, ListKind::Tag(s), page_number(&n)?, true).await
}

pub(crate) async fn year(
    State(state): State<Arc<AppState>>,
    Path(year): Path<String>,
) -> Result<Response, WebError> {
    list(&state, ListKind::Period { year, month: None }, 1, false).await
}

pub(crate) async fn year_page(
    State(state): State<Arc<AppState>>,
    Path((year, n)): Path<(String, String)>,
) -> Result<Response, WebError> {
    let number = page_number(&n)?;
    list(&state, ListKind::Period { year, month: None }, number, true).await
}

pub(crate) async fn month(
    State(state): State<Arc<AppState>>,
    Path((year, month)): Path<(String, String)>,
) -> Result<Response, WebError> {
    let kind = ListKind::Period {
        year,
        month: Some(month),
    };
    list(&state, kind, 1, false).await
}

pub(crate) async fn month_page(
    State(state): State<Arc<AppState>>,
    Path((year, month, n)): Path<(String, String, String)>,
) -> Result<Response, WebError> {
    let kind = ListKind::Period {
        year,
        month: Some(month),
    };
    list(&state, kind, page_number(&n)?, true).await
}

pub(crate) async fn author(
    State(state): State<Arc<AppState>>,
    Path(s): Path<String>,
) -> Result<Response, WebError> {
    list(&state, ListKind::Author(s), 1, false).await
}

pub(crate) async fn author_page(
    State(state): State<Arc<AppState>>,
    Path((s, n)): Path<(String, String)>,
) -> Result<Response, WebError> {
    list(&state, ListKind::Author(s), page_number(&n)?, true).await
}

/// Which list: the home page's, a section's or an author's (by slug).
pub(crate) enum ListKind {
    Home,
    Category(String),
    Author(String),
    Tag(String),
    /// A year's (`month` is `None`) or a month's archive, as in the URL.
    Period {
        year: String,
        month: Option<String>,
    },
}

/// The interval of a year or month archive on the newsroom's clock (as
/// article URLs' dates are), from the URL's digits: `2024`, `2024`/`11`.
fn period(
    time_zone: kiosque_core::model::Tz,
    year: &str,
    month: Option<&str>,
) -> Result<(chrono::DateTime<chrono::Utc>, chrono::DateTime<chrono::Utc>), WebError> {
    use chrono::TimeZone;
    let y: i32 = match year.parse() {
        Ok(y) if year.len() == 4 && (1970..=9999).contains(&y) => y,
        _ => return Err(WebError::NotFound),
    };
    let (from, to) = match month {
        None => ((y, 1), (y + 1, 1)),
        Some(raw) => match raw.parse::<u32>() {
            Ok(m) if raw.len() == 2 && (1..=12).contains(&m) => {
                ((y, m), if m == 12 { (y + 1, 1) } else { (y, m + 1) })
            }
            _ => return Err(WebError::NotFound),
        },
    };
    let at = |(y, m): (i32, u32)| {
        time_zone
            .with_ymd_and_hms(y, m, 1, 0, 0, 0)
            .earliest()
            .map(|t| t.with_timezone(&chrono::Utc))
            .ok_or(WebError::NotFound)
    };
    Ok((at(from)?, at(to)?))
}

/// What a list shows, its first page's path, and the name of its section
/// or author (empty for the home page); 404 for an unknown slug.
pub(crate) async fn resolve(
    state: &AppState,
    site: &Site,
    kind: &ListKind,
) -> Result<(ArticleFilter, String, String), WebError> {
    Ok(match kind {
        ListKind::Home => (ArticleFilter::All, "/".to_owned(), String::new()),
        ListKind::Category(raw) => {
            let c = state
                .reader()
                .category_by_slug(&slug(raw)?)
                .await?
                .ok_or(WebError::NotFound)?;
            (
                ArticleFilter::Category(c.id),
                format!("/category/{}/", c.slug),
                c.name,
            )
        }
        ListKind::Tag(raw) => {
            let t = state
                .reader()
                .tag_by_slug(&slug(raw)?)
                .await?
                .ok_or(WebError::NotFound)?;
            (
                ArticleFilter::Tag(t.id),
                format!("/tag/{}/", t.slug),
                t.name,
            )
        }
        ListKind::Period { year, month } => {
            let (from, to) = period(site.time_zone, year, month.as_deref())?;
            let base = match month {
                Some(m) => format!("/{year}/{m}/"),
                None => format!("/{year}/"),
            };
            (ArticleFilter::Period(from, to), base, String::new())
        }
        ListKind::Author(raw) => {
            let a = state
                .reader()
                .author_by_slug(&slug(raw)?)
                .await?
                .ok_or(WebError::NotFound)?;
            (
                ArticleFilter::Author(a.id),
                format!("/author/{}/", a.slug),
                a.name,
            )
        }
    })
}

fn page_number(raw: &str) -> Result<u32, WebError> {
    match raw.parse::<u32>() {
        Ok(n) if n >= 1 && raw == n.to_string() => Ok(n),
        _ => Err(WebError::NotFound),
    }
}

async fn list(
    state: &AppState,
    kind: ListKind,
    number: u32,
    explicit_page: bool,
) -> Result<Response, WebError> {
    let site = load_site(state).await?;
    let strings = state.strings(site.language);
    let mut profile = None;
    let mut portrait_alt = String::new();
    let (filter, base, name) = resolve(state, &site, &kind).await?;
    let heading = match &kind {
        ListKind::Home => strings.text("site.latest"),
        ListKind::Category(_) => strings.text("category.heading").replace("{name}", &name),
        ListKind::Author(_) => strings.text("author.heading").replace("{name}", &name),
        ListKind::Tag(_) => strings.text("tag.heading").replace("{name}", &name),
        ListKind::Period { year, month } => {
            let when = match month {
                Some(m) => strings.month_year(m.parse().unwrap_or(1), year),
                None => year.clone(),
            };
            strings.text("archive.heading").replace("{when}", &when)
        }
    };
    // What search engines show under the link: the home page's tagline,
    // else a sentence naming the list and the site.
    let description = match &kind {
        ListKind::Home => (!site.tagline.is_empty()).then(|| site.tagline.clone()),
        ListKind::Period { year, month } => {
            let when = match month {
                Some(m) => strings.month_year(m.parse().unwrap_or(1), year),
                None => year.clone(),
            };
            Some(strings.text("archive.description").replace("{when}", &when))
        }
        ListKind::Category(_) => Some(strings.text("category.description")),
        ListKind::Tag(_) => Some(strings.text("tag.description")),
        ListKind::Author(_) => Some(strings.text("author.description")),
    }
    .map(|d| d.replace("{name}", &name).replace("{site}", &site.name));
    if let ArticleFilter::Author(id) = filter {
        portrait_alt = strings.text("author.portrait").replace("{name}", &name);
        profile = Some(state.reader().author_profile(id).await?);
    }
    if number == 1 && explicit_page {
        // `/page/1/` is the list itself: one URL per page for search engines.
        return Ok(moved_permanently(&base));
    }
    let page = state
        .reader()
        .list_articles(
            filter,
            PageRequest {
                number,
                per_page: state.config.per_page,
            },
        )
        .await?;
    if number > page.page_count() {
        return Err(WebError::NotFound);
    }
    // A period, section, tag or byline with nothing published is no page
    // at all (as in WordPress): a saved draft does not make one public.
    if page.total == 0 && !matches!(kind, ListKind::Home) {
        return Err(WebError::NotFound);
    }
    let path = if number == 1 {
        base.clone()
    } else {
        format!("{base}page/{number}/")
    };
    let title = if number == 1 {
        heading.clone()
    } else {
        format!(
            "{heading} – {}",
            strings
                .text("site.page_title")
                .replace("{n}", &number.to_string())
        )
    };
    let family = family_of(state, filter).await?;
    let mut topics = list_topics(filter, family.as_ref());
    if let Some(photo) = profile.as_ref().and_then(|p| p.photo.as_ref()) {
        topics.add("media", photo.id);
    }
    for a in &page.items {
        topics.summary(a);
    }
    let is_home_first = matches!(kind, ListKind::Home) && number == 1;
    let front = if is_home_first {
        Some(front(state, &site, &mut topics).await?)
    } else {
        None
    };
    let items: Vec<_> = page
        .items
        .iter()
        .map(|a| summary_view(a, strings, &site))
        .collect();
    let heading = typeset(&heading, site.language);
    let ctx = context! {
        heading => &heading,
        portrait_alt,
        // Sections, tags and authors have feeds of their own; date
        // archives offer the site's.
        feeds => match kind {
            ListKind::Home | ListKind::Period { .. } => super::feeds::feed_links(&site, "/", ""),
            _ => super::feeds::feed_links(&site, &base, &name),
        },
        profile => profile.filter(|p| {
            !p.bio.is_empty() || !p.expertise.is_empty() || !p.links.is_empty() || p.photo.is_some()
        }),
        items => items,
        most_read => if is_home_first {
            Some(super::most_read::list(state, &site).await?.to_vec())
        } else {
            None
        },
        front,
        json_ld => is_home_first.then(|| super::metadata::home_json_ld(&site)),
        pages => pagination_view(&page, &base),
        breadcrumb => family.as_ref().filter(|f| !f.ancestors.is_empty()).map(|f| {
            f.ancestors
                .iter()
                .map(|c| context! { name => &c.name, url => format!("/category/{}/", c.slug) })
                .collect::<Vec<_>>()
        }),
        section_name => &name,
        subsections => family.as_ref().map(|f| {
            f.children
                .iter()
                .map(|c| context! { name => &c.name, url => format!("/category/{}/", c.slug) })
                .collect::<Vec<_>>()
        }),
        ..page_context(
            state,
            &site,
            (!is_home_first).then_some(title.as_str()),
            description.as_deref(),
            Some(&path),
        )
    };
    if is_home_first && state.tally.is_some() {
        topics.until(chrono::Utc::now() + super::most_read::REFRESH);
    }
    let view = crate::stats::PageView::new(if is_home_first { &site.name } else { &title }, None);
    Ok(view.on(topics.on(Html(state.templates.render("list.html", ctx)?).into_response())))
}

/// What the newsroom put on the front page: the pinned stories (the lead
/// first) and the section blocks, each with its latest articles. The page
/// is filed under `front` and under what each shows.
async fn front(
    state: &AppState,
    site: &Site,
    topics: &mut Topics,
) -> Result<minijinja::Value, WebError> {
    let strings = state.strings(site.language);
    topics.push("front".to_owned());
    let pinned = state.reader().pinned_articles().await?;
    for a in &pinned {
        topics.summary(a);
    }
    let mut blocks = Vec::new();
    for block in state.reader().front_page().await?.sections {
        let filter = ArticleFilter::Category(block.category.id);
        let family = family_of(state, filter).await?;
        for t in list_topics(filter, family.as_ref()).iter() {
            topics.push(t.clone());
        }
        let items = state
            .reader()
            .list_articles(
                filter,
                PageRequest {
                    number: 1,
                    per_page: block.count,
                },
            )
            .await?
            .items;
        if items.is_empty() {
            continue;
        }
        for a in &items {
            topics.summary(a);
        }
        blocks.push(context! {
            name => &block.category.name,
            url => format!("/category/{}/", block.category.slug),
            items => items.iter().map(|a| summary_view(a, strings, site)).collect::<Vec<_>>(),
        });
    }
    let mut pins = pinned.iter().map(|a| summary_view(a, strings, site));
    Ok(context! {
        lead => pins.next(),
        pins => pins.collect::<Vec<_>>(),
        blocks,
    })
}

/// A section list's family (its breadcrumb, sub-sections, and the
/// sections whose articles it holds too); nothing for other lists.
pub(crate) async fn family_of(
    state: &AppState,
    filter: ArticleFilter,
) -> Result<Option<SectionFamily>, WebError> {
    Ok(match filter {
        ArticleFilter::Category(id) => Some(state.reader().section_family(id).await?),
        _ => None,
    })
}

/// What a list's pages show besides their articles: which articles belong
/// (and in what order), and the section, tag or author named at the top;
/// for a section, its sub-sections' lists and the names around it.
pub(crate) fn list_topics(filter: ArticleFilter, family: Option<&SectionFamily>) -> Topics {
    let mut topics = Topics::new();
    match filter {
        ArticleFilter::All | ArticleFilter::Period(..) => {
            topics.push("all-articles".to_owned());
        }
        ArticleFilter::Category(id) => {
            topics.add("in-category", id).add("category", id);
            if let Some(f) = family {
                for d in &f.descendants {
                    topics.add("in-category", *d);
                }
                for c in f.ancestors.iter().chain(&f.children) {
                    topics.add("category", c.id);
                }
            }
        }
        ArticleFilter::Tag(id) => {
            topics.add("in-tag", id).add("tag", id);
        }
        ArticleFilter::Author(id) => {
            topics.add("in-author", id).add("author", id);
        }
    }
    topics
}
