//! `kiosque init`: create the site.

use anyhow::{Context, bail};
use clap::Args;
use kiosque_core::model::Site;
use kiosque_core::ports::Store;
use kiosque_core::types::Locale;

use crate::app::{open_store, redact};
use crate::config::{Settings, write_default_config};

/// Options of `kiosque init`.
#[derive(Debug, Args)]
pub struct Init {
    /// The outlet's name, shown in every byline.
    #[arg(long)]
    pub site_name: String,
    /// Interface and content language: fr or en.
    #[arg(long, default_value = "fr")]
    pub language: String,
    /// Public address of the site, used in share links.
    #[arg(long, default_value = "http://127.0.0.1:8080")]
    pub base_url: String,
    /// The newsroom's time zone, as in the tz database (Africa/Abidjan,
    /// Europe/Paris); dates are shown and typed in it. Changeable later in
    /// the admin's settings.
    #[arg(long, default_value = "UTC")]
    pub time_zone: String,
}

impl Init {
    /// Creates the site; refuses to overwrite an existing one.
    pub async fn run(self, settings: &Settings) -> anyhow::Result<()> {
        let site = self.site()?;
        let store = open_store(settings).await?;
        if let Some(existing) = store.site().await? {
            bail!(
                "a site already exists in {} (\"{}\"); nothing was changed",
                redact(&settings.database_url),
                existing.name
            );
        }
        store.save_site(&site).await?;
        write_default_config(&settings.data_dir)?;
        eprintln!(
            "Created the site \"{}\" ({}) in {}.\nNext: kiosque publish article.md, then kiosque serve.",
            site.name,
            site.language,
            redact(&settings.database_url)
        );
        Ok(())
    }

    fn site(&self) -> anyhow::Result<Site> {
        let name = self.site_name.trim();
        if name.is_empty() || name.chars().count() > 200 {
            bail!("--site-name must be between 1 and 200 characters");
        }
        let language: Locale = self
            .language
            .parse()
            .map_err(|_| anyhow::anyhow!("--language must be fr or en, not {:?}", self.language))?;
        let base = url::Url::parse(self.base_url.trim())
            .ok()
            .filter(|u| matches!(u.scheme(), "http" | "https") && u.host_str().is_some())
            .with_context(|| {
                format!(
                    "--base-url must be an http(s) address such as https://example.org, not {:?}",
                    self.base_url
                )
            })?;
        let mut site = Site::new(name, language, base.as_str().trim_end_matches('/'));
        site.time_zone = self.time_zone.trim().parse().map_err(|_| {
            anyhow::anyhow!(
                "--time-zone must be a tz database name such as Europe/Paris or Africa/Abidjan, not {:?}",
                self.time_zone
            )
        })?;
        Ok(site)
    }
}
