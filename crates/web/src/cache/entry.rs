//! One cached page: its headers and its body in three encodings, made
//! once when it is stored, and the answer to each request for it.

use std::io::Write as _;

use axum::body::{Body, Bytes};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::Response;
use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};

use super::Topics;

/// Browsers may reuse a page for a minute; after that a shared cache may
/// serve it while it fetches a fresh one, for ten. Changes reach readers
/// within a minute even through a CDN that is never purged.
const CACHE_CONTROL: &str = "public, max-age=60, stale-while-revalidate=600";

pub(crate) struct CachedPage {
    headers: HeaderMap,
    identity: Bytes,
    gzip: Bytes,
    brotli: Bytes,
    /// A hash of the identity body; each encoding's ETag adds a suffix, as
    /// each is a different representation.
    hash: String,
    topics: Topics,
    surrogate_key: Option<HeaderValue>,
    cache_tag: Option<HeaderValue>,
    expires: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Encoding {
    Identity,
    Gzip,
    Brotli,
}

impl CachedPage {
    /// Compresses `body` both ways; `headers` are the rendered response's.
    pub(crate) fn build(mut headers: HeaderMap, body: Bytes, topics: Topics) -> CachedPage {
        for h in [
            header::CONTENT_LENGTH,
            header::CONTENT_ENCODING,
            header::ETAG,
            header::VARY,
            header::CACHE_CONTROL,
        ] {
            headers.remove(h);
        }
        let hash = Sha256::digest(&body);
        let hash: String = hash[..12].iter().map(|b| format!("{b:02x}")).collect();
        let keys: Vec<&str> = topics.iter().map(String::as_str).collect();
        CachedPage {
            headers,
            gzip: gzip(&body),
            brotli: brotli(&body),
            identity: body,
            hash,
            surrogate_key: HeaderValue::from_str(&keys.join(" ")).ok(),
            cache_tag: HeaderValue::from_str(&keys.join(",")).ok(),
            expires: topics.expires(),
            topics,
        }
    }

    pub(crate) fn topics(&self) -> impl Iterator<Item = &String> {
        self.topics.iter()
    }

    pub(crate) fn expired(&self) -> bool {
        self.expires.is_some_and(|at| Utc::now() >= at)
    }

    /// Bytes held for this page.
    pub(crate) fn weight(&self) -> usize {
        let headers: usize = self
            .headers
            .iter()
            .map(|(k, v)| k.as_str().len() + v.len() + 32)
            .sum();
        self.identity.len()
            + self.gzip.len()
            + self.brotli.len()
            + headers
            + self.topics.iter().map(|t| t.len() * 2 + 48).sum::<usize>()
            + 256
    }

    /// The answer to a request for this page: the encoding the client
    /// prefers among those it accepts, or 304 when it has this version.
    pub(crate) fn respond(
        &self,
        method: &Method,
        request: &HeaderMap,
        state: &'static str,
    ) -> Response {
        let encoding = negotiate(request.get(header::ACCEPT_ENCODING));
        let (body, suffix, content_encoding) = match encoding {
            Encoding::Brotli => (&self.brotli, "-br", Some("br")),
            Encoding::Gzip => (&self.gzip, "-gz", Some("gzip")),
            Encoding::Identity => (&self.identity, "", None),
        };
        let etag = format!("\"{}{suffix}\"", self.hash);
        let not_modified = request
            .get(header::IF_NONE_MATCH)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| etag_matches(v, &etag));
        let mut response = if not_modified {
            let mut r = Response::new(Body::empty());
            *r.status_mut() = StatusCode::NOT_MODIFIED;
            r
        } else {
            let mut r = if method == Method::HEAD {
                Response::new(Body::empty())
            } else {
                Response::new(Body::from(body.clone()))
            };
            r.headers_mut().extend(self.headers.clone());
            r.headers_mut()
                .insert(header::CONTENT_LENGTH, HeaderValue::from(body.len()));
            if let Some(e) = content_encoding {
                r.headers_mut()
                    .insert(header::CONTENT_ENCODING, HeaderValue::from_static(e));
            }
            r
        };
        let h = response.headers_mut();
        if let Ok(v) = HeaderValue::from_str(&etag) {
            h.insert(header::ETAG, v);
        }
        h.insert(header::VARY, HeaderValue::from_static("accept-encoding"));
        h.insert(
            header::CACHE_CONTROL,
            HeaderValue::from_static(CACHE_CONTROL),
        );
        if let Some(v) = &self.surrogate_key {
            h.insert("surrogate-key", v.clone());
        }
        if let Some(v) = &self.cache_tag {
            h.insert("cache-tag", v.clone());
        }
        h.insert("x-kiosque-cache", HeaderValue::from_static(state));
        response
    }
}

