//! The log of what changed on the public pages, which every server's page
//! cache follows.

/// One noted change: the pages filed under `topic` are out of date.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageChange {
    /// Position in the log; grows with every change.
    pub seq: i64,
    /// What changed, as the store's triggers name it: `site`,
    /// `article-12`, `comments-12`, `all-articles`, `in-category-3`,
    /// `in-tag-4`, `in-author-5`, `category-3`, `tag-4`, `author-5`,
    /// `media-6` or `page-7`.
    pub topic: String,
}
