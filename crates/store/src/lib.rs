//! Kiosque's [`Store`](kiosque_core::ports::Store) over SQL, for SQLite (the
//! embedded default) and PostgreSQL (several app servers).
//!
//! Both backends go through sqlx's `Any` driver, so each query is written once
//! and runs on both: the SQL sticks to what the two dialects share (`$n`
//! parameters, `ON CONFLICT`, `RETURNING`, integer times). Where they differ
//! — table definitions, transaction start — the dialect is chosen here, and
//! migrations are kept per dialect under `migrations/`. Parity is proved by
//! one conformance suite run against both (`tests/conformance.rs`).
//!
//! This crate knows nothing of HTTP or templates.

mod accounts;
mod articles;
mod audience;
mod authors;
mod backup;
mod comments;
mod desk;
mod front;
mod imports;
mod media;
mod menus;
mod migrations;
mod newsletters;
mod operations;
mod page_changes;
mod pages;
mod published;
mod purges;
mod rows;
mod search;
mod site;
mod sitemaps;
mod store_impl;
mod taxonomy;
mod throttles;
mod tokens;
mod webhooks;

pub use backup::{Cell, LEFT_OUT, Restore, Snapshot, TABLES, Table};
pub use migrations::SCHEMA_VERSION;

use std::str::FromStr;
use std::time::Duration;

use kiosque_core::{Error, Result};
use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::{Any, AnyPool, Transaction};

/// Which SQL engine is behind a store.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// Embedded SQLite file (WAL journal).
    Sqlite,
    /// PostgreSQL server.
    Postgres,
}

impl Backend {
    /// Picks the backend from a database URL's scheme.
    pub fn from_url(url: &str) -> Result<Self> {
        if url.starts_with("sqlite:") {
            Ok(Backend::Sqlite)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Ok(Backend::Postgres)
        } else {
            Err(Error::invalid("database_url", "unsupported_database"))
        }
    }
}

/// The SQL store: a connection pool and the dialect it speaks.
#[derive(Debug, Clone)]
pub struct SqlStore {
    pool: AnyPool,
    backend: Backend,
    /// Shared by clones, which share the pool.
    totals: std::sync::Arc<std::sync::Mutex<articles::ListTotals>>,
}

/// Options for opening a store.
#[derive(Debug, Clone)]
pub struct StoreOptions {
    /// Most connections the pool opens.
    pub max_connections: u32,
    /// A bulk load (an import): commits do not wait for the disk — SQLite
    /// `synchronous = NORMAL` (still crash-safe in WAL mode), PostgreSQL
    /// `synchronous_commit = off` (likewise) — so the last commits may be
    /// lost in a power cut until [`SqlStore::make_durable`], which the
    /// loader calls before it reports success. A few syncs instead of ten
    /// per imported post.
    pub bulk_load: bool,
    /// Bring the schema up to this version only, not the latest: a restore
    /// loads an older backup into the schema it was made with, then
    /// [`SqlStore::migrate`] takes the restored rows through the rest.
    pub schema_version: Option<i64>,
    /// Statements are expected to run long (a backup streams whole tables
    /// through one): no "slow statement" warnings.
    pub long_statements: bool,
    /// How long a query waits for a connection before it fails (the
    /// database restarting, or swamped): never an endless hang.
    pub acquire_timeout: Duration,
}

impl Default for StoreOptions {
    fn default() -> Self {
        StoreOptions {
            max_connections: 8,
            bulk_load: false,
            schema_version: None,
            long_statements: false,
            acquire_timeout: Duration::from_secs(5),
        }
    }
}

impl SqlStore {
    /// Opens the database at `url` (`sqlite://path?mode=rwc` or
    /// `postgres://…`) and brings its schema up to date.
    pub async fn connect(url: &str, options: StoreOptions) -> Result<Self> {
        let store = Self::open_pool(url, &options, false).await?;
        migrations::run(&store.pool, store.backend, options.schema_version).await?;
        Ok(store)
    }

