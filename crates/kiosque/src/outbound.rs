//! Kiosque's one HTTP client for calling other servers (webhooks today).
//! It never reaches the server's own network: after every DNS resolution
//! and on every redirect, addresses that are not public (loopback,
//! private, link-local with the metadata service, multicast, reserved;
//! see `kiosque_core::service::webhooks::is_refused`) are refused, unless
//! the administrator listed the host under `[webhooks] allow_hosts`.
//! Resolution is checked rather than the name because a public name can
//! point anywhere; the addresses returned are the ones connected to, so a
//! second lookup cannot swap them (DNS rebinding).

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use kiosque_core::service::webhooks::{host_allowed, is_refused, refused_literal};
use reqwest::dns::{Addrs, Name, Resolve, Resolving};

/// Most redirects followed.
const MAX_REDIRECTS: usize = 5;

/// What came of a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Sent {
    /// The server answered with this status.
    Answered(u16),
    /// Kiosque refused to call the address.
    Refused(String),
    /// No answer (refused connection, timeout, TLS…).
    Failed(String),
}

/// The guarded client.
#[derive(Debug, Clone)]
pub struct Outbound {
    client: reqwest::Client,
    allow_hosts: Arc<Vec<String>>,
    timeout: Duration,
}

#[derive(Debug)]
struct GuardedResolver {
    allow_hosts: Arc<Vec<String>>,
}

#[derive(Debug)]
struct Refusal(String);

impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Refusal {}

impl Resolve for GuardedResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let allow_hosts = self.allow_hosts.clone();
        Box::pin(async move {
            let host = name.as_str().to_owned();
            let found: Vec<SocketAddr> =
                tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            if host_allowed(&host, &allow_hosts) {
                return Ok(Box::new(found.into_iter()) as Addrs);
            }
            let public: Vec<SocketAddr> =
                found.into_iter().filter(|a| !is_refused(a.ip())).collect();
            if public.is_empty() {
                return Err(Box::new(Refusal(format!(
                    "refused: {host} resolves to no public address"
                )))
                    as Box<dyn std::error::Error + Send + Sync>);
            }
            Ok(Box::new(public.into_iter()) as Addrs)
        })
    }
}

/// Why an address written as an IP (which no resolver sees) is refused.
fn literal_refusal(url: &url::Url, allow_hosts: &[String]) -> Option<String> {
    if !matches!(url.scheme(), "http" | "https") {
        return Some(format!("refused: {} is not http(s)", url.scheme()));
    }
    refused_literal(url, allow_hosts).map(|ip| format!("refused: {ip} is not a public address"))
}

impl Outbound {
    /// A client allowed to call `allow_hosts` (names or addresses, as
    /// written in URLs) even where they are not public.
    pub fn new(allow_hosts: Vec<String>, timeout: Duration) -> anyhow::Result<Outbound> {
        // TLS goes through rustls with the ring provider, as object storage
        // does; a second install is refused, harmlessly.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let allow_hosts = Arc::new(allow_hosts);
        let redirects = allow_hosts.clone();
        let client = reqwest::Client::builder()
            .dns_resolver(GuardedResolver {
                allow_hosts: allow_hosts.clone(),
            })
            // A proxy would resolve names itself, out of the guard's sight.
            .no_proxy()
            .redirect(reqwest::redirect::Policy::custom(move |attempt| {
                if attempt.previous().len() >= MAX_REDIRECTS {
                    return attempt.error(Refusal("too many redirects".into()));
                }
                match literal_refusal(attempt.url(), &redirects) {
                    Some(why) => attempt.error(Refusal(why)),
                    None => attempt.follow(),
                }
            }))
            .connect_timeout(timeout.min(Duration::from_secs(5)))
            .timeout(timeout)
            .user_agent(concat!(
                "Kiosque/",
                env!("CARGO_PKG_VERSION"),
                " (webhooks)"
            ))
            .build()?;
        Ok(Outbound {
            client,
            allow_hosts,
            timeout,
        })
    }

    /// The longest a request may take.
    pub fn timeout(&self) -> Duration {
        self.timeout
    }

    /// Posts `body` as JSON with `headers`; says how it went and how long
    /// it took. The answer's body is not read beyond its status.
    pub async fn post_json(
        &self,
        url: &str,
        headers: &[(&'static str, String)],
        body: String,
    ) -> (Sent, Duration) {
        let started = Instant::now();
        let parsed = match url::Url::parse(url) {
            Ok(u) => u,
            Err(e) => {
                return (
                    Sent::Refused(format!("invalid address: {e}")),
                    started.elapsed(),
                );
            }
        };
        if let Some(why) = literal_refusal(&parsed, &self.allow_hosts) {
            return (Sent::Refused(why), started.elapsed());
        }
        let mut request = self
            .client
            .post(parsed)
            .header(reqwest::header::CONTENT_TYPE, "application/json");
        for (name, value) in headers {
            request = request.header(*name, value);
        }
        let sent = match request.body(body).send().await {
            Ok(response) => Sent::Answered(response.status().as_u16()),
            Err(e) => {
                let why = causes(&e);
                if why.contains("refused: ") || why.contains("too many redirects") {
                    Sent::Refused(why)
                } else {
                    Sent::Failed(why)
                }
            }
        };
        (sent, started.elapsed())
    }
}

/// An error with its causes, the innermost (most telling) last.
fn causes(e: &dyn std::error::Error) -> String {
    let mut out = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        let text = s.to_string();
        if !out.contains(&text) {
            out.push_str(": ");
            out.push_str(&text);
        }
        source = s.source();
    }
    out
}
