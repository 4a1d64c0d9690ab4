//! Start-up: open the store, build the router, bind the socket. The tests
//! call this with port 0 and read back the real port.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;

use anyhow::Context;
use axum::Router;
use kiosque_core::model::Site;
use kiosque_core::ports::Store;
use kiosque_media::BlobStore;
use kiosque_search::{Follower, SearchIndex};
use kiosque_store::{SqlStore, StoreOptions};
use kiosque_web::AppState;
use kiosque_web::cache::PageCache;
use tokio::net::TcpListener;

use crate::config::Settings;

/// Opens the configured database, creating or migrating its schema.
pub async fn open_store(settings: &Settings) -> anyhow::Result<SqlStore> {
    open_store_with(settings, StoreOptions::default()).await
}

/// Opens the configured database with `options`.
pub async fn open_store_with(
    settings: &Settings,
    options: StoreOptions,
) -> anyhow::Result<SqlStore> {
    SqlStore::connect(&settings.database_url, options)
        .await
        .with_context(|| {
            format!(
                "cannot open the database {}",
                redact(&settings.database_url)
            )
        })
}

/// A database URL without its password, for messages.
pub fn redact(url: &str) -> String {
    match url.split_once("://") {
        Some((scheme, rest)) => match rest.split_once('@') {
            Some((credentials, host)) => {
                let user = credentials.split(':').next().unwrap_or_default();
                format!("{scheme}://{user}@{host}")
            }
            None => url.to_owned(),
        },
        None => url.to_owned(),
    }
}

/// The site of a store, or a message saying how to create one.
pub async fn require_site(store: &dyn Store, settings: &Settings) -> anyhow::Result<Site> {
    store.site().await?.with_context(|| {
        format!(
            "no site in {}: create one with `kiosque init --site-name \"…\" --language fr`",
            redact(&settings.database_url)
        )
    })
}

/// A bound, ready-to-run server.
pub struct Application {
    listener: TcpListener,
    router: Router,
    store: Arc<SqlStore>,
    media: Arc<dyn BlobStore>,
    search: Follower,
    cache: Option<Arc<PageCache>>,
    schedule_every: std::time::Duration,
    outbound: crate::outbound::Outbound,
    webhooks: crate::webhook_worker::WebhookWork,
    /// Writes the audience counts, if counting is on.
    stats: Option<Arc<crate::stats_worker::StatsWork>>,
    /// Released when the server stops (it holds the router).
    state: Arc<AppState>,
    /// Sends newsletters, if a mail server is set up.
    newsletter: Option<crate::newsletter::NewsletterWork>,
    /// The read replica public pages may read, if one is configured.
    replica: Option<Arc<kiosque_web::replica::Replica>>,
    /// Where CDN purges go, if anywhere.
    cdn_purge: Vec<crate::cdn::Target>,
    /// This server's name among those reporting how far their page cache
    /// has followed the change log (for the CDN purger): on PostgreSQL,
    /// where several servers share the log, or wherever a CDN is purged.
    follower_name: Option<String>,
    /// Tells the workers the server stops.
    stop: crate::stopping::Stop,
    stopping: crate::stopping::Stopping,
}

/// How long the workers have, once requests are done, to finish the job
/// they are on (a webhook call's own limit is 10 s by default).
const WORKERS_GRACE: std::time::Duration = std::time::Duration::from_secs(30);

/// Opens this server's search index for the site's language.
pub fn open_search(settings: &Settings, site: &Site) -> anyhow::Result<Arc<SearchIndex>> {
    let dir = settings.search_dir();
    Ok(Arc::new(
        SearchIndex::open(&dir, site.language)
            .with_context(|| format!("cannot open the search index in {}", dir.display()))?,
    ))
}

