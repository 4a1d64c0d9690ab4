//! The resources of Ghost's Content API in Ghost's shapes: posts are
//! published articles, pages the site's pages, tags its sections (first)
//! and tags, authors its bylines. `include`, `fields`, `formats`,
//! `limit` (a number or `all`), `page`, `order` and `filter`; lists in
//! the `meta.pagination` envelope.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue};
use axum::response::Response;
use kiosque_core::model::{
    Article, Author, AuthorProfile, ListSort, PublishedQuery, Site, SortKey, StaticPage, TermKind,
};
use kiosque_core::types::{ArticleStatus, Slug};
use serde_json::{Map, Value, json};

use super::filter::{self, Filter, Op};
use super::{GhostError, Keyed, answer};
use crate::AppState;
use crate::wp::query::Query;

/// How many a list holds when not told.
const LIMIT_DEFAULT: u32 = 15;
/// The most a numbered page holds.
const LIMIT_MAX: u32 = 100;

/// What a request asks for besides the resource.
struct Ask {
    include: Vec<String>,
    fields: Option<Vec<String>>,
    formats: Vec<String>,
    /// `None`: `limit=all`.
    limit: Option<u32>,
    page: u64,
    order: Option<String>,
    filter: Option<Filter>,
    version: Option<HeaderValue>,
}

impl Ask {
    fn read(raw: Option<&str>, headers: &HeaderMap) -> Result<Ask, GhostError> {
        let q = Query::parse(raw);
        let limit = match q.one("limit") {
            None => Some(LIMIT_DEFAULT),
            Some("all") => None,
            Some(n) => Some(
                n.parse::<u32>()
                    .map_err(|_| GhostError::bad_request("`limit` is a number or `all`."))?
                    .clamp(1, LIMIT_MAX),
            ),
        };
        let page = match q.one("page") {
            None => 1,
            Some(p) => p
                .parse::<u64>()
                .ok()
                .filter(|p| *p >= 1)
                .ok_or_else(|| GhostError::bad_request("`page` is a number from 1."))?,
        };
        let filter =
            match q.one("filter").map(str::trim).filter(|f| !f.is_empty()) {
                None => None,
                Some(f) => Some(filter::parse(f).map_err(|why| {
                    GhostError::bad_request(format!("Error parsing filter: {why}."))
                })?),
            };
        Ok(Ask {
            include: q.list("include").unwrap_or_default(),
            fields: q.list("fields").filter(|f| !f.is_empty()),
            formats: q.list("formats").unwrap_or_else(|| vec!["html".into()]),
            limit,
            page,
            order: q.one("order").map(str::to_owned),
            filter,
            version: headers.get("accept-version").cloned(),
        })
    }

    fn includes(&self, what: &str) -> bool {
        self.include.iter().any(|i| i == what)
    }

    /// Keeps the fields asked for.
    fn shape(&self, mut item: Value) -> Value {
        if let (Some(fields), Some(object)) = (&self.fields, item.as_object_mut()) {
            object.retain(|k, _| fields.iter().any(|f| f == k));
        }
        item
    }

    /// A list in Ghost's envelope.
    fn list(&self, name: &str, items: Vec<Value>, total: u64) -> Response {
        let (limit, pages) = match self.limit {
            Some(n) => (json!(n), total.div_ceil(u64::from(n)).max(1)),
            None => (json!("all"), 1),
        };
        let page = self.page;
        let body = json!({
            name: items,
            "meta": { "pagination": {
                "page": page,
                "limit": limit,
                "pages": pages,
                "total": total,
                "next": if page < pages { json!(page + 1) } else { Value::Null },
                "prev": if page > 1 { json!(page - 1) } else { Value::Null },
            }},
        });
        answer(&body, self.version.as_ref())
    }

    fn one(&self, name: &str, item: Value) -> Response {
        answer(&json!({ name: [item] }), self.version.as_ref())
    }

    fn skip(&self) -> u64 {
        self.limit
            .map_or(0, |n| (self.page - 1).saturating_mul(u64::from(n)))
    }
}

/// A time as Ghost writes one.
fn time(at: chrono::DateTime<chrono::Utc>) -> String {
    at.format("%Y-%m-%dT%H:%M:%S%.3f+00:00").to_string()
}

/// Minutes to read, as Ghost counts them (275 words a minute).
fn reading_time(text: &str) -> u64 {
    (text.split_whitespace().count() as u64)
        .div_ceil(275)
        .max(1)
}

