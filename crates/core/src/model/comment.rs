use chrono::{DateTime, Utc};

use crate::model::Site;
use crate::types::{CommentStatus, Email, Slug, WebUrl};

/// A reader's comment, as stored. It holds the e-mail address, so it is never
/// handed to a public template as is: the web layer builds a view without it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Comment {
    /// Storage id.
    pub id: i64,
    /// The article it is under.
    pub article_id: i64,
    /// The comment it answers, if any.
    pub parent_id: Option<i64>,
    /// Name as given.
    pub author_name: String,
    /// Private address; never rendered publicly.
    pub author_email: Email,
    /// Optional web site.
    pub author_url: Option<WebUrl>,
    /// Plain text as typed.
    pub body: String,
    /// Moderation state.
    pub status: CommentStatus,
    /// When it was posted.
    pub created_at: DateTime<Utc>,
}

/// Which approved comments of published articles a list holds (the
/// public's view of all comments, as WordPress's API pages through them).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CommentQuery {
    /// Under any of these articles; an empty list matches nothing.
    pub articles: Option<Vec<i64>>,
    /// Answering any of these comments (0: answering none).
    pub parents: Option<Vec<i64>>,
    /// Only these comments.
    pub include: Option<Vec<i64>>,
    /// Not these comments.
    pub exclude: Vec<i64>,
    /// Skip this many first.
    pub offset: u64,
    /// At most this many.
    pub limit: u32,
    /// Oldest first (newest first otherwise).
    pub oldest_first: bool,
}

/// A validated comment about to be stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewComment {
    /// The article it is under.
    pub article_id: i64,
    /// The comment it answers.
    pub parent_id: Option<i64>,
    /// Name.
    pub author_name: String,
    /// Private address.
    pub author_email: Email,
    /// Optional web site.
    pub author_url: Option<WebUrl>,
    /// Plain text.
    pub body: String,
    /// Initial state (pending, or spam when a trap caught it).
    pub status: CommentStatus,
    /// When it was posted.
    pub created_at: DateTime<Utc>,
}

/// A comment in a moderation list, with the headline of its article.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModerationItem {
    /// The comment.
    pub comment: Comment,
    /// Headline of the article it is under.
    pub article_title: String,
    /// That article's slug.
    pub article_slug: Slug,
    /// That article's publication date (part of its URL).
    pub article_published_at: DateTime<Utc>,
    /// That article's section's URL name (part of some URLs).
    pub article_category_slug: Option<Slug>,
}

impl ModerationItem {
    /// Public path of the article the comment is under, on `site`.
    pub fn article_path(&self, site: &Site) -> String {
        site.article_path(
            self.article_published_at,
            self.article_category_slug.as_ref(),
            &self.article_slug,
        )
    }
}
