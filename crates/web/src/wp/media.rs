//! `/wp/v2/media`: the photos readers can already see (lead photos of
//! published articles, portraits, the logo) — a photo uploaded for a
//! story not yet out stays unlisted — with `media_details.sizes` from the
//! smaller copies.

use std::sync::Arc;

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use kiosque_core::model::{MediaQuery, PublicMedia, Site};
use serde_json::{Map, Value, json};

use super::error::WpError;
use super::ids::{self, Kind, Outward};
use super::respond::{
    Ask, Asked, Fetched, WpId, check_page, collection, gmt_time, json_response, link, local_time,
    route_url,
};
use crate::AppState;

/// The fields of the `embed` context.
const MEDIA_EMBED: &[&str] = &[
    "id",
    "date",
    "slug",
    "type",
    "link",
    "title",
    "author",
    "caption",
    "alt_text",
    "media_type",
    "mime_type",
    "media_details",
    "source_url",
];

/// `sizes` as WordPress names them, from the copies: each width, and
/// `thumbnail`, `medium` and `large` for the nearest ones.
fn sizes(site: &Site, m: &kiosque_core::model::MediaAsset) -> Map<String, Value> {
    let mut out = Map::new();
    let size = |w: u32| {
        let file = kiosque_media::variant_name(m.stem(), w, "jpg");
        let height = (u64::from(m.height) * u64::from(w))
            .checked_div(u64::from(m.width))
            .unwrap_or(0);
        json!({
            "file": file,
            "width": w,
            "height": height,
            "mime_type": "image/jpeg",
            "source_url": site.absolute_url(&format!("/media/{file}")),
        })
    };
    let mut widths = m.variants.clone();
    widths.sort_unstable();
    let at_most = |limit: u32| widths.iter().copied().filter(|w| *w <= limit).max();
    for (name, width) in [
        ("thumbnail", widths.first().copied()),
        ("medium", at_most(640)),
        ("large", at_most(1280)),
    ] {
        if let Some(w) = width {
            out.insert(name.to_owned(), size(w));
        }
    }
    for w in &widths {
        out.insert(format!("w{w}"), size(*w));
    }
    out.insert(
        "full".to_owned(),
        json!({
            "file": m.file_name,
            "width": m.width,
            "height": m.height,
            "mime_type": m.mime,
            "source_url": site.absolute_url(&format!("/media/{}", m.file_name)),
        }),
    );
    out
}

fn media(site: &Site, p: &PublicMedia, id: i64, parent: Option<i64>) -> Value {
    let m = &p.asset;
    let source = site.absolute_url(&format!("/media/{}", m.file_name));
    let title = if m.text.caption.trim().is_empty() {
        m.original_name.clone()
    } else {
        m.text.caption.clone()
    };
    let caption = if m.text.caption.trim().is_empty() {
        String::new()
    } else {
        format!("<p>{}</p>\n", minijinja::HtmlEscape(&m.text.caption))
    };
    let mut links = json!({
        "self": link(route_url(site, &format!("media/{id}"))),
        "collection": link(route_url(site, "media")),
        "about": link(route_url(site, "types/attachment")),
    });
    if let Some(parent) = parent {
        links["up"] = json!([{ "embeddable": true, "post_type": "post", "href": route_url(site, &format!("posts/{parent}")) }]);
    }
    json!({
        "id": id,
        "date": local_time(site, p.uploaded_at),
        "date_gmt": gmt_time(p.uploaded_at),
        "guid": {"rendered": source},
        "modified": local_time(site, p.uploaded_at),
        "modified_gmt": gmt_time(p.uploaded_at),
        "slug": m.stem(),
        // WordPress answers `inherit` here, which its own schema does not
        // list: what readers can see is published.
        "status": "publish",
        "type": "attachment",
        "link": source,
        "title": {"rendered": minijinja::HtmlEscape(&title).to_string()},
        "author": 0,
        "comment_status": "closed",
        "ping_status": "closed",
        "template": "",
        "meta": {},
        "description": {"rendered": caption},
        "caption": {"rendered": caption},
        "alt_text": m.text.alt,
        "media_type": "image",
        "mime_type": m.mime,
        "media_details": {
            "width": m.width,
            "height": m.height,
            "file": m.file_name,
            "filesize": m.byte_size,
            "sizes": sizes(site, m),
            "image_meta": {
                "credit": m.text.credit,
                "caption": m.text.caption,
                "title": "",
            },
        },
        "post": parent,
        "source_url": source,
        "_links": links,
    })
}

