//! Kiosque's domain: what an article, an author or a comment is, the rules they
//! obey, and the ports (traits) through which the rest of the system stores and
//! serves them.
//!
//! This crate must never depend on a web framework, a database driver or an
//! image library: `cargo tree -p kiosque-core -i axum` (and `-i sqlx`) must
//! find nothing. Those live in `kiosque-web`, `kiosque-store` and
//! `kiosque-media`, which depend on this crate, never the other way round.

pub mod error;
pub mod markup;
pub mod model;
pub mod ports;
pub mod service;
pub mod types;

pub use error::{Error, FieldError, Result};
