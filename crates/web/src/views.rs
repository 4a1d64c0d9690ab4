//! What templates see. Views are built from domain values and hold only what
//! a public page may show: a comment view has no e-mail field at all, so no
//! template can leak one.

use std::collections::HashMap;

use chrono::{DateTime, SecondsFormat, Utc};
use kiosque_core::markup::{french_typography, render_comment};
use kiosque_core::model::{
    Article, ArticleSummary, Comment, FeaturedImage, MediaAsset, Page, ShareNetwork, Site,
};
use kiosque_core::types::Locale;
use minijinja::{Value, context};
use serde::Serialize;
use sha2::Digest;

use crate::AppState;
use crate::i18n::Strings;

/// Variables every page has: the site, the strings, the stylesheet, and the
/// page's own title, description and canonical URL.
pub(crate) fn page_context(
    state: &AppState,
    site: &Site,
    title: Option<&str>,
    description: Option<&str>,
    canonical_path: Option<&str>,
) -> Value {
    context! {
        site => context! {
            name => &site.name,
            language => site.language.code(),
            logo => site.logo.as_ref().map(|l| context! {
                src => format!("/media/{}", l.file_name), width => l.width, height => l.height,
            }),
            menu => menu_view(&site.menus.header, canonical_path),
            footer => menu_view(&site.menus.footer, canonical_path),
            tagline => (site.show_tagline && !site.tagline.is_empty()).then_some(&site.tagline),
            accent => site.accent.as_ref().map(|a| a.as_str()),
            header_centred => site.header_centred,
            banner => site.banner.as_ref().filter(|b| b.shown_at(chrono::Utc::now())).map(|b| context! {
                text => typeset(&b.text, site.language),
                url => &b.url,
                // Tells apart two banners, for announcing each once.
                key => format!("{:x}", sha2::Sha256::digest(b.text.as_bytes()))[..12].to_owned(),
            }),
        },
        t => state.strings(site.language).value(),
        css_url => &state.templates.css_path,
        share_js_url => &state.templates.share_js_path,
        banner_js_url => &state.templates.banner_js_path,
        // The audience beacon, when the site counts with it (a CDN or the
        // static export answers readers).
        beacon => site.stats_beacon.then(|| context! {
            js_url => &state.templates.beacon_js_path,
            hit => "/stats/hit",
            pixel => canonical_path.map(|p| {
                format!("/stats/hit?p={}", url::form_urlencoded::byte_serialize(p.as_bytes()).collect::<String>())
            }),
        }),
        icon_url => &state.templates.icon_path,
        // A one-field form leading to /newsletter/ (the lists are chosen
        // there), wherever mail is set up.
        newsletter_form => state.mailer.is_some() && canonical_path != Some("/newsletter/"),
        // WordPress's API, for the clients that find it from a page.
        api_root => site.absolute_url("/wp-json/"),
        page_title => title,
        description => description,
        canonical => canonical_path.map(|p| site.absolute_url(p)),
        canonical_path,
    }
}

/// A menu as templates draw it; the entry for the page shown is marked
/// current (`aria-current`), and so is a parent whose sub-menu holds it.
fn menu_view(entries: &[kiosque_core::model::MenuEntry], current: Option<&str>) -> Vec<Value> {
    let is_current = |href: &str| current == Some(href);
    entries
        .iter()
        .map(|e| {
            let children: Vec<Value> = e
                .children
                .iter()
                .map(|c| context! { label => &c.label, href => &c.href, current => is_current(&c.href) })
                .collect();
            context! {
                label => &e.label,
                href => &e.href,
                current => is_current(&e.href),
                holds_current => e.children.iter().any(|c| is_current(&c.href)),
                children,
            }
        })
        .collect()
}

/// Headline or caption with the language's typography.
pub(crate) fn typeset(text: &str, locale: Locale) -> String {
    match locale {
        Locale::Fr => french_typography(text),
        Locale::En => text.to_owned(),
    }
}

