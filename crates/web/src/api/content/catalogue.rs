//! Sections, tags, authors, pages, search and the site's settings, as
//! readers see them.

use std::sync::Arc;

use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::Response;
use chrono::Utc;
use kiosque_core::model::{SearchQuery, TermKind, TermUsage};
use kiosque_core::types::Slug;
use serde::Deserialize;
use utoipa::IntoParams;

use crate::AppState;
use crate::api::auth::Caller;
use crate::api::error::ApiError;
use crate::api::extract::{Ids, Params, json};
use crate::api::wire::{
    AuthorOut, HitOut, ListOut, PageOut, SearchOut, SectionOut, SegmentOut, SiteOut, TagOut,
};
use crate::cache::Topics;

use super::{Key, audience, limit_param, site_of, slug_param, text_param, time_param};

/// Every section, by name, with the one it sits under.
#[utoipa::path(
    get,
    path = "/api/v1/sections",
    tag = "content",
    operation_id = "list_sections",
    responses((status = 200, description = "The sections.", body = Vec<SectionOut>)),
)]
pub(crate) async fn list_sections(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let site = site_of(&state).await?;
    let sections: Vec<SectionOut> = state
        .store
        .section_tree()
        .await?
        .iter()
        .map(|(c, parent)| SectionOut::new(&site, c, *parent))
        .collect();
    json(&headers, audience(&caller), &sections)
}

/// One section, by id or slug.
#[utoipa::path(
    get,
    path = "/api/v1/sections/{section}",
    tag = "content",
    operation_id = "get_section",
    params(("section" = String, Path, description = "The section's id or slug.", pattern = r"^([0-9]+|[a-z0-9]+(-[a-z0-9]+)*)$")),
    responses(
        (status = 200, description = "The section.", body = SectionOut),
        (status = 404, description = "No such section.", body = crate::api::error::ErrorBody),
    ),
)]
pub(crate) async fn get_section(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    headers: HeaderMap,
    Ids(key): Ids<String>,
) -> Result<Response, ApiError> {
    let site = site_of(&state).await?;
    let tree = state.store.section_tree().await?;
    let (c, parent) = tree
        .iter()
        .find(|(c, _)| c.slug.as_str() == key || key.parse() == Ok(c.id))
        .ok_or_else(ApiError::not_found)?;
    json(
        &headers,
        audience(&caller),
        &SectionOut::new(&site, c, *parent),
    )
}

/// Paging through tags.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(default)]
#[into_params(parameter_in = Query)]
pub(crate) struct TagParams {
    /// Where to go on: `next_cursor` of the page before.
    #[param(max_length = 100)]
    cursor: Option<String>,
    /// How many (1 to 100; 20 if not given).
    #[param(minimum = 1, maximum = 100)]
    limit: Option<u32>,
}

/// Every tag, by name.
#[utoipa::path(
    get,
    path = "/api/v1/tags",
    tag = "content",
    operation_id = "list_tags",
    params(TagParams),
    responses((status = 200, description = "A page of tags.", body = ListOut<TagOut>)),
)]
pub(crate) async fn list_tags(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    headers: HeaderMap,
    Params(p): Params<TagParams>,
) -> Result<Response, ApiError> {
    let site = site_of(&state).await?;
    let limit = limit_param(p.limit)? as usize;
    // Tags are listed by name; the cursor is the position to go on from.
    let from: usize = match p.cursor.as_deref() {
        None => 0,
        Some(c) => c
            .parse()
            .ok()
            .filter(|_| c.len() <= 100)
            .ok_or_else(|| ApiError::bad_request("`cursor` is not one this API gave."))?,
    };
    let all = state.store.terms(TermKind::Tag).await?;
    let total = all.len();
    let items: Vec<TagOut> = all
        .into_iter()
        .skip(from)
        .take(limit)
        .map(|t| TagOut::new(&site, &t.into_tag()))
        .collect();
    let next = from.saturating_add(limit);
    json(
        &headers,
        audience(&caller),
        &ListOut {
            items,
            total: total as u64,
            next_cursor: (next < total).then(|| next.to_string()),
        },
    )
}

