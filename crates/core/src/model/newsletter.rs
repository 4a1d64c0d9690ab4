//! Newsletters: the lists readers join, their subscribers and consent, and
//! each send with its per-recipient deliveries (a durable queue).

use chrono::{DateTime, Utc};

/// What a list sends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ListKind {
    /// The articles published since the last one, at scheduled times.
    Digest,
    /// One article at a time, when an editor sends it as an alert.
    Alerts,
}

impl ListKind {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            ListKind::Digest => "digest",
            ListKind::Alerts => "alerts",
        }
    }

    /// From the stored name.
    pub fn parse(raw: &str) -> Option<ListKind> {
        match raw {
            "digest" => Some(ListKind::Digest),
            "alerts" => Some(ListKind::Alerts),
            _ => None,
        }
    }
}

/// When a digest goes out, in the site's time zone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Schedule {
    /// The days it goes out: bit 0 is Monday … bit 6 Sunday.
    pub days: u8,
    /// Minutes after midnight, local time.
    pub minute: u16,
}

impl Schedule {
    /// Every day at 7:00.
    pub const DAILY_MORNING: Schedule = Schedule {
        days: 0b111_1111,
        minute: 7 * 60,
    };

    /// Whether it goes out on a weekday (0 = Monday).
    pub fn on(&self, weekday: u32) -> bool {
        weekday < 7 && self.days & (1 << weekday) != 0
    }
}

/// A list readers may join.
#[derive(Debug, Clone, PartialEq)]
pub struct NewsletterList {
    /// Its id.
    pub id: i64,
    /// The list's settings.
    pub settings: ListSettings,
    /// The last scheduled time a digest was considered (sent or, with
    /// nothing new, skipped): the next digest holds what was published
    /// after it. Starts at the list's creation.
    pub covered_until: DateTime<Utc>,
    /// When it was made.
    pub created_at: DateTime<Utc>,
    /// Confirmed subscribers now.
    pub subscribers: u64,
}

/// What the newsroom sets on a list.
#[derive(Debug, Clone, PartialEq)]
pub struct ListSettings {
    /// Its name ("L'essentiel du matin").
    pub name: String,
    /// One sentence for readers choosing.
    pub description: String,
    /// Digest or alerts.
    pub kind: ListKind,
    /// Digests only: when.
    pub schedule: Schedule,
    /// Digests only: only this section's articles (and its sub-sections').
    pub section_id: Option<i64>,
    /// The name in the From header; the site's name when empty.
    pub sender_name: String,
    /// Offered to readers and sent; an inactive list keeps its subscribers.
    pub active: bool,
}

/// Longest list name.
pub const LIST_NAME_MAX: usize = 80;
/// Longest list description.
pub const LIST_DESCRIPTION_MAX: usize = 300;

/// Someone who asked for e-mail.
#[derive(Debug, Clone, PartialEq)]
pub struct Subscriber {
    /// Its id.
    pub id: i64,
    /// The address, as given (compared without case).
    pub email: String,
    /// When the address was confirmed (or, imported, declared consented).
    pub confirmed_at: Option<DateTime<Utc>>,
    /// Brought in by a CSV import rather than the form.
    pub imported: bool,
    /// Permanent delivery failures in a row.
    pub hard_failures: u32,
    /// Set after repeated permanent failures: mailed no more.
    pub suppressed_at: Option<DateTime<Utc>>,
    /// When it first asked.
    pub created_at: DateTime<Utc>,
    /// The lists it belongs to now (confirmed or waiting for it).
    pub lists: Vec<i64>,
}

/// What a reader agreed to, kept with each list joined.
#[derive(Debug, Clone, PartialEq)]
pub struct Consent {
    /// When.
    pub at: DateTime<Utc>,
    /// The consent line as the reader saw it (or as the newsroom declared
    /// it for an import).
    pub text: String,
    /// Which version of that text.
    pub version: String,
    /// `form`, `preferences` or `import`.
    pub source: &'static str,
}

/// One list joined, with its consent.
#[derive(Debug, Clone, PartialEq)]
pub struct Membership {
    /// The list.
    pub list_id: i64,
    /// What was agreed.
    pub consent: Consent,
    /// Confirmed (by the link, or declared for an import).
    pub confirmed: bool,
}

/// A subscriber found by a search of the admin.
#[derive(Debug, Clone, Default)]
pub struct SubscriberQuery {
    /// Part of the address.
    pub search: String,
    /// Only this list's.
    pub list_id: Option<i64>,
    /// At most.
    pub limit: u32,
    /// After this many.
    pub offset: u32,
}

/// What a send is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SendKind {
    /// A digest.
    Digest,
    /// An alert about one article.
    Alert,
}