    /// Opens a PostgreSQL hot standby at `url` for reads: its schema is
    /// the primary's, replayed, so nothing is migrated (it could not be).
    pub async fn connect_replica(url: &str) -> Result<Self> {
        if Backend::from_url(url)? != Backend::Postgres {
            return Err(Error::invalid(
                "database_replica_url",
                "unsupported_database",
            ));
        }
        // Connected on first use: a standby away at start is no reason not
        // to serve (the primary answers meanwhile).
        // A standby away fails its queries within a second: the page is
        // read again from the primary (`kiosque_web::replica`).
        let options = StoreOptions {
            acquire_timeout: Duration::from_secs(1),
            ..StoreOptions::default()
        };
        Self::open_pool(url, &options, true).await
    }

    async fn open_pool(url: &str, options: &StoreOptions, lazy: bool) -> Result<Self> {
        sqlx::any::install_default_drivers();
        let backend = Backend::from_url(url)?;
        let bulk_load = match (options.bulk_load, backend) {
            (false, _) => None,
            (true, Backend::Sqlite) => Some("PRAGMA synchronous = NORMAL"),
            (true, Backend::Postgres) => Some("SET synchronous_commit = off"),
        };
        let mut connect = AnyConnectOptions::from_str(url).map_err(Error::backend)?;
        if options.long_statements {
            connect = sqlx::ConnectOptions::disable_statement_logging(connect);
        }
        let pool = AnyPoolOptions::new()
            .max_connections(options.max_connections)
            // A SQLite connection is a file handle on a thread of its own:
            // it cannot go stale, and pinging it before each query was one
            // more hand-off to that thread per query. A PostgreSQL server may
            // restart under its connections: those are still checked.
            .test_before_acquire(backend == Backend::Postgres)
            .after_connect(move |conn, _| {
                Box::pin(async move {
                    if let Some(setting) = bulk_load {
                        sqlx::Executor::execute(&mut *conn, setting).await?;
                    }
                    Ok(())
                })
            })
            // A connection given back still inside a transaction is closed,
            // not reused. SQLite rolls a transaction back by itself when a
            // write fails for want of room or on an I/O error; sqlx's
            // ROLLBACK then fails ("no transaction is active") and leaves
            // its count of open transactions at one, so every later BEGIN
            // on that connection was refused ("non-zero transaction
            // depth") — 500s long after the disk had room again. Found by
            // the full-disk test; closing the connection ends whatever
            // transaction SQLite or sqlx still thinks is open.
            .after_release(|conn, _| {
                Box::pin(async move { Ok(!sqlx::Connection::is_in_transaction(conn)) })
            })
            // Then the request answers 503.
            .acquire_timeout(options.acquire_timeout);
        let pool = if lazy {
            pool.connect_lazy_with(connect)
        } else {
            pool.connect_with(connect).await.map_err(Error::backend)?
        };
        let store = SqlStore {
            pool,
            backend,
            totals: std::sync::Arc::default(),
        };
        if backend == Backend::Sqlite {
            // WAL lets readers go on while a write commits; the setting is
            // stored in the file, so setting it once per open is enough.
            // Durability stays at sqlx's default `synchronous = FULL`.
            sqlx::query("PRAGMA journal_mode = WAL")
                .execute(&store.pool)
                .await
                .map_err(Error::backend)?;
        }
        Ok(store)
    }

    /// Applies every migration not applied yet (after a restore into an
    /// older schema; [`SqlStore::connect`] otherwise does).
    pub async fn migrate(&self) -> Result<()> {
        migrations::run(&self.pool, self.backend, None).await
    }

    /// The dialect behind this store.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Makes every write so far durable: after a bulk load, SQLite's log
    /// is copied into the database file and both are synced to disk;
    /// PostgreSQL's log is flushed. (Otherwise every commit already was.)
    pub async fn make_durable(&self) -> Result<()> {
        match self.backend {
            Backend::Sqlite => {
                sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
                    .execute(&self.pool)
                    .await
                    .map_err(Error::backend)?;
            }
            Backend::Postgres => {
                // A synchronous commit waits for the log up to itself,
                // which holds every commit before it; it must write
                // something to have a log record to wait for.
                let mut tx = self.pool.begin().await.map_err(Error::backend)?;
                sqlx::query("SET LOCAL synchronous_commit = on")
                    .execute(&mut *tx)
                    .await
                    .map_err(Error::backend)?;
                sqlx::query(
                    "INSERT INTO import_keys (source, kind, key, local_id) \
                     VALUES ('kiosque', 'durable', 'last', 0) \
                     ON CONFLICT (source, kind, key) DO UPDATE SET local_id = import_keys.local_id + 1",
                )
                .execute(&mut *tx)
                .await
                .map_err(Error::backend)?;
                tx.commit().await.map_err(Error::backend)?;
            }
        }
        Ok(())
    }

