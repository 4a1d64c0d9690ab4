//! Newtypes parsed once at the edge ("parse, don't validate"): once a value
//! has one of these types it is known to be well-formed, so nothing further
//! in the code checks it again.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// Longest slug we accept; URLs stay readable and fit every index.
pub const SLUG_MAX: usize = 200;

/// The URL-safe name of an article, author, category or tag: lowercase ASCII
/// letters, digits and single hyphens.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize, PartialOrd, Ord)]
#[serde(try_from = "String", into = "String")]
pub struct Slug(String);

impl Slug {
    /// Accepts only an already-canonical slug.
    pub fn parse(s: &str) -> Result<Self> {
        let ok = !s.is_empty()
            && s.len() <= SLUG_MAX
            && s.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
            && !s.starts_with('-')
            && !s.ends_with('-')
            && !s.contains("--");
        if ok {
            Ok(Slug(s.to_owned()))
        } else {
            Err(Error::invalid("slug", "invalid_slug"))
        }
    }

    /// Derives a slug from free text: accents folded (« Sergueï » → `serguei`),
    /// everything else that is not a letter or digit becomes a hyphen.
    pub fn from_text(text: &str) -> Result<Self> {
        let folded = deunicode::deunicode(text).to_ascii_lowercase();
        let mut slug = String::with_capacity(folded.len());
        for c in folded.chars() {
            if c.is_ascii_alphanumeric() {
                slug.push(c);
            } else if !slug.is_empty() && !slug.ends_with('-') {
                slug.push('-');
            }
        }
        while slug.ends_with('-') {
            slug.pop();
        }
        if slug.len() > SLUG_MAX {
            slug.truncate(SLUG_MAX);
            while slug.ends_with('-') {
                slug.pop();
            }
        }
        Slug::parse(&slug)
    }

    /// The slug as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for Slug {
    type Error = Error;
    fn try_from(s: String) -> Result<Self> {
        Slug::parse(&s)
    }
}

impl From<Slug> for String {
    fn from(s: Slug) -> String {
        s.0
    }
}

impl fmt::Display for Slug {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Longest person's name (bylines, accounts, commenters).
pub const NAME_MAX: usize = 100;

/// A person's name as typed, with runs of white space folded: `Err` with
/// the translation key `required` or `too_long`.
pub fn person_name(raw: &str) -> std::result::Result<String, &'static str> {
    let name = raw.split_whitespace().collect::<Vec<_>>().join(" ");
    if name.is_empty() {
        Err("required")
    } else if name.chars().count() > NAME_MAX {
        Err("too_long")
    } else {
        Ok(name)
    }
}

/// Longest e-mail address (RFC 5321 path limit).
pub const EMAIL_MAX: usize = 254;

/// A well-formed e-mail address. Kept private: it is never rendered publicly.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Email(String);

impl Email {
    /// Checks the shape `local@domain.tld`; deliverability is not our concern.
    pub fn parse(s: &str) -> Result<Self> {
        let s = s.trim();
        let valid = s.len() <= EMAIL_MAX
            && !s.chars().any(|c| c.is_whitespace() || c.is_control())
            && match s.split_once('@') {
                Some((local, domain)) => {
                    !local.is_empty()
                        && !domain.contains('@')
                        && domain.contains('.')
                        && !domain.starts_with('.')
                        && !domain.ends_with('.')
                        && !domain.contains("..")
                        && !domain.starts_with('-')
                }
                None => false,
            };
        if valid {
            Ok(Email(s.to_owned()))
        } else {
            Err(Error::invalid("email", "invalid_email"))
        }
    }

    /// The address as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for Email {
    type Error = Error;
    fn try_from(s: String) -> Result<Self> {
        Email::parse(&s)
    }
}

impl From<Email> for String {
    fn from(e: Email) -> String {
        e.0
    }
}

/// Longest headline we accept.
pub const TITLE_MAX: usize = 300;

/// An article headline: trimmed, non-empty, on one line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Title(String);

impl Title {
    /// Trims and checks length; inner runs of white space become one space.
    pub fn parse(s: &str) -> Result<Self> {
        let t = s.split_whitespace().collect::<Vec<_>>().join(" ");
        if t.is_empty() {
            Err(Error::invalid("title", "required"))
        } else if t.chars().count() > TITLE_MAX {
            Err(Error::invalid("title", "too_long"))
        } else {
            Ok(Title(t))
        }
    }

    /// The headline as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for Title {
    type Error = Error;
    fn try_from(s: String) -> Result<Self> {
        Title::parse(&s)
    }
}

impl From<Title> for String {
    fn from(t: Title) -> String {
        t.0
    }
}

/// The language of a site's interface and content.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Locale {
    /// French, the reference site's language.
    #[default]
    Fr,
    /// English.
    En,
}

