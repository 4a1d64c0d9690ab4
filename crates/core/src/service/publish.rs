//! Publishing an article from a Markdown file with YAML front matter, the
//! format of `kiosque publish`.

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use chrono_tz::Tz;
use serde::Deserialize;

use crate::markup;
use crate::model::{ArticleDraft, ArticleType, Editorial, ImageUse, TERM_NAME_MAX};
use crate::service::editorial::{EXCERPT_MAX, parse_contributors, parse_sources};
use crate::types::{Locale, Slug, Title};

/// Longest excerpt generated from the body.
pub const EXCERPT_CHARS: usize = 220;

/// Why an article file was refused; messages are for the person running the
/// command, so they say what to fix.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SourceError {
    /// No `---` block at the top.
    #[error("no front matter: the file must start with a line `---`, then YAML fields, then `---`")]
    NoFrontMatter,
    /// The `---` block is never closed.
    #[error("front matter is not closed: add a line `---` after the YAML fields")]
    UnclosedFrontMatter,
    /// YAML did not parse or had an unknown field.
    #[error("front matter: {0}")]
    Yaml(String),
    /// A field is present but wrong.
    #[error("field `{field}`: {message}")]
    Field {
        /// The front-matter key.
        field: &'static str,
        /// What is wrong with it.
        message: String,
    },
}

/// Front matter of an article file.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
struct FrontMatter {
    title: Option<String>,
    author: Option<String>,
    date: Option<serde_yaml_ng::Value>,
    category: Option<String>,
    #[serde(default)]
    tags: Vec<String>,
    #[serde(default)]
    sections: Vec<String>,
    image: Option<String>,
    image_caption: Option<String>,
    image_credit: Option<String>,
    /// What the image shows, for readers who cannot see it.
    image_alt: Option<String>,
    slug: Option<String>,
    /// news, analysis, opinion or sponsored.
    #[serde(rename = "type")]
    article_type: Option<String>,
    excerpt: Option<String>,
    /// `"Name"` or `"Name | https://…"`.
    #[serde(default)]
    sources: Vec<String>,
    /// Further bylines: `"Name"` or `"Name | role"`.
    #[serde(default)]
    contributors: Vec<String>,
    /// The headline search engines show, when it differs.
    seo_title: Option<String>,
    /// The description search engines show.
    seo_description: Option<String>,
    /// A correction or update note, dated when first published.
    correction: Option<String>,
}

/// A parsed, checked article file, before its image is stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArticleSource {
    /// Headline.
    pub title: Title,
    /// URL name (given or derived from the title).
    pub slug: Slug,
    /// Byline name.
    pub author: String,
    /// Publication date, if given.
    pub date: Option<DateTime<Utc>>,
    /// Section name.
    pub category: Option<String>,
    /// Keywords.
    pub tags: Vec<String>,
    /// Further sections it is also listed in.
    pub sections: Vec<String>,
    /// Image path relative to the article file.
    pub image: Option<String>,
    /// Caption under the image.
    pub image_caption: Option<String>,
    /// Photographer or agency.
    pub image_credit: Option<String>,
    /// What the image shows (defaults to the caption).
    pub image_alt: Option<String>,
    /// Markdown body.
    pub body: String,
    /// Summary; derived from the body when absent.
    pub excerpt: Option<String>,
    /// Type, sources, further bylines and search texts.
    pub editorial: Editorial,
    /// A correction note to record (once: the caller skips a note the
    /// article already carries).
    pub correction: Option<String>,
}

fn field(field: &'static str, message: impl Into<String>) -> SourceError {
    SourceError::Field {
        field,
        message: message.into(),
    }
}

fn non_empty(s: Option<String>) -> Option<String> {
    s.map(|s| s.trim().to_owned()).filter(|s| !s.is_empty())
}

/// A list of names (tags, further sections): trimmed, once each, each
/// with a letter or digit for its address.
fn names(values: Vec<String>, list: &'static str) -> Result<Vec<String>, SourceError> {
    let mut out: Vec<String> = Vec::new();
    for value in values {
        let value = value.trim().to_owned();
        if value.is_empty() {
            continue;
        }
        Slug::from_text(&value).map_err(|_| {
            field(
                list,
                format!("`{value}` needs at least one letter or digit"),
            )
        })?;
        // The editor lists names separated by commas: one with a comma
        // would come back from it as two.
        if value.contains(',') {
            return Err(field(
                list,
                format!("`{value}`: a name cannot hold a comma"),
            ));
        }
        if value.chars().count() > TERM_NAME_MAX {
            return Err(field(
                list,
                format!("`{value}` is too long (at most {TERM_NAME_MAX} characters)"),
            ));
        }
        if !out.contains(&value) {
            out.push(value);
        }
    }
    Ok(out)
}

