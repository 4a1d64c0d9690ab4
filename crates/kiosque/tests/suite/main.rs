//! Kiosque end to end: the real server on a random port over HTTP, the real
//! `kiosque` binary, both databases, and (when switched on) a real browser,
//! the Nu HTML Checker and axe. One test binary, one module per capability:
//! linking one binary instead of eighteen keeps `cargo test` quick and its
//! target folder small. Run one part with `cargo test --test suite site::`.

mod common;

mod admin;
mod api;
mod api_newsroom;
mod api_resources;
mod audience;
mod backup;
mod blobs;
mod browser;
mod browser_formats;
mod cdn_purge;
mod cli;
mod clock;
mod comments;
mod disk_full;
mod editor_presence;
mod editorial;
mod enumeration;
mod export;
mod feeds;
mod front_page;
mod ghost_api;
mod health;
mod html_validity;
mod import;
mod import_front;
mod io_errors;
mod lighthouse;
mod media;
mod navigation;
mod newsletter_browser;
mod newsletters;
mod operations;
mod page_cache;
mod pages;
mod read_replica;
mod rights;
mod route_guard;
mod search;
mod seaweedfs;
mod sections;
mod site;
mod site_settings;
mod sitemaps;
mod stored_xss;
mod story_formats;
mod themes;
mod throttles;
mod varnish;
mod visual_editor;
mod webhooks;
mod wp_api;
