//! `kiosque user`: newsroom accounts from the terminal (the first
//! administrator is created here).

use std::io::BufRead;

use anyhow::{Context, bail};
use clap::{Args, Subcommand};
use kiosque_core::Error;
use kiosque_core::model::{NewUser, User};
use kiosque_core::ports::{Accounts, Store};
use kiosque_core::service::auth;
use kiosque_core::types::{Email, Role};

use crate::app::open_store;
use crate::config::Settings;

/// Account subcommands.
#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Create an account (the password is asked for, or read from stdin).
    Create {
        /// Sign-in address.
        #[arg(long)]
        email: String,
        /// Display name.
        #[arg(long)]
        name: String,
        /// contributor, author, editor or administrator.
        #[arg(long)]
        role: String,
        #[command(flatten)]
        password: PasswordSource,
    },
    /// List accounts: id, role, e-mail, name.
    List,
    /// Change an account's role.
    SetRole {
        /// Sign-in address.
        email: String,
        /// contributor, author, editor or administrator.
        role: String,
    },
    /// Make an Application Password, what integrations written for
    /// WordPress's API sign in with (HTTP Basic: the e-mail and this
    /// password). The password is printed alone on the last line, once.
    AppPassword {
        /// Sign-in address.
        email: String,
        /// What it is for ("Application mobile").
        #[arg(long)]
        name: String,
    },
    /// Set a new password (this signs the account out everywhere).
    ResetPassword {
        /// Sign-in address.
        email: String,
        #[command(flatten)]
        password: PasswordSource,
    },
    /// Turn two-step sign-in off for an account (a lost phone, or a key
    /// sealing secrets that was lost); they set it up again from the
    /// account page.
    TwoStepOff {
        /// Sign-in address.
        email: String,
    },
}

/// Where a new password comes from.
#[derive(Debug, Args)]
pub struct PasswordSource {
    /// Read the password from the first line of standard input instead of
    /// asking for it (for scripts).
    #[arg(long)]
    password_stdin: bool,
}

impl PasswordSource {
    fn read(&self) -> anyhow::Result<String> {
        let password = if self.password_stdin {
            let mut line = String::new();
            std::io::stdin()
                .lock()
                .read_line(&mut line)
                .context("cannot read the password from standard input")?;
            line.trim_end_matches(['\r', '\n']).to_owned()
        } else {
            let first = rpassword::prompt_password("New password: ")
                .context("cannot ask for a password (use --password-stdin)")?;
            let again = rpassword::prompt_password("Same password again: ")?;
            if first != again {
                bail!("the two passwords differ; nothing was changed");
            }
            first
        };
        auth::check_new_password(&password).map_err(|_| {
            anyhow::anyhow!(
                "the password must be {} to {} characters long",
                auth::PASSWORD_MIN,
                auth::PASSWORD_MAX
            )
        })?;
        Ok(password)
    }
}

fn parse_email(email: &str) -> anyhow::Result<Email> {
    Email::parse(email).map_err(|_| anyhow::anyhow!("{email:?} is not a valid e-mail address"))
}

fn parse_role(role: &str) -> anyhow::Result<Role> {
    role.parse().map_err(|_| {
        anyhow::anyhow!("{role:?} is not a role: use contributor, author, editor or administrator")
    })
}

async fn find(store: &dyn Store, email: &str) -> anyhow::Result<User> {
    store
        .user_by_email(&parse_email(email)?)
        .await?
        .with_context(|| format!("there is no account for {email}"))
}

async fn hash(password: String) -> anyhow::Result<String> {
    Ok(tokio::task::spawn_blocking(move || auth::hash_password(&password)).await??)
}

impl UserCommand {
    /// Runs the account action.
    pub async fn run(self, settings: &Settings) -> anyhow::Result<()> {
        let store = open_store(settings).await?;
        match self {
            UserCommand::Create {
                email,
                name,
                role,
                password,
            } => {
                let email = parse_email(&email)?;
                let role = parse_role(&role)?;
                let name = name.split_whitespace().collect::<Vec<_>>().join(" ");
                if name.is_empty() || name.chars().count() > 100 {
                    bail!("--name must be between 1 and 100 characters");
                }
                let password = password.read()?;
                let user = store
                    .create_user(&NewUser {
                        email,
                        name,
                        role,
                        password_hash: Some(hash(password).await?),
                        created_at: chrono::Utc::now(),
                    })
                    .await
                    .map_err(|e| match e {
                        Error::Conflict(message) => {
                            anyhow::anyhow!("{message}; nothing was changed")
                        }
                        other => other.into(),
                    })?;
                say!(
                    "created {} ({}) as {}",
                    user.email.as_str(),
                    user.name,
                    user.role
                );
            }
            UserCommand::List => {
                let users = store.users().await?;
                if users.is_empty() {
                    eprintln!("No accounts yet: create one with `kiosque user create`.");
                }
                for u in users {
                    say!(
                        "{:<6}  {:<13}  {:<40}  {}",
                        u.id,
                        u.role,
                        u.email.as_str(),
                        u.name
                    );
                }
            }
            UserCommand::SetRole { email, role } => {
                let role = parse_role(&role)?;
                let user = find(&store, &email).await?;
                store.set_user_role(user.id, role).await?;
                say!("{} is now {role}", user.email.as_str());
            }
            UserCommand::AppPassword { email, name } => {
                let user = find(&store, &email).await?;
                let made = tokio::task::spawn_blocking(move || {
                    auth::make_app_password(user.id, &name, chrono::Utc::now())
                })
                .await?;
                let (password, new) = match made {
                    Ok(made) => made,
                    Err(Error::Invalid(fields)) if fields.iter().any(|f| f.code == "too_long") => {
                        bail!("--name is at most 100 characters")
                    }
                    Err(Error::Invalid(_)) => bail!("--name must not be empty"),
                    Err(e) => return Err(e.into()),
                };
                let stored = store.create_app_password(&new).await?;
                say!(
                    "Application Password {:?} made for {}; it is shown once, keep it now:",
                    stored.name,
                    email.trim()
                );
                say!("{}", auth::app_password_shown(&password));
            }
            UserCommand::ResetPassword { email, password } => {
                let user = find(&store, &email).await?;
                let password = password.read()?;
                store
                    .set_password_hash(user.id, &hash(password).await?)
                    .await?;
                say!(
                    "password changed for {}; every session of this account has ended",
                    user.email.as_str()
                );
            }
            UserCommand::TwoStepOff { email } => {
                let user = find(&store, &email).await?;
                store.set_totp_secret(user.id, None).await?;
                say!(
                    "two-step sign-in is off for {}; they can set it up again from their account page",
                    user.email.as_str()
                );
            }
        }
        Ok(())
    }
}
