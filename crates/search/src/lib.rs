//! Full-text search over published articles, with tantivy.
//!
//! Each app server keeps its own index on local disk (`analyzer.rs` decides
//! how words are matched: accents and case folded, stemmed for the site's
//! language). The database stays the one source of truth: triggers log
//! every change to a published article, and `follow.rs` applies that log
//! to the index, so an index on a new or restarted server catches up by
//! itself, and several servers on one PostgreSQL agree within a second.

mod analyzer;
mod follow;
mod index;
mod query;

pub use follow::{Follower, rebuild};
pub use index::{IndexState, SearchError, SearchIndex};
pub use kiosque_core::model::{
    Hit, MAX_SEARCH_RESULTS as MAX_RESULTS, SearchQuery, SearchResults, Segment,
};