/// Splits and checks an article file. A date without a zone is on the
/// newsroom's clock, `zone`.
pub fn parse_article_source(text: &str, zone: Tz) -> Result<ArticleSource, SourceError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let rest = text
        .strip_prefix("---\n")
        .or_else(|| text.strip_prefix("---\r\n"))
        .ok_or(SourceError::NoFrontMatter)?;
    let (yaml, body) = split_front_matter(rest).ok_or(SourceError::UnclosedFrontMatter)?;
    let fm: FrontMatter = if yaml.trim().is_empty() {
        return Err(field("title", "missing: every article needs a title"));
    } else {
        serde_yaml_ng::from_str(yaml).map_err(|e| SourceError::Yaml(e.to_string()))?
    };
    let title = match non_empty(fm.title) {
        None => return Err(field("title", "missing: every article needs a title")),
        Some(t) => Title::parse(&t).map_err(|_| {
            field(
                "title",
                format!("too long (at most {} characters)", crate::types::TITLE_MAX),
            )
        })?,
    };
    let author = non_empty(fm.author)
        .ok_or_else(|| field("author", "missing: every article needs an author"))?;
    if author.chars().count() > 100 {
        return Err(field("author", "too long (at most 100 characters)"));
    }
    Slug::from_text(&author).map_err(|_| field("author", "needs at least one letter or digit"))?;
    let slug = match non_empty(fm.slug) {
        Some(s) => Slug::parse(&s).map_err(|_| {
            field(
                "slug",
                "use lowercase letters, digits and single hyphens only (e.g. `mon-article`)",
            )
        })?,
        None => Slug::from_text(title.as_str()).map_err(|_| {
            field(
                "slug",
                "cannot be derived from the title (no letters or digits): give one",
            )
        })?,
    };
    let date = fm.date.map(|d| parse_date(d, zone)).transpose()?;
    let category = non_empty(fm.category);
    if let Some(c) = &category {
        Slug::from_text(c).map_err(|_| field("category", "needs at least one letter or digit"))?;
        if c.chars().count() > TERM_NAME_MAX {
            return Err(field(
                "category",
                format!("too long (at most {TERM_NAME_MAX} characters)"),
            ));
        }
    }
    let tags = names(fm.tags, "tags")?;
    let mut sections = names(fm.sections, "sections")?;
    sections.retain(|s| Some(s) != category.as_ref());
    let body = body.trim().to_owned();
    if body.is_empty() {
        return Err(field(
            "body",
            "the article has no text after the front matter",
        ));
    }
    if let Some(src) = crate::markup::external_images(&body).first() {
        return Err(field(
            "body",
            format!(
                "the image `{src}` is on another site, which readers' browsers will not load: \
                 add it to the media library and use its /media/ address"
            ),
        ));
    }
    let article_type = match non_empty(fm.article_type) {
        None => ArticleType::News,
        Some(t) => ArticleType::ALL
            .into_iter()
            .find(|k| k.as_str() == t)
            .ok_or_else(|| field("type", "use news, analysis, opinion or sponsored"))?,
    };
    let sources = parse_sources(&fm.sources.join("\n"))
        .map_err(|_| field("sources", "each is \"Name\" or \"Name | https://address\""))?;
    let contributors = parse_contributors(&fm.contributors.join("\n"))
        .map_err(|_| field("contributors", "each is \"Name\" or \"Name | role\""))?;
    let excerpt = non_empty(fm.excerpt);
    if excerpt
        .as_ref()
        .is_some_and(|e| e.chars().count() > EXCERPT_MAX)
    {
        return Err(field(
            "excerpt",
            format!("too long (at most {EXCERPT_MAX} characters)"),
        ));
    }
    let limited = |value: Option<String>, name: &'static str, max: usize| match non_empty(value) {
        Some(v) if v.chars().count() > max => {
            Err(field(name, format!("too long (at most {max} characters)")))
        }
        v => Ok(v),
    };
    // The photo's texts within the limits the editor's photo form keeps.
    let image = non_empty(fm.image);
    let image_caption = limited(fm.image_caption, "image_caption", 500)?;
    let image_credit = limited(fm.image_credit, "image_credit", 200)?;
    let image_alt = limited(fm.image_alt, "image_alt", 500)?.or_else(|| image_caption.clone());
    if image.is_some() && image_alt.is_none() {
        return Err(field(
            "image_alt",
            "missing: say what the image shows, for readers who cannot see it \
             (or give an image_caption, used as the alt text)",
        ));
    }
    let seo_title = limited(fm.seo_title, "seo_title", 200)?;
    let seo_description = limited(fm.seo_description, "seo_description", 300)?;
    let correction = limited(fm.correction, "correction", 2000)?;
    Ok(ArticleSource {
        title,
        slug,
        author,
        date,
        category,
        tags,
        sections,
        image_alt,
        image,
        image_caption,
        image_credit,
        body,
        excerpt,
        editorial: Editorial {
            contributors,
            article_type,
            sources,
            seo_title,
            seo_description,
        },
        correction,
    })
}

