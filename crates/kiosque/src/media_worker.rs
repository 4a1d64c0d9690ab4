//! The background task that makes the smaller copies of uploaded images.
//! The queue lives in the database (`media_jobs`), so an upload is never
//! forgotten: a restart, or a worker that dies mid-job, leaves the job to be
//! taken again. Pages work before the copies exist (they show the original)
//! and use them from the next render on. One image at a time, so readers'
//! requests keep the other core.

use std::sync::Arc;
use std::time::Duration;

use kiosque_core::model::MediaAsset;
use kiosque_core::ports::Store;
use kiosque_media::BlobStore;
use tokio::task::JoinHandle;

use crate::stopping::Stopping;

/// Looks for queued images every `every`, and works through all that are
/// due before sleeping again; once the server stops, finishes the image it
/// is on and ends.
pub fn spawn(
    store: Arc<dyn Store>,
    media: Arc<dyn BlobStore>,
    every: Duration,
    mut stopping: Stopping,
) -> JoinHandle<()> {
    tokio::spawn(async move {
        let mut ticks = tokio::time::interval(every);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                _ = ticks.tick() => {}
                () = stopping.wait() => return,
            }
            while !stopping.requested() {
                match store.claim_media_job(chrono::Utc::now()).await {
                    Ok(Some(asset)) => {
                        if !process(store.as_ref(), media.as_ref(), asset).await {
                            // The storage is away: the other jobs would fail too.
                            break;
                        }
                    }
                    Ok(None) => break,
                    // The database may be briefly away; the next tick retries.
                    Err(e) => {
                        tracing::error!(error = %e, "reading the media queue failed");
                        break;
                    }
                }
            }
        }
    })
}

/// How long a job waits when the media storage was out of reach.
const STORAGE_AWAY: chrono::TimeDelta = chrono::TimeDelta::seconds(10);

/// Why copies were not made.
enum Failure {
    /// The media storage did not answer: tried again soon, as often as
    /// it takes (an outage is no reason to give up an image).
    Storage(String),
    /// The image itself: tried a few more times, then given up.
    Image(String),
}

/// Makes one image's copies; false when the media storage is away.
async fn process(store: &dyn Store, media: &dyn BlobStore, asset: MediaAsset) -> bool {
    let started = std::time::Instant::now();
    let result = match make(media, &asset).await {
        Ok(widths) => store.finish_media_job(asset.id, &widths).await.map(|()| {
            tracing::info!(
                media = asset.id,
                ?widths,
                ms = started.elapsed().as_millis() as u64,
                "image copies made"
            );
        }),
        Err(Failure::Storage(reason)) => {
            tracing::warn!(media = asset.id, %reason, "image copies wait for the media storage");
            let until = chrono::Utc::now() + STORAGE_AWAY;
            if let Err(e) = store.postpone_media_job(asset.id, &reason, until).await {
                tracing::error!(media = asset.id, error = %e, "postponing image copies failed");
            }
            return false;
        }
        Err(Failure::Image(reason)) => {
            let retry = store
                .fail_media_job(asset.id, &reason, chrono::Utc::now())
                .await;
            tracing::warn!(media = asset.id, %reason, retry = ?retry.as_ref().ok(), "image copies failed");
            retry.map(drop)
        }
    };
    if let Err(e) = result {
        tracing::error!(media = asset.id, error = %e, "recording image copies failed");
    }
    true
}

/// Reads the original, scales and encodes its copies off the async threads
/// (CPU work), and stores them. Returns the widths made.
async fn make(media: &dyn BlobStore, asset: &MediaAsset) -> Result<Vec<u32>, Failure> {
    let original = media
        .get(&asset.file_name)
        .await
        .map_err(|e| Failure::Storage(format!("reading {}: {e}", asset.file_name)))?
        .ok_or_else(|| {
            Failure::Image(format!("{} is missing from media storage", asset.file_name))
        })?;
    let stem = asset.stem().to_owned();
    let copies =
        tokio::task::spawn_blocking(move || kiosque_media::make_variants(&original, &stem))
            .await
            .map_err(|e| Failure::Image(format!("image worker: {e}")))?
            .map_err(|e| Failure::Image(e.to_string()))?;
    let mut widths = Vec::new();
    for copy in copies {
        if !widths.contains(&copy.width) {
            widths.push(copy.width);
        }
        media
            .put(&copy.file_name, copy.bytes)
            .await
            .map_err(|e| Failure::Storage(format!("writing {}: {e}", copy.file_name)))?;
    }
    Ok(widths)
}