/// One tag, by id or slug.
#[utoipa::path(
    get,
    path = "/api/v1/tags/{tag}",
    tag = "content",
    operation_id = "get_tag",
    params(("tag" = String, Path, description = "The tag's id or slug.", pattern = r"^([0-9]+|[a-z0-9]+(-[a-z0-9]+)*)$")),
    responses(
        (status = 200, description = "The tag.", body = TagOut),
        (status = 404, description = "No such tag.", body = crate::api::error::ErrorBody),
    ),
)]
pub(crate) async fn get_tag(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    headers: HeaderMap,
    Ids(key): Ids<String>,
) -> Result<Response, ApiError> {
    let site = site_of(&state).await?;
    let tag = match Key::parse(&key) {
        Key::Id(id) => state
            .store
            .terms(TermKind::Tag)
            .await?
            .into_iter()
            .find(|t| t.id == id)
            .map(TermUsage::into_tag),
        Key::Slug(slug) => state.store.tag_by_slug(&slug).await?,
        Key::Neither => None,
    }
    .ok_or_else(ApiError::not_found)?;
    json(&headers, audience(&caller), &TagOut::new(&site, &tag))
}

/// Every byline author, by name.
#[utoipa::path(
    get,
    path = "/api/v1/authors",
    tag = "content",
    operation_id = "list_authors",
    responses((status = 200, description = "The authors.", body = Vec<AuthorOut>)),
)]
pub(crate) async fn list_authors(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let site = site_of(&state).await?;
    let authors: Vec<AuthorOut> = state
        .store
        .authors()
        .await?
        .iter()
        .map(|a| AuthorOut::new(&site, a))
        .collect();
    json(&headers, audience(&caller), &authors)
}

/// One author with their public profile, by id or slug.
#[utoipa::path(
    get,
    path = "/api/v1/authors/{author}",
    tag = "content",
    operation_id = "get_author",
    params(("author" = String, Path, description = "The author's id or slug.", pattern = r"^([0-9]+|[a-z0-9]+(-[a-z0-9]+)*)$")),
    responses(
        (status = 200, description = "The author.", body = AuthorOut),
        (status = 404, description = "No such author.", body = crate::api::error::ErrorBody),
    ),
)]
pub(crate) async fn get_author(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    headers: HeaderMap,
    Ids(key): Ids<String>,
) -> Result<Response, ApiError> {
    let site = site_of(&state).await?;
    let author = match Key::parse(&key) {
        Key::Id(id) => state
            .store
            .authors()
            .await?
            .into_iter()
            .find(|a| a.id == id),
        Key::Slug(slug) => state.store.author_by_slug(&slug).await?,
        Key::Neither => None,
    }
    .ok_or_else(ApiError::not_found)?;
    let profile = state.store.author_profile(author.id).await?;
    json(
        &headers,
        audience(&caller),
        &AuthorOut::new(&site, &author).with_profile(&site, &profile),
    )
}

/// The site's pages (about, contact…), in menu order.
#[utoipa::path(
    get,
    path = "/api/v1/pages",
    tag = "content",
    operation_id = "list_pages",
    responses((status = 200, description = "The pages.", body = Vec<PageOut>)),
)]
pub(crate) async fn list_pages(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let site = site_of(&state).await?;
    let pages: Vec<PageOut> = state
        .store
        .pages()
        .await?
        .iter()
        .map(|p| PageOut::new(&site, p))
        .collect();
    json(&headers, audience(&caller), &pages)
}

/// One page, by id or slug.
#[utoipa::path(
    get,
    path = "/api/v1/pages/{page}",
    tag = "content",
    operation_id = "get_page",
    params(("page" = String, Path, description = "The page's id or slug.", pattern = r"^([0-9]+|[a-z0-9]+(-[a-z0-9]+)*)$")),
    responses(
        (status = 200, description = "The page.", body = PageOut),
        (status = 404, description = "No such page.", body = crate::api::error::ErrorBody),
    ),
)]
pub(crate) async fn get_page(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    headers: HeaderMap,
    Ids(key): Ids<String>,
) -> Result<Response, ApiError> {
    let site = site_of(&state).await?;
    let page = match Key::parse(&key) {
        Key::Id(id) => state.store.page(id).await?,
        Key::Slug(slug) => state.store.page_by_slug(&slug).await?,
        Key::Neither => None,
    }
    .ok_or_else(ApiError::not_found)?;
    json(&headers, audience(&caller), &PageOut::new(&site, &page))
}