async fn site(state: &AppState) -> Result<Arc<Site>, GhostError> {
    crate::site::load_site(state)
        .await
        .map_err(|_| GhostError::not_found("No site."))
}

/// A section or tag as Ghost's tag.
fn tag(site: &Site, id: String, slug: &str, name: &str, path: String, count: Option<u64>) -> Value {
    let mut t = json!({
        "id": id,
        "name": name,
        "slug": slug,
        "description": null,
        "feature_image": null,
        "visibility": "public",
        "og_image": null, "og_title": null, "og_description": null,
        "twitter_image": null, "twitter_title": null, "twitter_description": null,
        "meta_title": null, "meta_description": null,
        "codeinjection_head": null, "codeinjection_foot": null,
        "canonical_url": null, "accent_color": null,
        "url": site.absolute_url(&path),
    });
    if let Some(n) = count {
        t["count"] = json!({ "posts": n });
    }
    t
}

/// A byline as Ghost's author.
fn author(site: &Site, a: &Author, profile: Option<&AuthorProfile>, count: Option<u64>) -> Value {
    let mut out = json!({
        "id": a.id.to_string(),
        "name": a.name,
        "slug": a.slug.as_str(),
        "profile_image": profile
            .and_then(|p| p.photo.as_ref())
            .map(|m| site.absolute_url(&format!("/media/{}", m.file_name))),
        "cover_image": null,
        "bio": profile.map(|p| p.bio.clone()).filter(|b| !b.is_empty()),
        "website": profile.and_then(|p| p.links.first()).map(|l| l.as_str().to_owned()),
        "location": null, "facebook": null, "twitter": null,
        "meta_title": null, "meta_description": null,
        "url": site.absolute_url(&format!("/author/{}/", a.slug)),
    });
    if let Some(n) = count {
        out["count"] = json!({ "posts": n });
    }
    out
}

/// What drawing posts needs besides the articles.
struct Known {
    pins: HashSet<i64>,
    authors: HashMap<String, Author>,
    profiles: HashMap<i64, AuthorProfile>,
}

impl Known {
    async fn of(state: &AppState, articles: &[Article], ask: &Ask) -> Result<Known, GhostError> {
        let pins = state.store.front_page().await?.pins.into_iter().collect();
        let mut authors = HashMap::new();
        let mut profiles = HashMap::new();
        if ask.includes("authors") {
            for a in state.store.authors().await? {
                authors.insert(a.slug.as_str().to_owned(), a);
            }
            let ids: HashSet<i64> = articles.iter().map(|a| a.author.id).collect();
            for id in ids {
                profiles.insert(id, state.store.author_profile(id).await?);
            }
        }
        Ok(Known {
            pins,
            authors,
            profiles,
        })
    }
}

