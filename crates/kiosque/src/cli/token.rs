//! `kiosque token`: personal API tokens from the terminal (for a script
//! set up before anyone opens the admin).

use anyhow::Context;
use clap::Subcommand;
use kiosque_core::Error;
use kiosque_core::ports::{Accounts, Store};
use kiosque_core::service::auth;

use crate::app::open_store;
use crate::config::Settings;

/// Token subcommands.
#[derive(Debug, Subcommand)]
pub enum TokenCommand {
    /// Make a token; it is printed once, alone on the last line.
    Create {
        /// The account it acts as (sign-in address).
        #[arg(long)]
        user: String,
        /// What it is for ("Appli mobile").
        #[arg(long)]
        name: String,
        /// Days until it stops working (none: until revoked).
        #[arg(long)]
        expires: Option<u32>,
        /// Let it read only, whatever the account's role.
        #[arg(long)]
        read_only: bool,
    },
    /// List an account's tokens: id, name, state, last use.
    List {
        /// Sign-in address.
        #[arg(long)]
        user: String,
    },
    /// Revoke a token at once.
    Revoke {
        /// Sign-in address of its owner.
        #[arg(long)]
        user: String,
        /// The token's id (from `list`).
        id: i64,
    },
}

async fn find(store: &dyn Store, email: &str) -> anyhow::Result<kiosque_core::model::User> {
    let email = kiosque_core::types::Email::parse(email)
        .map_err(|_| anyhow::anyhow!("{email:?} is not a valid e-mail address"))?;
    store
        .user_by_email(&email)
        .await?
        .with_context(|| format!("there is no account for {}", email.as_str()))
}

impl TokenCommand {
    /// Runs the token action.
    pub async fn run(self, settings: &Settings) -> anyhow::Result<()> {
        let store = open_store(settings).await?;
        let now = chrono::Utc::now();
        match self {
            TokenCommand::Create {
                user,
                name,
                expires,
                read_only,
            } => {
                let user = find(&store, &user).await?;
                let (secret, token) = auth::make_api_token(user.id, &name, read_only, expires, now)
                    .map_err(|e| match e {
                        Error::Invalid(_) => anyhow::anyhow!(
                            "--name must be 1 to 100 characters and --expires 1 to {} days",
                            auth::API_TOKEN_MAX_DAYS
                        ),
                        other => other.into(),
                    })?;
                let made = store.create_api_token(&token).await?;
                eprintln!(
                    "Token {} \"{}\" for {} ({}{}). Keep it now: it is not shown again.",
                    made.id,
                    made.name,
                    user.email.as_str(),
                    if made.read_only {
                        "read-only".to_owned()
                    } else {
                        format!("acts as {}", user.role)
                    },
                    made.expires_at
                        .map(|e| format!(", expires {}", e.format("%Y-%m-%d")))
                        .unwrap_or_default()
                );
                say!("{secret}");
            }
            TokenCommand::List { user } => {
                let user = find(&store, &user).await?;
                for t in store.api_tokens(user.id).await? {
                    let state = if t.revoked_at.is_some() {
                        "revoked"
                    } else if !t.works_at(now) {
                        "expired"
                    } else if t.read_only {
                        "read-only"
                    } else {
                        "active"
                    };
                    say!(
                        "{:<6}  {:<9}  {:<20}  {}",
                        t.id,
                        state,
                        t.last_used_at
                            .map(|u| u.format("%Y-%m-%d %H:%M").to_string())
                            .unwrap_or_else(|| "never used".into()),
                        t.name
                    );
                }
            }
            TokenCommand::Revoke { user, id } => {
                let user = find(&store, &user).await?;
                store
                    .revoke_api_token(user.id, id, now)
                    .await
                    .map_err(|e| match e {
                        Error::NotFound(_) => anyhow::anyhow!(
                            "{} has no token {id}; nothing was changed",
                            user.email.as_str()
                        ),
                        other => other.into(),
                    })?;
                say!("token {id} revoked");
            }
        }
        Ok(())
    }
}
