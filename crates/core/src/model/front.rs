//! The front page the newsroom chooses: pinned stories (the first is the
//! lead) above blocks of some sections' latest articles, then the river
//! of everything newest first.

use crate::model::Category;

/// A block of a section's latest articles on the front page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FrontSection {
    /// The section (its sub-sections' articles count too).
    pub category: Category,
    /// How many of its latest articles the block shows.
    pub count: u32,
}

impl FrontSection {
    /// The most articles a block may show.
    pub const MAX_COUNT: u32 = 12;
}

/// The front page's choices.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FrontPage {
    /// Pinned articles' ids, lead first.
    pub pins: Vec<i64>,
    /// Section blocks, in order.
    pub sections: Vec<FrontSection>,
}

/// The most stories that may be pinned.
pub const MAX_PINS: usize = 12;
