//! `/wp/v2/posts`: articles drawn in WordPress's shape from the same
//! store queries as `/api/v1/articles` (`pages.rs` draws the site's pages).

use std::collections::HashSet;
use std::sync::Arc;

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use kiosque_core::model::{Article, ListSort, PublishedQuery, Site, SortKey};
use kiosque_core::types::ArticleStatus;
use serde_json::{Value, json};

use super::error::WpError;
use super::ids::{self, Kind, Outward};
use super::query::Query;
use super::respond::{
    Asked, Fetched, WpId, check_page, collection, curies, embeddable, gmt_time, json_response,
    link, local_time, route_url,
};
use crate::AppState;
use crate::cache::Topics;

/// The fields of the `embed` context.
const POST_EMBED: &[&str] = &[
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

/// The matches a search considers (the best ones), as `/api/v1/` does.
const SEARCH_MATCHES: usize = 1_000;

/// Orders a post list takes.
const POST_ORDERS: &[&str] = &[
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
];

pub(crate) async fn site(state: &AppState) -> Result<Arc<Site>, WpError> {
    crate::site::load_site(state)
        .await
        .map_err(|_| WpError::no_route())
}

/// `{"rendered": …}` of a plain text.
pub(crate) fn rendered_text(text: &str) -> Value {
    json!({ "rendered": minijinja::HtmlEscape(text).to_string() })
}

/// The ids an article's draw needs, turned outward once per answer.
pub(crate) struct Known {
    posts: Outward,
    authors: Outward,
    media: Outward,
    categories: Outward,
    tags: Outward,
    sticky: HashSet<i64>,
}

impl Known {
    pub(crate) async fn of(state: &AppState, articles: &[Article]) -> Result<Known, WpError> {
        let store = state.store.as_ref();
        let ids: Vec<i64> = articles.iter().map(|a| a.id).collect();
        let authors: Vec<i64> = articles.iter().map(|a| a.author.id).collect();
        let media: Vec<i64> = articles
            .iter()
            .filter_map(|a| a.image.as_ref().map(|i| i.asset.id))
            .collect();
        let categories: Vec<i64> = articles
            .iter()
            .flat_map(|a| a.category.iter().chain(a.sections.iter()).map(|c| c.id))
            .collect();
        let tags: Vec<i64> = articles
            .iter()
            .flat_map(|a| a.tags.iter().map(|t| t.id))
            .collect();
        Ok(Known {
            posts: Outward::of(store, Kind::Post, &ids).await?,
            authors: Outward::of(store, Kind::Author, &authors).await?,
            media: Outward::of(store, Kind::Media, &media).await?,
            categories: Outward::of(store, Kind::Category, &categories).await?,
            tags: Outward::of(store, Kind::Tag, &tags).await?,
            sticky: state.store.front_page().await?.pins.into_iter().collect(),
        })
    }
}

/// WordPress's name for an article's state.
fn wp_status(status: ArticleStatus) -> &'static str {
    match status {
        ArticleStatus::Published => "publish",
        ArticleStatus::Scheduled => "future",
        ArticleStatus::Pending => "pending",
        ArticleStatus::Draft | ArticleStatus::Unpublished => "draft",
    }
}

