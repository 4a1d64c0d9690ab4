//! Memory of the audience counter under a day of distinct pages and
//! readers: `bench/pages.sh` runs it with 1,000,000 views, each of another
//! path from another address, flushing every 2,000 views (a server taking
//! 400 views a second and flushing every five seconds), and prints the
//! process's resident memory as the day goes on.
//!
//!     cargo run --release --example bench_tally -- 1000000

use std::net::IpAddr;
use std::sync::Arc;

use kiosque_core::model::audience::{Device, Source};
use kiosque_core::service::audience;
use kiosque_web::stats::{Tally, View};

fn rss_kb() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}

fn main() {
    let views: u64 = std::env::args()
        .nth(1)
        .and_then(|n| n.parse().ok())
        .unwrap_or(1_000_000);
    let before = rss_kb();
    // The default: 16 MB for telling today's visitors apart.
    let tally = Tally::new(16 * 1024 * 1024);
    let title: Arc<str> = Arc::from("Un titre d'article de longueur ordinaire pour la mesure");
    let start = chrono::Utc::now();
    let started = std::time::Instant::now();
    let mut flushed_cells = 0usize;
    println!("{:>10} {:>10} {:>14}", "views", "RSS MB", "readers now");
    for i in 0..views {
        let path = format!("/2026/12/03/article-numero-{i}/");
        let address = IpAddr::from((0x0a00_0000u32 + (i as u32)).to_be_bytes());
        tally.record(&View {
            path: &path,
            title: &title,
            article: Some(i as i64),
            source: Source::known(Source::DIRECT),
            device: Device::Phone,
            address,
            user_agent: "Mozilla/5.0 (Linux; Android 14) AppleWebKit/537.36 Mobile Safari/537.36",
            at: start + chrono::Duration::milliseconds((i * 2) as i64),
        });
        if i % 2000 == 1999 {
            // What the worker does at each flush.
            flushed_cells += tally.take().cells.len();
            let _ = tally.live(start + chrono::Duration::milliseconds((i * 2) as i64));
        }
        if (i + 1) % (views / 10).max(1) == 0 {
            println!(
                "{:>10} {:>10.1} {:>14}",
                i + 1,
                (rss_kb().saturating_sub(before)) as f64 / 1024.0,
                tally.held().1
            );
        }
    }
    // What the counting layer adds to one reader's request for a cached
    // page: the robot check, the source, the screen, and the count.
    let ua = "Mozilla/5.0 (Linux; Android 14; SM-A155F) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36";
    let counted = Tally::new(16 * 1024 * 1024);
    counted.configure(kiosque_core::model::Tz::UTC, "journal.example");
    let n = 1_000_000u32;
    let timed = std::time::Instant::now();
    for i in 0..n {
        let Some(device) = counted.classify(ua) else {
            continue;
        };
        counted.record(&View {
            path: "/2026/12/03/le-papier-du-jour/",
            title: &title,
            article: Some(1),
            source: audience::source(Some("https://www.google.fr/"), None, "journal.example"),
            device,
            address: IpAddr::from((0x0a00_0000u32 + (i % 5000)).to_be_bytes()),
            user_agent: ua,
            at: start,
        });
    }
    println!(
        "one reader's view of a cached page, as the layer counts it: {:.0} ns",
        timed.elapsed().as_nanos() as f64 / f64::from(n)
    );
    let live = tally.live(start + chrono::Duration::milliseconds((views * 2) as i64));
    println!(
        "{views} views in {:.1} s ({:.0} ns each); {flushed_cells} cells flushed; readers in the last 30 minutes remembered: {}",
        started.elapsed().as_secs_f64(),
        started.elapsed().as_nanos() as f64 / views as f64,
        live.readers_30
    );
}