impl Locale {
    /// Every locale the interface ships in.
    pub const ALL: [Locale; 2] = [Locale::Fr, Locale::En];

    /// BCP 47 tag, as used in `lang` attributes.
    pub fn code(self) -> &'static str {
        match self {
            Locale::Fr => "fr",
            Locale::En => "en",
        }
    }
}

impl FromStr for Locale {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        match s.trim().to_ascii_lowercase().as_str() {
            "fr" | "fr-fr" | "fr_fr" => Ok(Locale::Fr),
            "en" | "en-gb" | "en-us" | "en_gb" | "en_us" => Ok(Locale::En),
            _ => Err(Error::invalid("language", "unsupported_language")),
        }
    }
}

impl fmt::Display for Locale {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// A newsroom role, with WordPress's split of rights (see [`Permission`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, PartialOrd, Ord)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Writes and submits drafts; cannot publish or upload.
    Contributor,
    /// Publishes and edits their own articles; uploads images.
    Author,
    /// Edits and publishes everyone's articles, manages categories and
    /// tags, moderates comments.
    Editor,
    /// Everything, including users and site settings.
    Administrator,
}

/// Something a signed-in user may or may not do. Every admin handler asks
/// [`Role::allows`] before acting.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Permission {
    /// Open the admin at all.
    UseAdmin,
    /// Write drafts and submit them for review.
    WriteDrafts,
    /// Upload images.
    UploadMedia,
    /// Publish and edit one's own articles.
    PublishOwn,
    /// Edit and publish anyone's articles.
    EditOthers,
    /// Manage categories and tags.
    ManageTaxonomy,
    /// Write the site's pages (about, contact…) and their menu links.
    ManagePages,
    /// Approve, spam, trash and answer reader comments.
    ModerateComments,
    /// Create users and change their roles.
    ManageUsers,
    /// Change the site's settings.
    ManageSettings,
}

impl Role {
    /// Every role, least to most powerful.
    pub const ALL: [Role; 4] = [
        Role::Contributor,
        Role::Author,
        Role::Editor,
        Role::Administrator,
    ];

    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Contributor => "contributor",
            Role::Author => "author",
            Role::Editor => "editor",
            Role::Administrator => "administrator",
        }
    }

    /// Whether this role grants `permission`.
    pub fn allows(self, permission: Permission) -> bool {
        use Permission::*;
        match permission {
            UseAdmin | WriteDrafts => true,
            UploadMedia | PublishOwn => self >= Role::Author,
            EditOthers | ManageTaxonomy | ManagePages | ModerateComments => self >= Role::Editor,
            ManageUsers | ManageSettings => self == Role::Administrator,
        }
    }
}

impl FromStr for Role {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        Role::ALL
            .into_iter()
            .find(|r| r.as_str() == s.trim().to_ascii_lowercase())
            .ok_or_else(|| Error::invalid("role", "invalid_role"))
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Where an article stands in the editorial workflow. Only `Published`
/// articles are visible to readers; the others answer 404.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ArticleStatus {
    /// Being written.
    Draft,
    /// Submitted for review.
    Pending,
    /// Goes live by itself at its publication time.
    Scheduled,
    /// Visible to readers.
    Published,
    /// Taken down after publication.
    Unpublished,
}

impl ArticleStatus {
    /// Every state, in workflow order.
    pub const ALL: [ArticleStatus; 5] = [
        ArticleStatus::Draft,
        ArticleStatus::Pending,
        ArticleStatus::Scheduled,
        ArticleStatus::Published,
        ArticleStatus::Unpublished,
    ];

    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            ArticleStatus::Draft => "draft",
            ArticleStatus::Pending => "pending",
            ArticleStatus::Scheduled => "scheduled",
            ArticleStatus::Published => "published",
            ArticleStatus::Unpublished => "unpublished",
        }
    }
}

impl FromStr for ArticleStatus {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        ArticleStatus::ALL
            .into_iter()
            .find(|st| st.as_str() == s)
            .ok_or_else(|| Error::invalid("status", "invalid_status"))
    }
}

impl fmt::Display for ArticleStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Where a reader comment stands in moderation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CommentStatus {
    /// Held for a moderator; not shown to readers.
    Pending,
    /// Shown under the article.
    Approved,
    /// Judged spam (by a moderator or the honeypot); kept so a mistake can be undone.
    Spam,
    /// Put aside by a moderator; can be restored or deleted for good.
    Trash,
}

impl CommentStatus {
    /// Every state, in the order the moderation queue shows them.
    pub const ALL: [CommentStatus; 4] = [
        CommentStatus::Pending,
        CommentStatus::Approved,
        CommentStatus::Spam,
        CommentStatus::Trash,
    ];

    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            CommentStatus::Pending => "pending",
            CommentStatus::Approved => "approved",
            CommentStatus::Spam => "spam",
            CommentStatus::Trash => "trash",
        }
    }
}

