//! The front page, for editors: pin stories and order them (the first is
//! the lead), choose blocks of sections and how many articles each shows,
//! and put up or take down the breaking-news banner. Every button is a
//! form: no JavaScript needed.

use std::sync::Arc;

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum_extra::extract::Form;
use chrono::Utc;
use kiosque_core::model::{ArticleFilter, Banner, FrontSection, MAX_PINS, PageRequest, TermKind};
use kiosque_core::types::Permission;
use kiosque_core::{Error, FieldError};
use minijinja::context;
use serde::Deserialize;

use super::{Newsroom, admin_context, error_views};
use crate::{AppState, WebError};

/// How many recent articles the pin list offers.
const OFFERED: u32 = 50;

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct FrontQuery {
    done: Option<String>,
}

/// One form for every button. `action` is `pin` (with `article`),
/// `lead`, `up`, `down`, `unpin` (with `article`), `block` (with
/// `section` and `count`), `block-save`, `block-up`, `block-down`,
/// `block-remove` (with `section`), `banner` (with its three fields) or
/// `banner-remove`.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(default)]
pub(crate) struct FrontForm {
    csrf: String,
    action: String,
    article: Option<i64>,
    section: Option<i64>,
    count: String,
    banner_text: String,
    banner_url: String,
    banner_until: String,
}

pub(crate) async fn show(
    State(state): State<Arc<AppState>>,
    newsroom: Newsroom,
    Query(query): Query<FrontQuery>,
) -> Result<Response, WebError> {
    newsroom.require(Permission::EditOthers)?;
    let strings = state.strings(newsroom.site.language);
    let flash = query.done.map(|_| strings.text("admin.front_saved"));
    let form = FrontForm {
        banner_text: newsroom
            .site
            .banner
            .as_ref()
            .map(|b| b.text.clone())
            .unwrap_or_default(),
        banner_url: newsroom
            .site
            .banner
            .as_ref()
            .and_then(|b| b.url.clone())
            .unwrap_or_default(),
        banner_until: newsroom
            .site
            .banner
            .as_ref()
            .and_then(|b| b.until)
            .map(|t| newsroom.site.local(t).format("%Y-%m-%dT%H:%M").to_string())
            .unwrap_or_default(),
        ..FrontForm::default()
    };
    render(&state, &newsroom, &form, &[], flash, StatusCode::OK).await
}

