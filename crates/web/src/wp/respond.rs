//! What every answer shares: the `context` an item is drawn for, `_embed`
//! (linked objects fetched the way WordPress does it: each embeddable
//! link asked of this same server in the `embed` context), `_fields`, and
//! a collection's `X-WP-Total`, `X-WP-TotalPages` and `Link` headers.

use std::collections::HashMap;
use std::sync::Arc;

use axum::body::Body;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, Request, StatusCode, header};
use axum::response::{IntoResponse, Response};
use kiosque_core::model::Site;
use kiosque_core::types::Permission;
use serde_json::{Map, Value, json};
use tower::ServiceExt as _;

use super::auth::WpCaller;
use super::error::WpError;
use super::query::{Paging, Query};
use crate::AppState;

/// Which of an item's fields are drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Context {
    View,
    Embed,
    Edit,
}

/// Which links are embedded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Embed {
    None,
    All,
    Only(Vec<String>),
}

/// How the caller asked for items to be drawn.
#[derive(Debug, Clone)]
pub(crate) struct Ask {
    pub(crate) context: Context,
    embed: Embed,
    fields: Option<Vec<String>>,
    /// Sent along with the requests that fetch embedded objects.
    authorization: Option<HeaderValue>,
}

impl Ask {
    pub(crate) fn read(
        query: &Query,
        headers: &HeaderMap,
        caller: &WpCaller,
    ) -> Result<Ask, WpError> {
        let context = match query.choice("context", &["view", "embed", "edit"], "view")? {
            "embed" => Context::Embed,
            "edit" => Context::Edit,
            _ => Context::View,
        };
        if context == Context::Edit {
            caller.may(
                Permission::WriteDrafts,
                "rest_forbidden_context",
                "Sorry, you are not allowed to edit posts in this post type.",
            )?;
        }
        let embed = match query.list("_embed") {
            None => Embed::None,
            Some(rels) if rels.is_empty() || rels.iter().any(|r| r == "1" || r == "true") => {
                Embed::All
            }
            Some(rels) => Embed::Only(rels),
        };
        Ok(Ask {
            context,
            embed,
            fields: query.list("_fields").filter(|f| !f.is_empty()),
            authorization: headers.get(header::AUTHORIZATION).cloned(),
        })
    }

    /// How a write's answer is drawn: everything, nothing embedded.
    pub(crate) fn edit() -> Ask {
        Ask {
            context: Context::Edit,
            embed: Embed::None,
            fields: None,
            authorization: None,
        }
    }

    fn embeds(&self, rel: &str) -> bool {
        match &self.embed {
            Embed::None => false,
            Embed::All => true,
            Embed::Only(rels) => rels.iter().any(|r| r == rel),
        }
    }

    /// An item as asked: its context's fields, its embedded links, then
    /// `_fields`. `embed_fields` are those the `embed` context keeps.
    pub(crate) async fn finish(
        &self,
        state: &Arc<AppState>,
        mut item: Value,
        embed_fields: &[&str],
        fetched: &mut Fetched,
    ) -> Value {
        if self.context == Context::Embed
            && let Some(object) = item.as_object_mut()
        {
            object.retain(|k, _| k == "_links" || embed_fields.contains(&k.as_str()));
        }
        let wants_embedded = self.fields.as_ref().is_none_or(|f| {
            f.iter()
                .any(|f| f == "_embedded" || f.starts_with("_embedded."))
        });
        if self.embed != Embed::None && wants_embedded {
            let embedded = self.embedded(state, &item, fetched).await;
            if !embedded.is_empty()
                && let Some(object) = item.as_object_mut()
            {
                object.insert("_embedded".to_owned(), Value::Object(embedded));
            }
        }
        if let Some(fields) = &self.fields {
            keep_fields(&mut item, fields);
        }
        item
    }

