//! Who may do what to an article, and the checks an edit from the newsroom's
//! editor passes. The admin's handlers ask these functions; nothing else
//! decides.

use chrono::{DateTime, Utc};

use crate::error::{Error, FieldError};
use crate::markup;
use crate::model::{
    Article, ArticleDraft, ArticleType, Contributor, Editorial, Site, Source, TERM_NAME_MAX, User,
};
use crate::service::publish::EXCERPT_CHARS;
use crate::types::{ArticleStatus, Locale, NAME_MAX, Permission, Slug, Title, WebUrl};

/// Whether `user` may open `article` in the editor.
pub fn can_edit(user: &User, article: &Article) -> bool {
    may_edit(user, article.created_by, article.status)
}

/// Whether `user` may delete `article`: whoever may open it in the editor
/// (contributors their own drafts and submissions, authors their own
/// articles, editors and administrators anyone's), as in WordPress.
pub fn can_delete(user: &User, article: &Article) -> bool {
    can_edit(user, article)
}

/// [`can_edit`] from the two facts it depends on, for lists that do not
/// load whole articles.
pub fn may_edit(user: &User, created_by: Option<i64>, status: ArticleStatus) -> bool {
    if user.role.allows(Permission::EditOthers) {
        return true;
    }
    let own = created_by == Some(user.id);
    own && (user.role.allows(Permission::PublishOwn)
        || matches!(status, ArticleStatus::Draft | ArticleStatus::Pending))
}

/// Whose articles `user`'s newsroom list holds: everyone's for those who
/// edit others' work, else only the ones they created (`Some(their id)`).
pub fn list_scope(user: &User) -> Option<i64> {
    (!user.role.allows(Permission::EditOthers)).then_some(user.id)
}

/// The states `user` may move an article (of theirs, or `None` for a new
/// one) to. Contributors only write and submit; publishing is for authors
/// (their own) and editors.
pub fn allowed_statuses(user: &User) -> &'static [ArticleStatus] {
    if user.role.allows(Permission::PublishOwn) {
        &ArticleStatus::ALL
    } else {
        &[ArticleStatus::Draft, ArticleStatus::Pending]
    }
}

/// The editor's form as typed.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Deserialize, serde::Serialize)]
#[serde(default)]
pub struct EditorForm {
    /// Headline.
    pub title: String,
    /// URL name; derived from the title when empty.
    pub slug: String,
    /// Markdown body.
    pub body: String,
    /// Summary; derived from the body when empty.
    pub excerpt: String,
    /// Byline name.
    pub author: String,
    /// Section name.
    pub category: String,
    /// Keywords, comma-separated.
    pub tags: String,
    /// Further sections the article is also listed in, comma-separated.
    pub sections: String,
    /// Publication date and time (`YYYY-MM-DDTHH:MM`, UTC), for scheduling.
    pub published_at: String,
    /// The version the form was opened at.
    pub version: i64,
    /// Anti-forgery token.
    pub csrf: String,
    /// Which button was pressed: the target state.
    pub status: String,
    /// news, analysis, opinion or sponsored.
    pub article_type: String,
    /// Sources, one per line: `Name` or `Name | https://…`.
    pub sources: String,
    /// Title for search engines, if not the headline.
    pub seo_title: String,
    /// Description for search engines, if not the excerpt.
    pub seo_description: String,
    /// A correction or update note to add with this save.
    pub correction: String,
    /// Further bylines, one per line: `Name` or `Name | role`.
    pub contributors: String,
    /// The open editor's key (see `model::desk`), made when the editor
    /// page was shown; a save from a page someone took over is refused.
    pub desk_page: String,
}

/// Names separated by commas (tags, further sections), each with its
/// URL form, once each; `invalid_name` for one with no letter or digit.
fn comma_names(text: &str) -> Result<Vec<(Slug, String)>, &'static str> {
    let mut out: Vec<(Slug, String)> = Vec::new();
    for name in text.split(',').map(str::trim).filter(|t| !t.is_empty()) {
        let slug = Slug::from_text(name).map_err(|_| "invalid_name")?;
        if name.chars().count() > TERM_NAME_MAX {
            return Err("too_long");
        }
        if !out.iter().any(|(s, _)| *s == slug) {
            out.push((slug, name.to_owned()));
        }
    }
    Ok(out)
}

/// One line of the form's lists (sources, further bylines): `Name`, or
/// `Name | extra` (an address, a role), as the parsers below read them.
pub fn form_line(name: &str, extra: Option<&str>) -> String {
    match extra {
        Some(extra) => format!("{name} | {extra}"),
        None => name.to_owned(),
    }
}

