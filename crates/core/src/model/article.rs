use chrono::{DateTime, Utc};

use crate::model::Site;
use crate::types::{ArticleStatus, Slug, Title};

/// A person who signs articles.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Author {
    /// Storage id.
    pub id: i64,
    /// Address of the author page.
    pub slug: Slug,
    /// Display name, as in the byline.
    pub name: String,
}

/// What an author page says about its author.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct AuthorProfile {
    /// A few lines about them.
    pub bio: String,
    /// What they cover ("Afrique de l'Ouest, économie").
    pub expertise: String,
    /// Their pages elsewhere.
    pub links: Vec<crate::types::WebUrl>,
    /// A portrait, shown on the author page.
    pub photo: Option<MediaAsset>,
}

/// A section of the site ("International", "Sport").
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Category {
    /// Storage id.
    pub id: i64,
    /// Address of the category page.
    pub slug: Slug,
    /// Display name.
    pub name: String,
}

/// A free keyword attached to articles.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tag {
    /// Storage id.
    pub id: i64,
    /// URL form.
    pub slug: Slug,
    /// Display name.
    pub name: String,
}

/// A stored, decoded-and-validated image file.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct MediaAsset {
    /// Storage id.
    pub id: i64,
    /// Content-addressed file name (`<sha256>.<ext>`), unique.
    pub file_name: String,
    /// MIME type of the stored bytes.
    pub mime: String,
    /// Pixel width.
    pub width: u32,
    /// Pixel height.
    pub height: u32,
    /// Size of the stored file.
    pub byte_size: u64,
    /// Its average colour (`#rrggbb`), painted while the picture loads.
    pub color: String,
    /// Widths of the smaller copies made so far (WebP and JPEG each, named
    /// `<hash>-<width>.webp|jpg`); empty until the media worker has run.
    pub variants: Vec<u32>,
    /// What the newsroom wrote about it in the library.
    pub text: MediaText,
    /// The file name it was uploaded under (for searching the library).
    pub original_name: String,
}

/// What the library says of an image.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct MediaText {
    /// What the picture shows, for readers who cannot see it; required
    /// before an article using the image is published.
    pub alt: String,
    /// The caption offered when the image is used.
    pub caption: String,
    /// Photographer or agency.
    pub credit: String,
}

impl MediaText {
    /// Checks and tidies the texts given for an image (runs of white space
    /// become one space): alt text and caption up to 500 characters, credit
    /// up to 200. The admin's form and the API both come here.
    pub fn checked(alt: &str, caption: &str, credit: &str) -> crate::Result<MediaText> {
        let mut errors = Vec::new();
        // Measured as sent (what a form's maxlength and the API's schema
        // say), then tidied.
        let mut field = |name: &'static str, value: &str, max: usize| {
            let over = value.chars().count() > max;
            let value = value.split_whitespace().collect::<Vec<_>>().join(" ");
            if over {
                errors.push(crate::FieldError {
                    field: name,
                    code: "too_long",
                });
            }
            value
        };
        let text = MediaText {
            alt: field("alt", alt, 500),
            caption: field("caption", caption, 500),
            credit: field("credit", credit, 200),
        };
        if errors.is_empty() {
            Ok(text)
        } else {
            Err(crate::Error::Invalid(errors))
        }
    }

    /// The library's texts once the image is used with these: each text
    /// given fills only an empty one. The library keeps the defaults it
    /// had; what the photo shows in one article stays with that article
    /// (`FeaturedImage::alt`), so ten articles sharing a photo keep ten
    /// descriptions.
    pub fn after_use(
        &self,
        alt: Option<&str>,
        caption: Option<&str>,
        credit: Option<&str>,
    ) -> Self {
        let keep_or = |old: &str, new: Option<&str>| {
            if old.is_empty() {
                new.unwrap_or_default()
            } else {
                old
            }
            .to_owned()
        };
        MediaText {
            alt: keep_or(&self.alt, alt),
            caption: keep_or(&self.caption, caption),
            credit: keep_or(&self.credit, credit),
        }
    }
}

