//! Discovery and description: the `/wp-json/` index (the site, the
//! namespaces, every route with its methods and arguments), the `wp/v2`
//! namespace, post types, taxonomies, statuses, settings and search.

use std::sync::Arc;

use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::Response;
use chrono::Offset as _;
use kiosque_core::model::{PublishedQuery, Site};
use serde_json::{Map, Value, json};

use super::error::WpError;
use super::ids::{Kind, Outward};
use super::posts::site;
use super::query::Query;
use super::respond::{Asked, Fetched, check_page, collection, json_response, link, route_url};
use crate::AppState;

/// The arguments a collection takes (besides its own filters).
const COLLECTION_ARGS: &[(&str, &str, &str)] = &[
    (
        "context",
        "string",
        "Scope under which the request is made; determines fields present in response.",
    ),
    ("page", "integer", "Current page of the collection."),
    (
        "per_page",
        "integer",
        "Maximum number of items to be returned in result set.",
    ),
    (
        "search",
        "string",
        "Limit results to those matching a string.",
    ),
    (
        "exclude",
        "array",
        "Ensure result set excludes specific IDs.",
    ),
    ("include", "array", "Limit result set to specific IDs."),
    (
        "offset",
        "integer",
        "Offset the result set by a specific number of items.",
    ),
    (
        "order",
        "string",
        "Order sort attribute ascending or descending.",
    ),
    ("orderby", "string", "Sort collection by attribute."),
];

/// Further arguments of a route, by route.
fn own_args(route: &str) -> &'static [(&'static str, &'static str, &'static str)] {
    match route {
        "/wp/v2/posts" => &[
            (
                "after",
                "string",
                "Limit response to posts published after a given ISO8601 compliant date.",
            ),
            (
                "before",
                "string",
                "Limit response to posts published before a given ISO8601 compliant date.",
            ),
            (
                "author",
                "array",
                "Limit result set to posts assigned to specific authors.",
            ),
            (
                "author_exclude",
                "array",
                "Ensure result set excludes posts assigned to specific authors.",
            ),
            (
                "slug",
                "array",
                "Limit result set to posts with one or more specific slugs.",
            ),
            (
                "status",
                "array",
                "Limit result set to posts assigned one or more statuses.",
            ),
            (
                "categories",
                "array",
                "Limit result set to items with specific terms assigned in the categories taxonomy.",
            ),
            (
                "categories_exclude",
                "array",
                "Limit result set to items except those with specific terms assigned in the categories taxonomy.",
            ),
            (
                "tags",
                "array",
                "Limit result set to items with specific terms assigned in the tags taxonomy.",
            ),
            (
                "tags_exclude",
                "array",
                "Limit result set to items except those with specific terms assigned in the tags taxonomy.",
            ),
            (
                "sticky",
                "boolean",
                "Limit result set to items that are sticky.",
            ),
        ],
        "/wp/v2/pages" => &[
            (
                "slug",
                "array",
                "Limit result set to posts with one or more specific slugs.",
            ),
            (
                "status",
                "array",
                "Limit result set to posts assigned one or more statuses.",
            ),
            (
                "parent",
                "array",
                "Limit result set to items with particular parent IDs.",
            ),
        ],
        "/wp/v2/media" => &[
            (
                "parent",
                "array",
                "Limit result set to items with particular parent IDs.",
            ),
            (
                "media_type",
                "string",
                "Limit result set to attachments of a particular media type.",
            ),
        ],
        "/wp/v2/categories" => &[
            (
                "hide_empty",
                "boolean",
                "Whether to hide terms not assigned to any posts.",
            ),
            (
                "parent",
                "integer",
                "Limit result set to terms assigned to a specific parent.",
            ),
            (
                "post",
                "integer",
                "Limit result set to terms assigned to a specific post.",
            ),
            (
                "slug",
                "array",
                "Limit result set to terms with one or more specific slugs.",
            ),
        ],
        "/wp/v2/tags" => &[
            (
                "hide_empty",
                "boolean",
                "Whether to hide terms not assigned to any posts.",
            ),
            (
                "post",
                "integer",
                "Limit result set to terms assigned to a specific post.",
            ),
            (
                "slug",
                "array",
                "Limit result set to terms with one or more specific slugs.",
            ),
        ],
        "/wp/v2/users" => &[(
            "slug",
            "array",
            "Limit result set to users with one or more specific slugs.",
        )],
        "/wp/v2/comments" => &[
            (
                "post",
                "array",
                "Limit result set to comments assigned to specific post IDs.",
            ),
            (
                "parent",
                "array",
                "Limit result set to comments of specific parent IDs.",
            ),
        ],
        "/wp/v2/search" => &[
            (
                "type",
                "string",
                "Limit results to items of an object type.",
            ),
            (
                "subtype",
                "array",
                "Limit results to items of one or more object subtypes.",
            ),
        ],
        _ => &[],
    }
}

