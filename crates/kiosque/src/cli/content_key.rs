//! `kiosque content-key`: Ghost Content API keys from the terminal — read
//! access to published content for a front end or a tool built on Ghost's
//! API.

use clap::Subcommand;
use kiosque_core::ports::Accounts;
use kiosque_core::service::auth;

use crate::app::open_store;
use crate::config::Settings;

/// Content key subcommands.
#[derive(Debug, Subcommand)]
pub enum ContentKeyCommand {
    /// Make a key; it is printed once, alone on the last line.
    Create {
        /// What it is for ("Site Next.js").
        #[arg(long)]
        name: String,
    },
    /// List the keys: id, name, state, last use.
    List,
    /// Revoke a key at once.
    Revoke {
        /// The key's id (from `list`).
        id: i64,
    },
}

impl ContentKeyCommand {
    /// Runs the action.
    pub async fn run(self, settings: &Settings) -> anyhow::Result<()> {
        let store = open_store(settings).await?;
        let now = chrono::Utc::now();
        match self {
            ContentKeyCommand::Create { name } => {
                let name = name.split_whitespace().collect::<Vec<_>>().join(" ");
                if name.is_empty() || name.chars().count() > 100 {
                    anyhow::bail!("--name must be between 1 and 100 characters");
                }
                let (key, hash) = auth::new_content_key()?;
                let made = store.create_content_key(&name, &hash, now).await?;
                say!(
                    "Content API key {:?} made (id {}); it is shown once, keep it now:",
                    made.name,
                    made.id
                );
                say!("{key}");
            }
            ContentKeyCommand::List => {
                let keys = store.content_keys().await?;
                if keys.is_empty() {
                    eprintln!(
                        "No keys yet: make one with `kiosque content-key create --name NAME`."
                    );
                }
                for k in keys {
                    let state = if k.revoked_at.is_some() {
                        "revoked"
                    } else {
                        "active"
                    };
                    let used = k
                        .last_used_at
                        .map(|t| t.format("%Y-%m-%d %H:%M UTC").to_string())
                        .unwrap_or_else(|| "never used".into());
                    say!("{:<6}  {:<8}  {:<22}  {}", k.id, state, used, k.name);
                }
            }
            ContentKeyCommand::Revoke { id } => {
                store.revoke_content_key(id, now).await?;
                say!("key {id} revoked: it no longer works");
            }
        }
        Ok(())
    }
}