/// A library entry with how many places use it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MediaItem {
    /// The image.
    pub asset: MediaAsset,
    /// Articles, author portraits and the site logo using it.
    pub uses: u64,
}

/// Where an image is used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MediaUse {
    /// The lead image of an article (id, headline).
    Article(i64, String),
    /// In an article's text: a gallery or a picture (id, headline).
    ArticleText(i64, String),
    /// In the text of one of the site's pages (id, title).
    PageText(i64, String),
    /// An author's portrait (author id, name).
    Portrait(i64, String),
    /// The site's logo.
    Logo,
}

impl MediaAsset {
    /// The content hash that names the file and its variants.
    pub fn stem(&self) -> &str {
        self.file_name
            .split_once('.')
            .map_or(self.file_name.as_str(), |(stem, _)| stem)
    }
}

/// A media file about to be recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewMediaAsset {
    /// Content-addressed file name (`<sha256>.<ext>`).
    pub file_name: String,
    /// MIME type.
    pub mime: String,
    /// Pixel width.
    pub width: u32,
    /// Pixel height.
    pub height: u32,
    /// Size in bytes.
    pub byte_size: u64,
    /// Average colour, `#rrggbb`.
    pub color: String,
    /// The name it was uploaded under, if known.
    pub original_name: String,
}

/// The lead photo of an article with its texts in that article.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeaturedImage {
    /// The image file.
    pub asset: MediaAsset,
    /// What the photo shows in this article; `None` takes the library's.
    pub alt: Option<String>,
    /// "Photo de …" line shown under the image.
    pub caption: Option<String>,
    /// Photographer or agency.
    pub credit: Option<String>,
}

impl FeaturedImage {
    /// The alt text readers get: this article's, else the library's; `None`
    /// when neither is written.
    pub fn alt_text(&self) -> Option<&str> {
        self.alt
            .as_deref()
            .filter(|a| !a.trim().is_empty())
            .or_else(|| Some(self.asset.text.alt.as_str()).filter(|a| !a.trim().is_empty()))
    }

    /// What to describe the photo with where a description must be
    /// given: its alt text, else (for photos from before alt texts were
    /// asked for) its caption.
    pub fn alt_or_caption(&self) -> Option<String> {
        self.alt_text()
            .map(str::to_owned)
            .or_else(|| self.caption.clone())
    }

    /// The same photo with the same texts, as a draft takes it.
    pub fn as_use(&self) -> ImageUse {
        ImageUse {
            id: self.asset.id,
            alt: self.alt.clone(),
            caption: self.caption.clone(),
            credit: self.credit.clone(),
        }
    }
}

/// A draft's lead photo: the library's image and its texts in the article.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImageUse {
    /// The library's image.
    pub id: i64,
    /// What it shows here; `None` takes the library's alt text.
    pub alt: Option<String>,
    /// Caption under it.
    pub caption: Option<String>,
    /// Photographer or agency.
    pub credit: Option<String>,
}

/// A published article, everything a page needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Article {
    /// Storage id.
    pub id: i64,
    /// URL name, unique.
    pub slug: Slug,
    /// Headline.
    pub title: Title,
    /// Source as written.
    pub body_markdown: String,
    /// Sanitised HTML rendered from the Markdown at publish time.
    pub body_html: String,
    /// Plain-text summary for lists and metadata.
    pub excerpt: String,
    /// Who signs it.
    pub author: Author,
    /// Its section, if any.
    pub category: Option<Category>,
    /// The further sections it is also listed in (the first, above, is in
    /// its address and breadcrumb).
    pub sections: Vec<Category>,
    /// Keywords, in the order given.
    pub tags: Vec<Tag>,
    /// Lead photo.
    pub image: Option<FeaturedImage>,
    /// Publication date shown to readers.
    pub published_at: DateTime<Utc>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
    /// Editorial state.
    pub status: ArticleStatus,
    /// Bumped by every save; a save based on an older version is refused.
    pub version: i64,
    /// The account that created it (`None` for files published from the
    /// command line or imported).
    pub created_by: Option<i64>,
    /// Type, sources, search-engine texts.
    pub editorial: Editorial,
    /// Corrections and updates, oldest first.
    pub corrections: Vec<Correction>,
}

