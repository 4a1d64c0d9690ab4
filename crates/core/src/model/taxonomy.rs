//! Sections and tags as the newsroom manages them.

use serde::Serialize;

use crate::error::FieldError;
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

impl TermUsage {
    /// The tag it counts (for a usage of `TermKind::Tag`).
    pub fn into_tag(self) -> crate::model::Tag {
        crate::model::Tag {
            id: self.id,
            slug: self.slug,
            name: self.name,
        }
    }
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

/// Longest section or tag name.
pub const TERM_NAME_MAX: usize = 100;

/// The name and address a section or tag is stored with, or what is
/// wrong with them. An empty address is made from the name, as for
/// articles.
pub fn check_term(name: &str, slug: &str) -> Result<(String, Slug), Vec<FieldError>> {
    let name = name.split_whitespace().collect::<Vec<_>>().join(" ");
    let mut errors = Vec::new();
    if name.is_empty() {
        errors.push(FieldError {
            field: "name",
            code: "required",
        });
    } else if name.chars().count() > TERM_NAME_MAX {
        errors.push(FieldError {
            field: "name",
            code: "too_long",
        });
    }
    let slug = match slug.trim() {
        "" => Slug::from_text(&name).map_err(|_| "invalid_name"),
        given => Slug::parse(given).map_err(|_| "invalid_slug"),
    };
    match slug {
        Ok(slug) if errors.is_empty() => Ok((name, slug)),
        Ok(_) => Err(errors),
        Err(code) => {
            if !name.is_empty() {
                errors.push(FieldError {
                    field: "slug",
                    code,
                });
            }
            Err(errors)
        }
    }
}
