//! The public, read-only side: what readers see, as JSON. Published
//! articles only, whoever asks; answers carry an `ETag`.

use std::collections::BTreeSet;
use std::sync::Arc;

use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::Response;
use chrono::{DateTime, Utc};
use kiosque_core::model::{
    Article, ArticleType, ListCursor, PublishedQuery, SearchQuery, Site, TermKind,
};
use kiosque_core::types::{ArticleStatus, Slug};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

use super::auth::Caller;
use super::error::ApiError;
use super::extract::{Audience, Ids, Params, json};
use super::wire::{
    ArticleOut, AuthorOut, CommentOut, HitOut, ListOut, PageOut, PhotoOut, SearchOut, SectionOut,
    SegmentOut, SiteOut, TagOut,
};
use crate::AppState;
use crate::cache::Topics;

/// Most items a list answers at once.
const LIMIT_MAX: u32 = 100;
/// Items a list answers when not told.
const LIMIT_DEFAULT: u32 = 20;
/// Most articles a text filter considers (the best matches).
const TEXT_MATCHES: usize = 1_000;

/// Every field an article has, for `fields=`.
const ARTICLE_FIELDS: &[&str] = &[
    "id",
    "slug",
    "url",
    "title",
    "excerpt",
    "body_html",
    "type",
    "published_at",
    "updated_at",
    "author_id",
    "section_id",
    "further_section_ids",
    "tag_ids",
    "contributors",
    "sources",
    "corrections",
    "seo_title",
    "seo_description",
    "photo_id",
];

/// What an article may carry along.
const EMBEDS: &[&str] = &["author", "section", "tags", "photo"];

pub(crate) async fn site_of(state: &AppState) -> Result<Arc<Site>, ApiError> {
    crate::site::load_site(state)
        .await
        .map_err(|_| ApiError::not_found())
}

fn audience(caller: &Caller) -> Audience {
    if caller.signed.is_some() {
        Audience::Private
    } else {
        Audience::Public
    }
}

/// An article's kind, as a filter.
#[derive(Debug, Clone, Copy, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub(crate) enum TypeParam {
    News,
    Analysis,
    Opinion,
    Sponsored,
}

impl From<TypeParam> for ArticleType {
    fn from(t: TypeParam) -> Self {
        match t {
            TypeParam::News => ArticleType::News,
            TypeParam::Analysis => ArticleType::Analysis,
            TypeParam::Opinion => ArticleType::Opinion,
            TypeParam::Sponsored => ArticleType::Sponsored,
        }
    }
}

/// Filters and shape of the article list.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(default)]
#[into_params(parameter_in = Query)]
pub(crate) struct ArticleParams {
    /// Only articles in this section (its slug) or a section under it.
    #[param(
        pattern = r"^[a-z0-9]+(-[a-z0-9]+)*$",
        max_length = 200,
        example = "international"
    )]
    section: Option<String>,
    /// Only articles with this tag (its slug).
    #[param(pattern = r"^[a-z0-9]+(-[a-z0-9]+)*$", max_length = 200)]
    tag: Option<String>,
    /// Only articles signed or co-signed by this author (their slug).
    #[param(pattern = r"^[a-z0-9]+(-[a-z0-9]+)*$", max_length = 200)]
    author: Option<String>,
    /// Only articles of this kind.
    #[param(inline)]
    r#type: Option<TypeParam>,
    /// Only articles published at or after this time (RFC 3339).
    #[param(format = DateTime, example = "2024-11-01T00:00:00+01:00")]
    published_after: Option<String>,
    /// Only articles published before this time (RFC 3339).
    #[param(format = DateTime)]
    published_before: Option<String>,
    /// Only articles whose text matches these words (as the site's search
    /// reads them; the best 1,000 matches), still newest first.
    #[param(max_length = 200, example = "élections")]
    q: Option<String>,
    /// Where to go on: `next_cursor` of the page before.
    #[param(max_length = 100)]
    cursor: Option<String>,
    /// How many (1 to 100; 20 if not given).
    #[param(minimum = 1, maximum = 100)]
    limit: Option<u32>,
    /// Only these fields (and `id`), comma-separated: `id,title,url`.
    #[param(
        pattern = r"^[a-z_]+(,[a-z_]+)*$",
        max_length = 300,
        example = "id,title,url"
    )]
    fields: Option<String>,
    /// Related objects to include, comma-separated: `author`, `section`,
    /// `tags`, `photo`.
    #[param(
        pattern = r"^(author|section|tags|photo)(,(author|section|tags|photo))*$",
        example = "author,photo"
    )]
    embed: Option<String>,
}

