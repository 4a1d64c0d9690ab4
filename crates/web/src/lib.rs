//! Kiosque's HTTP layer — the only crate that knows axum.
//!
//! `site/` serves the public pages (home, article, category, author) and
//! takes reader comments; `error.rs` is the one place a failure becomes an
//! HTTP response; `security.rs` holds the checks every request passes
//! (cross-site form posts refused, security headers, client address).
//! Templates and assets are compiled into the binary.

mod admin;
mod api;
pub mod cache;
mod error;
mod health;
pub mod i18n;
mod images;
mod linger;
pub mod metrics;
pub mod newsletter;
mod rate_limit;
pub mod replica;
mod security;
pub(crate) mod site;
pub mod stats;
mod templates;

pub use templates::ThemeError;
mod ghost;
mod views;
mod wp;

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use kiosque_core::ports::Store;
use kiosque_media::BlobStore;
use tower_http::compression::CompressionLayer;

pub use api::{openapi, webhook_message};
pub use error::WebError;

/// What the HTTP layer can be tuned with.
#[derive(Debug, Clone)]
pub struct WebConfig {
    /// Comments one address may post in a burst.
    pub comment_burst: u32,
    /// After a burst, one more comment is allowed per this interval.
    pub comment_interval: Duration,
    /// Shortest time between two accepted comments from one address
    /// (zero: no such limit).
    pub comment_min_interval: Duration,
    /// Take the client address from `X-Forwarded-For` (only behind a proxy
    /// that sets it; otherwise anyone could pick their own address).
    pub behind_proxy: bool,
    /// Articles per list page.
    pub per_page: u32,
    /// Sign-in attempts one account may take in a burst, then one per
    /// `login_interval`; the same budget, ×4, applies per address.
    pub login_burst: u32,
    /// See `login_burst`.
    pub login_interval: Duration,
    /// How long a sign-in lasts.
    pub session_lifetime: Duration,
    /// What an uploaded image may weigh and measure.
    pub media_limits: kiosque_media::MediaLimits,
    /// Memory the page cache may hold (0: no cache).
    pub page_cache_bytes: u64,
    /// A theme directory whose templates and assets override the
    /// built-in ones (see docs/THEMES.md).
    pub theme_dir: Option<std::path::PathBuf>,
    /// API requests one token may make in a burst, then one per
    /// `api_interval`.
    pub api_burst: u32,
    /// See `api_burst`.
    pub api_interval: Duration,
    /// Web origins whose pages may call the API from a browser
    /// (`https://app.example.org`; `*` for any). Empty: none (the default).
    pub api_cors_origins: Vec<String>,
    /// Hosts webhooks may be registered for although they are not public
    /// addresses (`[webhooks] allow_hosts`).
    pub webhook_allow_hosts: Vec<String>,
    /// Memory of the audience counter's "already counted today" filter
    /// (0: page views are not counted).
    pub stats_memory_bytes: u64,
    /// Newsletter article links go through a first-party redirect that
    /// counts them (`[newsletter] count_clicks`; off by default).
    pub newsletter_clicks: bool,
    /// What a scraper other than this machine shows to read `/metrics`
    /// (`Authorization: Bearer …`); none: loopback only.
    pub metrics_token: Option<String>,
    /// Seals and opens the two-step keys kept in the database
    /// (`[security] totp_key_file`).
    pub secrets: std::sync::Arc<kiosque_core::service::secrets::SecretBox>,
}

impl Default for WebConfig {
    fn default() -> Self {
        WebConfig {
            comment_burst: 5,
            comment_interval: Duration::from_secs(60),
            comment_min_interval: Duration::from_secs(15),
            behind_proxy: false,
            per_page: 10,
            login_burst: 5,
            login_interval: Duration::from_secs(60),
            session_lifetime: Duration::from_secs(14 * 24 * 3600),
            media_limits: kiosque_media::MediaLimits::default(),
            page_cache_bytes: 64 * 1024 * 1024,
            theme_dir: None,
            // 600 a minute, 120 at once: a mobile app's start or a
            // scheduler's burst passes; a runaway loop is slowed.
            api_burst: 120,
            api_interval: Duration::from_millis(100),
            api_cors_origins: Vec::new(),
            webhook_allow_hosts: Vec::new(),
            stats_memory_bytes: 16 * 1024 * 1024,
            newsletter_clicks: false,
            metrics_token: None,
            // A key of the process's own: enough for a server whose
            // settings name none (tests); `kiosque` always names one.
            secrets: std::sync::Arc::new(ephemeral_secrets()),
        }
    }
}

fn ephemeral_secrets() -> kiosque_core::service::secrets::SecretBox {
    // Without randomness no secret could be made either; a fixed key here
    // would only weaken tests.
    kiosque_core::service::secrets::SecretBox::random().expect("the system's random source")
}

