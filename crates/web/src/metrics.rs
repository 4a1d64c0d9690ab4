//! What operators watch: every request counted and timed by the kind of
//! page it asked for, given an id that its log lines carry and its answer
//! returns (`X-Request-Id`), and `/metrics` in the OpenMetrics text format
//! Prometheus scrapes — the counts kept here, the page cache's, and what
//! is read at each scrape (queues, the connection pool, how far the search
//! index and the page cache trail the database's change logs).
//!
//! `/metrics` answers the machine itself (loopback) and, elsewhere, only a
//! request bearing the configured token: queue lengths and traffic are not
//! the public's business.

use std::fmt::Write as _;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::Response;
use prometheus_client::collector::Collector;
use prometheus_client::encoding::{
    DescriptorEncoder, EncodeLabelSet, EncodeLabelValue, EncodeMetric, LabelValueEncoder,
};
use prometheus_client::metrics::counter::{ConstCounter, Counter};
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::ConstGauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;
use tracing::Instrument;

use crate::AppState;
use crate::health::plain;

/// What a request asked for, read from its path: few enough values for a
/// label (a path would make one series per article).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Kind {
    Page,
    Feed,
    Sitemap,
    Search,
    Media,
    Asset,
    Admin,
    Api,
    Wordpress,
    Ghost,
    Newsletter,
    Beacon,
    Probe,
}

impl Kind {
    fn of(path: &str, query: Option<&str>) -> Kind {
        let first = path.trim_start_matches('/').split('/').next().unwrap_or("");
        match first {
            "admin" => Kind::Admin,
            "api" => Kind::Api,
            "wp-json" => Kind::Wordpress,
            "ghost" => Kind::Ghost,
            "media" | "wp-content" => Kind::Media,
            "assets" | "favicon.ico" | "robots.txt" => Kind::Asset,
            "newsletter" => Kind::Newsletter,
            "stats" => Kind::Beacon,
            "healthz" | "readyz" | "metrics" => Kind::Probe,
            "search" => Kind::Search,
            _ if first.starts_with("sitemap") || first == "sitemaps" => Kind::Sitemap,
            _ if path.ends_with("/feed/") || path.ends_with("/feed") => Kind::Feed,
            _ if query.is_some_and(|q| q.contains("rest_route=")) => Kind::Wordpress,
            _ => Kind::Page,
        }
    }

    fn name(self) -> &'static str {
        match self {
            Kind::Page => "page",
            Kind::Feed => "feed",
            Kind::Sitemap => "sitemap",
            Kind::Search => "search",
            Kind::Media => "media",
            Kind::Asset => "asset",
            Kind::Admin => "admin",
            Kind::Api => "api",
            Kind::Wordpress => "wordpress",
            Kind::Ghost => "ghost",
            Kind::Newsletter => "newsletter",
            Kind::Beacon => "beacon",
            Kind::Probe => "probe",
        }
    }
}