/// A search, as the site's search page runs it.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(default)]
#[into_params(parameter_in = Query)]
pub(crate) struct SearchParams {
    /// The words to look for; `"…"` for a phrase.
    #[param(max_length = 200, example = "élections")]
    q: String,
    /// Only this section (its slug).
    #[param(pattern = r"^[a-z0-9]+(-[a-z0-9]+)*$", max_length = 200)]
    section: Option<String>,
    /// Only articles published at or after this time (RFC 3339).
    #[param(format = DateTime)]
    published_after: Option<String>,
    /// Only articles published before this time (RFC 3339).
    #[param(format = DateTime)]
    published_before: Option<String>,
    /// Page number, from 1 (results are ranked; pages reach result 10,000).
    #[param(minimum = 1, maximum = 500)]
    page: Option<u32>,
    /// Results per page (1 to 100; 20 if not given).
    #[param(minimum = 1, maximum = 100)]
    per_page: Option<u32>,
}

/// Published articles matching words, best first.
#[utoipa::path(
    get,
    path = "/api/v1/search",
    tag = "content",
    operation_id = "search",
    params(SearchParams),
    responses((status = 200, description = "A page of results.", body = SearchOut)),
)]
pub(crate) async fn search(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    headers: HeaderMap,
    Params(p): Params<SearchParams>,
) -> Result<Response, ApiError> {
    let site = site_of(&state).await?;
    let text = text_param(Some(&p.q), 200, "q")?.unwrap_or_default();
    let section = slug_param(p.section.as_deref(), "section")?;
    let from = time_param(p.published_after.as_deref(), "published_after")?;
    let until = time_param(p.published_before.as_deref(), "published_before")?;
    let per_page = limit_param(p.per_page)?;
    let page = match p.page {
        None => 1,
        Some(n) if (1..=500).contains(&n) => n,
        Some(_) => return Err(ApiError::bad_request("`page` is from 1 to 500.")),
    };
    let search = state.search.clone();
    let results = tokio::task::spawn_blocking(move || {
        search.search(&SearchQuery {
            text: &text,
            category: section.as_ref().map(Slug::as_str),
            from,
            until,
            page,
            per_page,
            now: Utc::now(),
        })
    })
    .await
    .map_err(ApiError::internal)??;
    let segments = |parts: Vec<kiosque_core::model::Segment>| {
        parts
            .into_iter()
            .map(|s| SegmentOut {
                text: s.text,
                mark: s.mark,
            })
            .collect()
    };
    let items = results
        .hits
        .into_iter()
        .filter_map(|hit| {
            let slug = Slug::parse(&hit.slug).ok()?;
            let section_slug = hit.category.as_ref().and_then(|(s, _)| Slug::parse(s).ok());
            Some(HitOut {
                id: hit.id,
                url: site.absolute_url(&site.article_path(
                    hit.published_at,
                    section_slug.as_ref(),
                    &slug,
                )),
                title: segments(hit.title),
                snippet: segments(hit.snippet),
                authors: hit.authors,
                section: hit.category.map(|(_, name)| name),
                published_at: crate::api::wire::time(&site, hit.published_at),
            })
        })
        .collect();
    json(
        &headers,
        audience(&caller),
        &SearchOut {
            items,
            total: results.total,
            page,
            per_page,
        },
    )
}

/// The site's public settings.
#[utoipa::path(
    get,
    path = "/api/v1/site",
    tag = "content",
    operation_id = "get_site",
    responses((status = 200, description = "The site.", body = SiteOut)),
)]
pub(crate) async fn get_site(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let site = site_of(&state).await?;
    let response = json(
        &headers,
        audience(&caller),
        &SiteOut::new(&site, Utc::now()),
    )?;
    let mut topics = Topics::new();
    if let Some(until) = site.banner.as_ref().and_then(|b| b.until) {
        topics.until(until);
    }
    Ok(topics.on(response))
}
