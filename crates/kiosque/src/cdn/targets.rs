//! Each kind of CDN's purge request, for a batch of surrogate keys (the
//! page cache's topics: `article-12`, `comments-12`, `site`…).

use std::time::Duration;

use super::config::Target;

/// How long one purge call may take.
const TIMEOUT: Duration = Duration::from_secs(10);

/// Keys per request: what a header line or each API takes comfortably
/// (Fastly takes 256 keys a call, Cloudflare 30 tags).
fn per_request(target: &Target) -> usize {
    match target {
        Target::Varnish { .. } => 100,
        Target::Fastly { .. } => 256,
        Target::Cloudflare { .. } => 30,
        Target::Webhook { .. } => 1000,
    }
}

/// An HTTP client for purges: the operator names these addresses (often
/// on a private network), so, unlike webhooks, private addresses are fine.
pub(crate) fn client() -> reqwest::Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::builder()
        .timeout(TIMEOUT)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("an HTTP client")
}

/// Purges `keys` at `target`; `id` names the batch (the last change it
/// covers), the same on every retry, so a receiver can tell repeats.
pub(crate) async fn purge(
    client: &reqwest::Client,
    target: &Target,
    keys: &[String],
    id: i64,
) -> Result<(), String> {
    for chunk in keys.chunks(per_request(target)) {
        match target {
            Target::Varnish { urls } => {
                for url in urls {
                    let request = client
                        .request(
                            reqwest::Method::from_bytes(b"PURGE").expect("a method name"),
                            format!("{url}/"),
                        )
                        .header("xkey", chunk.join(" "));
                    answered(request, url).await?;
                }
            }
            Target::Fastly {
                api,
                service_id,
                token,
            } => {
                let request = client
                    .post(format!("{api}/service/{service_id}/purge"))
                    .header("fastly-key", token)
                    .header("surrogate-key", chunk.join(" "))
                    .header("accept", "application/json");
                answered(request, "Fastly").await?;
            }
            Target::Cloudflare { api, zone, token } => {
                let request = client
                    .post(format!("{api}/client/v4/zones/{zone}/purge_cache"))
                    .bearer_auth(token)
                    .json(&serde_json::json!({ "tags": chunk }));
                answered(request, "Cloudflare").await?;
            }
            Target::Webhook { url, secret } => {
                let now = chrono::Utc::now();
                let body = serde_json::json!({
                    "type": "cdn.purge",
                    "timestamp": now.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
                    "data": { "keys": chunk },
                })
                .to_string();
                let message_id = format!("purge_{id}");
                let signature = standardwebhooks::Webhook::new(secret)
                    .and_then(|w| w.sign(&message_id, now.timestamp(), body.as_bytes()))
                    .map_err(|e| format!("signing: {e}"))?;
                let request = client
                    .post(url)
                    .header("content-type", "application/json")
                    .header("webhook-id", message_id)
                    .header("webhook-timestamp", now.timestamp().to_string())
                    .header("webhook-signature", signature)
                    .body(body);
                answered(request, url).await?;
            }
        }
    }
    Ok(())
}

/// Sends; a 2xx is done, anything else is said.
async fn answered(request: reqwest::RequestBuilder, to: &str) -> Result<(), String> {
    match request.send().await {
        Ok(r) if r.status().is_success() => Ok(()),
        Ok(r) => {
            let status = r.status();
            let text = r.text().await.unwrap_or_default();
            Err(format!(
                "{to} answered {status}: {}",
                text.chars().take(200).collect::<String>()
            ))
        }
        Err(e) => Err(format!("{to}: {e}")),
    }
}