/// Draws photos with their WordPress ids and their articles'.
pub(crate) async fn draw(
    state: &Arc<AppState>,
    site: &Site,
    ask: &Ask,
    found: &[PublicMedia],
) -> Result<Vec<Value>, WpError> {
    let store = state.store.as_ref();
    let locals: Vec<i64> = found.iter().map(|p| p.asset.id).collect();
    let articles: Vec<i64> = found.iter().filter_map(|p| p.article).collect();
    let wp = Outward::of(store, Kind::Media, &locals).await?;
    let posts = Outward::of(store, Kind::Post, &articles).await?;
    let mut fetched = Fetched::default();
    let mut items = Vec::with_capacity(found.len());
    for p in found {
        let item = media(site, p, wp.get(p.asset.id), p.article.map(|a| posts.get(a)));
        items.push(ask.finish(state, item, MEDIA_EMBED, &mut fetched).await);
    }
    Ok(items)
}

/// Whether the caller is of the newsroom: it reads any photo of the
/// library (one just uploaded, one for a story not yet out); readers only
/// those they can already see.
fn newsroom(caller: &super::auth::WpCaller) -> bool {
    caller
        .user
        .as_ref()
        .is_some_and(|u| u.role.allows(kiosque_core::types::Permission::UploadMedia))
}

/// `GET /wp/v2/media`.
pub(crate) async fn list_media(
    State(state): State<Arc<AppState>>,
    Asked {
        q,
        ask,
        site,
        caller,
    }: Asked,
) -> Result<Response, WpError> {
    let paging = q.paging()?;
    let order = q.choice("order", &["asc", "desc"], "desc")?;
    q.choice(
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
        ],
        "date",
    )?;
    if let Some(kind) = q.one("media_type")
        && kind != "image"
    {
        return Ok(collection(
            &site,
            "/wp-json/wp/v2/media",
            &q,
            paging,
            0,
            Vec::new(),
        ));
    }
    let store = state.store.as_ref();
    let inward = |kind, name: &'static str| ids::sent(store, &q, kind, name);
    let parents = match q.ids("parent")? {
        None => None,
        Some(wp) => {
            let mut locals = ids::inward_all(store, Kind::Post, &wp).await?;
            if wp.contains(&0) {
                locals.push(0);
            }
            Some(locals)
        }
    };
    let query = MediaQuery {
        include: inward(Kind::Media, "include").await?,
        exclude: inward(Kind::Media, "exclude").await?.unwrap_or_default(),
        parents,
        offset: paging.skip,
        limit: paging.per_page,
        oldest_first: order == "asc",
        // The newsroom lists the whole library, readers what they see.
        whole_library: newsroom(&caller),
    };
    let (found, total) = store.public_media(&query).await?;
    check_page(paging, total, "rest_post_invalid_page_number")?;
    let items = draw(&state, &site, &ask, &found).await?;
    Ok(collection(
        &site,
        "/wp-json/wp/v2/media",
        &q,
        paging,
        total,
        items,
    ))
}

/// `GET /wp/v2/media/{id}`.
pub(crate) async fn get_media(
    State(state): State<Arc<AppState>>,
    WpId(wp): WpId,
    Asked {
        ask, site, caller, ..
    }: Asked,
) -> Result<Response, WpError> {
    let store = state.store.as_ref();
    let missing = || WpError::missing("rest_post_invalid_id", "Invalid post ID.");
    let local = ids::inward(store, Kind::Media, wp)
        .await?
        .ok_or_else(missing)?;
    let (found, _) = store
        .public_media(&MediaQuery {
            include: Some(vec![local]),
            limit: 1,
            whole_library: newsroom(&caller),
            ..MediaQuery::default()
        })
        .await?;
    if found.is_empty() {
        return Err(missing());
    }
    let item = draw(&state, &site, &ask, &found)
        .await?
        .pop()
        .ok_or_else(missing)?;
    Ok(json_response(StatusCode::OK, &item))
}