fn post(site: &Site, a: &Article, ask: &Ask, known: &Known) -> Value {
    let html = kiosque_core::markup::component::fallbacks_only(&a.body_html).into_owned();
    let plain = kiosque_transfer::content::plain_text(&html);
    let image = a.image.as_ref();
    let mut p = json!({
        "id": a.id.to_string(),
        "uuid": format!("00000000-0000-4000-8000-{:012x}", a.id),
        "title": a.title.as_str(),
        "slug": a.slug.as_str(),
        "comment_id": a.id.to_string(),
        "feature_image": image.map(|i| site.absolute_url(&format!("/media/{}", i.asset.file_name))),
        "feature_image_alt": image.map(|i| i.asset.text.alt.clone()).filter(|t| !t.is_empty()),
        "feature_image_caption": image
            .and_then(|i| i.caption.clone().or_else(|| Some(i.asset.text.caption.clone())))
            .filter(|t| !t.is_empty())
            .map(|t| minijinja::HtmlEscape(&t).to_string()),
        "featured": known.pins.contains(&a.id),
        "visibility": "public",
        "created_at": time(a.published_at),
        "updated_at": time(a.updated_at),
        "published_at": time(a.published_at),
        "custom_excerpt": Some(a.excerpt.clone()).filter(|e| !e.is_empty()),
        "codeinjection_head": null, "codeinjection_foot": null,
        "custom_template": null, "canonical_url": null,
        "url": site.absolute_url(&a.path(site)),
        "excerpt": a.excerpt,
        "reading_time": reading_time(&plain),
        "access": true,
        "comments": true,
        "og_image": null, "og_title": null, "og_description": null,
        "twitter_image": null, "twitter_title": null, "twitter_description": null,
        "meta_title": a.editorial.seo_title,
        "meta_description": a.editorial.seo_description,
        "email_subject": null,
        "frontmatter": null,
    });
    if ask.formats.iter().any(|f| f == "html") {
        p["html"] = json!(html);
    }
    if ask.formats.iter().any(|f| f == "plaintext") {
        p["plaintext"] = json!(plain);
    }
    if ask.includes("tags") {
        let tags: Vec<Value> = a
            .category
            .iter()
            .chain(a.sections.iter())
            .map(|c| {
                tag(
                    site,
                    format!("section-{}", c.id),
                    c.slug.as_str(),
                    &c.name,
                    format!("/category/{}/", c.slug),
                    None,
                )
            })
            .chain(a.tags.iter().map(|t| {
                tag(
                    site,
                    format!("tag-{}", t.id),
                    t.slug.as_str(),
                    &t.name,
                    format!("/tag/{}/", t.slug),
                    None,
                )
            }))
            .collect();
        p["primary_tag"] = tags.first().cloned().unwrap_or(Value::Null);
        p["tags"] = Value::Array(tags);
    }
    if ask.includes("authors") {
        let mut authors = vec![author(
            site,
            &a.author,
            known.profiles.get(&a.author.id),
            None,
        )];
        for c in &a.editorial.contributors {
            if let Some(found) = known.authors.get(c.author.0.as_str())
                && found.id != a.author.id
            {
                authors.push(author(site, found, None, None));
            }
        }
        p["primary_author"] = authors[0].clone();
        p["authors"] = Value::Array(authors);
    }
    ask.shape(p)
}

/// The published articles a filter's term names.
async fn term_ids(
    state: &AppState,
    key: &str,
    values: &[String],
) -> Result<HashSet<i64>, GhostError> {
    let store = state.store.as_ref();
    let key = key.trim_end_matches(".slug");
    let mut out = HashSet::new();
    for value in values {
        let mut queries: Vec<PublishedQuery> = Vec::new();
        let slug = Slug::parse(value).ok();
        match key {
            "tag" | "tags" | "primary_tag" => {
                if let Some(slug) = &slug {
                    if let Some(c) = store.category_by_slug(slug).await? {
                        queries.push(PublishedQuery {
                            in_sections: Some(vec![c.id]),
                            ..PublishedQuery::default()
                        });
                    }
                    if key != "primary_tag"
                        && let Some(t) = store.tag_by_slug(slug).await?
                    {
                        queries.push(PublishedQuery {
                            any_tags: Some(vec![t.id]),
                            ..PublishedQuery::default()
                        });
                    }
                }
            }
            "author" | "authors" | "primary_author" => {
                if let Some(slug) = &slug
                    && let Some(a) = store.author_by_slug(slug).await?
                {
                    queries.push(if key == "primary_author" {
                        PublishedQuery {
                            signed_by: Some(vec![a.id]),
                            ..PublishedQuery::default()
                        }
                    } else {
                        PublishedQuery {
                            author: Some(a.id),
                            ..PublishedQuery::default()
                        }
                    });
                }
            }
            "featured" => {
                let pins = store.front_page().await?.pins;
                match value.as_str() {
                    "true" => queries.push(PublishedQuery {
                        among: Some(pins),
                        ..PublishedQuery::default()
                    }),
                    "false" => queries.push(PublishedQuery {
                        exclude: pins,
                        ..PublishedQuery::default()
                    }),
                    _ => return Err(GhostError::bad_request("`featured` is true or false.")),
                }
            }
            "slug" => queries.push(PublishedQuery {
                slugs: Some(vec![value.clone()]),
                ..PublishedQuery::default()
            }),
            "id" => {
                if let Ok(id) = value.parse::<i64>() {
                    queries.push(PublishedQuery {
                        among: Some(vec![id]),
                        ..PublishedQuery::default()
                    });
                }
            }
            _ => {
                return Err(GhostError::bad_request(format!(
                    "`{key}` cannot be filtered on."
                )));
            }
        }
        for q in queries {
            out.extend(store.published_ids(&q).await?);
        }
    }
    Ok(out)
}

