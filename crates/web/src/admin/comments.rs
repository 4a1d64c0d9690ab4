//! The moderation queue: pending, approved, spam and trash, with actions on
//! one comment or on a selection.

use std::sync::Arc;

use axum::extract::{Path, Query, State};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum_extra::extract::Form;
use kiosque_core::Error;
use kiosque_core::markup::render_comment;
use kiosque_core::model::PageRequest;
use kiosque_core::service::spam::moderate;
use kiosque_core::types::{CommentStatus, Permission};
use minijinja::context;
use serde::{Deserialize, Serialize};

use super::{Newsroom, admin_context};
use crate::views::pagination_links;
use crate::{AppState, WebError};

/// What a moderator can do to a comment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Action {
    Approve,
    Unapprove,
    Spam,
    NotSpam,
    Trash,
    Restore,
    Delete,
}

impl Action {
    const ALL: [Action; 7] = [
        Action::Approve,
        Action::Unapprove,
        Action::Spam,
        Action::NotSpam,
        Action::Trash,
        Action::Restore,
        Action::Delete,
    ];

    fn name(self) -> &'static str {
        match self {
            Action::Approve => "approve",
            Action::Unapprove => "unapprove",
            Action::Spam => "spam",
            Action::NotSpam => "not_spam",
            Action::Trash => "trash",
            Action::Restore => "restore",
            Action::Delete => "delete",
        }
    }

    fn parse(name: &str) -> Option<Action> {
        Action::ALL.into_iter().find(|a| a.name() == name)
    }

    /// The actions offered in each tab, most common first.
    fn offered(tab: CommentStatus) -> &'static [Action] {
        match tab {
            CommentStatus::Pending => &[Action::Approve, Action::Spam, Action::Trash],
            CommentStatus::Approved => &[Action::Unapprove, Action::Spam, Action::Trash],
            CommentStatus::Spam => &[Action::NotSpam, Action::Delete],
            CommentStatus::Trash => &[Action::Restore, Action::Delete],
        }
    }

    /// The state the comment moves to; `None` deletes it.
    fn target(self) -> Option<CommentStatus> {
        match self {
            Action::Approve => Some(CommentStatus::Approved),
            Action::Unapprove | Action::NotSpam | Action::Restore => Some(CommentStatus::Pending),
            Action::Spam => Some(CommentStatus::Spam),
            Action::Trash => Some(CommentStatus::Trash),
            Action::Delete => None,
        }
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct QueueQuery {
    status: Option<String>,
    page: Option<u32>,
    done: Option<u32>,
    replied: Option<String>,
}

fn tab(raw: Option<&str>) -> Result<CommentStatus, WebError> {
    match raw {
        None | Some("") => Ok(CommentStatus::Pending),
        Some(s) => s.parse().map_err(|_| WebError::NotFound),
    }
}

#[derive(Serialize)]
struct TabView {
    status: &'static str,
    label: String,
    count: u64,
    current: bool,
}

#[derive(Serialize)]
struct ActionView {
    name: &'static str,
    label: String,
}

#[derive(Serialize)]
struct ItemView {
    id: i64,
    author_name: String,
    author_email: String,
    author_url: Option<String>,
    date_text: String,
    date_iso: String,
    body_html: String,
    article_title: String,
    article_path: String,
}

/// Comments a queue page shows: a spam flood stays a list of pages.
const QUEUE_PAGE: u32 = 50;

pub(crate) async fn queue(
    State(state): State<Arc<AppState>>,
    newsroom: Newsroom,
    Query(query): Query<QueueQuery>,
) -> Result<Response, WebError> {
    newsroom.require(Permission::ModerateComments)?;
    let current = tab(query.status.as_deref())?;
    let strings = state.strings(newsroom.site.language);
    let page = state
        .store
        .comments_page(
            current,
            PageRequest {
                number: query.page.unwrap_or(1).max(1),
                per_page: QUEUE_PAGE,
            },
        )
        .await?;
    if page.request.number > page.page_count() {
        return Err(WebError::NotFound);
    }
    let mut tabs = Vec::new();
    for status in CommentStatus::ALL {
        // The open tab's count came with its page.
        let count = if status == current {
            page.total
        } else {
            state.store.count_comments(status).await?
        };
        tabs.push(TabView {
            status: status.as_str(),
            label: strings.text(&format!("admin.status_{}", status.as_str())),
            count,
            current: status == current,
        });
    }
    let pages = pagination_links(&page, |n| {
        format!("/admin/comments?status={}&page={n}", current.as_str())
    });
    let items: Vec<ItemView> = page
        .items
        .into_iter()
        .map(|item| ItemView {
            id: item.comment.id,
            author_name: item.comment.author_name.clone(),
            author_email: item.comment.author_email.as_str().to_owned(),
            author_url: item
                .comment
                .author_url
                .as_ref()
                .map(|u| u.as_str().to_owned()),
            date_text: strings.datetime(newsroom.site.local(item.comment.created_at)),
            date_iso: item.comment.created_at.to_rfc3339(),
            body_html: render_comment(&item.comment.body),
            article_path: item.article_path(&newsroom.site),
            article_title: item.article_title,
        })
        .collect();
    let actions: Vec<ActionView> = Action::offered(current)
        .iter()
        .map(|a| ActionView {
            name: a.name(),
            label: strings.text(&format!("admin.{}", a.name())),
        })
        .collect();
    let flash = query
        .done
        .map(|n| match n {
            0 => strings.text("admin.nothing_selected"),
            1 => strings.text("admin.done_one"),
            n => strings
                .text("admin.done_many")
                .replace("{n}", &n.to_string()),
        })
        .or_else(|| query.replied.map(|_| strings.text("admin.replied")));
    let ctx = context! {
        tabs, items, actions, pages,
        status => current.as_str(),
        ..admin_context(
            &state,
            &newsroom.site,
            Some(&newsroom),
            &strings.text("admin.comments"),
            "comments",
            flash,
        )
    };
    Ok(Html(state.templates.render("admin/comments.html", ctx)?).into_response())
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct ActForm {
    csrf: String,
    status: String,
    action: String,
    ids: Vec<i64>,
    /// `action:id` from a row's own button.
    single: Option<String>,
}

pub(crate) async fn act(
    State(state): State<Arc<AppState>>,
    newsroom: Newsroom,
    Form(form): Form<ActForm>,
) -> Result<Response, WebError> {
    newsroom.check_csrf(&form.csrf)?;
    newsroom.require(Permission::ModerateComments)?;
    let current = tab(Some(&form.status))?;

    let (action, ids) = match form.single.as_deref().and_then(|s| s.split_once(':')) {
        Some((action, id)) => (action, vec![id.parse().map_err(|_| WebError::NotFound)?]),
        None => (form.action.as_str(), form.ids),
    };
    let action = Action::parse(action).ok_or(WebError::NotFound)?;
    let mut done = 0u32;
    for id in ids {
        let result = match action.target() {
            Some(status) => moderate(state.store.as_ref(), id, status).await,
            None => state.store.delete_comment(id).await,
        };
        match result {
            Ok(()) => done += 1,
            // Already deleted by another moderator: nothing left to do.
            Err(Error::NotFound(_)) => {}
            Err(e) => return Err(e.into()),
        }
    }
    tracing::info!(
        user = newsroom.user.id,
        action = action.name(),
        done,
        "moderation"
    );
    Ok(Redirect::to(&format!(
        "/admin/comments?status={}&done={done}",
        current.as_str()
    ))
    .into_response())
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct ReplyForm {
    csrf: String,
    status: String,
    text: String,
}

/// A reply published at once under the newsroom member's name; the comment
/// answered is approved with it (a reply under a hidden comment would read
/// as an answer to nobody).
pub(crate) async fn reply(
    State(state): State<Arc<AppState>>,
    newsroom: Newsroom,
    Path(parent_id): Path<i64>,
    Form(form): Form<ReplyForm>,
) -> Result<Response, WebError> {
    newsroom.check_csrf(&form.csrf)?;
    newsroom.require(Permission::ModerateComments)?;
    let current = tab(Some(&form.status))?;
    let back = format!("/admin/comments?status={}", current.as_str());
    let replied = kiosque_core::service::spam::newsroom_reply(
        state.store.as_ref(),
        &newsroom.user,
        &newsroom.site.name,
        parent_id,
        &form.text,
        chrono::Utc::now(),
    )
    .await;
    let parent = match replied {
        Ok(reply) => reply.parent_id.unwrap_or(parent_id),
        Err(Error::Invalid(_)) => {
            return Ok(Redirect::to(&format!("{back}&done=0")).into_response());
        }
        Err(e) => return Err(e.into()),
    };
    tracing::info!(user = newsroom.user.id, parent, "newsroom reply");
    Ok(Redirect::to(&format!("{back}&replied=1")).into_response())
}
