//! The newsroom's nouns. These are domain values: the store builds them from
//! rows and the web layer turns them into views; neither serialises them as is.

mod article;
mod comment;
mod site;
mod user;

pub use article::{
    Article, ArticleDraft, ArticleFilter, ArticleQuery, ArticleRow, ArticleSummary, ArticleType,
    Author, AuthorProfile, Category, Contributor, Correction, Editorial, FeaturedImage, MediaAsset,
    NewMediaAsset, Page, PageRequest, Published, Revision, Source, Tag, article_path,
};
pub use comment::{Comment, ModerationItem, NewComment};
pub use site::{CommentPolicy, CommentSettings, Site};
pub use user::{NewUser, Session, User};