fn split_front_matter(rest: &str) -> Option<(&str, &str)> {
    let mut offset = 0;
    for line in rest.split_inclusive('\n') {
        if line.trim_end() == "---" {
            return Some((&rest[..offset], &rest[offset + line.len()..]));
        }
        offset += line.len();
    }
    None
}

fn parse_date(value: serde_yaml_ng::Value, zone: Tz) -> Result<DateTime<Utc>, SourceError> {
    let bad = || {
        field(
            "date",
            "not a date: write it as 2024-11-01T18:30:00Z, 2024-11-01 18:30 or 2024-11-01",
        )
    };
    let text = match value {
        serde_yaml_ng::Value::String(s) => s,
        _ => return Err(bad()),
    };
    let text = text.trim();
    if let Ok(d) = DateTime::parse_from_rfc3339(text) {
        return Ok(d.with_timezone(&Utc));
    }
    for format in [
        "%Y-%m-%d %H:%M:%S",
        "%Y-%m-%d %H:%M",
        "%Y-%m-%dT%H:%M:%S",
        "%Y-%m-%dT%H:%M",
    ] {
        if let Ok(d) = NaiveDateTime::parse_from_str(text, format) {
            return on_clock(d, zone).ok_or_else(bad);
        }
    }
    if let Ok(d) = NaiveDate::parse_from_str(text, "%Y-%m-%d") {
        return d
            .and_hms_opt(0, 0, 0)
            .and_then(|d| on_clock(d, zone))
            .ok_or_else(bad);
    }
    Err(bad())
}

/// A wall-clock time in `zone`; `None` in the hour skipped when clocks go
/// forward.
fn on_clock(local: NaiveDateTime, zone: Tz) -> Option<DateTime<Utc>> {
    local
        .and_local_timezone(zone)
        .earliest()
        .map(|d| d.with_timezone(&Utc))
}

