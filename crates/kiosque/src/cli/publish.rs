//! `kiosque publish FILE.md…`: publish or update articles from files.

use std::path::{Path, PathBuf};

use anyhow::Context;
use clap::Args;
use kiosque_core::model::Site;
use kiosque_core::ports::Store;
use kiosque_core::service::publish::parse_article_source;
use kiosque_media::{BlobStore, MediaLimits};

use crate::app::{open_store, require_site};
use crate::config::Settings;

/// Options of `kiosque publish`.
#[derive(Debug, Args)]
pub struct Publish {
    /// Markdown files with YAML front matter (title, author, date, category,
    /// tags, image, image_caption, image_credit, image_alt, slug, type, excerpt,
    /// sources, contributors, seo_title, seo_description, correction).
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
}

impl Publish {
    /// Publishes each file in turn and prints each article's path; stops at
    /// the first bad file (files before it stay published).
    pub async fn run(self, settings: &Settings) -> anyhow::Result<()> {
        let store = open_store(settings).await?;
        let site = require_site(&store, settings).await?;
        let media = settings.media_store()?;
        for file in &self.files {
            let (path, created) =
                publish_file(&store, &site, media.as_ref(), settings.media_limits, file).await?;
            say!("{path}");
            eprintln!(
                "{}: {}",
                file.display(),
                if created { "published" } else { "updated" }
            );
        }
        Ok(())
    }
}

/// Publishes one file: everything is checked (front matter, body, image)
/// before anything is written, so a bad file changes nothing. Returns the
/// article's public path and whether it is new.
pub async fn publish_file(
    store: &dyn Store,
    site: &Site,
    media: &dyn BlobStore,
    limits: MediaLimits,
    file: &Path,
) -> anyhow::Result<(String, bool)> {
    let name = file.display();
    let text = std::fs::read_to_string(file).with_context(|| format!("{name}: cannot read"))?;
    let mut source =
        parse_article_source(&text, site.time_zone).map_err(|e| anyhow::anyhow!("{name}: {e}"))?;
    // Publishing the same file again must not repeat its correction note.
    if let Some(note) = &source.correction {
        let existing = store.article_by_slug(&source.slug).await?;
        if existing.is_some_and(|a| a.corrections.iter().any(|c| &c.note == note)) {
            source.correction = None;
        }
    }
    let image = match &source.image {
        Some(image) => {
            let image_path = file.parent().unwrap_or(Path::new(".")).join(image);
            let bytes = std::fs::read(&image_path).with_context(|| {
                format!(
                    "{name}: image `{image}`: cannot read {}",
                    image_path.display()
                )
            })?;
            let mut ingested = kiosque_media::ingest(&bytes, limits)
                .map_err(|e| anyhow::anyhow!("{name}: image `{image}`: {e}"))?;
            ingested.meta.original_name = Path::new(image)
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            Some(ingested)
        }
        None => None,
    };
    let image_id = match image {
        Some(img) => {
            media
                .put(&img.meta.file_name, img.bytes.clone())
                .await
                .with_context(|| format!("{name}: storing the image"))?;
            let asset = store.save_media(&img.meta).await?;
            // The file says what the image shows; its caption and credit
            // become the library's defaults when it has none.
            // (`image_alt` is always set when there is an image: the
            // file's check defaults it to the caption.)
            let text = asset.text.after_use(
                source.image_alt.as_deref(),
                source.image_caption.as_deref(),
                source.image_credit.as_deref(),
            );
            if text != asset.text {
                store.set_media_text(asset.id, &text).await?;
            }
            Some(asset.id)
        }
        None => None,
    };
    let draft = source.into_draft(site.language, image_id, chrono::Utc::now());
    let slug = draft.slug.clone();
    let published = store.publish_article(&draft).await?;
    let article = store
        .article_by_slug(&slug)
        .await?
        .with_context(|| format!("{name}: the article vanished after publishing"))?;
    Ok((article.path(site), published.created))
}
