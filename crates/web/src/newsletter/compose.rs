//! What a newsletter holds and how it reads: the articles of a digest, the
//! mail's HTML and text parts drawn from the templates, the same for every
//! recipient but for their own link token (see `RECIPIENT_MARK`).

use chrono::{DateTime, Utc};
use kiosque_core::model::{
    Article, ListKind, NewsletterList, PublishedQuery, RECIPIENT_MARK, SEND_MARK, SendBody,
    SendDraft, SendKind, Site,
};
use minijinja::context;
use serde::Serialize;

use crate::{AppState, WebError};

/// Most articles a digest lists.
pub const DIGEST_MAX: u32 = 30;

/// Mail clients show images up to this width (the layout's column).
const MAIL_WIDTH: u32 = 560;

/// An article as a newsletter shows it.
#[derive(Debug, Serialize)]
struct MailArticle {
    title: String,
    url: String,
    excerpt: String,
    author: String,
    section: Option<String>,
    image: Option<MailImage>,
}

/// A photo copy for mail: JPEG (every client reads it), with the width and
/// height it is drawn at and its alt text, for clients that block images.
#[derive(Debug, Serialize)]
struct MailImage {
    src: String,
    width: u32,
    height: u32,
    alt: String,
}

fn mail_image(site: &Site, article: &Article) -> Option<MailImage> {
    let image = article.image.as_ref()?;
    let asset = &image.asset;
    // The smallest JPEG copy at least as wide as the column (sharp on
    // most phones), else the largest there is, else the original.
    let copy = asset
        .variants
        .iter()
        .copied()
        .filter(|w| *w >= MAIL_WIDTH)
        .min()
        .or_else(|| asset.variants.iter().copied().max());
    let (file, source_width) = match copy {
        Some(w) => (kiosque_media::variant_name(asset.stem(), w, "jpg"), w),
        None if asset.mime == "image/jpeg" || asset.mime == "image/png" => {
            (asset.file_name.clone(), asset.width)
        }
        None => return None,
    };
    let width = source_width.clamp(1, MAIL_WIDTH);
    let height =
        u32::try_from(u64::from(asset.height) * u64::from(width) / u64::from(asset.width.max(1)))
            .unwrap_or(asset.height);
    let alt = image
        .alt_or_caption()
        .unwrap_or_else(|| article.title.as_str().to_owned());
    Some(MailImage {
        src: site.absolute_url(&format!("/media/{file}")),
        width,
        height,
        alt,
    })
}

/// An article as the mail shows it; its link goes through the counting
/// redirect when click counting is on (`counted`).
fn mail_article(site: &Site, article: &Article, counted: bool) -> MailArticle {
    let url = if counted {
        site.absolute_url(&format!("/newsletter/c/{SEND_MARK}/{}", article.id))
    } else {
        site.absolute_url(&article.path(site))
    };
    MailArticle {
        title: article.title.as_str().to_owned(),
        url,
        excerpt: article.excerpt.clone(),
        author: article.author.name.clone(),
        section: article.category.as_ref().map(|c| c.name.clone()),
        image: mail_image(site, article),
    }
}

/// The published articles of `ids`, in that order (those gone are left out).
pub(crate) async fn articles(state: &AppState, ids: &[i64]) -> Result<Vec<Article>, WebError> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let found = state
        .store
        .published_articles(&PublishedQuery {
            among: Some(ids.to_vec()),
            limit: u32::try_from(ids.len()).unwrap_or(u32::MAX),
            ..PublishedQuery::default()
        })
        .await?
        .articles;
    Ok(ids
        .iter()
        .filter_map(|id| found.iter().find(|a| a.id == *id).cloned())
        .collect())
}

/// The articles a digest of `list` would hold if it went at `until`:
/// published after the list's last digest, in its section if it has one,
/// newest first (as the front page), at most [`DIGEST_MAX`].
pub async fn digest_articles(
    state: &AppState,
    list: &NewsletterList,
    until: DateTime<Utc>,
) -> Result<Vec<i64>, WebError> {
    let ids = state
        .store
        .published_ids(&PublishedQuery {
            section: list.settings.section_id,
            // `after` counts from the second: one published in the second
            // the last digest covered went in it.
            after: Some(list.covered_until + chrono::Duration::seconds(1)),
            before: Some(until + chrono::Duration::seconds(1)),
            limit: DIGEST_MAX,
            ..PublishedQuery::default()
        })
        .await?;
    Ok(ids)
}

/// The digest of `list` for `slot` ([`prepared`]); `None` when there is
/// nothing to send.
pub async fn digest_for(
    state: &AppState,
    site: &Site,
    list: &NewsletterList,
    slot: DateTime<Utc>,
) -> Result<Option<SendDraft>, WebError> {
    let Prepared {
        articles,
        dropped,
        intro,
        ..
    } = prepared(state, list, slot).await?;
    if articles.is_empty() {
        return Ok(None);
    }
    Ok(Some(SendDraft {
        list_id: list.id,
        kind: SendKind::Digest,
        subject: digest_subject(state, site, list, slot),
        intro,
        articles,
        dropped,
        slot: Some(slot),
    }))
}

