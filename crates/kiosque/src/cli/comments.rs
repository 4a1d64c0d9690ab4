//! `kiosque comments`: the moderation queue from the terminal.

use anyhow::Context;
use clap::Subcommand;
use kiosque_core::Error;
use kiosque_core::markup::truncate_words;
use kiosque_core::ports::Store;
use kiosque_core::service::spam::moderate;
use kiosque_core::types::CommentStatus;

use crate::app::open_store;
use crate::config::Settings;

/// Moderation subcommands.
#[derive(Debug, Subcommand)]
pub enum Comments {
    /// List comments awaiting moderation: id, article, author, date, first words.
    Pending,
    /// Publish a comment under its article.
    Approve {
        /// Comment id, as listed by `pending`.
        id: i64,
    },
    /// Mark a comment as spam (kept, never shown).
    Spam {
        /// Comment id.
        id: i64,
    },
    /// Delete a comment for good (its replies move up a level).
    Delete {
        /// Comment id.
        id: i64,
    },
}

impl Comments {
    /// Runs the moderation action.
    pub async fn run(self, settings: &Settings) -> anyhow::Result<()> {
        let store = open_store(settings).await?;
        let (id, done) = match self {
            Comments::Pending => return list_pending(&store).await,
            Comments::Approve { id } => (
                id,
                moderate(&store, id, CommentStatus::Approved)
                    .await
                    .map(|()| "approved"),
            ),
            Comments::Spam { id } => (
                id,
                moderate(&store, id, CommentStatus::Spam)
                    .await
                    .map(|()| "marked as spam"),
            ),
            Comments::Delete { id } => (id, store.delete_comment(id).await.map(|()| "deleted")),
        };
        match done {
            Ok(what) => {
                say!("comment {id} {what}");
                Ok(())
            }
            Err(Error::NotFound(_)) => anyhow::bail!("there is no comment with id {id}"),
            Err(e) => Err(e).context("moderation failed"),
        }
    }
}

fn cell(text: &str, width: usize) -> String {
    let one_line = text.split_whitespace().collect::<Vec<_>>().join(" ");
    let cut = truncate_words(&one_line, width);
    format!("{cut:<width$}")
}

async fn list_pending(store: &dyn Store) -> anyhow::Result<()> {
    let pending = store.comments_with_status(CommentStatus::Pending).await?;
    if pending.is_empty() {
        eprintln!("No comments await moderation.");
        return Ok(());
    }
    say!(
        "{:<6}  {}  {}  {:<16}  FIRST WORDS",
        "ID",
        cell("ARTICLE", 32),
        cell("AUTHOR", 20),
        "DATE (UTC)"
    );
    for item in pending {
        let c = &item.comment;
        say!(
            "{:<6}  {}  {}  {}  {}",
            c.id,
            cell(&item.article_title, 32),
            cell(&c.author_name, 20),
            c.created_at.format("%Y-%m-%d %H:%M"),
            truncate_words(&c.body.split_whitespace().collect::<Vec<_>>().join(" "), 60)
        );
    }
    Ok(())
}
