//! Checks every request passes, and headers every response carries.

use std::net::{IpAddr, SocketAddr};

use axum::extract::{ConnectInfo, Request};
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use tower::ServiceBuilder;
use tower::layer::util::{Identity, Stack};
use tower_http::set_header::SetResponseHeaderLayer;

use crate::WebError;

/// Cross-site request forgery defence for every state-changing request:
/// a browser tells where a form was submitted from (`Sec-Fetch-Site`, or
/// `Origin`), and anything not from this site is refused with 403. Requests
/// with neither header come from non-browser clients, which carry no
/// reader's cookies and so cannot be forged through a reader's browser.
/// (The newsroom's logged-in forms will add a per-session token on top.)
pub(crate) async fn refuse_cross_site_posts(request: Request, next: Next) -> Response {
    let safe = matches!(
        *request.method(),
        Method::GET | Method::HEAD | Method::OPTIONS
    );
    if !safe && is_cross_site(request.headers()) {
        tracing::warn!(
            origin = ?request.headers().get(header::ORIGIN),
            path = %request.uri().path(),
            "cross-site post refused"
        );
        return WebError::Forbidden.into_response();
    }
    next.run(request).await
}

fn is_cross_site(headers: &HeaderMap) -> bool {
    if let Some(site) = headers.get("sec-fetch-site") {
        return !matches!(site.as_bytes(), b"same-origin" | b"none");
    }
    let Some(origin) = headers.get(header::ORIGIN) else {
        return false;
    };
    let host = headers.get(header::HOST).and_then(|h| h.to_str().ok());
    let origin_host = origin
        .to_str()
        .ok()
        .and_then(|o| url::Url::parse(o).ok())
        .and_then(|u| {
            u.host_str().map(|h| match u.port() {
                Some(p) => format!("{h}:{p}"),
                None => h.to_owned(),
            })
        });
    match (origin_host, host) {
        (Some(o), Some(h)) => !o.eq_ignore_ascii_case(h),
        _ => true,
    }
}

/// The reader's address, as an extractor.
pub(crate) struct ClientIp(pub(crate) IpAddr);

impl axum::extract::FromRequestParts<std::sync::Arc<crate::AppState>> for ClientIp {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        state: &std::sync::Arc<crate::AppState>,
    ) -> Result<Self, Self::Rejection> {
        let peer = parts.extensions.get::<ConnectInfo<SocketAddr>>().cloned();
        Ok(ClientIp(client_ip(
            &parts.headers,
            peer,
            state.config.behind_proxy,
        )))
    }
}

/// The reader's address: the socket peer, or with `behind_proxy` the
/// address the proxy appended last to `X-Forwarded-For`.
pub(crate) fn client_ip(
    headers: &HeaderMap,
    peer: Option<ConnectInfo<SocketAddr>>,
    behind_proxy: bool,
) -> IpAddr {
    if behind_proxy {
        let forwarded = headers
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .filter_map(|a| a.trim().parse::<IpAddr>().ok())
            .next_back();
        if let Some(ip) = forwarded {
            return ip;
        }
    }
    peer.map(|ConnectInfo(addr)| addr.ip())
        .unwrap_or(IpAddr::from([0, 0, 0, 0]))
}

/// The content policy of every response. Style attributes are allowed
/// (not style elements): images carry their average colour as a placeholder
/// background. No frame may load (`default-src`) unless a page says so.
const CONTENT_POLICY: &str = "default-src 'none'; img-src 'self' data:; style-src 'self'; \
     style-src-attr 'unsafe-inline'; script-src 'self'; connect-src 'self'; \
     form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

/// The content policy of a page with embeds: frames from their providers'
/// player origins only, none other.
pub(crate) fn content_policy_with_frames(
    providers: &[kiosque_core::markup::embed::Provider],
) -> HeaderValue {
    let mut policy = String::from(CONTENT_POLICY);
    if !providers.is_empty() {
        policy.push_str("; frame-src");
        for p in providers {
            policy.push(' ');
            policy.push_str(p.frame_origin());
        }
    }
    HeaderValue::try_from(policy).unwrap_or(HeaderValue::from_static(CONTENT_POLICY))
}

type HeaderLayers = Stack<
    SetResponseHeaderLayer<HeaderValue>,
    Stack<
        SetResponseHeaderLayer<HeaderValue>,
        Stack<
            SetResponseHeaderLayer<HeaderValue>,
            Stack<SetResponseHeaderLayer<HeaderValue>, Identity>,
        >,
    >,
>;

/// Security headers on every response. The content policy allows only this
/// site's own styles, images and (future) scripts: no third-party tracker
/// can load, and an injected inline script would not run.
pub(crate) fn headers() -> ServiceBuilder<HeaderLayers> {
    let set = |name: HeaderName, value: &'static str| {
        SetResponseHeaderLayer::if_not_present(name, HeaderValue::from_static(value))
    };
    ServiceBuilder::new()
        .layer(set(header::CONTENT_SECURITY_POLICY, CONTENT_POLICY))
        .layer(set(header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .layer(set(
            header::REFERRER_POLICY,
            "strict-origin-when-cross-origin",
        ))
        .layer(set(header::X_FRAME_OPTIONS, "DENY"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, HeaderValue::from_static(v));
        }
        h
    }

    #[test]
    fn same_site_and_headerless_posts_pass() {
        assert!(!is_cross_site(&headers(&[("host", "example.org")])));
        assert!(!is_cross_site(&headers(&[
            ("host", "example.org"),
            ("origin", "https://example.org")
        ])));
        assert!(!is_cross_site(&headers(&[(
            "sec-fetch-site",
            "same-origin"
        )])));
    }

    #[test]
    fn cross_site_posts_are_caught() {
        assert!(is_cross_site(&headers(&[
            ("host", "example.org"),
            ("origin", "https://evil.example")
        ])));
        assert!(is_cross_site(&headers(&[("sec-fetch-site", "cross-site")])));
        assert!(is_cross_site(&headers(&[
            ("host", "example.org"),
            ("origin", "null")
        ])));
    }

    #[test]
    fn forwarded_address_is_used_only_behind_a_proxy() {
        let h = headers(&[("x-forwarded-for", "203.0.113.9, 198.51.100.7")]);
        assert_eq!(
            client_ip(&h, None, true),
            "198.51.100.7".parse::<IpAddr>().unwrap()
        );
        assert_eq!(client_ip(&h, None, false), IpAddr::from([0, 0, 0, 0]));
    }
}
