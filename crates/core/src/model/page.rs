//! Pages that are not news: about, contact, ethics policy. Each has its own
//! address at the top of the site and may be linked from the menu or the
//! footer.

use chrono::{DateTime, Utc};

use crate::types::Slug;

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
