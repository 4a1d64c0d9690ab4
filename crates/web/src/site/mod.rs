//! The public site: what readers see and the one thing they post (comments).

pub(crate) mod article;
mod body;
mod feeds;
mod files;
mod lists;
mod metadata;
pub(crate) mod most_read;
mod pages;
pub(crate) mod redirects;
mod search;
mod sitemaps;

use std::sync::Arc;

use axum::Router;
use axum::routing::{get, post};
use kiosque_core::model::Site;
use kiosque_core::types::Slug;

use crate::{AppState, WebError};

pub(crate) fn routes() -> Router<Arc<AppState>> {
    Router::new()
        .route("/", get(lists::home))
        .route("/page/{n}/", get(lists::home_page))
        .route("/category/{slug}/", get(lists::category))
        .route("/category/{slug}/page/{n}/", get(lists::category_page))
        .route("/tag/{slug}/", get(lists::tag))
        .route("/tag/{slug}/page/{n}/", get(lists::tag_page))
        .route("/tag/{slug}/feed/", get(feeds::tag_rss))
        .route("/tag/{slug}/feed/atom/", get(feeds::tag_atom))
        .route("/author/{slug}/", get(lists::author))
        .route("/author/{slug}/page/{n}/", get(lists::author_page))
        // Date archives and articles share the top-level shapes (an article
        // may be at /slug/, /section/slug/ or /2024/11/slug/): the handlers
        // tell them apart. Parameter names match across routes, as the
        // router requires.
        .route("/{a}/", get(article::at_one))
        .route("/{a}/page/{n}/", get(lists::year_page))
        .route("/{a}/{b}/", get(article::at_two))
        .route("/{a}/{b}/page/{n}/", get(lists::month_page))
        .route("/{a}/{b}/{c}/", get(article::at_three))
        .route("/{a}/comments", post(article::post_comment))
        .route("/{a}/{b}/comments", post(article::post_comment))
        .route("/{a}/{b}/{c}/comments", post(article::post_comment))
        .route("/feed/", get(feeds::site_rss))
        .route("/feed/atom/", get(feeds::site_atom))
        .route("/category/{slug}/feed/", get(feeds::category_rss))
        .route("/category/{slug}/feed/atom/", get(feeds::category_atom))
        .route("/author/{slug}/feed/", get(feeds::author_rss))
        .route("/author/{slug}/feed/atom/", get(feeds::author_atom))
        .route("/search", get(search::search))
        .route("/robots.txt", get(sitemaps::robots))
        .route("/sitemap.xml", get(sitemaps::index))
        .route("/sitemaps/{file}", get(sitemaps::sitemap))
        .route("/media/{file}", get(files::media))
        .route("/assets/{file}", get(files::asset))
        .route("/favicon.ico", get(files::favicon))
        .fallback(|| async { WebError::NotFound })
}

/// A 301 to `path`: the status search engines and WordPress use for a page
/// that has moved for good (axum's `Redirect::permanent` is a 308).
pub(crate) fn moved_permanently(path: &str) -> axum::response::Response {
    use axum::response::IntoResponse;
    (
        axum::http::StatusCode::MOVED_PERMANENTLY,
        [(axum::http::header::LOCATION, path.to_owned())],
    )
        .into_response()
}

/// The site's settings; before `kiosque init` every page is a 404. Kept
/// by the page cache between changes, as every page needs it.
pub(crate) async fn load_site(state: &AppState) -> Result<Arc<Site>, WebError> {
    if let Some(site) = state.held_site.get() {
        return Ok(site.clone());
    }
    let Some(cache) = state.cache.as_ref() else {
        return Ok(Arc::new(read_site(state).await?));
    };
    if let Some(site) = cache.site() {
        return Ok(site);
    }
    let ticket = cache.ticket();
    let site = Arc::new(read_site(state).await?);
    cache.keep_site(site.clone(), ticket);
    Ok(site)
}

/// The site's settings as the database has them now.
pub(crate) async fn read_site(state: &AppState) -> Result<Site, WebError> {
    state.reader().site().await?.ok_or(WebError::NotFound)
}

/// A slug from a URL; anything malformed is simply not found.
fn slug(raw: &str) -> Result<Slug, WebError> {
    Slug::parse(raw).map_err(|_| WebError::NotFound)
}

/// The sections a reader can open: those holding a published article and
/// the sections above them (whose pages list their sub-sections'
/// articles). A section made by a saved draft is not one of them.
pub(crate) async fn public_sections(
    state: &AppState,
) -> Result<Vec<kiosque_core::model::Category>, WebError> {
    let tree = state.reader().section_tree().await?;
    let parent_of: std::collections::HashMap<i64, Option<i64>> =
        tree.iter().map(|(c, parent)| (c.id, *parent)).collect();
    let mut open = std::collections::HashSet::new();
    for used in state
        .reader()
        .published_terms(kiosque_core::model::TermKind::Category)
        .await?
        .into_iter()
        .filter(|t| t.articles > 0)
    {
        // Up the tree until a section already open (its ancestors are).
        let mut at = Some(used.id);
        while let Some(id) = at
            && open.insert(id)
        {
            at = parent_of.get(&id).copied().flatten();
        }
    }
    Ok(tree
        .into_iter()
        .filter_map(|(c, _)| open.contains(&c.id).then_some(c))
        .collect())
}

/// The bylines with a published article: the authors whose pages exist.
pub(crate) async fn public_authors(
    state: &AppState,
) -> Result<Vec<kiosque_core::model::Author>, WebError> {
    let mut shown = Vec::new();
    for author in state.reader().authors().await? {
        let page = state
            .reader()
            .list_articles(
                kiosque_core::model::ArticleFilter::Author(author.id),
                kiosque_core::model::PageRequest {
                    number: 1,
                    per_page: 1,
                },
            )
            .await?;
        if page.total > 0 {
            shown.push(author);
        }
    }
    Ok(shown)
}
