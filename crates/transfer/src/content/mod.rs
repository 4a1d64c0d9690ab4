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
//! 2. `[caption]` shortcodes become figures with their caption; other
//!    shortcodes stay in the text, visible, and are reported;
//! 3. the HTML becomes Markdown ([`markdown`]); what Markdown cannot say
//!    (a figure with its caption, a table) stays a small HTML block of
//!    known tags. Image addresses are rewritten to the imported media.

mod markdown;
mod shortcodes;

/// Post content made Markdown.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Converted {
    /// The article's Markdown.
    pub markdown: String,
    /// Shortcodes left in the text (by name, once each), for the report.
    pub shortcodes: Vec<String>,
}

/// Converts a post's `content:encoded`. `media` maps an image or link
/// address of the old site to the imported file's address (`None` leaves
/// it as it is).
pub fn wordpress_to_markdown(content: &str, media: &dyn Fn(&str) -> Option<String>) -> Converted {
    let blocks = content.contains("<!-- wp:");
    let html = shortcodes::captions_to_figures(content);
    Converted {
        shortcodes: shortcodes::left(&html),
        markdown: markdown::from_html(&html, media, !blocks),
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