/// Parses the further bylines: one per line, `Name` or `Name | role`
/// (the role as the byline shows it: "avec", "Photos :").
pub fn parse_contributors(text: &str) -> Result<Vec<Contributor>, &'static str> {
    let mut out: Vec<Contributor> = Vec::new();
    for line in text.lines().map(str::trim).filter(|l| !l.is_empty()) {
        let (name, role) = match line.split_once('|') {
            Some((n, r)) => (n.trim(), Some(r.trim()).filter(|r| !r.is_empty())),
            None => (line, None),
        };
        if name.chars().count() > 100 || role.is_some_and(|r| r.chars().count() > 60) {
            return Err("too_long");
        }
        let slug = Slug::from_text(name).map_err(|_| "invalid_name")?;
        if !out.iter().any(|c| c.author.0 == slug) {
            out.push(Contributor {
                author: (slug, name.split_whitespace().collect::<Vec<_>>().join(" ")),
                role: role.map(str::to_owned),
            });
        }
    }
    if out.len() > 10 {
        return Err("too_long");
    }
    Ok(out)
}

/// Most sources an article lists.
pub const SOURCES_MAX: usize = 30;

/// Parses the sources box: one per line, `Name` or `Name | address`.
pub fn parse_sources(text: &str) -> Result<Vec<Source>, &'static str> {
    let mut sources = Vec::new();
    for line in text.lines().map(str::trim).filter(|l| !l.is_empty()) {
        let (name, url) = match line.rsplit_once('|') {
            Some((name, url)) => (name.trim(), Some(url.trim())),
            None => (line, None),
        };
        if name.is_empty() || name.chars().count() > 200 {
            return Err("invalid_source");
        }
        let url = match url.filter(|u| !u.is_empty()) {
            Some(u) => Some(WebUrl::parse(u).map_err(|_| "invalid_url")?),
            None => None,
        };
        sources.push(Source {
            name: name.to_owned(),
            url,
        });
    }
    if sources.len() > SOURCES_MAX {
        return Err("too_long");
    }
    Ok(sources)
}

/// Longest excerpt a writer may type.
pub const EXCERPT_MAX: usize = 500;
/// Longest body, in bytes (a very long read is ~100 KB of Markdown).
pub const BODY_MAX: usize = 1_000_000;