/// Every route: its pattern, whether it is a collection, and an address
/// for `_links.self` (routes without a parameter).
const ROUTES: &[(&str, bool)] = &[
    ("/wp/v2/posts", true),
    ("/wp/v2/posts/(?P<id>[\\d]+)", false),
    ("/wp/v2/pages", true),
    ("/wp/v2/pages/(?P<id>[\\d]+)", false),
    ("/wp/v2/media", true),
    ("/wp/v2/media/(?P<id>[\\d]+)", false),
    ("/wp/v2/categories", true),
    ("/wp/v2/categories/(?P<id>[\\d]+)", false),
    ("/wp/v2/tags", true),
    ("/wp/v2/tags/(?P<id>[\\d]+)", false),
    ("/wp/v2/users", true),
    ("/wp/v2/users/(?P<id>[\\d]+)", false),
    ("/wp/v2/users/me", false),
    ("/wp/v2/comments", true),
    ("/wp/v2/comments/(?P<id>[\\d]+)", false),
    ("/wp/v2/search", true),
    ("/wp/v2/settings", false),
    ("/wp/v2/taxonomies", false),
    ("/wp/v2/taxonomies/(?P<taxonomy>[\\w-]+)", false),
    ("/wp/v2/types", false),
    ("/wp/v2/types/(?P<type>[\\w-]+)", false),
    ("/wp/v2/statuses", false),
    ("/wp/v2/statuses/(?P<status>[\\w-]+)", false),
];

fn arg(kind: &str, description: &str) -> Value {
    let mut a = json!({ "description": description, "type": kind, "required": false });
    if kind == "array" {
        a["items"] = json!({ "type": "integer" });
    }
    a
}

/// A route as the index describes it.
fn route(site: &Site, pattern: &str, collection: bool) -> Value {
    let mut args = Map::new();
    if collection {
        for (name, kind, description) in COLLECTION_ARGS {
            args.insert((*name).to_owned(), arg(kind, description));
        }
    } else {
        args.insert(
            "context".to_owned(),
            arg(
                "string",
                "Scope under which the request is made; determines fields present in response.",
            ),
        );
        if pattern.contains("(?P<id>") {
            args.insert(
                "id".to_owned(),
                arg("integer", "Unique identifier for the object."),
            );
        }
    }
    for (name, kind, description) in own_args(pattern) {
        args.insert((*name).to_owned(), arg(kind, description));
    }
    let writes: &[&str] = match pattern {
        "/wp/v2/posts" | "/wp/v2/pages" | "/wp/v2/media" | "/wp/v2/comments" => &["POST"],
        "/wp/v2/settings" => &["POST", "PUT", "PATCH"],
        "/wp/v2/posts/(?P<id>[\\d]+)" | "/wp/v2/pages/(?P<id>[\\d]+)" => {
            &["POST", "PUT", "PATCH", "DELETE"]
        }
        _ => &[],
    };
    let mut endpoints = vec![json!({ "methods": ["GET"], "args": args })];
    if !writes.is_empty() {
        endpoints.push(json!({ "methods": writes, "args": {} }));
    }
    let methods: Vec<&str> = std::iter::once("GET")
        .chain(writes.iter().copied())
        .collect();
    let mut out = json!({
        "namespace": "wp/v2",
        "methods": methods,
        "endpoints": endpoints,
    });
    if !pattern.contains("(?P<") {
        out["_links"] =
            json!({ "self": [{ "href": site.absolute_url(&format!("/wp-json{pattern}")) }] });
    }
    out
}

fn routes(site: &Site) -> Map<String, Value> {
    let mut out = Map::new();
    out.insert(
        "/wp/v2".to_owned(),
        json!({
            "namespace": "wp/v2",
            "methods": ["GET"],
            "endpoints": [{ "methods": ["GET"], "args": {
                "namespace": {"default": "wp/v2", "required": false},
                "context": {"default": "view", "required": false},
            }}],
            "_links": { "self": [{ "href": site.absolute_url("/wp-json/wp/v2") }] },
        }),
    );
    for (pattern, collection) in ROUTES {
        out.insert((*pattern).to_owned(), route(site, pattern, *collection));
    }
    out
}

/// The site's current offset from UTC, in hours.
fn gmt_offset(site: &Site) -> f64 {
    let seconds = site
        .local(chrono::Utc::now())
        .offset()
        .fix()
        .local_minus_utc();
    f64::from(seconds) / 3600.0
}

