//! The rules of webhooks, whichever door they come through (the admin's
//! form, the API): what a webhook may be registered with, which addresses
//! Kiosque never calls, when a failed delivery is tried again, and what a
//! message says.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::time::Duration;

use base64::Engine as _;
use chrono::{DateTime, Utc};
use serde_json::{Map, Value};

use crate::error::{Error, Result};
use crate::model::{DeliveryOutcome, WebhookEvent, WebhookSettings};

/// What every signing secret starts with (the Standard Webhooks form).
pub const SECRET_PREFIX: &str = "whsec_";

/// Longest address accepted.
pub const URL_MAX: usize = 2000;

/// Longest description accepted, in characters.
pub const DESCRIPTION_MAX: usize = 200;

/// A new signing secret: the prefix and 256 random bits in base64, as
/// Standard Webhooks libraries read it.
pub fn new_secret() -> Result<String> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes)
        .map_err(|e| Error::Backend(format!("no randomness: {e}").into()))?;
    Ok(format!(
        "{SECRET_PREFIX}{}",
        base64::engine::general_purpose::STANDARD.encode(bytes)
    ))
}

/// Checks what a webhook is registered or changed with, and tidies it:
/// an `http(s)` address without credentials, not naming a refused address
/// (names are checked again when resolved, at every delivery), at least one
/// event, each once.
pub fn check(settings: &WebhookSettings, allow_hosts: &[String]) -> Result<WebhookSettings> {
    let mut errors = Vec::new();
    let url = settings.url.trim().to_owned();
    if let Err(code) = check_url(&url, allow_hosts) {
        errors.push(crate::error::FieldError { field: "url", code });
    }
    let description = settings
        .description
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    if description.chars().count() > DESCRIPTION_MAX {
        errors.push(crate::error::FieldError {
            field: "description",
            code: "too_long",
        });
    }
    let mut events = settings.events.clone();
    events.sort();
    events.dedup();
    if events.is_empty() {
        errors.push(crate::error::FieldError {
            field: "events",
            code: "required",
        });
    }
    if !errors.is_empty() {
        return Err(Error::Invalid(errors));
    }
    Ok(WebhookSettings {
        url,
        description,
        events,
        enabled: settings.enabled,
    })
}

fn check_url(url: &str, allow_hosts: &[String]) -> Result<(), &'static str> {
    if url.is_empty() {
        return Err("required");
    }
    if url.len() > URL_MAX {
        return Err("too_long");
    }
    let parsed = url::Url::parse(url).map_err(|_| "invalid_url")?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err("invalid_url");
    }
    if !parsed.username().is_empty() || parsed.password().is_some() {
        return Err("credentials");
    }
    if parsed.host().is_none() {
        return Err("invalid_url");
    }
    if refused_literal(&parsed, allow_hosts).is_some() {
        return Err("private_address");
    }
    Ok(())
}

/// The address an URL names as an IP (which no DNS resolution checks),
/// when Kiosque refuses to call it and `allow_hosts` does not list it.
/// Registration and every request (and redirect) ask this one question.
pub fn refused_literal(url: &url::Url, allow_hosts: &[String]) -> Option<IpAddr> {
    let ip = match url.host()? {
        url::Host::Ipv4(ip) => IpAddr::V4(ip),
        url::Host::Ipv6(ip) => IpAddr::V6(ip),
        url::Host::Domain(_) => return None,
    };
    let host = url.host_str().unwrap_or_default();
    (is_refused(ip) && !host_allowed(host, allow_hosts)).then_some(ip)
}

/// Whether the administrator listed `host` (a name, or an address with or
/// without IPv6 brackets) under `[webhooks] allow_hosts`.
pub fn host_allowed(host: &str, allow_hosts: &[String]) -> bool {
    let bare = |h: &str| {
        h.trim_start_matches('[')
            .trim_end_matches(']')
            .to_ascii_lowercase()
    };
    let host = bare(host);
    allow_hosts.iter().any(|a| bare(a) == host)
}

/// Whether Kiosque refuses to call this address: anything not on the
/// public internet, so a webhook cannot be turned on the server's own
/// network (loopback, private ranges, link-local with the clouds'
/// metadata service, multicast, reserved), in IPv4 and IPv6 and through
/// every way IPv6 embeds IPv4. Written here because the standard library's
/// `is_global` is not stable and this list is the policy itself.
pub fn is_refused(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => refused_v4(v4),
        IpAddr::V6(v6) => refused_v6(v6),
    }
}

fn refused_v4(ip: Ipv4Addr) -> bool {
    let [a, b, c, _] = ip.octets();
    ip.is_unspecified()
        || ip.is_loopback()
        || ip.is_private()
        || ip.is_link_local() // 169.254/16: 169.254.169.254 is the metadata service
        || ip.is_multicast()
        || ip.is_broadcast()
        || ip.is_documentation()
        || a == 0 // "this network"
        || (a == 100 && (64..128).contains(&b)) // shared address space (100.100.100.200: a metadata service)
        || (a == 192 && b == 0 && c == 0) // IETF protocol assignments
        || (a == 198 && (b == 18 || b == 19)) // benchmarking
        || a >= 240 // reserved
}

