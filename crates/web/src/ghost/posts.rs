//! Ghost's posts: published articles, browsed (with `filter`, in the
//! store's order and pages) and read by id or slug.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::Response;
use kiosque_core::model::{
    Article, Author, AuthorProfile, ListSort, PublishedQuery, Site, SortKey,
};
use kiosque_core::types::{ArticleStatus, Slug};
use serde_json::{Value, json};

use super::content::{Ask, author, reading_time, site, tag, time};
use super::filter::{Filter, Op};
use super::{GhostError, Keyed};
use crate::AppState;

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
        "feature_image_alt": image.and_then(|i| i.alt_text()),
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
pub(super) fn filter_time(raw: &str) -> Result<chrono::DateTime<chrono::Utc>, GhostError> {
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
pub(super) fn sort(order: Option<&str>) -> Result<ListSort, GhostError> {
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
