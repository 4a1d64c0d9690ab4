//! Newsletters on the web side: readers' pages under `/newsletter/`
//! (`public`), and what a send holds and how its mail reads (`compose`).
//! The queue, the schedule and the SMTP conversation live in the binary's
//! worker; the rules in `kiosque_core::service::newsletter`.

use std::sync::Arc;

use axum::Router;
use axum::routing::get;
use kiosque_core::service::newsletter::LinkKey;

use crate::{AppState, WebError};

mod clicks;
pub mod compose;
mod public;

pub(crate) use public::schedule_text;

/// The readers' pages that take the site's cross-site check.
pub(crate) fn routes() -> Router<Arc<AppState>> {
    Router::new()
        .route("/newsletter/", get(public::page).post(public::subscribe))
        .route(
            "/newsletter/confirm/{token}",
            get(public::confirm_page).post(public::confirm),
        )
        .route(
            "/newsletter/preferences/{token}",
            get(public::preferences).post(public::save_preferences),
        )
        .route("/newsletter/c/{send}/{article}", get(clicks::follow))
}

/// The unsubscribe address, outside the cross-site check: a mailbox
/// provider posts to it from its own servers (RFC 8058), and the token in
/// the address is all the authority it needs.
pub(crate) fn one_click() -> Router<Arc<AppState>> {
    Router::new().route(
        "/newsletter/unsubscribe/{token}",
        get(public::unsubscribe_page).post(public::unsubscribe),
    )
}

/// The key links are signed with (read once from the database).
pub async fn link_key(state: &AppState) -> Result<LinkKey, WebError> {
    if let Some(key) = state.newsletter_key.get() {
        return Ok(key.clone());
    }
    let key = LinkKey::new(state.store.newsletter_key().await?);
    let _ = state.newsletter_key.set(key.clone());
    Ok(key)
}
