//! Moving content into and out of Kiosque: WordPress exports (WXR) read as
//! a stream and WordPress HTML turned into Kiosque's Markdown.
//!
//! Depends on `kiosque-core` only for its types; it writes nothing itself —
//! the binary's `kiosque import` applies what is read to a store.

pub mod content;
pub mod wxr;
