//! The article page and the comment form behind it.

use std::collections::HashMap;
use std::sync::Arc;

use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, Uri};
use axum::response::{Html, IntoResponse, Redirect, Response};
use chrono::Utc;
use kiosque_core::FieldError;
use kiosque_core::model::CommentPolicy;
use kiosque_core::model::{Article, Site};
use kiosque_core::service::comment::{CommentForm, comments_close_at, comments_closed, screen};
use kiosque_core::types::{CommentStatus, Slug};
use minijinja::context;
use serde::{Deserialize, Serialize};

use super::body::Body;
use super::{load_site, moved_permanently, slug};
use crate::cache::Topics;
use crate::security::ClientIp;
use crate::views::{article_view, comment_tree, page_context, share_links};
use crate::{AppState, WebError};

/// Query parameters of an article page.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct ArticleQuery {
    /// WordPress's name for "reply to comment N", kept so links carry over.
    replytocom: Option<String>,
    /// Set after a comment was taken, to show the moderation notice.
    moderation: Option<String>,
}

/// The published article a URL's last segment names: by its slug, or by a
/// slug it had before being renamed.
async fn find_article(state: &AppState, raw_slug: &str) -> Result<(Arc<Site>, Article), WebError> {
    let site = load_site(state).await?;
    let slug = slug(raw_slug)?;
    let article = match state.reader().article_by_slug(&slug).await? {
        Some(article) => article,
        None => state
            .reader()
            .article_by_old_slug(&slug)
            .await?
            .ok_or(WebError::NotFound)?,
    };
    Ok((site, article))
}

/// `/2024/`, or an article at `/slug/`.
pub(crate) async fn at_one(
    State(state): State<Arc<AppState>>,
    Path(a): Path<String>,
    uri: Uri,
    Query(query): Query<ArticleQuery>,
) -> Result<Response, WebError> {
    if is_digits(&a, 4) {
        return super::lists::year(State(state), Path(a)).await;
    }
    // The newsroom's own pages (about, contact) come first at the top level.
    if let Ok(slug) = Slug::parse(&a)
        && let Some(page) = state.reader().page_by_slug(&slug).await?
    {
        return super::pages::show(&state, &page).await;
    }
    show(&state, &a, &uri, query).await
}

/// `/2024/11/`, or an article at `/section/slug/`.
pub(crate) async fn at_two(
    State(state): State<Arc<AppState>>,
    Path((a, b)): Path<(String, String)>,
    uri: Uri,
    Query(query): Query<ArticleQuery>,
) -> Result<Response, WebError> {
    if is_digits(&a, 4) && is_digits(&b, 2) {
        return super::lists::month(State(state), Path((a, b))).await;
    }
    show(&state, &b, &uri, query).await
}

/// An article at `/2024/11/slug/`.
pub(crate) async fn at_three(
    State(state): State<Arc<AppState>>,
    Path((_, _, c)): Path<(String, String, String)>,
    uri: Uri,
    Query(query): Query<ArticleQuery>,
) -> Result<Response, WebError> {
    show(&state, &c, &uri, query).await
}

fn is_digits(s: &str, n: usize) -> bool {
    s.len() == n && s.bytes().all(|b| b.is_ascii_digit())
}

/// Every address shape leads to the article; all but the site's current
/// one (another shape, an old slug, another date) answer with a 301 to it,
/// so links from before a change keep working.
async fn show(
    state: &AppState,
    raw_slug: &str,
    uri: &Uri,
    query: ArticleQuery,
) -> Result<Response, WebError> {
    let (site, article) = find_article(state, raw_slug).await?;
    let path = article.path(&site);
    if uri.path() != path {
        let target = match uri.query() {
            Some(q) => format!("{path}?{q}"),
            None => path,
        };
        return Ok(moved_permanently(&target));
    }
    let reply_to = match query.replytocom.as_deref().map(str::parse::<i64>) {
        Some(Ok(id)) => visible_comment(state, &article, id).await?,
        _ => None,
    };
    let notice = query.moderation.is_some();
    let page = ArticlePage {
        form: CommentForm::default(),
        errors: Vec::new(),
        reply_to,
        notice,
    };
    let (response, body) = render(state, &site, &article, page, StatusCode::OK).await?;
    let mut topics = Topics::new();
    topics.article(&article);
    body.file_under(&mut topics);
    // The form disappears when comments close: the page must not outlive it.
    if let Some(at) = comments_close_at(&site.comments, article.published_at)
        && at > Utc::now()
    {
        topics.until(at);
    }
    if state.tally.is_some() {
        topics.until(Utc::now() + super::most_read::REFRESH);
    }
    let view = crate::stats::PageView::new(article.title.as_str(), Some(article.id));
    Ok(view.on(topics.on(response)))
}

