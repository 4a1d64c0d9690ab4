//! Old addresses (a WordPress site's permalinks, `/?p=42`, its archives,
//! its attachment pages, its searches) answered with a 301 to where the
//! thing is now.
//!
//! Asked only when nothing here answers (a 404), so a real page always
//! wins and a reader costs one lookup only on a miss; the home address's
//! WordPress queries are asked before the home page answers them.

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::{Method, StatusCode};
use axum::middleware::Next;
use axum::response::Response;
use kiosque_core::model::{RedirectTarget, TermKind, old_address};
use kiosque_core::types::ArticleStatus;

use super::{load_site, moved_permanently};
use crate::AppState;

pub(crate) async fn old_addresses(
    State(state): State<Arc<AppState>>,
    request: Request,
    next: Next,
) -> Response {
    if !matches!(*request.method(), Method::GET | Method::HEAD) {
        return next.run(request).await;
    }
    let path = request.uri().path().to_owned();
    if path == "/" {
        // WordPress's search address, `/?s=words`.
        if let Some(words) = request
            .uri()
            .query()
            .and_then(|q| q.split('&').find_map(|pair| pair.strip_prefix("s=")))
        {
            return moved_permanently(&format!("/search?q={words}"));
        }
        let key = old_address("/", request.uri().query());
        if let Some(to) = resolve(&state, key.as_deref()).await {
            return moved_permanently(&to);
        }
        return next.run(request).await;
    }
    let response = next.run(request).await;
    if response.status() != StatusCode::NOT_FOUND || path.starts_with("/admin") {
        return response;
    }
    match resolve(&state, old_address(&path, None).as_deref()).await {
        Some(to) => moved_permanently(&to),
        None => response,
    }
}

/// Where the old address `key` leads now, if it leads to something public.
async fn resolve(state: &AppState, key: Option<&str>) -> Option<String> {
    let found = state.reader().redirect(key?).await;
    let target = found
        .inspect_err(|e| tracing::warn!(error = %e, "cannot look up an old address"))
        .ok()??;
    let store = state.reader();
    let term = |kind: TermKind, id: i64| async move {
        store
            .terms(kind)
            .await
            .ok()?
            .into_iter()
            .find(|t| t.id == id)
            .map(|t| t.slug)
    };
    Some(match target {
        RedirectTarget::Article(id) => {
            let article = store.article(id).await.ok()??;
            if article.status != ArticleStatus::Published {
                return None;
            }
            article.path(&*load_site(state).await.ok()?)
        }
        RedirectTarget::Page(id) => format!("/{}/", store.page(id).await.ok()??.slug),
        RedirectTarget::Section(id) => {
            format!("/category/{}/", term(TermKind::Category, id).await?)
        }
        RedirectTarget::SectionFeed(id) => {
            format!("/category/{}/feed/", term(TermKind::Category, id).await?)
        }
        RedirectTarget::Tag(id) => format!("/tag/{}/", term(TermKind::Tag, id).await?),
        RedirectTarget::TagFeed(id) => format!("/tag/{}/feed/", term(TermKind::Tag, id).await?),
        RedirectTarget::Author(id) => {
            let authors = store.authors().await.ok()?;
            format!(
                "/author/{}/",
                authors.into_iter().find(|a| a.id == id)?.slug
            )
        }
        RedirectTarget::Media(id) => {
            format!("/media/{}", store.media_asset(id).await.ok()??.file_name)
        }
    })
}
