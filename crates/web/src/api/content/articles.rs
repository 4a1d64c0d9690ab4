//! Published articles: the list (filters, fields, embeds, keyset
//! cursors), one article by id or slug, its approved comments.

use std::collections::BTreeSet;
use std::sync::Arc;

use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::Response;
use kiosque_core::model::{Article, ListCursor, PublishedQuery, Site};
use kiosque_core::types::ArticleStatus;
use serde::Deserialize;
use utoipa::IntoParams;

use crate::AppState;
use crate::api::auth::Caller;
use crate::api::error::ApiError;
use crate::api::extract::{Ids, Params, json};
use crate::api::wire::{ArticleOut, AuthorOut, CommentOut, ListOut, PhotoOut, SectionOut, TagOut};
use crate::cache::Topics;

use super::{
    Key, TypeParam, audience, limit_param, names, site_of, slug_param, text_param, time_param,
};

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
pub(super) async fn published(state: &AppState, key: &str) -> Result<Option<Article>, ApiError> {
    Ok(match Key::parse(key) {
        Key::Id(id) => state
            .store
            .article(id)
            .await?
            .filter(|a| a.status == ArticleStatus::Published),
        Key::Slug(slug) => state.store.article_by_slug(&slug).await?,
        Key::Neither => None,
    })
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
        (status = 404, description = "No published article there.", body = crate::api::error::ErrorBody),
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
        (status = 404, description = "No published article there.", body = crate::api::error::ErrorBody),
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
