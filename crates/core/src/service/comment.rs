//! Taking a reader's comment: the checks every comment passes, whichever way
//! it arrives.

use chrono::{DateTime, Utc};

use crate::error::FieldError;
use crate::model::{CommentPolicy, CommentSettings, NewComment};
use crate::types::{CommentStatus, EMAIL_MAX, Email, URL_MAX, WebUrl};

/// Longest comment, in characters.
pub const COMMENT_MAX: usize = 5000;
/// Longest commenter name, in characters.
pub const NAME_MAX: usize = 100;

/// The comment form as typed: every field raw, so it can be shown again.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Deserialize, serde::Serialize)]
#[serde(default)]
pub struct CommentForm {
    /// The text.
    pub comment: String,
    /// The name.
    pub name: String,
    /// The e-mail address.
    pub email: String,
    /// The web site, optional.
    pub url: String,
    /// Id of the comment answered, if any (as typed; checked against the article).
    pub parent: String,
    /// The honeypot: hidden from people, filled by naive robots.
    pub homepage: String,
}

fn too_long(s: &str, max: usize) -> bool {
    s.chars().count() > max
}

impl CommentForm {
    /// Checks every field and reports all problems at once, each as a
    /// translation key. `parent_ok` says whether a given parent id is a
    /// visible comment of the same article.
    pub fn validate(
        &self,
        article_id: i64,
        parent_ok: impl FnOnce(i64) -> bool,
        now: DateTime<Utc>,
    ) -> Result<NewComment, Vec<FieldError>> {
        let mut errors = Vec::new();
        let mut fail = |field, code| errors.push(FieldError { field, code });
        let body = self.comment.trim();
        if body.is_empty() {
            fail("comment", "required");
        } else if too_long(body, COMMENT_MAX) {
            fail("comment", "too_long");
        }
        let name = self.name.split_whitespace().collect::<Vec<_>>().join(" ");
        if name.is_empty() {
            fail("name", "required");
        } else if too_long(&name, NAME_MAX) {
            fail("name", "too_long");
        }
        let email = self.email.trim();
        let email = if email.is_empty() {
            fail("email", "required");
            None
        } else if too_long(email, EMAIL_MAX) {
            fail("email", "too_long");
            None
        } else {
            Email::parse(email)
                .map_err(|_| fail("email", "invalid_email"))
                .ok()
        };
        let url = self.url.trim();
        let url = if url.is_empty() {
            None
        } else if too_long(url, URL_MAX) {
            fail("url", "too_long");
            None
        } else {
            WebUrl::parse(url)
                .map_err(|_| fail("url", "invalid_url"))
                .ok()
        };
        let parent = self.parent.trim();
        let parent_id = if parent.is_empty() {
            None
        } else {
            match parent.parse::<i64>() {
                Ok(id) if parent_ok(id) => Some(id),
                _ => {
                    fail("parent", "invalid_parent");
                    None
                }
            }
        };
        match email {
            Some(author_email) if errors.is_empty() => Ok(NewComment {
                article_id,
                parent_id,
                author_name: name,
                author_email,
                author_url: url,
                body: body.to_owned(),
                status: if self.homepage.trim().is_empty() {
                    CommentStatus::Pending
                } else {
                    CommentStatus::Spam
                },
                created_at: now,
            }),
            _ => Err(errors),
        }
    }
}

/// Links in a comment from which it is held for a moderator whatever the
/// policy (WordPress's `comment_max_links`).
pub const HOLD_FROM_LINKS: usize = 2;

/// Decides where a checked comment goes, in this order: caught by the
/// honeypot or containing a blocked term → spam; two links or more → held;
/// then the site's policy (`trusted`: the address had a comment approved).
pub fn screen(
    comment: &NewComment,
    settings: &CommentSettings,
    trusted: bool,
    likely_spam: bool,
) -> CommentStatus {
    if comment.status == CommentStatus::Spam {
        return CommentStatus::Spam;
    }
    let haystack = format!(
        "{}\n{}\n{}\n{}",
        comment.body,
        comment.author_name,
        comment.author_email.as_str(),
        comment
            .author_url
            .as_ref()
            .map(|u| u.as_str())
            .unwrap_or_default()
    )
    .to_lowercase();
    if settings
        .blocked_terms
        .iter()
        .map(|t| t.trim().to_lowercase())
        .any(|t| !t.is_empty() && haystack.contains(&t))
    {
        return CommentStatus::Spam;
    }
    if likely_spam {
        return CommentStatus::Spam;
    }
    let mut finder = linkify::LinkFinder::new();
    finder.kinds(&[linkify::LinkKind::Url]);
    if finder.links(&comment.body).count() >= HOLD_FROM_LINKS {
        return CommentStatus::Pending;
    }
    match settings.policy {
        CommentPolicy::ApproveAll => CommentStatus::Approved,
        CommentPolicy::HoldFirstTime if trusted => CommentStatus::Approved,
        _ => CommentStatus::Pending,
    }
}

