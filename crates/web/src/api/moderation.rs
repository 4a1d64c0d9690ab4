//! Reader comments from the newsroom's side: the moderation queue, moving
//! a comment (which teaches the spam filter, as the admin's buttons do),
//! deleting one for good, and replying — through `service::spam`, the
//! admin's own rules.

use std::sync::Arc;

use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::Utc;
use kiosque_core::model::{Comment, Site};
use kiosque_core::service::spam;
use kiosque_core::types::{CommentStatus, Permission};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::auth::Caller;
use super::body::{Body, Known};
use super::content::site_of;
use super::error::{ApiError, ErrorBody};
use super::extract::{Audience, Ids, Params, json};
use super::newsroom::{next_cursor, page_request};
use super::wire::time;
use crate::AppState;

/// A comment's moderation state.
#[derive(Debug, Clone, Copy, Default, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub(crate) enum StateParam {
    #[default]
    Pending,
    Approved,
    Spam,
    Trash,
}

impl StateParam {
    fn domain(self) -> CommentStatus {
        match self {
            StateParam::Pending => CommentStatus::Pending,
            StateParam::Approved => CommentStatus::Approved,
            StateParam::Spam => CommentStatus::Spam,
            StateParam::Trash => CommentStatus::Trash,
        }
    }
}

/// A comment as moderators see it (with the address the reader gave,
/// which readers never see).
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct QueuedOut {
    id: i64,
    article_id: i64,
    article_title: String,
    parent_id: Option<i64>,
    author_name: String,
    /// Private: for moderation only.
    author_email: String,
    author_url: Option<String>,
    body: String,
    status: StateParam,
    created_at: String,
}

/// Which queue.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(default)]
#[into_params(parameter_in = Query)]
pub(crate) struct QueueParams {
    /// The state to list (`pending` if not given).
    #[param(inline)]
    status: Option<StateParam>,
    /// Where to go on: `next_cursor` of the page before.
    #[param(pattern = r"^[0-9]{1,6}$")]
    cursor: Option<String>,
    /// How many (1 to 100; 20 if not given).
    #[param(minimum = 1, maximum = 100)]
    limit: Option<u32>,
}

/// A page of a moderation queue, oldest first: a spam flood stays a list
/// of pages.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct QueueOut {
    items: Vec<QueuedOut>,
    /// How many comments are in this state in all.
    total: u64,
    next_cursor: Option<String>,
}

impl QueuedOut {
    fn new(site: &Site, c: Comment, article_title: String) -> Self {
        QueuedOut {
            id: c.id,
            article_id: c.article_id,
            article_title,
            parent_id: c.parent_id,
            author_name: c.author_name,
            author_email: c.author_email.as_str().to_owned(),
            author_url: c.author_url.map(|u| u.as_str().to_owned()),
            body: c.body,
            status: state_out(c.status),
            created_at: time(site, c.created_at),
        }
    }
}

fn state_out(s: CommentStatus) -> StateParam {
    match s {
        CommentStatus::Pending => StateParam::Pending,
        CommentStatus::Approved => StateParam::Approved,
        CommentStatus::Spam => StateParam::Spam,
        CommentStatus::Trash => StateParam::Trash,
    }
}

/// The comments in one moderation state, oldest first, a page at a time.
#[utoipa::path(
    get,
    path = "/api/v1/newsroom/comments",
    tag = "newsroom",
    operation_id = "list_comment_queue",
    security(("token" = [])),
    params(QueueParams),
    responses(
        (status = 200, description = "A page of the queue.", body = QueueOut),
        (status = 400, description = "A `limit` or `cursor` out of range.", body = ErrorBody),
    ),
)]
pub(crate) async fn list_comment_queue(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    headers: HeaderMap,
    Params(p): Params<QueueParams>,
) -> Result<Response, ApiError> {
    let site = site_of(&state).await?;
    let (user, _) = caller.reader()?;
    if !user.role.allows(Permission::ModerateComments) {
        return Err(ApiError::forbidden("This user does not moderate comments."));
    }
    let status = p.status.unwrap_or_default().domain();
    let page = state
        .store
        .comments_page(status, page_request(p.limit, p.cursor.as_deref())?)
        .await?;
    let next_cursor = next_cursor(&page);
    let out = QueueOut {
        total: page.total,
        items: page
            .items
            .into_iter()
            .map(|m| QueuedOut::new(&site, m.comment, m.article_title))
            .collect(),
        next_cursor,
    };
    json(&headers, Audience::Private, &out)
}