impl SendKind {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            SendKind::Digest => "digest",
            SendKind::Alert => "alert",
        }
    }

    /// From the stored name.
    pub fn parse(raw: &str) -> Option<SendKind> {
        match raw {
            "digest" => Some(SendKind::Digest),
            "alert" => Some(SendKind::Alert),
            _ => None,
        }
    }
}

/// Where a send is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SendState {
    /// A digest prepared by an editor for its next scheduled time.
    Draft,
    /// Queued: deliveries going out.
    Sending,
    /// Every delivery done (sent or failed).
    Sent,
}

impl SendState {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            SendState::Draft => "draft",
            SendState::Sending => "sending",
            SendState::Sent => "sent",
        }
    }

    /// From the stored name.
    pub fn parse(raw: &str) -> Option<SendState> {
        match raw {
            "draft" => Some(SendState::Draft),
            "sending" => Some(SendState::Sending),
            "sent" => Some(SendState::Sent),
            _ => None,
        }
    }
}

/// What goes into a send before it is queued.
#[derive(Debug, Clone, PartialEq)]
pub struct SendDraft {
    /// The list.
    pub list_id: i64,
    /// Digest or alert.
    pub kind: SendKind,
    /// The subject line.
    pub subject: String,
    /// The editor's introduction (plain text), maybe empty.
    pub intro: String,
    /// The articles, in order.
    pub articles: Vec<i64>,
    /// Articles an editor took out of a digest: not added back when the
    /// digest is completed at its time.
    pub dropped: Vec<i64>,
    /// The scheduled time a digest is for.
    pub slot: Option<DateTime<Utc>>,
}

/// A send with its log.
#[derive(Debug, Clone, PartialEq)]
pub struct NewsletterSend {
    /// Its id.
    pub id: i64,
    /// What it holds.
    pub draft: SendDraft,
    /// Where it is.
    pub state: SendState,
    /// When it was made.
    pub created_at: DateTime<Utc>,
    /// When it was queued.
    pub started_at: Option<DateTime<Utc>>,
    /// When its last delivery was done.
    pub finished_at: Option<DateTime<Utc>>,
    /// The log.
    pub log: SendLog,
}

/// How a send went.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SendLog {
    /// Addresses it was queued for.
    pub recipients: u64,
    /// Accepted by the mail server.
    pub sent: u64,
    /// Refused for now, to be tried again.
    pub deferred: u64,
    /// Refused for good (or given up).
    pub failed: u64,
    /// Readers who left the list since it was sent.
    pub unsubscribed: u64,
    /// Article links followed, when click counting is on.
    pub clicks: u64,
}

/// The rendered mail of a send, the same for every recipient but for the
/// marker [`RECIPIENT_MARK`], replaced by each one's own link token.
#[derive(Debug, Clone, PartialEq)]
pub struct SendBody {
    /// Subject.
    pub subject: String,
    /// The HTML part.
    pub html: String,
    /// The plain-text part.
    pub text: String,
    /// Display name of the sender.
    pub sender_name: String,
    /// The list's id, for `List-Id`.
    pub list_id: i64,
}

/// Stands in a rendered send for the recipient's link token.
pub const RECIPIENT_MARK: &str = "@@KIOSQUE-RECIPIENT@@";

/// Stands in a rendered send for its own id (in counted article links).
pub const SEND_MARK: &str = "@@KIOSQUE-SEND@@";

/// A rendered send's text for one recipient: their link token and the
/// send's id in place of the markers.
pub fn personalised(text: &str, send_id: i64, token: &str) -> String {
    text.replace(RECIPIENT_MARK, token)
        .replace(SEND_MARK, &send_id.to_string())
}

/// A delivery claimed by a worker.
#[derive(Debug, Clone, PartialEq)]
pub struct DueMail {
    /// The send.
    pub send_id: i64,
    /// The recipient.
    pub subscriber_id: i64,
    /// Their address.
    pub email: String,
    /// Tries so far, this one included.
    pub attempts: u32,
    /// The claim: the delivery is this worker's only while it still holds
    /// this number, so a delivery a slow worker's lease lost is never sent
    /// by two.
    pub claim: i64,
}

/// What became of one delivery.
#[derive(Debug, Clone, PartialEq)]
pub enum MailOutcome {
    /// Accepted.
    Sent,
    /// Refused for now (4xx, a network failure): try again at this time.
    Deferred(DateTime<Utc>, String),
    /// Refused for good (5xx) or given up after the last try; `hard` counts
    /// toward suppressing the address.
    Failed {
        /// Why.
        error: String,
        /// A permanent refusal of the address (rather than giving up).
        hard: bool,
    },
}