impl EncodeLabelValue for Kind {
    fn encode(&self, encoder: &mut LabelValueEncoder) -> Result<(), std::fmt::Error> {
        encoder.write_str(self.name())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
struct Answered {
    kind: Kind,
    status: u16,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
struct Asked {
    kind: Kind,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
struct Outcome {
    outcome: &'static str,
}

type Timings = Family<Asked, Histogram, fn() -> Histogram>;

fn timing() -> Histogram {
    // 0.25 ms to about 8 s: a page from the cache to a slow export.
    Histogram::new(exponential_buckets(0.000_25, 2.0, 16))
}

/// The counts kept in memory, and the readings taken at each scrape.
pub struct Metrics {
    registry: Registry,
    requests: Family<Answered, Counter>,
    timings: Timings,
    scheduler: Family<Outcome, Counter>,
    readings: Arc<Readings>,
    /// This process's requests so far: the second half of a request id.
    next_id: AtomicU64,
    /// The first half: tells two servers' (or two runs') ids apart.
    instance: u32,
}

impl Default for Metrics {
    fn default() -> Self {
        Metrics::new()
    }
}

impl Metrics {
    /// A registry with every metric declared.
    pub fn new() -> Metrics {
        let mut registry = Registry::with_prefix("kiosque");
        let requests = Family::<Answered, Counter>::default();
        registry.register(
            "http_requests",
            "Requests answered, by the kind of page asked for and the status",
            requests.clone(),
        );
        let timings: Timings = Family::new_with_constructor(timing);
        registry.register_with_unit(
            "http_request_duration",
            "Time from the request's arrival to its answer's headers",
            prometheus_client::registry::Unit::Seconds,
            timings.clone(),
        );
        let scheduler = Family::<Outcome, Counter>::default();
        registry.register(
            "scheduler_runs",
            "Passes of the publication scheduler, by outcome",
            scheduler.clone(),
        );
        let readings = Arc::new(Readings::default());
        registry.register_collector(Box::new(readings.clone()));
        // Not a secret: only tells this run's ids from another's.
        let started = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap_or_default();
        let instance = started.subsec_nanos() ^ std::process::id().rotate_left(16);
        Metrics {
            registry,
            requests,
            timings,
            scheduler,
            readings,
            next_id: AtomicU64::new(1),
            instance,
        }
    }

    /// Notes one pass of the publication scheduler.
    pub fn scheduler_ran(&self, ok: bool) {
        self.scheduler
            .get_or_create(&Outcome {
                outcome: if ok { "ok" } else { "failed" },
            })
            .inc();
    }

    fn request_id(&self) -> String {
        let n = self.next_id.fetch_add(1, Ordering::Relaxed);
        format!("{:08x}-{n:x}", self.instance)
    }

    fn record(&self, kind: Kind, status: StatusCode, started: Instant) {
        self.timings
            .get_or_create(&Asked { kind })
            .observe(started.elapsed().as_secs_f64());
        self.requests
            .get_or_create(&Answered {
                kind,
                status: status.as_u16(),
            })
            .inc();
    }
}

/// Counts and times each request, under an id of its own.
pub(crate) async fn observe(
    State(state): State<Arc<AppState>>,
    request: Request,
    next: Next,
) -> Response {
    let started = Instant::now();
    let kind = Kind::of(request.uri().path(), request.uri().query());
    let id =
        given_id(&request, state.config.behind_proxy).unwrap_or_else(|| state.metrics.request_id());
    let span = tracing::info_span!("request", id = %id, method = %request.method(), path = %request.uri().path());
    let mut response = next.run(request).instrument(span).await;
    state.metrics.record(kind, response.status(), started);
    name(&mut response, id);
    response
}

fn name(response: &mut Response, id: String) {
    if let Ok(value) = HeaderValue::try_from(id) {
        response.headers_mut().insert("x-request-id", value);
    }
}

/// Counts, times and names a page answered from the cache before routing
/// (`crate::cache::front`), as [`observe`] does every other answer.
pub(crate) fn observed_hit(
    state: &AppState,
    request: &Request,
    response: &mut Response,
    started: Instant,
) {
    let kind = Kind::of(request.uri().path(), request.uri().query());
    state.metrics.record(kind, response.status(), started);
    let id =
        given_id(request, state.config.behind_proxy).unwrap_or_else(|| state.metrics.request_id());
    name(response, id);
}

/// The id a proxy in front gave the request, if Kiosque trusts it (as it
/// trusts its `X-Forwarded-For`) and it is a plain token.
fn given_id(request: &Request, behind_proxy: bool) -> Option<String> {
    if !behind_proxy {
        return None;
    }
    let id = request.headers().get("x-request-id")?.to_str().ok()?;
    let plain = !id.is_empty()
        && id.len() <= 64
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b':'));
    plain.then(|| id.to_owned())
}

/// `GET /metrics`.
pub(crate) async fn scrape(State(state): State<Arc<AppState>>, request: Request) -> Response {
    let connection = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .cloned();
    let client =
        crate::security::client_ip(request.headers(), connection, state.config.behind_proxy);
    if !allowed(&state, client.is_loopback(), request.headers()) {
        return plain(
            StatusCode::FORBIDDEN,
            "Metrics are read from this machine, or with the token of [metrics] token_file.\n"
                .to_owned(),
        );
    }
    state.metrics.readings.take(&state).await;
    let mut body = String::with_capacity(8 * 1024);
    if prometheus_client::encoding::text::encode(&mut body, &state.metrics.registry).is_err() {
        return plain(
            StatusCode::INTERNAL_SERVER_ERROR,
            "cannot encode the metrics\n".to_owned(),
        );
    }
    let mut response = plain(StatusCode::OK, body);
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/openmetrics-text; version=1.0.0; charset=utf-8"),
    );
    response
}

fn allowed(state: &AppState, loopback: bool, headers: &axum::http::HeaderMap) -> bool {
    if loopback {
        return true;
    }
    let Some(token) = state.config.metrics_token.as_deref() else {
        return false;
    };
    let given = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or("");
    kiosque_core::service::auth::same_secret(given, token)
}

/// What each scrape reads afresh: the page cache's counters, the queues
/// and the pool, the followers' lag.
#[derive(Debug, Default)]
struct Readings(Mutex<Reading>);

#[derive(Debug, Default, Clone)]
struct Reading {
    cache: Option<CacheReading>,
    /// None when the database could not say.
    queues: Option<Vec<kiosque_core::model::QueueStatus>>,
    pool: kiosque_core::model::PoolStatus,
    search_lag: Option<i64>,
    search_following: bool,
    pages_lag: Option<i64>,
    replica: Option<ReplicaReading>,
    resident_bytes: Option<u64>,
}

#[derive(Debug, Default, Clone)]
struct ReplicaReading {
    answered: u64,
    held_back: u64,
    /// None when the primary could not say where its log is.
    lag: Option<i64>,
}

#[derive(Debug, Default, Clone)]
struct CacheReading {
    hits: u64,
    misses: u64,
    evictions: u64,
    pages: u64,
    bytes: u64,
    capacity: u64,
}

impl Readings {
    async fn take(&self, state: &AppState) {
        let now = chrono::Utc::now();
        let mut reading = Reading {
            cache: state.cache.as_ref().map(|cache| {
                let counts = cache.counts();
                let (pages, bytes) = cache.usage();
                CacheReading {
                    hits: counts.hits.load(Ordering::Relaxed),
                    misses: counts.misses.load(Ordering::Relaxed),
                    evictions: counts.evictions.load(Ordering::Relaxed),
                    pages: pages as u64,
                    bytes,
                    capacity: cache.capacity(),
                }
            }),
            pool: state.store.pool_status(),
            ..Reading::default()
        };
        reading.queues = state
            .store
            .queues(now)
            .await
            .inspect_err(|e| tracing::warn!(error = %e, "metrics: cannot read the queues"))
            .ok();
        let search = state.search.clone();
        let (applied, following) =
            tokio::task::spawn_blocking(move || (search.applied_change(), search.ready()))
                .await
                .unwrap_or((None, false));
        reading.search_following = following;
        if let (Some(applied), Ok((latest, _))) =
            (applied, state.store.search_change_bounds().await)
        {
            reading.search_lag = Some((latest - applied).max(0));
        }
        let latest = state.store.latest_page_change().await.ok();
        if let (Some(cache), Some(latest)) = (&state.cache, latest) {
            reading.pages_lag = Some((latest - cache.applied()).max(0));
        }
        reading.replica = state.replica.get().map(|replica| ReplicaReading {
            answered: replica.answered.load(Ordering::Relaxed),
            held_back: replica.held_back.load(Ordering::Relaxed),
            lag: latest.map(|latest| (latest - replica.replayed()).max(0)),
        });
        reading.resident_bytes = resident_bytes();
        *self.0.lock().unwrap_or_else(|e| e.into_inner()) = reading;
    }
}

/// This process's resident memory, from Linux's `/proc` (none elsewhere).
fn resident_bytes() -> Option<u64> {
    let statm = std::fs::read_to_string("/proc/self/statm").ok()?;
    let pages: u64 = statm.split_whitespace().nth(1)?.parse().ok()?;
    // Linux's pages are 4 KiB on the machines Kiosque targets (x86-64,
    // arm64 with 4 KiB pages); reading the real size needs libc.
    Some(pages * 4096)
}

fn counter(
    encoder: &mut DescriptorEncoder,
    name: &str,
    help: &str,
    value: u64,
) -> std::fmt::Result {
    let metric = ConstCounter::new(value);
    metric.encode(encoder.encode_descriptor(name, help, None, metric.metric_type())?)
}

fn gauge(encoder: &mut DescriptorEncoder, name: &str, help: &str, value: i64) -> std::fmt::Result {
    let metric = ConstGauge::new(value);
    metric.encode(encoder.encode_descriptor(name, help, None, metric.metric_type())?)
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
struct QueueLabel {
    queue: &'static str,
}

/// One gauge with a series per queue.
fn per_queue(
    encoder: &mut DescriptorEncoder,
    name: &str,
    help: &str,
    unit: Option<&prometheus_client::registry::Unit>,
    queues: &[kiosque_core::model::QueueStatus],
    value: fn(&kiosque_core::model::QueueStatus) -> u64,
) -> std::fmt::Result {
    let mut family = encoder.encode_descriptor(
        name,
        help,
        unit,
        prometheus_client::metrics::MetricType::Gauge,
    )?;
    for q in queues {
        let label = QueueLabel {
            queue: q.queue.name(),
        };
        ConstGauge::new(value(q) as i64).encode(family.encode_family(&label)?)?;
    }
    Ok(())
}

impl Collector for Readings {
    fn encode(&self, mut encoder: DescriptorEncoder) -> std::fmt::Result {
        let r = self.0.lock().unwrap_or_else(|e| e.into_inner()).clone();
        let e = &mut encoder;
        if let Some(c) = &r.cache {
            counter(
                e,
                "page_cache_hits",
                "Page cache lookups that found a page",
                c.hits,
            )?;
            counter(
                e,
                "page_cache_misses",
                "Page cache lookups that found none",
                c.misses,
            )?;
            counter(
                e,
                "page_cache_evictions",
                "Pages dropped to make room",
                c.evictions,
            )?;
            gauge(e, "page_cache_pages", "Pages held", c.pages as i64)?;
            gauge(
                e,
                "page_cache_bytes",
                "What the pages held weigh",
                c.bytes as i64,
            )?;
            gauge(
                e,
                "page_cache_capacity_bytes",
                "The most the pages may weigh",
                c.capacity as i64,
            )?;
        }
        gauge(
            e,
            "db_pool_connections",
            "Database connections open",
            i64::from(r.pool.open),
        )?;
        gauge(
            e,
            "db_pool_idle_connections",
            "Database connections open and idle",
            i64::from(r.pool.idle),
        )?;
        gauge(
            e,
            "db_pool_max_connections",
            "Most database connections the pool opens",
            i64::from(r.pool.max),
        )?;
        if let Some(queues) = &r.queues {
            per_queue(
                e,
                "queue_jobs",
                "Background jobs waiting (due now or retrying later)",
                None,
                queues,
                |q| q.waiting,
            )?;
            per_queue(
                e,
                "queue_oldest_due",
                "How long the most overdue job of a queue has waited past its time",
                Some(&prometheus_client::registry::Unit::Seconds),
                queues,
                |q| q.oldest_due_seconds,
            )?;
        }
        gauge(
            e,
            "search_index_following",
            "1 when the search index is built and following the database",
            i64::from(r.search_following),
        )?;
        if let Some(lag) = r.search_lag {
            gauge(
                e,
                "search_index_lag_changes",
                "Changes logged that the search index has not applied yet",
                lag,
            )?;
        }
        if let Some(lag) = r.pages_lag {
            gauge(
                e,
                "page_cache_lag_changes",
                "Page changes logged that this server's cache has not applied yet",
                lag,
            )?;
        }
        if let Some(replica) = &r.replica {
            counter(
                e,
                "replica_reads",
                "Queries of public pages the read replica answered",
                replica.answered,
            )?;
            counter(
                e,
                "replica_held_back_reads",
                "Queries of public pages sent to the primary: the replica had not replayed a change this server's cache had applied, or was unreachable",
                replica.held_back,
            )?;
            if let Some(lag) = replica.lag {
                gauge(
                    e,
                    "replica_lag_changes",
                    "Page changes logged on the primary that the read replica has not replayed yet",
                    lag,
                )?;
            }
        }
        if let Some(bytes) = r.resident_bytes {
            let metric = ConstGauge::new(bytes as i64);
            metric.encode(e.encode_descriptor(
                "process_resident_memory",
                "Resident memory of this server",
                Some(&prometheus_client::registry::Unit::Bytes),
                metric.metric_type(),
            )?)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_come_from_the_path() {
        assert_eq!(Kind::of("/", None), Kind::Page);
        assert_eq!(Kind::of("/2026/12/budget/", None), Kind::Page);
        assert_eq!(Kind::of("/feed/", None), Kind::Feed);
        assert_eq!(Kind::of("/category/afrique/feed/", None), Kind::Feed);
        assert_eq!(Kind::of("/sitemap.xml", None), Kind::Sitemap);
        assert_eq!(Kind::of("/admin/articles", None), Kind::Admin);
        assert_eq!(Kind::of("/wp-json/wp/v2/posts", None), Kind::Wordpress);
        assert_eq!(
            Kind::of("/", Some("rest_route=/wp/v2/posts")),
            Kind::Wordpress
        );
        assert_eq!(Kind::of("/metrics", None), Kind::Probe);
    }

    #[test]
    fn request_ids_differ() {
        let metrics = Metrics::new();
        assert_ne!(metrics.request_id(), metrics.request_id());
    }
}