/// Shared by every request.
pub struct AppState {
    store: Arc<dyn Store>,
    mailer: Option<Arc<dyn kiosque_core::ports::Mailer>>,
    media: Arc<dyn BlobStore>,
    search: Arc<dyn kiosque_core::ports::Search>,
    templates: templates::Templates,
    translations: i18n::Translations,
    comment_limiter: rate_limit::SharedLimiter,
    /// Newsletter sign-ups per address.
    newsletter_limiter: rate_limit::Limiter<std::net::IpAddr>,
    /// The newsletter links' key, once read.
    newsletter_key: std::sync::OnceLock<kiosque_core::service::newsletter::LinkKey>,
    comment_flood: Option<rate_limit::SharedLimiter>,
    /// Comment posts being handled at once (see `site::article::post_comment`).
    comment_writes: tokio::sync::Semaphore,
    login_by_account: rate_limit::SharedLimiter,
    login_by_address: rate_limit::SharedLimiter,
    /// Requests per API token.
    api_limiter: rate_limit::Limiter<i64>,
    cache: Option<Arc<cache::PageCache>>,
    /// A hot standby for public pages, if configured (and the page cache
    /// is on: its position is what the replica must have reached).
    replica: std::sync::OnceLock<Arc<replica::Replica>>,
    /// Settings held for the whole run (see [`AppState::hold_site`]).
    held_site: std::sync::OnceLock<Arc<kiosque_core::model::Site>>,
    /// Page views counted in memory, if counting is on.
    tally: Option<Arc<stats::Tally>>,
    /// Off when the site counts with the beacon instead.
    count_on_server: std::sync::atomic::AtomicBool,
    /// Leave out readers who send DNT or Sec-GPC.
    honour_dnt: std::sync::atomic::AtomicBool,
    /// "Les plus lus", as last read.
    most_read: std::sync::Mutex<site::most_read::Memo>,
    /// Writes of the audience counts so far (the most-read list follows
    /// them while it fills up).
    counts_written: std::sync::atomic::AtomicU64,
    /// The whole router, for the beacon to ask which page a path is;
    /// released when the server stops ([`AppState::release`]).
    router: std::sync::Mutex<Option<Router>>,
    /// Requests counted and timed, and what `/metrics` reads.
    metrics: Arc<metrics::Metrics>,
    config: WebConfig,
}

impl AppState {
    /// Wires the store, media directory, search index, page cache (if
    /// any) and mailer (if e-mail is set up) to the HTTP layer.
    pub fn new(
        store: Arc<dyn Store>,
        media: Arc<dyn BlobStore>,
        search: Arc<dyn kiosque_core::ports::Search>,
        cache: Option<Arc<cache::PageCache>>,
        mailer: Option<Arc<dyn kiosque_core::ports::Mailer>>,
        config: WebConfig,
    ) -> Result<Arc<Self>, templates::ThemeError> {
        let templates = templates::Templates::load(config.theme_dir.as_deref())?;
        Ok(Arc::new(AppState {
            cache,
            store,
            mailer,
            media,
            search,
            templates,
            translations: i18n::Translations::load(),
            // Five sign-ups, then one a minute: a family on one address
            // passes, a script is slowed.
            newsletter_limiter: rate_limit::Limiter::new(5, Duration::from_secs(60)),
            newsletter_key: std::sync::OnceLock::new(),
            comment_limiter: rate_limit::SharedLimiter::new(
                "comment",
                config.comment_burst,
                config.comment_interval,
            ),
            comment_writes: tokio::sync::Semaphore::new(COMMENT_WRITES),
            comment_flood: (!config.comment_min_interval.is_zero()).then(|| {
                rate_limit::SharedLimiter::new("comment-flood", 1, config.comment_min_interval)
            }),
            login_by_account: rate_limit::SharedLimiter::new(
                "login-account",
                config.login_burst,
                config.login_interval,
            ),
            login_by_address: rate_limit::SharedLimiter::new(
                "login-address",
                config.login_burst.saturating_mul(4),
                config.login_interval / 4,
            ),
            api_limiter: rate_limit::Limiter::new(config.api_burst, config.api_interval),
            held_site: std::sync::OnceLock::new(),
            replica: std::sync::OnceLock::new(),
            tally: (config.stats_memory_bytes > 0)
                .then(|| Arc::new(stats::Tally::new(config.stats_memory_bytes))),
            count_on_server: std::sync::atomic::AtomicBool::new(true),
            honour_dnt: std::sync::atomic::AtomicBool::new(false),
            router: std::sync::Mutex::new(None),
            most_read: std::sync::Mutex::new(site::most_read::Memo::default()),
            counts_written: std::sync::atomic::AtomicU64::new(0),
            metrics: Arc::new(metrics::Metrics::new()),
            config,
        }))
    }

    /// Serves every request with these settings instead of reading them
    /// for each one: for a run that renders one snapshot of the site
    /// without a page cache to keep them (the static export), where they
    /// were two of the few queries of each page. The first call wins.
    pub fn hold_site(&self, site: kiosque_core::model::Site) {
        let _ = self.held_site.set(Arc::new(site));
    }

