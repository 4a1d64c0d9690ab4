//! The admin's home: who you are, what awaits you, and where everything is.

use std::sync::Arc;

use axum::extract::State;
use axum::response::{Html, IntoResponse, Response};
use kiosque_core::model::{ArticleQuery, PageRequest};
use kiosque_core::types::{ArticleStatus, Permission};
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
    let sees_all = newsroom.user.role.allows(Permission::EditOthers);
    // What waits for this person: articles in review for those who publish
    // others' work, their own drafts for everyone else.
    let (status, created_by) = if sees_all {
        (ArticleStatus::Pending, None)
    } else {
        (ArticleStatus::Draft, Some(newsroom.user.id))
    };
    let waiting = state
        .store
        .articles(
            &ArticleQuery {
                status: Some(status),
                created_by,
                ..ArticleQuery::default()
            },
            PageRequest {
                number: 1,
                per_page: 1,
            },
        )
        .await?
        .total;
    let ctx = context! {
        role_name, waiting,
        waiting_status => status.as_str(),
        reviews => sees_all,
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
