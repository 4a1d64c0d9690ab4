//! What sitemaps list about an article.

use chrono::{DateTime, Utc};

use crate::model::article_path;
use crate::types::{Slug, Title};

/// A published article as search engines' sitemaps describe it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SitemapEntry {
    /// URL name.
    pub slug: Slug,
    /// Headline (Google News sitemaps carry it).
    pub title: Title,
    /// Publication date.
    pub published_at: DateTime<Utc>,
    /// Last change, or the latest correction if later.
    pub modified_at: DateTime<Utc>,
}

impl SitemapEntry {
    /// The article's public path.
    pub fn path(&self) -> String {
        article_path(self.published_at, &self.slug)
    }
}
