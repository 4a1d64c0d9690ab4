//! `/wp/v2/categories` (sections, with their parents) and `/wp/v2/tags`,
//! filtered and paged in memory: a site has hundreds of them, read in
//! one query each.

use std::sync::Arc;

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use kiosque_core::model::{Site, TermKind};
use serde_json::{Value, json};

use super::error::WpError;
use super::ids::{self, Kind, Outward};
use super::respond::{
    Asked, Fetched, WpId, check_page, collection, curies, json_response, link, route_url,
};
use crate::AppState;

/// The fields of the `embed` context.
const TERM_EMBED: &[&str] = &["id", "link", "name", "slug", "taxonomy"];

/// A term as the API shows it.
struct Term {
    id: i64,
    slug: String,
    name: String,
    count: u64,
    parent: Option<i64>,
}

/// Which of the two taxonomies.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Taxonomy {
    Category,
    Tag,
}

impl Taxonomy {
    fn kind(self) -> Kind {
        match self {
            Taxonomy::Category => Kind::Category,
            Taxonomy::Tag => Kind::Tag,
        }
    }

    fn route(self) -> &'static str {
        match self {
            Taxonomy::Category => "categories",
            Taxonomy::Tag => "tags",
        }
    }

    fn name(self) -> &'static str {
        match self {
            Taxonomy::Category => "category",
            Taxonomy::Tag => "post_tag",
        }
    }

    fn page_path(self, slug: &str) -> String {
        match self {
            Taxonomy::Category => format!("/category/{slug}/"),
            Taxonomy::Tag => format!("/tag/{slug}/"),
        }
    }
}

/// Every term of a taxonomy, with WordPress ids (parents too).
async fn all(state: &AppState, taxonomy: Taxonomy) -> Result<Vec<Term>, WpError> {
    let store = state.store.as_ref();
    let (usage, parents) = match taxonomy {
        Taxonomy::Category => (
            store.published_terms(TermKind::Category).await?,
            store.section_tree().await?,
        ),
        Taxonomy::Tag => (store.published_terms(TermKind::Tag).await?, Vec::new()),
    };
    let locals: Vec<i64> = usage.iter().map(|t| t.id).collect();
    let wp = Outward::of(store, taxonomy.kind(), &locals).await?;
    Ok(usage
        .into_iter()
        .map(|t| {
            let parent = parents
                .iter()
                .find(|(c, _)| c.id == t.id)
                .and_then(|(_, p)| *p)
                .map(|p| wp.get(p));
            Term {
                id: wp.get(t.id),
                slug: t.slug.as_str().to_owned(),
                name: t.name,
                count: t.articles,
                parent,
            }
        })
        .collect())
}

fn term(site: &Site, taxonomy: Taxonomy, t: &Term) -> Value {
    let route = taxonomy.route();
    let mut item = json!({
        "id": t.id,
        "count": t.count,
        "description": "",
        "link": site.absolute_url(&taxonomy.page_path(&t.slug)),
        "name": minijinja::HtmlEscape(&t.name).to_string(),
        "slug": t.slug,
        "taxonomy": taxonomy.name(),
    });
    let mut links = json!({
        "self": link(route_url(site, &format!("{route}/{}", t.id))),
        "collection": link(route_url(site, route)),
        "about": link(route_url(site, &format!("taxonomies/{}", taxonomy.name()))),
        "wp:post_type": link(route_url(site, &format!("posts?{route}={}", t.id))),
        "curies": curies(),
    });
    if taxonomy == Taxonomy::Category {
        item["parent"] = json!(t.parent.unwrap_or(0));
        if let Some(parent) = t.parent {
            links["up"] = json!([{ "embeddable": true, "href": route_url(site, &format!("categories/{parent}")) }]);
        }
    }
    item["meta"] = json!({});
    item["_links"] = links;
    item
}

