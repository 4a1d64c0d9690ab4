//! The writer's desk: the body editor's mode each writer chose, and who
//! has an article open in the editor right now.

use serde::{Deserialize, Serialize};

/// How often an open editor says it is still there (seconds).
pub const HEARTBEAT_SECONDS: i64 = 10;
/// An open editor not heard from for this long has left (seconds): a few
/// missed heartbeats, or a page without JavaScript left open.
pub const PRESENCE_SECONDS: i64 = 45;

/// The body editor's mode a writer uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum EditorMode {
    /// The Markdown textarea (and the mode without JavaScript).
    #[default]
    Markdown,
    /// The visual editor over the same Markdown.
    Visual,
}

impl EditorMode {
    /// Stored and form value.
    pub fn as_str(self) -> &'static str {
        match self {
            EditorMode::Markdown => "markdown",
            EditorMode::Visual => "visual",
        }
    }

    /// Reads a stored or submitted value; anything else is `None`.
    pub fn parse(text: &str) -> Option<EditorMode> {
        match text {
            "markdown" => Some(EditorMode::Markdown),
            "visual" => Some(EditorMode::Visual),
            _ => None,
        }
    }
}

/// One open editor of an article: a page a writer opened, identified by
/// the random key its form carries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Presence {
    /// The page's key.
    pub page: String,
    /// Who has it open.
    pub user_id: i64,
    /// Their display name.
    pub user_name: String,
    /// When this page opened the article (Unix seconds).
    pub since: i64,
    /// When it was last heard from (Unix seconds).
    pub seen_at: i64,
    /// Who took the article over from this page, if someone did: its
    /// saves are refused from then on.
    pub taken_by: Option<String>,
}

/// Whether `key` can be an open page's key: what the editor makes (hex
/// digits), nothing a form could abuse.
pub fn valid_page_key(key: &str) -> bool {
    (16..=64).contains(&key.len()) && key.bytes().all(|b| b.is_ascii_hexdigit())
}
