//! Test helpers shared by every crate's integration tests (dev-only).
//!
//! Each test gets its own database — a temporary SQLite file, or a fresh
//! PostgreSQL schema — so the suite runs in parallel and no test sees
//! another's rows. The [`both_databases!`] macro runs one test body against
//! both engines; the PostgreSQL half is skipped, loudly, when
//! `KIOSQUE_TEST_POSTGRES_URL` is not set, and fails when it is set but the
//! server cannot be reached.

mod app;
mod db;
pub mod fixtures;
mod mail_server;
mod pg_cluster;
mod receiver;
mod s3;
mod seaweedfs;
mod smtp;
mod tools;

pub use app::{Newsroom, Sibling, TestApp};
pub use db::{Engine, POSTGRES_ENV, TestDb};
pub use mail_server::{Accepted, MailServer};
pub use pg_cluster::PgCluster;
pub use receiver::{Answer, Received, WebhookReceiver, eventually, verified_by_standardwebhooks};
pub use s3::S3Server;
pub use seaweedfs::{SeaweedFs, WEED_ENV};
pub use smtp::{Inbox, smtp_sink};
pub use tools::{external_tool, python_check};

/// An HTTP client for the tests that does not follow redirects (they are
/// asserted on). reqwest's TLS is built without a crypto provider (the S3
/// media backend picks ring), so one is installed first, as `kiosque`
/// does before its own S3 client.
pub fn http_client() -> reqwest::Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("HTTP client")
}

/// The session cookie an answer sets, as a `Cookie` header value.
pub fn session_cookie(r: &reqwest::Response) -> Option<String> {
    r.headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("kiosque_session="))
        .and_then(|v| v.split(';').next())
        .map(str::to_owned)
}

/// Expands to a `sqlite` and a `postgres` module, each with one
/// `#[tokio::test]` per named function; the function takes a [`TestDb`].
#[macro_export]
macro_rules! both_databases {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    let db = $crate::TestDb::new($crate::Engine::Sqlite).await
                        .expect("SQLite is always available");
                    super::$name(db).await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    if let Some(db) = $crate::TestDb::new($crate::Engine::Postgres).await {
                        super::$name(db).await;
                    }
                }
            )*
        }
    };
}

/// A loopback port free right now, for a server a test starts (the
/// chance another process takes it meanwhile is accepted).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free loopback port")
        .port()
}
