//! The newsroom's side of the API: what the admin's editor does, with a
//! token, through the same core services (`service::saving`), so the rules
//! (who may publish, what a save checks, what a clash means) are the
//! admin's own. Answers are private to the caller.

use std::sync::Arc;

use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::Utc;
use kiosque_core::model::{Article, ArticleQuery, Page, PageRequest, Site, User};
use kiosque_core::service::editorial::{EditorForm, can_edit, list_scope};
use kiosque_core::service::saving::{self, Refused, Saved};
use kiosque_core::types::{ArticleStatus, Permission};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::article_in::{ArticleIn, refusal};
use super::auth::Caller;
use super::body::Body;
use super::content::site_of;
use super::error::{ApiError, ErrorBody};
use super::extract::{Audience, Ids, Params, json};
use super::idempotency;
use super::wire::{ArticleOut, time};
use crate::AppState;

/// The caller, as the token shows them.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct MeOut {
    id: i64,
    name: String,
    /// `contributor`, `author`, `editor` or `administrator`.
    role: String,
    /// The token in use.
    token: TokenOut,
}

/// A token, never its secret.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct TokenOut {
    id: i64,
    name: String,
    read_only: bool,
    expires_at: Option<String>,
}

/// Who the token acts as.
#[utoipa::path(
    get,
    path = "/api/v1/me",
    tag = "newsroom",
    operation_id = "get_me",
    security(("token" = [])),
    responses((status = 200, description = "The token's user.", body = MeOut)),
)]
pub(crate) async fn get_me(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let site = site_of(&state).await?;
    let (user, token) = caller.reader()?;
    json(
        &headers,
        Audience::Private,
        &MeOut {
            id: user.id,
            name: user.name.clone(),
            role: user.role.as_str().to_owned(),
            token: TokenOut {
                id: token.id,
                name: token.name.clone(),
                read_only: token.read_only,
                expires_at: token.expires_at.map(|t| time(&site, t)),
            },
        },
    )
}

/// An article's state in the newsroom.
#[derive(Debug, Clone, Copy, Deserialize, Serialize, ToSchema, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub(crate) enum StatusParam {
    Draft,
    Pending,
    Scheduled,
    Published,
    Unpublished,
}

impl StatusParam {
    pub(super) fn domain(self) -> ArticleStatus {
        match self {
            StatusParam::Draft => ArticleStatus::Draft,
            StatusParam::Pending => ArticleStatus::Pending,
            StatusParam::Scheduled => ArticleStatus::Scheduled,
            StatusParam::Published => ArticleStatus::Published,
            StatusParam::Unpublished => ArticleStatus::Unpublished,
        }
    }
}

/// An article as the newsroom sees it: what readers see (if published)
/// and its Markdown, state and version.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct DeskArticleOut {
    #[serde(flatten)]
    article: ArticleOut,
    /// The text as written (Markdown).
    body_markdown: String,
    status: StatusParam,
    /// Goes up with every save; send it back as `If-Match` to change it.
    version: i64,
}

fn status_out(s: ArticleStatus) -> StatusParam {
    match s {
        ArticleStatus::Draft => StatusParam::Draft,
        ArticleStatus::Pending => StatusParam::Pending,
        ArticleStatus::Scheduled => StatusParam::Scheduled,
        ArticleStatus::Published => StatusParam::Published,
        ArticleStatus::Unpublished => StatusParam::Unpublished,
    }
}

pub(crate) fn desk(site: &Site, a: &Article) -> DeskArticleOut {
    DeskArticleOut {
        article: ArticleOut::new(site, a),
        body_markdown: a.body_markdown.clone(),
        status: status_out(a.status),
        version: a.version,
    }
}

/// The article's version as an entity tag.
fn version_tag(version: i64) -> String {
    format!("\"{version}\"")
}