    /// Lets go of the router this state holds (which holds the state):
    /// called when the server stops.
    pub fn release(&self) {
        if let Ok(mut router) = self.router.lock() {
            *router = None;
        }
    }

    /// The audience counter, for the task that flushes it.
    pub fn tally(&self) -> Option<Arc<stats::Tally>> {
        self.tally.clone()
    }

    /// Follows the site's audience settings: its days, its host, whether
    /// the server counts (not with the beacon on) and whether DNT counts.
    pub fn follow_stats_settings(&self, site: &kiosque_core::model::Site) {
        use std::sync::atomic::Ordering;
        if let Some(tally) = &self.tally {
            let host = url::Url::parse(&site.base_url)
                .ok()
                .and_then(|u| u.host_str().map(str::to_owned))
                .unwrap_or_default();
            tally.configure(site.time_zone, &host);
        }
        self.count_on_server
            .store(!site.stats_beacon, Ordering::Relaxed);
        self.honour_dnt
            .store(site.stats_honour_dnt, Ordering::Relaxed);
    }
}

impl AppState {
    /// The operators' metrics, for the workers that add to them.
    pub fn metrics(&self) -> Arc<metrics::Metrics> {
        self.metrics.clone()
    }

    /// Says the audience counts were just written to the store.
    pub fn counts_were_written(&self) {
        self.counts_written
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    }

    /// Lets public pages read from `replica` when it has caught up (see
    /// [`replica`]); without a page cache there is no position to compare,
    /// so the replica is left unused.
    pub fn use_replica(&self, replica: Arc<replica::Replica>) -> bool {
        self.cache.is_some() && self.replica.set(replica).is_ok()
    }

    /// Where a public page's reads go: the replica when this is an
    /// anonymous read and it has replayed every change this server's cache
    /// has dropped, else the primary.
    pub(crate) fn reader(&self) -> &dyn Store {
        if let (Some(replica), Some(cache)) = (self.replica.get(), &self.cache)
            && let Some(store) = replica.for_read(cache.applied())
        {
            return store;
        }
        self.store.as_ref()
    }

    /// Interface strings of a language.
    fn strings(&self, locale: kiosque_core::types::Locale) -> &i18n::Strings {
        self.translations.get(locale)
    }
}

/// Comment posts handled at once; more wait their turn, in order.
const COMMENT_WRITES: usize = 16;

/// How long a comment post waits for its turn before a 503.
const COMMENT_WAIT: Duration = Duration::from_secs(5);

/// Largest request body: a comment form with its 5,000 characters fits
/// many times over; anything larger is refused before it is read.
const BODY_LIMIT: usize = 256 * 1024;

/// The whole public site: [`routes`], with the cache's hits answered in
/// front of them.
pub fn router(state: Arc<AppState>) -> Router {
    let app = routes(state.clone());
    // Pages the cache holds are answered before the routes are looked up.
    Router::new().fallback_service(cache::Front { state, router: app })
}

/// Every route with its layers (what [`router`] sends a request the cache
/// does not answer).
pub fn routes(state: Arc<AppState>) -> Router {
    // Layers wrap what is above them: the cross-site check runs before the
    // handlers, and the error-page renderer sees every error, its own included.
    // Room for the largest image allowed plus the form around it.
    let upload_limit = usize::try_from(state.config.media_limits.max_bytes)
        .unwrap_or(usize::MAX)
        .saturating_add(64 * 1024);
    let pages = site::routes()
        .merge(newsletter::routes())
        .merge(admin::routes(upload_limit))
        .layer(axum::middleware::from_fn(security::refuse_cross_site_posts))
        // Inside the error pages: it sees a handler's bare 404 and may
        // answer a 301 instead (an old address of a site that moved in).
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            site::redirects::old_addresses,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            error::render_error_pages,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            wp::discovery,
        ));
    // The API beside the pages, outside their cross-site check (it takes
    // no cookie: a token is not sent by a browser on its own) and their
    // HTML error pages (it answers JSON).
    let pages = pages
        .route("/stats/hit", axum::routing::get(stats::hit))
        .merge(newsletter::one_click())
        .merge(health::routes())
        .route("/metrics", axum::routing::get(metrics::scrape));
    let mut api = api::routes(upload_limit)
        .merge(wp::routes(state.clone(), upload_limit))
        .merge(ghost::routes());
    if !state.config.api_cors_origins.is_empty() {
        api = api.layer(api::cors(&state.config.api_cors_origins));
    }
    let app = pages
        .merge(api)
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .layer(axum::middleware::from_fn(linger::drain_unread_body))
        .layer(security::headers())
        // Inside compression: a page from the cache is already compressed
        // (and so left alone), any other response is compressed as before.
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            cache::serve,
        ))
        // Outside the cache: hits and 304s are page views too.
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            stats::count,
        ))
        .layer(CompressionLayer::new())
        // Outermost: every answer is counted and timed, whatever layer
        // gave it.
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            metrics::observe,
        ))
        .with_state(state.clone());
    if let Ok(mut held) = state.router.lock() {
        *held = Some(app.clone());
    }
    app
}
