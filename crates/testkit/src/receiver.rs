//! A webhook receiver for the tests: an HTTP server on a loopback port that
//! keeps every request it gets and answers as told (a status, a redirect).

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use tokio::sync::Notify;

/// How the receiver answers one request.
#[derive(Debug, Clone)]
pub enum Answer {
    /// This status, empty body.
    Status(u16),
    /// A 307 to this address (the method and body are kept).
    Redirect(String),
}

/// A request the receiver got.
#[derive(Debug, Clone)]
pub struct Received {
    /// Its path.
    pub path: String,
    /// Its headers, names in lower case.
    pub headers: Vec<(String, String)>,
    /// Its body.
    pub body: String,
    /// The status it was answered with.
    pub answered: u16,
}

impl Received {
    /// One header's value.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// The body as JSON.
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("{e}: {}", self.body))
    }
}

#[derive(Default)]
struct Shared {
    answers: Mutex<VecDeque<Answer>>,
    got: Mutex<Vec<Received>>,
    arrived: Notify,
}

/// The running receiver; stops when dropped.
pub struct WebhookReceiver {
    /// Where it listens.
    pub addr: SocketAddr,
    shared: Arc<Shared>,
    task: tokio::task::JoinHandle<()>,
}

async fn receive(
    State(shared): State<Arc<Shared>>,
    uri: axum::http::Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let answer = shared
        .answers
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .pop_front()
        .unwrap_or(Answer::Status(204));
    let (response, answered) = match answer {
        Answer::Status(code) => {
            let status = StatusCode::from_u16(code).unwrap_or(StatusCode::OK);
            (status.into_response(), code)
        }
        Answer::Redirect(to) => (
            (StatusCode::TEMPORARY_REDIRECT, [(header::LOCATION, to)]).into_response(),
            307,
        ),
    };
    shared
        .got
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .push(Received {
            path: uri.path().to_owned(),
            headers: headers
                .iter()
                .map(|(n, v)| {
                    (
                        n.as_str().to_owned(),
                        v.to_str().unwrap_or_default().to_owned(),
                    )
                })
                .collect(),
            body: String::from_utf8_lossy(&body).into_owned(),
            answered,
        });
    shared.arrived.notify_waiters();
    response
}

impl WebhookReceiver {
    /// Starts on a free port of `127.0.0.1`.
    pub async fn start() -> WebhookReceiver {
        Self::start_on("127.0.0.1:0".parse().expect("address")).await
    }

    /// Starts on `addr` (`[::1]:0` for IPv6 loopback).
    pub async fn start_on(addr: SocketAddr) -> WebhookReceiver {
        let shared = Arc::new(Shared::default());
        let listener = tokio::net::TcpListener::bind(addr)
            .await
            .expect("bind receiver");
        let addr = listener.local_addr().expect("receiver address");
        let app = Router::new().fallback(receive).with_state(shared.clone());
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        WebhookReceiver { addr, shared, task }
    }

    /// An address on it.
    pub fn url(&self, path: &str) -> String {
        match self.addr {
            SocketAddr::V4(a) => format!("http://{a}{path}"),
            SocketAddr::V6(a) => format!("http://[{}]:{}{path}", a.ip(), a.port()),
        }
    }

    /// Answers the next requests this way, in order (then 204).
    pub fn answer(&self, answers: impl IntoIterator<Item = Answer>) {
        self.shared
            .answers
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .extend(answers);
    }

    /// Forgets the answers still queued (then 204 to everything).
    pub fn clear_answers(&self) {
        self.shared
            .answers
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clear();
    }

    /// Every request so far.
    pub fn received(&self) -> Vec<Received> {
        self.shared
            .got
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// Waits until `n` requests have arrived (a panic after `within`).
    pub async fn wait_for(&self, n: usize, within: Duration) -> Vec<Received> {
        let deadline = tokio::time::Instant::now() + within;
        loop {
            let arrived = self.shared.arrived.notified();
            let got = self.received();
            if got.len() >= n {
                return got;
            }
            if tokio::time::timeout_at(deadline, arrived).await.is_err() {
                let got = self.received();
                assert!(
                    got.len() >= n,
                    "waited {within:?} for {n} webhook requests, got {}: {got:#?}",
                    got.len()
                );
                return got;
            }
        }
    }
}

impl Drop for WebhookReceiver {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Checks every message's signature with the PyPI `standardwebhooks`
/// package (an implementation not ours); `None` when its Python is not
/// configured (`KIOSQUE_TEST_STANDARDWEBHOOKS_PYTHON`, skipped loudly).
pub async fn verified_by_standardwebhooks(secret: &str, messages: &[Received]) -> Option<()> {
    let python = crate::external_tool(
        "KIOSQUE_TEST_STANDARDWEBHOOKS_PYTHON",
        "Webhook signature (PyPI standardwebhooks)",
        ".ci/tools/venv/bin/python (python3 -m venv .ci/tools/venv && .ci/tools/venv/bin/pip install standardwebhooks==1.1.0)",
    )?;
    let dir = tempfile::tempdir().expect("temporary directory");
    let file = dir.path().join("messages.json");
    let list: Vec<serde_json::Value> = messages
        .iter()
        .map(|m| {
            serde_json::json!({
                "headers": m.headers.iter().cloned().collect::<std::collections::HashMap<_, _>>(),
                "body": m.body,
            })
        })
        .collect();
    std::fs::write(&file, serde_json::to_vec(&list).expect("json")).expect("write messages");
    let script = concat!(
        "import json, sys\n",
        "from standardwebhooks.webhooks import Webhook\n",
        "hook = Webhook(sys.argv[1])\n",
        "messages = json.load(open(sys.argv[2]))\n",
        "for m in messages:\n",
        "    hook.verify(m['body'], m['headers'])\n",
        "print('verified', len(messages))\n",
    );
    let out = tokio::process::Command::new(python)
        .arg("-c")
        .arg(script)
        .arg(secret)
        .arg(&file)
        .output()
        .await
        .expect("run python");
    assert!(
        out.status.success(),
        "standardwebhooks refused a message: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        format!("verified {}", messages.len())
    );
    Some(())
}

/// Waits until `ready` holds, checking every 50 ms (a panic after
/// `within`, naming `what`).
pub async fn eventually<F, Fut>(what: &str, within: Duration, mut ready: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = tokio::time::Instant::now() + within;
    while !ready().await {
        assert!(
            tokio::time::Instant::now() < deadline,
            "waited {within:?} for {what}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}
