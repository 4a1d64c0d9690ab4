//! Blocks of an article that are drawn when the page is shown, not when the
//! text is saved: a gallery needs the photos' current copies and library
//! texts, an embed the site's words and its provider's current player.
//!
//! The stored HTML holds each such block as a marker comment with the
//! block's data, then a plain fallback (a link, the photos) for anything
//! that reads the HTML without drawing blocks, then a closing comment:
//!
//! ```text
//! <!--kiosque {"kind":"embed","url":"https://youtu.be/…"}--><p><a …>…</a></p><!--/kiosque-->
//! ```
//!
//! Readers' and writers' HTML goes through the sanitiser, which removes
//! every comment, so a marker can only come from the renderer.

use serde::{Deserialize, Serialize};

use super::embed::Embed;
use super::gallery::Gallery;

const OPEN: &str = "<!--kiosque ";
const CLOSE: &str = "<!--/kiosque-->";

/// A block drawn at display time.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum Component {
    /// Photos of the library.
    Gallery(Gallery),
    /// A provider's post or player, behind a click.
    Embed {
        /// The address as written.
        url: String,
    },
}

impl Component {
    /// The embed, if this is one whose provider is (still) on the list.
    pub fn embed(&self) -> Option<Embed> {
        match self {
            Component::Embed { url } => Embed::from_url(url),
            Component::Gallery(_) => None,
        }
    }
}

/// A part of stored HTML.
#[derive(Debug, PartialEq, Eq)]
pub enum Piece<'a> {
    /// HTML to copy as it is.
    Html(&'a str),
    /// A block to draw; `fallback` is what stands for it undrawn.
    Component(Component, &'a str),
}

/// The marker, fallback and closing comment for a block.
pub(crate) fn write(component: &Component, fallback: &str, out: &mut String) {
    let json = serde_json::to_string(component).unwrap_or_default();
    out.push_str(OPEN);
    // Inside a comment, `--` and `>` could end it early: JSON's own escapes
    // keep the text the same. Only strings hold these characters here.
    for c in json.chars() {
        match c {
            '-' => out.push_str("\\u002d"),
            '>' => out.push_str("\\u003e"),
            '<' => out.push_str("\\u003c"),
            _ => out.push(c),
        }
    }
    out.push_str("-->");
    out.push_str(fallback);
    out.push_str(CLOSE);
}

/// Splits stored HTML into plain parts and blocks. A marker that cannot be
/// read (from a future version, say) leaves its fallback in place.
pub fn pieces(html: &str) -> Vec<Piece<'_>> {
    let mut out = Vec::new();
    let mut rest = html;
    while let Some(start) = rest.find(OPEN) {
        let after = &rest[start + OPEN.len()..];
        let Some(json_end) = after.find("-->") else {
            break;
        };
        let Some(close) = after[json_end..].find(CLOSE) else {
            break;
        };
        if start > 0 {
            out.push(Piece::Html(&rest[..start]));
        }
        let fallback = &after[json_end + 3..json_end + close];
        match serde_json::from_str::<Component>(&after[..json_end]) {
            Ok(component) => out.push(Piece::Component(component, fallback)),
            Err(_) => out.push(Piece::Html(fallback)),
        }
        rest = &after[json_end + close + CLOSE.len()..];
    }
    if !rest.is_empty() {
        out.push(Piece::Html(rest));
    }
    out
}

/// Stored HTML with every block left as its plain fallback (feeds: a feed
/// reader gets links and pictures, never a player).
pub fn fallbacks_only(html: &str) -> std::borrow::Cow<'_, str> {
    if !has_components(html) {
        return std::borrow::Cow::Borrowed(html);
    }
    let mut out = String::with_capacity(html.len());
    for piece in pieces(html) {
        match piece {
            Piece::Html(h) | Piece::Component(_, h) => out.push_str(h),
        }
    }
    std::borrow::Cow::Owned(out)
}

/// Whether stored HTML holds any block to draw (most articles do not:
/// they are shown as stored).
pub fn has_components(html: &str) -> bool {
    html.contains(OPEN)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::markup::gallery::GalleryPhoto;

    #[test]
    fn a_written_block_is_read_back_between_the_html_around_it() {
        let gallery = Component::Gallery(Gallery {
            columns: None,
            photos: vec![GalleryPhoto {
                file: "a-b.jpg".into(),
                alt: Some("--> <script> «x»".into()),
                caption: None,
            }],
        });
        let mut html = String::from("<p>avant</p>");
        write(&gallery, "<p>repli</p>", &mut html);
        html.push_str("<p>après</p>");
        assert!(!html[4..html.len() - 4].contains("--><script"), "{html}");
        assert_eq!(
            pieces(&html),
            vec![
                Piece::Html("<p>avant</p>"),
                Piece::Component(gallery, "<p>repli</p>"),
                Piece::Html("<p>après</p>"),
            ]
        );
    }

    #[test]
    fn an_unreadable_marker_leaves_its_fallback() {
        let html = "<!--kiosque {\"kind\":\"hologram\"}--><p>lien</p><!--/kiosque--><p>fin</p>";
        assert_eq!(
            pieces(html),
            vec![Piece::Html("<p>lien</p>"), Piece::Html("<p>fin</p>")]
        );
        assert_eq!(pieces("<p>rien</p>"), vec![Piece::Html("<p>rien</p>")]);
        assert_eq!(fallbacks_only(html), "<p>lien</p><p>fin</p>");
    }
}