/// A time of a `published_at` comparison (`2024-01-01`, with a time, or
/// RFC 3339); times without a zone are UTC, as Ghost reads them.
fn filter_time(raw: &str) -> Result<chrono::DateTime<chrono::Utc>, GhostError> {
    let raw = raw.trim();
    chrono::DateTime::parse_from_rfc3339(raw)
        .map(|t| t.with_timezone(&chrono::Utc))
        .ok()
        .or_else(|| {
            chrono::NaiveDateTime::parse_from_str(raw, "%Y-%m-%d %H:%M:%S")
                .ok()
                .map(|t| t.and_utc())
        })
        .or_else(|| {
            chrono::NaiveDate::parse_from_str(raw, "%Y-%m-%d")
                .ok()
                .and_then(|d| d.and_hms_opt(0, 0, 0))
                .map(|t| t.and_utc())
        })
        .ok_or_else(|| GhostError::bad_request(format!("{raw:?} is not a date.")))
}

/// The published articles a filter matches.
fn matching<'a>(
    state: &'a AppState,
    f: &'a Filter,
) -> std::pin::Pin<
    Box<dyn std::future::Future<Output = Result<HashSet<i64>, GhostError>> + Send + 'a>,
> {
    Box::pin(async move {
        match f {
            Filter::And(parts) => {
                let mut sets = Vec::with_capacity(parts.len());
                for p in parts {
                    sets.push(matching(state, p).await?);
                }
                let mut sets = sets.into_iter();
                let first = sets.next().unwrap_or_default();
                Ok(sets.fold(first, |acc, s| acc.intersection(&s).copied().collect()))
            }
            Filter::Or(parts) => {
                let mut all = HashSet::new();
                for p in parts {
                    all.extend(matching(state, p).await?);
                }
                Ok(all)
            }
            Filter::Term { key, op, values } if key == "published_at" => {
                let at = filter_time(values.first().map(String::as_str).unwrap_or_default())?;
                let second = chrono::Duration::seconds(1);
                let query = match op {
                    Op::Gt => PublishedQuery {
                        after: Some(at + second),
                        ..PublishedQuery::default()
                    },
                    Op::Gte => PublishedQuery {
                        after: Some(at),
                        ..PublishedQuery::default()
                    },
                    Op::Lt => PublishedQuery {
                        before: Some(at),
                        ..PublishedQuery::default()
                    },
                    Op::Lte => PublishedQuery {
                        before: Some(at + second),
                        ..PublishedQuery::default()
                    },
                    Op::Is | Op::Not => {
                        return Err(GhostError::bad_request(
                            "`published_at` is compared with >, >=, < or <=.",
                        ));
                    }
                };
                Ok(state
                    .store
                    .published_ids(&query)
                    .await?
                    .into_iter()
                    .collect())
            }
            Filter::Term { key, op, values } => {
                let named = term_ids(state, key, values).await?;
                match op {
                    Op::Is => Ok(named),
                    Op::Not => {
                        let all = state
                            .store
                            .published_ids(&PublishedQuery::default())
                            .await?;
                        Ok(all.into_iter().filter(|i| !named.contains(i)).collect())
                    }
                    _ => Err(GhostError::bad_request(format!(
                        "`{key}` is not compared with >, <."
                    ))),
                }
            }
        }
    })
}

/// The list's order, from Ghost's `order` (`published_at desc`).
fn sort(order: Option<&str>) -> Result<ListSort, GhostError> {
    let Some(order) = order else {
        return Ok(ListSort::default());
    };
    let mut words = order.split_whitespace();
    let by = match words.next() {
        Some("published_at" | "created_at") => SortKey::Published,
        Some("updated_at") => SortKey::Modified,
        Some("title") => SortKey::Title,
        Some("slug") => SortKey::Slug,
        Some("id") => SortKey::Id,
        _ => {
            return Err(GhostError::bad_request(format!(
                "Cannot order by {order:?}."
            )));
        }
    };
    let ascending = match words.next().map(str::to_ascii_lowercase).as_deref() {
        None | Some("desc") => false,
        Some("asc") => true,
        _ => {
            return Err(GhostError::bad_request(format!(
                "Cannot order by {order:?}."
            )));
        }
    };
    Ok(ListSort { by, ascending })
}