fn refused_v6(ip: Ipv6Addr) -> bool {
    if let Some(v4) = ip.to_ipv4_mapped() {
        return refused_v4(v4);
    }
    let s = ip.segments();
    // IPv4-compatible (deprecated) and NAT64 (64:ff9b::/96) addresses
    // reach the IPv4 address in their last 32 bits; 6to4 (2002::/16) in
    // the 32 bits after the prefix.
    let embedded =
        |hi: u16, lo: u16| Ipv4Addr::new((hi >> 8) as u8, hi as u8, (lo >> 8) as u8, lo as u8);
    if s[..6] == [0, 0, 0, 0, 0, 0] && !ip.is_loopback() && !ip.is_unspecified() {
        return refused_v4(embedded(s[6], s[7]));
    }
    if s[..6] == [0x64, 0xff9b, 0, 0, 0, 0] {
        return refused_v4(embedded(s[6], s[7]));
    }
    if s[0] == 0x2002 {
        return refused_v4(embedded(s[1], s[2]));
    }
    ip.is_unspecified()
        || ip.is_loopback()
        || ip.is_multicast()
        || (s[0] & 0xfe00) == 0xfc00 // unique local (fd00:ec2::254: a metadata service)
        || (s[0] & 0xffc0) == 0xfe80 // link-local
        || (s[0] & 0xffc0) == 0xfec0 // site-local (deprecated)
        || (s[0] == 0x2001 && s[1] == 0x0db8) // documentation
        || (s[0] == 0x2001 && s[1] == 0) // Teredo: reaches an IPv4 address through a relay
        || (s[0] == 0x0100 && s[1..4] == [0, 0, 0]) // discard
}

/// Waits between attempts: from five seconds to twenty hours, about three
/// days in all (as Standard Webhooks suggests, stretched to three days so a
/// receiver down over a weekend still gets its messages).
pub const RETRY_SCHEDULE: [Duration; 9] = [
    Duration::from_secs(5),
    Duration::from_secs(5 * 60),
    Duration::from_secs(30 * 60),
    Duration::from_secs(2 * 3600),
    Duration::from_secs(5 * 3600),
    Duration::from_secs(10 * 3600),
    Duration::from_secs(14 * 3600),
    Duration::from_secs(20 * 3600),
    Duration::from_secs(20 * 3600),
];

/// What follows attempt number `attempts` (1 for the first), answered
/// with `code` (`None`: no answer). `jitter` in [0, 1) spreads retries of
/// many deliveries over ±20% of their wait, so a receiver coming back is
/// not hit by all of them at once. A 410 turns the webhook off, as does a
/// delivery still failing at the end of the schedule.
pub fn after_attempt(
    code: Option<u16>,
    attempts: u32,
    schedule: &[Duration],
    now: DateTime<Utc>,
    jitter: f64,
) -> DeliveryOutcome {
    match code {
        Some(200..=299) => DeliveryOutcome::Delivered,
        Some(410) => DeliveryOutcome::Failed(Some("the receiver answered 410 Gone".to_owned())),
        _ => match schedule.get(attempts.saturating_sub(1) as usize) {
            Some(wait) => {
                let wait = wait.mul_f64(0.8 + 0.4 * jitter.clamp(0.0, 1.0));
                DeliveryOutcome::Retry(
                    now + chrono::Duration::from_std(wait).unwrap_or(chrono::Duration::MAX),
                )
            }
            None => DeliveryOutcome::Failed(Some(format!(
                "no delivery succeeded in {attempts} attempts"
            ))),
        },
    }
}

/// Fields of `previous` that are times (Unix seconds as stored).
const TIME_FIELDS: [&str; 2] = ["published_at", "updated_at"];

