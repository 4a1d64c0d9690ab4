//! What a page shows, in the words of the store's change log (migration
//! 0017): a handler attaches these to a response to have it cached.

use axum::response::Response;
use chrono::{DateTime, Utc};
use kiosque_core::model::{Article, ArticleSummary};

/// The topics a page is filed under, and until when it may be served at
/// the latest (a page whose comment form closes at a given time). Found in
/// the extensions of a cacheable response; the static export reads them to
/// know which files a change makes stale.
#[derive(Debug, Clone)]
pub struct Topics {
    list: Vec<String>,
    until: Option<DateTime<Utc>>,
}

impl Topics {
    /// Every page shows the site's name, menu and settings.
    pub const SITE: &'static str = "site";

    pub(crate) fn new() -> Topics {
        Topics {
            list: vec![Self::SITE.to_owned()],
            until: None,
        }
    }

    pub(crate) fn push(&mut self, topic: String) {
        if !self.list.contains(&topic) {
            self.list.push(topic);
        }
    }

    /// `kind-id`, e.g. `in-category-3`.
    pub(crate) fn add(&mut self, kind: &str, id: i64) -> &mut Self {
        self.push(format!("{kind}-{id}"));
        self
    }

    /// An article page: the article, its comments, section, tags, byline
    /// and photo. (Further bylines are named by slug, not id: renaming one
    /// notes the articles themselves, see migration 0017.)
    pub(crate) fn article(&mut self, a: &Article) -> &mut Self {
        self.add("article", a.id).add("comments", a.id);
        self.add("author", a.author.id);
        if let Some(c) = &a.category {
            self.add("category", c.id);
        }
        for c in &a.sections {
            self.add("category", c.id);
        }
        for t in &a.tags {
            self.add("tag", t.id);
        }
        if let Some(image) = &a.image {
            self.add("media", image.asset.id);
        }
        self
    }

    /// An article shown in a list: the card changes with it, its byline's
    /// name, its section (in its address) and its photo.
    pub(crate) fn summary(&mut self, a: &ArticleSummary) -> &mut Self {
        self.add("article", a.id).add("author", a.author_id);
        if let Some(c) = a.category_id {
            self.add("category", c);
        }
        if let Some(image) = &a.image {
            self.add("media", image.asset.id);
        }
        self
    }

    /// The page must not be served from the cache after `at`.
    pub(crate) fn until(&mut self, at: DateTime<Utc>) -> &mut Self {
        self.until = Some(self.until.map_or(at, |u| u.min(at)));
        self
    }

    /// The topics, `site` first.
    pub fn iter(&self) -> impl Iterator<Item = &String> {
        self.list.iter()
    }

    /// When the page goes stale whatever changes, if it does.
    pub fn expires(&self) -> Option<DateTime<Utc>> {
        self.until
    }

    /// Marks `response` as cacheable under these topics.
    pub(crate) fn on(self, mut response: Response) -> Response {
        response.extensions_mut().insert(self);
        response
    }
}
