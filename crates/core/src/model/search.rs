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

/// Deepest result reachable by paging: an index keeps `offset + limit`
/// candidates in memory, so a page number is never allowed to make that
/// unbounded. Nobody reads result 10,001.
pub const MAX_SEARCH_RESULTS: usize = 10_000;

/// What a reader asked for.
#[derive(Debug, Clone)]
pub struct SearchQuery<'a> {
    /// The words typed; `"…"` for a phrase.
    pub text: &'a str,
    /// Only this section (its slug).
    pub category: Option<&'a str>,
    /// Only articles published at or after this.
    pub from: Option<DateTime<Utc>>,
    /// Only articles published before this.
    pub until: Option<DateTime<Utc>>,
    /// Page number, from 1.
    pub page: u32,
    /// Results per page.
    pub per_page: u32,
    /// The clock recency is measured against.
    pub now: DateTime<Utc>,
}

/// A page of results.
#[derive(Debug, Clone, Default)]
pub struct SearchResults {
    /// How many articles match in all.
    pub total: u64,
    /// This page's.
    pub hits: Vec<Hit>,
    /// Whether the query had any word to look for (not only punctuation or
    /// stop words).
    pub searched: bool,
}

/// Text with some parts to highlight (serialised as templates read it).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Segment {
    /// The text, not escaped.
    pub text: String,
    /// Whether it matched the query.
    pub mark: bool,
}

/// One result.
#[derive(Debug, Clone)]
pub struct Hit {
    /// Storage id.
    pub id: i64,
    /// URL name.
    pub slug: String,
    /// Headline, with the words that matched.
    pub title: Vec<Segment>,
    /// A passage of the body (or the summary) with the words that matched.
    pub snippet: Vec<Segment>,
    /// Byline names.
    pub authors: Vec<String>,
    /// Section slug and name.
    pub category: Option<(String, String)>,
    /// Publication date.
    pub published_at: DateTime<Utc>,
}
