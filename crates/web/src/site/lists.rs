//! Lists of articles: the home page, a category, an author.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::response::{Html, IntoResponse, Response};
use kiosque_core::model::{ArticleFilter, PageRequest, Site};
use minijinja::context;

use super::{load_site, moved_permanently, slug};
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
}

/// What a list shows, its first page's path, and the name of its section
/// or author (empty for the home page); 404 for an unknown slug.
pub(crate) async fn resolve(
    state: &AppState,
    kind: &ListKind,
) -> Result<(ArticleFilter, String, String), WebError> {
    Ok(match kind {
        ListKind::Home => (ArticleFilter::All, "/".to_owned(), String::new()),
        ListKind::Category(raw) => {
            let c = state
                .store
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
                .store
                .tag_by_slug(&slug(raw)?)
                .await?
                .ok_or(WebError::NotFound)?;
            (
                ArticleFilter::Tag(t.id),
                format!("/tag/{}/", t.slug),
                t.name,
            )
        }
        ListKind::Author(raw) => {
            let a = state
                .store
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
    let site: Site = load_site(state).await?;
    let strings = state.strings(site.language);
    let mut profile = None;
    let mut portrait_alt = String::new();
    let (filter, base, name) = resolve(state, &kind).await?;
    let heading = match &kind {
        ListKind::Home => strings.text("site.latest"),
        ListKind::Category(_) => strings.text("category.heading").replace("{name}", &name),
        ListKind::Author(_) => strings.text("author.heading").replace("{name}", &name),
        ListKind::Tag(_) => strings.text("tag.heading").replace("{name}", &name),
    };
    if let ArticleFilter::Author(id) = filter {
        portrait_alt = strings.text("author.portrait").replace("{name}", &name);
        profile = Some(state.store.author_profile(id).await?);
    }
    if number == 1 && explicit_page {
        // `/page/1/` is the list itself: one URL per page for search engines.
        return Ok(moved_permanently(&base));
    }
    let page = state
        .store
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
    let is_home_first = matches!(kind, ListKind::Home) && number == 1;
    let items: Vec<_> = page
        .items
        .iter()
        .map(|a| summary_view(a, strings, &site))
        .collect();
    let heading = typeset(&heading, site.language);
    let ctx = context! {
        heading => &heading,
        portrait_alt,
        feeds => super::feeds::feed_links(&site, &base, &name),
        profile => profile.filter(|p| {
            !p.bio.is_empty() || !p.expertise.is_empty() || !p.links.is_empty() || p.photo.is_some()
        }),
        items => items,
        pages => pagination_view(&page, &base),
        ..page_context(
            state,
            &site,
            (!is_home_first).then_some(title.as_str()),
            None,
            Some(&path),
        )
    };
    Ok(Html(state.templates.render("list.html", ctx)?).into_response())
}