/// A newsroom article with its version as its `ETag`.
pub(super) fn desk_response(
    site: &Site,
    a: &Article,
    status: StatusCode,
) -> Result<Response, ApiError> {
    let body = serde_json::to_vec(&desk(site, a)).map_err(ApiError::internal)?;
    let mut response = (
        status,
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        )],
        body,
    )
        .into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-cache"),
    );
    if let Ok(v) = HeaderValue::from_str(&version_tag(a.version)) {
        headers.insert(header::ETAG, v);
    }
    Ok(response)
}

/// An article the caller may open in the editor, or 404 (also for one
/// they may not see: its existence is not theirs to learn).
pub(super) async fn editable(state: &AppState, user: &User, id: i64) -> Result<Article, ApiError> {
    state
        .store
        .article(id)
        .await?
        .filter(|a| can_edit(user, a))
        .ok_or_else(ApiError::not_found)
}

/// The newsroom's list.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(default)]
#[into_params(parameter_in = Query)]
pub(crate) struct DeskListParams {
    /// Only articles in this state.
    #[param(inline)]
    status: Option<StatusParam>,
    /// Where to go on: `next_cursor` of the page before.
    #[param(pattern = r"^[0-9]{1,6}$")]
    cursor: Option<String>,
    /// How many (1 to 100; 20 if not given).
    #[param(minimum = 1, maximum = 100)]
    limit: Option<u32>,
}

/// The page a newsroom list's `limit` (1 to 100; 20 if not given) and
/// `cursor` (the `next_cursor` of the page before) ask for.
pub(crate) fn page_request(
    limit: Option<u32>,
    cursor: Option<&str>,
) -> Result<PageRequest, ApiError> {
    let per_page = match limit {
        None => 20,
        Some(n) if (1..=100).contains(&n) => n,
        Some(_) => return Err(ApiError::bad_request("`limit` is from 1 to 100.")),
    };
    let number: u32 = match cursor {
        None => 1,
        Some(c) => c
            .parse()
            .ok()
            .filter(|n| (1..=999_999).contains(n))
            .ok_or_else(|| ApiError::bad_request("`cursor` is not one this API gave."))?,
    };
    Ok(PageRequest { number, per_page })
}

/// Where a newsroom list goes on after `page`, if anywhere.
pub(crate) fn next_cursor<T>(page: &Page<T>) -> Option<String> {
    (page.request.number < page.page_count()).then(|| (page.request.number + 1).to_string())
}

/// A page of the newsroom's list.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct DeskListOut {
    items: Vec<DeskRowOut>,
    total: u64,
    next_cursor: Option<String>,
}

/// A line of the newsroom's list.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct DeskRowOut {
    id: i64,
    slug: String,
    title: String,
    status: StatusParam,
    author_name: String,
    section_name: Option<String>,
    published_at: String,
    updated_at: String,
}

/// Articles in every state the user works on (all, for editors), last
/// changed first.
#[utoipa::path(
    get,
    path = "/api/v1/newsroom/articles",
    tag = "newsroom",
    operation_id = "list_desk_articles",
    security(("token" = [])),
    params(DeskListParams),
    responses((status = 200, description = "A page of the list.", body = DeskListOut)),
)]
pub(crate) async fn list_desk_articles(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    headers: HeaderMap,
    Params(p): Params<DeskListParams>,
) -> Result<Response, ApiError> {
    let site = site_of(&state).await?;
    let (user, _) = caller.reader()?;
    if !user.role.allows(Permission::WriteDrafts) {
        return Err(ApiError::forbidden("This user has no articles to list."));
    }
    let request = page_request(p.limit, p.cursor.as_deref())?;
    let page = state
        .store
        .articles(
            &ArticleQuery {
                status: p.status.map(StatusParam::domain),
                created_by: list_scope(user),
                ..ArticleQuery::default()
            },
            request,
        )
        .await?;
    json(
        &headers,
        Audience::Private,
        &DeskListOut {
            items: page
                .items
                .iter()
                .map(|r| DeskRowOut {
                    id: r.id,
                    slug: r.slug.as_str().to_owned(),
                    title: r.title.clone(),
                    status: status_out(r.status),
                    author_name: r.author_name.clone(),
                    section_name: r.category_name.clone(),
                    published_at: time(&site, r.published_at),
                    updated_at: time(&site, r.updated_at),
                })
                .collect(),
            total: page.total,
            next_cursor: next_cursor(&page),
        },
    )
}

