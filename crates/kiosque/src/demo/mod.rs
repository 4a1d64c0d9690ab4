//! The demo site: sample articles of the reference page's shape (written for
//! Kiosque), with generated photos, so a newcomer sees a working site
//! without any other step; and the newsroom's side (`newsroom`): an
//! account to sign in with, a photo story, menus, a chosen front page.

use std::path::{Path, PathBuf};

use anyhow::Context;
use chrono::{Duration, Utc};
use kiosque_core::model::{NewComment, Site};
use kiosque_core::ports::Store;
use kiosque_core::types::{CommentStatus, Email, Locale, Slug};

use crate::cli::publish_file;
use crate::config::Settings;

mod newsroom;

pub use newsroom::{DEMO_EMAIL, DemoAccount, account, front_of_house};

/// (file name, text, image name, image seed)
const ARTICLES: &[(&str, &str, &str, u32)] = &[
    (
        "01-cooperation.md",
        include_str!("../../demo/01-cooperation.md"),
        "cooperation.jpg",
        3,
    ),
    (
        "02-elections.md",
        include_str!("../../demo/02-elections.md"),
        "elections.jpg",
        5,
    ),
    (
        "03-cacao.md",
        include_str!("../../demo/03-cacao.md"),
        "cacao.jpg",
        1,
    ),
    (
        "04-football.md",
        include_str!("../../demo/04-football.md"),
        "football.jpg",
        2,
    ),
];

/// Writes the sample files into `dir` (Markdown and generated JPEGs).
pub fn write_sources(dir: &Path) -> anyhow::Result<Vec<PathBuf>> {
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let mut files = Vec::new();
    for (name, text, image, seed) in ARTICLES {
        let path = dir.join(name);
        std::fs::write(&path, text)?;
        let image_path = dir.join(image);
        if !image_path.exists() {
            std::fs::write(
                &image_path,
                kiosque_media::demo_photo(*seed, 1200, 675, true),
            )?;
        }
        files.push(path);
    }
    Ok(files)
}

/// Creates the demo site if the store has none, publishes the samples (again
/// if already there: publishing is idempotent) and, on first creation, adds
/// a short comment thread.
pub async fn seed(
    store: &kiosque_store::SqlStore,
    settings: &Settings,
    base_url: &str,
) -> anyhow::Result<Site> {
    let (site, fresh) = match store.site().await? {
        Some(site) => (site, false),
        None => {
            let mut site = Site::new("Kiosque Démo", Locale::Fr, base_url);
            site.time_zone = kiosque_core::model::Tz::Europe__Paris;
            store.save_site(&site).await?;
            (site, true)
        }
    };
    let media = settings.media_store()?;
    let sources = write_sources(&settings.data_dir.join("demo-source"))?;
    for file in &sources {
        publish_file(store, &site, media.as_ref(), settings.media_limits, file).await?;
    }
    if fresh {
        add_sample_thread(store).await?;
        add_sample_pages(store).await?;
        newsroom::front_of_house(store, settings).await?;
    }
    Ok(store.site().await?.unwrap_or(site))
}

/// An "about" page in the menu and an ethics policy in the footer, written
/// for the demo.
async fn add_sample_pages(store: &dyn Store) -> anyhow::Result<()> {
    let pages = [
        (
            "À propos",
            "a-propos",
            "Kiosque Démo est un site d’exemple : une rédaction imaginaire qui montre \
             ce que Kiosque sert à ses lecteurs.\n\nLes articles, les noms et les \
             photos sont inventés pour l’occasion.",
            true,
        ),
        (
            "Charte éthique",
            "charte-ethique",
            "Chaque information est vérifiée auprès de deux sources au moins.\n\n\
             Les erreurs sont corrigées en tête d’article, avec la date de la correction.\n\n\
             Les contenus sponsorisés sont signalés comme tels.",
            false,
        ),
    ];
    for (position, (title, slug, body, in_menu)) in pages.into_iter().enumerate() {
        store
            .save_page(
                None,
                &kiosque_core::model::PageDraft {
                    slug: Slug::parse(slug)?,
                    title: title.to_owned(),
                    body_html: kiosque_core::markup::render_markdown(body, true),
                    body_markdown: body.to_owned(),
                    in_menu,
                    in_footer: !in_menu,
                    position: i64::try_from(position)?,
                },
            )
            .await?;
    }
    Ok(())
}

async fn add_sample_thread(store: &dyn Store) -> anyhow::Result<()> {
    let slug = Slug::parse("cooperation-militaire-pyongyang-se-dit-pret-a-soutenir-moscou")?;
    let article = store
        .article_by_slug(&slug)
        .await?
        .context("the first demo article is missing")?;
    let at = Utc::now() - Duration::hours(3);
    let first = store
        .add_comment(&NewComment {
            article_id: article.id,
            parent_id: None,
            author_name: "Kofi A.".into(),
            author_email: Email::parse("kofi@example.org")?,
            author_url: None,
            body: "Article clair et bien sourcé, merci.\nOn attend la suite !".into(),
            status: CommentStatus::Pending,
            created_at: at,
        })
        .await?;
    store
        .set_comment_status(first.id, CommentStatus::Approved)
        .await?;
    let reply = store
        .add_comment(&NewComment {
            article_id: article.id,
            parent_id: Some(first.id),
            author_name: "Mariam".into(),
            author_email: Email::parse("mariam@example.org")?,
            author_url: None,
            body: "D'accord avec vous. Le communiqué complet est sur le site du ministère.".into(),
            status: CommentStatus::Pending,
            created_at: at + Duration::minutes(40),
        })
        .await?;
    store
        .set_comment_status(reply.id, CommentStatus::Approved)
        .await?;
    Ok(())
}