pub(crate) async fn browse_posts(
    State(state): State<Arc<AppState>>,
    _key: Keyed,
    headers: HeaderMap,
    axum::extract::RawQuery(raw): axum::extract::RawQuery,
) -> Result<Response, GhostError> {
    let ask = Ask::read(raw.as_deref(), &headers)?;
    let site = site(&state).await?;
    let mut query = PublishedQuery {
        sort: sort(ask.order.as_deref())?,
        ..PublishedQuery::default()
    };
    if let Some(f) = &ask.filter {
        let mut ids: Vec<i64> = matching(&state, f).await?.into_iter().collect();
        ids.sort_unstable();
        query.among = Some(ids);
    }
    let (articles, total) = match ask.limit {
        Some(n) => {
            query.limit = n;
            query.offset = ask.skip();
            let slice = state.store.published_articles(&query).await?;
            (slice.articles, slice.total)
        }
        None => {
            // Every one: ids in order, then the articles a few hundred at a time.
            let ids = state.store.published_ids(&query).await?;
            let mut all = Vec::with_capacity(ids.len());
            for chunk in ids.chunks(500) {
                let mut found = state
                    .store
                    .published_articles(&PublishedQuery {
                        among: Some(chunk.to_vec()),
                        limit: 500,
                        ..PublishedQuery::default()
                    })
                    .await?
                    .articles;
                found.sort_by_key(|a| chunk.iter().position(|i| *i == a.id));
                all.extend(found);
            }
            let total = all.len() as u64;
            (all, total)
        }
    };
    let known = Known::of(&state, &articles, &ask).await?;
    let items = articles
        .iter()
        .map(|a| post(&site, a, &ask, &known))
        .collect();
    Ok(ask.list("posts", items, total))
}

async fn read_post_where(
    state: &AppState,
    raw: Option<&str>,
    headers: &HeaderMap,
    found: Option<Article>,
) -> Result<Response, GhostError> {
    let ask = Ask::read(raw, headers)?;
    let site = site(state).await?;
    let article = found
        .filter(|a| a.status == ArticleStatus::Published)
        .ok_or_else(|| GhostError::not_found("Post not found."))?;
    let known = Known::of(state, std::slice::from_ref(&article), &ask).await?;
    Ok(ask.one("posts", post(&site, &article, &ask, &known)))
}

pub(crate) async fn read_post(
    State(state): State<Arc<AppState>>,
    _key: Keyed,
    headers: HeaderMap,
    Path(id): Path<String>,
    axum::extract::RawQuery(raw): axum::extract::RawQuery,
) -> Result<Response, GhostError> {
    let found = match id.parse::<i64>() {
        Ok(id) => state.store.article(id).await?,
        Err(_) => None,
    };
    read_post_where(&state, raw.as_deref(), &headers, found).await
}

pub(crate) async fn read_post_by_slug(
    State(state): State<Arc<AppState>>,
    _key: Keyed,
    headers: HeaderMap,
    Path(slug): Path<String>,
    axum::extract::RawQuery(raw): axum::extract::RawQuery,
) -> Result<Response, GhostError> {
    let found = match Slug::parse(&slug) {
        Ok(slug) => state.store.article_by_slug(&slug).await?,
        Err(_) => None,
    };
    read_post_where(&state, raw.as_deref(), &headers, found).await
}

fn page(site: &Site, p: &StaticPage, ask: &Ask) -> Value {
    let html = kiosque_core::markup::component::fallbacks_only(&p.body_html).into_owned();
    let plain = kiosque_transfer::content::plain_text(&html);
    let excerpt: String = plain.chars().take(300).collect();
    let mut out = json!({
        "id": p.id.to_string(),
        "uuid": format!("00000000-0000-4000-9000-{:012x}", p.id),
        "title": p.title,
        "slug": p.slug.as_str(),
        "comment_id": p.id.to_string(),
        "feature_image": null, "feature_image_alt": null, "feature_image_caption": null,
        "featured": false,
        "visibility": "public",
        "created_at": time(p.updated_at),
        "updated_at": time(p.updated_at),
        "published_at": time(p.updated_at),
        "custom_excerpt": null,
        "codeinjection_head": null, "codeinjection_foot": null,
        "custom_template": null, "canonical_url": null,
        "url": site.absolute_url(&format!("/{}/", p.slug)),
        "excerpt": excerpt,
        "reading_time": reading_time(&plain),
        "access": true,
        "comments": false,
        "meta_title": null, "meta_description": null,
    });
    if ask.formats.iter().any(|f| f == "html") {
        out["html"] = json!(html);
    }
    if ask.formats.iter().any(|f| f == "plaintext") {
        out["plaintext"] = json!(plain);
    }
    if ask.includes("tags") {
        out["tags"] = json!([]);
        out["primary_tag"] = Value::Null;
    }
    if ask.includes("authors") {
        out["authors"] = json!([]);
        out["primary_author"] = Value::Null;
    }
    ask.shape(out)
}