async fn list(state: Arc<AppState>, asked: Asked, taxonomy: Taxonomy) -> Result<Response, WpError> {
    let Asked { q, ask, site, .. } = asked;
    let paging = q.paging()?;
    let order = q.choice("order", &["asc", "desc"], "asc")?;
    let orderby = q.choice(
        "orderby",
        &[
            "id",
            "include",
            "name",
            "slug",
            "include_slugs",
            "term_group",
            "description",
            "count",
        ],
        "name",
    )?;
    let include = q.ids("include")?;
    let exclude = q.ids("exclude")?.unwrap_or_default();
    let slugs = q.list("slug");
    let search = q.search()?.map(|s| s.to_lowercase());
    let hide_empty = q.flag("hide_empty")?.unwrap_or(false);
    let parents = if taxonomy == Taxonomy::Category {
        q.ids("parent")?
    } else {
        None
    };
    // `post`: the terms of one published article.
    let of_post: Option<Vec<i64>> = match q.ids("post")?.and_then(|p| p.first().copied()) {
        None => None,
        Some(wp) => {
            let store = state.store.as_ref();
            let article = match ids::inward(store, Kind::Post, wp).await? {
                Some(local) => store
                    .article(local)
                    .await?
                    .filter(|a| a.status == kiosque_core::types::ArticleStatus::Published),
                None => None,
            };
            let locals: Vec<i64> = match (&article, taxonomy) {
                (None, _) => Vec::new(),
                (Some(a), Taxonomy::Category) => a
                    .category
                    .iter()
                    .chain(a.sections.iter())
                    .map(|c| c.id)
                    .collect(),
                (Some(a), Taxonomy::Tag) => a.tags.iter().map(|t| t.id).collect(),
            };
            let wp = Outward::of(store, taxonomy.kind(), &locals).await?;
            Some(locals.iter().map(|l| wp.get(*l)).collect())
        }
    };
    let terms = all(&state, taxonomy).await?;
    let mut chosen: Vec<&Term> = terms
        .iter()
        .filter(|t| include.as_ref().is_none_or(|i| i.contains(&t.id)))
        .filter(|t| !exclude.contains(&t.id))
        .filter(|t| slugs.as_ref().is_none_or(|s| s.contains(&t.slug)))
        .filter(|t| {
            search
                .as_ref()
                .is_none_or(|s| t.name.to_lowercase().contains(s) || t.slug.contains(s))
        })
        .filter(|t| !hide_empty || t.count > 0)
        .filter(|t| {
            parents
                .as_ref()
                .is_none_or(|p| p.contains(&t.parent.unwrap_or(0)))
        })
        .filter(|t| of_post.as_ref().is_none_or(|p| p.contains(&t.id)))
        .collect();
    match orderby {
        "id" => chosen.sort_by_key(|t| t.id),
        "slug" => chosen.sort_by(|a, b| a.slug.cmp(&b.slug)),
        "count" => chosen.sort_by_key(|t| (t.count, t.id)),
        "include" => {
            let order = include.clone().unwrap_or_default();
            chosen.sort_by_key(|t| order.iter().position(|i| *i == t.id));
        }
        "include_slugs" => {
            let order = slugs.clone().unwrap_or_default();
            chosen.sort_by_key(|t| order.iter().position(|s| *s == t.slug));
        }
        _ => chosen.sort_by_key(|t| t.name.to_lowercase()),
    }
    if order == "desc" {
        chosen.reverse();
    }
    let total = chosen.len() as u64;
    check_page(paging, total, "rest_term_invalid_page_number")?;
    let mut fetched = Fetched::default();
    let mut items = Vec::new();
    for t in chosen
        .into_iter()
        .skip(usize::try_from(paging.skip).unwrap_or(usize::MAX))
        .take(paging.per_page as usize)
    {
        items.push(
            ask.finish(&state, term(&site, taxonomy, t), TERM_EMBED, &mut fetched)
                .await,
        );
    }
    let path = format!("/wp-json/wp/v2/{}", taxonomy.route());
    Ok(collection(&site, &path, &q, paging, total, items))
}

async fn one(
    state: Arc<AppState>,
    wp: i64,
    asked: Asked,
    taxonomy: Taxonomy,
) -> Result<Response, WpError> {
    let Asked { ask, site, .. } = asked;
    let terms = all(&state, taxonomy).await?;
    let found = terms
        .iter()
        .find(|t| t.id == wp)
        .ok_or_else(|| WpError::missing("rest_term_invalid", "Term does not exist."))?;
    let item = ask
        .finish(
            &state,
            term(&site, taxonomy, found),
            TERM_EMBED,
            &mut Fetched::default(),
        )
        .await;
    Ok(json_response(StatusCode::OK, &item))
}

/// `GET /wp/v2/categories`.
pub(crate) async fn list_categories(
    State(state): State<Arc<AppState>>,
    asked: Asked,
) -> Result<Response, WpError> {
    list(state, asked, Taxonomy::Category).await
}

/// `GET /wp/v2/categories/{id}`.
pub(crate) async fn get_category(
    State(state): State<Arc<AppState>>,
    WpId(wp): WpId,
    asked: Asked,
) -> Result<Response, WpError> {
    one(state, wp, asked, Taxonomy::Category).await
}

/// `GET /wp/v2/tags`.
pub(crate) async fn list_tags(
    State(state): State<Arc<AppState>>,
    asked: Asked,
) -> Result<Response, WpError> {
    list(state, asked, Taxonomy::Tag).await
}

/// `GET /wp/v2/tags/{id}`.
pub(crate) async fn get_tag(
    State(state): State<Arc<AppState>>,
    WpId(wp): WpId,
    asked: Asked,
) -> Result<Response, WpError> {
    one(state, wp, asked, Taxonomy::Tag).await
}
