//! Webhooks: addresses other systems give to be told of changes, and the
//! deliveries of each change to each of them.

use chrono::{DateTime, Utc};

/// What a webhook can be told of (names like Ghost's where Ghost has one,
/// so a move keeps its receivers).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum WebhookEvent {
    /// An article became public (saved as published, or its time came).
    ArticlePublished,
    /// A published article was saved again.
    ArticleUpdated,
    /// A published article was taken off the site.
    ArticleUnpublished,
    /// An article was deleted.
    ArticleDeleted,
    /// An article was given a publication time to come.
    ArticleScheduled,
    /// A reader's comment arrived (spam excepted).
    CommentCreated,
    /// A comment became visible to readers.
    CommentApproved,
    /// A photo entered the media library.
    MediaCreated,
    /// A page (about, contact…) was added.
    PagePublished,
    /// A page's title, address or text changed.
    PageUpdated,
    /// The site's settings were saved.
    SiteChanged,
}

/// What an event is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventObject {
    /// An article.
    Article,
    /// A reader comment.
    Comment,
    /// A photo of the library.
    Media,
    /// A page.
    Page,
    /// The site's settings.
    Site,
}

impl WebhookEvent {
    /// Every event, in the order forms list them.
    pub const ALL: [WebhookEvent; 11] = [
        WebhookEvent::ArticlePublished,
        WebhookEvent::ArticleUpdated,
        WebhookEvent::ArticleUnpublished,
        WebhookEvent::ArticleDeleted,
        WebhookEvent::ArticleScheduled,
        WebhookEvent::CommentCreated,
        WebhookEvent::CommentApproved,
        WebhookEvent::MediaCreated,
        WebhookEvent::PagePublished,
        WebhookEvent::PageUpdated,
        WebhookEvent::SiteChanged,
    ];

    /// Its name on the wire (`article.published`).
    pub fn as_str(self) -> &'static str {
        match self {
            WebhookEvent::ArticlePublished => "article.published",
            WebhookEvent::ArticleUpdated => "article.updated",
            WebhookEvent::ArticleUnpublished => "article.unpublished",
            WebhookEvent::ArticleDeleted => "article.deleted",
            WebhookEvent::ArticleScheduled => "article.scheduled",
            WebhookEvent::CommentCreated => "comment.created",
            WebhookEvent::CommentApproved => "comment.approved",
            WebhookEvent::MediaCreated => "media.created",
            WebhookEvent::PagePublished => "page.published",
            WebhookEvent::PageUpdated => "page.updated",
            WebhookEvent::SiteChanged => "site.changed",
        }
    }

    /// The event of a wire name.
    pub fn parse(name: &str) -> Option<WebhookEvent> {
        Self::ALL.into_iter().find(|e| e.as_str() == name)
    }

    /// What its payload's object is.
    pub fn object(self) -> EventObject {
        match self {
            WebhookEvent::ArticlePublished
            | WebhookEvent::ArticleUpdated
            | WebhookEvent::ArticleUnpublished
            | WebhookEvent::ArticleDeleted
            | WebhookEvent::ArticleScheduled => EventObject::Article,
            WebhookEvent::CommentCreated | WebhookEvent::CommentApproved => EventObject::Comment,
            WebhookEvent::MediaCreated => EventObject::Media,
            WebhookEvent::PagePublished | WebhookEvent::PageUpdated => EventObject::Page,
            WebhookEvent::SiteChanged => EventObject::Site,
        }
    }
}

/// A registered webhook.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Webhook {
    /// Its id.
    pub id: i64,
    /// Where deliveries are posted.
    pub url: String,
    /// What it is for, as the newsroom wrote it.
    pub description: String,
    /// The signing key (`whsec_…`).
    pub secret: String,
    /// The events it is told of, in [`WebhookEvent::ALL`]'s order.
    pub events: Vec<WebhookEvent>,
    /// Whether deliveries are made.
    pub enabled: bool,
    /// Why Kiosque turned it off, when it did.
    pub disabled_reason: Option<String>,
    /// When it was registered.
    pub created_at: DateTime<Utc>,
}

/// What a webhook is registered or changed with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookSettings {
    /// Where deliveries are posted.
    pub url: String,
    /// What it is for.
    pub description: String,
    /// The events it is told of (at least one).
    pub events: Vec<WebhookEvent>,
    /// Whether deliveries are made; turning one on clears why it was off.
    pub enabled: bool,
}

/// Where a delivery stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeliveryState {
    /// Not yet delivered; tried again at its time.
    Pending,
    /// The receiver answered 2xx.
    Delivered,
    /// Given up.
    Failed,
}

impl DeliveryState {
    /// Its name in storage and on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            DeliveryState::Pending => "pending",
            DeliveryState::Delivered => "delivered",
            DeliveryState::Failed => "failed",
        }
    }

    /// The state of a stored name.
    pub fn parse(name: &str) -> Option<DeliveryState> {
        match name {
            "pending" => Some(DeliveryState::Pending),
            "delivered" => Some(DeliveryState::Delivered),
            "failed" => Some(DeliveryState::Failed),
            _ => None,
        }
    }
}

/// One event sent (or to send) to one webhook: a line of its log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delivery {
    /// Its id.
    pub id: i64,
    /// The webhook.
    pub webhook_id: i64,
    /// The event; the same for every webhook told of it and every attempt
    /// (the message's `webhook-id`).
    pub event_id: i64,
    /// What happened.
    pub event: WebhookEvent,
    /// The id of what it happened to.
    pub object_id: i64,
    /// Where it stands.
    pub state: DeliveryState,
    /// Attempts made so far.
    pub attempts: u32,
    /// When it is (or was to be) tried next.
    pub next_attempt_at: DateTime<Utc>,
    /// When it was last tried.
    pub last_attempt_at: Option<DateTime<Utc>>,
    /// The receiver's last HTTP status, if it answered.
    pub response_code: Option<u16>,
    /// How long the last attempt took.
    pub duration_ms: Option<u64>,
    /// Why the last attempt failed, when it did.
    pub error: Option<String>,
    /// When the event happened.
    pub created_at: DateTime<Utc>,
}

/// A delivery a worker has claimed, with what it needs to send it.
#[derive(Debug, Clone)]
pub struct DueDelivery {
    /// The delivery, its attempt count already counting this one.
    pub delivery: Delivery,
    /// Where to post.
    pub url: String,
    /// The signing key.
    pub secret: String,
    /// The object's values before the change, as the trigger kept them
    /// (JSON, times as Unix seconds).
    pub previous: Option<String>,
    /// The message, if an earlier attempt (to any webhook) made it.
    pub payload: Option<String>,
}

/// How an attempt went.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attempt {
    /// When it was made.
    pub at: DateTime<Utc>,
    /// The receiver's HTTP status, if it answered.
    pub response_code: Option<u16>,
    /// How long it took.
    pub duration_ms: u64,
    /// Why it failed, when it did.
    pub error: Option<String>,
}

/// What follows an attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DeliveryOutcome {
    /// Done.
    Delivered,
    /// Tried again at this time.
    Retry(DateTime<Utc>),
    /// Given up; with a reason, the webhook is turned off too.
    Failed(Option<String>),
}