/// Whether a page passes a filter: pages have a slug and an id, no tags,
/// authors or pins.
fn page_matches(p: &StaticPage, f: &Filter) -> Result<bool, GhostError> {
    Ok(match f {
        Filter::And(parts) => {
            for part in parts {
                if !page_matches(p, part)? {
                    return Ok(false);
                }
            }
            true
        }
        Filter::Or(parts) => {
            for part in parts {
                if page_matches(p, part)? {
                    return Ok(true);
                }
            }
            false
        }
        Filter::Term { key, op, values } => {
            let named = match key.as_str() {
                "slug" => values.iter().any(|v| v == p.slug.as_str()),
                "id" => values.iter().any(|v| *v == p.id.to_string()),
                "featured" => values.iter().any(|v| v == "false"),
                "published_at" => {
                    let at = filter_time(values.first().map(String::as_str).unwrap_or_default())?;
                    return Ok(match op {
                        Op::Gt => p.updated_at > at,
                        Op::Gte => p.updated_at >= at,
                        Op::Lt => p.updated_at < at,
                        Op::Lte => p.updated_at <= at,
                        _ => false,
                    });
                }
                _ => false,
            };
            match op {
                Op::Not => !named,
                _ => named,
            }
        }
    })
}

pub(crate) async fn browse_pages(
    State(state): State<Arc<AppState>>,
    _key: Keyed,
    headers: HeaderMap,
    axum::extract::RawQuery(raw): axum::extract::RawQuery,
) -> Result<Response, GhostError> {
    let ask = Ask::read(raw.as_deref(), &headers)?;
    let site = site(&state).await?;
    let mut pages = Vec::new();
    for p in state.store.pages().await? {
        if match &ask.filter {
            Some(f) => page_matches(&p, f)?,
            None => true,
        } {
            pages.push(p);
        }
    }
    let order = sort(ask.order.as_deref().or(Some("title asc")))?;
    match order.by {
        SortKey::Title => pages.sort_by_key(|p| p.title.to_lowercase()),
        SortKey::Slug => pages.sort_by(|a, b| a.slug.as_str().cmp(b.slug.as_str())),
        SortKey::Id => pages.sort_by_key(|p| p.id),
        _ => pages.sort_by_key(|p| p.updated_at),
    }
    if !order.ascending {
        pages.reverse();
    }
    let total = pages.len() as u64;
    let items = pages
        .iter()
        .skip(usize::try_from(ask.skip()).unwrap_or(usize::MAX))
        .take(ask.limit.map_or(usize::MAX, |n| n as usize))
        .map(|p| page(&site, p, &ask))
        .collect();
    Ok(ask.list("pages", items, total))
}

async fn read_page_where(
    state: &AppState,
    raw: Option<&str>,
    headers: &HeaderMap,
    found: Option<StaticPage>,
) -> Result<Response, GhostError> {
    let ask = Ask::read(raw, headers)?;
    let site = site(state).await?;
    let found = found.ok_or_else(|| GhostError::not_found("Page not found."))?;
    Ok(ask.one("pages", page(&site, &found, &ask)))
}

pub(crate) async fn read_page(
    State(state): State<Arc<AppState>>,
    _key: Keyed,
    headers: HeaderMap,
    Path(id): Path<String>,
    axum::extract::RawQuery(raw): axum::extract::RawQuery,
) -> Result<Response, GhostError> {
    let found = match id.parse::<i64>() {
        Ok(id) => state.store.page(id).await?,
        Err(_) => None,
    };
    read_page_where(&state, raw.as_deref(), &headers, found).await
}

pub(crate) async fn read_page_by_slug(
    State(state): State<Arc<AppState>>,
    _key: Keyed,
    headers: HeaderMap,
    Path(slug): Path<String>,
    axum::extract::RawQuery(raw): axum::extract::RawQuery,
) -> Result<Response, GhostError> {
    let found = match Slug::parse(&slug) {
        Ok(slug) => state.store.page_by_slug(&slug).await?,
        Err(_) => None,
    };
    read_page_where(&state, raw.as_deref(), &headers, found).await
}

