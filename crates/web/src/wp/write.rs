//! Writing posts through WordPress's API: what a client sends, laid over
//! the admin's editor form and saved by `service::saving`, exactly as the
//! admin and `/api/v1/` save — the same roles, checks and refusals. HTML
//! content becomes Kiosque's Markdown through the importer's converter.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::Response;
use chrono::{DateTime, Utc};
use kiosque_core::model::{Article, Site};
use kiosque_core::service::editorial::{EditorForm, can_delete, can_edit};
use kiosque_core::service::saving::{self, Refused};
use kiosque_core::types::{ArticleStatus, Permission};
use serde_json::{Map, Value, json};

use super::auth::WpCaller;
use super::error::WpError;
use super::ids::{self, Kind};
use super::posts::{Known, post, site};
use super::query::Query;
use super::respond::{Ask, Fetched, json_response, route_url};
use crate::AppState;

/// A request's body as WordPress reads one: JSON, or a form.
pub(crate) fn fields(headers: &HeaderMap, body: &Bytes) -> Result<Map<String, Value>, WpError> {
    let kind = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_ascii_lowercase();
    if body.is_empty() {
        return Ok(Map::new());
    }
    if kind.starts_with("application/x-www-form-urlencoded") {
        let mut out = Map::new();
        for (k, v) in url::form_urlencoded::parse(body) {
            let (name, listed) = match k.strip_suffix("[]") {
                Some(name) => (name.to_owned(), true),
                None => (k.into_owned(), false),
            };
            if listed {
                let entry = out.entry(name).or_insert_with(|| Value::Array(Vec::new()));
                if let Value::Array(items) = entry {
                    items.push(Value::String(v.into_owned()));
                }
            } else {
                out.insert(name, Value::String(v.into_owned()));
            }
        }
        return Ok(out);
    }
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(map)) => Ok(map),
        _ => Err(WpError::new(
            StatusCode::BAD_REQUEST,
            "rest_invalid_json",
            "Invalid JSON body passed.",
        )),
    }
}

/// Whether a deletion is asked `force`d, in the query or the body (where
/// clients such as wpapi put it).
pub(crate) fn forced(
    raw: Option<&str>,
    headers: &HeaderMap,
    body: &Bytes,
) -> Result<bool, WpError> {
    if Query::parse(raw).flag("force")? == Some(true) {
        return Ok(true);
    }
    Ok(match fields(headers, body)?.get("force") {
        Some(Value::Bool(b)) => *b,
        Some(Value::String(s)) => s == "true" || s == "1",
        _ => false,
    })
}

/// A text field sent as a string or as `{"raw": …}`.
fn text(fields: &Map<String, Value>, name: &str) -> Option<String> {
    match fields.get(name)? {
        Value::String(s) => Some(s.clone()),
        Value::Object(o) => o.get("raw").and_then(Value::as_str).map(str::to_owned),
        _ => None,
    }
}

/// A list of ids sent as an array, a number or `1,2`.
fn id_list(fields: &Map<String, Value>, name: &str) -> Result<Option<Vec<i64>>, WpError> {
    let Some(value) = fields.get(name) else {
        return Ok(None);
    };
    let bad = || WpError::invalid_param(name, format!("{name}[0] is not of type integer."));
    let one = |v: &Value| match v {
        Value::Number(n) => n.as_i64().ok_or_else(bad),
        Value::String(s) => s.trim().parse().map_err(|_| bad()),
        _ => Err(bad()),
    };
    match value {
        Value::Array(items) => items.iter().map(one).collect::<Result<_, _>>().map(Some),
        Value::String(s) if s.contains(',') => s
            .split(',')
            .filter(|s| !s.trim().is_empty())
            .map(|s| s.trim().parse().map_err(|_| bad()))
            .collect::<Result<_, _>>()
            .map(Some),
        Value::String(s) if s.trim().is_empty() => Ok(Some(Vec::new())),
        other => one(other).map(|n| Some(vec![n])),
    }
}

/// A Kiosque state for a WordPress status.
fn status(raw: &str) -> Result<ArticleStatus, WpError> {
    match raw {
        "publish" => Ok(ArticleStatus::Published),
        "draft" => Ok(ArticleStatus::Draft),
        "pending" => Ok(ArticleStatus::Pending),
        "future" => Ok(ArticleStatus::Scheduled),
        _ => Err(WpError::invalid_param(
            "status",
            "status is not one of publish, future, draft, pending.",
        )),
    }
}

