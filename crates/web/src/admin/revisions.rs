//! Every save of an article is kept: list them, compare one with the
//! current text, restore one (which is itself a new save, so nothing is
//! ever lost by restoring).

use std::sync::Arc;

use axum::extract::{Path, Query, State};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum_extra::extract::Form;
use chrono::Utc;
use kiosque_core::model::Revision;
use minijinja::context;
use serde::{Deserialize, Serialize};
use similar::{ChangeTag, TextDiff};

use super::editor::editable;
use super::{Newsroom, admin_context};
use crate::{AppState, WebError};

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct RevisionQuery {
    compare: Option<i64>,
}

#[derive(Serialize)]
struct RevisionView {
    version: i64,
    current: bool,
    saved_text: String,
    saved_iso: String,
    saved_by: Option<String>,
}

#[derive(Serialize)]
struct LineView {
    kind: &'static str,
    text: String,
}

#[derive(Serialize)]
struct DiffView {
    version: i64,
    heading: String,
    title_changed: bool,
    old_title: String,
    new_title: String,
    lines: Vec<LineView>,
}

/// Line by line: what the old version had that the current one lacks, and
/// the reverse. Unchanged lines are kept for context.
fn diff(old: &Revision, current: &Revision, heading: String) -> DiffView {
    let text = TextDiff::from_lines(&old.body_markdown, &current.body_markdown);
    let changed = text.ratio() < 1.0;
    let lines = if changed {
        text.iter_all_changes()
            .map(|c| LineView {
                kind: match c.tag() {
                    ChangeTag::Delete => "delete",
                    ChangeTag::Insert => "insert",
                    ChangeTag::Equal => "equal",
                },
                text: c.value().trim_end_matches('\n').to_owned(),
            })
            .collect()
    } else {
        Vec::new()
    };
    DiffView {
        version: old.version,
        heading,
        title_changed: old.title != current.title,
        old_title: old.title.clone(),
        new_title: current.title.clone(),
        lines,
    }
}

pub(crate) async fn list(
    State(state): State<Arc<AppState>>,
    newsroom: Newsroom,
    Path(id): Path<i64>,
    Query(query): Query<RevisionQuery>,
) -> Result<Response, WebError> {
    let article = editable(&state, &newsroom, id).await?;
    let strings = state.strings(newsroom.site.language);
    let revisions = state.store.revisions(id).await?;
    let current = revisions.first().ok_or(WebError::NotFound)?;
    let diff = match query.compare {
        Some(v) => {
            let old = revisions
                .iter()
                .find(|r| r.version == v)
                .ok_or(WebError::NotFound)?;
            let heading = strings
                .text("admin.diff_heading")
                .replace("{old}", &v.to_string())
                .replace("{new}", &current.version.to_string());
            Some(diff(old, current, heading))
        }
        None => None,
    };
    let views: Vec<RevisionView> = revisions
        .iter()
        .map(|r| RevisionView {
            version: r.version,
            current: r.version == current.version,
            saved_text: strings.datetime(newsroom.site.local(r.saved_at)),
            saved_iso: r.saved_at.to_rfc3339(),
            saved_by: r.saved_by_name.clone(),
        })
        .collect();
    let title = strings.text("admin.revisions");
    let ctx = context! {
        diff,
        revisions => views,
        article_id => id,
        title => article.title.as_str(),
        ..admin_context(&state, &newsroom.site, Some(&newsroom), &title, "articles", None)
    };
    Ok(Html(state.templates.render("admin/revisions.html", ctx)?).into_response())
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct RestoreForm {
    csrf: String,
}

pub(crate) async fn restore(
    State(state): State<Arc<AppState>>,
    newsroom: Newsroom,
    Path((id, version)): Path<(i64, i64)>,
    Form(form): Form<RestoreForm>,
) -> Result<Response, WebError> {
    newsroom.check_csrf(&form.csrf)?;
    let article = editable(&state, &newsroom, id).await?;
    let saved = kiosque_core::service::saving::restore(
        state.store.as_ref(),
        &newsroom.user,
        &newsroom.site,
        &article,
        version,
        Utc::now(),
    )
    .await?
    .ok_or(WebError::NotFound)?;
    if let Err(refused) = saved {
        // The editor shows why when the writer saves; here the old text
        // itself no longer passes (a rule added since), or a save raced.
        tracing::warn!(id, version, ?refused, "revision not restored");
        return Err(WebError::NotAllowed);
    }
    Ok(Redirect::to(&format!("/admin/articles/{id}/edit?restored=1")).into_response())
}
