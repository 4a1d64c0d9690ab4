//! `kiosque serve`: run the web server.

use std::net::SocketAddr;

use clap::Args;

use crate::app::{Application, shutdown_signal};
use crate::config::Settings;

/// Options of `kiosque serve`.
#[derive(Debug, Args)]
pub struct Serve {
    /// Address and port to listen on [default: the configuration's, or 127.0.0.1:8080].
    #[arg(long, env = "KIOSQUE_LISTEN")]
    pub listen: Option<SocketAddr>,
}

impl Serve {
    /// Serves until Ctrl-C or SIGTERM.
    pub async fn run(self, settings: &Settings) -> anyhow::Result<()> {
        let app = Application::build(settings, self.listen.unwrap_or(settings.listen)).await?;
        eprintln!("Kiosque is serving on http://{}/", app.local_addr());
        app.run_until(shutdown_signal()).await
    }
}
