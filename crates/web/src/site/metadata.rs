//! What an article page tells machines: OpenGraph and Twitter tags (the
//! WhatsApp or Facebook preview: headline, photo, description) and
//! schema.org `NewsArticle` JSON-LD for search engines.

use chrono::SecondsFormat;
use kiosque_core::model::{Article, MediaAsset, Site};
use minijinja::{Value, context};
use serde_json::json;

/// Widest copy offered to previews: large enough for a sharp card, small
/// enough for a phone on a slow network to fetch it.
const PREVIEW_WIDTH: u32 = 1280;

/// A JPEG of the image for previews (the services that read OpenGraph do
/// not all take WebP): the widest copy up to `PREVIEW_WIDTH`, or the
/// original before copies exist. Absolute URL, width, height.
fn preview_image(site: &Site, asset: &MediaAsset) -> (String, u32, u32) {
    match asset.variants.iter().filter(|&&w| w <= PREVIEW_WIDTH).max() {
        Some(&w) => (
            site.absolute_url(&format!(
                "/media/{}",
                kiosque_media::variant_name(asset.stem(), w, "jpg")
            )),
            w,
            kiosque_media::scaled_height(asset.width, asset.height, w),
        ),
        None => (
            site.absolute_url(&format!("/media/{}", asset.file_name)),
            asset.width,
            asset.height,
        ),
    }
}

fn iso(at: chrono::DateTime<chrono::Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// The article's OpenGraph values and its JSON-LD (as a string ready to
/// sit in a `<script>` element: `<` is escaped, so no `</script>` can end
/// it early whatever the headline says).
pub(crate) fn article_metadata(
    site: &Site,
    article: &Article,
    description: &str,
) -> (Value, String) {
    let url = site.absolute_url(&article.path(site));
    let modified = article
        .corrections
        .iter()
        .map(|c| c.noted_at)
        .chain([article.updated_at, article.published_at])
        .max()
        .unwrap_or(article.published_at);
    let image = article.image.as_ref().map(|i| {
        let (src, width, height) = preview_image(site, &i.asset);
        let alt = i.alt_or_caption().unwrap_or_default();
        (src, width, height, alt)
    });
    let headline = article
        .editorial
        .seo_title
        .as_deref()
        .unwrap_or(article.title.as_str());
    let og = context! {
        title => headline,
        description,
        published => iso(article.published_at),
        modified => iso(modified),
        section => article.category.as_ref().map(|c| &c.name),
        image => image.as_ref().map(|(src, width, height, alt)| context! {
            url => src, width, height, alt,
        }),
    };
    let author_url = |slug: &str| site.absolute_url(&format!("/author/{slug}/"));
    let mut authors = vec![json!({
        "@type": "Person",
        "name": article.author.name,
        "url": author_url(article.author.slug.as_str()),
    })];
    authors.extend(article.editorial.contributors.iter().map(|c| {
        json!({ "@type": "Person", "name": c.author.1, "url": author_url(c.author.0.as_str()) })
    }));
    let publisher = publisher(site);
    let mut ld = json!({
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "headline": headline.chars().take(110).collect::<String>(),
        "description": description,
        "datePublished": iso(article.published_at),
        "dateModified": iso(modified),
        "author": authors,
        "publisher": publisher,
        "inLanguage": site.language.code(),
        "mainEntityOfPage": { "@type": "WebPage", "@id": url },
        "url": url,
    });
    if let Some((src, width, height, _)) = &image {
        ld["image"] =
            json!([{ "@type": "ImageObject", "url": src, "width": width, "height": height }]);
    }
    if let Some(category) = &article.category {
        ld["articleSection"] = json!(category.name);
    }
    if !article.tags.is_empty() {
        ld["keywords"] = json!(
            article
                .tags
                .iter()
                .map(|t| t.name.as_str())
                .collect::<Vec<_>>()
        );
    }
    (og, ld.to_string().replace('<', "\\u003c"))
}

/// The newsroom as search engines name it.
fn publisher(site: &Site) -> serde_json::Value {
    let mut publisher = json!({
        "@type": "NewsMediaOrganization",
        "name": site.name,
        "url": site.absolute_url("/"),
    });
    if !site.tagline.is_empty() {
        publisher["description"] = json!(site.tagline);
    }
    if let Some(logo) = &site.logo {
        publisher["logo"] = json!({
            "@type": "ImageObject",
            "url": site.absolute_url(&format!("/media/{}", logo.file_name)),
            "width": logo.width,
            "height": logo.height,
        });
    }
    publisher
}

/// The home page's JSON-LD: the site, described by its tagline.
pub(crate) fn home_json_ld(site: &Site) -> String {
    let mut ld = json!({
        "@context": "https://schema.org",
        "@type": "WebSite",
        "name": site.name,
        "url": site.absolute_url("/"),
        "inLanguage": site.language.code(),
        "publisher": publisher(site),
    });
    if !site.tagline.is_empty() {
        ld["description"] = json!(site.tagline);
    }
    ld.to_string().replace('<', "\\u003c")
}