/// Seals with the current key every two-step key that is not (from before
/// keys were sealed, or under a previous key while rotating). A key this
/// server cannot open is the operator's to mend: said plainly, then the
/// server starts (the other accounts are unaffected).
async fn seal_two_step_keys(store: &SqlStore, settings: &Settings) -> anyhow::Result<()> {
    let keys = &settings.web.secrets;
    let report = kiosque_core::service::secrets::reseal_stored(store, keys)
        .await
        .context("cannot seal the two-step keys")?;
    if report.resealed > 0 {
        tracing::info!(
            accounts = report.resealed,
            key = keys.current_id(),
            "two-step keys sealed with the current key"
        );
    }
    for (account, problem) in &report.unreadable {
        tracing::error!(account, %problem, "a two-step key cannot be read");
    }
    Ok(())
}

/// Opens the read replica, if one is configured. A replica unreachable
/// at start is no reason not to serve: the primary answers until it is.
async fn open_replica(
    settings: &Settings,
    state: &AppState,
) -> anyhow::Result<Option<Arc<kiosque_web::replica::Replica>>> {
    let Some(url) = &settings.database_replica_url else {
        return Ok(None);
    };
    let store = SqlStore::connect_replica(url)
        .await
        .with_context(|| format!("cannot use the read replica {}", redact(url)))?;
    let replica = kiosque_web::replica::Replica::new(Arc::new(store));
    if !state.use_replica(replica.clone()) {
        tracing::warn!(
            "database_replica_url is left unused: the page cache is off ([cache] max_bytes = 0)"
        );
        return Ok(None);
    }
    Ok(Some(replica))
}

impl Application {
    /// Opens everything and binds `listen` (port 0 picks a free port).
    pub async fn build(settings: &Settings, listen: SocketAddr) -> anyhow::Result<Self> {
        let store = Arc::new(open_store(settings).await?);
        let site = require_site(store.as_ref(), settings).await?;
        let mailer: Option<Arc<dyn kiosque_core::ports::Mailer>> = match &settings.smtp {
            Some(smtp) => Some(Arc::new(crate::mailer::SmtpMailer::new(
                smtp,
                &settings.newsletter,
            )?)),
            None => None,
        };
        seal_two_step_keys(store.as_ref(), settings).await?;
        let media = settings.media_store()?;
        let search = open_search(settings, &site)?;
        let follower = Follower::new(search.clone(), store.clone());
        // Searches are complete from the first request: a new index is
        // built before serving (once; later starts only apply the changes
        // logged meanwhile). If the database fails here, the follower
        // keeps trying in the background.
        if let Err(e) = follower.catch_up().await {
            tracing::warn!(error = %e, "search index not brought up to date at start");
        }
        let cache = match settings.web.page_cache_bytes {
            0 => None,
            bytes => Some(PageCache::new(bytes, store.latest_page_change().await?)),
        };
        let state = AppState::new(
            store.clone(),
            media.clone(),
            search.clone(),
            cache.clone(),
            mailer,
            settings.web.clone(),
        )?;
        state.follow_stats_settings(&site);
        let replica = open_replica(settings, &state).await?;
        let stats = state.tally().map(|tally| {
            Arc::new(crate::stats_worker::StatsWork {
                state: state.clone(),
                tally,
                store: store.clone(),
                every: settings.stats.flush,
                retention: settings.stats.retention,
                server: crate::stats_worker::server_name(),
            })
        });
        let outbound = crate::outbound::Outbound::new(
            settings.webhooks.allow_hosts.clone(),
            settings.webhooks.timeout,
        )
        .context("cannot build the HTTP client for webhooks")?;
        let listener = TcpListener::bind(listen)
            .await
            .with_context(|| format!("cannot listen on {listen}"))?;
        tracing::info!(
            site = %site.name,
            address = %listener.local_addr()?,
            "serving"
        );
        let (stop, stopping) = crate::stopping::Stopping::new();
        let newsletter = settings
            .newsletter
            .smtp
            .clone()
            .or_else(|| settings.smtp.clone())
            .map(|smtp| crate::newsletter::NewsletterWork {
                state: state.clone(),
                store: store.clone() as Arc<dyn Store>,
                settings: settings.newsletter.clone(),
                smtp,
                every: settings
                    .schedule_every
                    .max(std::time::Duration::from_secs(1)),
                stopping: stopping.clone(),
            });
        Ok(Application {
            newsletter,
            listener,
            router: kiosque_web::router(state.clone()),
            state,
            store,
            media,
            search: follower,
            cache,
            schedule_every: settings.schedule_every,
            outbound,
            webhooks: crate::webhook_worker::WebhookWork {
                retry: settings.webhooks.retry.clone(),
                every: settings.schedule_every,
            },
            stats,
            replica,
            cdn_purge: settings.cdn_purge.clone(),
            follower_name: (!settings.cdn_purge.is_empty()
                || settings.database_url.starts_with("postgres"))
            .then(follower_name),
            stop,
            stopping,
        })
    }