    /// Closes every connection (waits for those in use).
    pub async fn close(&self) {
        self.pool.close().await;
    }

    /// Starts a write transaction. SQLite takes the write lock at once
    /// (`BEGIN IMMEDIATE`): a deferred transaction that later upgrades can
    /// fail with "database is locked" instead of waiting its turn.
    async fn begin_write(&self) -> Result<Transaction<'static, Any>> {
        let tx = match self.backend {
            Backend::Sqlite => self.pool.begin_with("BEGIN IMMEDIATE").await,
            Backend::Postgres => self.pool.begin().await,
        };
        tx.map_err(db)
    }
}

/// The row a write with `RETURNING` gave, read after running the statement
/// to its end (`fetch_all`). Outside a transaction SQLite commits when the
/// statement finishes, and reports a commit that failed (a full disk)
/// there: `fetch_one` stops at the first row, so such a write would be
/// answered as done and lost. Found by the full-disk test.
pub(crate) fn first_row(rows: Vec<sqlx::any::AnyRow>) -> Result<sqlx::any::AnyRow, sqlx::Error> {
    rows.into_iter().next().ok_or(sqlx::Error::RowNotFound)
}

/// The same, for a write that may match no row.
pub(crate) fn any_first_row(rows: Vec<sqlx::any::AnyRow>) -> Option<sqlx::any::AnyRow> {
    rows.into_iter().next()
}

/// Turns a sqlx error into the domain's backend error.
pub(crate) fn db(e: sqlx::Error) -> Error {
    if disk_full(&e) {
        Error::disk_full(e)
    } else if unreachable(&e) {
        Error::unavailable(e)
    } else {
        Error::backend(e)
    }
}

/// No room left to write: SQLite's SQLITE_FULL (13), PostgreSQL's
/// disk_full (53100). Nothing was written; once space is freed, writes
/// work again.
fn disk_full(e: &sqlx::Error) -> bool {
    matches!(e, sqlx::Error::Database(d) if d.code().is_some_and(|c| c == "13" || c == "53100"))
}

/// A write naming a row that another request deleted meanwhile (a foreign
/// key with nothing at the other end): the thing is gone, not a failure.
pub(crate) fn parent_gone(e: sqlx::Error, what: &'static str) -> Error {
    if matches!(&e, sqlx::Error::Database(d) if d.is_foreign_key_violation()) {
        Error::NotFound(what)
    } else {
        db(e)
    }
}

/// The database cannot be reached for now — no connection to be had, the
/// server going down or starting up, a connection cut — as opposed to a
/// statement that failed: the request may succeed in a few seconds.
fn unreachable(e: &sqlx::Error) -> bool {
    match e {
        sqlx::Error::PoolTimedOut
        | sqlx::Error::PoolClosed
        | sqlx::Error::Io(_)
        | sqlx::Error::Tls(_)
        | sqlx::Error::WorkerCrashed => true,
        sqlx::Error::Database(d) => d.code().is_some_and(|code| {
            // PostgreSQL: class 08 (connection exception), 57P01–57P03
            // (shutting down, crashed, starting up), class 53 (out of
            // resources). SQLite: 5 and 6 (the file busy or locked past the
            // wait), the I/O errors (10 and its extended codes, n·256 +
            // 10: a read, write or sync the system refused), and 11, a page
            // read back wrong — what a failed read looks like to SQLite
            // (found with libfiu); it passes with the fault, and a file
            // truly damaged keeps answering 503 with the cause in the log.
            // PostgreSQL's 25006 (read-only transaction) is a write that
            // reached a standby: a failover under way (deploy/local-cluster.sh
            // saw it in the instant the new primary was being promoted).
            code.starts_with("08")
                || code == "25006"
                || code.starts_with("57P")
                || code.starts_with("53")
                || code == "5"
                || code == "6"
                || code
                    .parse::<u32>()
                    .is_ok_and(|n| n % 256 == 10 || n % 256 == 11)
        }),
        _ => false,
    }
}