/// The message of an event: its type, when it happened, and in `data` the
/// object as the API shows it (`object`, `None` once it is gone) and, for
/// a change, the previous values of the fields that changed. A deleted
/// object is described by the values it had. `time` writes a stored time
/// as the API does.
pub fn message(
    event: WebhookEvent,
    timestamp: String,
    object: Option<Value>,
    previous: Option<&str>,
    time: &dyn Fn(DateTime<Utc>) -> String,
) -> Value {
    let before: Map<String, Value> = previous
        .and_then(|p| serde_json::from_str::<Map<String, Value>>(p).ok())
        .unwrap_or_default()
        .into_iter()
        .map(|(k, v)| {
            let v = match (&v, TIME_FIELDS.contains(&k.as_str())) {
                (Value::Number(n), true) => n
                    .as_i64()
                    .and_then(|s| DateTime::from_timestamp(s, 0))
                    .map_or(v.clone(), |t| Value::String(time(t))),
                _ => v,
            };
            (k, v)
        })
        .collect();
    let mut data = Map::new();
    match object {
        Some(object) => {
            let changed: Map<String, Value> = before
                .into_iter()
                .filter(|(k, v)| object.get(k) != Some(v))
                .collect();
            data.insert("object".into(), object);
            if !changed.is_empty() {
                data.insert("previous".into(), Value::Object(changed));
            }
        }
        None => {
            data.insert("object".into(), Value::Object(before));
        }
    }
    serde_json::json!({
        "type": event.as_str(),
        "timestamp": timestamp,
        "data": data,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn private_public_and_embedded_addresses() {
        for refused in [
            "127.0.0.1",
            "10.0.0.1",
            "172.16.5.4",
            "192.168.1.1",
            "169.254.169.254",
            "100.100.100.200",
            "0.0.0.0",
            "224.0.0.1",
            "255.255.255.255",
            "::1",
            "::",
            "fe80::1",
            "fd00:ec2::254",
            "ff02::1",
            "::ffff:127.0.0.1",
            "::ffff:10.0.0.1",
            "64:ff9b::a9fe:a9fe",
            "2002:7f00:1::",
        ] {
            assert!(is_refused(refused.parse().unwrap()), "{refused}");
        }
        for public in [
            "93.184.215.14",
            "1.1.1.1",
            "2606:4700:4700::1111",
            "::ffff:8.8.8.8",
        ] {
            assert!(!is_refused(public.parse().unwrap()), "{public}");
        }
    }

    #[test]
    fn addresses_checked_at_registration() {
        let settings = |url: &str| WebhookSettings {
            url: url.into(),
            description: "  Réseaux   sociaux ".into(),
            events: vec![
                WebhookEvent::SiteChanged,
                WebhookEvent::ArticlePublished,
                WebhookEvent::SiteChanged,
            ],
            enabled: true,
        };
        let ok = check(&settings(" https://hooks.example.org/kiosque "), &[]).unwrap();
        assert_eq!(ok.url, "https://hooks.example.org/kiosque");
        assert_eq!(ok.description, "Réseaux sociaux");
        assert_eq!(
            ok.events,
            vec![WebhookEvent::ArticlePublished, WebhookEvent::SiteChanged]
        );
        for (url, code) in [
            ("ftp://example.org/", "invalid_url"),
            ("https://user:pw@example.org/", "credentials"),
            ("http://10.0.0.1/hook", "private_address"),
            ("http://[::1]:8080/", "private_address"),
            ("not a url", "invalid_url"),
        ] {
            let err = check(&settings(url), &[]).unwrap_err();
            assert!(
                err.to_string().contains(&code.replace('_', " ")),
                "{url}: {err}"
            );
        }
        assert!(check(&settings("http://127.0.0.1:9/"), &["127.0.0.1".into()]).is_ok());
        assert!(check(&settings("http://[::1]:9/"), &["[::1]".into()]).is_ok());
    }

    #[test]
    fn retries_spread_over_three_days_then_give_up() {
        let now = DateTime::from_timestamp(1_800_000_000, 0).unwrap();
        assert_eq!(
            after_attempt(Some(204), 1, &RETRY_SCHEDULE, now, 0.5),
            DeliveryOutcome::Delivered
        );
        assert!(matches!(
            after_attempt(Some(410), 1, &RETRY_SCHEDULE, now, 0.5),
            DeliveryOutcome::Failed(Some(_))
        ));
        let DeliveryOutcome::Retry(at) = after_attempt(Some(500), 1, &RETRY_SCHEDULE, now, 0.0)
        else {
            panic!("a 500 is tried again")
        };
        assert_eq!((at - now).num_seconds(), 4);
        let total: Duration = RETRY_SCHEDULE.iter().sum();
        assert!((70..=74).contains(&(total.as_secs() / 3600)), "{total:?}");
        assert!(matches!(
            after_attempt(None, 10, &RETRY_SCHEDULE, now, 0.5),
            DeliveryOutcome::Failed(Some(_))
        ));
    }

    #[test]
    fn a_message_names_what_changed() {
        let time = |t: DateTime<Utc>| t.to_rfc3339();
        let object = serde_json::json!({"id": 4, "title": "Nouveau", "slug": "a", "published_at": "2027-01-16T08:00:00+00:00"});
        let m = message(
            WebhookEvent::ArticleUpdated,
            "2027-01-15T09:00:00+00:00".into(),
            Some(object),
            Some(r#"{"title": "Ancien", "slug": "a", "published_at": 1800000000}"#),
            &time,
        );
        assert_eq!(m["type"], "article.updated");
        assert_eq!(m["data"]["object"]["title"], "Nouveau");
        assert_eq!(m["data"]["previous"]["title"], "Ancien");
        assert!(m["data"]["previous"].get("slug").is_none());
        assert_eq!(
            m["data"]["previous"]["published_at"],
            "2027-01-15T08:00:00+00:00"
        );
        let gone = message(
            WebhookEvent::ArticleDeleted,
            "t".into(),
            None,
            Some(r#"{"id": 4, "title": "Ancien"}"#),
            &time,
        );
        assert_eq!(gone["data"]["object"]["title"], "Ancien");
    }
}
