//! `/wp/v2/comments`: approved comments of published articles only, with
//! the name and web site a reader gave — never their e-mail address.

use std::sync::Arc;

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use kiosque_core::model::{Comment, CommentQuery, Site};
use kiosque_core::types::CommentStatus;
use serde_json::{Value, json};

use super::auth::WpCaller;
use super::error::WpError;
use super::ids::{self, Kind, Outward};
use super::respond::{
    Ask, Asked, Fetched, WpId, check_page, collection, embeddable, gmt_time, json_response, link,
    local_time, route_url,
};
use crate::AppState;

/// The fields of the `embed` context.
const COMMENT_EMBED: &[&str] = &[
    "id",
    "author",
    "author_name",
    "author_url",
    "date",
    "content",
    "link",
    "parent",
    "type",
    "author_avatar_urls",
];

/// The ids a page of comments needs.
struct Known {
    comments: Outward,
    posts: Outward,
}

impl Known {
    async fn of(state: &AppState, comments: &[Comment]) -> Result<Known, WpError> {
        let store = state.store.as_ref();
        let ids: Vec<i64> = comments
            .iter()
            .flat_map(|c| std::iter::once(c.id).chain(c.parent_id))
            .collect();
        let posts: Vec<i64> = comments.iter().map(|c| c.article_id).collect();
        Ok(Known {
            comments: Outward::of(store, Kind::Comment, &ids).await?,
            posts: Outward::of(store, Kind::Post, &posts).await?,
        })
    }
}

async fn draw(
    state: &Arc<AppState>,
    site: &Site,
    ask: &Ask,
    comments: &[Comment],
) -> Result<Vec<Value>, WpError> {
    let known = Known::of(state, comments).await?;
    // The articles' addresses, for each comment's link.
    let mut addresses = std::collections::HashMap::new();
    for c in comments {
        if let std::collections::hash_map::Entry::Vacant(slot) = addresses.entry(c.article_id)
            && let Some(a) = state.store.article(c.article_id).await?
        {
            slot.insert(site.absolute_url(&a.path(site)));
        }
    }
    let mut fetched = Fetched::default();
    let mut items = Vec::with_capacity(comments.len());
    for c in comments {
        let id = known.comments.get(c.id);
        let post = known.posts.get(c.article_id);
        let address = addresses.get(&c.article_id).cloned().unwrap_or_default();
        let mut links = json!({
            "self": link(route_url(site, &format!("comments/{id}"))),
            "collection": link(route_url(site, "comments")),
            "up": [{ "embeddable": true, "post_type": "post", "href": route_url(site, &format!("posts/{post}")) }],
        });
        if let Some(parent) = c.parent_id {
            links["in-reply-to"] = embeddable(route_url(
                site,
                &format!("comments/{}", known.comments.get(parent)),
            ));
        }
        // The text as readers see it under the article: escaped, with its
        // paragraphs.
        let content = kiosque_core::markup::render_comment(&c.body);
        let item = json!({
            "id": id,
            "post": post,
            "parent": c.parent_id.map(|p| known.comments.get(p)).unwrap_or(0),
            "author": 0,
            "author_name": c.author_name,
            "author_url": c.author_url.as_ref().map(|u| u.as_str()).unwrap_or(""),
            "date": local_time(site, c.created_at),
            "date_gmt": gmt_time(c.created_at),
            "content": {"rendered": content},
            "link": format!("{address}#comment-{}", c.id),
            "status": match c.status {
                CommentStatus::Approved => "approved",
                CommentStatus::Pending => "hold",
                CommentStatus::Spam => "spam",
                CommentStatus::Trash => "trash",
            },
            "type": "comment",
            "meta": {},
            "_links": links,
        });
        items.push(ask.finish(state, item, COMMENT_EMBED, &mut fetched).await);
    }
    Ok(items)
}

/// `GET /wp/v2/comments`.
pub(crate) async fn list_comments(
    State(state): State<Arc<AppState>>,
    Asked { q, ask, site, .. }: Asked,
) -> Result<Response, WpError> {
    let paging = q.paging()?;
    let order = q.choice("order", &["asc", "desc"], "desc")?;
    q.choice(
        "orderby",
        &[
            "date", "date_gmt", "id", "include", "post", "parent", "type",
        ],
        "date_gmt",
    )?;
    if let Some(status) = q.one("status")
        && status != "approve"
        && status != "approved"
    {
        return Err(WpError::unauthorized(
            "rest_forbidden_param",
            "Query parameter not permitted: status",
        ));
    }
    if q.has("author_email") {
        return Err(WpError::unauthorized(
            "rest_forbidden_param",
            "Query parameter not permitted: author_email",
        ));
    }
    let store = state.store.as_ref();
    let inward = |kind, name: &'static str| ids::sent(store, &q, kind, name);
    let parents = match q.ids("parent")? {
        None => None,
        Some(wp) => {
            let mut locals = ids::inward_all(store, Kind::Comment, &wp).await?;
            if wp.contains(&0) {
                locals.push(0);
            }
            Some(locals)
        }
    };
    let query = CommentQuery {
        articles: inward(Kind::Post, "post").await?,
        parents,
        include: inward(Kind::Comment, "include").await?,
        exclude: inward(Kind::Comment, "exclude").await?.unwrap_or_default(),
        offset: paging.skip,
        limit: paging.per_page,
        oldest_first: order == "asc",
    };
    let (comments, total) = store.approved_comment_list(&query).await?;
    check_page(paging, total, "rest_comment_invalid_page_number")?;
    let items = draw(&state, &site, &ask, &comments).await?;
    Ok(collection(
        &site,
        "/wp-json/wp/v2/comments",
        &q,
        paging,
        total,
        items,
    ))
}

