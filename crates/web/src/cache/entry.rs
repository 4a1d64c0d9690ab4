//! One cached page: its headers and its body in three encodings, made
//! once when it is stored, and the answer to each request for it.

use std::io::Write as _;

use axum::body::{Body, Bytes};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::Response;
use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};

use super::Topics;

/// Browsers check every time (a 304 when nothing changed: the newsroom
/// and a reader whose comment was just approved see the page as it is
/// now); a shared cache (CDN) may keep a page a minute, purged earlier by
/// its surrogate keys, and serve it stale while it fetches a fresh one.
/// (Browsers apply stale-while-revalidate to subresources, not to page
/// navigations.)
const CACHE_CONTROL: &str = "public, max-age=0, s-maxage=60, stale-while-revalidate=600";

pub(crate) struct CachedPage {
    /// Identity, gzip and brotli, each with its full set of headers made
    /// once, so a hit only clones them.
    variants: [Variant; 3],
    topics: Topics,
    expires: Option<DateTime<Utc>>,
    weight: usize,
    /// A page view to count each time the page is served.
    view: Option<crate::stats::PageView>,
}

struct Variant {
    body: Bytes,
    headers: HeaderMap,
    /// Each encoding is its own representation, with its own validator.
    etag: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Encoding {
    Identity = 0,
    Gzip = 1,
    Brotli = 2,
}

impl CachedPage {
    /// Compresses `body` both ways; `headers` are the rendered response's.
    #[cfg(test)]
    pub(crate) fn build(headers: HeaderMap, body: Bytes, topics: Topics) -> CachedPage {
        Self::build_viewed(headers, body, topics, None)
    }

    /// As [`CachedPage::build`], counted as `view` when served.
    pub(crate) fn build_viewed(
        mut headers: HeaderMap,
        body: Bytes,
        topics: Topics,
        view: Option<crate::stats::PageView>,
    ) -> CachedPage {
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
        headers.insert(header::VARY, HeaderValue::from_static("accept-encoding"));
        headers.insert(
            header::CACHE_CONTROL,
            HeaderValue::from_static(CACHE_CONTROL),
        );
        if let Ok(v) = HeaderValue::from_str(&keys.join(" ")) {
            headers.insert("surrogate-key", v);
        }
        if let Ok(v) = HeaderValue::from_str(&keys.join(",")) {
            headers.insert("cache-tag", v);
        }
        let variant = |body: Bytes, suffix: &str, encoding: Option<&'static str>| {
            let etag = format!("\"{hash}{suffix}\"");
            let mut h = headers.clone();
            h.insert(header::CONTENT_LENGTH, HeaderValue::from(body.len()));
            if let Some(e) = encoding {
                h.insert(header::CONTENT_ENCODING, HeaderValue::from_static(e));
            }
            if let Ok(v) = HeaderValue::from_str(&etag) {
                h.insert(header::ETAG, v);
            }
            Variant {
                body,
                headers: h,
                etag,
            }
        };
        let variants = [
            variant(body.clone(), "", None),
            variant(gzip(&body), "-gz", Some("gzip")),
            variant(brotli(&body), "-br", Some("br")),
        ];
        let weight = variants
            .iter()
            .map(|v| {
                v.body.len()
                    + v.headers
                        .iter()
                        .map(|(k, v)| k.as_str().len() + v.len() + 32)
                        .sum::<usize>()
            })
            .sum::<usize>()
            + topics.iter().map(|t| t.len() * 2 + 48).sum::<usize>()
            + 512;
        CachedPage {
            variants,
            expires: topics.expires(),
            topics,
            weight,
            view,
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
        self.weight
    }

    #[cfg(test)]
    fn body(&self, encoding: Encoding) -> &Bytes {
        &self.variants[encoding as usize].body
    }

    /// The answer to a request for this page: the encoding the client
    /// prefers among those it accepts, or 304 when it has this version.
    pub(crate) fn respond(
        &self,
        method: &Method,
        request: &HeaderMap,
        state: &'static str,
    ) -> Response {
        let variant = &self.variants[negotiate(request.get(header::ACCEPT_ENCODING)) as usize];
        let not_modified = request
            .get(header::IF_NONE_MATCH)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| etag_matches(v, &variant.etag));
        let mut response = if not_modified {
            let mut r = Response::new(Body::empty());
            *r.status_mut() = StatusCode::NOT_MODIFIED;
            for h in [
                header::ETAG,
                header::VARY,
                header::CACHE_CONTROL,
                header::CONTENT_ENCODING,
            ] {
                if let Some(v) = variant.headers.get(&h) {
                    r.headers_mut().insert(h, v.clone());
                }
            }
            r
        } else {
            let body = if method == Method::HEAD {
                Body::empty()
            } else {
                Body::from(variant.body.clone())
            };
            let mut r = Response::new(body);
            *r.headers_mut() = variant.headers.clone();
            r
        };
        response
            .headers_mut()
            .insert("x-kiosque-cache", HeaderValue::from_static(state));
        if let Some(view) = &self.view {
            response.extensions_mut().insert(view.clone());
        }
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
        // A cold request waits for this (a crawler's pass over the whole
        // site is nothing but cold requests): quality 4 needs none of
        // quality 5 to 9's large hasher tables, and an article page comes
        // out 8 % larger than at 9, still smaller than gzip -9.
        quality: 4,
        // A window no larger than the page: the encoder's tables follow
        // it, and a 1 MB window's cost more to clear than the page to
        // compress.
        lgwin: window(body.len()),
        size_hint: body.len(),
        ..Default::default()
    };
    let mut input = body;
    if brotli::BrotliCompress(&mut input, &mut out, &params).is_err() {
        out.clear();
    }
    Bytes::from(out)
}

/// The smallest brotli window (log2 of its size, 10 to 22) holding `len`
/// bytes.
fn window(len: usize) -> i32 {
    let bits = usize::BITS - len.max(1).leading_zeros();
    i32::try_from(bits).unwrap_or(22).clamp(10, 22)
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

/// Whether a request's `Accept-Encoding` takes Brotli (as the cache
/// decides it for pages).
pub(crate) fn accepts_brotli(headers: &axum::http::HeaderMap) -> bool {
    negotiate(headers.get(header::ACCEPT_ENCODING)) == Encoding::Brotli
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
        std::io::Read::read_to_string(
            &mut flate2::read::GzDecoder::new(&page.body(Encoding::Gzip)[..]),
            &mut out,
        )
        .unwrap();
        assert_eq!(out, html);
        let mut out = Vec::new();
        brotli::BrotliDecompress(&mut &page.body(Encoding::Brotli)[..], &mut out).unwrap();
        assert_eq!(String::from_utf8(out).unwrap(), html);
        assert!(page.body(Encoding::Brotli).len() < html.len() / 10);
    }
}