/// One article in any state, with its Markdown and version (its `ETag`).
#[utoipa::path(
    get,
    path = "/api/v1/newsroom/articles/{id}",
    tag = "newsroom",
    operation_id = "get_desk_article",
    security(("token" = [])),
    params(("id" = i64, Path, description = "The article's id.")),
    responses(
        (status = 200, description = "The article.", body = DeskArticleOut),
        (status = 404, description = "No article this user may open.", body = ErrorBody),
    ),
)]
pub(crate) async fn get_desk_article(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    headers: HeaderMap,
    Ids(id): Ids<i64>,
) -> Result<Response, ApiError> {
    let site = site_of(&state).await?;
    let (user, _) = caller.reader()?;
    let article = editable(&state, user, id).await?;
    let tag = version_tag(article.version);
    if headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == tag))
    {
        let mut r = StatusCode::NOT_MODIFIED.into_response();
        if let Ok(v) = HeaderValue::from_str(&tag) {
            r.headers_mut().insert(header::ETAG, v);
        }
        return Ok(r);
    }
    desk_response(&site, &article, StatusCode::OK)
}

/// Writes an article (a draft unless `status` says otherwise). With an
/// `Idempotency-Key`, a retry gets the first answer instead of a second
/// article.
#[utoipa::path(
    post,
    path = "/api/v1/newsroom/articles",
    tag = "newsroom",
    operation_id = "create_article",
    security(("token" = [])),
    params(
        ("Idempotency-Key" = Option<String>, Header, description = "Any unique string (a UUID): a retried request with the same key and body gets the first answer.", max_length = 255),
    ),
    request_body(content = ArticleIn, content_type = "application/json"),
    responses(
        (status = 201, description = "Made; `Location` is its address in the newsroom API.", body = DeskArticleOut),
        (status = 409, description = "The address is another article's (`fields.slug`), or the `Idempotency-Key` was used for another request.", body = ErrorBody),
        (status = 422, description = "Refused fields, each with why: `title: required`, `status: not_allowed`…", body = ErrorBody),
    ),
)]
pub(crate) async fn create_article(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    headers: HeaderMap,
    body: Body<ArticleIn>,
) -> Result<Response, ApiError> {
    let user = caller.writer(Permission::WriteDrafts)?.clone();
    let (_, token) = caller.reader()?;
    let hash = body.hash.clone();
    idempotency::once(&state, token.id, &headers, &hash, async {
        let site = site_of(&state).await?;
        let mut form = EditorForm {
            status: ArticleStatus::Draft.as_str().to_owned(),
            ..EditorForm::default()
        };
        body.value.onto(&mut form, &site)?;
        let saved: Saved =
            saving::create(state.store.as_ref(), &user, &site, &form, Utc::now()).await?;
        let saved = saved.map_err(refusal)?;
        let article = state
            .store
            .article(saved.article_id)
            .await?
            .ok_or_else(ApiError::not_found)?;
        let mut response = desk_response(&site, &article, StatusCode::CREATED)?;
        if let Ok(v) = HeaderValue::from_str(&format!("/api/v1/newsroom/articles/{}", article.id)) {
            response.headers_mut().insert(header::LOCATION, v);
        }
        Ok(response)
    })
    .await
}