fn gzip(body: &[u8]) -> Bytes {
    let mut e = flate2::write::GzEncoder::new(
        Vec::with_capacity(body.len() / 3),
        flate2::Compression::best(),
    );
    // Writing to a Vec cannot fail.
    let _ = e.write_all(body);
    Bytes::from(e.finish().unwrap_or_default())
}

fn brotli(body: &[u8]) -> Bytes {
    let mut out = Vec::with_capacity(body.len() / 4);
    let params = brotli::enc::BrotliEncoderParams {
        // Quality 11 is a few percent smaller and ten times slower; a page
        // is compressed once per change, but a cold request waits for it.
        quality: 9,
        lgwin: 20,
        ..Default::default()
    };
    let mut input = body;
    if brotli::BrotliCompress(&mut input, &mut out, &params).is_err() {
        out.clear();
    }
    Bytes::from(out)
}

/// The best encoding `accept` allows: brotli, then gzip, else none.
/// A coding listed with `q=0` is refused; `*` stands for any other.
fn negotiate(accept: Option<&HeaderValue>) -> Encoding {
    let Some(accept) = accept.and_then(|v| v.to_str().ok()) else {
        return Encoding::Identity;
    };
    let (mut br, mut gz, mut any) = (None, None, None);
    for item in accept.split(',') {
        let mut parts = item.split(';');
        let coding = parts.next().unwrap_or_default().trim().to_ascii_lowercase();
        let q = parts
            .filter_map(|p| p.trim().strip_prefix("q="))
            .find_map(|q| q.trim().parse::<f32>().ok())
            .unwrap_or(1.0);
        let accepted = q > 0.0;
        match coding.as_str() {
            "br" => br = Some(accepted),
            "gzip" | "x-gzip" => gz = Some(accepted),
            "*" => any = Some(accepted),
            _ => {}
        }
    }
    if br.or(any) == Some(true) {
        Encoding::Brotli
    } else if gz.or(any) == Some(true) {
        Encoding::Gzip
    } else {
        Encoding::Identity
    }
}

/// `If-None-Match` compares weakly (RFC 9110 §13.1.2): `W/` is ignored.
fn etag_matches(header: &str, etag: &str) -> bool {
    header
        .split(',')
        .map(str::trim)
        .any(|t| t == "*" || t.strip_prefix("W/").unwrap_or(t) == etag)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn accept(v: &'static str) -> Encoding {
        negotiate(Some(&HeaderValue::from_static(v)))
    }

    #[test]
    fn the_encoding_follows_what_the_client_accepts() {
        assert_eq!(negotiate(None), Encoding::Identity);
        assert_eq!(accept("gzip, deflate, br, zstd"), Encoding::Brotli);
        assert_eq!(accept("gzip"), Encoding::Gzip);
        assert_eq!(accept("br;q=0, gzip;q=0.5"), Encoding::Gzip);
        assert_eq!(accept("identity"), Encoding::Identity);
        assert_eq!(accept("*"), Encoding::Brotli);
        assert_eq!(accept("*, br;q=0"), Encoding::Gzip);
        assert_eq!(accept("gzip;q=0, br;q=0"), Encoding::Identity);
    }

    #[test]
    fn etags_match_strongly_or_weakly_and_by_star() {
        assert!(etag_matches("\"abc-br\"", "\"abc-br\""));
        assert!(etag_matches("W/\"abc-br\"", "\"abc-br\""));
        assert!(etag_matches("\"x\", \"abc\"", "\"abc\""));
        assert!(etag_matches("*", "\"abc\""));
        assert!(!etag_matches("\"abc\"", "\"abc-gz\""));
    }

    #[test]
    fn bodies_decompress_to_the_page() {
        let html = "<p>Sergueï Lavrov a déclaré « … ».</p>".repeat(200);
        let page = CachedPage::build(HeaderMap::new(), Bytes::from(html.clone()), Topics::new());
        let mut out = String::new();
        std::io::Read::read_to_string(&mut flate2::read::GzDecoder::new(&page.gzip[..]), &mut out)
            .unwrap();
        assert_eq!(out, html);
        let mut out = Vec::new();
        brotli::BrotliDecompress(&mut &page.brotli[..], &mut out).unwrap();
        assert_eq!(String::from_utf8(out).unwrap(), html);
        assert!(page.brotli.len() < html.len() / 10);
    }
}