impl EditorForm {
    /// Checks the form and builds the draft the store takes. All problems
    /// are reported at once, as translation keys per field. The date is
    /// read on the site's clock.
    pub fn validate(
        &self,
        user: &User,
        site: &Site,
        now: DateTime<Utc>,
    ) -> Result<ArticleDraft, Vec<FieldError>> {
        let mut errors = Vec::new();
        let mut fail = |field, code| errors.push(FieldError { field, code });
        let title = match Title::parse(&self.title) {
            Ok(t) => Some(t),
            Err(Error::Invalid(e)) => {
                fail("title", e.first().map(|e| e.code).unwrap_or("required"));
                None
            }
            Err(_) => None,
        };
        let slug = if self.slug.trim().is_empty() {
            match &title {
                // A title of punctuation only gives no address: ask for one.
                Some(t) => Slug::from_text(t.as_str())
                    .map_err(|_| fail("slug", "invalid_slug"))
                    .ok(),
                None => None,
            }
        } else {
            Slug::parse(self.slug.trim())
                .map_err(|_| fail("slug", "invalid_slug"))
                .ok()
        };
        let body = self.body.replace("\r\n", "\n");
        if body.trim().is_empty() {
            fail("body", "required");
        } else if body.len() > BODY_MAX {
            fail("body", "too_long");
        }
        // Refused rather than fetched: a save does not reach out to other
        // sites; the writer puts the picture in the library instead.
        else if !markup::external_images(&body).is_empty() {
            fail("body", "external_image");
        }
        if self.excerpt.chars().count() > EXCERPT_MAX {
            fail("excerpt", "too_long");
        }
        let author_name = match self.author.split_whitespace().collect::<Vec<_>>().join(" ") {
            a if a.is_empty() => user.name.clone(),
            a => a,
        };
        let author_slug = if author_name.chars().count() > NAME_MAX {
            fail("author", "too_long");
            None
        } else {
            Slug::from_text(&author_name)
                .map_err(|_| fail("author", "invalid_name"))
                .ok()
        };
        let category = self.category.trim();
        let category = if category.is_empty() {
            None
        } else if category.chars().count() > TERM_NAME_MAX {
            fail("category", "too_long");
            None
        } else {
            match Slug::from_text(category) {
                Ok(s) => Some((s, category.to_owned())),
                Err(_) => {
                    fail("category", "invalid_name");
                    None
                }
            }
        };
        let tags = comma_names(&self.tags).unwrap_or_else(|code| {
            fail("tags", code);
            Vec::new()
        });
        // Further sections: the section above excepted, once each.
        let mut sections = comma_names(&self.sections).unwrap_or_else(|code| {
            fail("sections", code);
            Vec::new()
        });
        sections.retain(|(s, _)| category.as_ref().is_none_or(|(c, _)| c != s));
        let contributors = parse_contributors(&self.contributors)
            .map_err(|code| fail("contributors", code))
            .unwrap_or_default();
        let sources = parse_sources(&self.sources)
            .map_err(|code| fail("sources", code))
            .unwrap_or_default();
        let optional = |text: &str,
                        max: usize,
                        field: &'static str,
                        fail: &mut dyn FnMut(&'static str, &'static str)| {
            let t = text.split_whitespace().collect::<Vec<_>>().join(" ");
            if t.chars().count() > max {
                fail(field, "too_long");
                None
            } else {
                Some(t).filter(|t| !t.is_empty())
            }
        };
        let seo_title = optional(&self.seo_title, 200, "seo_title", &mut fail);
        let seo_description = optional(&self.seo_description, 300, "seo_description", &mut fail);
        let correction = self.correction.trim();
        if correction.chars().count() > 2000 {
            fail("correction", "too_long");
        }
        let correction = Some(correction.to_owned()).filter(|c| !c.is_empty());
        let status: Option<ArticleStatus> = self.status.parse().ok();
        let status = match status {
            Some(s) if allowed_statuses(user).contains(&s) => Some(s),
            _ => {
                fail("status", "not_allowed");
                None
            }
        };
        let published_at = match self.published_at.trim() {
            "" => None,
            raw => match site.parse_local_time(raw) {
                Some(d) => Some(d),
                None => {
                    fail("published_at", "invalid_date");
                    None
                }
            },
        };
        if status == Some(ArticleStatus::Scheduled) && published_at.is_none_or(|d| d <= now) {
            fail("published_at", "schedule_in_future");
        }
        match (title, slug, author_slug, status) {
            (Some(title), Some(slug), Some(author_slug), Some(status)) if errors.is_empty() => {
                let french = site.language == Locale::Fr;
                let excerpt = match self.excerpt.trim() {
                    "" => markup::excerpt(&body, EXCERPT_CHARS),
                    e => e.to_owned(),
                };
                Ok(ArticleDraft {
                    slug,
                    title,
                    body_html: markup::render_markdown(&body, french),
                    body_markdown: body,
                    excerpt,
                    author: (author_slug, author_name),
                    category,
                    tags,
                    sections,
                    image: None,
                    // Publishing now dates a never-published article now;
                    // an explicit date always wins.
                    published_at: published_at
                        .or((status == ArticleStatus::Published).then_some(now)),
                    now,
                    status,
                    saved_by: Some(user.id),
                    editorial: Editorial {
                        contributors,
                        article_type: ArticleType::parse(&self.article_type),
                        sources,
                        seo_title,
                        seo_description,
                    },
                    correction,
                })
            }
            _ => Err(errors),
        }
    }

