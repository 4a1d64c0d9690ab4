//! What the API shows: its own structs, built from the domain's values,
//! never storage rows. Private fields (a commenter's e-mail, an account's
//! address) have no place here to leak from.

use chrono::{DateTime, SecondsFormat, Utc};
use kiosque_core::model::{
    Article, Author, AuthorProfile, Category, Comment, FeaturedImage, MediaAsset, Site, StaticPage,
    Tag,
};
use serde::Serialize;
use utoipa::ToSchema;

/// A time as RFC 3339 with the site's offset (`2024-11-01T19:30:00+01:00`).
pub(crate) fn time(site: &Site, at: DateTime<Utc>) -> String {
    site.local(at).to_rfc3339_opts(SecondsFormat::Secs, false)
}

/// A published article. With `fields=`, only the fields named (and
/// `id`) are present.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct ArticleOut {
    #[schema(example = 42)]
    pub(crate) id: i64,
    /// Its URL name.
    #[schema(example = "cop-29-les-promesses")]
    #[schema(required = false)]
    pub(crate) slug: String,
    /// Its address on the site.
    #[schema(example = "https://example.org/2024/11/01/cop-29-les-promesses/")]
    #[schema(required = false)]
    pub(crate) url: String,
    #[schema(example = "COP 29 : les promesses")]
    #[schema(required = false)]
    pub(crate) title: String,
    /// Plain-text summary.
    #[schema(required = false)]
    pub(crate) excerpt: String,
    /// The body as sanitised HTML (galleries as lists of images, embeds as
    /// links).
    #[schema(required = false)]
    pub(crate) body_html: String,
    /// `news`, `analysis`, `opinion` or `sponsored`.
    #[schema(example = "news")]
    #[schema(required = false)]
    pub(crate) r#type: String,
    #[schema(example = "2024-11-01T19:30:00+01:00")]
    #[schema(required = false)]
    pub(crate) published_at: String,
    #[schema(example = "2024-11-02T08:00:00+01:00")]
    #[schema(required = false)]
    pub(crate) updated_at: String,
    /// The main author's id (`embed=author` adds the author).
    #[schema(required = false)]
    pub(crate) author_id: i64,
    /// The first section's id, if any (`embed=section`).
    #[schema(required = false)]
    pub(crate) section_id: Option<i64>,
    /// Further sections it is listed in.
    #[schema(required = false)]
    pub(crate) further_section_ids: Vec<i64>,
    /// Tag ids, in order (`embed=tags`).
    #[schema(required = false)]
    pub(crate) tag_ids: Vec<i64>,
    /// Further bylines.
    #[schema(required = false)]
    pub(crate) contributors: Vec<ContributorOut>,
    /// Sources cited.
    #[schema(required = false)]
    pub(crate) sources: Vec<SourceOut>,
    /// Corrections and updates, oldest first.
    #[schema(required = false)]
    pub(crate) corrections: Vec<CorrectionOut>,
    /// Title for search engines, if not the headline.
    #[schema(required = false)]
    pub(crate) seo_title: Option<String>,
    /// Description for search engines, if not the excerpt.
    #[schema(required = false)]
    pub(crate) seo_description: Option<String>,
    /// The lead photo's library id, if any (`embed=photo`).
    #[schema(required = false)]
    pub(crate) photo_id: Option<i64>,
    /// With `embed=author`.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(required = false)]
    pub(crate) author: Option<AuthorOut>,
    /// With `embed=section`; null when it has none.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(required = false)]
    pub(crate) section: Option<Option<SectionOut>>,
    /// With `embed=tags`.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(required = false)]
    pub(crate) tags: Option<Vec<TagOut>>,
    /// With `embed=photo`; null when it has none.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(required = false)]
    pub(crate) photo: Option<Option<PhotoOut>>,
}

/// A further byline.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct ContributorOut {
    pub(crate) name: String,
    pub(crate) slug: String,
    /// Their part as the byline shows it ("Photos :"); null for a co-author.
    pub(crate) role: Option<String>,
}

/// A source cited.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct SourceOut {
    pub(crate) name: String,
    pub(crate) url: Option<String>,
}

/// A correction or update note.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct CorrectionOut {
    pub(crate) noted_at: String,
    pub(crate) note: String,
}

