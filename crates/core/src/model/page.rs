//! Pages that are not news: about, contact, ethics policy. Each has its own
//! address at the top of the site and may be linked from the menu or the
//! footer.

use chrono::{DateTime, Utc};

use crate::error::FieldError;
use crate::types::{Locale, Slug};

/// A page as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StaticPage {
    /// Storage id.
    pub id: i64,
    /// Its address: `/{slug}/`.
    pub slug: Slug,
    /// Heading and link text.
    pub title: String,
    /// Source as written.
    pub body_markdown: String,
    /// Sanitised HTML rendered from the Markdown when saved.
    pub body_html: String,
    /// Linked from the menu at the top of every page.
    pub in_menu: bool,
    /// Linked from the footer of every page.
    pub in_footer: bool,
    /// Order among the links (smallest first, then by title).
    pub position: i64,
    /// Last change.
    pub updated_at: DateTime<Utc>,
}

/// What a save writes (`body_html` rendered by the caller).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageDraft {
    /// Its address.
    pub slug: Slug,
    /// Heading and link text.
    pub title: String,
    /// Source.
    pub body_markdown: String,
    /// Rendered, sanitised source.
    pub body_html: String,
    /// See [`StaticPage::in_menu`].
    pub in_menu: bool,
    /// See [`StaticPage::in_footer`].
    pub in_footer: bool,
    /// See [`StaticPage::position`].
    pub position: i64,
}

/// Longest page source: a long ethics charter fits many times over.
pub const PAGE_BODY_MAX: usize = 100_000;

impl PageDraft {
    /// Checks a page as written and renders its Markdown; an empty
    /// address is made from the title. The admin's form and the API both
    /// come here.
    pub fn checked(
        title: &str,
        slug: &str,
        body: &str,
        (in_menu, in_footer, position): (bool, bool, i64),
        language: Locale,
    ) -> Result<PageDraft, Vec<FieldError>> {
        let mut errors = Vec::new();
        let mut refuse = |field, code| errors.push(FieldError { field, code });
        let title_over = title.chars().count() > 200;
        let title = title.split_whitespace().collect::<Vec<_>>().join(" ");
        if title.is_empty() {
            refuse("title", "required");
        } else if title_over {
            refuse("title", "too_long");
        }
        let slug = match slug.trim() {
            "" => Slug::from_text(&title).ok(),
            given => Slug::parse(given).ok(),
        };
        if slug.is_none() && !title.is_empty() {
            refuse("slug", "invalid_slug");
        }
        // Browsers send a textarea's line breaks as CRLF; the stored text
        // uses LF, as an article's does.
        let body = body.replace("\r\n", "\n");
        let body = body.as_str();
        if body.chars().count() > PAGE_BODY_MAX {
            refuse("body", "too_long");
        } else if !crate::markup::external_images(body).is_empty() {
            refuse("body", "external_image");
        }
        match slug {
            Some(slug) if errors.is_empty() => Ok(PageDraft {
                slug,
                title,
                body_html: crate::markup::render_markdown(body, language == Locale::Fr),
                body_markdown: body.to_owned(),
                in_menu,
                in_footer,
                position,
            }),
            _ => Err(errors),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_page_sent_from_a_browser_is_stored_with_plain_line_breaks() {
        let page = PageDraft::checked(
            "Nous contacter",
            "",
            "## Écrivez-nous\r\n\r\nUne ligne.",
            (false, false, 0),
            Locale::Fr,
        )
        .unwrap();
        assert_eq!(page.body_markdown, "## Écrivez-nous\n\nUne ligne.");
        assert_eq!(page.slug.as_str(), "nous-contacter");
    }
}