/// The names of terms sent by WordPress id (the editor's form names them).
async fn term_names(
    state: &AppState,
    kind: Kind,
    wp: &[i64],
    param: &str,
) -> Result<Vec<String>, WpError> {
    let locals = ids::inward_all(state.store.as_ref(), kind, wp).await?;
    if locals.len() != wp.len() {
        return Err(WpError::invalid_param(param, "Invalid term ID."));
    }
    let all = match kind {
        Kind::Category => state
            .store
            .categories()
            .await?
            .into_iter()
            .map(|c| (c.id, c.name))
            .collect::<Vec<_>>(),
        _ => state
            .store
            .terms(kiosque_core::model::TermKind::Tag)
            .await?
            .into_iter()
            .map(|t| (t.id, t.name))
            .collect(),
    };
    Ok(locals
        .iter()
        .filter_map(|l| all.iter().find(|(id, _)| id == l).map(|(_, n)| n.clone()))
        .collect())
}

/// Lays what was sent over the editor's form.
async fn onto(
    state: &AppState,
    site: &Site,
    fields: &Map<String, Value>,
    form: &mut EditorForm,
) -> Result<(), WpError> {
    if let Some(title) = text(fields, "title") {
        form.title = kiosque_transfer::content::plain_text(&title);
    }
    if let Some(content) = text(fields, "content") {
        form.body =
            kiosque_transfer::content::wordpress_to_markdown(&content, &|_: &str| None).markdown;
    }
    if let Some(excerpt) = text(fields, "excerpt") {
        form.excerpt = kiosque_transfer::content::plain_text(&excerpt);
    }
    if let Some(slug) = fields.get("slug").and_then(Value::as_str) {
        form.slug = slug.to_owned();
    }
    if let Some(raw) = fields.get("status").and_then(Value::as_str) {
        form.status = status(raw)?.as_str().to_owned();
    }
    let date = match (
        fields.get("date_gmt").and_then(Value::as_str),
        fields.get("date").and_then(Value::as_str),
    ) {
        (Some(gmt), _) => Some(
            DateTime::parse_from_rfc3339(gmt)
                .map(|t| t.with_timezone(&Utc))
                .ok()
                .or_else(|| {
                    chrono::NaiveDateTime::parse_from_str(gmt.trim(), "%Y-%m-%dT%H:%M:%S")
                        .ok()
                        .map(|t| t.and_utc())
                })
                .ok_or_else(|| WpError::invalid_param("date_gmt", "Invalid date."))?,
        ),
        (None, Some(local)) => Some(
            DateTime::parse_from_rfc3339(local)
                .map(|t| t.with_timezone(&Utc))
                .ok()
                .or_else(|| site.parse_local_time(local))
                .ok_or_else(|| WpError::invalid_param("date", "Invalid date."))?,
        ),
        (None, None) => None,
    };
    if let Some(at) = date {
        form.published_at = site.local(at).format("%Y-%m-%dT%H:%M:%S").to_string();
    }
    if let Some(wp) = id_list(fields, "categories")? {
        let names = term_names(state, Kind::Category, &wp, "categories").await?;
        form.category = names.first().cloned().unwrap_or_default();
        form.sections = names.iter().skip(1).cloned().collect::<Vec<_>>().join(", ");
    }
    if let Some(wp) = id_list(fields, "tags")? {
        form.tags = term_names(state, Kind::Tag, &wp, "tags").await?.join(", ");
    }
    if let Some(wp) = id_list(fields, "author")?.and_then(|a| a.first().copied()) {
        let local = ids::inward(state.store.as_ref(), Kind::Author, wp)
            .await?
            .ok_or_else(|| WpError::invalid_param("author", "Invalid user ID."))?;
        let author = state
            .store
            .authors()
            .await?
            .into_iter()
            .find(|a| a.id == local)
            .ok_or_else(|| WpError::invalid_param("author", "Invalid user ID."))?;
        form.author = author.name;
    }
    Ok(())
}

/// A refused save in WordPress's words.
fn refusal(refused: Refused) -> WpError {
    match refused {
        Refused::NotAllowed => WpError::new(
            StatusCode::FORBIDDEN,
            "rest_cannot_publish",
            "Sorry, you are not allowed to publish posts as this user, or to put this post in that state.",
        ),
        Refused::Invalid(fields) => {
            let first = fields.first().map(|f| (f.field, f.code));
            match first {
                Some((field, code)) => WpError::invalid_param(field, code),
                None => WpError::invalid_param("post", "invalid"),
            }
        }
        Refused::Stale => WpError::new(
            StatusCode::CONFLICT,
            "rest_post_stale",
            "The post was saved by someone else meanwhile: nothing was changed.",
        ),
        Refused::SlugTaken => WpError::new(
            StatusCode::CONFLICT,
            "rest_post_slug_taken",
            "Another post has this slug.",
        ),
    }
}