pub(crate) fn iso(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// An image as a template draws it.
#[derive(Debug, Serialize)]
pub(crate) struct ImageView {
    src: String,
    width: u32,
    height: u32,
    alt: String,
    caption: Option<String>,
    credit: Option<String>,
    /// `srcset` of the WebP copies, once made.
    webp: Option<String>,
    /// `srcset` of the JPEG copies and the original, once the copies exist.
    jpeg: Option<String>,
    /// Average colour, shown while the picture loads.
    color: String,
}

/// The `srcset` of an image's copies in one format (`None` before the
/// media worker has made them), with `extra` candidates after them.
fn srcset(asset: &MediaAsset, ext: &str, extra: Option<(String, u32)>) -> Option<String> {
    if asset.variants.is_empty() {
        return None;
    }
    let candidates: Vec<String> = asset
        .variants
        .iter()
        .map(|&w| {
            let name = kiosque_media::variant_name(asset.stem(), w, ext);
            (format!("/media/{name}"), w)
        })
        .chain(extra)
        .map(|(url, w)| format!("{url} {w}w"))
        .collect();
    Some(candidates.join(", "))
}

fn image_view(image: &FeaturedImage, fallback_alt: &str, locale: Locale) -> ImageView {
    // The article's alt text, else the library's; for images from before
    // either existed, the caption, then the headline.
    let alt = image
        .alt_or_caption()
        .unwrap_or_else(|| fallback_alt.to_owned());
    asset_image(
        &image.asset,
        alt,
        image.caption.as_deref(),
        image.credit.clone(),
        locale,
    )
}

/// A library picture with the texts it is shown with.
pub(crate) fn asset_image(
    asset: &MediaAsset,
    alt: String,
    caption: Option<&str>,
    credit: Option<String>,
    locale: Locale,
) -> ImageView {
    let src = format!("/media/{}", asset.file_name);
    ImageView {
        webp: srcset(asset, "webp", None),
        jpeg: srcset(asset, "jpg", Some((src.clone(), asset.width))),
        color: asset.color.clone(),
        src,
        width: asset.width,
        height: asset.height,
        alt,
        caption: caption.map(|c| typeset(c, locale)),
        credit,
    }
}

/// A link to a section or author.
#[derive(Debug, Serialize)]
pub(crate) struct LinkView {
    name: String,
    url: String,
}

/// The article as its page shows it.
#[derive(Debug, Serialize)]
pub(crate) struct ArticleView {
    title: String,
    path: String,
    /// As stored until the page draws its galleries and embeds.
    pub(crate) body_html: String,
    author_name: String,
    author_url: String,
    category: Option<LinkView>,
    /// The further sections it is also listed in.
    sections: Vec<LinkView>,
    tags: Vec<LinkView>,
    date_text: String,
    date_iso: String,
    image: Option<ImageView>,
    /// The type's label, for anything but plain news.
    kind: Option<String>,
    contributors: Vec<ContributorView>,
    sources: Vec<kiosque_core::model::Source>,
    corrections: Vec<CorrectionView>,
}

/// A further name in the byline.
#[derive(Debug, Serialize)]
pub(crate) struct ContributorView {
    name: String,
    url: String,
    role: Option<String>,
}

/// A correction as readers see it.
#[derive(Debug, Serialize)]
pub(crate) struct CorrectionView {
    heading: String,
    date_iso: String,
    note: String,
}

pub(crate) fn article_view(article: &Article, strings: &Strings, site: &Site) -> ArticleView {
    let locale = site.language;
    ArticleView {
        title: typeset(article.title.as_str(), locale),
        path: article.path(site),
        body_html: article.body_html.clone(),
        author_name: article.author.name.clone(),
        author_url: format!("/author/{}/", article.author.slug),
        category: article.category.as_ref().map(|c| LinkView {
            name: c.name.clone(),
            url: format!("/category/{}/", c.slug),
        }),
        sections: article
            .sections
            .iter()
            .map(|c| LinkView {
                name: c.name.clone(),
                url: format!("/category/{}/", c.slug),
            })
            .collect(),
        tags: article
            .tags
            .iter()
            .map(|t| LinkView {
                name: t.name.clone(),
                url: format!("/tag/{}/", t.slug),
            })
            .collect(),
        date_text: strings.date(site.local(article.published_at)),
        date_iso: iso(article.published_at),
        image: article
            .image
            .as_ref()
            .map(|i| image_view(i, article.title.as_str(), locale)),
        kind: (article.editorial.article_type != kiosque_core::model::ArticleType::News).then(
            || {
                strings.text(&format!(
                    "article.type_{}",
                    article.editorial.article_type.as_str()
                ))
            },
        ),
        sources: article.editorial.sources.clone(),
        contributors: article
            .editorial
            .contributors
            .iter()
            .map(|c| ContributorView {
                name: c.author.1.clone(),
                url: format!("/author/{}/", c.author.0),
                role: c.role.as_deref().map(|r| typeset(r, locale)),
            })
            .collect(),
        corrections: article
            .corrections
            .iter()
            .map(|c| CorrectionView {
                heading: strings
                    .text("article.updated")
                    .replace("{date}", &strings.datetime(site.local(c.noted_at))),
                date_iso: iso(c.noted_at),
                note: typeset(&c.note, locale),
            })
            .collect(),
    }
}

/// An article in a list.
#[derive(Debug, Serialize)]
pub(crate) struct SummaryView {
    title: String,
    path: String,
    excerpt: String,
    author_name: String,
    date_text: String,
    date_iso: String,
    image: Option<ImageView>,
}

pub(crate) fn summary_view(a: &ArticleSummary, strings: &Strings, site: &Site) -> SummaryView {
    let locale = site.language;
    SummaryView {
        title: typeset(a.title.as_str(), locale),
        path: a.path(site),
        excerpt: typeset(&a.excerpt, locale),
        author_name: a.author_name.clone(),
        date_text: strings.date(site.local(a.published_at)),
        date_iso: iso(a.published_at),
        image: a
            .image
            .as_ref()
            .map(|i| image_view(i, a.title.as_str(), locale)),
    }
}

/// Links between the pages of a list.
#[derive(Debug, Serialize)]
pub(crate) struct PaginationView {
    number: u32,
    count: u32,
    newer: Option<String>,
    older: Option<String>,
}

/// Links for a public list: `base` is its first page (`/`, `/category/x/`),
/// page n is `base` + `page/n/`.
pub(crate) fn pagination_view<T>(page: &Page<T>, base: &str) -> PaginationView {
    pagination_links(page, |n| {
        if n == 1 {
            base.to_owned()
        } else {
            format!("{base}page/{n}/")
        }
    })
}

/// Links between pages, each made by `link`.
pub(crate) fn pagination_links<T>(page: &Page<T>, link: impl Fn(u32) -> String) -> PaginationView {
    let number = page.request.number;
    let count = page.page_count();
    PaginationView {
        number,
        count,
        newer: (number > 1).then(|| link(number - 1)),
        older: (number < count).then(|| link(number + 1)),
    }
}

/// A public comment with its replies. Deliberately without the e-mail.
#[derive(Debug, Serialize)]
pub(crate) struct CommentNode {
    id: i64,
    author_name: String,
    author_url: Option<String>,
    date_text: String,
    date_iso: String,
    body_html: String,
    reply_url: String,
    children: Vec<CommentNode>,
}

/// Deepest nesting shown; deeper replies are shown at this depth.
const MAX_DEPTH: usize = 5;

/// Arranges approved comments (oldest first) into threads.
pub(crate) fn comment_tree(
    comments: &[Comment],
    article_path: &str,
    strings: &Strings,
    site: &Site,
) -> Vec<CommentNode> {
    let when = |at: DateTime<Utc>| strings.datetime(site.local(at));
    let ids: std::collections::HashSet<i64> = comments.iter().map(|c| c.id).collect();
    let mut children: HashMap<Option<i64>, Vec<&Comment>> = HashMap::new();
    for c in comments {
        // A reply whose parent is not shown (pending, spam) starts a thread.
        let parent = c.parent_id.filter(|p| ids.contains(p));
        children.entry(parent).or_default().push(c);
    }
    fn build(
        parent: Option<i64>,
        depth: usize,
        children: &HashMap<Option<i64>, Vec<&Comment>>,
        article_path: &str,
        when: &dyn Fn(DateTime<Utc>) -> String,
        out: &mut Vec<CommentNode>,
    ) {
        for c in children.get(&parent).map(Vec::as_slice).unwrap_or_default() {
            let mut node = CommentNode {
                id: c.id,
                author_name: c.author_name.clone(),
                author_url: c.author_url.as_ref().map(|u| u.as_str().to_owned()),
                date_text: when(c.created_at),
                date_iso: iso(c.created_at),
                body_html: render_comment(&c.body),
                reply_url: format!("{article_path}?replytocom={}#respond", c.id),
                children: Vec::new(),
            };
            if depth + 1 < MAX_DEPTH {
                build(
                    Some(c.id),
                    depth + 1,
                    children,
                    article_path,
                    when,
                    &mut node.children,
                );
                out.push(node);
            } else {
                out.push(node);
                build(Some(c.id), depth, children, article_path, when, out);
            }
        }
    }
    let mut roots = Vec::new();
    build(None, 0, &children, article_path, &when, &mut roots);
    roots
}

/// A share link: the network's name and where it goes.
#[derive(Debug, Serialize)]
pub(crate) struct ShareLink {
    network: &'static str,
    name: String,
    label: String,
    href: String,
}

/// Plain links to each network's own share page: no script, no tracker,
/// and they work without JavaScript. The site chooses which networks.
pub(crate) fn share_links(
    title: &str,
    url: &str,
    networks: &[ShareNetwork],
    strings: &Strings,
) -> Vec<ShareLink> {
    let enc = |s: &str| url::form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>();
    let (t, u) = (enc(title), enc(url));
    networks
        .iter()
        .map(|&network| {
            let (name, href) = match network {
                ShareNetwork::WhatsApp => (
                    "WhatsApp".to_owned(),
                    format!("https://wa.me/?text={t}%20{u}"),
                ),
                ShareNetwork::Facebook => (
                    "Facebook".to_owned(),
                    format!("https://www.facebook.com/sharer/sharer.php?u={u}"),
                ),
                ShareNetwork::X => (
                    "X".to_owned(),
                    format!("https://x.com/intent/post?text={t}&url={u}"),
                ),
                ShareNetwork::Telegram => (
                    "Telegram".to_owned(),
                    format!("https://t.me/share/url?url={u}&text={t}"),
                ),
                ShareNetwork::LinkedIn => (
                    "LinkedIn".to_owned(),
                    format!("https://www.linkedin.com/sharing/share-offsite/?url={u}"),
                ),
                ShareNetwork::Email => (
                    strings.text("article.email"),
                    format!("mailto:?subject={t}&body={u}"),
                ),
            };
            let label = match network {
                ShareNetwork::Email => strings.text("article.share_by_email"),
                _ => strings.text("article.share_on").replace("{network}", &name),
            };
            ShareLink {
                network: network.as_str(),
                name,
                label,
                href,
            }
        })
        .collect()
}
