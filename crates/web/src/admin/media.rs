//! The media library: every image the site holds, searchable, with what it
//! shows (alt text), its caption and credit, where it is used, and deletion
//! of what nothing uses.

use std::sync::Arc;

use axum::extract::{Multipart, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum_extra::extract::Form;
use kiosque_core::model::{MediaAsset, MediaText, MediaUse, PageRequest};
use kiosque_core::types::Permission;
use kiosque_core::{Error, FieldError};
use minijinja::{Value, context};
use serde::{Deserialize, Serialize};

use super::{Newsroom, admin_context, error_views, upload};
use crate::views::pagination_links;
use crate::{AppState, WebError};

/// Images per library page.
const PER_PAGE: u32 = 24;

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct LibraryQuery {
    q: String,
    page: Option<u32>,
}

/// The small copy for a thumbnail, or the original before copies exist.
pub(super) fn thumbnail(asset: &MediaAsset) -> String {
    if asset.variants.contains(&320) {
        format!(
            "/media/{}",
            kiosque_media::variant_name(asset.stem(), 320, "webp")
        )
    } else {
        format!("/media/{}", asset.file_name)
    }
}

/// The library, with the upload form.
pub(crate) async fn library(
    State(state): State<Arc<AppState>>,
    newsroom: Newsroom,
    Query(query): Query<LibraryQuery>,
) -> Result<Response, WebError> {
    newsroom.require(Permission::UploadMedia)?;
    render_library(&state, &newsroom, &query, None, StatusCode::OK).await
}

async fn render_library(
    state: &AppState,
    newsroom: &Newsroom,
    query: &LibraryQuery,
    upload_error: Option<String>,
    status: StatusCode,
) -> Result<Response, WebError> {
    let strings = state.strings(newsroom.site.language);
    let number = query.page.unwrap_or(1).max(1);
    let page = state
        .store
        .media_library(
            &query.q,
            PageRequest {
                number,
                per_page: PER_PAGE,
            },
        )
        .await?;
    if number > page.page_count().max(1) {
        return Err(WebError::NotFound);
    }
    let items: Vec<Value> = page
        .items
        .iter()
        .map(|item| {
            let a = &item.asset;
            context! {
                id => a.id,
                thumb => thumbnail(a),
                width => a.width,
                height => a.height,
                color => &a.color,
                name => if a.original_name.is_empty() { &a.file_name } else { &a.original_name },
                alt => &a.text.alt,
                caption => &a.text.caption,
                uses => item.uses,
            }
        })
        .collect();
    let q = url::form_urlencoded::byte_serialize(query.q.as_bytes()).collect::<String>();
    let pages = pagination_links(&page, |n| format!("/admin/media?q={q}&page={n}"));
    let title = strings.text("admin.media");
    let ctx = context! {
        items, pages, upload_error,
        q => &query.q,
        total => page.total,
        ..admin_context(state, &newsroom.site, Some(newsroom), &title, "media", None)
    };
    let html = state.templates.render("admin/media.html", ctx)?;
    Ok((status, Html(html)).into_response())
}

/// Adds an image to the library, then opens it so its alt text is written.
/// Asked by the visual editor (a pasted or dropped image): the answer is
/// JSON, the photo as its dialogs know it or why it was refused.
pub(crate) async fn upload(
    State(state): State<Arc<AppState>>,
    newsroom: Newsroom,
    headers: axum::http::HeaderMap,
    multipart: Multipart,
) -> Result<Response, WebError> {
    let wants_json = headers
        .get(axum::http::header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("application/json"));
    let read = upload::read_checked(multipart, &newsroom).await?;
    let query = LibraryQuery::default();
    let refused = |refusal: upload::Refusal| {
        super::json(
            refusal.status,
            serde_json::json!({ "message": refusal.message }),
        )
    };
    let Some(mut form) = read else {
        let refusal = upload::too_large(&state, &newsroom);
        if wants_json {
            return Ok(refused(refusal));
        }
        return render_library(
            &state,
            &newsroom,
            &query,
            Some(refusal.message),
            refusal.status,
        )
        .await;
    };
    newsroom.require(Permission::UploadMedia)?;
    let stored = match form.file.take() {
        Some(bytes) => upload::store_image(&state, &newsroom, bytes, &form.file_name).await?,
        None => Err(upload::missing(&state, &newsroom)),
    };
    match stored {
        Ok(asset) if wants_json => Ok(super::json(
            StatusCode::CREATED,
            super::desk::PickedPhoto::of(&asset),
        )),
        Ok(asset) => {
            Ok(Redirect::to(&format!("/admin/media/{}?added=1", asset.id)).into_response())
        }
        Err(refusal) if wants_json => Ok(refused(refusal)),
        Err(refusal) => {
            render_library(
                &state,
                &newsroom,
                &query,
                Some(refusal.message),
                refusal.status,
            )
            .await
        }
    }
}

#[derive(Debug, Default, Clone, Deserialize, Serialize)]
#[serde(default)]
pub(crate) struct TextForm {
    #[serde(skip_serializing)]
    csrf: String,
    alt: String,
    caption: String,
    credit: String,
    /// "save" or "delete".
    #[serde(skip_serializing)]
    action: String,
}

impl TextForm {
    fn validate(&self) -> Result<MediaText, Vec<FieldError>> {
        match MediaText::checked(&self.alt, &self.caption, &self.credit) {
            Ok(text) => Ok(text),
            Err(Error::Invalid(errors)) => Err(errors),
            Err(_) => Err(Vec::new()),
        }
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct ItemQuery {
    added: Option<String>,
    saved: Option<String>,
}

async fn render_item(
    state: &AppState,
    newsroom: &Newsroom,
    asset: &MediaAsset,
    form: &TextForm,
    errors: &[FieldError],
    flash: Option<String>,
    status: StatusCode,
) -> Result<Response, WebError> {
    let strings = state.strings(newsroom.site.language);
    let (errors, errors_list) = error_views(strings, errors, |f| format!("admin.media_{f}"));
    let uses: Vec<Value> = state
        .store
        .media_uses(asset.id)
        .await?
        .into_iter()
        .map(|u| match u {
            MediaUse::Article(id, title) => context! {
                label => title, url => format!("/admin/articles/{id}/edit"),
            },
            MediaUse::ArticleText(id, title) => context! {
                label => strings.text("admin.media_in_text_of").replace("{title}", &title),
                url => format!("/admin/articles/{id}/edit"),
            },
            MediaUse::PageText(id, title) => context! {
                label => strings.text("admin.media_in_text_of").replace("{title}", &title),
                url => format!("/admin/pages/{id}"),
            },
            MediaUse::Portrait(id, name) => context! {
                label => strings.text("admin.media_portrait_of").replace("{name}", &name),
                url => format!("/admin/authors/{id}"),
            },
            MediaUse::Logo => context! {
                label => strings.text("admin.logo"), url => "/admin/settings#logo",
            },
        })
        .collect();
    let title = strings.text("admin.media_edit");
    let ctx = context! {
        form, errors, errors_list, uses,
        id => asset.id,
        image => context! {
            src => format!("/media/{}", asset.file_name),
            thumb => thumbnail(asset),
            width => asset.width, height => asset.height, color => &asset.color,
            name => if asset.original_name.is_empty() { &asset.file_name } else { &asset.original_name },
            size_kb => asset.byte_size.div_ceil(1000),
        },
        may_delete => newsroom.user.role.allows(Permission::EditOthers),
        ..admin_context(state, &newsroom.site, Some(newsroom), &title, "media", flash)
    };
    let html = state.templates.render("admin/media_item.html", ctx)?;
    Ok((status, Html(html)).into_response())
}

async fn asset(state: &AppState, id: i64) -> Result<MediaAsset, WebError> {
    state.store.media_asset(id).await?.ok_or(WebError::NotFound)
}

/// One image: its texts, where it is used.
pub(crate) async fn item(
    State(state): State<Arc<AppState>>,
    newsroom: Newsroom,
    Path(id): Path<i64>,
    Query(query): Query<ItemQuery>,
) -> Result<Response, WebError> {
    newsroom.require(Permission::UploadMedia)?;
    let asset = asset(&state, id).await?;
    let strings = state.strings(newsroom.site.language);
    let flash = if query.added.is_some() {
        Some(strings.text("admin.media_added"))
    } else {
        query.saved.map(|_| strings.text("admin.media_saved"))
    };
    let form = TextForm {
        // The caption is offered as the alt text until one is written.
        alt: if asset.text.alt.is_empty() {
            asset.text.caption.clone()
        } else {
            asset.text.alt.clone()
        },
        caption: asset.text.caption.clone(),
        credit: asset.text.credit.clone(),
        ..TextForm::default()
    };
    render_item(&state, &newsroom, &asset, &form, &[], flash, StatusCode::OK).await
}

/// Saves the texts, or deletes an unused image with its files.
pub(crate) async fn change(
    State(state): State<Arc<AppState>>,
    newsroom: Newsroom,
    Path(id): Path<i64>,
    Form(form): Form<TextForm>,
) -> Result<Response, WebError> {
    newsroom.check_csrf(&form.csrf)?;
    newsroom.require(Permission::UploadMedia)?;
    let asset = asset(&state, id).await?;
    if form.action == "delete" {
        newsroom.require(Permission::EditOthers)?;
        return match state.store.delete_media(id).await {
            Ok(gone) => {
                remove_files(&state, &gone).await;
                tracing::info!(user = newsroom.user.id, media = id, "image deleted");
                Ok(Redirect::to("/admin/media?deleted=1").into_response())
            }
            Err(Error::Conflict(_)) => {
                let errors = [FieldError {
                    field: "delete",
                    code: "media_in_use",
                }];
                render_item(
                    &state,
                    &newsroom,
                    &asset,
                    &form,
                    &errors,
                    None,
                    StatusCode::CONFLICT,
                )
                .await
            }
            Err(Error::NotFound(_)) => Err(WebError::NotFound),
            Err(e) => Err(e.into()),
        };
    }
    match form.validate() {
        Ok(text) => {
            state.store.set_media_text(id, &text).await?;
            Ok(Redirect::to(&format!("/admin/media/{id}?saved=1")).into_response())
        }
        Err(errors) => {
            render_item(
                &state,
                &newsroom,
                &asset,
                &form,
                &errors,
                None,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
    }
}

/// Removes the original and its copies from storage. A file that cannot be
/// removed is only logged: the image is already gone from the site.
async fn remove_files(state: &AppState, asset: &MediaAsset) {
    let copies = kiosque_media::VARIANT_WIDTHS.iter().flat_map(|&w| {
        ["webp", "jpg"].map(|ext| kiosque_media::variant_name(asset.stem(), w, ext))
    });
    for name in std::iter::once(asset.file_name.clone()).chain(copies) {
        if let Err(e) = state.media.delete(&name).await {
            tracing::warn!(file = name, error = %e, "could not remove a media file");
        }
    }
}