/// An article as WordPress draws a post: the `view` context, and with
/// `edit` the `.raw` fields of the `edit` context.
pub(crate) fn post(site: &Site, a: &Article, known: &Known, edit: bool) -> Value {
    let id = known.posts.get(a.id);
    let author = known.authors.get(a.author.id);
    let featured = a
        .image
        .as_ref()
        .map(|i| known.media.get(i.asset.id))
        .unwrap_or(0);
    let mut sections: Vec<i64> = Vec::new();
    for c in a.category.iter().chain(a.sections.iter()) {
        let wp = known.categories.get(c.id);
        if !sections.contains(&wp) {
            sections.push(wp);
        }
    }
    let tags: Vec<i64> = a.tags.iter().map(|t| known.tags.get(t.id)).collect();
    let address = site.absolute_url(&a.path(site));
    let open = !kiosque_core::service::comment::comments_closed(
        &site.comments,
        a.published_at,
        chrono::Utc::now(),
    );
    let mut links = json!({
        "self": link(route_url(site, &format!("posts/{id}"))),
        "collection": link(route_url(site, "posts")),
        "about": link(route_url(site, "types/post")),
        "author": embeddable(route_url(site, &format!("users/{author}"))),
        "replies": embeddable(route_url(site, &format!("comments?post={id}"))),
        "wp:attachment": link(route_url(site, &format!("media?parent={id}"))),
        "wp:term": [
            {"taxonomy": "category", "embeddable": true, "href": route_url(site, &format!("categories?post={id}"))},
            {"taxonomy": "post_tag", "embeddable": true, "href": route_url(site, &format!("tags?post={id}"))},
        ],
        "curies": curies(),
    });
    if featured != 0 {
        links["wp:featuredmedia"] = embeddable(route_url(site, &format!("media/{featured}")));
    }
    let mut item = json!({
        "id": id,
        "date": local_time(site, a.published_at),
        "date_gmt": gmt_time(a.published_at),
        "guid": {"rendered": address},
        "modified": local_time(site, a.updated_at),
        "modified_gmt": gmt_time(a.updated_at),
        "slug": a.slug.as_str(),
        "status": wp_status(a.status),
        "type": "post",
        "link": address,
        "title": rendered_text(a.title.as_str()),
        "content": {
            "rendered": kiosque_core::markup::component::fallbacks_only(&a.body_html),
            "protected": false,
        },
        "excerpt": {
            "rendered": format!("<p>{}</p>\n", minijinja::HtmlEscape(&a.excerpt)),
            "protected": false,
        },
        "author": author,
        "featured_media": featured,
        "comment_status": if open { "open" } else { "closed" },
        "ping_status": "closed",
        "sticky": known.sticky.contains(&a.id),
        "template": "",
        "format": "standard",
        "meta": {"footnotes": ""},
        "categories": sections,
        "tags": tags,
        "_links": links,
    });
    if edit {
        // What a client edits and sends back: the text as HTML (sent
        // back, it is made Markdown again by the importer's converter).
        item["title"]["raw"] = json!(a.title.as_str());
        item["content"]["raw"] = item["content"]["rendered"].clone();
        item["excerpt"]["raw"] = json!(a.excerpt);
        item["guid"]["raw"] = item["guid"]["rendered"].clone();
        item["password"] = json!("");
        item["generated_slug"] = json!(a.slug.as_str());
        item["permalink_template"] =
            json!(address.replacen(&format!("/{}/", a.slug), "/%postname%/", 1));
    }
    item
}

