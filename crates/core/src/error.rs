//! The one error type of the domain.
//!
//! When to use which variant:
//! - `Invalid`: the caller sent something we refuse (a form, a file). It carries
//!   one entry per field so a form can be shown again with a message per field.
//!   Messages are translation keys, never prose, so the web layer can translate.
//! - `NotFound`: the thing asked for does not exist (or must look as if it
//!   did not, such as a draft seen by a reader).
//! - `Conflict`: the request is valid but clashes with the current state.
//! - `Backend`: a failure of the machinery (database, disk). Its cause is for
//!   the log only; callers show a generic message.
//! - `Unavailable`: the machinery cannot be reached just now (the database
//!   restarting, its connections all taken for seconds): nothing was done,
//!   and the same request may succeed in a few seconds (HTTP 503 with
//!   `Retry-After`, not a 500 that looks like a bug).
//!
//! `kiosque-web/src/error.rs` is the one place these become HTTP responses.

use std::fmt;

/// A refusal tied to one input field; `code` is a translation key such as
/// `required` or `too_long`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    /// Name of the field, as in the form or the front matter.
    pub field: &'static str,
    /// Translation key of the message (under `errors.` in the locale files).
    pub code: &'static str,
}

impl fmt::Display for FieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.field, self.code.replace('_', " "))
    }
}

/// Every error the domain can report.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Input refused; one entry per offending field.
    #[error("invalid input: {}", display_fields(.0))]
    Invalid(Vec<FieldError>),
    /// The named kind of thing does not exist.
    #[error("{0} not found")]
    NotFound(&'static str),
    /// The request clashes with the current state.
    #[error("conflict: {0}")]
    Conflict(String),
    /// The storage or another backend failed; the cause is for the log.
    #[error("backend failure")]
    Backend(#[source] Box<dyn std::error::Error + Send + Sync>),
    /// The storage cannot be reached for now; worth trying again shortly.
    #[error("backend unavailable")]
    Unavailable(#[source] Box<dyn std::error::Error + Send + Sync>),
}

/// The disk holding the database or the media is full: the cause inside
/// an [`Error::Unavailable`] (writes work again once space is freed), so
/// the answer can say so and the log can name it.
#[derive(Debug, thiserror::Error)]
#[error("the disk is full")]
pub struct DiskFull(#[source] pub Box<dyn std::error::Error + Send + Sync>);

impl Error {
    /// Whether this is a full disk.
    pub fn is_disk_full(&self) -> bool {
        matches!(self, Error::Unavailable(cause) if cause.is::<DiskFull>())
    }
}

fn display_fields(fields: &[FieldError]) -> String {
    fields
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

impl Error {
    /// A single-field refusal.
    pub fn invalid(field: &'static str, code: &'static str) -> Self {
        Error::Invalid(vec![FieldError { field, code }])
    }

    /// Wraps any backend failure.
    pub fn backend(e: impl std::error::Error + Send + Sync + 'static) -> Self {
        Error::Backend(Box::new(e))
    }

    /// Wraps a write refused for want of space.
    pub fn disk_full(e: impl std::error::Error + Send + Sync + 'static) -> Self {
        Error::Unavailable(Box::new(DiskFull(Box::new(e))))
    }

    /// Wraps a backend that cannot be reached for now.
    pub fn unavailable(e: impl std::error::Error + Send + Sync + 'static) -> Self {
        Error::Unavailable(Box::new(e))
    }
}

/// Result with the domain error.
pub type Result<T, E = Error> = std::result::Result<T, E>;
