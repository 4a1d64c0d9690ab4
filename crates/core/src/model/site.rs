use serde::{Deserialize, Serialize};

use crate::types::Locale;

/// The publication itself: the name shown in every byline, its language and
/// the address readers reach it at.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Site {
    /// The outlet's name, e.g. "Afrique Première Tv".
    pub name: String,
    /// The interface and content language.
    pub language: Locale,
    /// Public address without a trailing slash, e.g. `https://example.org`.
    pub base_url: String,
}

impl Site {
    /// Absolute URL of a site path (which starts with `/`).
    pub fn absolute_url(&self, path: &str) -> String {
        format!("{}{}", self.base_url.trim_end_matches('/'), path)
    }
}
