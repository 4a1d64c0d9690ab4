//! A fresh, migrated database per test.

use std::io::Write;
use std::sync::Once;

use kiosque_store::{SqlStore, StoreOptions};
use sqlx::Connection;

/// Environment variable holding the PostgreSQL URL for tests; `.ci/run` sets it.
pub const POSTGRES_ENV: &str = "KIOSQUE_TEST_POSTGRES_URL";

/// Which engine a test runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    /// A temporary SQLite file.
    Sqlite,
    /// A fresh schema in the PostgreSQL database of `KIOSQUE_TEST_POSTGRES_URL`.
    Postgres,
}

/// A database that exists for one test and is removed after it.
#[derive(Debug)]
pub struct TestDb {
    /// The engine.
    pub engine: Engine,
    /// URL to connect to it (the CLI's `--database-url` takes it as is).
    pub url: String,
    /// Scratch directory, removed on drop: the SQLite file, a data dir, media.
    pub dir: tempfile::TempDir,
    pg: Option<(String, String)>,
}

static SKIP_NOTICE: Once = Once::new();

fn unique_name() -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static N: AtomicU64 = AtomicU64::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or_default();
    format!(
        "t_{}_{}_{}",
        std::process::id(),
        nanos,
        N.fetch_add(1, Ordering::Relaxed)
    )
}

impl TestDb {
    /// A fresh database, or `None` when the engine is PostgreSQL and no URL
    /// is configured (the skip is announced once per test binary).
    pub async fn new(engine: Engine) -> Option<TestDb> {
        match engine {
            Engine::Sqlite => {
                let dir = tempfile::tempdir().expect("temporary directory");
                let url = format!("sqlite://{}?mode=rwc", dir.path().join("test.db").display());
                Some(TestDb {
                    engine,
                    url,
                    dir,
                    pg: None,
                })
            }
            Engine::Postgres => {
                let Ok(base) = std::env::var(POSTGRES_ENV) else {
                    SKIP_NOTICE.call_once(|| {
                        // Written to the real stderr, past the test harness's
                        // capture, so a skipped suite is never silent.
                        let _ = writeln!(
                            std::io::stderr(),
                            "\nNOTE: PostgreSQL tests SKIPPED: {POSTGRES_ENV} is not set. \
                             To run them: {POSTGRES_ENV}=postgres://postgres@127.0.0.1:5432/test cargo test\n"
                        );
                    });
                    return None;
                };
                Some(TestDb::postgres_on(&base).await)
            }
        }
    }

    /// A fresh schema on the PostgreSQL server at `base` (a test's own
    /// cluster, say), removed on drop.
    pub async fn postgres_on(base: &str) -> TestDb {
        let dir = tempfile::tempdir().expect("temporary directory");
        let schema = unique_name();
        let mut conn = sqlx::PgConnection::connect(base)
            .await
            .unwrap_or_else(|e| panic!("PostgreSQL is unreachable at {base}: {e}"));
        sqlx::query(&format!("CREATE SCHEMA {schema}"))
            .execute(&mut conn)
            .await
            .expect("create test schema");
        let _ = conn.close().await;
        let sep = if base.contains('?') { '&' } else { '?' };
        let url = format!("{base}{sep}options=-c%20search_path%3D{schema}");
        TestDb {
            engine: Engine::Postgres,
            url,
            dir,
            pg: Some((base.to_owned(), schema)),
        }
    }

    /// The first column of every row a query returns, as text, read
    /// behind the application's back (to check what it stored).
    pub async fn strings(&self, sql: &str) -> Vec<String> {
        sqlx::any::install_default_drivers();
        let mut conn = sqlx::AnyConnection::connect(&self.url)
            .await
            .expect("connect for a raw query");
        let rows: Vec<String> = sqlx::query_scalar(sql)
            .fetch_all(&mut conn)
            .await
            .expect(sql);
        let _ = conn.close().await;
        rows
    }

    /// Runs one SQL statement behind the application's back (to break
    /// things on purpose).
    pub async fn execute(&self, sql: &str) {
        sqlx::any::install_default_drivers();
        let mut conn = sqlx::AnyConnection::connect(&self.url)
            .await
            .expect("connect for a raw statement");
        sqlx::query(sql).execute(&mut conn).await.expect(sql);
        let _ = conn.close().await;
    }

    /// Runs statements in one transaction and rolls it back, as a write
    /// that fails half-way does.
    pub async fn rolled_back(&self, statements: &[&str]) {
        sqlx::any::install_default_drivers();
        let mut conn = sqlx::AnyConnection::connect(&self.url)
            .await
            .expect("connect for a transaction");
        let mut tx = sqlx::Connection::begin(&mut conn).await.expect("begin");
        for sql in statements {
            sqlx::query(sql).execute(&mut *tx).await.expect(sql);
        }
        tx.rollback().await.expect("rollback");
        let _ = conn.close().await;
    }

    /// The one integer a query answers (a count), read behind the
    /// application's back.
    pub async fn number(&self, sql: &str) -> i64 {
        sqlx::any::install_default_drivers();
        let mut conn = sqlx::AnyConnection::connect(&self.url)
            .await
            .expect("connect for a count");
        let row = sqlx::query(sql).fetch_one(&mut conn).await.expect(sql);
        let _ = conn.close().await;
        sqlx::Row::try_get::<i64, _>(&row, 0).expect("an integer")
    }

    /// Opens (and migrates) the store.
    pub async fn store(&self) -> SqlStore {
        SqlStore::connect(
            &self.url,
            StoreOptions {
                max_connections: 4,
                ..StoreOptions::default()
            },
        )
        .await
        .expect("open test store")
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        let Some((base, schema)) = self.pg.take() else {
            return;
        };
        // Drop runs inside the test's runtime, which cannot be blocked on;
        // a short-lived thread with its own runtime removes the schema.
        let _ = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build();
            if let Ok(rt) = rt {
                rt.block_on(async {
                    if let Ok(mut conn) = sqlx::PgConnection::connect(&base).await {
                        let _ = sqlx::query(&format!("DROP SCHEMA IF EXISTS {schema} CASCADE"))
                            .execute(&mut conn)
                            .await;
                    }
                });
            }
        })
        .join();
    }
}
