//! Moving content into and out of Kiosque: WordPress exports (WXR) read as
//! a stream, WordPress HTML turned into Kiosque's Markdown, the JSON
//! export's format and the backup file's.
//!
//! Depends on `kiosque-core` only for its types; it writes nothing itself —
//! the binary's `kiosque import` applies what is read to a store.

pub mod backup;
pub mod content;
pub mod json;
pub mod wxr;