    async fn embedded(
        &self,
        state: &Arc<AppState>,
        item: &Value,
        fetched: &mut Fetched,
    ) -> Map<String, Value> {
        let mut out = Map::new();
        let Some(links) = item.get("_links").and_then(Value::as_object) else {
            return out;
        };
        for (rel, targets) in links {
            if !self.embeds(rel) {
                continue;
            }
            let mut values = Vec::new();
            for target in targets.as_array().into_iter().flatten() {
                if target.get("embeddable") != Some(&Value::Bool(true)) {
                    continue;
                }
                let Some(href) = target.get("href").and_then(Value::as_str) else {
                    continue;
                };
                values.push(fetched.get(state, href, self.authorization.as_ref()).await);
            }
            if !values.is_empty() {
                out.insert(rel.clone(), Value::Array(values));
            }
        }
        out
    }
}

/// What every read starts with: the query, how items are to be drawn,
/// the site and the caller.
pub(crate) struct Asked {
    pub(crate) q: Query,
    pub(crate) ask: Ask,
    pub(crate) site: Arc<Site>,
    pub(crate) caller: WpCaller,
}

impl FromRequestParts<Arc<AppState>> for Asked {
    type Rejection = WpError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &Arc<AppState>,
    ) -> Result<Self, Self::Rejection> {
        let caller = WpCaller::from_request_parts(parts, state).await?;
        let q = Query::parse(parts.uri.query());
        let ask = Ask::read(&q, &parts.headers, &caller)?;
        let site = super::posts::site(state).await?;
        Ok(Asked {
            q,
            ask,
            site,
            caller,
        })
    }
}

/// A route's `{id}`: digits, or no route (as WordPress's `[\d]+`).
pub(crate) struct WpId(pub(crate) i64);

impl FromRequestParts<Arc<AppState>> for WpId {
    type Rejection = WpError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &Arc<AppState>,
    ) -> Result<Self, Self::Rejection> {
        let axum::extract::Path(raw) =
            axum::extract::Path::<String>::from_request_parts(parts, state)
                .await
                .map_err(|_| WpError::no_route())?;
        raw.parse().map(WpId).map_err(|_| WpError::no_route())
    }
}

/// Objects fetched for `_embed` within one answer, by address (a list's
/// items often share an author).
#[derive(Debug, Default)]
pub(crate) struct Fetched {
    seen: HashMap<String, Value>,
}

impl Fetched {
    async fn get(
        &mut self,
        state: &Arc<AppState>,
        href: &str,
        authorization: Option<&HeaderValue>,
    ) -> Value {
        if let Some(v) = self.seen.get(href) {
            return v.clone();
        }
        let value = fetch(state, href, authorization).await.unwrap_or_else(
            || json!({"code": "rest_no_route", "message": "Not found.", "data": {"status": 404}}),
        );
        self.seen.insert(href.to_owned(), value.clone());
        value
    }
}

/// Asks this server for `href` in the `embed` context, as the caller.
async fn fetch(
    state: &Arc<AppState>,
    href: &str,
    authorization: Option<&HeaderValue>,
) -> Option<Value> {
    let url = url::Url::parse(href).ok()?;
    let mut target = url.path().to_owned();
    let mut pairs: Vec<(String, String)> = url
        .query_pairs()
        .filter(|(k, _)| k != "context")
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    pairs.push(("context".to_owned(), "embed".to_owned()));
    target.push('?');
    target.push_str(
        &url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(pairs)
            .finish(),
    );
    let router = state.router.lock().ok()?.clone()?;
    let mut request = Request::get(target).body(Body::empty()).ok()?;
    if let Some(auth) = authorization {
        request
            .headers_mut()
            .insert(header::AUTHORIZATION, auth.clone());
    }
    let response = router.oneshot(request).await.ok()?;
    let bytes = axum::body::to_bytes(response.into_body(), 16 * 1024 * 1024)
        .await
        .ok()?;
    serde_json::from_slice(&bytes).ok()
}

