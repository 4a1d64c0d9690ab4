//! An article's or page's stored HTML as readers see it: its galleries
//! drawn from the library's current copies and texts, its embeds drawn as
//! click-to-load placeholders (see `kiosque_core::markup::component`).

use std::collections::HashMap;

use kiosque_core::markup::component::{self, Component, Piece};
use kiosque_core::markup::embed::{EmbedShape, Provider};
use kiosque_core::markup::gallery::Gallery;
use kiosque_core::model::{MediaAsset, Site};
use minijinja::context;
use serde::Serialize;

use crate::cache::Topics;
use crate::views::{ImageView, asset_image};
use crate::{AppState, WebError};

/// Stored HTML, drawn.
#[derive(Debug, Default)]
pub(crate) struct Body {
    /// What the page shows.
    pub(crate) html: String,
    /// Library photos shown (their page-cache topics).
    media: Vec<i64>,
    /// Sections named besides the article's own.
    sections: Vec<i64>,
    /// Providers whose players a reader may load here (the page's
    /// `frame-src`).
    providers: Vec<Provider>,
    /// Whether a gallery or an embed needs the reader script.
    pub(crate) scripted: bool,
}

impl Body {
    /// Lets the page's frames come from its embeds' providers, and from no
    /// one else (pages without embeds keep the policy that forbids frames).
    pub(crate) fn allow_frames(&self, response: &mut axum::response::Response) {
        if !self.providers.is_empty() {
            response.headers_mut().insert(
                axum::http::header::CONTENT_SECURITY_POLICY,
                crate::security::content_policy_with_frames(&self.providers),
            );
        }
    }

    /// Notes a section the page names besides the article's own (a
    /// breadcrumb's parents).
    pub(crate) fn file_under_section(&mut self, id: i64) {
        self.sections.push(id);
    }

    /// Files the page under the photos and sections it shows.
    pub(crate) fn file_under(&self, topics: &mut Topics) {
        for id in &self.media {
            topics.add("media", *id);
        }
        for id in &self.sections {
            topics.add("category", *id);
        }
    }
}

#[derive(Serialize)]
struct GalleryView {
    columns: Option<u8>,
    photos: Vec<ImageView>,
}

#[derive(Serialize)]
struct EmbedView {
    provider: &'static str,
    key: &'static str,
    shape: EmbedShape,
    url: String,
    /// The address without its scheme, shown on the placeholder.
    shown_url: String,
    player: String,
    sandbox: &'static str,
    allow: &'static str,
}

/// Draws the blocks of stored HTML. Most articles have none and are
/// returned as stored, without a query.
pub(crate) async fn draw(state: &AppState, site: &Site, stored: &str) -> Result<Body, WebError> {
    if !component::has_components(stored) {
        return Ok(Body {
            html: stored.to_owned(),
            ..Body::default()
        });
    }
    let pieces = component::pieces(stored);
    let files: Vec<String> = pieces
        .iter()
        .filter_map(|p| match p {
            Piece::Component(Component::Gallery(g), _) => Some(g),
            _ => None,
        })
        .flat_map(|g| g.photos.iter().map(|p| p.file.clone()))
        .collect();
    let assets: HashMap<String, MediaAsset> = if files.is_empty() {
        HashMap::new()
    } else {
        state
            .reader()
            .media_by_files(&files)
            .await?
            .into_iter()
            .map(|a| (a.file_name.clone(), a))
            .collect()
    };
    let t = state.strings(site.language).value();
    let mut body = Body {
        html: String::with_capacity(stored.len() * 2),
        ..Body::default()
    };
    for piece in pieces {
        match piece {
            Piece::Html(html) => body.html.push_str(html),
            Piece::Component(Component::Gallery(gallery), fallback) => {
                let view = gallery_view(&gallery, &assets, site, &mut body.media);
                if view.photos.is_empty() {
                    body.html.push_str(fallback);
                    continue;
                }
                body.scripted = true;
                body.html.push_str(
                    &state
                        .templates
                        .render("parts/gallery.html", context! { gallery => view, t => &t })?,
                );
            }
            Piece::Component(other, fallback) => {
                let Some(embed) = other.embed() else {
                    body.html.push_str(fallback);
                    continue;
                };
                let p = embed.provider;
                if !body.providers.contains(&p) {
                    body.providers.push(p);
                }
                body.scripted = true;
                let view = EmbedView {
                    provider: p.name(),
                    key: p.key(),
                    shape: p.shape(),
                    shown_url: embed
                        .url
                        .trim_start_matches("https://")
                        .trim_start_matches("http://")
                        .trim_start_matches("www.")
                        .to_owned(),
                    url: embed.url,
                    player: embed.player,
                    sandbox: p.sandbox(),
                    allow: p.allow(),
                };
                body.html.push_str(
                    &state
                        .templates
                        .render("parts/embed.html", context! { embed => view, t => &t })?,
                );
            }
        }
    }
    Ok(body)
}

/// The gallery's photos that the library holds, in the gallery's order,
/// with the gallery's own alt text and caption where written.
fn gallery_view(
    gallery: &Gallery,
    assets: &HashMap<String, MediaAsset>,
    site: &Site,
    media: &mut Vec<i64>,
) -> GalleryView {
    let photos = gallery
        .photos
        .iter()
        .filter_map(|p| {
            let asset = assets.get(&p.file)?;
            if !media.contains(&asset.id) {
                media.push(asset.id);
            }
            let text = &asset.text;
            let alt = p
                .alt
                .clone()
                .or_else(|| Some(text.alt.clone()).filter(|a| !a.is_empty()))
                .or_else(|| p.caption.clone())
                .unwrap_or_default();
            let caption = p
                .caption
                .as_deref()
                .or(Some(text.caption.as_str()).filter(|c| !c.is_empty()));
            let credit = Some(text.credit.clone()).filter(|c| !c.is_empty());
            Some(asset_image(asset, alt, caption, credit, site.language))
        })
        .collect();
    GalleryView {
        columns: gallery.columns,
        photos,
    }
}
