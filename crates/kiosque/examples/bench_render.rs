//! The cost of rendering one page without the page cache, in process: the
//! real router asked for `PATH` N times in a row (as `kiosque
//! export-static` asks it), with the database of `DATA_DIR`. Prints the
//! median, 90th and 99th percentile and the mean, in microseconds. Each
//! request carries a query string, which the page cache lets through, so
//! every one is a render, as a miss is on the server.
//!
//! `cargo run --release -p kiosque --example bench_render -- DATA_DIR PATH [N]`
//! (`bench/pages.sh` runs it on the reference article).

use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use kiosque::Settings;
use kiosque::app::{open_search, open_store, require_site};
use kiosque_core::ports::Store;
use kiosque_web::AppState;
use kiosque_web::cache::PageCache;
use tower::ServiceExt as _;

#[tokio::main(flavor = "current_thread")]
async fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let (Some(data), Some(path)) = (args.next(), args.next()) else {
        anyhow::bail!("usage: bench_render DATA_DIR PATH [N]");
    };
    let n: usize = args.next().map_or(Ok(2000), |n| n.parse())?;
    let settings = Settings::load(data.as_ref(), None)?;
    let store = Arc::new(open_store(&settings).await?);
    let site = require_site(store.as_ref(), &settings).await?;
    let state = AppState::new(
        store.clone() as Arc<dyn Store>,
        settings.media_store()?,
        open_search(&settings, &site)?,
        Some(PageCache::new(64 << 20, store.latest_page_change().await?)),
        None,
        settings.web.clone(),
    )?;
    if std::env::var_os("KIOSQUE_BENCH_QUERIES").is_some() {
        queries(store.as_ref(), &path).await?;
    }
    let router = kiosque_web::router(state);
    let mut times = Vec::with_capacity(n);
    // The first renders warm SQLite's page cache and the statement caches.
    for i in 0..n + 50 {
        let started = Instant::now();
        let request = Request::get(format!("{path}?render")).body(Body::empty())?;
        let response = router.clone().oneshot(request).await?;
        anyhow::ensure!(
            response.status() == StatusCode::OK,
            "{path}: {}",
            response.status()
        );
        axum::body::to_bytes(response.into_body(), usize::MAX)
            .await
            .context("body")?;
        if i >= 50 {
            times.push(started.elapsed());
        }
    }
    times.sort();
    let at = |q: f64| times[((times.len() - 1) as f64 * q) as usize].as_micros();
    let mean = times.iter().sum::<Duration>().as_micros() / times.len() as u128;
    println!(
        "render {path}: median {} µs, p90 {} µs, p99 {} µs, mean {mean} µs over {n}",
        at(0.5),
        at(0.9),
        at(0.99)
    );
    Ok(())
}

/// With `KIOSQUE_BENCH_QUERIES` set: what the store calls of the page cost
/// on their own, each the mean of 1,000.
async fn queries(store: &dyn Store, path: &str) -> anyhow::Result<()> {
    let last = path
        .trim_end_matches('/')
        .rsplit('/')
        .next()
        .unwrap_or_default();
    let slug = kiosque_core::types::Slug::parse(last)?;
    let id = store
        .article_by_slug(&slug)
        .await?
        .context("no such article")?
        .id;
    mean_of("site()", || async { store.site().await.map(drop) }).await?;
    mean_of("article_by_slug()", || async {
        store.article_by_slug(&slug).await.map(drop)
    })
    .await?;
    mean_of("approved_comments()", || async {
        store.approved_comments(id).await.map(drop)
    })
    .await?;
    mean_of("latest_page_change() (a one-row query)", || async {
        store.latest_page_change().await.map(drop)
    })
    .await
}

/// Prints the mean time of 1,000 calls.
async fn mean_of<F, Fut>(name: &str, call: F) -> anyhow::Result<()>
where
    F: Fn() -> Fut,
    Fut: Future<Output = kiosque_core::Result<()>>,
{
    let started = Instant::now();
    for _ in 0..1000 {
        call().await?;
    }
    println!("{name}: {} µs", started.elapsed().as_micros() / 1000);
    Ok(())
}
