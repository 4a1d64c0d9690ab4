//! The newsroom's own pages (about, contact, ethics policy) as readers see
//! them.

use axum::response::{Html, IntoResponse, Response};
use kiosque_core::markup::excerpt;
use kiosque_core::model::StaticPage;
use minijinja::context;

use super::load_site;
use crate::cache::Topics;
use crate::views::page_context;
use crate::{AppState, WebError};

pub(crate) async fn show(state: &AppState, page: &StaticPage) -> Result<Response, WebError> {
    let site = load_site(state).await?;
    let path = format!("/{}/", page.slug);
    let description = excerpt(&page.body_markdown, 160);
    let body = super::body::draw(state, &site, &page.body_html).await?;
    let ctx = context! {
        title => &page.title,
        body_html => &body.html,
        reader_js_url => body.scripted.then_some(&state.templates.reader_js_path),
        ..page_context(
            state,
            &site,
            Some(&page.title),
            (!description.is_empty()).then_some(description.as_str()),
            Some(&path),
        )
    };
    let mut topics = Topics::new();
    topics.add("page", page.id);
    body.file_under(&mut topics);
    let mut response = Html(state.templates.render("page.html", ctx)?).into_response();
    body.allow_frames(&mut response);
    let view = crate::stats::PageView::new(&page.title, None);
    Ok(view.on(topics.on(response)))
}
