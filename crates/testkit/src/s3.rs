//! A real S3-protocol server on loopback for the tests (the `s3s-fs`
//! crate: the S3 API over a directory), so the S3 media backend is tested
//! against the protocol, signatures included, not a mock.

use std::net::SocketAddr;

use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto::Builder as ConnBuilder;
use kiosque_media::S3Settings;
use s3s::auth::SimpleAuth;
use s3s::service::S3ServiceBuilder;
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

const ACCESS_KEY: &str = "kiosque-test";
const SECRET_KEY: &str = "kiosque-test-secret";

/// A running S3 server with one bucket; stops when dropped.
#[derive(Debug)]
pub struct S3Server {
    /// Where it listens.
    pub addr: SocketAddr,
    /// The bucket's directory: what the server stored.
    pub root: tempfile::TempDir,
    task: JoinHandle<()>,
}

impl S3Server {
    /// Starts a server on a free loopback port with a bucket `media`.
    pub async fn start() -> S3Server {
        let root = tempfile::tempdir().expect("S3 root");
        std::fs::create_dir(root.path().join("media")).expect("bucket");
        let fs = s3s_fs::FileSystem::new(root.path()).expect("s3s-fs");
        let service = {
            let mut b = S3ServiceBuilder::new(fs);
            b.set_auth(SimpleAuth::from_single(ACCESS_KEY, SECRET_KEY));
            b.build()
        };
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("address");
        let task = tokio::spawn(async move {
            let http = ConnBuilder::new(TokioExecutor::new());
            while let Ok((socket, _)) = listener.accept().await {
                let conn = http
                    .serve_connection(TokioIo::new(socket), service.clone())
                    .into_owned();
                tokio::spawn(async move {
                    let _ = conn.await;
                });
            }
        });
        S3Server { addr, root, task }
    }

    /// How Kiosque reaches the bucket.
    pub fn settings(&self) -> S3Settings {
        S3Settings {
            endpoint: format!("http://{}", self.addr),
            bucket: "media".into(),
            region: "us-east-1".into(),
            access_key_id: ACCESS_KEY.into(),
            secret_access_key: SECRET_KEY.into(),
        }
    }

    /// Whether the bucket holds a file of this name.
    pub fn holds(&self, name: &str) -> bool {
        self.root.path().join("media").join(name).exists()
    }
}

impl Drop for S3Server {
    fn drop(&mut self) {
        self.task.abort();
    }
}