impl ArticleSource {
    /// Renders the body and builds the draft the store takes. `image` is the
    /// stored asset's id when the file named one.
    pub fn into_draft(
        self,
        language: Locale,
        image_id: Option<i64>,
        now: DateTime<Utc>,
    ) -> ArticleDraft {
        let french = language == Locale::Fr;
        let body_html = markup::render_markdown(&self.body, french);
        let excerpt = self
            .excerpt
            .unwrap_or_else(|| markup::excerpt(&self.body, EXCERPT_CHARS));
        let named = |name: String| -> Option<(Slug, String)> {
            Slug::from_text(&name).ok().map(|slug| (slug, name))
        };
        ArticleDraft {
            slug: self.slug,
            title: self.title,
            body_markdown: self.body,
            body_html,
            excerpt,
            author: named(self.author.clone())
                .unwrap_or_else(|| (Slug::parse("auteur").expect("valid slug"), self.author)),
            category: self.category.and_then(named),
            tags: self.tags.into_iter().filter_map(named).collect(),
            sections: self.sections.into_iter().filter_map(named).collect(),
            image: image_id.map(|id| ImageUse {
                id,
                alt: self.image_alt,
                caption: self.image_caption,
                credit: self.image_credit,
            }),
            published_at: self.date,
            now,
            status: crate::types::ArticleStatus::Published,
            saved_by: None,
            editorial: self.editorial,
            correction: self.correction,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<ArticleSource, SourceError> {
        parse_article_source(text, Tz::UTC)
    }

    #[test]
    fn dates_without_a_zone_are_on_the_newsrooms_clock() {
        let text = "---\ntitle: T\nauthor: A\ndate: 2024-11-01 18:30\n---\nx";
        let paris = parse_article_source(text, "Europe/Paris".parse().unwrap()).unwrap();
        assert_eq!(
            paris.date.unwrap().to_rfc3339(),
            "2024-11-01T17:30:00+00:00"
        );
        let explicit = "---\ntitle: T\nauthor: A\ndate: 2024-11-01T18:30:00Z\n---\nx";
        let explicit = parse_article_source(explicit, "Europe/Paris".parse().unwrap()).unwrap();
        assert_eq!(
            explicit.date.unwrap().to_rfc3339(),
            "2024-11-01T18:30:00+00:00"
        );
    }

    #[test]
    fn search_texts_and_a_correction_are_read() {
        let a = parse(
            "---\ntitle: T\nauthor: A\nseo_title: Court\nseo_description: Résumé\ncorrection: Chiffre corrigé.\n---\nx",
        )
        .unwrap();
        assert_eq!(a.editorial.seo_title.as_deref(), Some("Court"));
        assert_eq!(a.editorial.seo_description.as_deref(), Some("Résumé"));
        assert_eq!(a.correction.as_deref(), Some("Chiffre corrigé."));
        let long = format!(
            "---\ntitle: T\nauthor: A\nseo_title: {}\n---\nx",
            "a".repeat(201)
        );
        assert!(parse(&long).unwrap_err().to_string().contains("seo_title"));
    }

    const GOOD: &str = "---\ntitle: \"Opération spéciale : Pyongyang\"\nauthor: Gaëlle Villeneuve\ndate: 2024-11-01T18:30:00Z\ncategory: International\ntags: [\"Corée du Nord\", Russie]\n---\nCorps « cité ».\n";

    #[test]
    fn a_complete_file_parses() {
        let a = parse(GOOD).unwrap();
        assert_eq!(a.slug.as_str(), "operation-speciale-pyongyang");
        assert_eq!(a.author, "Gaëlle Villeneuve");
        assert_eq!(a.tags, vec!["Corée du Nord", "Russie"]);
        assert_eq!(a.date.unwrap().to_rfc3339(), "2024-11-01T18:30:00+00:00");
    }

    #[test]
    fn missing_front_matter_is_named() {
        assert_eq!(
            parse("# Titre\n\ntexte").unwrap_err(),
            SourceError::NoFrontMatter
        );
    }

    #[test]
    fn missing_title_is_named() {
        let e = parse("---\nauthor: A\n---\ntexte").unwrap_err();
        assert!(e.to_string().contains("title"), "{e}");
    }

    #[test]
    fn invalid_date_is_named() {
        let e = parse("---\ntitle: T\nauthor: A\ndate: hier\n---\ntexte").unwrap_err();
        assert!(e.to_string().contains("date"), "{e}");
    }

    #[test]
    fn unknown_field_is_refused() {
        let e = parse("---\ntitle: T\nauthor: A\ntitel: x\n---\ntexte").unwrap_err();
        assert!(e.to_string().contains("titel"), "{e}");
    }

    #[test]
    fn type_sources_bylines_and_excerpt_are_read() {
        let a = parse(
            "---\ntitle: T\nauthor: A B\ntype: opinion\nexcerpt: Court.\nsources: [\"AFP\", \"Rapport | https://example.org/r\"]\ncontributors: [\"Awa Diop | Photos :\"]\n---\nx",
        )
        .unwrap();
        assert_eq!(a.editorial.article_type, ArticleType::Opinion);
        assert_eq!(a.editorial.sources.len(), 2);
        assert_eq!(
            a.editorial.contributors[0].role.as_deref(),
            Some("Photos :")
        );
        let d = a.into_draft(crate::types::Locale::Fr, None, chrono::Utc::now());
        assert_eq!(d.excerpt, "Court.");
        let e = parse("---\ntitle: T\nauthor: A\ntype: rumeur\n---\nx").unwrap_err();
        assert!(e.to_string().contains("type"), "{e}");
    }

    #[test]
    fn the_photos_texts_keep_the_photo_forms_limits() {
        let with = |field: &str, n: usize| {
            format!(
                "---\ntitle: T\nauthor: A\nimage: p.jpg\nimage_alt: Une place\n{field}: {}\n---\nx",
                "é".repeat(n)
            )
        };
        for (field, max) in [("image_caption", 500), ("image_credit", 200)] {
            assert!(parse(&with(field, max)).is_ok(), "{field}");
            let e = parse(&with(field, max + 1)).unwrap_err();
            assert!(e.to_string().contains(field), "{e}");
        }
        let long_alt = format!(
            "---\ntitle: T\nauthor: A\nimage: p.jpg\nimage_alt: {}\n---\nx",
            "é".repeat(501)
        );
        assert!(
            parse(&long_alt)
                .unwrap_err()
                .to_string()
                .contains("image_alt")
        );
    }

    #[test]
    fn short_dates_are_accepted() {
        let a = parse("---\ntitle: T\nauthor: A\ndate: 2024-11-01\n---\nx").unwrap();
        assert_eq!(a.date.unwrap().to_rfc3339(), "2024-11-01T00:00:00+00:00");
    }
}