/// A comment readers can see under this article (the only kind one may
/// reply to), as (id, author name).
async fn visible_comment(
    state: &AppState,
    article: &Article,
    id: i64,
) -> Result<Option<(i64, String)>, WebError> {
    Ok(state.reader().comment(id).await?.and_then(|c| {
        (c.article_id == article.id && c.status == CommentStatus::Approved)
            .then_some((c.id, c.author_name))
    }))
}

struct ArticlePage {
    form: CommentForm,
    errors: Vec<FieldError>,
    reply_to: Option<(i64, String)>,
    notice: bool,
}

#[derive(Serialize)]
struct ErrorView {
    field: &'static str,
    label: String,
    message: String,
}

fn field_label_key(field: &str) -> &'static str {
    match field {
        "comment" => "comments.comment",
        "name" => "comments.name",
        "email" => "comments.email",
        "url" => "comments.website",
        _ => "comments.reply",
    }
}

async fn render(
    state: &AppState,
    site: &Site,
    article: &Article,
    page: ArticlePage,
    status: StatusCode,
) -> Result<(Response, Body), WebError> {
    let strings = state.strings(site.language);
    let mut view = article_view(article, strings, site);
    let mut body = super::body::draw(state, site, &view.body_html).await?;
    // The breadcrumb: home, the section's parents, the section.
    let mut breadcrumb = Vec::new();
    if let Some(section) = &article.category {
        for c in state.reader().section_family(section.id).await?.ancestors {
            body.file_under_section(c.id);
            breadcrumb.push(context! { name => c.name, url => format!("/category/{}/", c.slug) });
        }
        breadcrumb.push(context! {
            name => &section.name, url => format!("/category/{}/", section.slug),
        });
    }
    view.body_html = std::mem::take(&mut body.html);
    let comments = state.reader().approved_comments(article.id).await?;
    let path = article.path(site);
    let errors: HashMap<&str, String> = page
        .errors
        .iter()
        .map(|e| (e.field, strings.text(&format!("errors.{}", e.code))))
        .collect();
    let errors_list: Vec<ErrorView> = page
        .errors
        .iter()
        .map(|e| ErrorView {
            field: if e.field == "parent" {
                "comment"
            } else {
                e.field
            },
            label: strings.text(field_label_key(e.field)),
            message: strings.text(&format!("errors.{}", e.code)),
        })
        .collect();
    let description = article
        .editorial
        .seo_description
        .as_deref()
        .unwrap_or(&article.excerpt);
    let (og, json_ld) = super::metadata::article_metadata(site, article, description);
    let ctx = context! {
        article => &view,
        share_links => share_links(
            article.title.as_str(),
            &site.absolute_url(&path),
            &site.share_networks,
            strings,
        ),
        comment_count => comments.len(),
        comments => comment_tree(&comments, &path, strings, site),
        form => &page.form,
        errors => errors,
        errors_list => errors_list,
        reply_to => page.reply_to.map(|(id, name)| context! { id, name }),
        notice => page.notice.then(|| strings.text("comments.awaiting_moderation")),
        form_action => format!("{path}comments"),
        comments_closed => comments_closed(&site.comments, article.published_at, Utc::now()),
        og, json_ld,
        reader_js_url => body.scripted.then_some(&state.templates.reader_js_path),
        breadcrumb,
        most_read => super::most_read::list(state, site).await?.as_ref(),
        feeds => super::feeds::feed_links(site, "/", ""),
        ..page_context(
            state,
            site,
            Some(article.editorial.seo_title.as_deref().unwrap_or(article.title.as_str())),
            Some(description),
            Some(&path),
        )
    };
    let html = state.templates.render("article.html", ctx)?;
    let mut response = (status, Html(html)).into_response();
    body.allow_frames(&mut response);
    Ok((response, body))
}

/// The article as readers will see it, whatever its state (the newsroom's
/// preview). Never cached, never indexed.
pub(crate) async fn preview(
    state: &AppState,
    site: &Site,
    article: &Article,
) -> Result<Response, WebError> {
    let page = ArticlePage {
        form: CommentForm::default(),
        errors: Vec::new(),
        reply_to: None,
        notice: false,
    };
    Ok(render(state, site, article, page, StatusCode::OK).await?.0)
}

