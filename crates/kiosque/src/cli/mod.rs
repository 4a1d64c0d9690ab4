//! The command line: one file per subcommand, each with its options and a
//! `run`. Global options come before the subcommand.

/// `println!` for the commands' output: a reader that went away
/// (`kiosque comments pending | head`) ends the command quietly with the
/// status a shell gives a process stopped by SIGPIPE, as Unix tools do,
/// where `println!` would panic (Rust ignores SIGPIPE, and resetting it
/// needs `unsafe`, which this workspace forbids).
macro_rules! say {
    ($($arg:tt)*) => {
        $crate::cli::write_out(format_args!($($arg)*), true)
    };
}

/// `print!` likewise.
macro_rules! say_raw {
    ($($arg:tt)*) => {
        $crate::cli::write_out(format_args!($($arg)*), false)
    };
}

mod backup;
mod comments;
mod content_key;
mod demo;
mod export_json;
mod export_static;
mod import;
mod init;
mod newsletter;
mod publish;
mod search;
mod serve;
mod stats;
mod token;
mod user;

use std::path::PathBuf;

use clap::{Parser, Subcommand};

pub use publish::publish_file;

use crate::config::Settings;

/// What a shell reports for a process stopped by SIGPIPE (128 + 13).
const BROKEN_PIPE_STATUS: i32 = 141;

pub(crate) fn write_out(args: std::fmt::Arguments<'_>, line: bool) {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    let written = out
        .write_fmt(args)
        .and_then(|()| if line { out.write_all(b"\n") } else { Ok(()) })
        .and_then(|()| out.flush());
    match written {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => {
            std::process::exit(BROKEN_PIPE_STATUS)
        }
        Err(e) => {
            eprintln!("error: writing to standard output: {e}");
            std::process::exit(1)
        }
    }
}

/// Kiosque: publish a news site from one binary.
#[derive(Debug, Parser)]
#[command(name = "kiosque", version, about, propagate_version = true)]
pub struct Cli {
    /// Data directory: configuration file, SQLite database and media.
    /// [default: ./kiosque-data, or ./kiosque-demo for `demo`]
    #[arg(long, env = "KIOSQUE_DATA", global = true)]
    pub data: Option<PathBuf>,
    /// Use this database instead of the SQLite file in the data directory
    /// (postgres://user@host:5432/db).
    #[arg(long, env = "DATABASE_URL", global = true, hide_env_values = true)]
    pub database_url: Option<String>,
    /// The log's shape on standard error, over `[log] format`.
    #[arg(long, env = "KIOSQUE_LOG_FORMAT", global = true, value_enum)]
    pub log_format: Option<crate::logging::LogFormat>,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Create the site: its name, language and public address.
    Init(init::Init),
    /// Publish (or update) articles from Markdown files with YAML front matter.
    Publish(publish::Publish),
    /// Serve the site over HTTP.
    Serve(serve::Serve),
    /// Moderate reader comments.
    #[command(subcommand)]
    Comments(comments::Comments),
    /// Manage newsroom accounts.
    #[command(subcommand)]
    User(user::UserCommand),
    /// Manage Ghost Content API keys (read access to published content).
    #[command(subcommand)]
    ContentKey(content_key::ContentKeyCommand),
    /// Manage personal API tokens.
    #[command(subcommand)]
    Token(token::TokenCommand),
    /// Create a demo site with sample articles and serve it.
    Demo(demo::Demo),
    /// Newsletters: send due digests now, deliver the queue.
    #[command(subcommand)]
    Newsletter(newsletter::NewsletterCommand),
    /// Audience statistics: page views and visitors per page or source.
    #[command(subcommand)]
    Stats(stats::Stats),
    /// Manage the search index.
    #[command(subcommand)]
    Search(search::Search),
    /// Export the content in a documented format for other tools.
    #[command(subcommand)]
    Export(export_json::Export),
    /// Bring a site in from another system (WordPress).
    #[command(subcommand)]
    Import(import::Import),
    /// Write the whole site (database and media) to one file, while it
    /// keeps serving.
    Backup(backup::Backup),
    /// Bring a backup into a new, empty database (SQLite or PostgreSQL,
    /// whichever the backup came from).
    Restore(backup::Restore),
    /// Write the public site as static files (articles, lists, feeds,
    /// sitemaps, media, assets) with the same addresses.
    ExportStatic(export_static::ExportStatic),
}

impl Cli {
    /// The settings the command runs with: the data directory's file,
    /// under the command line and environment.
    pub fn settings(&self) -> anyhow::Result<Settings> {
        let default_dir = match self.command {
            Command::Demo(_) => "kiosque-demo",
            _ => "kiosque-data",
        };
        let data = self
            .data
            .clone()
            .unwrap_or_else(|| PathBuf::from(default_dir));
        let mut settings = Settings::load(&data, self.database_url.clone())?;
        if let Some(format) = self.log_format {
            settings.log_format = format;
        }
        Ok(settings)
    }

    /// Runs the chosen subcommand with `settings` (see [`Cli::settings`]).
    pub async fn run(self, settings: Settings) -> anyhow::Result<()> {
        match self.command {
            Command::Init(c) => c.run(&settings).await,
            Command::Publish(c) => c.run(&settings).await,
            Command::Serve(c) => c.run(&settings).await,
            Command::Comments(c) => c.run(&settings).await,
            Command::User(c) => c.run(&settings).await,
            Command::Token(c) => c.run(&settings).await,
            Command::ContentKey(c) => c.run(&settings).await,
            Command::Newsletter(c) => c.run(&settings).await,
            Command::Demo(c) => c.run(&settings).await,
            Command::Search(c) => c.run(&settings).await,
            Command::Stats(c) => c.run(&settings).await,
            Command::ExportStatic(c) => c.run(&settings).await,
            Command::Import(c) => c.run(&settings).await,
            Command::Export(c) => c.run(&settings).await,
            Command::Backup(c) => c.run(&settings).await,
            Command::Restore(c) => c.run(&settings).await,
        }
    }
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    #[test]
    fn the_command_line_is_well_formed() {
        super::Cli::command().debug_assert();
    }
}