/// What lists (home, category, author pages) show of an article.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArticleSummary {
    /// Storage id.
    pub id: i64,
    /// URL name.
    pub slug: Slug,
    /// Headline.
    pub title: Title,
    /// Plain-text summary.
    pub excerpt: String,
    /// Publication date.
    pub published_at: DateTime<Utc>,
    /// Lead photo, if any, and its caption (used as alternative text).
    pub image: Option<FeaturedImage>,
    /// Byline name.
    pub author_name: String,
    /// Who signs it.
    pub author_id: i64,
    /// Its section, if any.
    pub category_id: Option<i64>,
    /// Its section's URL name (some address shapes carry it).
    pub category_slug: Option<Slug>,
}

impl Article {
    /// Public path of this article on `site`.
    pub fn path(&self, site: &Site) -> String {
        site.article_path(
            self.published_at,
            self.category.as_ref().map(|c| &c.slug),
            &self.slug,
        )
    }
}

impl ArticleSummary {
    /// Public path of this article on `site`.
    pub fn path(&self, site: &Site) -> String {
        site.article_path(self.published_at, self.category_slug.as_ref(), &self.slug)
    }
}

/// Everything needed to create or update an article in one step. Names of
/// the author, category and tags are created if new.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArticleDraft {
    /// Unique URL name; publishing again with the same slug updates.
    pub slug: Slug,
    /// Headline.
    pub title: Title,
    /// Markdown source.
    pub body_markdown: String,
    /// Rendered, sanitised HTML.
    pub body_html: String,
    /// Plain-text summary.
    pub excerpt: String,
    /// Byline name and its slug.
    pub author: (Slug, String),
    /// Section slug and name.
    pub category: Option<(Slug, String)>,
    /// Further sections, by URL form and name, created if missing.
    pub sections: Vec<(Slug, String)>,
    /// Keywords: slug and name.
    pub tags: Vec<(Slug, String)>,
    /// Lead photo and its texts in this article.
    pub image: Option<ImageUse>,
    /// Publication date; `None` keeps an existing article's date, or uses
    /// `now` for a new one (so republishing never moves its URL).
    pub published_at: Option<DateTime<Utc>>,
    /// The time of this publish, recorded as the last change.
    pub now: DateTime<Utc>,
    /// Editorial state after the save.
    pub status: ArticleStatus,
    /// The account saving (recorded on the revision, and as creator of a
    /// new article).
    pub saved_by: Option<i64>,
    /// Type, sources, search-engine texts.
    pub editorial: Editorial,
    /// A correction or update note to add with this save.
    pub correction: Option<String>,
}

/// Outcome of a publish.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Published {
    /// Storage id of the article.
    pub article_id: i64,
    /// True when the slug was new, false when an existing article was updated.
    pub created: bool,
    /// The article's version after this save.
    pub version: i64,
}

/// Which articles the newsroom's list shows; every field narrows it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ArticleQuery {
    /// Only this state.
    pub status: Option<crate::types::ArticleStatus>,
    /// Only bylines of this author (by id).
    pub author_id: Option<i64>,
    /// Only this category (by id).
    pub category_id: Option<i64>,
    /// Only articles created by this account.
    pub created_by: Option<i64>,
    /// Headline contains this (case-insensitive).
    pub title_contains: Option<String>,
}

/// An article in the newsroom's list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArticleRow {
    /// Storage id.
    pub id: i64,
    /// Headline.
    pub title: String,
    /// URL name.
    pub slug: Slug,
    /// Editorial state.
    pub status: crate::types::ArticleStatus,
    /// Byline.
    pub author_name: String,
    /// Section.
    pub category_name: Option<String>,
    /// Publication (or scheduled) date.
    pub published_at: DateTime<Utc>,
    /// Last save.
    pub updated_at: DateTime<Utc>,
    /// Creating account.
    pub created_by: Option<i64>,
}

