//! WordPress post content into Kiosque's Markdown.
//!
//! Imported articles become Markdown, not stored HTML: the newsroom edits
//! them in the same editor as everything else, and they render through the
//! same sanitiser. The steps follow what WordPress does when it shows a
//! post:
//!
//! 1. classic-editor text gets its paragraphs as `wpautop` gives them (a
//!    blank line ends a paragraph, a line break is a line break);
//!    block-editor content already has them, and its `<!-- wp:… -->`
//!    markers are dropped;
//! 2. galleries (shortcodes and blocks) become Kiosque galleries of the
//!    imported photos, embeds (shortcodes and blocks) an address alone on
//!    a line ([`blocks`]); `[caption]` shortcodes become figures with their
//!    caption; other shortcodes stay in the text, visible, and are
//!    reported;
//! 3. the HTML becomes Markdown ([`markdown`]); what Markdown cannot say
//!    (a figure with its caption, a table) stays a small HTML block of
//!    known tags. Image addresses are rewritten to the imported media.

mod blocks;
mod danger;
mod markdown;
mod shortcodes;

pub use danger::danger;

/// What an import has made of the old site's files.
pub trait ImportedMedia {
    /// The imported file's address (`/media/…`) for an address of the old
    /// site's uploads, if that file was imported.
    fn address(&self, url: &str) -> Option<String>;
    /// The imported file name of the WordPress attachment `id`, if any.
    fn attachment(&self, id: i64) -> Option<String>;
}

/// Addresses only (no attachment is known by id).
impl<F: Fn(&str) -> Option<String>> ImportedMedia for F {
    fn address(&self, url: &str) -> Option<String> {
        self(url)
    }
    fn attachment(&self, _id: i64) -> Option<String> {
        None
    }
}

/// Post content made Markdown.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Converted {
    /// The article's Markdown.
    pub markdown: String,
    /// Shortcodes left in the text (by name, once each), for the report.
    pub shortcodes: Vec<String>,
    /// Galleries none of whose photos were imported (left as they were).
    pub empty_galleries: usize,
}

/// Converts a post's `content:encoded`. `media` tells what became of the
/// old site's files: addresses it does not know are left as they are.
pub fn wordpress_to_markdown(content: &str, media: &dyn ImportedMedia) -> Converted {
    let blocks = content.contains("<!-- wp:");
    let (html, empty_galleries) = blocks::convert(content, media);
    let html = shortcodes::captions_to_figures(&html);
    let address = |url: &str| media.address(url);
    Converted {
        shortcodes: shortcodes::left(&html),
        markdown: markdown::from_html(&html, &address, !blocks),
        empty_galleries,
    }
}

/// A reader's comment as text, its paragraphs and line breaks kept.
pub fn comment_text(html: &str) -> String {
    markdown::comment_text(html)
}

/// Plain text of a little HTML (a hand-written excerpt, a title with
/// entities): tags dropped, entities decoded, spaces collapsed.
pub fn plain_text(html: &str) -> String {
    markdown::plain_text(html)
}

#[cfg(test)]
mod tests;
