//! Ghost's tags (sections, then tags), authors (bylines) and the site's
//! settings.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::Response;
use kiosque_core::model::{PublishedQuery, Site, TermKind};
use serde_json::{Map, Value, json};

use super::content::{Ask, author, site, tag};
use super::filter::{Filter, Op};
use super::{GhostError, Keyed, answer};
use crate::AppState;

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