pub(crate) async fn change(
    State(state): State<Arc<AppState>>,
    newsroom: Newsroom,
    Form(form): Form<FrontForm>,
) -> Result<Response, WebError> {
    newsroom.check_csrf(&form.csrf)?;
    newsroom.require(Permission::EditOthers)?;
    let done = || Ok(Redirect::to("/admin/front?done=1").into_response());
    let front = state.store.front_page().await?;
    let mut pins = front.pins.clone();
    let mut blocks: Vec<(i64, u32)> = front
        .sections
        .iter()
        .map(|s| (s.category.id, s.count))
        .collect();
    let pin_at = form
        .article
        .and_then(|id| pins.iter().position(|p| *p == id));
    let block_at = form
        .section
        .and_then(|id| blocks.iter().position(|(s, _)| *s == id));
    let count = form.count.trim().parse::<u32>().ok();
    let refused = |field: &'static str, code: &'static str| {
        let errors = [FieldError { field, code }];
        let (state, newsroom, form) = (&state, &newsroom, &form);
        async move {
            render(
                state,
                newsroom,
                form,
                &errors,
                None,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
    };
    match (form.action.as_str(), pin_at, block_at) {
        ("pin", _, _) => {
            let Some(id) = form.article else {
                return refused("article", "required").await;
            };
            let published = state
                .store
                .article(id)
                .await?
                .is_some_and(|a| a.status == kiosque_core::types::ArticleStatus::Published);
            if !published {
                return refused("article", "required").await;
            }
            if pin_at.is_none() {
                if pins.len() >= MAX_PINS {
                    return refused("article", "too_many_pins").await;
                }
                pins.push(id);
            }
        }
        ("lead", Some(i), _) => {
            let id = pins.remove(i);
            pins.insert(0, id);
        }
        ("up", Some(i), _) if i > 0 => pins.swap(i - 1, i),
        ("down", Some(i), _) if i + 1 < pins.len() => pins.swap(i, i + 1),
        ("unpin", Some(i), _) => {
            pins.remove(i);
        }
        ("block", _, _) => {
            let Some(id) = form.section else {
                return refused("section", "required").await;
            };
            let known = state
                .store
                .terms(TermKind::Category)
                .await?
                .iter()
                .any(|t| t.id == id);
            let Some(count) = count.filter(|c| (1..=FrontSection::MAX_COUNT).contains(c)) else {
                return refused("count", "invalid_number").await;
            };
            if !known {
                return refused("section", "required").await;
            }
            match block_at {
                Some(i) => blocks[i].1 = count,
                None => blocks.push((id, count)),
            }
        }
        ("block-save", _, Some(i)) => {
            let Some(count) = count.filter(|c| (1..=FrontSection::MAX_COUNT).contains(c)) else {
                return refused("count", "invalid_number").await;
            };
            blocks[i].1 = count;
        }
        ("block-up", _, Some(i)) if i > 0 => blocks.swap(i - 1, i),
        ("block-down", _, Some(i)) if i + 1 < blocks.len() => blocks.swap(i, i + 1),
        ("block-remove", _, Some(i)) => {
            blocks.remove(i);
        }
        ("banner", _, _) => {
            let banner = match Banner::from_form(
                &newsroom.site,
                &form.banner_text,
                &form.banner_url,
                &form.banner_until,
                Utc::now(),
            ) {
                Ok(b) => b,
                Err(errors) => {
                    return render(
                        &state,
                        &newsroom,
                        &form,
                        &errors,
                        None,
                        StatusCode::UNPROCESSABLE_ENTITY,
                    )
                    .await;
                }
            };
            let mut site = state.store.site().await?.ok_or(WebError::NotFound)?;
            site.banner = Some(banner);
            state.store.save_site(&site).await?;
            tracing::info!(user = newsroom.user.id, "breaking-news banner shown");
            return done();
        }
        ("banner-remove", _, _) => {
            let mut site = state.store.site().await?.ok_or(WebError::NotFound)?;
            site.banner = None;
            state.store.save_site(&site).await?;
            return done();
        }
        // An article or section no longer there, a move past an end.
        ("lead" | "up" | "down" | "unpin", None, _)
        | ("block-save" | "block-up" | "block-down" | "block-remove", _, None) => {
            return Err(WebError::NotFound);
        }
        ("up" | "down" | "block-up" | "block-down", _, _) => return done(),
        _ => return Err(WebError::NotFound),
    }
    if pins != front.pins {
        match state.store.set_front_pins(&pins).await {
            Ok(()) => {}
            Err(Error::Invalid(_)) => return refused("article", "too_many_pins").await,
            Err(e) => return Err(e.into()),
        }
    }
    let before: Vec<(i64, u32)> = front
        .sections
        .iter()
        .map(|s| (s.category.id, s.count))
        .collect();
    if blocks != before {
        state.store.set_front_sections(&blocks).await?;
    }
    done()
}

async fn render(
    state: &AppState,
    newsroom: &Newsroom,
    form: &FrontForm,
    errors: &[FieldError],
    flash: Option<String>,
    status: StatusCode,
) -> Result<Response, WebError> {
    let strings = state.strings(newsroom.site.language);
    let (errors, errors_list) = error_views(strings, errors, |f| match f {
        "article" => "admin.front_pin_article".into(),
        "section" => "admin.front_block_section".into(),
        "count" => "admin.front_block_count".into(),
        "banner_text" => "admin.front_banner_text".into(),
        "banner_url" => "admin.front_banner_url".into(),
        _ => "admin.front_banner_until".into(),
    });
    let front = state.store.front_page().await?;
    let mut pinned = Vec::new();
    for (i, id) in front.pins.iter().enumerate() {
        if let Some(a) = state.store.article(*id).await? {
            pinned.push(context! {
                id, title => a.title.as_str(), lead => i == 0,
                up => i > 0, down => i + 1 < front.pins.len(),
                published => a.status == kiosque_core::types::ArticleStatus::Published,
            });
        }
    }
    let recent = state
        .store
        .list_articles(
            ArticleFilter::All,
            PageRequest {
                number: 1,
                per_page: OFFERED,
            },
        )
        .await?
        .items;
    let offered: Vec<_> = recent
        .iter()
        .filter(|a| !front.pins.contains(&a.id))
        .map(|a| context! { id => a.id, title => a.title.as_str() })
        .collect();
    let n = front.sections.len();
    let blocks: Vec<_> = front
        .sections
        .iter()
        .enumerate()
        .map(|(i, s)| {
            context! {
                id => s.category.id, name => &s.category.name, count => s.count,
                up => i > 0, down => i + 1 < n,
            }
        })
        .collect();
    let sections: Vec<_> = state
        .store
        .terms(TermKind::Category)
        .await?
        .into_iter()
        .filter(|t| !front.sections.iter().any(|s| s.category.id == t.id))
        .map(|t| context! { id => t.id, name => t.name })
        .collect();
    let title = strings.text("admin.front");
    let ctx = context! {
        pinned, offered, blocks, sections, errors, errors_list,
        form => context! {
            banner_text => &form.banner_text, banner_url => &form.banner_url,
            banner_until => &form.banner_until, count => &form.count,
        },
        banner_on => newsroom.site.banner.is_some(),
        max_count => FrontSection::MAX_COUNT,
        ..admin_context(state, &newsroom.site, Some(newsroom), &title, "front", flash)
    };
    Ok((
        status,
        Html(state.templates.render("admin/front.html", ctx)?),
    )
        .into_response())
}
