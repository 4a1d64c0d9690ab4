//! `kiosque export json [--output FILE]`: the site's content as documented
//! JSON (`docs/export-json.md`) for other tools.

use std::io::Write;
use std::path::PathBuf;

use anyhow::Context;
use clap::{Args, Subcommand};
use kiosque_core::model::{PageRequest, TermKind};
use kiosque_core::ports::Store;
use kiosque_transfer::json::{
    ArticleJson, AuthorJson, CommentJson, FORMAT, Header, ImageJson, JsonWriter, MediaJson,
    PageJson, SiteInfo, TermJson, VERSION,
};

use crate::app::{open_store, require_site};
use crate::config::Settings;

/// What to export.
#[derive(Debug, Subcommand)]
pub enum Export {
    /// The content as one JSON document: site, authors, sections, tags,
    /// photos' details, articles with their comments (e-mail addresses
    /// included: keep the file private), pages.
    Json(Json),
}

/// Options of `export json`.
#[derive(Debug, Args)]
pub struct Json {
    /// Where to write it (standard output if not given).
    #[arg(long, short)]
    pub output: Option<PathBuf>,
}

/// Rows asked of the store at a time.
const BATCH: u32 = 200;

impl Export {
    /// Runs the subcommand.
    pub async fn run(self, settings: &Settings) -> anyhow::Result<()> {
        let Export::Json(options) = self;
        let store = open_store(settings).await?;
        let site = require_site(&store, settings).await?;
        let out: Box<dyn Write> = match &options.output {
            Some(path) => Box::new(std::io::BufWriter::new(
                std::fs::File::create(path)
                    .with_context(|| format!("cannot write {}", path.display()))?,
            )),
            None => Box::new(std::io::BufWriter::new(std::io::stdout().lock())),
        };
        let header = Header {
            format: FORMAT,
            version: VERSION,
            exported_at: chrono::Utc::now().to_rfc3339(),
            site: SiteInfo {
                name: site.name.clone(),
                language: site.language.code().to_owned(),
                base_url: site.base_url.clone(),
                time_zone: site.time_zone.name().to_owned(),
            },
        };
        let mut json = JsonWriter::new(out, &header)?;

        json.list("authors")?;
        for author in store.authors().await? {
            json.item(&AuthorJson {
                id: author.id,
                slug: author.slug.as_str().to_owned(),
                name: author.name,
            })?;
        }
        for (list, kind) in [("categories", TermKind::Category), ("tags", TermKind::Tag)] {
            json.list(list)?;
            for term in store.terms(kind).await? {
                json.item(&TermJson {
                    id: term.id,
                    slug: term.slug.as_str().to_owned(),
                    name: term.name,
                })?;
            }
        }

        json.list("media")?;
        for number in 1.. {
            let page = store
                .media_library(
                    "",
                    PageRequest {
                        number,
                        per_page: BATCH,
                    },
                )
                .await?;
            for item in &page.items {
                let asset = &item.asset;
                json.item(&MediaJson {
                    id: asset.id,
                    url: site.absolute_url(&format!("/media/{}", asset.file_name)),
                    mime: asset.mime.clone(),
                    width: asset.width,
                    height: asset.height,
                    bytes: asset.byte_size,
                    alt: asset.text.alt.clone(),
                    caption: asset.text.caption.clone(),
                    credit: asset.text.credit.clone(),
                })?;
            }
            if u64::from(number) * u64::from(BATCH) >= page.total {
                break;
            }
        }

        json.list("articles")?;
        for number in 1.. {
            let page = store
                .articles(
                    &Default::default(),
                    PageRequest {
                        number,
                        per_page: BATCH,
                    },
                )
                .await?;
            for row in &page.items {
                let Some(article) = store.article(row.id).await? else {
                    continue; // deleted meanwhile
                };
                // Asked article by article: memory holds one article's.
                let own = store.article_comments(article.id).await?;
                json.item(&ArticleJson {
                    id: article.id,
                    status: article.status.as_str().to_owned(),
                    url: site.absolute_url(&article.path(&site)),
                    slug: article.slug.as_str().to_owned(),
                    title: article.title.as_str().to_owned(),
                    excerpt: article.excerpt.clone(),
                    body_markdown: article.body_markdown.clone(),
                    body_html: article.body_html.clone(),
                    published_at: article.published_at.to_rfc3339(),
                    updated_at: article.updated_at.to_rfc3339(),
                    author_id: article.author.id,
                    category_id: article.category.as_ref().map(|c| c.id),
                    section_ids: article.sections.iter().map(|c| c.id).collect(),
                    tag_ids: article.tags.iter().map(|t| t.id).collect(),
                    image: article.image.as_ref().map(|i| ImageJson {
                        media_id: i.asset.id,
                        caption: i.caption.clone(),
                        credit: i.credit.clone(),
                    }),
                    comments: own
                        .into_iter()
                        .map(|c| CommentJson {
                            id: c.id,
                            parent_id: c.parent_id,
                            status: c.status.as_str().to_owned(),
                            author_name: c.author_name,
                            author_email: c.author_email.as_str().to_owned(),
                            author_url: c.author_url.map(|u| u.as_str().to_owned()),
                            body: c.body,
                            created_at: c.created_at.to_rfc3339(),
                        })
                        .collect(),
                })?;
            }
            if u64::from(number) * u64::from(BATCH) >= page.total {
                break;
            }
        }

        json.list("pages")?;
        for page in store.pages().await? {
            json.item(&PageJson {
                id: page.id,
                url: site.absolute_url(&format!("/{}/", page.slug)),
                slug: page.slug.as_str().to_owned(),
                title: page.title,
                body_markdown: page.body_markdown,
                body_html: page.body_html,
            })?;
        }
        json.finish()?;
        Ok(())
    }
}