/// A digest as it stands before its time.
#[derive(Debug, Default)]
pub struct Prepared {
    /// What it holds, in order.
    pub articles: Vec<i64>,
    /// What the editor left out.
    pub dropped: Vec<i64>,
    /// The editor's introduction.
    pub intro: String,
    /// Every article new for the list, dropped ones included.
    pub fresh: Vec<i64>,
}

/// The digest of `list` if it went at `until`: the editor's saved order,
/// drops and introduction over what is new for the list, what was
/// published since the draft was saved added at the end.
pub async fn prepared(
    state: &AppState,
    list: &NewsletterList,
    until: DateTime<Utc>,
) -> Result<Prepared, WebError> {
    let fresh = digest_articles(state, list, until).await?;
    let mut prepared = match state.store.digest_draft(list.id).await? {
        Some(saved) => Prepared {
            articles: saved.draft.articles,
            dropped: saved.draft.dropped,
            intro: saved.draft.intro,
            fresh: Vec::new(),
        },
        None => Prepared::default(),
    };
    // What the editor chose stays only if it is still new for this list.
    prepared.articles.retain(|id| fresh.contains(id));
    for id in &fresh {
        if !prepared.articles.contains(id) && !prepared.dropped.contains(id) {
            prepared.articles.push(*id);
        }
    }
    prepared.fresh = fresh;
    Ok(prepared)
}

/// "L'essentiel du matin — jeudi 3 décembre".
pub fn digest_subject(
    state: &AppState,
    site: &Site,
    list: &NewsletterList,
    slot: DateTime<Utc>,
) -> String {
    let strings = state.strings(site.language);
    format!(
        "{} — {}",
        list.settings.name,
        strings.date(slot.with_timezone(&site.time_zone))
    )
}

/// An alert about one article.
pub fn alert_draft(state: &AppState, site: &Site, list_id: i64, article: &Article) -> SendDraft {
    let strings = state.strings(site.language);
    SendDraft {
        list_id,
        kind: SendKind::Alert,
        subject: strings
            .text("newsletter.alert_subject")
            .replace("{title}", article.title.as_str()),
        intro: String::new(),
        articles: vec![article.id],
        dropped: Vec::new(),
        slot: None,
    }
}

/// The recipient's preferences and one-click addresses, with the marker
/// in place of their token.
pub(crate) fn recipient_links(site: &Site) -> (String, String) {
    (
        site.absolute_url(&format!("/newsletter/preferences/{RECIPIENT_MARK}")),
        site.absolute_url(&format!("/newsletter/unsubscribe/{RECIPIENT_MARK}")),
    )
}

/// Draws a send's mail.
pub async fn body(
    state: &AppState,
    site: &Site,
    list: &NewsletterList,
    draft: &SendDraft,
) -> Result<SendBody, WebError> {
    let shown: Vec<MailArticle> = articles(state, &draft.articles)
        .await?
        .iter()
        .map(|a| mail_article(site, a, state.config.newsletter_clicks))
        .collect();
    let (preferences, unsubscribe) = recipient_links(site);
    let strings = state.strings(site.language);
    let ctx = context! {
        t => strings.value(),
        lang => site.language.code(),
        site_name => &site.name,
        site_url => site.absolute_url("/"),
        list_name => &list.settings.name,
        list_description => &list.settings.description,
        alert => draft.kind == SendKind::Alert,
        digest => list.settings.kind == ListKind::Digest,
        subject => &draft.subject,
        intro => draft.intro.trim(),
        articles => shown,
        preferences => preferences,
        unsubscribe => unsubscribe,
    };
    let html = state
        .templates
        .render("mail/newsletter.html", ctx.clone())?;
    let text = state.templates.render("mail/newsletter.txt", ctx)?;
    Ok(SendBody {
        subject: draft.subject.clone(),
        html,
        text: tidy_text(&text),
        sender_name: sender_name(site, list),
        list_id: list.id,
    })
}

/// The From name of a list's mail.
pub fn sender_name(site: &Site, list: &NewsletterList) -> String {
    match list.settings.sender_name.trim() {
        "" => site.name.clone(),
        name => name.to_owned(),
    }
}

/// Template output with runs of blank lines folded to one, as a text
/// mail reads.
fn tidy_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut blank = 0;
    for line in text.lines() {
        let line = line.trim_end();
        if line.is_empty() {
            blank += 1;
            if blank > 1 {
                continue;
            }
        } else {
            blank = 0;
        }
        out.push_str(line);
        out.push('\n');
    }
    out.trim().to_owned() + "\n"
}
