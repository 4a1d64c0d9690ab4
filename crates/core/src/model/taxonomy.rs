//! Sections and tags as the newsroom manages them.

use serde::Serialize;

use crate::types::Slug;

/// The two ways articles are grouped: one section each, any number of tags.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TermKind {
    /// A section ("International"); its page is `/category/<slug>/`.
    Category,
    /// A keyword ("Corée du Nord").
    Tag,
}

impl TermKind {
    /// The name used in addresses and translation keys.
    pub fn as_str(self) -> &'static str {
        match self {
            TermKind::Category => "category",
            TermKind::Tag => "tag",
        }
    }
}

/// A section or tag with the number of articles filed under it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TermUsage {
    /// Storage id.
    pub id: i64,
    /// URL form.
    pub slug: Slug,
    /// Display name.
    pub name: String,
    /// Articles in any state that use it.
    pub articles: u64,
}

/// A section's place among the others (sections can sit under another).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SectionFamily {
    /// The sections above it, the top one first (a breadcrumb).
    pub ancestors: Vec<crate::model::Category>,
    /// The sections right under it, by name.
    pub children: Vec<crate::model::Category>,
    /// Every section under it, at any depth (its list holds their
    /// articles too, as WordPress's category archives do).
    pub descendants: Vec<i64>,
}
