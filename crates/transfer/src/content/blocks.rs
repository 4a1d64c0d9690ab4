//! WordPress galleries and embeds into Kiosque's own blocks, before the
//! HTML becomes Markdown: `[gallery ids=…]` shortcodes and block-editor
//! gallery blocks become a ```` ```gallery ```` block of the imported photos
//! (in WordPress's order, with the block's alt texts and captions);
//! `[embed]URL[/embed]` and block-editor embed blocks become the address
//! alone on a line, which Kiosque draws as an embed.
//!
//! Each becomes a `<kiosque-markdown>` element holding the Markdown to
//! write as it is (escaped, so the tokenizer gives it back unchanged); the
//! Markdown writer puts it in a block of its own.

use html5ever::tokenizer::{TagKind, Token};
use kiosque_core::markup::embed::Embed;
use kiosque_core::markup::gallery::{Gallery, GalleryPhoto};

use super::ImportedMedia;
use super::markdown::{attr, escape_html, tokens};
use super::shortcodes::{attribute, find_open};

/// The element the Markdown writer copies verbatim.
pub(super) const VERBATIM: &str = "kiosque-markdown";

fn verbatim(markdown: &str) -> String {
    format!("<{VERBATIM}>{}</{VERBATIM}>", escape_html(markdown))
}

/// Replaces galleries and embeds; returns the new HTML and how many
/// galleries found none of their photos (reported).
pub(super) fn convert(html: &str, media: &dyn ImportedMedia) -> (String, usize) {
    let mut empty = 0;
    let html = replace_blocks(html, "gallery", |attrs, inner| {
        let gallery = block_gallery(attrs, inner, media);
        if gallery.photos.is_empty() {
            empty += 1;
            return None;
        }
        Some(verbatim(&gallery.to_markdown()))
    });
    let html = replace_blocks(&html, "embed", embed_block);
    // WordPress 5.0–5.5 named embed blocks by provider: core-embed/youtube.
    let html = replace_blocks(&html, "core-embed/", embed_block);
    let html = replace_shortcodes(&html, "gallery", false, |attrs, _| {
        let gallery = shortcode_gallery(attrs, media);
        if gallery.photos.is_empty() {
            empty += 1;
            return None;
        }
        Some(verbatim(&gallery.to_markdown()))
    });
    let html = replace_shortcodes(&html, "embed", true, |attrs, inner| {
        let url = inner
            .map(str::trim)
            .filter(|u| !u.is_empty())
            .map(str::to_owned)
            .or_else(|| attribute(attrs, "src"))?;
        Some(embed_line(&url))
    });
    (html, empty)
}

/// An address alone on a line: an embed if a provider serves it, an
/// autolink otherwise (still a link, never lost).
fn embed_line(url: &str) -> String {
    let url = url.trim();
    match Embed::from_url(url) {
        Some(_) => verbatim(url),
        None => verbatim(&format!("<{url}>")),
    }
}

/// `<!-- wp:embed {"url":"…"} -->…<!-- /wp:embed -->`: the address, and the
/// block's caption as a paragraph after it.
fn embed_block(attrs: &str, inner: &str) -> Option<String> {
    let json: serde_json::Value = serde_json::from_str(attrs.trim()).ok()?;
    let url = json.get("url")?.as_str()?;
    let mut out = embed_line(url);
    if let Some(start) = inner.find("<figcaption")
        && let Some(end) = inner[start..].find("</figcaption>")
    {
        let caption = &inner[start..start + end + "</figcaption>".len()];
        out.push_str(
            &caption
                .replace("<figcaption", "<p")
                .replace("</figcaption>", "</p>"),
        );
    }
    Some(out)
}

/// `[gallery ids="21,22" columns="3"]`: the imported photos of those
/// attachments, their texts from the library.
fn shortcode_gallery(attrs: &str, media: &dyn ImportedMedia) -> Gallery {
    let ids = attribute(attrs, "ids")
        .or_else(|| attribute(attrs, "include"))
        .unwrap_or_default();
    Gallery {
        columns: columns(attribute(attrs, "columns").as_deref()),
        photos: ids
            .split(',')
            .filter_map(|id| id.trim().parse::<i64>().ok())
            .filter_map(|id| media.attachment(id))
            .map(|file| GalleryPhoto {
                file,
                alt: None,
                caption: None,
            })
            .collect(),
    }
}

