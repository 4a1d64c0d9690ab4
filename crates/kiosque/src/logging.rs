//! Where the log goes and in what shape: lines for a person at a terminal
//! or reading a file, or JSON lines (`[log] format = "json"`) for a log
//! collector. Either way a request's lines carry its id (the `request`
//! span), the id its answer returns in `X-Request-Id`.

use serde::Deserialize;

/// The log's shape.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    /// One line of text per event.
    #[default]
    Text,
    /// One JSON object per line: time, level, target, the event's fields
    /// and the request span (its id, method and path).
    Json,
}

/// Sends the log to standard error in `format`, filtered by `KIOSQUE_LOG`
/// (`info,sqlx=warn` when unset).
pub fn init(format: LogFormat) {
    let filter = tracing_subscriber::EnvFilter::try_from_env("KIOSQUE_LOG")
        .unwrap_or_else(|_| "info,sqlx=warn".into());
    let log = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    match format {
        // Colours only for a person at a terminal, not in a log file or a
        // pipe (`kiosque import … 2> import.log`).
        LogFormat::Text => log
            .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
            .init(),
        LogFormat::Json => log
            .json()
            .flatten_event(true)
            .with_current_span(true)
            .with_span_list(false)
            .init(),
    }
}
