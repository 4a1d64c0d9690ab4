//! `/wp/v2/pages`: the site's pages as WordPress draws them, filtered and
//! paged in memory (a site has tens of them).

use std::sync::Arc;

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use kiosque_core::model::{Site, StaticPage};
use serde_json::{Value, json};

use super::error::WpError;
use super::ids::{self, Kind, Outward};
use super::posts::rendered_text;
use super::respond::{
    Asked, Fetched, WpId, check_page, collection, curies, gmt_time, json_response, link,
    local_time, route_url,
};
use crate::AppState;

/// A page of the site as WordPress draws one.
pub(crate) fn page(site: &Site, p: &StaticPage, id: i64) -> Value {
    let address = site.absolute_url(&format!("/{}/", p.slug));
    json!({
        "id": id,
        "date": local_time(site, p.updated_at),
        "date_gmt": gmt_time(p.updated_at),
        "guid": {"rendered": address},
        "modified": local_time(site, p.updated_at),
        "modified_gmt": gmt_time(p.updated_at),
        "slug": p.slug.as_str(),
        "status": "publish",
        "type": "page",
        "link": address,
        "title": rendered_text(&p.title),
        "content": {
            "rendered": kiosque_core::markup::component::fallbacks_only(&p.body_html),
            "protected": false,
        },
        "excerpt": {"rendered": "", "protected": false},
        "author": 0,
        "featured_media": 0,
        "parent": 0,
        "menu_order": p.position,
        "comment_status": "closed",
        "ping_status": "closed",
        "template": "",
        "meta": {"footnotes": ""},
        "_links": {
            "self": link(route_url(site, &format!("pages/{id}"))),
            "collection": link(route_url(site, "pages")),
            "about": link(route_url(site, "types/page")),
            "curies": curies(),
        },
    })
}

/// The fields of a page in the `embed` context.
const PAGE_EMBED: &[&str] = &[
    "id",
    "date",
    "slug",
    "type",
    "link",
    "title",
    "excerpt",
    "author",
    "featured_media",
];

/// `GET /wp/v2/pages`: the site's pages, filtered and paged in memory
/// (a site has tens of them).
pub(crate) async fn list_pages(
    State(state): State<Arc<AppState>>,
    Asked {
        q,
        ask,
        site,
        caller: _,
    }: Asked,
) -> Result<Response, WpError> {
    let paging = q.paging()?;
    let order = q.choice("order", &["asc", "desc"], "desc")?;
    let orderby = q.choice(
        "orderby",
        &[
            "author",
            "date",
            "id",
            "include",
            "modified",
            "parent",
            "relevance",
            "slug",
            "include_slugs",
            "title",
            "menu_order",
        ],
        "date",
    )?;
    if let Some(statuses) = q.list("status")
        && statuses.iter().any(|s| s != "publish")
    {
        return Err(WpError::new(
            StatusCode::UNAUTHORIZED,
            "rest_forbidden_status",
            "Status is forbidden.",
        ));
    }
    let store = state.store.as_ref();
    let pages = store.pages().await?;
    let local_ids: Vec<i64> = pages.iter().map(|p| p.id).collect();
    let wp_ids = Outward::of(store, Kind::Page, &local_ids).await?;
    let include = q.ids("include")?;
    let exclude = q.ids("exclude")?.unwrap_or_default();
    let slugs = q.list("slug");
    let search = q.search()?.map(|s| s.to_lowercase());
    let parents = q.ids("parent")?;
    let mut chosen: Vec<(&StaticPage, i64)> = pages
        .iter()
        .map(|p| (p, wp_ids.get(p.id)))
        .filter(|(_, id)| include.as_ref().is_none_or(|i| i.contains(id)))
        .filter(|(_, id)| !exclude.contains(id))
        .filter(|(p, _)| {
            slugs
                .as_ref()
                .is_none_or(|s| s.iter().any(|s| s == p.slug.as_str()))
        })
        .filter(|(p, _)| {
            search.as_ref().is_none_or(|s| {
                p.title.to_lowercase().contains(s) || p.body_markdown.to_lowercase().contains(s)
            })
        })
        .filter(|_| parents.as_ref().is_none_or(|p| p.contains(&0)))
        .collect();
    match orderby {
        "id" => chosen.sort_by_key(|(_, id)| *id),
        "title" => chosen.sort_by(|a, b| a.0.title.cmp(&b.0.title)),
        "slug" => chosen.sort_by(|a, b| a.0.slug.as_str().cmp(b.0.slug.as_str())),
        "menu_order" => chosen.sort_by_key(|(p, _)| p.position),
        "include" => {
            let order = include.clone().unwrap_or_default();
            chosen.sort_by_key(|(_, id)| order.iter().position(|i| i == id));
        }
        _ => chosen.sort_by_key(|(p, id)| (p.updated_at, *id)),
    }
    if order == "desc" && orderby != "include" {
        chosen.reverse();
    }
    let total = chosen.len() as u64;
    check_page(paging, total, "rest_post_invalid_page_number")?;
    let mut fetched = Fetched::default();
    let mut items = Vec::new();
    for (p, id) in chosen
        .into_iter()
        .skip(usize::try_from(paging.skip).unwrap_or(usize::MAX))
        .take(paging.per_page as usize)
    {
        items.push(
            ask.finish(&state, page(&site, p, id), PAGE_EMBED, &mut fetched)
                .await,
        );
    }
    Ok(collection(
        &site,
        "/wp-json/wp/v2/pages",
        &q,
        paging,
        total,
        items,
    ))
}

/// `GET /wp/v2/pages/{id}`.
pub(crate) async fn get_page(
    State(state): State<Arc<AppState>>,
    WpId(wp): WpId,
    Asked {
        ask,
        site,
        caller: _,
        ..
    }: Asked,
) -> Result<Response, WpError> {
    let missing = || WpError::missing("rest_post_invalid_id", "Invalid post ID.");
    let local = ids::inward(state.store.as_ref(), Kind::Page, wp)
        .await?
        .ok_or_else(missing)?;
    let found = state.store.page(local).await?.ok_or_else(missing)?;
    let item = ask
        .finish(
            &state,
            page(&site, &found, wp),
            PAGE_EMBED,
            &mut Fetched::default(),
        )
        .await;
    Ok(json_response(StatusCode::OK, &item))
}