/// Whether comments under an article published at `published_at` are closed.
pub fn comments_closed(
    settings: &CommentSettings,
    published_at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> bool {
    comments_close_at(settings, published_at).is_some_and(|at| now > at)
}

/// When comments under an article published at `published_at` close, if
/// they ever do.
pub fn comments_close_at(
    settings: &CommentSettings,
    published_at: DateTime<Utc>,
) -> Option<DateTime<Utc>> {
    (settings.close_after_days > 0)
        .then(|| published_at + chrono::Duration::days(i64::from(settings.close_after_days)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form() -> CommentForm {
        CommentForm {
            comment: "Merci pour cet article.".into(),
            name: "Awa".into(),
            email: "awa@example.org".into(),
            ..CommentForm::default()
        }
    }

    #[test]
    fn a_complete_form_is_pending() {
        let c = form().validate(1, |_| true, Utc::now()).unwrap();
        assert_eq!(c.status, CommentStatus::Pending);
    }

    #[test]
    fn every_problem_is_reported() {
        let errs = CommentForm {
            comment: "x".repeat(COMMENT_MAX + 1),
            email: "pas-une-adresse".into(),
            url: "javascript:alert(1)".into(),
            ..CommentForm::default()
        }
        .validate(1, |_| true, Utc::now())
        .unwrap_err();
        let fields: Vec<_> = errs.iter().map(|e| (e.field, e.code)).collect();
        assert_eq!(
            fields,
            vec![
                ("comment", "too_long"),
                ("name", "required"),
                ("email", "invalid_email"),
                ("url", "invalid_url")
            ]
        );
    }

    #[test]
    fn honeypot_marks_spam() {
        let mut f = form();
        f.homepage = "http://spam.example".into();
        assert_eq!(
            f.validate(1, |_| true, Utc::now()).unwrap().status,
            CommentStatus::Spam
        );
    }

    fn settings(policy: CommentPolicy) -> CommentSettings {
        CommentSettings {
            policy,
            close_after_days: 0,
            blocked_terms: vec!["Casino".into()],
        }
    }

    #[test]
    fn the_policy_decides_after_the_spam_checks() {
        let c = form().validate(1, |_| true, Utc::now()).unwrap();
        assert_eq!(
            screen(&c, &settings(CommentPolicy::HoldAll), true, false),
            CommentStatus::Pending
        );
        assert_eq!(
            screen(&c, &settings(CommentPolicy::HoldFirstTime), false, false),
            CommentStatus::Pending
        );
        assert_eq!(
            screen(&c, &settings(CommentPolicy::HoldFirstTime), true, false),
            CommentStatus::Approved
        );
        assert_eq!(
            screen(&c, &settings(CommentPolicy::ApproveAll), false, false),
            CommentStatus::Approved
        );
        let mut links = c.clone();
        links.body = "voir https://a.example et https://b.example".into();
        assert_eq!(
            screen(&links, &settings(CommentPolicy::ApproveAll), true, false),
            CommentStatus::Pending
        );
        let mut blocked = c.clone();
        blocked.body = "Meilleur CASINO en ligne".into();
        assert_eq!(
            screen(&blocked, &settings(CommentPolicy::ApproveAll), true, false),
            CommentStatus::Spam
        );
    }

    #[test]
    fn comments_close_after_the_set_days() {
        let mut s = settings(CommentPolicy::HoldAll);
        let published = Utc::now() - chrono::Duration::days(31);
        assert!(!comments_closed(&s, published, Utc::now()));
        s.close_after_days = 30;
        assert!(comments_closed(&s, published, Utc::now()));
        s.close_after_days = 60;
        assert!(!comments_closed(&s, published, Utc::now()));
    }

    #[test]
    fn unknown_parent_is_refused() {
        let mut f = form();
        f.parent = "42".into();
        assert!(f.validate(1, |_| false, Utc::now()).is_err());
    }
}
