//! Traits the outer crates implement. The domain and the web layer only see
//! these, so the SQLite and PostgreSQL stores are interchangeable and both are
//! held to the same conformance suite (`crates/store/tests/conformance.rs`).

use async_trait::async_trait;

use crate::error::Result;
use crate::model::{
    Article, ArticleDraft, ArticleFilter, ArticleSummary, Author, Category, Comment, MediaAsset,
    ModerationItem, NewComment, NewMediaAsset, Page, PageRequest, Published, Site,
};
use crate::types::{CommentStatus, Slug};

/// Durable storage of everything a site holds. Every method that returns
/// `Ok` for a write has committed it.
#[async_trait]
pub trait Store: Send + Sync + 'static {
    /// The site's settings, or `None` before `kiosque init`.
    async fn site(&self) -> Result<Option<Site>>;
    /// Creates or replaces the site's settings.
    async fn save_site(&self, site: &Site) -> Result<()>;

    /// Records a media file; the same file name twice yields the same asset.
    async fn save_media(&self, media: &NewMediaAsset) -> Result<MediaAsset>;

    /// Creates the article, or updates the one with the same slug, together
    /// with its author, category and tags, in one transaction.
    async fn publish_article(&self, draft: &ArticleDraft) -> Result<Published>;
    /// A published article by slug.
    async fn article_by_slug(&self, slug: &Slug) -> Result<Option<Article>>;
    /// Newest first.
    async fn list_articles(
        &self,
        filter: ArticleFilter,
        page: PageRequest,
    ) -> Result<Page<ArticleSummary>>;
    /// A category by slug.
    async fn category_by_slug(&self, slug: &Slug) -> Result<Option<Category>>;
    /// An author by slug.
    async fn author_by_slug(&self, slug: &Slug) -> Result<Option<Author>>;

    /// Stores a new comment and returns it with its id.
    async fn add_comment(&self, comment: &NewComment) -> Result<Comment>;
    /// One comment by id, whatever its status.
    async fn comment(&self, id: i64) -> Result<Option<Comment>>;
    /// Approved comments of an article, oldest first.
    async fn approved_comments(&self, article_id: i64) -> Result<Vec<Comment>>;
    /// Comments in one moderation state, oldest first, with their article's headline.
    async fn comments_with_status(&self, status: CommentStatus) -> Result<Vec<ModerationItem>>;
    /// Moves a comment to another state; `NotFound` if there is no such comment.
    async fn set_comment_status(&self, id: i64, status: CommentStatus) -> Result<()>;
    /// Deletes a comment for good; its replies move up to its parent.
    async fn delete_comment(&self, id: i64) -> Result<()>;
}
