//! The newsroom's side of the API: what the admin's editor does, with a
//! token, through the same core services (`service::saving`), so the rules
//! (who may publish, what a save checks, what a clash means) are the
//! admin's own. Answers are private to the caller.

use std::sync::Arc;

use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use kiosque_core::model::{Article, ArticleQuery, PageRequest, Site, User};
use kiosque_core::service::editorial::{EditorForm, can_edit, form_line, list_scope};
use kiosque_core::service::saving::{self, Refused, Saved};
use kiosque_core::types::{ArticleStatus, Permission};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::auth::Caller;
use super::body::{Body, Known};
use super::content::{TypeParam, site_of};
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
    fn domain(self) -> ArticleStatus {
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
fn desk_response(site: &Site, a: &Article, status: StatusCode) -> Result<Response, ApiError> {
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

/// A source cited.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct SourceIn {
    #[schema(max_length = 200)]
    name: String,
    /// A web address, if it has one.
    url: Option<String>,
}

/// A further byline.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct ContributorIn {
    #[schema(max_length = 100)]
    name: String,
    /// Their part as the byline shows it ("Photos :"); none for a co-author.
    #[schema(max_length = 60)]
    role: Option<String>,
}

/// What an article is written with. To create: `title` and `body` at
/// least. To change: only the fields sent change.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct ArticleIn {
    #[schema(example = "COP 29 : les promesses")]
    title: Option<String>,
    /// Its URL name; made from the title when not given.
    slug: Option<String>,
    /// The text, in Markdown.
    #[schema(example = "Premier paragraphe.\n\nDeuxième paragraphe.")]
    body: Option<String>,
    /// Summary; made from the body when not given.
    excerpt: Option<String>,
    /// The byline; the token's user when not given.
    author: Option<String>,
    /// The section's name (made if new).
    section: Option<String>,
    /// Further sections' names.
    further_sections: Option<Vec<String>>,
    /// Tag names (made if new).
    tags: Option<Vec<String>>,
    r#type: Option<TypeParam>,
    sources: Option<Vec<SourceIn>>,
    contributors: Option<Vec<ContributorIn>>,
    seo_title: Option<String>,
    seo_description: Option<String>,
    /// A correction or update note to add with this save.
    correction: Option<String>,
    /// The state to save it in; `draft` for a new one when not given.
    status: Option<StatusParam>,
    /// Publication time (RFC 3339): for `scheduled`, when it goes live.
    #[schema(format = DateTime)]
    published_at: Option<String>,
}

impl Known for ArticleIn {
    const FIELDS: &'static [&'static str] = &[
        "title",
        "slug",
        "body",
        "excerpt",
        "author",
        "section",
        "further_sections",
        "tags",
        "type",
        "sources",
        "contributors",
        "seo_title",
        "seo_description",
        "correction",
        "status",
        "published_at",
    ];
}

impl ArticleIn {
    /// Writes what was sent over the editor's form (the form the admin's
    /// checks read), or the fields that cannot be written there.
    fn onto(self, form: &mut EditorForm, site: &Site) -> Result<(), ApiError> {
        let mut refused: Vec<(String, String)> = Vec::new();
        // The form keeps lists as text (commas, lines, `|`): a name that
        // holds one of those would be read as two.
        let plain = |text: &str, separators: &[char]| !text.contains(separators);
        if let Some(v) = self.title {
            form.title = v;
        }
        if let Some(v) = self.slug {
            form.slug = v;
        }
        if let Some(v) = self.body {
            form.body = v;
        }
        if let Some(v) = self.excerpt {
            form.excerpt = v;
        }
        if let Some(v) = self.author {
            form.author = v;
        }
        if let Some(v) = self.section {
            form.category = v;
        }
        for (names, field, target) in [
            (
                self.further_sections,
                "further_sections",
                &mut form.sections,
            ),
            (self.tags, "tags", &mut form.tags),
        ] {
            if let Some(names) = names {
                if names.iter().all(|n| plain(n, &[',', '\n'])) {
                    *target = names.join(", ");
                } else {
                    refused.push((field.into(), "no_commas".into()));
                }
            }
        }
        if let Some(t) = self.r#type {
            form.article_type = kiosque_core::model::ArticleType::from(t)
                .as_str()
                .to_owned();
        }
        if let Some(sources) = self.sources {
            if sources.iter().all(|s| {
                plain(&s.name, &['|', '\n'])
                    && s.url.as_deref().is_none_or(|u| plain(u, &['|', '\n']))
            }) {
                form.sources = sources
                    .iter()
                    .map(|s| form_line(&s.name, s.url.as_deref()))
                    .collect::<Vec<_>>()
                    .join("\n");
            } else {
                refused.push(("sources".into(), "invalid_source".into()));
            }
        }
        if let Some(people) = self.contributors {
            if people.iter().all(|c| {
                plain(&c.name, &['|', '\n']) && c.role.as_deref().is_none_or(|r| plain(r, &['\n']))
            }) {
                form.contributors = people
                    .iter()
                    .map(|c| form_line(&c.name, c.role.as_deref()))
                    .collect::<Vec<_>>()
                    .join("\n");
            } else {
                refused.push(("contributors".into(), "invalid_name".into()));
            }
        }
        if let Some(v) = self.seo_title {
            form.seo_title = v;
        }
        if let Some(v) = self.seo_description {
            form.seo_description = v;
        }
        if let Some(v) = self.correction {
            form.correction = v;
        }
        if let Some(s) = self.status {
            form.status = s.domain().as_str().to_owned();
        }
        if let Some(at) = self.published_at {
            match DateTime::parse_from_rfc3339(&at) {
                // The form reads times on the site's clock.
                Ok(t) => {
                    form.published_at = site
                        .local(t.with_timezone(&Utc))
                        .format("%Y-%m-%dT%H:%M:%S")
                        .to_string();
                }
                Err(_) => refused.push(("published_at".into(), "invalid_date".into())),
            }
        }
        if refused.is_empty() {
            Ok(())
        } else {
            Err(ApiError::fields(
                "validation_failed",
                "Some fields are refused.",
                refused,
            ))
        }
    }
}

