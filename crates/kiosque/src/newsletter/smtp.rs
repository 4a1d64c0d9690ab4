//! One SMTP connection that sends newsletter deliveries one after another,
//! reusing the connection, and records each as sent in the database
//! *before* the message's final dot: a `kill -9` can then never make the
//! queue send a message the mail server already took. The message a kill
//! catches between that commit and the dot is given back by the next start
//! through the connection's journal (`journal.rs`).
//!
//! lettre's transport sends a whole message in one call, so this drives
//! lettre's own connection type command by command instead, over a socket
//! of our own that tells the journal when the final dot is out (see
//! `journal.rs` for the window this closes).

use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{Context, Poll};
use std::time::Duration;

use chrono::Utc;
use kiosque_core::model::{DueMail, MailOutcome};
use kiosque_core::ports::Store;
use kiosque_core::service::newsletter::after_smtp;
use lettre::Address;
use lettre::transport::smtp::authentication::{Credentials, Mechanism};
use lettre::transport::smtp::client::{AsyncSmtpConnection, AsyncTokioStream, TlsParameters};
use lettre::transport::smtp::commands::{Data, Mail, Rcpt, Rset};
use lettre::transport::smtp::extension::{ClientId, Extension, MailBodyParameter, MailParameter};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

use super::journal::{Entry, Journal};
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
    arm: Arc<Arm>,
}

/// Set when a message's body is out: the next bytes written to the socket
/// are its final dot.
#[derive(Debug)]
struct Arm {
    armed: AtomicBool,
    journal: Journal,
}

/// Yields the message, then arms: lettre writes the dot right after the
/// last part.
struct ThenArm<'a> {
    message: Option<&'a [u8]>,
    arm: &'a Arm,
}

impl<'a> Iterator for ThenArm<'a> {
    type Item = &'a [u8];

    fn next(&mut self) -> Option<&'a [u8]> {
        let part = self.message.take();
        if part.is_none() {
            self.arm.armed.store(true, Ordering::Release);
        }
        part
    }
}

/// The TCP socket, with Nagle's algorithm off: lettre writes a message's
/// final dot on its own after the body, and with Nagle on, that small
/// write waits for the server's delayed ACK (40 ms a message: 25 messages
/// a second instead of hundreds). Once armed, the first write the kernel
/// takes is the dot, and the journal hears of it in the same poll.
#[derive(Debug)]
struct Watched {
    tcp: tokio::net::TcpStream,
    arm: Arc<Arm>,
}

impl AsyncWrite for Watched {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        let written = Pin::new(&mut self.tcp).poll_write(cx, buf);
        if let Poll::Ready(Ok(n)) = &written
            && *n > 0
            && self.arm.armed.swap(false, Ordering::AcqRel)
        {
            self.arm.journal.done();
        }
        written
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.tcp).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.tcp).poll_shutdown(cx)
    }
}

impl AsyncRead for Watched {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.tcp).poll_read(cx, buf)
    }
}

impl AsyncTokioStream for Watched {
    fn peer_addr(&self) -> std::io::Result<std::net::SocketAddr> {
        self.tcp.peer_addr()
    }
}

/// Implicit TLS (port 465) over the watched socket, so the journal still
/// sees the bytes that carry the dot; STARTTLS needs nothing of the kind,
/// lettre wraps the transport it was given.
#[derive(Debug)]
struct Implicit(Box<tokio_rustls::client::TlsStream<Watched>>);

impl AsyncWrite for Implicit {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut *self.0).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut *self.0).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut *self.0).poll_shutdown(cx)
    }
}

impl AsyncRead for Implicit {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        Pin::new(&mut *self.0).poll_read(cx, buf)
    }
}

impl AsyncTokioStream for Implicit {
    fn peer_addr(&self) -> std::io::Result<std::net::SocketAddr> {
        self.0.get_ref().0.peer_addr()
    }
}

fn tls_connector() -> Result<tokio_rustls::TlsConnector, rustls::Error> {
    let mut roots = rustls::RootCertStore::empty();
    roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
    let config = rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()?
    .with_root_certificates(roots)
    .with_no_client_auth();
    Ok(tokio_rustls::TlsConnector::from(Arc::new(config)))
}

fn code_of(e: &lettre::transport::smtp::Error) -> Option<u16> {
    e.status().and_then(|c| c.to_string().parse().ok())
}

impl Sender {
    /// A sender whose journal lives in `journal_dir`.
    pub(crate) fn new(
        settings: SmtpSettings,
        retry: Vec<Duration>,
        journal_dir: &std::path::Path,
    ) -> std::io::Result<Sender> {
        Ok(Sender {
            settings,
            retry,
            connection: None,
            arm: Arc::new(Arm {
                armed: AtomicBool::new(false),
                journal: Journal::open(journal_dir)?,
            }),
        })
    }

    /// A new connection; a failure here is the server's or the network's,
    /// never the recipient's, so its deliveries are deferred.
    async fn connect(&self) -> Result<AsyncSmtpConnection, String> {
        self.open().await.map_err(|e| e.to_string())
    }

    async fn open(&self) -> Result<AsyncSmtpConnection, Box<dyn std::error::Error + Send + Sync>> {
        let s = &self.settings;
        let hello = ClientId::default();
        let tcp = tokio::time::timeout(
            TIMEOUT,
            tokio::net::TcpStream::connect((s.host.as_str(), s.port)),
        )
        .await??;
        tcp.set_nodelay(true)?;
        self.arm.armed.store(false, Ordering::Release);
        let watched = Watched {
            tcp,
            arm: self.arm.clone(),
        };
        let transport: Box<dyn AsyncTokioStream> = match s.security {
            SmtpSecurity::Tls => {
                let name = rustls::pki_types::ServerName::try_from(s.host.clone())?;
                let tls = tokio::time::timeout(TIMEOUT, tls_connector()?.connect(name, watched))
                    .await??;
                Box::new(Implicit(Box::new(tls)))
            }
            _ => Box::new(watched),
        };
        let mut connection = AsyncSmtpConnection::connect_with_transport(transport, &hello).await?;
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
        self.arm.journal.committing(Entry {
            send_id: mail.send_id,
            subscriber_id: mail.subscriber_id,
            claim: mail.claim,
        })?;
        if !store.mark_mail_sent(mail, Utc::now()).await? {
            connection.abort().await;
            self.arm.journal.done();
            return Ok(Sent::Lost);
        }
        let parts = ThenArm {
            message: Some(message),
            arm: &self.arm,
        };
        let sent = connection.message_iter(parts).await;
        // Never left armed for the next message's bytes.
        self.arm.armed.store(false, Ordering::Release);
        match sent {
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
                // Once the refusal is recorded (a retry after its back-off),
                // the journal must not give the delivery back at once.
                let refused = self.failed(store, mail, &e).await?;
                self.arm.journal.done();
                Ok(refused)
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