/// Names separated by commas, each one of `allowed`, or a 400 naming
/// the parameter.
fn names(
    raw: Option<&str>,
    allowed: &[&str],
    param: &str,
) -> Result<Option<BTreeSet<String>>, ApiError> {
    let Some(raw) = raw else { return Ok(None) };
    let mut out = BTreeSet::new();
    for name in raw.split(',') {
        if !allowed.contains(&name) {
            return Err(ApiError::bad_request(format!(
                "`{param}` takes {}; not {name:?}.",
                allowed.join(", ")
            )));
        }
        out.insert(name.to_owned());
    }
    Ok(Some(out))
}

fn slug_param(raw: Option<&str>, param: &str) -> Result<Option<Slug>, ApiError> {
    raw.map(|s| {
        Slug::parse(s).map_err(|_| {
            ApiError::bad_request(format!(
                "`{param}` must be a slug: lower-case letters, digits and single hyphens."
            ))
        })
    })
    .transpose()
}

fn time_param(raw: Option<&str>, param: &str) -> Result<Option<DateTime<Utc>>, ApiError> {
    raw.map(|t| {
        DateTime::parse_from_rfc3339(t)
            .map(|t| t.with_timezone(&Utc))
            .map_err(|_| {
                ApiError::bad_request(format!(
                    "`{param}` must be an RFC 3339 time such as 2024-11-01T00:00:00+01:00."
                ))
            })
    })
    .transpose()
}

fn text_param(raw: Option<&str>, max: usize, param: &str) -> Result<Option<String>, ApiError> {
    match raw {
        Some(t) if t.chars().count() > max => Err(ApiError::bad_request(format!(
            "`{param}` is at most {max} characters."
        ))),
        other => Ok(other.map(str::to_owned)),
    }
}

fn limit_param(raw: Option<u32>) -> Result<u32, ApiError> {
    match raw {
        None => Ok(LIMIT_DEFAULT),
        Some(n) if (1..=LIMIT_MAX).contains(&n) => Ok(n),
        Some(_) => Err(ApiError::bad_request(format!(
            "`limit` is from 1 to {LIMIT_MAX}."
        ))),
    }
}

/// How articles are to be shown: which fields, what embedded.
struct Shape {
    fields: Option<BTreeSet<String>>,
    embed: BTreeSet<String>,
    sections: Vec<(kiosque_core::model::Category, Option<i64>)>,
}

impl Shape {
    async fn read(
        state: &AppState,
        fields: Option<&str>,
        embed: Option<&str>,
    ) -> Result<Shape, ApiError> {
        let fields = names(fields, ARTICLE_FIELDS, "fields")?;
        let embed = names(embed, EMBEDS, "embed")?.unwrap_or_default();
        let sections = if embed.contains("section") {
            state.store.section_tree().await?
        } else {
            Vec::new()
        };
        Ok(Shape {
            fields,
            embed,
            sections,
        })
    }

    fn show(&self, site: &Site, a: &Article) -> Result<serde_json::Value, ApiError> {
        let mut out = ArticleOut::new(site, a);
        if self.embed.contains("author") {
            out.author = Some(AuthorOut::new(site, &a.author));
        }
        if self.embed.contains("section") {
            out.section = Some(a.category.as_ref().map(|c| {
                let parent = self
                    .sections
                    .iter()
                    .find(|(s, _)| s.id == c.id)
                    .and_then(|(_, p)| *p);
                SectionOut::new(site, c, parent)
            }));
        }
        if self.embed.contains("tags") {
            out.tags = Some(a.tags.iter().map(|t| TagOut::new(site, t)).collect());
        }
        if self.embed.contains("photo") {
            out.photo = Some(a.image.as_ref().map(|i| PhotoOut::featured(site, i)));
        }
        let mut value = serde_json::to_value(out).map_err(ApiError::internal)?;
        if let (Some(fields), Some(object)) = (&self.fields, value.as_object_mut()) {
            object.retain(|k, _| k == "id" || fields.contains(k) || self.embed.contains(k));
        }
        Ok(value)
    }
}

