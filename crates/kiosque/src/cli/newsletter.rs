//! `kiosque newsletter`: digests and the send queue, for operators.

use std::sync::Arc;

use clap::{Args, Subcommand};
use kiosque_core::model::{Consent, ListKind};
use kiosque_core::ports::{Newsletters, Store};
use kiosque_core::service::newsletter::{ListForm, consent_version, read_import};
use kiosque_web::AppState;
use kiosque_web::newsletter::compose;

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
    /// The lists, with their ids and confirmed subscribers.
    Lists,
    /// Make a list (`--kind alerts`, or a digest with `--days` and `--time`).
    CreateList(CreateList),
    /// Add the addresses of a CSV export (Mailchimp, MailPoet, a bare list)
    /// to a list, confirmed on the consent you declare you hold.
    Import(Import),
    /// Send a published article to an alert list now (once per list).
    Alert(Alert),
}

/// Options of `create-list`.
#[derive(Debug, Args)]
pub struct CreateList {
    /// Its name.
    #[arg(long)]
    name: String,
    /// `digest` or `alerts`.
    #[arg(long, default_value = "digest")]
    kind: String,
    /// Digest days, 0 = Monday … 6 = Sunday, comma-separated.
    #[arg(long, default_value = "0,1,2,3,4,5,6")]
    days: String,
    /// Digest time, HH:MM in the site's time zone.
    #[arg(long, default_value = "07:00")]
    time: String,
    /// One sentence for readers.
    #[arg(long, default_value = "")]
    description: String,
}

/// Options of `import`.
#[derive(Debug, Args)]
pub struct Import {
    /// The CSV file.
    file: std::path::PathBuf,
    /// The list's id (see `kiosque newsletter lists`).
    #[arg(long)]
    list: i64,
    /// The consent you hold: how and when these readers agreed.
    #[arg(long)]
    consent: String,
}

/// Options of `alert`.
#[derive(Debug, Args)]
pub struct Alert {
    /// The article's address name (slug).
    slug: String,
    /// The alert list's id.
    #[arg(long)]
    list: i64,
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
        match &self {
            NewsletterCommand::Lists => return lists(settings).await,
            NewsletterCommand::CreateList(c) => return c.run(settings).await,
            NewsletterCommand::Import(c) => return c.run(settings).await,
            _ => {}
        }
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
            stopping: crate::stopping::Stopping::never(),
        };
        match &self {
            NewsletterCommand::SendDigests(asked) => {
                let started =
                    start_digests(&state, store.as_ref(), chrono::Utc::now(), asked.now).await?;
                say!("digests queued: {}", started.len());
            }
            NewsletterCommand::Alert(alert) => {
                let slug = kiosque_core::types::Slug::parse(&alert.slug)
                    .map_err(|e| anyhow::anyhow!("{}: {e}", alert.slug))?;
                let article = store
                    .article_by_slug(&slug)
                    .await?
                    .filter(|a| a.status == kiosque_core::types::ArticleStatus::Published)
                    .ok_or_else(|| anyhow::anyhow!("no published article {}", alert.slug))?;
                let list = store
                    .newsletter_list(alert.list)
                    .await?
                    .filter(|l| l.settings.kind == ListKind::Alerts)
                    .ok_or_else(|| anyhow::anyhow!("no alert list {}", alert.list))?;
                let draft = compose::alert_draft(&state, &site, list.id, &article);
                let body = compose::body(&state, &site, &list, &draft)
                    .await
                    .map_err(|e| anyhow::anyhow!("drawing the alert: {e:?}"))?;
                match store
                    .start_alert(&draft, article.id, &body, chrono::Utc::now())
                    .await?
                {
                    Some(send) => say!("alert queued to {} readers", send.log.recipients),
                    None => say!("this article was already sent to this list"),
                }
            }
            _ => {}
        }
        let sent = deliver(&work, &std::sync::Arc::new(work.letterhead()?)).await?;
        say!("messages accepted by the mail server: {sent}");
        state.release();
        Ok(())
    }
}

async fn lists(settings: &Settings) -> anyhow::Result<()> {
    let store = open_store(settings).await?;
    for l in store.newsletter_lists().await? {
        say!(
            "{}\t{}\t{}\t{} subscribers",
            l.id,
            l.settings.kind.as_str(),
            l.settings.name,
            l.subscribers
        );
    }
    Ok(())
}

impl CreateList {
    async fn run(&self, settings: &Settings) -> anyhow::Result<()> {
        let store = open_store(settings).await?;
        let form = ListForm {
            name: self.name.clone(),
            description: self.description.clone(),
            kind: self.kind.clone(),
            days: self
                .days
                .split(',')
                .filter_map(|d| d.trim().parse().ok())
                .collect(),
            time: self.time.clone(),
            section: String::new(),
            sender_name: String::new(),
            active: true,
        };
        let list = store
            .create_newsletter_list(&form.validate()?, chrono::Utc::now())
            .await?;
        say!("{}", list.id);
        Ok(())
    }
}

impl Import {
    async fn run(&self, settings: &Settings) -> anyhow::Result<()> {
        let store = open_store(settings).await?;
        if store.newsletter_list(self.list).await?.is_none() {
            anyhow::bail!("no list {}", self.list);
        }
        if self.consent.trim().is_empty() {
            anyhow::bail!("--consent: say how and when these readers agreed");
        }
        let bytes = std::fs::read(&self.file)
            .map_err(|e| anyhow::anyhow!("cannot read {}: {e}", self.file.display()))?;
        let read = read_import(&bytes)?;
        let consent = Consent {
            at: chrono::Utc::now(),
            version: consent_version(self.consent.trim()),
            text: self.consent.trim().to_owned(),
            source: "import",
        };
        let emails: Vec<_> = read.addresses.into_iter().map(|a| a.email).collect();
        let added = store
            .import_subscribers(&emails, &[self.list], &consent)
            .await?;
        say!(
            "{added} new addresses ({} read, {} lines without a valid address)",
            emails.len(),
            read.invalid_lines.len()
        );
        Ok(())
    }
}
