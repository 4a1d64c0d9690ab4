//! `[newsletter]` in `kiosque.toml`: the bulk mail server (or the `[smtp]`
//! one), the sending rate, retries, DKIM.

use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::Context;
use serde::Deserialize;

use crate::config::{SmtpFile, SmtpSettings};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub(crate) struct NewsletterFile {
    /// A separate server for bulk mail; `[smtp]` when absent.
    smtp: Option<SmtpFile>,
    /// Messages a minute at most (0: as fast as the server takes them).
    per_minute: u32,
    /// SMTP connections sending at once.
    connections: u32,
    /// Seconds a worker holds the deliveries it claimed.
    lease_seconds: u64,
    /// DKIM: the selector (`kiosque` for `kiosque._domainkey.DOMAIN`).
    dkim_selector: Option<String>,
    /// DKIM: the signing domain (the From address's by default).
    dkim_domain: Option<String>,
    /// DKIM: the private key, PEM (RSA, PKCS#1) or base64 (Ed25519),
    /// relative to the data directory.
    dkim_key_file: Option<PathBuf>,
    /// The `mailto:` of `List-Unsubscribe` (the From address by default).
    unsubscribe_mailto: Option<String>,
    /// Seconds to wait after each temporary refusal (4xx) before trying
    /// again; given up after the last.
    retry_seconds: Option<Vec<u64>>,
    /// Article links go through `/newsletter/c/…`, which counts them per
    /// send (no reader is identified) and tags the visit as coming from
    /// the newsletter for the audience statistics.
    count_clicks: bool,
}

impl Default for NewsletterFile {
    fn default() -> Self {
        NewsletterFile {
            smtp: None,
            per_minute: 0,
            connections: 2,
            lease_seconds: 120,
            dkim_selector: None,
            dkim_domain: None,
            dkim_key_file: None,
            unsubscribe_mailto: None,
            retry_seconds: None,
            count_clicks: false,
        }
    }
}

/// How DKIM signs.
#[derive(Debug, Clone)]
pub struct DkimSettings {
    /// The selector.
    pub selector: String,
    /// The signing domain, if not the From address's.
    pub domain: Option<String>,
    /// The key file's text.
    pub key: String,
}

/// How newsletters go out.
#[derive(Debug, Clone)]
pub struct NewsletterSettings {
    /// The bulk server, if not `[smtp]`.
    pub smtp: Option<SmtpSettings>,
    /// Messages a minute at most; 0 for no limit.
    pub per_minute: u32,
    /// Connections at once.
    pub connections: u32,
    /// How long a claim holds.
    pub lease: Duration,
    /// Signing, if configured.
    pub dkim: Option<DkimSettings>,
    /// `List-Unsubscribe`'s mailto address, if not the From address.
    pub unsubscribe_mailto: Option<String>,
    /// Waits after each temporary refusal.
    pub retry: Vec<Duration>,
    /// Where each connection keeps its journal (`journal.rs`).
    pub journal_dir: PathBuf,
}

impl NewsletterFile {
    pub(crate) fn count_clicks(&self) -> bool {
        self.count_clicks
    }

    pub(crate) fn resolve(&self, data_dir: &Path) -> anyhow::Result<NewsletterSettings> {
        let dkim = match (&self.dkim_selector, &self.dkim_key_file) {
            (Some(selector), Some(file)) => {
                let path = data_dir.join(file);
                let key = std::fs::read_to_string(&path).with_context(|| {
                    format!("cannot read newsletter.dkim_key_file {}", path.display())
                })?;
                Some(DkimSettings {
                    selector: selector.clone(),
                    domain: self.dkim_domain.clone(),
                    key,
                })
            }
            (None, None) => None,
            _ => anyhow::bail!("newsletter: DKIM needs both dkim_selector and dkim_key_file"),
        };
        Ok(NewsletterSettings {
            smtp: self
                .smtp
                .as_ref()
                .map(|s| s.clone().resolve("newsletter.smtp"))
                .transpose()?,
            per_minute: self.per_minute,
            connections: self.connections.clamp(1, 16),
            lease: Duration::from_secs(self.lease_seconds.max(5)),
            dkim,
            unsubscribe_mailto: self.unsubscribe_mailto.clone(),
            journal_dir: data_dir.join("newsletter-journal"),
            retry: self
                .retry_seconds
                .as_deref()
                .unwrap_or(&kiosque_core::service::newsletter::RETRY_SECONDS)
                .iter()
                .map(|s| Duration::from_secs(*s))
                .collect(),
        })
    }
}
