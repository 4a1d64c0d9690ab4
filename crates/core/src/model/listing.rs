//! Published articles picked by any combination of filters, a slice at a
//! time after a cursor (what an API client pages through: stable while
//! articles are published, unlike page numbers).

use chrono::{DateTime, Utc};

use crate::model::{Article, ArticleType};

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