/// Filters of the post list, in the store's terms; `None` when one of
/// them names nothing there is.
async fn post_filters(
    state: &AppState,
    site: &Site,
    q: &Query,
    caller: &super::auth::WpCaller,
) -> Result<Option<PublishedQuery>, WpError> {
    let store = state.store.as_ref();
    let mut query = PublishedQuery {
        after: q.time("after", site)?,
        before: q.time("before", site)?,
        ..PublishedQuery::default()
    };
    // Other states than published: for those who may edit, each seeing
    // what the newsroom's list shows them.
    if let Some(statuses) = q.list("status")
        && statuses.iter().any(|s| s != "publish")
    {
        let user = caller.may(
            kiosque_core::types::Permission::WriteDrafts,
            "rest_forbidden_status",
            "Status is forbidden.",
        )?;
        for s in &statuses {
            let states: &[ArticleStatus] = match s.as_str() {
                "publish" => &[ArticleStatus::Published],
                "draft" => &[ArticleStatus::Draft, ArticleStatus::Unpublished],
                "pending" => &[ArticleStatus::Pending],
                "future" => &[ArticleStatus::Scheduled],
                "any" => &ArticleStatus::ALL,
                _ => {
                    return Err(WpError::invalid_param(
                        "status",
                        "status is one of publish, future, draft, pending, any.",
                    ));
                }
            };
            query.statuses.extend_from_slice(states);
        }
        query.created_by = kiosque_core::service::editorial::list_scope(user);
    }
    // WordPress's `after` is exclusive, `before` too.
    if let Some(after) = query.after.as_mut() {
        *after += chrono::Duration::seconds(1);
    }
    let inward = |kind, name: &'static str| ids::sent(store, q, kind, name);
    query.in_sections = inward(Kind::Category, "categories").await?;
    query.not_in_sections = inward(Kind::Category, "categories_exclude")
        .await?
        .unwrap_or_default();
    query.any_tags = inward(Kind::Tag, "tags").await?;
    query.not_tags = inward(Kind::Tag, "tags_exclude").await?.unwrap_or_default();
    query.signed_by = inward(Kind::Author, "author").await?;
    query.not_signed_by = inward(Kind::Author, "author_exclude")
        .await?
        .unwrap_or_default();
    query.among = inward(Kind::Post, "include").await?;
    query.exclude = inward(Kind::Post, "exclude").await?.unwrap_or_default();
    query.slugs = q.list("slug");
    if let Some(sticky) = q.flag("sticky")? {
        let pins: Vec<i64> = store.front_page().await?.pins;
        if sticky {
            query.among = Some(match query.among.take() {
                Some(among) => among.into_iter().filter(|i| pins.contains(i)).collect(),
                None => pins,
            });
        } else {
            query.exclude.extend(pins);
        }
    }
    // A list of parents: posts have none, so only 0 matches them.
    if let Some(parents) = q.ids("parent")?
        && !parents.contains(&0)
    {
        return Ok(None);
    }
    Ok(Some(query))
}

