//! The `kiosque` program: reads the configuration, wires the concrete store,
//! media directory and web layer together, and runs the subcommands.
//!
//! It is a library too so the tests can start the real application on a
//! random port (`Application::build`) exactly as `kiosque serve` does.

pub mod app;
pub mod backup;
pub mod cdn;
pub mod cli;
pub mod config;
pub mod demo;
pub mod export;
pub mod import;
pub mod logging;
pub mod mailer;
pub mod media_worker;
pub mod newsletter;
pub mod outbound;
pub mod scheduler;
pub mod secret_keys;
pub mod stats_worker;
pub mod stopping;
pub mod webhook_worker;

pub use app::Application;
pub use config::{MediaStorage, Settings};