impl FromStr for CommentStatus {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        match s {
            "pending" => Ok(CommentStatus::Pending),
            "approved" => Ok(CommentStatus::Approved),
            "spam" => Ok(CommentStatus::Spam),
            "trash" => Ok(CommentStatus::Trash),
            _ => Err(Error::invalid("status", "invalid_status")),
        }
    }
}

/// A web address given by a commenter: http or https only, so no
/// `javascript:` link can ever be rendered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct WebUrl(String);

/// Longest web address we keep.
pub const URL_MAX: usize = 500;

impl WebUrl {
    /// Accepts absolute http(s) URLs with a host; `example.org` alone gets `https://`.
    pub fn parse(s: &str) -> Result<Self> {
        let s = s.trim();
        let candidate = if s.contains("://") {
            s.to_owned()
        } else {
            format!("https://{s}")
        };
        if candidate.len() > URL_MAX {
            return Err(Error::invalid("url", "too_long"));
        }
        match url::Url::parse(&candidate) {
            Ok(u)
                if matches!(u.scheme(), "http" | "https")
                    && u.host_str().is_some_and(|h| h.contains('.')) =>
            {
                Ok(WebUrl(u.to_string()))
            }
            _ => Err(Error::invalid("url", "invalid_url")),
        }
    }

    /// The normalised address.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for WebUrl {
    type Error = Error;
    fn try_from(s: String) -> Result<Self> {
        WebUrl::parse(&s)
    }
}

impl From<WebUrl> for String {
    fn from(u: WebUrl) -> String {
        u.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slug_from_french_title_folds_accents_and_punctuation() {
        let s = Slug::from_text("Opération militaire spéciale : Pyongyang « soutient » Moscou !")
            .unwrap();
        assert_eq!(
            s.as_str(),
            "operation-militaire-speciale-pyongyang-soutient-moscou"
        );
    }

    #[test]
    fn slug_parse_refuses_uppercase_and_traversal() {
        assert!(Slug::parse("Abc").is_err());
        assert!(Slug::parse("../etc").is_err());
        assert!(Slug::parse("").is_err());
        assert!(Slug::parse("a--b").is_err());
        assert!(Slug::parse("coree-du-nord").is_ok());
    }

    #[test]
    fn slug_from_text_with_no_letters_is_refused() {
        assert!(Slug::from_text("« ! »").is_err());
    }

    #[test]
    fn email_shapes() {
        assert!(Email::parse("gaelle@example.org").is_ok());
        assert!(Email::parse("  gaelle@example.org ").is_ok());
        assert!(Email::parse("gaelle").is_err());
        assert!(Email::parse("gaelle@localhost").is_err());
        assert!(Email::parse("a b@example.org").is_err());
        assert!(Email::parse("a@@example.org").is_err());
    }

    #[test]
    fn web_url_refuses_javascript_and_adds_https() {
        assert!(WebUrl::parse("javascript:alert(1)").is_err());
        assert_eq!(
            WebUrl::parse("example.org").unwrap().as_str(),
            "https://example.org/"
        );
        assert!(WebUrl::parse("ftp://example.org").is_err());
    }

    #[test]
    fn roles_follow_wordpress_split_of_rights() {
        use Permission::*;
        let table = [
            (Role::Contributor, vec![UseAdmin, WriteDrafts]),
            (
                Role::Author,
                vec![UseAdmin, WriteDrafts, UploadMedia, PublishOwn],
            ),
            (
                Role::Editor,
                vec![
                    UseAdmin,
                    WriteDrafts,
                    UploadMedia,
                    PublishOwn,
                    EditOthers,
                    ManageTaxonomy,
                    ModerateComments,
                ],
            ),
        ];
        let all = [
            UseAdmin,
            WriteDrafts,
            UploadMedia,
            PublishOwn,
            EditOthers,
            ManageTaxonomy,
            ModerateComments,
            ManageUsers,
            ManageSettings,
        ];
        for (role, allowed) in table {
            for p in all {
                assert_eq!(role.allows(p), allowed.contains(&p), "{role} {p:?}");
            }
        }
        assert!(all.iter().all(|&p| Role::Administrator.allows(p)));
        assert_eq!("Editor".parse::<Role>().unwrap(), Role::Editor);
        assert!("root".parse::<Role>().is_err());
    }

    #[test]
    fn title_collapses_white_space() {
        assert_eq!(Title::parse("  A \n B ").unwrap().as_str(), "A B");
        assert!(Title::parse("   ").is_err());
    }
}
