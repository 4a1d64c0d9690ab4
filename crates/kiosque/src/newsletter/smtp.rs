//! One SMTP connection that sends newsletter deliveries one after another,
//! reusing the connection, and records each as sent in the database
//! *before* the message's final dot: a `kill -9` can then never make the
//! queue send a message the mail server already took (the only window left
//! is between that commit and one write of five bytes, where a crash loses
//! one message rather than sending it twice).
//!
//! lettre's transport sends a whole message in one call, so this drives
//! lettre's own connection type command by command instead.

use std::time::Duration;

use chrono::Utc;
use kiosque_core::model::{DueMail, MailOutcome};
use kiosque_core::ports::Store;
use kiosque_core::service::newsletter::after_smtp;
use lettre::Address;
use lettre::transport::smtp::authentication::{Credentials, Mechanism};
use lettre::transport::smtp::client::{AsyncSmtpConnection, TlsParameters};
use lettre::transport::smtp::commands::{Data, Mail, Rcpt, Rset};
use lettre::transport::smtp::extension::{ClientId, Extension, MailBodyParameter, MailParameter};

use crate::config::{SmtpSecurity, SmtpSettings};

/// How long one SMTP exchange may take.
const TIMEOUT: Duration = Duration::from_secs(60);

/// What became of one message.
pub(crate) enum Sent {
    /// Accepted and recorded.
    Done,
    /// Not sent: the claim was lost to another worker.
    Lost,
    /// Refused or failed (recorded as deferred or failed).
    Refused,
}

/// A connection kept open between messages.
pub(crate) struct Sender {
    settings: SmtpSettings,
    retry: Vec<Duration>,
    connection: Option<AsyncSmtpConnection>,
}

fn code_of(e: &lettre::transport::smtp::Error) -> Option<u16> {
    e.status().and_then(|c| c.to_string().parse().ok())
}

impl Sender {
    pub(crate) fn new(settings: SmtpSettings, retry: Vec<Duration>) -> Sender {
        Sender {
            settings,
            retry,
            connection: None,
        }
    }

    /// A new connection; a failure here is the server's or the network's,
    /// never the recipient's, so its deliveries are deferred.
    async fn connect(&self) -> Result<AsyncSmtpConnection, String> {
        self.open().await.map_err(|e| e.to_string())
    }

    async fn open(&self) -> Result<AsyncSmtpConnection, Box<dyn std::error::Error + Send + Sync>> {
        let s = &self.settings;
        let hello = ClientId::default();
        let mut connection = match s.security {
            SmtpSecurity::Tls => {
                AsyncSmtpConnection::connect_tokio1(
                    (s.host.as_str(), s.port),
                    Some(TIMEOUT),
                    &hello,
                    Some(TlsParameters::new(s.host.clone())?),
                    None,
                )
                .await?
            }
            // Our own socket, with Nagle's algorithm off: lettre writes a
            // message's final dot on its own after the body, and with Nagle
            // on, that small write waits for the server's delayed ACK
            // (40 ms a message: 25 messages a second instead of hundreds).
            _ => {
                let stream = tokio::time::timeout(
                    TIMEOUT,
                    tokio::net::TcpStream::connect((s.host.as_str(), s.port)),
                )
                .await??;
                stream.set_nodelay(true)?;
                AsyncSmtpConnection::connect_with_transport(Box::new(stream), &hello).await?
            }
        };
        if s.security == SmtpSecurity::Starttls {
            connection
                .starttls(TlsParameters::new(s.host.clone())?, &hello)
                .await?;
        }
        if let Some(user) = &s.username {
            let credentials =
                Credentials::new(user.clone(), s.password.clone().unwrap_or_default());
            connection
                .auth(&[Mechanism::Plain, Mechanism::Login], &credentials)
                .await?;
        }
        Ok(connection)
    }

    /// Closes the connection politely.
    pub(crate) async fn close(&mut self) {
        if let Some(mut c) = self.connection.take() {
            let _ = c.quit().await;
        }
    }

    /// Sends one claimed delivery (`from` the envelope sender, `message`
    /// the signed bytes) and records what became of it.
    pub(crate) async fn send(
        &mut self,
        store: &dyn Store,
        mail: &DueMail,
        from: &Address,
        message: &[u8],
    ) -> anyhow::Result<Sent> {
        let to: Address = match mail.email.parse() {
            Ok(a) => a,
            Err(_) => {
                let outcome = MailOutcome::Failed {
                    error: "not a deliverable address".to_owned(),
                    hard: true,
                };
                store.finish_mail(mail, &outcome, Utc::now()).await?;
                return Ok(Sent::Refused);
            }
        };
        let mut connection = match self.connection.take() {
            Some(c) if !c.has_broken() => c,
            _ => match self.connect().await {
                Ok(c) => c,
                Err(e) => return self.refused(store, mail, None, e).await,
            },
        };
        let mut options = Vec::new();
        if !message.is_ascii()
            && connection
                .server_info()
                .supports_feature(Extension::EightBitMime)
        {
            options.push(MailParameter::Body(MailBodyParameter::EightBitMime));
        }
        if !mail.email.is_ascii() {
            options.push(MailParameter::SmtpUtfEight);
        }
        let envelope = async {
            connection
                .command(Mail::new(Some(from.clone()), options))
                .await?;
            connection.command(Rcpt::new(to, Vec::new())).await?;
            connection.command(Data).await
        }
        .await;
        if let Err(e) = envelope {
            // The server refused the sender or the recipient: the
            // connection stays usable after a reset.
            if e.is_permanent() || e.is_transient() {
                if connection.command(Rset).await.is_ok() {
                    self.connection = Some(connection);
                }
            } else {
                connection.abort().await;
            }
            return self.failed(store, mail, &e).await;
        }
        // In DATA: record the delivery first. If the claim was lost, drop
        // the connection without the final dot, and the server discards
        // the message.
        if !store.mark_mail_sent(mail, Utc::now()).await? {
            connection.abort().await;
            return Ok(Sent::Lost);
        }
        match connection.message(message).await {
            Ok(_) => {
                self.connection = Some(connection);
                Ok(Sent::Done)
            }
            Err(e) => {
                if e.is_permanent() || e.is_transient() {
                    self.connection = Some(connection);
                } else {
                    connection.abort().await;
                }
                self.failed(store, mail, &e).await
            }
        }
    }

    async fn failed(
        &mut self,
        store: &dyn Store,
        mail: &DueMail,
        e: &lettre::transport::smtp::Error,
    ) -> anyhow::Result<Sent> {
        self.refused(store, mail, code_of(e), e.to_string()).await
    }

    async fn refused(
        &mut self,
        store: &dyn Store,
        mail: &DueMail,
        code: Option<u16>,
        error: String,
    ) -> anyhow::Result<Sent> {
        let outcome = after_smtp(code, error, mail.attempts, &self.retry, Utc::now());
        store.finish_mail(mail, &outcome, Utc::now()).await?;
        Ok(Sent::Refused)
    }
}