/// `GET /wp-json/`: what a client discovers the API by.
pub(crate) async fn root(State(state): State<Arc<AppState>>) -> Result<Response, WpError> {
    let site = site(&state).await?;
    let mut all = Map::new();
    all.insert(
        "/".to_owned(),
        json!({
            "namespace": "",
            "methods": ["GET"],
            "endpoints": [{ "methods": ["GET"], "args": { "context": {"default": "view", "required": false} } }],
            "_links": { "self": [{ "href": site.absolute_url("/wp-json/") }] },
        }),
    );
    all.extend(routes(&site));
    let logo = match &site.logo {
        Some(m) => Outward::of(state.store.as_ref(), Kind::Media, &[m.id])
            .await?
            .get(m.id),
        None => 0,
    };
    let base = site.base_url.trim_end_matches('/');
    let body = json!({
        "name": site.name,
        "description": site.tagline,
        "url": base,
        "home": base,
        "gmt_offset": gmt_offset(&site),
        "timezone_string": site.time_zone.name(),
        "page_for_posts": 0,
        "page_on_front": 0,
        "show_on_front": "posts",
        "namespaces": ["wp/v2"],
        "authentication": {
            "application-passwords": {
                "endpoints": {
                    "authorization": site.absolute_url("/admin/account#app-passwords"),
                },
            },
        },
        "routes": all,
        "site_logo": logo,
        "site_icon": 0,
        "site_icon_url": "",
        "_links": {
            "help": [{ "href": site.absolute_url("/api/v1/docs") }],
        },
    });
    Ok(json_response(StatusCode::OK, &body))
}

/// `GET /wp-json/wp/v2`: the namespace's routes.
pub(crate) async fn namespace(State(state): State<Arc<AppState>>) -> Result<Response, WpError> {
    let site = site(&state).await?;
    let body = json!({
        "namespace": "wp/v2",
        "routes": routes(&site),
        "_links": { "up": [{ "href": site.absolute_url("/wp-json/") }] },
    });
    Ok(json_response(StatusCode::OK, &body))
}

/// The post types, as `types` shows them.
fn types(site: &Site) -> Map<String, Value> {
    let one = |slug: &str,
               name: &str,
               description: &str,
               base: &str,
               taxonomies: Value,
               hierarchical: bool| {
        json!({
            "description": description,
            "hierarchical": hierarchical,
            "has_archive": false,
            "name": name,
            "slug": slug,
            "icon": Value::Null,
            "taxonomies": taxonomies,
            "rest_base": base,
            "rest_namespace": "wp/v2",
            "_links": {
                "collection": link(route_url(site, "types")),
                "wp:items": link(route_url(site, base)),
                "curies": super::respond::curies(),
            },
        })
    };
    let mut out = Map::new();
    out.insert(
        "post".to_owned(),
        one(
            "post",
            "Posts",
            "",
            "posts",
            json!(["category", "post_tag"]),
            false,
        ),
    );
    out.insert(
        "page".to_owned(),
        one("page", "Pages", "", "pages", json!([]), true),
    );
    out.insert(
        "attachment".to_owned(),
        one("attachment", "Media", "", "media", json!([]), false),
    );
    out
}

/// `GET /wp/v2/types`.
pub(crate) async fn list_types(State(state): State<Arc<AppState>>) -> Result<Response, WpError> {
    let site = site(&state).await?;
    Ok(json_response(StatusCode::OK, &Value::Object(types(&site))))
}

/// `GET /wp/v2/types/{type}`.
pub(crate) async fn get_type(
    State(state): State<Arc<AppState>>,
    Path(name): Path<String>,
) -> Result<Response, WpError> {
    let site = site(&state).await?;
    let found = types(&site)
        .remove(&name)
        .ok_or_else(|| WpError::missing("rest_type_invalid", "Invalid post type."))?;
    Ok(json_response(StatusCode::OK, &found))
}

fn taxonomies(site: &Site) -> Map<String, Value> {
    let one = |slug: &str, name: &str, base: &str, hierarchical: bool| {
        json!({
            "name": name,
            "slug": slug,
            "description": "",
            "types": ["post"],
            "hierarchical": hierarchical,
            "rest_base": base,
            "rest_namespace": "wp/v2",
            "_links": {
                "collection": link(route_url(site, "taxonomies")),
                "wp:items": link(route_url(site, base)),
                "curies": super::respond::curies(),
            },
        })
    };
    let mut out = Map::new();
    out.insert(
        "category".to_owned(),
        one("category", "Categories", "categories", true),
    );
    out.insert(
        "post_tag".to_owned(),
        one("post_tag", "Tags", "tags", false),
    );
    out
}