impl ArticleOut {
    pub(crate) fn new(site: &Site, a: &Article) -> Self {
        ArticleOut {
            id: a.id,
            slug: a.slug.as_str().to_owned(),
            url: site.absolute_url(&a.path(site)),
            title: a.title.as_str().to_owned(),
            excerpt: a.excerpt.clone(),
            body_html: kiosque_core::markup::component::fallbacks_only(&a.body_html).into_owned(),
            r#type: a.editorial.article_type.as_str().to_owned(),
            published_at: time(site, a.published_at),
            updated_at: time(site, a.updated_at),
            author_id: a.author.id,
            section_id: a.category.as_ref().map(|c| c.id),
            further_section_ids: a.sections.iter().map(|c| c.id).collect(),
            tag_ids: a.tags.iter().map(|t| t.id).collect(),
            contributors: a
                .editorial
                .contributors
                .iter()
                .map(|c| ContributorOut {
                    name: c.author.1.clone(),
                    slug: c.author.0.as_str().to_owned(),
                    role: c.role.clone(),
                })
                .collect(),
            sources: a
                .editorial
                .sources
                .iter()
                .map(|s| SourceOut {
                    name: s.name.clone(),
                    url: s.url.as_ref().map(|u| u.as_str().to_owned()),
                })
                .collect(),
            corrections: a
                .corrections
                .iter()
                .map(|c| CorrectionOut {
                    noted_at: time(site, c.noted_at),
                    note: c.note.clone(),
                })
                .collect(),
            seo_title: a.editorial.seo_title.clone(),
            seo_description: a.editorial.seo_description.clone(),
            photo_id: a.image.as_ref().map(|i| i.asset.id),
            author: None,
            section: None,
            tags: None,
            photo: None,
        }
    }
}

/// A byline author's public profile (no account details).
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct AuthorOut {
    pub(crate) id: i64,
    pub(crate) slug: String,
    #[schema(example = "Awa Diop")]
    pub(crate) name: String,
    /// Their page on the site.
    pub(crate) url: String,
    /// With the profile (a single author; not in lists).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) profile: Option<ProfileOut>,
}

/// What an author page shows about them.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct ProfileOut {
    pub(crate) bio: String,
    pub(crate) expertise: String,
    pub(crate) links: Vec<String>,
    pub(crate) photo: Option<PhotoOut>,
}

impl AuthorOut {
    pub(crate) fn new(site: &Site, a: &Author) -> Self {
        AuthorOut {
            id: a.id,
            slug: a.slug.as_str().to_owned(),
            name: a.name.clone(),
            url: site.absolute_url(&format!("/author/{}/", a.slug)),
            profile: None,
        }
    }

    pub(crate) fn with_profile(mut self, site: &Site, p: &AuthorProfile) -> Self {
        self.profile = Some(ProfileOut {
            bio: p.bio.clone(),
            expertise: p.expertise.clone(),
            links: p.links.iter().map(|l| l.as_str().to_owned()).collect(),
            photo: p.photo.as_ref().map(|m| PhotoOut::new(site, m, None, None)),
        });
        self
    }
}

/// A section.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct SectionOut {
    pub(crate) id: i64,
    pub(crate) slug: String,
    #[schema(example = "International")]
    pub(crate) name: String,
    pub(crate) url: String,
    /// The section it sits under, if any.
    pub(crate) parent_id: Option<i64>,
}

impl SectionOut {
    pub(crate) fn new(site: &Site, c: &Category, parent_id: Option<i64>) -> Self {
        SectionOut {
            id: c.id,
            slug: c.slug.as_str().to_owned(),
            name: c.name.clone(),
            url: site.absolute_url(&format!("/category/{}/", c.slug)),
            parent_id,
        }
    }
}

/// A tag.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct TagOut {
    pub(crate) id: i64,
    pub(crate) slug: String,
    #[schema(example = "COP 29")]
    pub(crate) name: String,
    pub(crate) url: String,
}

impl TagOut {
    pub(crate) fn new(site: &Site, t: &Tag) -> Self {
        TagOut {
            id: t.id,
            slug: t.slug.as_str().to_owned(),
            name: t.name.clone(),
            url: site.absolute_url(&format!("/tag/{}/", t.slug)),
        }
    }
}

/// A photo of the library with its smaller copies.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct PhotoOut {
    pub(crate) id: i64,
    /// The largest copy (the upload, re-encoded without its metadata).
    pub(crate) url: String,
    pub(crate) width: u32,
    pub(crate) height: u32,
    /// What it shows, for readers who cannot see it.
    pub(crate) alt: String,
    pub(crate) caption: Option<String>,
    pub(crate) credit: Option<String>,
    /// Smaller copies, narrowest first (empty until they are made).
    pub(crate) copies: Vec<CopyOut>,
}

/// One width of a photo, in two formats.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct CopyOut {
    pub(crate) width: u32,
    pub(crate) webp: String,
    pub(crate) jpeg: String,
}

impl PhotoOut {
    pub(crate) fn new(
        site: &Site,
        m: &MediaAsset,
        caption: Option<&str>,
        credit: Option<&str>,
    ) -> Self {
        let text = |own: Option<&str>, library: &str| {
            own.map(str::to_owned)
                .or_else(|| Some(library.to_owned()))
                .filter(|t| !t.trim().is_empty())
        };
        let file = |name: String| site.absolute_url(&format!("/media/{name}"));
        PhotoOut {
            id: m.id,
            url: file(m.file_name.clone()),
            width: m.width,
            height: m.height,
            alt: m.text.alt.clone(),
            caption: text(caption, &m.text.caption),
            credit: text(credit, &m.text.credit),
            copies: m
                .variants
                .iter()
                .map(|&w| CopyOut {
                    width: w,
                    webp: file(kiosque_media::variant_name(m.stem(), w, "webp")),
                    jpeg: file(kiosque_media::variant_name(m.stem(), w, "jpg")),
                })
                .collect(),
        }
    }

