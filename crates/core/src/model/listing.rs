//! Published articles picked by any combination of filters, a slice at a
//! time after a cursor (what an API client pages through: stable while
//! articles are published, unlike page numbers).

use chrono::{DateTime, Utc};

use crate::model::{Article, ArticleType, MediaAsset};

/// Where a slice starts: after the article with this publication time and
/// id (lists run newest first, ties by id).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ListCursor {
    /// The last article's publication time.
    pub published_at: DateTime<Utc>,
    /// The last article's id.
    pub id: i64,
}

impl ListCursor {
    /// The cursor as a client carries it: opaque, URL-safe.
    pub fn encode(&self) -> String {
        format!("{}.{}", self.published_at.timestamp(), self.id)
    }

    /// Reads a cursor given back by a client; `None` if it is not one.
    pub fn decode(text: &str) -> Option<Self> {
        let (secs, id) = text.split_once('.')?;
        let secs: i64 = secs.parse().ok()?;
        let id: i64 = id.parse().ok()?;
        Some(ListCursor {
            published_at: DateTime::from_timestamp(secs, 0)?,
            id,
        })
    }
}

/// Which published articles, all filters together.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PublishedQuery {
    /// In this section (first or further), or one under it.
    pub section: Option<i64>,
    /// With this tag.
    pub tag: Option<i64>,
    /// Signed or co-signed by this author.
    pub author: Option<i64>,
    /// Of this kind.
    pub article_type: Option<ArticleType>,
    /// Published at or after this.
    pub after: Option<DateTime<Utc>>,
    /// Published before this.
    pub before: Option<DateTime<Utc>>,
    /// Only among these ids (a text search's matches).
    pub among: Option<Vec<i64>>,
    /// Start after this article.
    pub cursor: Option<ListCursor>,
    /// At most this many.
    pub limit: u32,
    /// In any of these sections exactly, first or further (not the ones
    /// under them: WordPress's `categories`); an empty list matches nothing.
    pub in_sections: Option<Vec<i64>>,
    /// In none of these sections.
    pub not_in_sections: Vec<i64>,
    /// With any of these tags; an empty list matches nothing.
    pub any_tags: Option<Vec<i64>>,
    /// With none of these tags.
    pub not_tags: Vec<i64>,
    /// Signed (main byline) by any of these authors.
    pub signed_by: Option<Vec<i64>>,
    /// Signed by none of these authors.
    pub not_signed_by: Vec<i64>,
    /// With any of these slugs.
    pub slugs: Option<Vec<String>>,
    /// None of these articles.
    pub exclude: Vec<i64>,
    /// Skip this many first (page numbers; with the default order only
    /// the cursor is stable while articles are published).
    pub offset: u64,
    /// In which order (newest first if not told; a cursor needs that one).
    pub sort: ListSort,
    /// In these states instead of published (the newsroom's view, for
    /// those who may see them); empty: published.
    pub statuses: Vec<crate::types::ArticleStatus>,
    /// Only articles this account created (what a contributor may open).
    pub created_by: Option<i64>,
}

/// What a list is ordered by.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum SortKey {
    /// Publication time.
    #[default]
    Published,
    /// Last change.
    Modified,
    /// Storage id.
    Id,
    /// Headline.
    Title,
    /// Address name.
    Slug,
}

/// A list's order: a key, descending unless `ascending`; ties by id in
/// the same direction.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ListSort {
    /// The key.
    pub by: SortKey,
    /// Smallest first.
    pub ascending: bool,
}

/// A slice of the list and the size of the whole list.
#[derive(Debug, Clone, Default)]
pub struct PublishedSlice {
    /// Newest first.
    pub articles: Vec<Article>,
    /// Articles in the whole list (every slice), the cursor aside.
    pub total: u64,
    /// Where the next slice starts, if there is one.
    pub next: Option<ListCursor>,
}

/// Which photos readers can already see (the lead photos of published
/// articles, the authors' portraits, the site's logo) a list holds: what
/// WordPress's API lists as media to anyone.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MediaQuery {
    /// Only these photos; an empty list matches nothing.
    pub include: Option<Vec<i64>>,
    /// Not these.
    pub exclude: Vec<i64>,
    /// Leading any of these published articles (0: leading none).
    pub parents: Option<Vec<i64>>,
    /// Skip this many first.
    pub offset: u64,
    /// At most this many.
    pub limit: u32,
    /// Oldest first (newest first otherwise).
    pub oldest_first: bool,
    /// Every photo of the library, seen or not (the newsroom's view).
    pub whole_library: bool,
}

/// A photo readers can see, with when it came in and the first published
/// article it leads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublicMedia {
    /// The photo.
    pub asset: MediaAsset,
    /// When it was uploaded.
    pub uploaded_at: DateTime<Utc>,
    /// The published article it leads (the oldest, if several).
    pub article: Option<i64>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cursor_survives_its_round_trip_and_nonsense_is_refused() {
        let c = ListCursor {
            published_at: DateTime::from_timestamp(1_700_000_000, 0).unwrap(),
            id: 42,
        };
        assert_eq!(ListCursor::decode(&c.encode()), Some(c));
        for bad in ["", "x", "1.", ".2", "1.2.3", "99999999999999999999.1"] {
            assert_eq!(ListCursor::decode(bad), None, "{bad}");
        }
    }
}
