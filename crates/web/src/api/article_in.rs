//! What an article is written with through the API, laid over the
//! admin's editor form (`EditorForm`) so the admin's checks read it: no
//! rule is written twice.

use chrono::{DateTime, Utc};
use kiosque_core::model::Site;
use kiosque_core::service::editorial::{EditorForm, form_line};
use kiosque_core::service::saving::Refused;
use serde::Deserialize;
use utoipa::ToSchema;

use super::body::Known;
use super::content::TypeParam;
use super::error::ApiError;
use super::newsroom::StatusParam;

/// A source cited.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct SourceIn {
    #[schema(max_length = 200)]
    name: String,
    /// A web address, if it has one.
    url: Option<String>,
}

/// A further byline.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct ContributorIn {
    #[schema(max_length = 100)]
    name: String,
    /// Their part as the byline shows it ("Photos :"); none for a co-author.
    #[schema(max_length = 60)]
    role: Option<String>,
}

/// What an article is written with. To create: `title` and `body` at
/// least. To change: only the fields sent change.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct ArticleIn {
    #[schema(example = "COP 29 : les promesses")]
    title: Option<String>,
    /// Its URL name; made from the title when not given.
    slug: Option<String>,
    /// The text, in Markdown.
    #[schema(example = "Premier paragraphe.\n\nDeuxième paragraphe.")]
    body: Option<String>,
    /// Summary; made from the body when not given.
    excerpt: Option<String>,
    /// The byline; the token's user when not given.
    author: Option<String>,
    /// The section's name (made if new).
    section: Option<String>,
    /// Further sections' names.
    further_sections: Option<Vec<String>>,
    /// Tag names (made if new).
    tags: Option<Vec<String>>,
    r#type: Option<TypeParam>,
    sources: Option<Vec<SourceIn>>,
    contributors: Option<Vec<ContributorIn>>,
    seo_title: Option<String>,
    seo_description: Option<String>,
    /// A correction or update note to add with this save.
    correction: Option<String>,
    /// The state to save it in; `draft` for a new one when not given.
    status: Option<StatusParam>,
    /// Publication time (RFC 3339): for `scheduled`, when it goes live.
    #[schema(format = DateTime)]
    published_at: Option<String>,
}

impl Known for ArticleIn {
    const FIELDS: &'static [&'static str] = &[
        "title",
        "slug",
        "body",
        "excerpt",
        "author",
        "section",
        "further_sections",
        "tags",
        "type",
        "sources",
        "contributors",
        "seo_title",
        "seo_description",
        "correction",
        "status",
        "published_at",
    ];
}

impl ArticleIn {
    /// Writes what was sent over the editor's form (the form the admin's
    /// checks read), or the fields that cannot be written there.
    pub(super) fn onto(self, form: &mut EditorForm, site: &Site) -> Result<(), ApiError> {
        let mut refused: Vec<(String, String)> = Vec::new();
        // The form keeps lists as text (commas, lines, `|`): a name that
        // holds one of those would be read as two.
        let plain = |text: &str, separators: &[char]| !text.contains(separators);
        if let Some(v) = self.title {
            form.title = v;
        }
        if let Some(v) = self.slug {
            form.slug = v;
        }
        if let Some(v) = self.body {
            form.body = v;
        }
        if let Some(v) = self.excerpt {
            form.excerpt = v;
        }
        if let Some(v) = self.author {
            form.author = v;
        }
        if let Some(v) = self.section {
            form.category = v;
        }
        for (names, field, target) in [
            (
                self.further_sections,
                "further_sections",
                &mut form.sections,
            ),
            (self.tags, "tags", &mut form.tags),
        ] {
            if let Some(names) = names {
                if names.iter().all(|n| plain(n, &[',', '\n'])) {
                    *target = names.join(", ");
                } else {
                    refused.push((field.into(), "no_commas".into()));
                }
            }
        }
        if let Some(t) = self.r#type {
            form.article_type = kiosque_core::model::ArticleType::from(t)
                .as_str()
                .to_owned();
        }
        if let Some(sources) = self.sources {
            if sources.iter().all(|s| {
                plain(&s.name, &['|', '\n'])
                    && s.url.as_deref().is_none_or(|u| plain(u, &['|', '\n']))
            }) {
                form.sources = sources
                    .iter()
                    .map(|s| form_line(&s.name, s.url.as_deref()))
                    .collect::<Vec<_>>()
                    .join("\n");
            } else {
                refused.push(("sources".into(), "invalid_source".into()));
            }
        }
        if let Some(people) = self.contributors {
            if people.iter().all(|c| {
                plain(&c.name, &['|', '\n']) && c.role.as_deref().is_none_or(|r| plain(r, &['\n']))
            }) {
                form.contributors = people
                    .iter()
                    .map(|c| form_line(&c.name, c.role.as_deref()))
                    .collect::<Vec<_>>()
                    .join("\n");
            } else {
                refused.push(("contributors".into(), "invalid_name".into()));
            }
        }
        if let Some(v) = self.seo_title {
            form.seo_title = v;
        }
        if let Some(v) = self.seo_description {
            form.seo_description = v;
        }
        if let Some(v) = self.correction {
            form.correction = v;
        }
        if let Some(s) = self.status {
            form.status = s.domain().as_str().to_owned();
        }
        if let Some(at) = self.published_at {
            match DateTime::parse_from_rfc3339(&at) {
                // The form reads times on the site's clock.
                Ok(t) => {
                    form.published_at = site
                        .local(t.with_timezone(&Utc))
                        .format("%Y-%m-%dT%H:%M:%S")
                        .to_string();
                }
                Err(_) => refused.push(("published_at".into(), "invalid_date".into())),
            }
        }
        if refused.is_empty() {
            Ok(())
        } else {
            Err(ApiError::fields(
                "validation_failed",
                "Some fields are refused.",
                refused,
            ))
        }
    }
}

/// A refused save as the API says it.
pub(super) fn refusal(refused: Refused) -> ApiError {
    match refused {
        Refused::NotAllowed => ApiError::forbidden(
            "This user may not write this article, or not put it in that state.",
        ),
        Refused::Invalid(fields) => ApiError::fields(
            "validation_failed",
            "Some fields are refused.",
            fields
                .into_iter()
                .map(|f| (f.field.to_owned(), f.code.to_owned())),
        ),
        Refused::Stale => ApiError::new(
            "precondition_failed",
            "The article was saved since that version: nothing was changed. Read it again.",
        ),
        Refused::SlugTaken => ApiError::fields(
            "conflict",
            "Another article has this address.",
            [("slug".to_owned(), "slug_taken".to_owned())],
        ),
    }
}