/// Where to move a comment.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct MoveIn {
    status: StateParam,
}

impl Known for MoveIn {
    const FIELDS: &'static [&'static str] = &["status"];
}

/// Moves a comment to another state: approving or marking as spam also
/// teaches the spam filter, as in the admin.
#[utoipa::path(
    post,
    path = "/api/v1/newsroom/comments/{id}/moderate",
    tag = "newsroom",
    operation_id = "moderate_comment",
    security(("token" = [])),
    params(("id" = i64, Path, description = "The comment's id.")),
    request_body(content = MoveIn, content_type = "application/json"),
    responses(
        (status = 204, description = "Moved."),
        (status = 404, description = "No such comment.", body = ErrorBody),
    ),
)]
pub(crate) async fn moderate_comment(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    Ids(id): Ids<i64>,
    body: Body<MoveIn>,
) -> Result<Response, ApiError> {
    let user = caller.writer(Permission::ModerateComments)?;
    spam::moderate(state.store.as_ref(), id, body.value.status.domain()).await?;
    tracing::info!(user = user.id, comment = id, "moderation through the API");
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// Deletes a comment for good; its replies move up to its parent.
#[utoipa::path(
    delete,
    path = "/api/v1/newsroom/comments/{id}",
    tag = "newsroom",
    operation_id = "delete_comment",
    security(("token" = [])),
    params(("id" = i64, Path, description = "The comment's id.")),
    responses(
        (status = 204, description = "Deleted."),
        (status = 404, description = "No such comment.", body = ErrorBody),
    ),
)]
pub(crate) async fn delete_comment(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    Ids(id): Ids<i64>,
) -> Result<Response, ApiError> {
    let user = caller.writer(Permission::ModerateComments)?;
    state
        .store
        .comment(id)
        .await?
        .ok_or_else(ApiError::not_found)?;
    state.store.delete_comment(id).await?;
    tracing::info!(
        user = user.id,
        comment = id,
        "comment deleted through the API"
    );
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// A reply's text.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct ReplyIn {
    /// Plain text, as readers write theirs.
    #[schema(max_length = 5000, example = "Merci, nous avons corrigé le chiffre.")]
    text: String,
}

impl Known for ReplyIn {
    const FIELDS: &'static [&'static str] = &["text"];
}

/// A reply from the newsroom, published at once under the user's name and
/// the site's (the comment answered is approved with it).
#[utoipa::path(
    post,
    path = "/api/v1/newsroom/comments/{id}/replies",
    tag = "newsroom",
    operation_id = "reply_to_comment",
    security(("token" = [])),
    params(("id" = i64, Path, description = "The comment answered.")),
    request_body(content = ReplyIn, content_type = "application/json"),
    responses(
        (status = 201, description = "Published.", body = QueuedOut),
        (status = 404, description = "No such comment.", body = ErrorBody),
    ),
)]
pub(crate) async fn reply_to_comment(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    headers: HeaderMap,
    Ids(id): Ids<i64>,
    body: Body<ReplyIn>,
) -> Result<Response, ApiError> {
    let user = caller.writer(Permission::ModerateComments)?.clone();
    let (_, token) = caller.reader()?;
    let hash = body.hash.clone();
    super::idempotency::once(&state, token.id, &headers, &hash, async {
        let site = site_of(&state).await?;
        let reply = spam::newsroom_reply(
            state.store.as_ref(),
            &user,
            &site.name,
            id,
            &body.value.text,
            Utc::now(),
        )
        .await?;
        let title = state
            .store
            .article(reply.article_id)
            .await?
            .map(|a| a.title.as_str().to_owned())
            .unwrap_or_default();
        let out = QueuedOut::new(&site, reply, title);
        let body = serde_json::to_vec(&out).map_err(ApiError::internal)?;
        Ok((
            StatusCode::CREATED,
            [
                (
                    header::CONTENT_TYPE,
                    HeaderValue::from_static("application/json"),
                ),
                (header::CACHE_CONTROL, HeaderValue::from_static("no-store")),
            ],
            body,
        )
            .into_response())
    })
    .await
}
