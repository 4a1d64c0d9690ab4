//! E-mail over SMTP, with lettre: the `Mailer` the web layer uses for
//! password resets, newsletter confirmations and test sends.

use anyhow::Context;
use async_trait::async_trait;
use kiosque_core::model::{DueMail, SendBody, Site};
use kiosque_core::ports::Mailer;
use kiosque_core::types::Email;
use kiosque_core::{Error, Result};
use lettre::address::Envelope;
use lettre::message::Mailbox;
use lettre::message::header::ContentType;
use lettre::transport::smtp::authentication::Credentials;
use lettre::{Address, AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use crate::config::{SmtpSecurity, SmtpSettings};
use crate::newsletter::config::NewsletterSettings;
use crate::newsletter::message::Letterhead;

/// Sends through one SMTP server.
pub struct SmtpMailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
    /// How newsletters are written (headers, DKIM), for test sends.
    letterhead: Letterhead,
}

impl SmtpMailer {
    /// Prepares the transport; nothing is sent until the first message.
    pub fn new(settings: &SmtpSettings, newsletter: &NewsletterSettings) -> anyhow::Result<Self> {
        let builder = match settings.security {
            SmtpSecurity::Tls => AsyncSmtpTransport::<Tokio1Executor>::relay(&settings.host)?,
            SmtpSecurity::Starttls => {
                AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(&settings.host)?
            }
            // Only for a relay on the same machine or a test server.
            SmtpSecurity::None => {
                AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&settings.host)
            }
        };
        let mut builder = builder.port(settings.port);
        if let Some(user) = &settings.username {
            builder = builder.credentials(Credentials::new(
                user.clone(),
                settings.password.clone().unwrap_or_default(),
            ));
        }
        let from = settings
            .from
            .parse()
            .with_context(|| format!("smtp.from is not an address: {:?}", settings.from))?;
        let letterhead = Letterhead::new(
            &newsletter.smtp.as_ref().unwrap_or(settings).from,
            newsletter.unsubscribe_mailto.as_deref(),
            newsletter.dkim.as_ref(),
        )?;
        Ok(SmtpMailer {
            transport: builder.build(),
            from,
            letterhead,
        })
    }
}

#[async_trait]
impl Mailer for SmtpMailer {
    async fn send(&self, to: &Email, subject: &str, body: &str) -> Result<()> {
        let to: Mailbox = to
            .as_str()
            .parse()
            .map_err(|_| Error::invalid("email", "invalid_email"))?;
        let message = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(subject)
            .header(ContentType::TEXT_PLAIN)
            .body(body.to_owned())
            .map_err(Error::backend)?;
        self.transport.send(message).await.map_err(Error::backend)?;
        Ok(())
    }

    async fn send_newsletter(&self, site: &Site, to: &Email, body: &SendBody) -> Result<()> {
        let test = DueMail {
            send_id: 0,
            subscriber_id: 0,
            email: to.as_str().to_owned(),
            attempts: 1,
            claim: 0,
        };
        let bytes = self
            .letterhead
            .message(site, body, &test, "test")
            .map_err(|e| Error::Backend(e.to_string().into()))?;
        let to: Address = to
            .as_str()
            .parse()
            .map_err(|_| Error::invalid("email", "invalid_email"))?;
        let envelope =
            Envelope::new(Some(self.letterhead.from.clone()), vec![to]).map_err(Error::backend)?;
        self.transport
            .send_raw(&envelope, &bytes)
            .await
            .map_err(Error::backend)?;
        Ok(())
    }
}
