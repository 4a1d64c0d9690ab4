//! Ghost's pages: the site's pages, filtered and ordered in memory (a
//! site has tens of them).

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::Response;
use kiosque_core::model::{Site, SortKey, StaticPage};
use kiosque_core::types::Slug;
use serde_json::{Value, json};

use super::content::{Ask, reading_time, site, time};
use super::filter::{Filter, Op};
use super::posts::{filter_time, sort};
use super::{GhostError, Keyed};
use crate::AppState;

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
