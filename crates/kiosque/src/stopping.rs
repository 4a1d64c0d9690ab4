//! The server's stop, as the background workers see it: on SIGTERM the
//! listener closes and requests in flight finish, then each worker ends the
//! job it is on (an image's copies, a webhook call, a newsletter message)
//! and takes no other; the server waits for them (up to a grace period)
//! before it closes the database.

use std::sync::Arc;

use tokio::sync::watch;

/// Whether the server is stopping; cheap to clone, one per worker.
#[derive(Debug, Clone)]
pub struct Stopping {
    asked: watch::Receiver<bool>,
    /// Keeps a never-stopping handle's channel open.
    _kept: Option<Arc<watch::Sender<bool>>>,
}

/// Tells every [`Stopping`] made with it that the server stops.
#[derive(Debug)]
pub struct Stop(watch::Sender<bool>);

impl Stop {
    /// Asks the workers to stop after their current job.
    pub fn now(&self) {
        let _ = self.0.send(true);
    }
}

impl Stopping {
    /// A stop and the handle the workers watch.
    pub fn new() -> (Stop, Stopping) {
        let (send, asked) = watch::channel(false);
        (Stop(send), Stopping { asked, _kept: None })
    }

    /// A handle that never says stop: for a command that runs the work once.
    pub fn never() -> Stopping {
        let (send, asked) = watch::channel(false);
        Stopping {
            asked,
            _kept: Some(Arc::new(send)),
        }
    }

    /// The server is stopping: take no new job.
    pub fn requested(&self) -> bool {
        *self.asked.borrow()
    }

    /// Completes when the server stops (at once if it has).
    pub async fn wait(&mut self) {
        // An error means the stop was dropped: the server is gone too.
        let _ = self.asked.wait_for(|asked| *asked).await;
    }
}