/// Every section, then every tag, as Ghost's tags (ids `section-N`,
/// `tag-N`).
async fn all_tags(
    state: &AppState,
    site: &Site,
    ask: &Ask,
) -> Result<Vec<(String, Value)>, GhostError> {
    let counted = ask.includes("count.posts");
    let mut out = Vec::new();
    for (kind, prefix, path) in [
        (TermKind::Category, "section", "category"),
        (TermKind::Tag, "tag", "tag"),
    ] {
        for t in state.store.published_terms(kind).await? {
            let slug = t.slug.as_str().to_owned();
            out.push((
                slug.clone(),
                tag(
                    site,
                    format!("{prefix}-{}", t.id),
                    &slug,
                    &t.name,
                    format!("/{path}/{slug}/"),
                    counted.then_some(t.articles),
                ),
            ));
        }
    }
    Ok(out)
}

/// Tags and authors pass a filter on their slug or id only.
fn named_by(filter: &Filter, slug: &str, id: &str) -> bool {
    match filter {
        Filter::And(parts) => parts.iter().all(|p| named_by(p, slug, id)),
        Filter::Or(parts) => parts.iter().any(|p| named_by(p, slug, id)),
        Filter::Term { key, op, values } => {
            let named = match key.as_str() {
                "slug" => values.iter().any(|v| v == slug),
                "id" => values.iter().any(|v| v == id),
                _ => false,
            };
            if *op == Op::Not { !named } else { named }
        }
    }
}

fn browse_list(ask: &Ask, name: &str, mut items: Vec<(String, Value)>) -> Response {
    if let Some(f) = &ask.filter {
        items.retain(|(slug, v)| named_by(f, slug, v["id"].as_str().unwrap_or_default()));
    }
    let total = items.len() as u64;
    let page: Vec<Value> = items
        .into_iter()
        .skip(usize::try_from(ask.skip()).unwrap_or(usize::MAX))
        .take(ask.limit.map_or(usize::MAX, |n| n as usize))
        .map(|(_, v)| ask.shape(v))
        .collect();
    ask.list(name, page, total)
}

pub(crate) async fn browse_tags(
    State(state): State<Arc<AppState>>,
    _key: Keyed,
    headers: HeaderMap,
    axum::extract::RawQuery(raw): axum::extract::RawQuery,
) -> Result<Response, GhostError> {
    let ask = Ask::read(raw.as_deref(), &headers)?;
    let site = site(&state).await?;
    let mut tags = all_tags(&state, &site, &ask).await?;
    tags.sort_by_key(|(_, t)| t["name"].as_str().unwrap_or_default().to_lowercase());
    Ok(browse_list(&ask, "tags", tags))
}

async fn read_tag_where(
    state: &AppState,
    raw: Option<&str>,
    headers: &HeaderMap,
    pick: impl Fn(&str, &Value) -> bool,
) -> Result<Response, GhostError> {
    let ask = Ask::read(raw, headers)?;
    let site = site(state).await?;
    let found = all_tags(state, &site, &ask)
        .await?
        .into_iter()
        .find(|(slug, v)| pick(slug, v))
        .ok_or_else(|| GhostError::not_found("Tag not found."))?;
    Ok(ask.one("tags", ask.shape(found.1)))
}

pub(crate) async fn read_tag(
    State(state): State<Arc<AppState>>,
    _key: Keyed,
    headers: HeaderMap,
    Path(id): Path<String>,
    axum::extract::RawQuery(raw): axum::extract::RawQuery,
) -> Result<Response, GhostError> {
    read_tag_where(&state, raw.as_deref(), &headers, |_, v| {
        v["id"] == id.as_str()
    })
    .await
}

pub(crate) async fn read_tag_by_slug(
    State(state): State<Arc<AppState>>,
    _key: Keyed,
    headers: HeaderMap,
    Path(slug): Path<String>,
    axum::extract::RawQuery(raw): axum::extract::RawQuery,
) -> Result<Response, GhostError> {
    read_tag_where(&state, raw.as_deref(), &headers, |s, _| s == slug).await
}

async fn all_authors(
    state: &AppState,
    site: &Site,
    ask: &Ask,
) -> Result<Vec<(String, Value)>, GhostError> {
    let counted = ask.includes("count.posts");
    let mut out = Vec::new();
    for a in state.store.authors().await? {
        let profile = state.store.author_profile(a.id).await?;
        let count = if counted {
            Some(
                state
                    .store
                    .published_articles(&PublishedQuery {
                        author: Some(a.id),
                        limit: 1,
                        ..PublishedQuery::default()
                    })
                    .await?
                    .total,
            )
        } else {
            None
        };
        out.push((
            a.slug.as_str().to_owned(),
            author(site, &a, Some(&profile), count),
        ));
    }
    Ok(out)
}