/// Keeps the fields named (`title`, or `title.rendered` within it).
fn keep_fields(item: &mut Value, fields: &[String]) {
    let Some(object) = item.as_object_mut() else {
        return;
    };
    let mut nested: HashMap<&str, Vec<String>> = HashMap::new();
    let mut whole: Vec<&str> = Vec::new();
    for f in fields {
        match f.split_once('.') {
            Some((head, rest)) => nested.entry(head).or_default().push(rest.to_owned()),
            None => whole.push(f),
        }
    }
    object.retain(|k, _| whole.contains(&k.as_str()) || nested.contains_key(k.as_str()));
    for (head, rest) in nested {
        if whole.contains(&head) {
            continue;
        }
        if let Some(inner) = object.get_mut(head) {
            keep_fields(inner, &rest);
        }
    }
}

/// A time as WordPress writes one: no zone, on the site's clock.
pub(crate) fn local_time(site: &Site, at: chrono::DateTime<chrono::Utc>) -> String {
    site.local(at).format("%Y-%m-%dT%H:%M:%S").to_string()
}

/// The same time in UTC, still without a zone.
pub(crate) fn gmt_time(at: chrono::DateTime<chrono::Utc>) -> String {
    at.format("%Y-%m-%dT%H:%M:%S").to_string()
}

/// The absolute address of a route of the API (`posts/42`).
pub(crate) fn route_url(site: &Site, route: &str) -> String {
    site.absolute_url(&format!("/wp-json/wp/v2/{route}"))
}

/// `{"href": …}` links of an item, by relation.
pub(crate) fn link(href: String) -> Value {
    json!([{ "href": href }])
}

/// A link a client may ask to have embedded.
pub(crate) fn embeddable(href: String) -> Value {
    json!([{ "embeddable": true, "href": href }])
}

/// The `curies` every item carries (`wp:term` and the like).
pub(crate) fn curies() -> Value {
    json!([{ "name": "wp", "href": "https://api.w.org/{rel}", "templated": true }])
}

/// A JSON answer.
pub(crate) fn json_response(status: StatusCode, value: &Value) -> Response {
    (
        status,
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json; charset=UTF-8"),
        )],
        value.to_string(),
    )
        .into_response()
}

/// A page of a collection: the items with WordPress's totals and links
/// to the pages beside it (on `path`, the other parameters kept).
pub(crate) fn collection(
    site: &Site,
    path: &str,
    query: &Query,
    paging: Paging,
    total: u64,
    items: Vec<Value>,
) -> Response {
    let per_page = u64::from(paging.per_page);
    let pages = total.div_ceil(per_page);
    let mut response = json_response(StatusCode::OK, &Value::Array(items));
    let headers = response.headers_mut();
    headers.insert("x-wp-total", HeaderValue::from(total));
    headers.insert("x-wp-totalpages", HeaderValue::from(pages));
    let page_link = |n: u64| {
        let mut pairs: Vec<(&str, String)> = query
            .pairs()
            .iter()
            .filter(|(k, _)| k != "page")
            .map(|(k, v)| (k.as_str(), v.clone()))
            .collect();
        pairs.push(("page", n.to_string()));
        let query = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(pairs)
            .finish();
        format!("<{}?{query}>", site.absolute_url(path))
    };
    let mut links = Vec::new();
    if paging.page > 1 && paging.page - 1 <= pages.max(1) {
        links.push(format!("{}; rel=\"prev\"", page_link(paging.page - 1)));
    }
    if paging.page < pages {
        links.push(format!("{}; rel=\"next\"", page_link(paging.page + 1)));
    }
    if !links.is_empty()
        && let Ok(value) = HeaderValue::from_str(&links.join(", "))
    {
        headers.insert(header::LINK, value);
    }
    response
}

/// A page number past the last page is an error, as WordPress has it.
pub(crate) fn check_page(paging: Paging, total: u64, code: &'static str) -> Result<(), WpError> {
    let pages = total.div_ceil(u64::from(paging.per_page));
    if total > 0 && paging.page > pages {
        return Err(WpError::page_past_end(code));
    }
    Ok(())
}