/// `GET /wp/v2/comments/{id}`.
pub(crate) async fn get_comment(
    State(state): State<Arc<AppState>>,
    WpId(wp): WpId,
    Asked { ask, site, .. }: Asked,
) -> Result<Response, WpError> {
    let store = state.store.as_ref();
    let missing = || WpError::missing("rest_comment_invalid_id", "Invalid comment ID.");
    let local = ids::inward(store, Kind::Comment, wp)
        .await?
        .ok_or_else(missing)?;
    let (found, _) = store
        .approved_comment_list(&CommentQuery {
            include: Some(vec![local]),
            limit: 1,
            ..CommentQuery::default()
        })
        .await?;
    let item = draw(&state, &site, &ask, &found)
        .await?
        .pop()
        .ok_or_else(missing)?;
    Ok(json_response(StatusCode::OK, &item))
}

/// `POST /wp/v2/comments`: a comment by the signed-in account (as
/// WordPress has it by default, never anonymously here: the site's own
/// form is there for readers), through the same checks, screening and
/// moderation as the article's form; the answer says where it went
/// (`approved` or `hold`).
pub(crate) async fn create_comment(
    State(state): State<Arc<AppState>>,
    crate::security::ClientIp(ip): crate::security::ClientIp,
    caller: WpCaller,
    headers: axum::http::HeaderMap,
    body: axum::body::Bytes,
) -> Result<Response, WpError> {
    let Some(user) = caller.user.clone() else {
        return Err(WpError::unauthorized(
            "rest_comment_login_required",
            "Sorry, you must be logged in to comment.",
        ));
    };
    if let Err(wait) = state
        .comment_limiter
        .check(state.store.as_ref(), ip)
        .await?
    {
        return Err(WpError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "rest_comment_flood",
            format!("You are posting comments too quickly: try again in {wait} s."),
        ));
    }
    let site = super::posts::site(&state).await?;
    let sent = super::write::fields(&headers, &body)?;
    let number = |name: &str| match sent.get(name) {
        None => Ok(None),
        Some(Value::Number(n)) => n.as_i64().map(Some).ok_or(()),
        Some(Value::String(s)) => s.trim().parse().map(Some).map_err(|_| ()),
        Some(_) => Err(()),
    };
    let post = number("post")
        .map_err(|()| WpError::invalid_param("post", "post is not of type integer."))?
        .ok_or_else(|| {
            WpError::new(
                StatusCode::FORBIDDEN,
                "rest_comment_invalid_post_id",
                "Sorry, you are not allowed to create this comment without a post.",
            )
        })?;
    let store = state.store.as_ref();
    let article = match ids::inward(store, Kind::Post, post).await? {
        Some(local) => store
            .article(local)
            .await?
            .filter(|a| a.status == kiosque_core::types::ArticleStatus::Published),
        None => None,
    }
    .ok_or_else(|| {
        WpError::new(
            StatusCode::FORBIDDEN,
            "rest_comment_invalid_post_id",
            "Sorry, you are not allowed to create this comment without a post.",
        )
    })?;
    let now = chrono::Utc::now();
    if kiosque_core::service::comment::comments_closed(&site.comments, article.published_at, now) {
        return Err(WpError::new(
            StatusCode::FORBIDDEN,
            "rest_comment_closed",
            "Sorry, comments are closed for this item.",
        ));
    }
    // A reply answers an approved comment of the same article.
    let parent = match number("parent")
        .map_err(|()| WpError::invalid_param("parent", "parent is not of type integer."))?
    {
        None | Some(0) => None,
        Some(wp) => {
            let local = ids::inward(store, Kind::Comment, wp).await?;
            let found = match local {
                Some(id) => store.comment(id).await?,
                None => None,
            };
            match found {
                Some(c) if c.article_id == article.id && c.status == CommentStatus::Approved => {
                    Some(c.id)
                }
                _ => {
                    return Err(WpError::invalid_param("parent", "Invalid comment ID."));
                }
            }
        }
    };
    let content = match sent.get("content") {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Object(o)) => o
            .get("raw")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned(),
        _ => String::new(),
    };
    let form = kiosque_core::service::comment::CommentForm {
        comment: kiosque_transfer::content::comment_text(&content),
        name: user.name.clone(),
        email: user.email.as_str().to_owned(),
        parent: parent.map(|p| p.to_string()).unwrap_or_default(),
        ..Default::default()
    };
    let comment = form
        .validate(article.id, |id| Some(id) == parent, now)
        .map_err(|errors| {
            let (field, code) = errors
                .first()
                .map(|e| (e.field, e.code))
                .unwrap_or(("content", "invalid"));
            match field {
                "comment" if code == "required" => WpError::new(
                    StatusCode::BAD_REQUEST,
                    "rest_comment_content_invalid",
                    "Invalid comment content.",
                ),
                "comment" => WpError::invalid_param("content", code),
                other => WpError::invalid_param(other, code),
            }
        })?;
    let stored = match crate::site::article::receive(&state, &site, comment)
        .await
        .map_err(|e| WpError::internal(format!("{e:?}")))?
    {
        crate::site::article::Received::Stored(c) => c,
        crate::site::article::Received::Duplicate => {
            return Err(WpError::new(
                StatusCode::CONFLICT,
                "comment_duplicate",
                "Duplicate comment detected; it looks as though you've already said that!",
            ));
        }
    };
    let item = draw(
        &state,
        &site,
        &super::respond::Ask::edit(),
        std::slice::from_ref(&stored),
    )
    .await?
    .pop()
    .ok_or_else(|| WpError::internal("nothing drawn"))?;
    Ok(json_response(StatusCode::CREATED, &item))
}
