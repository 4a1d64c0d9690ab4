use serde::{Deserialize, Serialize};

use crate::types::Locale;

/// The publication itself: the name shown in every byline, its language,
/// the address readers reach it at, and its editorial settings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Site {
    /// The outlet's name, e.g. "Afrique Première Tv".
    pub name: String,
    /// The interface and content language.
    pub language: Locale,
    /// Public address without a trailing slash, e.g. `https://example.org`.
    pub base_url: String,
    /// How reader comments are taken.
    pub comments: CommentSettings,
    /// Administrators must sign in with a second factor.
    pub require_admin_2fa: bool,
}

/// Which comments go live without a moderator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum CommentPolicy {
    /// Every comment waits for a moderator.
    #[default]
    HoldAll,
    /// A reader whose earlier comment was approved is trusted (WordPress's
    /// default); first comments wait.
    HoldFirstTime,
    /// Comments appear at once (spam checks still apply).
    ApproveAll,
}

impl CommentPolicy {
    /// Every policy.
    pub const ALL: [CommentPolicy; 3] = [
        CommentPolicy::HoldAll,
        CommentPolicy::HoldFirstTime,
        CommentPolicy::ApproveAll,
    ];

    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            CommentPolicy::HoldAll => "hold_all",
            CommentPolicy::HoldFirstTime => "hold_first_time",
            CommentPolicy::ApproveAll => "approve_all",
        }
    }

    /// From the stored name; unknown names fall back to the safest policy.
    pub fn parse(s: &str) -> Self {
        CommentPolicy::ALL
            .into_iter()
            .find(|p| p.as_str() == s)
            .unwrap_or_default()
    }
}

/// The site's rules for reader comments.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CommentSettings {
    /// Which comments need a moderator.
    pub policy: CommentPolicy,
    /// Comments close this many days after publication; 0 never closes them.
    pub close_after_days: u32,
    /// Words or addresses (one per line) that mark a comment as spam when
    /// found in its text, name, e-mail or web site (case-insensitive).
    pub blocked_terms: Vec<String>,
}

impl Default for CommentSettings {
    fn default() -> Self {
        CommentSettings {
            policy: CommentPolicy::HoldAll,
            close_after_days: 0,
            blocked_terms: Vec::new(),
        }
    }
}

impl Site {
    /// A site with default editorial settings.
    pub fn new(name: impl Into<String>, language: Locale, base_url: impl Into<String>) -> Self {
        Site {
            name: name.into(),
            language,
            base_url: base_url.into(),
            comments: CommentSettings::default(),
            require_admin_2fa: false,
        }
    }

    /// Absolute URL of a site path (which starts with `/`).
    pub fn absolute_url(&self, path: &str) -> String {
        format!("{}{}", self.base_url.trim_end_matches('/'), path)
    }
}
