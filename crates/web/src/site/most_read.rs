//! "Les plus lus": the articles read most in the last 24 hours, for the
//! front page and article pages. Read from the hour sums at most every few
//! minutes (one query for every page); pages showing it are cached like
//! any other, until the list may have changed.

use std::sync::Arc;
use std::time::{Duration, Instant};

use kiosque_core::model::Site;
use kiosque_core::model::audience::{By, Span, StatsQuery};
use kiosque_core::types::ArticleStatus;
use serde::Serialize;

use crate::{AppState, WebError};

/// How long a list is kept, and so how long a page showing it may be.
pub(crate) const REFRESH: Duration = Duration::from_secs(5 * 60);
/// Articles listed.
const SHOWN: usize = 5;

/// One article of the list.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct MostRead {
    id: i64,
    title: String,
    url: String,
}

/// The list as last read, with the count of writes it saw.
#[derive(Default)]
pub(crate) struct Memo {
    read: Option<(Instant, u64, Arc<Vec<MostRead>>)>,
}

/// The most read articles now (empty when nothing is counted).
pub(crate) async fn list(state: &AppState, site: &Site) -> Result<Arc<Vec<MostRead>>, WebError> {
    if state.tally.is_none() {
        return Ok(Arc::default());
    }
    let written = state
        .counts_written
        .load(std::sync::atomic::Ordering::Relaxed);
    // A full list is kept a few minutes; one still filling up (a new site,
    // the first readers of the day) follows each write of the counts.
    if let Ok(memo) = state.most_read.lock()
        && let Some((at, seen, list)) = &memo.read
        && at.elapsed() < REFRESH
        && (list.len() == SHOWN || *seen == written)
    {
        return Ok(list.clone());
    }
    let now = chrono::Utc::now().timestamp();
    let hour = now - now.rem_euclid(3600);
    let rows = state
        .reader()
        .stats(&StatsQuery {
            span: Span::Hour,
            from: hour - 23 * 3600,
            to: hour + 3600,
            by: By::Article,
            article: None,
            created_by: None,
            limit: 20,
        })
        .await?;
    let mut list = Vec::new();
    for row in rows {
        let Ok(id) = row.key.parse::<i64>() else {
            continue;
        };
        // Only what readers may open now (an article since unpublished
        // keeps its counts, not its place here).
        if let Some(article) = state.reader().article(id).await?
            && article.status == ArticleStatus::Published
        {
            list.push(MostRead {
                id,
                title: article.title.as_str().to_owned(),
                url: article.path(site),
            });
        }
        if list.len() == SHOWN {
            break;
        }
    }
    let list = Arc::new(list);
    // Nothing read yet (a new site, a server just started before its
    // first flush): asked again at the next page rather than in five
    // minutes.
    if !list.is_empty()
        && let Ok(mut memo) = state.most_read.lock()
    {
        memo.read = Some((Instant::now(), written, list.clone()));
    }
    Ok(list)
}
