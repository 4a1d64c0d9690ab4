//! Saving an article from the newsroom, whichever door it comes through
//! (the admin's editor, the API): who may, what is checked, what is kept
//! from before, and what a clash means. Nothing is written on a refusal.

use chrono::{DateTime, Utc};

use crate::error::{Error, FieldError, Result};
use crate::model::{Article, ArticleDraft, FeaturedImage, Published, Site, User};
use crate::ports::Store;
use crate::service::editorial::{EditorForm, allowed_statuses, can_edit};
use crate::types::{ArticleStatus, Permission};

/// Why a save was refused; nothing was written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refused {
    /// The user may not write this article, or not move it to that state.
    NotAllowed,
    /// Some fields are refused, each with why.
    Invalid(Vec<FieldError>),
    /// It was saved elsewhere since the version the caller had.
    Stale,
    /// Its address is another article's.
    SlugTaken,
}

/// What a save gives: the saved article's id and version, or why not.
pub type Saved = std::result::Result<Published, Refused>;

/// Whether readers will see an article in this state (now or at its time):
/// then its photo needs its alt text.
pub fn goes_public(status: ArticleStatus) -> bool {
    matches!(status, ArticleStatus::Published | ArticleStatus::Scheduled)
}

fn may_move_to(user: &User, status: &str) -> bool {
    match status.parse::<ArticleStatus>() {
        Ok(s) => allowed_statuses(user).contains(&s),
        // An unknown state is the form's problem (a field error).
        Err(_) => true,
    }
}

/// Sections are the editors' to make: a writer without that right files
/// under existing sections only, or a saved draft would add sections to
/// the site. Tags stay free to writers (as in WordPress); neither is a
/// public page until something under it is published.
async fn new_sections(
    store: &dyn Store,
    user: &User,
    draft: &ArticleDraft,
) -> Result<Vec<FieldError>> {
    if user.role.allows(Permission::ManageTaxonomy) {
        return Ok(Vec::new());
    }
    let mut refused = Vec::new();
    if let Some((slug, _)) = &draft.category
        && store.category_by_slug(slug).await?.is_none()
    {
        refused.push(FieldError {
            field: "category",
            code: "new_section",
        });
    }
    for (slug, _) in &draft.sections {
        if store.category_by_slug(slug).await?.is_none() {
            refused.push(FieldError {
                field: "sections",
                code: "new_section",
            });
            break;
        }
    }
    Ok(refused)
}

/// The form as a draft, or the fields refused: its own checks, then the
/// sections it may not make.
async fn checked_draft(
    store: &dyn Store,
    user: &User,
    site: &Site,
    form: &EditorForm,
    now: DateTime<Utc>,
) -> Result<std::result::Result<ArticleDraft, Refused>> {
    let draft = match form.validate(user, site, now) {
        Ok(d) => d,
        Err(errors) => return Ok(Err(Refused::Invalid(errors))),
    };
    let unknown = new_sections(store, user, &draft).await?;
    if !unknown.is_empty() {
        return Ok(Err(Refused::Invalid(unknown)));
    }
    Ok(Ok(draft))
}

/// Creates an article from the form.
pub async fn create(
    store: &dyn Store,
    user: &User,
    site: &Site,
    form: &EditorForm,
    now: DateTime<Utc>,
) -> Result<Saved> {
    if !user.role.allows(Permission::WriteDrafts) || !may_move_to(user, &form.status) {
        return Ok(Err(Refused::NotAllowed));
    }
    let draft = match checked_draft(store, user, site, form, now).await? {
        Ok(d) => d,
        Err(refused) => return Ok(Err(refused)),
    };
    match store.create_article(&draft).await {
        Ok(saved) => Ok(Ok(saved)),
        Err(Error::Conflict(_)) => Ok(Err(Refused::SlugTaken)),
        Err(e) => Err(e),
    }
}

/// Saves `article` (as the caller opened it, at `form.version`) with the
/// form's content. The photo is kept; republishing keeps the original
/// date unless a new one was given.
pub async fn update(
    store: &dyn Store,
    user: &User,
    site: &Site,
    article: &Article,
    form: &EditorForm,
    now: DateTime<Utc>,
) -> Result<Saved> {
    if !user.role.allows(Permission::WriteDrafts)
        || !can_edit(user, article)
        || !may_move_to(user, &form.status)
    {
        return Ok(Err(Refused::NotAllowed));
    }
    if form.version != article.version {
        return Ok(Err(Refused::Stale));
    }
    let mut draft = match checked_draft(store, user, site, form, now).await? {
        Ok(d) => d,
        Err(refused) => return Ok(Err(refused)),
    };
    draft.image = article.image.as_ref().map(FeaturedImage::as_use);
    if goes_public(draft.status)
        && article
            .image
            .as_ref()
            .is_some_and(|i| i.alt_text().is_none())
    {
        return Ok(Err(Refused::Invalid(vec![FieldError {
            field: "image",
            code: "alt_required",
        }])));
    }
    if draft.status == ArticleStatus::Published && form.published_at.trim().is_empty() {
        draft.published_at = None;
    }
    match store
        .update_article(article.id, article.version, &draft)
        .await
    {
        Ok(saved) => Ok(Ok(saved)),
        Err(Error::Conflict(_)) => {
            // Either the address is taken or another save won the race by
            // a hair; the version check above makes the first the likely one.
            let now = store.article(article.id).await?;
            if now.is_some_and(|a| a.version != article.version) {
                Ok(Err(Refused::Stale))
            } else {
                Ok(Err(Refused::SlugTaken))
            }
        }
        Err(e) => Err(e),
    }
}

/// Brings back the text (headline, body, summary) of one of the article's
/// revisions: a new save of the current article with the old text, its
/// address, byline, state and date unchanged. `None` if there is no such
/// revision.
pub async fn restore(
    store: &dyn Store,
    user: &User,
    site: &Site,
    article: &Article,
    version: i64,
    now: DateTime<Utc>,
) -> Result<Option<Saved>> {
    let Some(revision) = store
        .revisions(article.id)
        .await?
        .into_iter()
        .find(|r| r.version == version)
    else {
        return Ok(None);
    };
    let mut restored = EditorForm::from_article(article, site);
    restored.title = revision.title;
    restored.body = revision.body_markdown;
    restored.excerpt = revision.excerpt;
    let saved = update(store, user, site, article, &restored, now).await?;
    Ok(Some(saved))
}
