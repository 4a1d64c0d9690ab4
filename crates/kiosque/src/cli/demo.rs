//! `kiosque demo`: a ready-made French site to look at.

use std::net::SocketAddr;

use clap::Args;

use crate::app::{Application, open_store, shutdown_signal};
use crate::config::Settings;

/// Options of `kiosque demo`.
#[derive(Debug, Args)]
pub struct Demo {
    /// Address and port to listen on.
    #[arg(long, env = "KIOSQUE_LISTEN", default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,
    /// Only create the demo content, do not serve it.
    #[arg(long)]
    pub no_serve: bool,
}

impl Demo {
    /// Seeds the demo site in the data directory, then serves it.
    pub async fn run(self, settings: &Settings) -> anyhow::Result<()> {
        let store = open_store(settings).await?;
        let site = crate::demo::seed(&store, settings, &format!("http://{}", self.listen)).await?;
        let account = crate::demo::account(&store, &settings.data_dir).await?;
        store.close().await;
        eprintln!(
            "Demo site \"{}\" ready in {}.",
            site.name,
            settings.data_dir.display()
        );
        let newsroom = |address: &str| {
            eprintln!(
                "The newsroom: {address}/admin/\n  e-mail:   {}\n  password: {}",
                account.email, account.password
            );
        };
        if self.no_serve {
            newsroom(&format!("http://{}", self.listen));
            return Ok(());
        }
        let app = Application::build(settings, self.listen).await?;
        eprintln!(
            "Open http://{}/ in a browser (Ctrl-C to stop).",
            app.local_addr()
        );
        newsroom(&format!("http://{}", app.local_addr()));
        app.run_until(shutdown_signal()).await
    }
}
