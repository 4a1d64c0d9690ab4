//! The public, read-only side: what readers see, as JSON. Published
//! articles only, whoever asks; answers carry an `ETag`. `articles.rs`:
//! the article list (filters, fields, embeds, cursors), one article, its
//! comments; `catalogue.rs`: sections, tags, authors, pages, search, the
//! site. Here: what both read parameters with.

use std::collections::BTreeSet;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use kiosque_core::model::{ArticleType, Site};
use kiosque_core::types::Slug;
use serde::Deserialize;
use utoipa::ToSchema;

use super::auth::Caller;
use super::error::ApiError;
use super::extract::Audience;
use crate::AppState;

/// Most items a list answers at once.
pub(super) const LIMIT_MAX: u32 = 100;
/// Items a list answers when not told.
pub(super) const LIMIT_DEFAULT: u32 = 20;
pub(crate) async fn site_of(state: &AppState) -> Result<Arc<Site>, ApiError> {
    crate::site::load_site(state)
        .await
        .map_err(|_| ApiError::not_found())
}

pub(super) fn audience(caller: &Caller) -> Audience {
    if caller.signed.is_some() {
        Audience::Private
    } else {
        Audience::Public
    }
}

/// An article's kind, as a filter.
#[derive(Debug, Clone, Copy, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub(crate) enum TypeParam {
    News,
    Analysis,
    Opinion,
    Sponsored,
}

impl From<TypeParam> for ArticleType {
    fn from(t: TypeParam) -> Self {
        match t {
            TypeParam::News => ArticleType::News,
            TypeParam::Analysis => ArticleType::Analysis,
            TypeParam::Opinion => ArticleType::Opinion,
            TypeParam::Sponsored => ArticleType::Sponsored,
        }
    }
}

/// Names separated by commas, each one of `allowed`, or a 400 naming
/// the parameter.
pub(super) fn names(
    raw: Option<&str>,
    allowed: &[&str],
    param: &str,
) -> Result<Option<BTreeSet<String>>, ApiError> {
    let Some(raw) = raw else { return Ok(None) };
    let mut out = BTreeSet::new();
    for name in raw.split(',') {
        if !allowed.contains(&name) {
            return Err(ApiError::bad_request(format!(
                "`{param}` takes {}; not {name:?}.",
                allowed.join(", ")
            )));
        }
        out.insert(name.to_owned());
    }
    Ok(Some(out))
}

pub(super) fn slug_param(raw: Option<&str>, param: &str) -> Result<Option<Slug>, ApiError> {
    raw.map(|s| {
        Slug::parse(s).map_err(|_| {
            ApiError::bad_request(format!(
                "`{param}` must be a slug: lower-case letters, digits and single hyphens."
            ))
        })
    })
    .transpose()
}

pub(super) fn time_param(
    raw: Option<&str>,
    param: &str,
) -> Result<Option<DateTime<Utc>>, ApiError> {
    raw.map(|t| {
        DateTime::parse_from_rfc3339(t)
            .map(|t| t.with_timezone(&Utc))
            .map_err(|_| {
                ApiError::bad_request(format!(
                    "`{param}` must be an RFC 3339 time such as 2024-11-01T00:00:00+01:00."
                ))
            })
    })
    .transpose()
}

pub(super) fn text_param(
    raw: Option<&str>,
    max: usize,
    param: &str,
) -> Result<Option<String>, ApiError> {
    match raw {
        Some(t) if t.chars().count() > max => Err(ApiError::bad_request(format!(
            "`{param}` is at most {max} characters."
        ))),
        other => Ok(other.map(str::to_owned)),
    }
}

pub(super) fn limit_param(raw: Option<u32>) -> Result<u32, ApiError> {
    match raw {
        None => Ok(LIMIT_DEFAULT),
        Some(n) if (1..=LIMIT_MAX).contains(&n) => Ok(n),
        Some(_) => Err(ApiError::bad_request(format!(
            "`limit` is from 1 to {LIMIT_MAX}."
        ))),
    }
}

/// What a path's `{key}` names: an id (digits) or a slug; anything else
/// names nothing there is.
pub(super) enum Key {
    Id(i64),
    Slug(Slug),
    Neither,
}

impl Key {
    pub(super) fn parse(raw: &str) -> Key {
        match (raw.parse::<i64>(), Slug::parse(raw)) {
            (Ok(id), _) => Key::Id(id),
            (Err(_), Ok(slug)) => Key::Slug(slug),
            (Err(_), Err(_)) => Key::Neither,
        }
    }
}

mod articles;
mod catalogue;

pub(crate) use articles::*;
pub(crate) use catalogue::*;
