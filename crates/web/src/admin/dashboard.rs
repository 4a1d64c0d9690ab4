//! The admin's home: who you are and what awaits you.

use std::sync::Arc;

use axum::extract::State;
use axum::response::{Html, IntoResponse, Response};
use kiosque_core::types::Permission;
use minijinja::context;

use super::{Newsroom, admin_context};
use crate::{AppState, WebError};

pub(crate) async fn show(
    State(state): State<Arc<AppState>>,
    newsroom: Newsroom,
) -> Result<Response, WebError> {
    newsroom.require(Permission::UseAdmin)?;
    let strings = state.strings(newsroom.site.language);
    let role_name = strings.text(&format!("admin.role_{}", newsroom.user.role));
    let ctx = context! {
        role_name,
        ..admin_context(
            &state,
            &newsroom.site,
            Some(&newsroom),
            &strings.text("admin.dashboard"),
            "dashboard",
            None,
        )
    };
    Ok(Html(state.templates.render("admin/dashboard.html", ctx)?).into_response())
}