/// `GET /wp/v2/posts`.
pub(crate) async fn list_posts(
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
    let orderby = q.choice("orderby", POST_ORDERS, "date")?;
    let search = q.search()?;
    if orderby == "relevance" && search.is_none() {
        return Err(WpError::invalid_param(
            "orderby",
            "You need to define a search term to order by relevance.",
        ));
    }
    let empty = |paging| collection(&site, "/wp-json/wp/v2/posts", &q, paging, 0, Vec::new());
    let Some(mut query) = post_filters(&state, &site, &q, &caller).await? else {
        return Ok(empty(paging));
    };
    query.sort = ListSort {
        by: match orderby {
            "modified" => SortKey::Modified,
            "id" => SortKey::Id,
            "title" => SortKey::Title,
            "slug" => SortKey::Slug,
            _ => SortKey::Published,
        },
        ascending: order == "asc",
    };
    let mut ranked: Option<Vec<i64>> = None;
    if let Some(words) = search {
        let engine = state.search.clone();
        let matches = tokio::task::spawn_blocking(move || engine.matching(&words, SEARCH_MATCHES))
            .await
            .map_err(WpError::internal)??;
        query.among = Some(match query.among.take() {
            Some(among) => matches
                .iter()
                .copied()
                .filter(|i| among.contains(i))
                .collect(),
            None => matches.clone(),
        });
        if orderby == "relevance" {
            ranked = Some(matches);
        }
    }
    // Orders the store does not keep (a search's relevance, the order of
    // `include` or `slug`) are applied to the matching ids here.
    let given_order: Option<Vec<i64>> = match orderby {
        "relevance" => ranked,
        "include" => query.among.clone(),
        _ => None,
    };
    let (articles, total) = if let Some(order) = given_order {
        let matching: HashSet<i64> = state
            .store
            .published_ids(&query)
            .await?
            .into_iter()
            .collect();
        let ordered: Vec<i64> = order.into_iter().filter(|i| matching.contains(i)).collect();
        let total = ordered.len() as u64;
        let page: Vec<i64> = ordered
            .into_iter()
            .skip(usize::try_from(paging.skip).unwrap_or(usize::MAX))
            .take(paging.per_page as usize)
            .collect();
        (in_order(&state, &page).await?, total)
    } else if orderby == "include_slugs" {
        query.limit = super::query::PER_PAGE_MAX as u32;
        query.offset = 0;
        let mut found = state.store.published_articles(&query).await?.articles;
        let slugs = query.slugs.clone().unwrap_or_default();
        found.sort_by_key(|a| slugs.iter().position(|s| s == a.slug.as_str()));
        let total = found.len() as u64;
        let page = found
            .into_iter()
            .skip(usize::try_from(paging.skip).unwrap_or(usize::MAX))
            .take(paging.per_page as usize)
            .collect();
        (page, total)
    } else {
        query.limit = paging.per_page;
        query.offset = paging.skip;
        let slice = state.store.published_articles(&query).await?;
        (slice.articles, slice.total)
    };
    check_page(paging, total, "rest_post_invalid_page_number")?;
    let edit = ask.context == super::respond::Context::Edit;
    let known = Known::of(&state, &articles).await?;
    let mut fetched = Fetched::default();
    let mut items = Vec::with_capacity(articles.len());
    for a in &articles {
        items.push(
            ask.finish(
                &state,
                post(&site, a, &known, edit),
                POST_EMBED,
                &mut fetched,
            )
            .await,
        );
    }
    let response = collection(&site, "/wp-json/wp/v2/posts", &q, paging, total, items);
    // The bare address is kept in the page cache like the site's lists.
    let mut topics = Topics::new();
    topics.push("all-articles".to_owned());
    topics.push("front".to_owned());
    topics.push("site".to_owned());
    for a in &articles {
        topics.article(a);
    }
    Ok(topics.on(response))
}

/// Published articles by id, in the order given.
async fn in_order(state: &AppState, ids: &[i64]) -> Result<Vec<Article>, WpError> {
    let mut found = state
        .store
        .published_articles(&PublishedQuery {
            among: Some(ids.to_vec()),
            limit: u32::try_from(ids.len()).unwrap_or(u32::MAX),
            ..PublishedQuery::default()
        })
        .await?
        .articles;
    found.sort_by_key(|a| ids.iter().position(|i| *i == a.id));
    Ok(found)
}

/// `GET /wp/v2/posts/{id}`.
pub(crate) async fn get_post(
    State(state): State<Arc<AppState>>,
    WpId(wp): WpId,
    Asked {
        ask, site, caller, ..
    }: Asked,
) -> Result<Response, WpError> {
    let missing = || WpError::missing("rest_post_invalid_id", "Invalid post ID.");
    let local = ids::inward(state.store.as_ref(), Kind::Post, wp)
        .await?
        .ok_or_else(missing)?;
    // Published, or one the caller may edit.
    let article = state
        .store
        .article(local)
        .await?
        .filter(|a| {
            a.status == ArticleStatus::Published
                || caller.user.as_ref().is_some_and(|u| {
                    u.role.allows(kiosque_core::types::Permission::WriteDrafts)
                        && kiosque_core::service::editorial::can_edit(u, a)
                })
        })
        .ok_or_else(missing)?;
    let edit = ask.context == super::respond::Context::Edit;
    let known = Known::of(&state, std::slice::from_ref(&article)).await?;
    let item = ask
        .finish(
            &state,
            post(&site, &article, &known, edit),
            POST_EMBED,
            &mut Fetched::default(),
        )
        .await;
    let mut topics = Topics::new();
    topics.article(&article);
    topics.push("front".to_owned());
    topics.push("site".to_owned());
    Ok(topics.on(json_response(StatusCode::OK, &item)))
}
