//! `/wp/v2/users`: the site's bylines, as WordPress shows authors to
//! anyone — a name, a page, a few lines about them; never an e-mail, a
//! login or a role (accounts are not listed here at all).

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use kiosque_core::model::{Author, AuthorProfile, Site};
use serde_json::{Value, json};

use super::error::WpError;
use super::ids::{Kind, Outward};
use super::respond::{Asked, Fetched, check_page, collection, json_response, link, route_url};
use crate::AppState;

/// The fields of the `embed` context.
const USER_EMBED: &[&str] = &[
    "id",
    "name",
    "url",
    "description",
    "link",
    "slug",
    "avatar_urls",
];

fn user(site: &Site, a: &Author, profile: &AuthorProfile, id: i64) -> Value {
    let mut item = json!({
        "id": id,
        "name": a.name,
        "url": profile.links.first().map(|l| l.as_str()).unwrap_or(""),
        "description": profile.bio,
        "link": site.absolute_url(&format!("/author/{}/", a.slug)),
        "slug": a.slug.as_str(),
    });
    // The portrait's copies stand in for WordPress's avatars (never a
    // third party's address).
    if let Some(photo) = &profile.photo {
        let file = |w: u32| {
            let name = if photo.variants.contains(&w) {
                kiosque_media::variant_name(photo.stem(), w, "jpg")
            } else {
                photo.file_name.clone()
            };
            site.absolute_url(&format!("/media/{name}"))
        };
        let smallest = photo.variants.iter().min().copied().unwrap_or(0);
        item["avatar_urls"] = json!({
            "24": file(smallest),
            "48": file(smallest),
            "96": file(smallest),
        });
    }
    item["meta"] = json!({});
    item["_links"] = json!({
        "self": link(route_url(site, &format!("users/{id}"))),
        "collection": link(route_url(site, "users")),
    });
    item
}

/// `GET /wp/v2/users`: bylines, by name.
pub(crate) async fn list_users(
    State(state): State<Arc<AppState>>,
    Asked {
        q,
        ask,
        site,
        caller: _,
    }: Asked,
) -> Result<Response, WpError> {
    let paging = q.paging()?;
    let order = q.choice("order", &["asc", "desc"], "asc")?;
    let orderby = q.choice(
        "orderby",
        &[
            "id",
            "include",
            "name",
            "registered_date",
            "slug",
            "include_slugs",
            "email",
            "url",
        ],
        "name",
    )?;
    if orderby == "email" || orderby == "registered_date" {
        return Err(WpError::new(
            StatusCode::UNAUTHORIZED,
            "rest_forbidden_orderby",
            "Sorry, you are not allowed to order users by this parameter.",
        ));
    }
    if q.has("roles") || q.has("capabilities") {
        return Err(WpError::new(
            StatusCode::UNAUTHORIZED,
            "rest_user_cannot_view",
            "Sorry, you are not allowed to filter users by role.",
        ));
    }
    let store = state.store.as_ref();
    let authors = store.authors().await?;
    let locals: Vec<i64> = authors.iter().map(|a| a.id).collect();
    let wp = Outward::of(store, Kind::Author, &locals).await?;
    let include = q.ids("include")?;
    let exclude = q.ids("exclude")?.unwrap_or_default();
    let slugs = q.list("slug");
    let search = q.search()?.map(|s| s.to_lowercase());
    let mut chosen: Vec<(&Author, i64)> = authors
        .iter()
        .map(|a| (a, wp.get(a.id)))
        .filter(|(_, id)| include.as_ref().is_none_or(|i| i.contains(id)))
        .filter(|(_, id)| !exclude.contains(id))
        .filter(|(a, _)| {
            slugs
                .as_ref()
                .is_none_or(|s| s.iter().any(|s| s == a.slug.as_str()))
        })
        .filter(|(a, _)| {
            search
                .as_ref()
                .is_none_or(|s| a.name.to_lowercase().contains(s) || a.slug.as_str().contains(s))
        })
        .collect();
    match orderby {
        "id" => chosen.sort_by_key(|(_, id)| *id),
        "slug" => chosen.sort_by(|a, b| a.0.slug.as_str().cmp(b.0.slug.as_str())),
        "include" => {
            let order = include.clone().unwrap_or_default();
            chosen.sort_by_key(|(_, id)| order.iter().position(|i| i == id));
        }
        _ => chosen.sort_by_key(|(a, _)| a.name.to_lowercase()),
    }
    if order == "desc" {
        chosen.reverse();
    }
    let total = chosen.len() as u64;
    check_page(paging, total, "rest_user_invalid_page_number")?;
    let mut fetched = Fetched::default();
    let mut items = Vec::new();
    for (a, id) in chosen
        .into_iter()
        .skip(usize::try_from(paging.skip).unwrap_or(usize::MAX))
        .take(paging.per_page as usize)
    {
        let profile = store.author_profile(a.id).await?;
        items.push(
            ask.finish(
                &state,
                user(&site, a, &profile, id),
                USER_EMBED,
                &mut fetched,
            )
            .await,
        );
    }
    Ok(collection(
        &site,
        "/wp-json/wp/v2/users",
        &q,
        paging,
        total,
        items,
    ))
}

/// `GET /wp/v2/users/{id}`.
pub(crate) async fn get_user(
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
    Asked {
        ask, site, caller, ..
    }: Asked,
) -> Result<Response, WpError> {
    let store = state.store.as_ref();
    let missing = || WpError::missing("rest_user_invalid_id", "Invalid user ID.");
    let author = if id == "me" {
        // The signed-in account, as its byline; an account that signs
        // nothing yet is 0, as a WordPress user without posts is not
        // public.
        let user = caller.user.as_ref().ok_or_else(|| {
            WpError::unauthorized("rest_not_logged_in", "You are not currently logged in.")
        })?;
        match store
            .authors()
            .await?
            .into_iter()
            .find(|a| a.name == user.name)
        {
            Some(author) => author,
            None => {
                let slug = kiosque_core::types::Slug::from_text(&user.name)
                    .map(|s| s.as_str().to_owned())
                    .unwrap_or_default();
                let item = json!({
                    "id": 0, "name": user.name, "url": "", "description": "",
                    "link": "", "slug": slug, "meta": {},
                    "_links": { "collection": super::respond::link(route_url(&site, "users")) },
                });
                let item = ask
                    .finish(&state, item, USER_EMBED, &mut Fetched::default())
                    .await;
                return Ok(json_response(StatusCode::OK, &item));
            }
        }
    } else {
        let wp: i64 = id.parse().map_err(|_| WpError::no_route())?;
        let local = super::ids::inward(store, Kind::Author, wp)
            .await?
            .ok_or_else(missing)?;
        store
            .authors()
            .await?
            .into_iter()
            .find(|a| a.id == local)
            .ok_or_else(missing)?
    };
    let wp = Outward::of(store, Kind::Author, &[author.id])
        .await?
        .get(author.id);
    let profile = store.author_profile(author.id).await?;
    let item = ask
        .finish(
            &state,
            user(&site, &author, &profile, wp),
            USER_EMBED,
            &mut Fetched::default(),
        )
        .await;
    Ok(json_response(StatusCode::OK, &item))
}