/// The saved article as WordPress answers a write (the `edit` context).
async fn answer(
    state: &Arc<AppState>,
    site: &Site,
    article: &Article,
    status: StatusCode,
) -> Result<Response, WpError> {
    let known = Known::of(state, std::slice::from_ref(article)).await?;
    let item = post(site, article, &known, true);
    let id = item["id"].as_i64().unwrap_or(article.id);
    let ask = Ask::edit();
    let item = ask.finish(state, item, &[], &mut Fetched::default()).await;
    let mut response = json_response(status, &item);
    if status == StatusCode::CREATED
        && let Ok(v) = HeaderValue::from_str(&route_url(site, &format!("posts/{id}")))
    {
        response.headers_mut().insert(header::LOCATION, v);
    }
    Ok(response)
}

/// `POST /wp/v2/posts`.
pub(crate) async fn create_post(
    State(state): State<Arc<AppState>>,
    caller: WpCaller,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, WpError> {
    let user = caller
        .may(
            Permission::WriteDrafts,
            "rest_cannot_create",
            "Sorry, you are not allowed to create posts as this user.",
        )?
        .clone();
    let site = site(&state).await?;
    let sent = fields(&headers, &body)?;
    let mut form = EditorForm {
        status: ArticleStatus::Draft.as_str().to_owned(),
        ..EditorForm::default()
    };
    onto(&state, &site, &sent, &mut form).await?;
    let saved = saving::create(state.store.as_ref(), &user, &site, &form, Utc::now())
        .await?
        .map_err(refusal)?;
    let article = state
        .store
        .article(saved.article_id)
        .await?
        .ok_or_else(|| WpError::internal("a saved article vanished"))?;
    answer(&state, &site, &article, StatusCode::CREATED).await
}

/// The article a WordPress id names, if `user` may edit it.
async fn editable(
    state: &AppState,
    user: &kiosque_core::model::User,
    wp: &str,
) -> Result<Article, WpError> {
    let missing = || WpError::missing("rest_post_invalid_id", "Invalid post ID.");
    let wp: i64 = wp.parse().map_err(|_| WpError::no_route())?;
    let local = ids::inward(state.store.as_ref(), Kind::Post, wp)
        .await?
        .ok_or_else(missing)?;
    let article = state.store.article(local).await?.ok_or_else(missing)?;
    if !can_edit(user, &article) {
        return Err(WpError::new(
            StatusCode::FORBIDDEN,
            "rest_cannot_edit",
            "Sorry, you are not allowed to edit this post.",
        ));
    }
    Ok(article)
}

/// `POST`, `PUT` or `PATCH /wp/v2/posts/{id}`: only the fields sent change.
pub(crate) async fn update_post(
    State(state): State<Arc<AppState>>,
    caller: WpCaller,
    headers: HeaderMap,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Response, WpError> {
    let user = caller
        .may(
            Permission::WriteDrafts,
            "rest_cannot_edit",
            "Sorry, you are not allowed to edit this post.",
        )?
        .clone();
    let site = site(&state).await?;
    let article = editable(&state, &user, &id).await?;
    let sent = fields(&headers, &body)?;
    let mut form = EditorForm::from_article(&article, &site);
    onto(&state, &site, &sent, &mut form).await?;
    form.version = article.version;
    saving::update(
        state.store.as_ref(),
        &user,
        &site,
        &article,
        &form,
        Utc::now(),
    )
    .await?
    .map_err(refusal)?;
    let saved = state
        .store
        .article(article.id)
        .await?
        .ok_or_else(|| WpError::internal("a saved article vanished"))?;
    answer(&state, &site, &saved, StatusCode::OK).await
}

/// `DELETE /wp/v2/posts/{id}?force=true`: deleted for good (Kiosque has
/// no bin; without `force`, WordPress's answer for such types).
pub(crate) async fn delete_post(
    State(state): State<Arc<AppState>>,
    caller: WpCaller,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, WpError> {
    let user = caller
        .may(
            Permission::WriteDrafts,
            "rest_cannot_delete",
            "Sorry, you are not allowed to delete this post.",
        )?
        .clone();
    let site = site(&state).await?;
    let article = editable(&state, &user, &id).await?;
    if !can_delete(&user, &article) {
        return Err(WpError::new(
            StatusCode::FORBIDDEN,
            "rest_cannot_delete",
            "Sorry, you are not allowed to delete this post.",
        ));
    }
    if !forced(raw.as_deref(), &headers, &body)? {
        return Err(WpError::new(
            StatusCode::NOT_IMPLEMENTED,
            "rest_trash_not_supported",
            "The post does not support trashing. Set 'force' to true to delete.",
        ));
    }
    let known = Known::of(&state, std::slice::from_ref(&article)).await?;
    let previous = post(&site, &article, &known, true);
    state.store.delete_article(article.id).await?;
    tracing::info!(
        user = user.id,
        article = article.id,
        "article deleted through WordPress's API"
    );
    Ok(json_response(
        StatusCode::OK,
        &json!({ "deleted": true, "previous": previous }),
    ))
}