pub(crate) async fn browse_authors(
    State(state): State<Arc<AppState>>,
    _key: Keyed,
    headers: HeaderMap,
    axum::extract::RawQuery(raw): axum::extract::RawQuery,
) -> Result<Response, GhostError> {
    let ask = Ask::read(raw.as_deref(), &headers)?;
    let site = site(&state).await?;
    let mut authors = all_authors(&state, &site, &ask).await?;
    authors.sort_by_key(|(_, a)| a["name"].as_str().unwrap_or_default().to_lowercase());
    Ok(browse_list(&ask, "authors", authors))
}

async fn read_author_where(
    state: &AppState,
    raw: Option<&str>,
    headers: &HeaderMap,
    pick: impl Fn(&str, &Value) -> bool,
) -> Result<Response, GhostError> {
    let ask = Ask::read(raw, headers)?;
    let site = site(state).await?;
    let found = all_authors(state, &site, &ask)
        .await?
        .into_iter()
        .find(|(slug, v)| pick(slug, v))
        .ok_or_else(|| GhostError::not_found("Author not found."))?;
    Ok(ask.one("authors", ask.shape(found.1)))
}

pub(crate) async fn read_author(
    State(state): State<Arc<AppState>>,
    _key: Keyed,
    headers: HeaderMap,
    Path(id): Path<String>,
    axum::extract::RawQuery(raw): axum::extract::RawQuery,
) -> Result<Response, GhostError> {
    read_author_where(&state, raw.as_deref(), &headers, |_, v| {
        v["id"] == id.as_str()
    })
    .await
}

pub(crate) async fn read_author_by_slug(
    State(state): State<Arc<AppState>>,
    _key: Keyed,
    headers: HeaderMap,
    Path(slug): Path<String>,
    axum::extract::RawQuery(raw): axum::extract::RawQuery,
) -> Result<Response, GhostError> {
    read_author_where(&state, raw.as_deref(), &headers, |s, _| s == slug).await
}

/// `GET /settings/`: the site's public settings.
pub(crate) async fn settings(
    State(state): State<Arc<AppState>>,
    _key: Keyed,
    headers: HeaderMap,
) -> Result<Response, GhostError> {
    let site = site(&state).await?;
    let menu = |entries: &[kiosque_core::model::MenuEntry]| -> Vec<Value> {
        entries
            .iter()
            .map(|e| {
                let url = if e.href.starts_with('/') {
                    site.absolute_url(&e.href)
                } else {
                    e.href.clone()
                };
                json!({ "label": e.label, "url": url })
            })
            .collect()
    };
    let mut s = Map::new();
    s.insert("title".into(), json!(site.name));
    s.insert("description".into(), json!(site.tagline));
    s.insert(
        "logo".into(),
        json!(
            site.logo
                .as_ref()
                .map(|m| site.absolute_url(&format!("/media/{}", m.file_name)))
        ),
    );
    s.insert("icon".into(), Value::Null);
    s.insert(
        "accent_color".into(),
        json!(site.accent.as_ref().map(|a| a.as_str().to_owned())),
    );
    s.insert("cover_image".into(), Value::Null);
    s.insert("facebook".into(), Value::Null);
    s.insert("twitter".into(), Value::Null);
    s.insert("lang".into(), json!(site.language.code()));
    s.insert("locale".into(), json!(site.language.code()));
    s.insert("timezone".into(), json!(site.time_zone.name()));
    s.insert("codeinjection_head".into(), Value::Null);
    s.insert("codeinjection_foot".into(), Value::Null);
    s.insert("navigation".into(), json!(menu(&site.menus.header)));
    s.insert(
        "secondary_navigation".into(),
        json!(menu(&site.menus.footer)),
    );
    s.insert("meta_title".into(), Value::Null);
    s.insert("meta_description".into(), Value::Null);
    s.insert(
        "url".into(),
        json!(format!("{}/", site.base_url.trim_end_matches('/'))),
    );
    Ok(answer(
        &json!({ "settings": s, "meta": {} }),
        headers.get("accept-version"),
    ))
}