/// Published articles, newest first.
#[utoipa::path(
    get,
    path = "/api/v1/articles",
    tag = "content",
    operation_id = "list_articles",
    params(ArticleParams),
    responses((status = 200, description = "A page of articles.", body = ListOut<ArticleOut>)),
)]
pub(crate) async fn list_articles(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    headers: HeaderMap,
    Params(p): Params<ArticleParams>,
) -> Result<Response, ApiError> {
    let site = site_of(&state).await?;
    let shape = Shape::read(&state, p.fields.as_deref(), p.embed.as_deref()).await?;
    let limit = limit_param(p.limit)?;
    let cursor = match p.cursor.as_deref() {
        None => None,
        Some(c) => Some(
            ListCursor::decode(c)
                .filter(|_| c.len() <= 100)
                .ok_or_else(|| ApiError::bad_request("`cursor` is not one this API gave."))?,
        ),
    };
    let mut query = PublishedQuery {
        article_type: p.r#type.map(Into::into),
        after: time_param(p.published_after.as_deref(), "published_after")?,
        before: time_param(p.published_before.as_deref(), "published_before")?,
        cursor,
        limit,
        ..PublishedQuery::default()
    };
    let text = text_param(p.q.as_deref(), 200, "q")?;
    let section = slug_param(p.section.as_deref(), "section")?;
    let tag = slug_param(p.tag.as_deref(), "tag")?;
    let author = slug_param(p.author.as_deref(), "author")?;
    // A filter naming nothing that exists matches nothing.
    let empty = || {
        json(
            &headers,
            audience(&caller),
            &ListOut::<serde_json::Value> {
                items: Vec::new(),
                total: 0,
                next_cursor: None,
            },
        )
    };
    if let Some(slug) = section {
        match state.store.category_by_slug(&slug).await? {
            Some(c) => query.section = Some(c.id),
            None => return empty(),
        }
    }
    if let Some(slug) = tag {
        match state.store.tag_by_slug(&slug).await? {
            Some(t) => query.tag = Some(t.id),
            None => return empty(),
        }
    }
    if let Some(slug) = author {
        match state.store.author_by_slug(&slug).await? {
            Some(a) => query.author = Some(a.id),
            None => return empty(),
        }
    }
    if let Some(text) = text.filter(|t| !t.trim().is_empty()) {
        let search = state.search.clone();
        let ids = tokio::task::spawn_blocking(move || search.matching(&text, TEXT_MATCHES))
            .await
            .map_err(ApiError::internal)??;
        query.among = Some(ids);
    }
    let slice = state.store.published_articles(&query).await?;
    let items = slice
        .articles
        .iter()
        .map(|a| shape.show(&site, a))
        .collect::<Result<Vec<_>, _>>()?;
    let response = json(
        &headers,
        audience(&caller),
        &ListOut {
            items,
            total: slice.total,
            next_cursor: slice.next.map(|c| c.encode()),
        },
    )?;
    // The bare address (no query) is kept in the page cache like a page:
    // the list changes with any publication, and with each article shown.
    let mut topics = Topics::new();
    topics.push("all-articles".to_owned());
    for a in &slice.articles {
        topics.article(a);
    }
    Ok(topics.on(response))
}

/// How one article is shown.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(default)]
#[into_params(parameter_in = Query)]
pub(crate) struct OneArticleParams {
    /// Only these fields (and `id`), comma-separated.
    #[param(pattern = r"^[a-z_]+(,[a-z_]+)*$", max_length = 300)]
    fields: Option<String>,
    /// Related objects to include: `author`, `section`, `tags`, `photo`.
    #[param(pattern = r"^(author|section|tags|photo)(,(author|section|tags|photo))*$")]
    embed: Option<String>,
}

/// A published article by id or by slug, or `None`.
async fn published(state: &AppState, key: &str) -> Result<Option<Article>, ApiError> {
    if let Ok(id) = key.parse::<i64>() {
        let article = state.store.article(id).await?;
        return Ok(article.filter(|a| a.status == ArticleStatus::Published));
    }
    match Slug::parse(key) {
        Ok(slug) => Ok(state.store.article_by_slug(&slug).await?),
        Err(_) => Ok(None),
    }
}