/// What became of a checked comment.
pub(crate) enum Received {
    /// The same text from the same address is already there.
    Duplicate,
    /// Stored, with the state screening gave it.
    Stored(kiosque_core::model::Comment),
}

/// The comment pipeline after the form's checks, for the article's form
/// and WordPress's API alike: a duplicate refused, then screened (blocked
/// terms, the learned filter, links, the site's policy) and stored.
pub(crate) async fn receive(
    state: &AppState,
    site: &Site,
    mut comment: kiosque_core::model::NewComment,
) -> Result<Received, WebError> {
    if state
        .store
        .is_duplicate_comment(comment.article_id, &comment.author_email, &comment.body)
        .await?
    {
        return Ok(Received::Duplicate);
    }
    let trusted = site.comments.policy == CommentPolicy::HoldFirstTime
        && state
            .store
            .has_approved_comment(&comment.author_email)
            .await?;
    let likely_spam =
        kiosque_core::service::spam::looks_like_spam(state.store.as_ref(), &comment).await?;
    comment.status = screen(&comment, &site.comments, trusted, likely_spam);
    let stored = state.store.add_comment(&comment).await?;
    if stored.status == CommentStatus::Spam {
        tracing::info!(comment = stored.id, "comment held as spam");
    }
    Ok(Received::Stored(stored))
}

pub(crate) async fn post_comment(
    State(state): State<Arc<AppState>>,
    ClientIp(ip): ClientIp,
    uri: Uri,
    Form(form): Form<CommentForm>,
) -> Result<Response, WebError> {
    // A flood of posts (from many addresses, so no limit per address
    // stops it) waits its turn a few seconds at most, then is refused,
    // rather than queued without end; a reader's comment at a busy moment
    // only waits.
    let Ok(Ok(_writing)) =
        tokio::time::timeout(crate::COMMENT_WAIT, state.comment_writes.acquire()).await
    else {
        return Err(WebError::Busy);
    };
    if let Err(wait) = state
        .comment_limiter
        .check(state.store.as_ref(), ip)
        .await?
    {
        return Err(WebError::TooManyRequests(wait));
    }
    // `/…/slug/comments`: the segment before the last names the article.
    let raw_slug = uri
        .path()
        .trim_end_matches("comments")
        .trim_end_matches('/')
        .rsplit('/')
        .next()
        .unwrap_or_default();
    let (site, article) = find_article(&state, raw_slug).await?;
    let now = Utc::now();
    if comments_closed(&site.comments, article.published_at, now) {
        return Err(WebError::CommentsClosed);
    }
    let parent = match form.parent.trim() {
        "" => None,
        raw => match raw.parse::<i64>() {
            Ok(id) => visible_comment(&state, &article, id).await?,
            Err(_) => None,
        },
    };
    let parent_id = parent.as_ref().map(|(id, _)| *id);
    match form.validate(article.id, |id| Some(id) == parent_id, now) {
        Ok(comment) => {
            // A second comment from the same address within seconds is a
            // flood (WordPress refuses it the same way); a valid one only
            // counts, so a reader correcting a form is never held back.
            if let Some(flood) = &state.comment_flood
                && let Err(wait) = flood.check(state.store.as_ref(), ip).await?
            {
                return Err(WebError::TooManyRequests(wait));
            }
            let Received::Stored(stored) = receive(&state, &site, comment).await? else {
                let page = ArticlePage {
                    form,
                    errors: vec![FieldError {
                        field: "comment",
                        code: "duplicate_comment",
                    }],
                    reply_to: parent,
                    notice: false,
                };
                return Ok(render(&state, &site, &article, page, StatusCode::CONFLICT)
                    .await?
                    .0);
            };
            let to = if stored.status == CommentStatus::Approved {
                format!("{}#comment-{}", article.path(&site), stored.id)
            } else {
                // The same answer for a trapped robot as for a reader, so
                // the traps are not revealed.
                format!("{}?moderation=pending#comment-notice", article.path(&site))
            };
            Ok(Redirect::to(&to).into_response())
        }
        Err(errors) => {
            let page = ArticlePage {
                form,
                errors,
                reply_to: parent,
                notice: false,
            };
            Ok(render(
                &state,
                &site,
                &article,
                page,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await?
            .0)
        }
    }
}