    /// The state every request shares (for tests and tools that build a
    /// router of their own on it).
    pub fn state(&self) -> Arc<AppState> {
        self.state.clone()
    }

    /// This server's page cache, if it has one.
    pub fn page_cache(&self) -> Option<Arc<PageCache>> {
        self.cache.clone()
    }

    /// The address actually bound.
    pub fn local_addr(&self) -> SocketAddr {
        self.listener
            .local_addr()
            .expect("a bound listener has an address")
    }

    /// Serves until `shutdown` completes, then lets requests in flight
    /// finish, then the workers' jobs under way (see [`crate::stopping`]).
    pub async fn run_until(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> anyhow::Result<()> {
        let mut jobs = vec![
            crate::scheduler::spawn(
                self.store.clone(),
                self.schedule_every,
                self.state.metrics(),
                self.stopping.clone(),
            ),
            crate::media_worker::spawn(
                self.store.clone(),
                self.media,
                self.schedule_every,
                self.stopping.clone(),
            ),
            crate::webhook_worker::spawn(
                self.store.clone(),
                self.outbound,
                self.webhooks,
                self.stopping.clone(),
            ),
        ];
        jobs.extend(self.newsletter.clone().map(crate::newsletter::spawn));
        if !self.cdn_purge.is_empty() {
            jobs.push(crate::cdn::spawn(
                self.store.clone(),
                self.cdn_purge,
                self.stopping.clone(),
            ));
        }
        let search = tokio::spawn(self.search.run());
        let replica = self.replica.map(|r| tokio::spawn(r.watch()));
        let stats = self.stats.clone().map(crate::stats_worker::spawn);
        let pages = self.cache.clone().map(|cache| {
            tokio::spawn(kiosque_web::cache::follow(
                cache,
                self.store.clone() as Arc<dyn Store>,
                self.follower_name,
            ))
        });
        let served = axum::serve(
            self.listener,
            self.router
                .into_make_service_with_connect_info::<SocketAddr>(),
        )
        .with_graceful_shutdown(shutdown)
        .await;
        tracing::info!("requests finished; waiting for the background jobs under way");
        self.stop.now();
        let aborts: Vec<_> = jobs
            .iter()
            .map(tokio::task::JoinHandle::abort_handle)
            .collect();
        let finished = tokio::time::timeout(WORKERS_GRACE, async {
            for job in jobs {
                let _ = job.await;
            }
        })
        .await;
        if finished.is_err() {
            tracing::warn!(
                "background jobs still running after {} s: stopped",
                WORKERS_GRACE.as_secs()
            );
            for job in aborts {
                job.abort();
            }
        }
        search.abort();
        for task in [pages, replica].into_iter().flatten() {
            task.abort();
        }
        if let Some(stats) = stats {
            stats.abort();
        }
        // The last seconds' counts are written before the database closes.
        if let Some(work) = &self.stats {
            work.flush().await;
        }
        self.state.release();
        self.store.close().await;
        Ok(served?)
    }
}

/// Completes on Ctrl-C or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
    tracing::info!("stopping");
}

/// A name for this server process among the page-cache followers: random,
/// so two servers on one machine, or a restart, never share one.
fn follower_name() -> String {
    let mut bytes = [0u8; 8];
    // Without randomness the name is the process id: unique on one host.
    if getrandom::fill(&mut bytes).is_err() {
        return format!("pid-{}", std::process::id());
    }
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