/// `GET /wp/v2/taxonomies` (`?type=post`: those of posts; others have none).
pub(crate) async fn list_taxonomies(
    State(state): State<Arc<AppState>>,
    RawQuery(raw): RawQuery,
) -> Result<Response, WpError> {
    let site = site(&state).await?;
    let q = Query::parse(raw.as_deref());
    let mut all = taxonomies(&site);
    if q.one("type").is_some_and(|t| t != "post") {
        all.clear();
    }
    Ok(json_response(StatusCode::OK, &Value::Object(all)))
}

/// `GET /wp/v2/taxonomies/{taxonomy}`.
pub(crate) async fn get_taxonomy(
    State(state): State<Arc<AppState>>,
    Path(name): Path<String>,
) -> Result<Response, WpError> {
    let site = site(&state).await?;
    let found = taxonomies(&site)
        .remove(&name)
        .ok_or_else(|| WpError::missing("rest_taxonomy_invalid", "Invalid taxonomy."))?;
    Ok(json_response(StatusCode::OK, &found))
}

fn statuses(site: &Site) -> Map<String, Value> {
    let mut out = Map::new();
    out.insert(
        "publish".to_owned(),
        json!({
            "name": "Published",
            "public": true,
            "queryable": true,
            "slug": "publish",
            "date_floating": false,
            "_links": { "archives": link(route_url(site, "posts")) },
        }),
    );
    out
}

/// `GET /wp/v2/statuses`: what anyone may list.
pub(crate) async fn list_statuses(State(state): State<Arc<AppState>>) -> Result<Response, WpError> {
    let site = site(&state).await?;
    Ok(json_response(
        StatusCode::OK,
        &Value::Object(statuses(&site)),
    ))
}

/// `GET /wp/v2/statuses/{status}`.
pub(crate) async fn get_status(
    State(state): State<Arc<AppState>>,
    Path(name): Path<String>,
) -> Result<Response, WpError> {
    let site = site(&state).await?;
    match statuses(&site).remove(&name) {
        Some(found) => Ok(json_response(StatusCode::OK, &found)),
        None if ["future", "draft", "pending", "private", "trash"].contains(&name.as_str()) => Err(
            WpError::unauthorized("rest_cannot_read_status", "Cannot view status."),
        ),
        None => Err(WpError::missing("rest_status_invalid", "Invalid status.")),
    }
}

/// `GET /wp/v2/search`: published articles matching the words, best
/// first, as the site's search finds them.
pub(crate) async fn search(
    State(state): State<Arc<AppState>>,
    Asked { q, ask, site, .. }: Asked,
) -> Result<Response, WpError> {
    let paging = q.paging()?;
    let kind = q.choice("type", &["post", "term", "post-format"], "post")?;
    let path = "/wp-json/wp/v2/search";
    if kind != "post"
        || q.list("subtype")
            .is_some_and(|s| !s.iter().any(|t| t == "post" || t == "any"))
    {
        return Ok(collection(&site, path, &q, paging, 0, Vec::new()));
    }
    let ranked: Vec<i64> = match q.search()? {
        Some(words) => {
            let engine = state.search.clone();
            tokio::task::spawn_blocking(move || engine.matching(&words, 1_000))
                .await
                .map_err(WpError::internal)??
        }
        None => {
            state
                .store
                .published_ids(&PublishedQuery::default())
                .await?
        }
    };
    let total = ranked.len() as u64;
    check_page(paging, total, "rest_search_invalid_page_number")?;
    let page: Vec<i64> = ranked
        .into_iter()
        .skip(usize::try_from(paging.skip).unwrap_or(usize::MAX))
        .take(paging.per_page as usize)
        .collect();
    let mut articles = state
        .store
        .published_articles(&PublishedQuery {
            among: Some(page.clone()),
            limit: paging.per_page,
            ..PublishedQuery::default()
        })
        .await?
        .articles;
    articles.sort_by_key(|a| page.iter().position(|i| *i == a.id));
    let wp = Outward::of(state.store.as_ref(), Kind::Post, &page).await?;
    let mut fetched = Fetched::default();
    let mut items = Vec::new();
    for a in &articles {
        let id = wp.get(a.id);
        let item = json!({
            "id": id,
            "title": minijinja::HtmlEscape(a.title.as_str()).to_string(),
            "url": site.absolute_url(&a.path(&site)),
            "type": "post",
            "subtype": "post",
            "_links": {
                "self": [{ "embeddable": true, "href": route_url(&site, &format!("posts/{id}")) }],
                "about": link(route_url(&site, "types/post")),
                "collection": link(route_url(&site, "search")),
            },
        });
        items.push(
            ask.finish(
                &state,
                item,
                &["id", "title", "url", "type", "subtype"],
                &mut fetched,
            )
            .await,
        );
    }
    Ok(collection(&site, path, &q, paging, total, items))
}