/// A block-editor gallery: its images in order (by attachment id, else by
/// address), each with its alt text and the caption that follows it.
fn block_gallery(attrs: &str, inner: &str, media: &dyn ImportedMedia) -> Gallery {
    let json: serde_json::Value =
        serde_json::from_str(attrs.trim()).unwrap_or(serde_json::Value::Null);
    let columns = columns(
        json.get("columns")
            .and_then(|c| c.as_u64())
            .map(|c| c.to_string())
            .as_deref(),
    );
    let mut photos: Vec<GalleryPhoto> = Vec::new();
    let mut caption: Option<String> = None;
    for token in tokens(inner) {
        match token {
            Token::TagToken(tag) if tag.kind == TagKind::StartTag && &*tag.name == "img" => {
                let by_id = attr(&tag, "data-id")
                    .and_then(|i| i.parse::<i64>().ok())
                    .or_else(|| {
                        attr(&tag, "class")?
                            .split_whitespace()
                            .find_map(|c| c.strip_prefix("wp-image-")?.parse().ok())
                    })
                    .and_then(|id| media.attachment(id));
                let file = by_id.or_else(|| {
                    media
                        .address(attr(&tag, "src")?)?
                        .strip_prefix("/media/")
                        .map(str::to_owned)
                });
                if let Some(file) = file {
                    photos.push(GalleryPhoto {
                        file,
                        alt: attr(&tag, "alt").map(str::to_owned),
                        caption: None,
                    });
                }
            }
            Token::TagToken(tag) if &*tag.name == "figcaption" => {
                caption = match tag.kind {
                    TagKind::StartTag => Some(String::new()),
                    TagKind::EndTag => {
                        let text = caption.take().unwrap_or_default();
                        let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
                        if let Some(last) = photos.last_mut().filter(|_| !text.is_empty()) {
                            last.caption = Some(text);
                        }
                        None
                    }
                };
            }
            Token::CharacterTokens(text) => {
                if let Some(c) = caption.as_mut() {
                    c.push_str(&text);
                }
            }
            _ => {}
        }
    }
    Gallery { columns, photos }
}

fn columns(raw: Option<&str>) -> Option<u8> {
    raw?.trim()
        .parse::<u8>()
        .ok()
        .filter(|c| (1..=6).contains(c))
}

/// Replaces each `<!-- wp:NAME… {attrs} -->…<!-- /wp:NAME… -->` with what
/// `replace` makes of its attributes and inner HTML (`None` keeps it).
/// A `name` ending in `/` matches every block under that prefix.
fn replace_blocks(
    html: &str,
    name: &str,
    mut replace: impl FnMut(&str, &str) -> Option<String>,
) -> String {
    let open = format!("<!-- wp:{name}");
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(start) = rest.find(&open) {
        let after_name = &rest[start + open.len()..];
        // `wp:gallery` must not match `wp:gallery-item` and the like.
        let full_name_len = if name.ends_with('/') {
            after_name.find(char::is_whitespace).unwrap_or(0)
        } else {
            0
        };
        if !name.ends_with('/') && !after_name.starts_with([' ', '-']) {
            out.push_str(&rest[..start + open.len()]);
            rest = after_name;
            continue;
        }
        let block_name = format!("{name}{}", &after_name[..full_name_len]);
        let Some(comment_end) = after_name.find("-->") else {
            break;
        };
        let attrs = after_name[full_name_len..comment_end].trim();
        let attrs = attrs.strip_suffix('/').unwrap_or(attrs).trim();
        let body_start = start + open.len() + comment_end + 3;
        let close = format!("<!-- /wp:{block_name} -->");
        let Some(close_at) = rest[body_start..].find(&close) else {
            break;
        };
        let inner = &rest[body_start..body_start + close_at];
        out.push_str(&rest[..start]);
        match replace(if attrs.is_empty() { "{}" } else { attrs }, inner) {
            Some(replacement) => out.push_str(&replacement),
            None => out.push_str(&rest[start..body_start + close_at + close.len()]),
        }
        rest = &rest[body_start + close_at + close.len()..];
    }
    out.push_str(rest);
    out
}

/// Replaces each `[name attrs]` (with `[/name]` and its content when
/// `enclosing`) by what `replace` makes of its attributes and content.
fn replace_shortcodes(
    html: &str,
    name: &str,
    enclosing: bool,
    mut replace: impl FnMut(&str, Option<&str>) -> Option<String>,
) -> String {
    let close = format!("[/{name}]");
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(start) = find_open(rest, name) {
        let Some(open_end) = rest[start..].find(']').map(|i| start + i + 1) else {
            break;
        };
        let attrs = &rest[start + 1 + name.len()..open_end - 1];
        let (inner, end) = match rest[open_end..].find(&close) {
            Some(i) if enclosing => (
                Some(&rest[open_end..open_end + i]),
                open_end + i + close.len(),
            ),
            _ => (None, open_end),
        };
        out.push_str(&rest[..start]);
        match replace(attrs, inner) {
            Some(replacement) => out.push_str(&replacement),
            None => out.push_str(&rest[start..end]),
        }
        rest = &rest[end..];
    }
    out.push_str(rest);
    out
}
