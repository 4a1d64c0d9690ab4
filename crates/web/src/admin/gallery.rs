//! Making a gallery without typing Markdown: pick photos from the library,
//! order them with buttons, write their alt texts and captions. Every
//! button sends the form and saves the article (through the editor's own
//! save, so the same rights, checks and version guard apply); no
//! JavaScript is needed.

use std::sync::Arc;

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum_extra::extract::Form;
use kiosque_core::markup::gallery::{Gallery, GalleryPhoto, galleries, with_gallery};
use kiosque_core::model::{Article, PageRequest};
use kiosque_core::service::editorial::EditorForm;
use minijinja::{Value, context};
use serde::Deserialize;

use super::editor::{editable, save};
use super::media::thumbnail;
use super::{Newsroom, admin_context};
use crate::views::pagination_links;
use crate::{AppState, WebError};

const PER_PAGE: u32 = 24;

/// Which gallery, and the library's search.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct GalleryQuery {
    /// The gallery's number in the text (from 1); none for a new one.
    n: Option<usize>,
    q: String,
    page: Option<u32>,
    saved: Option<String>,
}

/// The gallery form as sent: the photos in their order (parallel lists),
/// the library photos ticked, and the button pressed.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct GalleryForm {
    csrf: String,
    version: i64,
    n: Option<usize>,
    columns: String,
    photo: Vec<String>,
    alt: Vec<String>,
    caption: Vec<String>,
    add: Vec<String>,
    /// `save`, `up-N`, `down-N` or `remove-N` (N from 0).
    action: String,
}

pub(crate) async fn show(
    State(state): State<Arc<AppState>>,
    newsroom: Newsroom,
    Path(id): Path<i64>,
    Query(query): Query<GalleryQuery>,
) -> Result<Response, WebError> {
    let article = editable(&state, &newsroom, id).await?;
    let strings = state.strings(newsroom.site.language);
    let flash = query
        .saved
        .as_ref()
        .map(|_| strings.text("admin.gallery_saved"));
    render(&state, &newsroom, &article, &query, flash, StatusCode::OK).await
}

/// The gallery page for the article as it is now.
async fn render(
    state: &AppState,
    newsroom: &Newsroom,
    article: &Article,
    query: &GalleryQuery,
    flash: Option<String>,
    status: StatusCode,
) -> Result<Response, WebError> {
    let id = article.id;
    let found = galleries(&article.body_markdown);
    let gallery = match query.n {
        Some(n) => {
            found
                .into_iter()
                .nth(n.wrapping_sub(1))
                .ok_or(WebError::NotFound)?
                .1
        }
        None => Gallery::default(),
    };
    let strings = state.strings(newsroom.site.language);
    let photos = state
        .store
        .media_by_files(
            &gallery
                .photos
                .iter()
                .map(|p| p.file.clone())
                .collect::<Vec<_>>(),
        )
        .await?;
    let rows: Vec<Value> = gallery
        .photos
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let asset = photos.iter().find(|a| a.file_name == p.file);
            context! {
                index => i,
                number => i + 1,
                file => &p.file,
                thumb => asset.map(thumbnail),
                library_alt => asset.map(|a| a.text.alt.as_str()).unwrap_or_default(),
                library_caption => asset.map(|a| a.text.caption.as_str()).unwrap_or_default(),
                alt => p.alt.as_deref().unwrap_or_default(),
                caption => p.caption.as_deref().unwrap_or_default(),
            }
        })
        .collect();
    let number = query.page.unwrap_or(1).max(1);
    let library = state
        .store
        .media_library(
            &query.q,
            PageRequest {
                number,
                per_page: PER_PAGE,
            },
        )
        .await?;
    let items: Vec<Value> = library
        .items
        .iter()
        .map(|item| {
            let a = &item.asset;
            context! {
                file => &a.file_name,
                thumb => thumbnail(a),
                alt => &a.text.alt,
                name => if a.original_name.is_empty() { &a.file_name } else { &a.original_name },
            }
        })
        .collect();
    let base = match query.n {
        Some(n) => format!("/admin/articles/{id}/gallery?n={n}"),
        None => format!("/admin/articles/{id}/gallery?"),
    };
    let q = url::form_urlencoded::byte_serialize(query.q.as_bytes()).collect::<String>();
    let pages = pagination_links(&library, |p| format!("{base}&q={q}&page={p}"));
    let heading = match query.n {
        Some(n) => strings
            .text("admin.gallery_number")
            .replace("{n}", &n.to_string()),
        None => strings.text("admin.gallery_new"),
    };
    let ctx = context! {
        article_id => id,
        article_title => article.title.as_str(),
        version => article.version,
        n => query.n,
        columns => gallery.columns,
        rows, items, pages,
        q => &query.q,
        ..admin_context(state, &newsroom.site, Some(newsroom), &heading, "articles", flash)
    };
    Ok((
        status,
        Html(state.templates.render("admin/gallery.html", ctx)?),
    )
        .into_response())
}