/// A refused save as the API says it.
fn refusal(refused: Refused) -> ApiError {
    match refused {
        Refused::NotAllowed => ApiError::forbidden(
            "This user may not write this article, or not put it in that state.",
        ),
        Refused::Invalid(fields) => ApiError::fields(
            "validation_failed",
            "Some fields are refused.",
            fields
                .into_iter()
                .map(|f| (f.field.to_owned(), f.code.to_owned())),
        ),
        Refused::Stale => ApiError::new(
            "precondition_failed",
            "The article was saved since that version: nothing was changed. Read it again.",
        ),
        Refused::SlugTaken => ApiError::fields(
            "conflict",
            "Another article has this address.",
            [("slug".to_owned(), "slug_taken".to_owned())],
        ),
    }
}

/// An article the caller may open in the editor, or 404 (also for one
/// they may not see: its existence is not theirs to learn).
async fn editable(state: &AppState, user: &User, id: i64) -> Result<Article, ApiError> {
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
    let per_page = match p.limit {
        None => 20,
        Some(n) if (1..=100).contains(&n) => n,
        Some(_) => return Err(ApiError::bad_request("`limit` is from 1 to 100.")),
    };
    let number: u32 = match p.cursor.as_deref() {
        None => 1,
        Some(c) => c
            .parse()
            .ok()
            .filter(|n| (1..=999_999).contains(n))
            .ok_or_else(|| ApiError::bad_request("`cursor` is not one this API gave."))?,
    };
    let page = state
        .store
        .articles(
            &ArticleQuery {
                status: p.status.map(StatusParam::domain),
                created_by: list_scope(user),
                ..ArticleQuery::default()
            },
            PageRequest { number, per_page },
        )
        .await?;
    let more = number < page.page_count();
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
            next_cursor: more.then(|| (number + 1).to_string()),
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
fn if_match(headers: &HeaderMap) -> Result<i64, ApiError> {
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

/// One save of an article.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct RevisionOut {
    /// The version this save made.
    version: i64,
    title: String,
    excerpt: String,
    body_markdown: String,
    /// Who saved, if known.
    saved_by: Option<String>,
    saved_at: String,
}

/// Every save of an article, newest first.
#[utoipa::path(
    get,
    path = "/api/v1/newsroom/articles/{id}/revisions",
    tag = "newsroom",
    operation_id = "list_revisions",
    security(("token" = [])),
    params(("id" = i64, Path, description = "The article's id.")),
    responses(
        (status = 200, description = "Its revisions.", body = Vec<RevisionOut>),
        (status = 404, description = "No article this user may open.", body = ErrorBody),
    ),
)]
pub(crate) async fn list_revisions(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    headers: HeaderMap,
    Ids(id): Ids<i64>,
) -> Result<Response, ApiError> {
    let site = site_of(&state).await?;
    let (user, _) = caller.reader()?;
    let article = editable(&state, user, id).await?;
    let revisions: Vec<RevisionOut> = state
        .store
        .revisions(article.id)
        .await?
        .into_iter()
        .map(|r| RevisionOut {
            version: r.version,
            title: r.title,
            excerpt: r.excerpt,
            body_markdown: r.body_markdown,
            saved_by: r.saved_by_name,
            saved_at: time(&site, r.saved_at),
        })
        .collect();
    json(&headers, Audience::Private, &revisions)
}

/// Brings back a revision's text as a new save (with `If-Match`, as any
/// change).
#[utoipa::path(
    post,
    path = "/api/v1/newsroom/articles/{id}/revisions/{version}/restore",
    tag = "newsroom",
    operation_id = "restore_revision",
    security(("token" = [])),
    params(
        ("id" = i64, Path, description = "The article's id."),
        ("version" = i64, Path, description = "The revision's version."),
        ("If-Match" = String, Header, description = "The article's current `ETag`."),
    ),
    responses(
        (status = 200, description = "Restored; the new version is its `ETag`.", body = DeskArticleOut),
        (status = 404, description = "No such article or revision.", body = ErrorBody),
        (status = 412, description = "Saved by someone else since that version.", body = ErrorBody),
            ),
)]
pub(crate) async fn restore_revision(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    headers: HeaderMap,
    Ids((id, version)): Ids<(i64, i64)>,
) -> Result<Response, ApiError> {
    let user = caller.writer(Permission::WriteDrafts)?;
    let site = site_of(&state).await?;
    let article = editable(&state, user, id).await?;
    if if_match(&headers)? != article.version {
        return Err(refusal(Refused::Stale));
    }
    saving::restore(
        state.store.as_ref(),
        user,
        &site,
        &article,
        version,
        Utc::now(),
    )
    .await?
    .ok_or_else(ApiError::not_found)?
    .map_err(refusal)?;
    let saved = editable(&state, user, id).await?;
    desk_response(&site, &saved, StatusCode::OK)
}
