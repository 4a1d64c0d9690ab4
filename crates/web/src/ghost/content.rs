//! What Ghost's resources share: what a request asks for besides the
//! resource (`include`, `fields`, `formats`, `limit` — a number or `all`
//! —, `page`, `order`, `filter`), the `meta.pagination` envelope, Ghost's
//! times, and its tag and author shapes.

use std::sync::Arc;

use axum::http::{HeaderMap, HeaderValue};
use axum::response::Response;
use kiosque_core::model::{Author, AuthorProfile, Site};
use serde_json::{Value, json};

use super::filter::{self, Filter};
use super::{GhostError, answer};
use crate::AppState;
use crate::wp::query::Query;

/// How many a list holds when not told.
const LIMIT_DEFAULT: u32 = 15;
/// The most a numbered page holds.
const LIMIT_MAX: u32 = 100;

/// What a request asks for besides the resource.
pub(super) struct Ask {
    pub(super) include: Vec<String>,
    pub(super) fields: Option<Vec<String>>,
    pub(super) formats: Vec<String>,
    /// `None`: `limit=all`.
    pub(super) limit: Option<u32>,
    pub(super) page: u64,
    pub(super) order: Option<String>,
    pub(super) filter: Option<Filter>,
    pub(super) version: Option<HeaderValue>,
}

impl Ask {
    pub(super) fn read(raw: Option<&str>, headers: &HeaderMap) -> Result<Ask, GhostError> {
        let q = Query::parse(raw);
        let limit = match q.one("limit") {
            None => Some(LIMIT_DEFAULT),
            Some("all") => None,
            Some(n) => Some(
                n.parse::<u32>()
                    .map_err(|_| GhostError::bad_request("`limit` is a number or `all`."))?
                    .clamp(1, LIMIT_MAX),
            ),
        };
        let page = match q.one("page") {
            None => 1,
            Some(p) => p
                .parse::<u64>()
                .ok()
                .filter(|p| *p >= 1)
                .ok_or_else(|| GhostError::bad_request("`page` is a number from 1."))?,
        };
        let filter =
            match q.one("filter").map(str::trim).filter(|f| !f.is_empty()) {
                None => None,
                Some(f) => Some(filter::parse(f).map_err(|why| {
                    GhostError::bad_request(format!("Error parsing filter: {why}."))
                })?),
            };
        Ok(Ask {
            include: q.list("include").unwrap_or_default(),
            fields: q.list("fields").filter(|f| !f.is_empty()),
            formats: q.list("formats").unwrap_or_else(|| vec!["html".into()]),
            limit,
            page,
            order: q.one("order").map(str::to_owned),
            filter,
            version: headers.get("accept-version").cloned(),
        })
    }

    pub(super) fn includes(&self, what: &str) -> bool {
        self.include.iter().any(|i| i == what)
    }

    /// Keeps the fields asked for.
    pub(super) fn shape(&self, mut item: Value) -> Value {
        if let (Some(fields), Some(object)) = (&self.fields, item.as_object_mut()) {
            object.retain(|k, _| fields.iter().any(|f| f == k));
        }
        item
    }

    /// A list in Ghost's envelope.
    pub(super) fn list(&self, name: &str, items: Vec<Value>, total: u64) -> Response {
        let (limit, pages) = match self.limit {
            Some(n) => (json!(n), total.div_ceil(u64::from(n)).max(1)),
            None => (json!("all"), 1),
        };
        let page = self.page;
        let body = json!({
            name: items,
            "meta": { "pagination": {
                "page": page,
                "limit": limit,
                "pages": pages,
                "total": total,
                "next": if page < pages { json!(page + 1) } else { Value::Null },
                "prev": if page > 1 { json!(page - 1) } else { Value::Null },
            }},
        });
        answer(&body, self.version.as_ref())
    }

    pub(super) fn one(&self, name: &str, item: Value) -> Response {
        answer(&json!({ name: [item] }), self.version.as_ref())
    }

    pub(super) fn skip(&self) -> u64 {
        self.limit
            .map_or(0, |n| (self.page - 1).saturating_mul(u64::from(n)))
    }
}

/// A time as Ghost writes one.
pub(super) fn time(at: chrono::DateTime<chrono::Utc>) -> String {
    at.format("%Y-%m-%dT%H:%M:%S%.3f+00:00").to_string()
}

/// Minutes to read, as Ghost counts them (275 words a minute).
pub(super) fn reading_time(text: &str) -> u64 {
    (text.split_whitespace().count() as u64)
        .div_ceil(275)
        .max(1)
}

pub(super) async fn site(state: &AppState) -> Result<Arc<Site>, GhostError> {
    crate::site::load_site(state)
        .await
        .map_err(|_| GhostError::not_found("No site."))
}

/// A section or tag as Ghost's tag.
pub(super) fn tag(
    site: &Site,
    id: String,
    slug: &str,
    name: &str,
    path: String,
    count: Option<u64>,
) -> Value {
    let mut t = json!({
        "id": id,
        "name": name,
        "slug": slug,
        "description": null,
        "feature_image": null,
        "visibility": "public",
        "og_image": null, "og_title": null, "og_description": null,
        "twitter_image": null, "twitter_title": null, "twitter_description": null,
        "meta_title": null, "meta_description": null,
        "codeinjection_head": null, "codeinjection_foot": null,
        "canonical_url": null, "accent_color": null,
        "url": site.absolute_url(&path),
    });
    if let Some(n) = count {
        t["count"] = json!({ "posts": n });
    }
    t
}

/// A byline as Ghost's author.
pub(super) fn author(
    site: &Site,
    a: &Author,
    profile: Option<&AuthorProfile>,
    count: Option<u64>,
) -> Value {
    let mut out = json!({
        "id": a.id.to_string(),
        "name": a.name,
        "slug": a.slug.as_str(),
        "profile_image": profile
            .and_then(|p| p.photo.as_ref())
            .map(|m| site.absolute_url(&format!("/media/{}", m.file_name))),
        "cover_image": null,
        "bio": profile.map(|p| p.bio.clone()).filter(|b| !b.is_empty()),
        "website": profile.and_then(|p| p.links.first()).map(|l| l.as_str().to_owned()),
        "location": null, "facebook": null, "twitter": null,
        "meta_title": null, "meta_description": null,
        "url": site.absolute_url(&format!("/author/{}/", a.slug)),
    });
    if let Some(n) = count {
        out["count"] = json!({ "posts": n });
    }
    out
}
