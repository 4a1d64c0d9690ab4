//! One recipient's message: the send's rendered parts with their own link
//! token, the list headers mailbox providers ask bulk senders for
//! (RFC 2369 `List-Unsubscribe`, RFC 8058 one-click, RFC 2919 `List-Id`),
//! a `Message-ID` that is the same on every try, and a DKIM signature
//! covering those headers.

use kiosque_core::model::{DueMail, SendBody, Site, personalised};
use lettre::message::dkim::{
    DkimCanonicalization, DkimCanonicalizationType, DkimConfig, DkimSigningAlgorithm,
    DkimSigningKey,
};
use lettre::message::header::{HeaderName, HeaderValue};
use lettre::message::{Mailbox, MultiPart};
use lettre::{Address, Message};

use super::config::DkimSettings;

/// What every message of a server shares.
pub(crate) struct Letterhead {
    /// The address mail comes from.
    pub from: Address,
    /// `List-Unsubscribe`'s mailto.
    pub mailto: Address,
    /// The signer, if DKIM is set up.
    pub dkim: Option<DkimConfig>,
}

/// The headers a DKIM signature covers: those a forwarder must not change
/// and, as RFC 8058 requires, the unsubscribe headers.
const SIGNED: [&str; 9] = [
    "From",
    "To",
    "Subject",
    "Date",
    "Message-ID",
    "List-Id",
    "List-Unsubscribe",
    "List-Unsubscribe-Post",
    "MIME-Version",
];

impl Letterhead {
    pub(crate) fn new(
        from: &str,
        mailto: Option<&str>,
        dkim: Option<&DkimSettings>,
    ) -> anyhow::Result<Letterhead> {
        let from: Mailbox = from
            .parse()
            .map_err(|e| anyhow::anyhow!("the sender address {from:?} is not one: {e}"))?;
        let mailto = match mailto {
            Some(m) => m
                .parse()
                .map_err(|e| anyhow::anyhow!("newsletter.unsubscribe_mailto {m:?}: {e}"))?,
            None => from.email.clone(),
        };
        let dkim = match dkim {
            None => None,
            Some(d) => {
                let (text, algorithm) = if d.key.contains("-----BEGIN") {
                    (d.key.as_str(), DkimSigningAlgorithm::Rsa)
                } else {
                    (d.key.trim(), DkimSigningAlgorithm::Ed25519)
                };
                let key = DkimSigningKey::new(text, algorithm)
                    .map_err(|e| anyhow::anyhow!("the DKIM key cannot be read: {e:?}"))?;
                Some(DkimConfig::new(
                    d.selector.clone(),
                    d.domain
                        .clone()
                        .unwrap_or_else(|| from.email.domain().to_owned()),
                    key,
                    SIGNED
                        .iter()
                        .map(|h| HeaderName::new_from_ascii_str(h))
                        .collect(),
                    DkimCanonicalization {
                        header: DkimCanonicalizationType::Relaxed,
                        body: DkimCanonicalizationType::Relaxed,
                    },
                ))
            }
        };
        Ok(Letterhead {
            from: from.email,
            mailto,
            dkim,
        })
    }

    /// The message for one recipient, signed.
    pub(crate) fn message(
        &self,
        site: &Site,
        body: &SendBody,
        mail: &DueMail,
        token: &str,
    ) -> anyhow::Result<Vec<u8>> {
        let to: Mailbox = mail
            .email
            .parse()
            .map_err(|e| anyhow::anyhow!("not an address: {e}"))?;
        let host = host_of(&site.base_url);
        let unsubscribe = site.absolute_url(&format!("/newsletter/unsubscribe/{token}"));
        let raw = |name: &'static str, value: String| {
            HeaderValue::new(HeaderName::new_from_ascii_str(name), value)
        };
        let mut message = Message::builder()
            .from(Mailbox::new(
                Some(body.sender_name.clone()),
                self.from.clone(),
            ))
            .to(to)
            .subject(&body.subject)
            .date_now()
            // The same on every try of this delivery: a receiver that saw
            // it already can tell.
            .message_id(Some(format!(
                "<newsletter.{}.{}@{}>",
                mail.send_id,
                mail.subscriber_id,
                self.from.domain()
            )))
            .raw_header(raw(
                "List-Id",
                format!(
                    "{} <list-{}.{}>",
                    quoted(&body.sender_name),
                    body.list_id,
                    host
                ),
            ))
            .raw_header(raw(
                "List-Unsubscribe",
                format!(
                    "<{unsubscribe}>, <mailto:{}?subject=unsubscribe%20{token}>",
                    self.mailto
                ),
            ))
            .raw_header(raw(
                "List-Unsubscribe-Post",
                "List-Unsubscribe=One-Click".to_owned(),
            ))
            .multipart(MultiPart::alternative_plain_html(
                personalised(&body.text, mail.send_id, token),
                personalised(&body.html, mail.send_id, token),
            ))?;
        if let Some(dkim) = &self.dkim {
            message.sign(dkim);
        }
        Ok(message.formatted())
    }
}

/// The host of the site's address, for `List-Id`.
fn host_of(base_url: &str) -> String {
    url::Url::parse(base_url)
        .ok()
        .and_then(|u| u.host_str().map(str::to_owned))
        .unwrap_or_else(|| "localhost".to_owned())
}

/// A phrase for a header: quoted, its quotes and backslashes escaped.
fn quoted(text: &str) -> String {
    let clean: String = text
        .chars()
        .filter(|c| !c.is_control())
        .flat_map(|c| match c {
            '"' | '\\' => vec!['\\', c],
            c => vec![c],
        })
        .collect();
    format!("\"{clean}\"")
}