/// The version an `If-Match` names. Without one, 400 (`if_match_required`)
/// rather than HTTP's 428: clients and checkers (schemathesis) take a
/// missing required header as a bad request.
pub(super) fn if_match(headers: &HeaderMap) -> Result<i64, ApiError> {
    let raw = headers
        .get(header::IF_MATCH)
        .ok_or_else(|| {
            ApiError::new(
                "if_match_required",
                "Send `If-Match` with the article's `ETag` (its version).",
            )
        })?
        .to_str()
        .unwrap_or_default()
        .trim();
    raw.trim_start_matches("W/")
        .trim_matches('"')
        .parse()
        .map_err(|_| {
            ApiError::bad_request("`If-Match` must be the article's `ETag`, such as \"3\".")
        })
}

/// Changes the fields sent, if the article is still at the version named
/// by `If-Match`; a stale version gets 412 and nothing changes.
#[utoipa::path(
    patch,
    path = "/api/v1/newsroom/articles/{id}",
    tag = "newsroom",
    operation_id = "update_article",
    security(("token" = [])),
    params(
        ("id" = i64, Path, description = "The article's id."),
        ("If-Match" = String, Header, description = "The `ETag` the article was read with (its version)."),
    ),
    request_body(content = ArticleIn, content_type = "application/json"),
    responses(
        (status = 200, description = "Saved; the new version is its `ETag`.", body = DeskArticleOut),
        (status = 404, description = "No article this user may open.", body = ErrorBody),
        (status = 409, description = "The address is another article's (`fields.slug`).", body = ErrorBody),
        (status = 412, description = "Saved by someone else since that version: nothing was changed.", body = ErrorBody),
            ),
)]
pub(crate) async fn update_article(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    headers: HeaderMap,
    Ids(id): Ids<i64>,
    body: Body<ArticleIn>,
) -> Result<Response, ApiError> {
    let user = caller.writer(Permission::WriteDrafts)?;
    let site = site_of(&state).await?;
    let article = editable(&state, user, id).await?;
    let version = if_match(&headers)?;
    let mut form = EditorForm::from_article(&article, &site);
    body.value.onto(&mut form, &site)?;
    // What was sent is checked before the version it names: a refused
    // body is a 422 whether or not it is also stale.
    if let Err(errors) = form.validate(user, &site, Utc::now()) {
        return Err(refusal(Refused::Invalid(errors)));
    }
    form.version = version;
    saving::update(
        state.store.as_ref(),
        user,
        &site,
        &article,
        &form,
        Utc::now(),
    )
    .await?
    .map_err(refusal)?;
    let saved = editable(&state, user, id).await?;
    desk_response(&site, &saved, StatusCode::OK)
}

/// Deletes an article for good, with its revisions and comments (as the
/// admin's editor does, with the same right). With `If-Match` (its
/// version), an article saved since is not deleted: 412.
#[utoipa::path(
    delete,
    path = "/api/v1/newsroom/articles/{id}",
    tag = "newsroom",
    operation_id = "delete_article",
    security(("token" = [])),
    params(
        ("id" = i64, Path, description = "The article's id."),
        ("If-Match" = Option<String>, Header, description = "The `ETag` the article was read with (its version)."),
    ),
    responses(
        (status = 204, description = "Deleted."),
        (status = 404, description = "No article this user may delete.", body = ErrorBody),
        (status = 412, description = "Saved by someone else since that version: nothing was deleted.", body = ErrorBody),
    ),
)]
pub(crate) async fn delete_article(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    headers: HeaderMap,
    Ids(id): Ids<i64>,
) -> Result<Response, ApiError> {
    let user = caller.writer(Permission::WriteDrafts)?;
    let article = editable(&state, user, id).await?;
    if !kiosque_core::service::editorial::can_delete(user, &article) {
        return Err(ApiError::not_found());
    }
    if headers.contains_key(header::IF_MATCH) && if_match(&headers)? != article.version {
        return Err(ApiError::new(
            "precondition_failed",
            "Saved by someone else since that version: nothing was deleted. Read it again.",
        ));
    }
    state.store.delete_article(id).await?;
    tracing::info!(
        user = user.id,
        article = id,
        "article deleted through the API"
    );
    Ok(StatusCode::NO_CONTENT.into_response())
}