    /// The form showing an existing article, its date on the site's clock.
    pub fn from_article(article: &Article, site: &Site) -> Self {
        EditorForm {
            title: article.title.as_str().to_owned(),
            slug: article.slug.as_str().to_owned(),
            body: article.body_markdown.clone(),
            excerpt: article.excerpt.clone(),
            author: article.author.name.clone(),
            category: article
                .category
                .as_ref()
                .map(|c| c.name.clone())
                .unwrap_or_default(),
            sections: article
                .sections
                .iter()
                .map(|c| c.name.as_str())
                .collect::<Vec<_>>()
                .join(", "),
            tags: article
                .tags
                .iter()
                .map(|t| t.name.as_str())
                .collect::<Vec<_>>()
                .join(", "),
            published_at: site
                .local(article.published_at)
                .format("%Y-%m-%dT%H:%M:%S")
                .to_string(),
            version: article.version,
            csrf: String::new(),
            status: article.status.as_str().to_owned(),
            article_type: article.editorial.article_type.as_str().to_owned(),
            sources: article
                .editorial
                .sources
                .iter()
                .map(|s| form_line(&s.name, s.url.as_ref().map(|u| u.as_str())))
                .collect::<Vec<_>>()
                .join("\n"),
            seo_title: article.editorial.seo_title.clone().unwrap_or_default(),
            seo_description: article
                .editorial
                .seo_description
                .clone()
                .unwrap_or_default(),
            correction: String::new(),
            contributors: article
                .editorial
                .contributors
                .iter()
                .map(|c| form_line(&c.author.1, c.role.as_deref()))
                .collect::<Vec<_>>()
                .join("\n"),
            desk_page: String::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::{Email, Role};

    fn user(role: Role, id: i64) -> User {
        User {
            id,
            email: Email::parse("u@example.org").unwrap(),
            name: "Awa Diop".into(),
            role,
            password_hash: None,
            totp_secret: None,
            created_at: Utc::now(),
        }
    }

    fn site() -> Site {
        Site::new("Afrique Première Tv", Locale::Fr, "https://example.org")
    }

    fn form(status: &str) -> EditorForm {
        EditorForm {
            title: "Élections : le point".into(),
            body: "Premier paragraphe.".into(),
            status: status.into(),
            ..EditorForm::default()
        }
    }

    #[test]
    fn a_contributor_may_submit_but_not_publish() {
        let c = user(Role::Contributor, 1);
        assert!(form("pending").validate(&c, &site(), Utc::now()).is_ok());
        let errs = form("published")
            .validate(&c, &site(), Utc::now())
            .unwrap_err();
        assert_eq!(errs[0].field, "status");
    }

    #[test]
    fn missing_pieces_are_derived() {
        let d = form("draft")
            .validate(&user(Role::Author, 1), &site(), Utc::now())
            .unwrap();
        assert_eq!(d.slug.as_str(), "elections-le-point");
        assert_eq!(d.author.1, "Awa Diop");
        assert_eq!(d.excerpt, "Premier paragraphe.");
        assert_eq!(d.published_at, None);
    }

    #[test]
    fn sources_are_one_per_line_with_an_optional_address() {
        let s = parse_sources("AFP\n\nRapport annuel | https://example.org/rapport.pdf\n").unwrap();
        assert_eq!(s.len(), 2);
        assert_eq!(s[0].url, None);
        assert_eq!(s[1].name, "Rapport annuel");
        assert_eq!(parse_sources("X | javascript:alert(1)"), Err("invalid_url"));
    }

    #[test]
    fn scheduling_needs_a_future_date() {
        let u = user(Role::Editor, 1);
        let now = Utc::now();
        let mut f = form("scheduled");
        let errs = f.validate(&u, &site(), now).unwrap_err();
        assert_eq!(errs[0].code, "schedule_in_future");
        f.published_at = (now + chrono::Duration::hours(2))
            .format("%Y-%m-%dT%H:%M")
            .to_string();
        assert!(f.validate(&u, &site(), now).is_ok());
    }

    #[test]
    fn dates_are_typed_on_the_sites_clock() {
        let u = user(Role::Editor, 1);
        let mut site = site();
        site.time_zone = "Europe/Paris".parse().unwrap();
        let mut f = form("draft");
        f.published_at = "2024-11-01T18:30".into();
        let d = f.validate(&u, &site, Utc::now()).unwrap();
        let utc = d.published_at.unwrap();
        assert_eq!(utc.format("%H:%M").to_string(), "17:30");
        // 02:30 on the last Sunday of March does not exist in Paris.
        f.published_at = "2024-03-31T02:30".into();
        let errs = f.validate(&u, &site, Utc::now()).unwrap_err();
        assert_eq!(errs[0].code, "invalid_date");
    }

    #[test]
    fn who_may_edit_what() {
        let article = |status, created_by| Article {
            id: 1,
            slug: Slug::parse("a").unwrap(),
            title: Title::parse("A").unwrap(),
            body_markdown: String::new(),
            body_html: String::new(),
            excerpt: String::new(),
            author: crate::model::Author {
                id: 1,
                slug: Slug::parse("a").unwrap(),
                name: "A".into(),
            },
            category: None,
            sections: vec![],
            tags: vec![],
            image: None,
            published_at: Utc::now(),
            updated_at: Utc::now(),
            status,
            version: 1,
            created_by,
            editorial: Editorial::default(),
            corrections: vec![],
        };
        let contributor = user(Role::Contributor, 7);
        assert!(can_edit(
            &contributor,
            &article(ArticleStatus::Draft, Some(7))
        ));
        assert!(!can_edit(
            &contributor,
            &article(ArticleStatus::Published, Some(7))
        ));
        assert!(!can_edit(
            &contributor,
            &article(ArticleStatus::Draft, Some(8))
        ));
        let author = user(Role::Author, 7);
        assert!(can_edit(
            &author,
            &article(ArticleStatus::Published, Some(7))
        ));
        assert!(!can_edit(&author, &article(ArticleStatus::Draft, Some(8))));
        assert!(can_edit(
            &user(Role::Editor, 9),
            &article(ArticleStatus::Draft, Some(8))
        ));
        assert!(can_edit(
            &user(Role::Editor, 9),
            &article(ArticleStatus::Published, None)
        ));
    }
}