pub(crate) async fn change(
    State(state): State<Arc<AppState>>,
    newsroom: Newsroom,
    Path(id): Path<i64>,
    Form(form): Form<GalleryForm>,
) -> Result<Response, WebError> {
    newsroom.check_csrf(&form.csrf)?;
    let article = editable(&state, &newsroom, id).await?;
    let mut photos: Vec<GalleryPhoto> = form
        .photo
        .iter()
        .enumerate()
        .map(|(i, file)| {
            let text = |list: &[String]| {
                list.get(i)
                    .map(|t| t.trim().to_owned())
                    .filter(|t| !t.is_empty())
            };
            GalleryPhoto {
                file: file.clone(),
                alt: text(&form.alt),
                caption: text(&form.caption),
            }
        })
        .collect();
    match form.action.split_once('-') {
        Some(("up", i)) => {
            if let Ok(i) = i.parse::<usize>()
                && i > 0
                && i < photos.len()
            {
                photos.swap(i - 1, i);
            }
        }
        Some(("down", i)) => {
            if let Ok(i) = i.parse::<usize>()
                && i + 1 < photos.len()
            {
                photos.swap(i, i + 1);
            }
        }
        Some(("remove", i)) => {
            if let Ok(i) = i.parse::<usize>()
                && i < photos.len()
            {
                photos.remove(i);
            }
        }
        _ => {}
    }
    // Ticked photos join at the end, once each, if the library has them.
    let known = state.store.media_by_files(&form.add).await?;
    for file in &form.add {
        if known.iter().any(|a| &a.file_name == file) && !photos.iter().any(|p| &p.file == file) {
            photos.push(GalleryPhoto {
                file: file.clone(),
                alt: None,
                caption: None,
            });
        }
    }
    // The same rule as a written gallery's: a name of the library's shape.
    photos.retain(|p| {
        Gallery::parse("gallery", &format!("![](/media/{})", p.file))
            .photos
            .len()
            == 1
    });
    let gallery = Gallery {
        columns: form
            .columns
            .trim()
            .parse::<u8>()
            .ok()
            .filter(|c| (1..=6).contains(c)),
        photos,
    };
    let index = form.n.map(|n| n.wrapping_sub(1));
    let changed = (form.version == article.version)
        .then(|| with_gallery(&article.body_markdown, index, &gallery))
        .flatten();
    let Some(body) = changed else {
        // Saved elsewhere since the form was opened: nothing is changed,
        // and the article is shown as it is now.
        let strings = state.strings(newsroom.site.language);
        let query = GalleryQuery {
            n: form
                .n
                .filter(|n| galleries(&article.body_markdown).len() >= *n),
            ..GalleryQuery::default()
        };
        let flash = Some(strings.text("admin.conflict"));
        return render(
            &state,
            &newsroom,
            &article,
            &query,
            flash,
            StatusCode::CONFLICT,
        )
        .await;
    };
    // Where the gallery is after the save: a new one is the last.
    let n = match form.n {
        Some(n) => Some(n),
        None if gallery.photos.is_empty() => None,
        None => Some(galleries(&body).len()),
    };
    let done = match (n, gallery.photos.is_empty()) {
        (Some(n), false) => format!("/admin/articles/{id}/gallery?n={n}&saved=1"),
        _ => format!("/admin/articles/{id}/edit?saved=1"),
    };
    if body == article.body_markdown {
        return Ok(Redirect::to(&done).into_response());
    }
    let mut editor = EditorForm::from_article(&article, &newsroom.site);
    editor.body = body;
    editor.version = article.version;
    save(&state, &newsroom, &article, editor, &done).await
}