/// One published article, by id or slug.
#[utoipa::path(
    get,
    path = "/api/v1/articles/{article}",
    tag = "content",
    operation_id = "get_article",
    params(
        ("article" = String, Path, description = "The article's id or slug.", pattern = r"^([0-9]+|[a-z0-9]+(-[a-z0-9]+)*)$", example = "42"),
        OneArticleParams,
    ),
    responses(
        (status = 200, description = "The article.", body = ArticleOut),
        (status = 404, description = "No published article there.", body = super::error::ErrorBody),
    ),
)]
pub(crate) async fn get_article(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    headers: HeaderMap,
    Ids(key): Ids<String>,
    Params(p): Params<OneArticleParams>,
) -> Result<Response, ApiError> {
    let site = site_of(&state).await?;
    let shape = Shape::read(&state, p.fields.as_deref(), p.embed.as_deref()).await?;
    let article = published(&state, &key)
        .await?
        .ok_or_else(ApiError::not_found)?;
    let response = json(&headers, audience(&caller), &shape.show(&site, &article)?)?;
    let mut topics = Topics::new();
    topics.article(&article);
    Ok(topics.on(response))
}

/// The approved comments of a published article, oldest first.
#[utoipa::path(
    get,
    path = "/api/v1/articles/{article}/comments",
    tag = "content",
    operation_id = "list_article_comments",
    params(("article" = String, Path, description = "The article's id or slug.", pattern = r"^([0-9]+|[a-z0-9]+(-[a-z0-9]+)*)$")),
    responses(
        (status = 200, description = "Its approved comments.", body = Vec<CommentOut>),
        (status = 404, description = "No published article there.", body = super::error::ErrorBody),
    ),
)]
pub(crate) async fn list_article_comments(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    headers: HeaderMap,
    Ids(key): Ids<String>,
) -> Result<Response, ApiError> {
    let site = site_of(&state).await?;
    let article = published(&state, &key)
        .await?
        .ok_or_else(ApiError::not_found)?;
    let comments: Vec<CommentOut> = state
        .store
        .approved_comments(article.id)
        .await?
        .iter()
        .map(|c| CommentOut::new(&site, c))
        .collect();
    json(&headers, audience(&caller), &comments)
}

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
        (status = 404, description = "No such section.", body = super::error::ErrorBody),
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
    let items: Vec<TagOut> = all
        .iter()
        .skip(from)
        .take(limit)
        .map(|t| {
            TagOut::new(
                &site,
                &kiosque_core::model::Tag {
                    id: t.id,
                    slug: t.slug.clone(),
                    name: t.name.clone(),
                },
            )
        })
        .collect();
    let next = from.saturating_add(limit);
    json(
        &headers,
        audience(&caller),
        &ListOut {
            items,
            total: all.len() as u64,
            next_cursor: (next < all.len()).then(|| next.to_string()),
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
        (status = 404, description = "No such tag.", body = super::error::ErrorBody),
    ),
)]
pub(crate) async fn get_tag(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    headers: HeaderMap,
    Ids(key): Ids<String>,
) -> Result<Response, ApiError> {
    let site = site_of(&state).await?;
    let tag = match key.parse::<i64>() {
        Ok(id) => state
            .store
            .terms(TermKind::Tag)
            .await?
            .into_iter()
            .find(|t| t.id == id)
            .map(|t| kiosque_core::model::Tag {
                id: t.id,
                slug: t.slug,
                name: t.name,
            }),
        Err(_) => match Slug::parse(&key) {
            Ok(slug) => state.store.tag_by_slug(&slug).await?,
            Err(_) => None,
        },
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
        (status = 404, description = "No such author.", body = super::error::ErrorBody),
    ),
)]
pub(crate) async fn get_author(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    headers: HeaderMap,
    Ids(key): Ids<String>,
) -> Result<Response, ApiError> {
    let site = site_of(&state).await?;
    let author = match key.parse::<i64>() {
        Ok(id) => state
            .store
            .authors()
            .await?
            .into_iter()
            .find(|a| a.id == id),
        Err(_) => match Slug::parse(&key) {
            Ok(slug) => state.store.author_by_slug(&slug).await?,
            Err(_) => None,
        },
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
        (status = 404, description = "No such page.", body = super::error::ErrorBody),
    ),
)]
pub(crate) async fn get_page(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    headers: HeaderMap,
    Ids(key): Ids<String>,
) -> Result<Response, ApiError> {
    let site = site_of(&state).await?;
    let page = match key.parse::<i64>() {
        Ok(id) => state.store.page(id).await?,
        Err(_) => match Slug::parse(&key) {
            Ok(slug) => state.store.page_by_slug(&slug).await?,
            Err(_) => None,
        },
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
                published_at: super::wire::time(&site, hit.published_at),
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
