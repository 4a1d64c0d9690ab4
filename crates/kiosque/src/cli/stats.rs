//! `kiosque stats`: the audience sums, as the admin shows and exports them.

use anyhow::bail;
use clap::{Args, Subcommand};
use kiosque_core::model::audience::{By, Period, local_day};
use kiosque_core::ports::Audience;
use kiosque_core::service::audience;

use crate::app::{open_store, require_site};
use crate::config::Settings;

/// Stats subcommands.
#[derive(Debug, Subcommand)]
pub enum Stats {
    /// Page views and visitors per page (`path,title,views,visitors`).
    Pages(Asked),
    /// Page views and visitors per source (`source,views,visitors`).
    Sources(Asked),
}

/// What is asked.
#[derive(Debug, Args)]
pub struct Asked {
    /// `today`, `yesterday`, `7d`, `30d` or `YYYY-MM-DD..YYYY-MM-DD`, in
    /// the site's calendar.
    #[arg(long, default_value = "today")]
    period: String,
    /// Write CSV (the admin's export) instead of aligned columns.
    #[arg(long)]
    csv: bool,
    /// The most rows written (0: all).
    #[arg(long, default_value_t = 0)]
    limit: u32,
}

impl Stats {
    /// Runs the subcommand.
    pub async fn run(self, settings: &Settings) -> anyhow::Result<()> {
        let (by, asked) = match self {
            Stats::Pages(a) => (By::Path, a),
            Stats::Sources(a) => (By::Source, a),
        };
        let store = open_store(settings).await?;
        let site = require_site(&store, settings).await?;
        let today = local_day(site.time_zone, chrono::Utc::now());
        let Some(period) = Period::parse(&asked.period, today) else {
            bail!(
                "--period: {:?} is not a period (today, yesterday, 7d, 30d or YYYY-MM-DD..YYYY-MM-DD)",
                asked.period
            );
        };
        let limit = if asked.limit == 0 {
            u32::MAX
        } else {
            asked.limit
        };
        let rows = store
            .stats(&audience::over(&period, site.time_zone, by, limit))
            .await?;
        store.close().await;
        if asked.csv {
            say_raw!("{}", audience::export(by, &rows, site.time_zone));
            return Ok(());
        }
        for r in &rows {
            let name = if by == By::Path && !r.label.is_empty() {
                format!("{}  {}", r.key, r.label)
            } else {
                r.key.clone()
            };
            say!("{:>9} {:>9}  {name}", r.views, r.visitors);
        }
        say!(
            "{:>9} {:>9}  (views, visitors; {} row(s))",
            rows.iter().map(|r| r.views).sum::<i64>(),
            "",
            rows.len()
        );
        Ok(())
    }
}
