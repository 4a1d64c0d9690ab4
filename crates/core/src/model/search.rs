//! What search indexes about an article, and the changes it follows.

use chrono::{DateTime, Utc};

use crate::model::Category;
use crate::types::Slug;

/// A published article as the search index holds it: everything a result
/// shows, so a results page needs no database query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchDocument {
    /// Storage id.
    pub id: i64,
    /// URL name.
    pub slug: Slug,
    /// Headline.
    pub title: String,
    /// Summary.
    pub excerpt: String,
    /// The body as plain text.
    pub body: String,
    /// Tag names.
    pub tags: Vec<String>,
    /// Byline names, the main author first.
    pub authors: Vec<String>,
    /// Section.
    pub category: Option<Category>,
    /// The further sections it is listed in (a search filtered by any of
    /// them finds it).
    pub further_sections: Vec<crate::types::Slug>,
    /// Publication date.
    pub published_at: DateTime<Utc>,
}

/// One noted change: the article must be read again (it may have been
/// edited, unpublished or deleted).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SearchChange {
    /// Position in the log of changes; grows with every change.
    pub seq: i64,
    /// The article concerned.
    pub article_id: i64,
}
