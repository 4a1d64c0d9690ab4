//! What sitemaps list about an article.

use chrono::{DateTime, Utc};

use crate::model::Site;
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
    /// Its section's URL name (some address shapes carry it).
    pub category_slug: Option<Slug>,
}

impl SitemapEntry {
    /// The article's public path on `site`.
    pub fn path(&self, site: &Site) -> String {
        site.article_path(self.published_at, self.category_slug.as_ref(), &self.slug)
    }
}
