//! `[[cdn.purge]]` in `kiosque.toml`: where purges go.
//!
//! ```toml
//! [[cdn.purge]]
//! kind = "varnish"                  # PURGE with an xkey header
//! url = "http://127.0.0.1:6081"     # or urls = ["http://a:6081", "http://b:6081"]
//!
//! [[cdn.purge]]
//! kind = "fastly"
//! service_id = "SU1Z0isxPaozGVKXdv0eY"
//! token_file = "/etc/kiosque/fastly-token"
//!
//! [[cdn.purge]]
//! kind = "cloudflare"
//! zone = "023e105f4ecef8ad9ca31a8372d0c353"
//! token_file = "/etc/kiosque/cloudflare-token"
//!
//! [[cdn.purge]]
//! kind = "webhook"                  # the keys in a signed JSON body
//! url = "https://purge.example.org/kiosque"
//! secret_file = "/etc/kiosque/purge-secret"   # whsec_… (Standard Webhooks)
//! ```

use std::path::{Path, PathBuf};

use anyhow::Context;
use serde::Deserialize;

/// The `[cdn]` table.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub(crate) struct CdnFile {
    purge: Vec<PurgeFile>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, tag = "kind", rename_all = "lowercase")]
enum PurgeFile {
    Varnish {
        url: Option<String>,
        #[serde(default)]
        urls: Vec<String>,
    },
    Fastly {
        service_id: String,
        token_file: PathBuf,
        /// Only for tests: Fastly's API is `https://api.fastly.com`.
        api_url: Option<String>,
    },
    Cloudflare {
        zone: String,
        token_file: PathBuf,
        /// Only for tests: Cloudflare's API is `https://api.cloudflare.com`.
        api_url: Option<String>,
    },
    Webhook {
        url: String,
        secret_file: PathBuf,
    },
}

/// One place purges go, its secrets read.
#[derive(Clone)]
pub enum Target {
    /// Varnish servers with the xkey vmod (`deploy/varnish/kiosque.vcl`).
    Varnish {
        /// Each server's base address.
        urls: Vec<String>,
    },
    /// A Fastly service.
    Fastly {
        /// The API's base address.
        api: String,
        /// The service.
        service_id: String,
        /// An API token with purge rights.
        token: String,
    },
    /// A Cloudflare zone (purge by cache tags).
    Cloudflare {
        /// The API's base address.
        api: String,
        /// The zone.
        zone: String,
        /// An API token with cache-purge rights.
        token: String,
    },
    /// Any receiver, sent the keys as a Standard Webhooks message.
    Webhook {
        /// Where.
        url: String,
        /// The signing secret (`whsec_…`).
        secret: String,
    },
}

impl std::fmt::Debug for Target {
    // Never the tokens.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.name())
    }
}

impl Target {
    /// How logs and metrics name it (no secret).
    pub fn name(&self) -> String {
        match self {
            Target::Varnish { urls } => format!("varnish {}", urls.join(" ")),
            Target::Fastly { service_id, .. } => format!("fastly {service_id}"),
            Target::Cloudflare { zone, .. } => format!("cloudflare {zone}"),
            Target::Webhook { url, .. } => format!("webhook {url}"),
        }
    }
}

fn secret(data_dir: &Path, file: &Path, what: &str) -> anyhow::Result<String> {
    let path = data_dir.join(file);
    let text = std::fs::read_to_string(&path)
        .with_context(|| format!("cannot read cdn.purge {what} {}", path.display()))?;
    let text = text.trim().to_owned();
    anyhow::ensure!(
        !text.is_empty(),
        "cdn.purge {what} {} is empty",
        path.display()
    );
    Ok(text)
}

fn address(url: &str, what: &str) -> anyhow::Result<String> {
    let parsed = url::Url::parse(url)
        .with_context(|| format!("cdn.purge {what}: `{url}` is not an address"))?;
    anyhow::ensure!(
        matches!(parsed.scheme(), "http" | "https"),
        "cdn.purge {what}: `{url}` is not an http(s) address"
    );
    Ok(url.trim_end_matches('/').to_owned())
}

impl CdnFile {
    /// The targets, their secret files read (relative paths from the data
    /// directory).
    pub(crate) fn resolve(&self, data_dir: &Path) -> anyhow::Result<Vec<Target>> {
        self.purge
            .iter()
            .map(|p| {
                Ok(match p {
                    PurgeFile::Varnish { url, urls } => {
                        let all: Vec<String> = url
                            .iter()
                            .chain(urls)
                            .map(|u| address(u, "varnish url"))
                            .collect::<anyhow::Result<_>>()?;
                        anyhow::ensure!(!all.is_empty(), "cdn.purge varnish needs url or urls");
                        Target::Varnish { urls: all }
                    }
                    PurgeFile::Fastly {
                        service_id,
                        token_file,
                        api_url,
                    } => Target::Fastly {
                        api: address(
                            api_url.as_deref().unwrap_or("https://api.fastly.com"),
                            "fastly api_url",
                        )?,
                        service_id: service_id.clone(),
                        token: secret(data_dir, token_file, "fastly token_file")?,
                    },
                    PurgeFile::Cloudflare {
                        zone,
                        token_file,
                        api_url,
                    } => Target::Cloudflare {
                        api: address(
                            api_url.as_deref().unwrap_or("https://api.cloudflare.com"),
                            "cloudflare api_url",
                        )?,
                        zone: zone.clone(),
                        token: secret(data_dir, token_file, "cloudflare token_file")?,
                    },
                    PurgeFile::Webhook { url, secret_file } => {
                        let secret = secret(data_dir, secret_file, "webhook secret_file")?;
                        standardwebhooks::Webhook::new(&secret)
                            .map_err(|e| anyhow::anyhow!("cdn.purge webhook secret_file: {e}"))?;
                        Target::Webhook {
                            url: address(url, "webhook url")?,
                            secret,
                        }
                    }
                })
            })
            .collect()
    }
}