    /// The article's photo: its texts there, the library's where it has none.
    pub(crate) fn featured(site: &Site, image: &FeaturedImage) -> Self {
        let mut out = Self::new(
            site,
            &image.asset,
            image.caption.as_deref(),
            image.credit.as_deref(),
        );
        out.alt = image.alt_text().unwrap_or_default().to_owned();
        out
    }
}

/// One of the site's pages (about, contact…).
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct PageOut {
    pub(crate) id: i64,
    pub(crate) slug: String,
    pub(crate) url: String,
    pub(crate) title: String,
    pub(crate) body_html: String,
    pub(crate) in_menu: bool,
    pub(crate) in_footer: bool,
    pub(crate) updated_at: String,
}

impl PageOut {
    pub(crate) fn new(site: &Site, p: &StaticPage) -> Self {
        PageOut {
            id: p.id,
            slug: p.slug.as_str().to_owned(),
            url: site.absolute_url(&format!("/{}/", p.slug)),
            title: p.title.clone(),
            body_html: kiosque_core::markup::component::fallbacks_only(&p.body_html).into_owned(),
            in_menu: p.in_menu,
            in_footer: p.in_footer,
            updated_at: time(site, p.updated_at),
        }
    }
}

/// An approved reader comment (the commenter's address is never shown).
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct CommentOut {
    pub(crate) id: i64,
    pub(crate) article_id: i64,
    /// The comment it answers, if any.
    pub(crate) parent_id: Option<i64>,
    pub(crate) author_name: String,
    pub(crate) author_url: Option<String>,
    /// Plain text as typed.
    pub(crate) body: String,
    pub(crate) created_at: String,
}

impl CommentOut {
    pub(crate) fn new(site: &Site, c: &Comment) -> Self {
        CommentOut {
            id: c.id,
            article_id: c.article_id,
            parent_id: c.parent_id,
            author_name: c.author_name.clone(),
            author_url: c.author_url.as_ref().map(|u| u.as_str().to_owned()),
            body: c.body.clone(),
            created_at: time(site, c.created_at),
        }
    }
}

/// A page of a list.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct ListOut<T: ToSchema> {
    pub(crate) items: Vec<T>,
    /// How many there are in the whole list, every page.
    pub(crate) total: u64,
    /// Pass as `cursor` for the next page; null on the last one.
    pub(crate) next_cursor: Option<String>,
}

/// The site's public settings.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct SiteOut {
    #[schema(example = "Le Courrier du Sahel")]
    pub(crate) name: String,
    pub(crate) tagline: String,
    /// `fr` or `en`.
    pub(crate) language: String,
    pub(crate) url: String,
    /// The newsroom's time zone (`Africa/Dakar`).
    pub(crate) time_zone: String,
    pub(crate) logo: Option<PhotoOut>,
    /// The breaking-news banner, while it is shown.
    pub(crate) banner: Option<BannerOut>,
}

/// A breaking-news banner.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct BannerOut {
    pub(crate) text: String,
    pub(crate) url: Option<String>,
    pub(crate) until: Option<String>,
}

impl SiteOut {
    pub(crate) fn new(site: &Site, now: DateTime<Utc>) -> Self {
        SiteOut {
            name: site.name.clone(),
            tagline: site.tagline.clone(),
            language: site.language.code().to_owned(),
            url: site.base_url.clone(),
            time_zone: site.time_zone.name().to_owned(),
            logo: site
                .logo
                .as_ref()
                .map(|m| PhotoOut::new(site, m, None, None)),
            banner: site
                .banner
                .as_ref()
                .filter(|b| b.shown_at(now))
                .map(|b| BannerOut {
                    text: b.text.clone(),
                    url: b.url.clone(),
                    until: b.until.map(|u| time(site, u)),
                }),
        }
    }
}

/// A search result.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct HitOut {
    pub(crate) id: i64,
    pub(crate) url: String,
    /// The headline in parts; `mark` is true where it matched.
    pub(crate) title: Vec<SegmentOut>,
    /// A passage of the text in parts.
    pub(crate) snippet: Vec<SegmentOut>,
    pub(crate) authors: Vec<String>,
    /// The section's name, if any.
    pub(crate) section: Option<String>,
    pub(crate) published_at: String,
}

/// Part of a highlighted text.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct SegmentOut {
    pub(crate) text: String,
    pub(crate) mark: bool,
}

/// A page of search results.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct SearchOut {
    pub(crate) items: Vec<HitOut>,
    /// How many articles match in all.
    pub(crate) total: u64,
    pub(crate) page: u32,
    pub(crate) per_page: u32,
}
