//! Query parameters as WordPress's clients send them: lists as
//! `categories=1,2` or `categories[]=1&categories[]=2`, booleans as
//! `1`/`true`, times with or without a zone (then on the site's clock).
//! Parameters a route does not know are ignored, as WordPress does.
//!
//! Read by hand rather than with serde: `serde_urlencoded` has no notion
//! of `name[]` lists, and WordPress's clients send both forms.

use chrono::{DateTime, Utc};
use kiosque_core::model::Site;

use super::error::WpError;

/// The most items a page holds.
pub(crate) const PER_PAGE_MAX: i64 = 100;

/// A request's query string, decoded.
#[derive(Debug, Default)]
pub(crate) struct Query {
    pairs: Vec<(String, String)>,
}

/// Which page of a collection.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Paging {
    pub(crate) page: u64,
    pub(crate) per_page: u32,
    /// Items skipped before the first (from `offset` or the page number).
    pub(crate) skip: u64,
}

impl Query {
    pub(crate) fn parse(raw: Option<&str>) -> Query {
        Query {
            pairs: url::form_urlencoded::parse(raw.unwrap_or_default().as_bytes())
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect(),
        }
    }

    /// Every value sent under `name`, `name[]` or `name[N]`.
    fn values(&self, name: &str) -> Vec<&str> {
        self.pairs
            .iter()
            .filter_map(|(k, v)| {
                let rest = k.strip_prefix(name)?;
                let listed = rest.is_empty()
                    || (rest.starts_with('[')
                        && rest.ends_with(']')
                        && rest[1..rest.len() - 1].bytes().all(|b| b.is_ascii_digit()));
                listed.then_some(v.as_str())
            })
            .collect()
    }

    /// The last value of `name`.
    pub(crate) fn one(&self, name: &str) -> Option<&str> {
        self.values(name).last().copied()
    }

    pub(crate) fn has(&self, name: &str) -> bool {
        !self.values(name).is_empty()
    }

    /// A list, from every value, each split on commas; `None` if absent.
    pub(crate) fn list(&self, name: &str) -> Option<Vec<String>> {
        if !self.has(name) {
            return None;
        }
        Some(
            self.values(name)
                .into_iter()
                .flat_map(|v| v.split(','))
                .map(str::trim)
                .filter(|v| !v.is_empty())
                .map(str::to_owned)
                .collect(),
        )
    }

    /// A list of ids (non-negative integers).
    pub(crate) fn ids(&self, name: &str) -> Result<Option<Vec<i64>>, WpError> {
        let Some(list) = self.list(name) else {
            return Ok(None);
        };
        list.iter()
            .map(|v| {
                v.parse::<i64>().ok().filter(|n| *n >= 0).ok_or_else(|| {
                    WpError::invalid_param(name, format!("{name}[0] is not of type integer."))
                })
            })
            .collect::<Result<Vec<_>, _>>()
            .map(Some)
    }

    /// An integer from `min` to `max`, `default` if absent.
    pub(crate) fn int(&self, name: &str, min: i64, max: i64, default: i64) -> Result<i64, WpError> {
        let Some(raw) = self.one(name) else {
            return Ok(default);
        };
        let n: i64 = raw
            .trim()
            .parse()
            .map_err(|_| WpError::invalid_param(name, format!("{name} is not of type integer.")))?;
        if n < min || n > max {
            return Err(WpError::invalid_param(
                name,
                format!("{name} must be between {min} (inclusive) and {max} (inclusive)"),
            ));
        }
        Ok(n)
    }

    /// One of `allowed`, `default` if absent.
    pub(crate) fn choice<'a>(
        &'a self,
        name: &str,
        allowed: &[&'a str],
        default: &'a str,
    ) -> Result<&'a str, WpError> {
        match self.one(name) {
            None => Ok(default),
            Some(v) => allowed.iter().find(|a| **a == v).copied().ok_or_else(|| {
                WpError::invalid_param(
                    name,
                    format!("{name} is not one of {}.", allowed.join(", ")),
                )
            }),
        }
    }

    /// A boolean, as WordPress reads one.
    pub(crate) fn flag(&self, name: &str) -> Result<Option<bool>, WpError> {
        match self.one(name).map(str::to_ascii_lowercase).as_deref() {
            None => Ok(None),
            Some("1" | "true") => Ok(Some(true)),
            Some("0" | "false" | "") => Ok(Some(false)),
            Some(_) => Err(WpError::invalid_param(
                name,
                format!("{name} is not of type boolean."),
            )),
        }
    }

    /// A time: RFC 3339, or without a zone on the site's clock.
    pub(crate) fn time(&self, name: &str, site: &Site) -> Result<Option<DateTime<Utc>>, WpError> {
        let Some(raw) = self.one(name) else {
            return Ok(None);
        };
        DateTime::parse_from_rfc3339(raw.trim())
            .map(|t| t.with_timezone(&Utc))
            .ok()
            .or_else(|| site.parse_local_time(raw))
            .map(Some)
            .ok_or_else(|| WpError::invalid_param(name, "Invalid date."))
    }

    /// `page`, `per_page` (1–100, 10 if not told) and `offset`.
    pub(crate) fn paging(&self) -> Result<Paging, WpError> {
        let page = self.int("page", 1, i64::MAX, 1)?;
        let per_page = self.int("per_page", 1, PER_PAGE_MAX, 10)?;
        let offset = self.int("offset", 0, i64::MAX, -1)?;
        let page = u64::try_from(page).unwrap_or(1);
        let per_page = u32::try_from(per_page).unwrap_or(10);
        let skip = u64::try_from(offset)
            .unwrap_or_else(|_| (page - 1).saturating_mul(u64::from(per_page)));
        Ok(Paging {
            page,
            per_page,
            skip,
        })
    }

    /// The search words, if any (at most 200 characters).
    pub(crate) fn search(&self) -> Result<Option<String>, WpError> {
        match self.one("search").map(str::trim) {
            None | Some("") => Ok(None),
            Some(s) if s.chars().count() > 200 => Err(WpError::invalid_param(
                "search",
                "search is at most 200 characters.",
            )),
            Some(s) => Ok(Some(s.to_owned())),
        }
    }

    /// Pairs as sent, for the links to other pages.
    pub(crate) fn pairs(&self) -> &[(String, String)] {
        &self.pairs
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_come_in_both_forms_and_with_commas() {
        let q = Query::parse(Some("categories=4,5&tags[]=9&tags[]=10&tags[2]=11&tagsx=1"));
        assert_eq!(q.ids("categories").unwrap(), Some(vec![4, 5]));
        assert_eq!(q.ids("tags").unwrap(), Some(vec![9, 10, 11]));
        assert_eq!(q.ids("author").unwrap(), None);
        assert!(Query::parse(Some("include=1,x")).ids("include").is_err());
    }

    #[test]
    fn paging_takes_an_offset_over_the_page_and_refuses_out_of_range_sizes() {
        let p = Query::parse(Some("page=3&per_page=5")).paging().unwrap();
        assert_eq!((p.page, p.per_page, p.skip), (3, 5, 10));
        let p = Query::parse(Some("page=3&per_page=5&offset=1"))
            .paging()
            .unwrap();
        assert_eq!(p.skip, 1);
        for bad in [
            "per_page=0",
            "per_page=101",
            "page=0",
            "page=x",
            "offset=-1",
        ] {
            assert!(Query::parse(Some(bad)).paging().is_err(), "{bad}");
        }
    }
}
