//! The newsroom's list of articles, in every state, with filters.

use std::sync::Arc;

use axum::extract::{Query, State};
use axum::response::{Html, IntoResponse, Response};
use kiosque_core::model::{ArticleQuery, PageRequest};
use kiosque_core::service::editorial::may_edit;
use kiosque_core::types::{ArticleStatus, Permission};
use minijinja::context;
use serde::{Deserialize, Serialize};

use super::{Newsroom, admin_context};
use crate::views::pagination_links;
use crate::{AppState, WebError};

/// Rows per page of the list.
const PER_PAGE: u32 = 30;

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct ListQuery {
    status: String,
    author: String,
    category: String,
    q: String,
    page: Option<u32>,
    /// Set after a deletion, for its notice.
    deleted: Option<String>,
}

#[derive(Serialize)]
struct OptionView {
    value: String,
    label: String,
    selected: bool,
}

#[derive(Serialize)]
struct RowView {
    id: i64,
    title: String,
    status: &'static str,
    status_label: String,
    author_name: String,
    category_name: Option<String>,
    updated_text: String,
    updated_iso: String,
    editable: bool,
    /// Page views over the last 30 days, for those who may see them.
    views: Option<i64>,
}

pub(crate) async fn list(
    State(state): State<Arc<AppState>>,
    newsroom: Newsroom,
    Query(query): Query<ListQuery>,
) -> Result<Response, WebError> {
    newsroom.require(Permission::WriteDrafts)?;
    let strings = state.strings(newsroom.site.language);
    let sees_all = newsroom.user.role.allows(Permission::EditOthers);
    let status: Option<ArticleStatus> = query.status.parse().ok();
    let author_id: Option<i64> = query.author.parse().ok();
    let category_id: Option<i64> = query.category.parse().ok();
    let filter = ArticleQuery {
        status,
        author_id: author_id.filter(|_| sees_all),
        category_id,
        // Contributors and authors work on their own articles.
        created_by: kiosque_core::service::editorial::list_scope(&newsroom.user),
        title_contains: Some(query.q.clone()).filter(|q| !q.trim().is_empty()),
    };
    let number = query.page.unwrap_or(1).max(1);
    let page = state
        .store
        .articles(
            &filter,
            PageRequest {
                number,
                per_page: PER_PAGE,
            },
        )
        .await?;
    if number > page.page_count() {
        return Err(WebError::NotFound);
    }
    // Views over 30 days, for whoever may read the audience (authors see
    // only their own articles, as here).
    let sees_views = newsroom.user.role.allows(Permission::PublishOwn);
    let views = if sees_views {
        let ids: Vec<i64> = page.items.iter().map(|r| r.id).collect();
        let from = chrono::Utc::now().timestamp() - 30 * 86_400;
        state.store.views_of(&ids, from).await?
    } else {
        std::collections::HashMap::new()
    };
    let mut rows = Vec::with_capacity(page.items.len());
    for r in &page.items {
        let editable = may_edit(&newsroom.user, r.created_by, r.status);
        rows.push(RowView {
            id: r.id,
            title: crate::views::typeset(&r.title, newsroom.site.language),
            status: r.status.as_str(),
            status_label: strings.text(&format!("admin.article_status_{}", r.status)),
            author_name: r.author_name.clone(),
            category_name: r.category_name.clone(),
            updated_text: strings.datetime(newsroom.site.local(r.updated_at)),
            updated_iso: r.updated_at.to_rfc3339(),
            editable,
            views: (sees_views && r.status == ArticleStatus::Published)
                .then(|| views.get(&r.id).copied().unwrap_or(0)),
        });
    }
    let statuses: Vec<OptionView> = ArticleStatus::ALL
        .iter()
        .map(|s| OptionView {
            value: s.as_str().to_owned(),
            label: strings.text(&format!("admin.article_status_{s}")),
            selected: status == Some(*s),
        })
        .collect();
    let authors: Vec<OptionView> = if sees_all {
        state
            .store
            .authors()
            .await?
            .into_iter()
            .map(|a| OptionView {
                selected: author_id == Some(a.id),
                value: a.id.to_string(),
                label: a.name,
            })
            .collect()
    } else {
        Vec::new()
    };
    let categories: Vec<OptionView> = state
        .store
        .categories()
        .await?
        .into_iter()
        .map(|c| OptionView {
            selected: category_id == Some(c.id),
            value: c.id.to_string(),
            label: c.name,
        })
        .collect();
    // Pagination links keep the filters.
    let base = format!(
        "/admin/articles?status={}&author={}&category={}&q={}&",
        query.status,
        query.author,
        query.category,
        url::form_urlencoded::byte_serialize(query.q.as_bytes()).collect::<String>()
    );
    let pages = pagination_links(&page, |n| format!("{base}page={n}"));
    let ctx = context! {
        rows, statuses, authors, categories, sees_views,
        q => &query.q,
        pages,
        ..admin_context(&state, &newsroom.site, Some(&newsroom), &strings.text("admin.articles"), "articles", query.deleted.as_ref().map(|_| strings.text("admin.article_deleted")))
    };
    Ok(Html(state.templates.render("admin/articles.html", ctx)?).into_response())
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct DeleteForm {
    csrf: String,
    /// The version the editor showed: a deletion from a stale page deletes
    /// nothing (the editor shows the article as it is now).
    version: i64,
    /// `yes` when the confirmation box is ticked.
    confirm: String,
}

/// Deletes an article for good, asked from its editor page with a ticked
/// confirmation; the same right as opening it
/// (`editorial::can_delete`).
pub(crate) async fn delete(
    State(state): State<Arc<AppState>>,
    newsroom: Newsroom,
    axum::extract::Path(id): axum::extract::Path<i64>,
    axum_extra::extract::Form(form): axum_extra::extract::Form<DeleteForm>,
) -> Result<Response, WebError> {
    newsroom.check_csrf(&form.csrf)?;
    let article = super::editor::editable(&state, &newsroom, id).await?;
    if !kiosque_core::service::editorial::can_delete(&newsroom.user, &article) {
        return Err(WebError::NotAllowed);
    }
    if form.confirm != "yes" || form.version != article.version {
        return Ok(
            axum::response::Redirect::to(&format!("/admin/articles/{id}/edit")).into_response(),
        );
    }
    state.store.delete_article(id).await?;
    tracing::info!(user = newsroom.user.id, article = id, "article deleted");
    Ok(axum::response::Redirect::to("/admin/articles?deleted=1").into_response())
}