/// Which articles a list shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum ArticleFilter {
    /// All published articles.
    #[default]
    All,
    /// Those of one category (by id).
    Category(i64),
    /// Those signed by one author (by id).
    Author(i64),
    /// Those with one tag (by id).
    Tag(i64),
    /// Those published from the first instant (included) to the second
    /// (excluded): a year's or a month's archive.
    Period(DateTime<Utc>, DateTime<Utc>),
}

/// A page of a list, numbered from 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageRequest {
    /// 1-based page number.
    pub number: u32,
    /// Items per page.
    pub per_page: u32,
}

impl PageRequest {
    /// Rows to skip.
    pub fn offset(self) -> i64 {
        i64::from(self.number.saturating_sub(1)) * i64::from(self.per_page)
    }
}

/// One page of results and the total they come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page<T> {
    /// The items on this page.
    pub items: Vec<T>,
    /// Which page this is.
    pub request: PageRequest,
    /// Items in the whole list.
    pub total: u64,
}

impl<T> Page<T> {
    /// Number of pages in the list (at least 1, so an empty list has a page).
    pub fn page_count(&self) -> u32 {
        let per = u64::from(self.request.per_page.max(1));
        u32::try_from(self.total.div_ceil(per).max(1)).unwrap_or(u32::MAX)
    }
}

/// A saved state of an article's text, kept by every save.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Revision {
    /// The article.
    pub article_id: i64,
    /// The article's version this save produced.
    pub version: i64,
    /// Headline then.
    pub title: String,
    /// Markdown then.
    pub body_markdown: String,
    /// Summary then.
    pub excerpt: String,
    /// Who saved (`None`: command line or a deleted account).
    pub saved_by: Option<i64>,
    /// Name of who saved, if known.
    pub saved_by_name: Option<String>,
    /// When.
    pub saved_at: DateTime<Utc>,
}

/// What kind of piece an article is; readers see the label of anything
/// but plain news, so opinion and sponsored content are never mistaken for
/// reporting.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, Default, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum ArticleType {
    /// Reporting.
    #[default]
    News,
    /// Explanation and context.
    Analysis,
    /// A signed point of view.
    Opinion,
    /// Paid for by an advertiser.
    Sponsored,
}

impl ArticleType {
    /// Every type.
    pub const ALL: [ArticleType; 4] = [
        ArticleType::News,
        ArticleType::Analysis,
        ArticleType::Opinion,
        ArticleType::Sponsored,
    ];

    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            ArticleType::News => "news",
            ArticleType::Analysis => "analysis",
            ArticleType::Opinion => "opinion",
            ArticleType::Sponsored => "sponsored",
        }
    }

    /// From the stored name; unknown names are news.
    pub fn parse(s: &str) -> Self {
        ArticleType::ALL
            .into_iter()
            .find(|t| t.as_str() == s)
            .unwrap_or_default()
    }
}

/// A source cited by an article.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Source {
    /// Who or what (an agency, a report, a person).
    pub name: String,
    /// Where to read it, if online.
    pub url: Option<crate::types::WebUrl>,
}

/// A dated correction or update note shown to readers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Correction {
    /// When it was added.
    pub noted_at: DateTime<Utc>,
    /// What changed, in the newsroom's words.
    pub note: String,
}

/// A further name in a byline, with what they did ("avec", "Photos :").
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Contributor {
    /// The person, as a byline author (slug and name).
    pub author: (Slug, String),
    /// Their part, written as the byline shows it; `None` for a co-author.
    pub role: Option<String>,
}

/// How an article presents itself beyond its text.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Editorial {
    /// Names after the main author in the byline, in order.
    pub contributors: Vec<Contributor>,
    /// News, analysis, opinion or sponsored.
    pub article_type: ArticleType,
    /// Sources cited, in order.
    pub sources: Vec<Source>,
    /// Title for search engines and browser tabs, if not the headline.
    pub seo_title: Option<String>,
    /// Description for search engines and previews, if not the excerpt.
    pub seo_description: Option<String>,
}
