//! What an operator watches: the background queues and the database's
//! connections, read when metrics are scraped.

/// A queue of background work the database holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Queue {
    /// Smaller copies of uploaded images still to make.
    ImageCopies,
    /// Webhook deliveries not yet made (due or waiting to retry).
    Webhooks,
    /// Newsletter messages not yet handed to the mail server.
    Newsletters,
}

impl Queue {
    /// Every queue, in the order metrics list them.
    pub const ALL: [Queue; 3] = [Queue::ImageCopies, Queue::Webhooks, Queue::Newsletters];

    /// The name metrics use.
    pub fn name(self) -> &'static str {
        match self {
            Queue::ImageCopies => "image_copies",
            Queue::Webhooks => "webhooks",
            Queue::Newsletters => "newsletters",
        }
    }
}

/// One queue at one moment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QueueStatus {
    /// Which queue.
    pub queue: Queue,
    /// Jobs waiting, due now or later (a retry waits for its back-off).
    pub waiting: u64,
    /// How long the job that has been due the longest has waited past its
    /// due time, in seconds (0 when nothing is overdue): a growing figure
    /// means the workers are not keeping up, or not running.
    pub oldest_due_seconds: u64,
}

/// The database's connection pool at one moment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct PoolStatus {
    /// Connections open.
    pub open: u32,
    /// Of those, idle.
    pub idle: u32,
    /// Most connections the pool opens.
    pub max: u32,
}
