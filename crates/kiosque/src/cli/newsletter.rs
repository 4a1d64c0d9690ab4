//! `kiosque newsletter`: digests and the send queue, for operators.

use std::sync::Arc;

use clap::{Args, Subcommand};
use kiosque_core::ports::Store;
use kiosque_web::AppState;

use crate::app::{open_search, open_store, require_site};
use crate::config::Settings;
use crate::newsletter::{NewsletterWork, deliver, start_digests};

/// Newsletter subcommands.
#[derive(Debug, Subcommand)]
pub enum NewsletterCommand {
    /// Start the digests that are due (with `--now`, every digest list's
    /// with something new since its last one, whatever its schedule), then
    /// deliver the queue until it is empty.
    SendDigests(SendDigests),
    /// Deliver what the queue holds now (an interrupted send resumes).
    Deliver,
}

/// Options of `send-digests`.
#[derive(Debug, Args)]
pub struct SendDigests {
    /// Do not wait for each list's scheduled time.
    #[arg(long)]
    now: bool,
}

impl NewsletterCommand {
    /// Runs the subcommand.
    pub async fn run(self, settings: &Settings) -> anyhow::Result<()> {
        let smtp = settings
            .newsletter
            .smtp
            .clone()
            .or_else(|| settings.smtp.clone())
            .ok_or_else(|| {
                anyhow::anyhow!(
                    "newsletters need a mail server: add [smtp] (or [newsletter.smtp]) to kiosque.toml"
                )
            })?;
        let store = Arc::new(open_store(settings).await?);
        let site = require_site(store.as_ref(), settings).await?;
        let state = AppState::new(
            store.clone() as Arc<dyn Store>,
            settings.media_store()?,
            open_search(settings, &site)?,
            None,
            None,
            kiosque_web::WebConfig {
                stats_memory_bytes: 0,
                ..settings.web.clone()
            },
        )?;
        let work = NewsletterWork {
            state: state.clone(),
            store: store.clone() as Arc<dyn Store>,
            settings: settings.newsletter.clone(),
            smtp,
            every: settings.schedule_every,
        };
        if let NewsletterCommand::SendDigests(asked) = &self {
            let started =
                start_digests(&state, store.as_ref(), chrono::Utc::now(), asked.now).await?;
            println!("digests queued: {}", started.len());
        }
        let sent = deliver(&work).await?;
        println!("messages accepted by the mail server: {sent}");
        state.release();
        Ok(())
    }
}
