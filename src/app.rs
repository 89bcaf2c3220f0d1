//! Builds the application: state, router, workers, and the server with
//! graceful shutdown. Tests call [`Application::build`] with port 0.

use tokio::net::TcpListener;
use tokio::sync::watch;

use crate::config::{Settings, redacted_url};
use crate::db;
use crate::mail::transport::Transport;
use crate::routes::state::{App, AppState};

/// A bound, ready-to-run server.
pub struct Application {
    listener: TcpListener,
    state: AppState,
    transport: Transport,
    setup_link: Option<String>,
}

impl Application {
    /// Connects to the database, applies migrations and binds the listener.
    /// With port 0 the OS picks a free port, and `base_url` follows it unless
    /// it was configured.
    pub async fn build(mut settings: Settings) -> anyhow::Result<Self> {
        let listener = TcpListener::bind(settings.server.bind).await?;
        let bound = listener.local_addr()?;
        if settings.server.bind.port() == 0
            && settings.server.base_url.port_or_known_default() == Some(0)
        {
            let _ = settings.server.base_url.set_port(Some(bound.port()));
        }
        settings.server.bind = bound;
        tracing::info!(database = %redacted_url(&settings.database.url), "connecting to the database");
        let db = db::connect(&settings.database).await?;
        db::migrate(&db).await?;
        let transport = Transport::from_settings(&settings.mail)?;
        let setup_link = match crate::services::accounts::issue_setup_link(&db, chrono::Utc::now())
            .await?
        {
            Some(token) => {
                let link = settings
                    .server
                    .base_url
                    .join(&format!("admin/setup/{}", token.as_link_part()))?;
                tracing::warn!(%link, "no organiser account yet: open this one-time link (valid 24 hours) to create the first admin");
                Some(link.to_string())
            }
            None => None,
        };
        let members = db::events::member_municipalities(&db).await?;
        crate::routes::metrics::handle();
        let state = AppState::new(App {
            settings,
            members,
            rate_limiter: Default::default(),
            event_pages: Default::default(),
            db,
        });
        Ok(Self {
            listener,
            state,
            transport,
            setup_link,
        })
    }

    /// The port actually bound.
    pub fn port(&self) -> u16 {
        self.state.settings.server.bind.port()
    }

    /// The one-time setup link logged at start, when no organiser exists yet.
    pub fn setup_link(&self) -> Option<&str> {
        self.setup_link.as_deref()
    }

    /// The state, for tests that want to look into the database.
    pub fn state(&self) -> AppState {
        self.state.clone()
    }

    /// Serves and delivers mail until `shutdown` completes, then drains
    /// in-flight requests and lets the mail worker finish its batch.
    pub async fn run_until(
        self,
        shutdown: impl std::future::Future<Output = ()> + Send + 'static,
    ) -> anyhow::Result<()> {
        let (stop_worker, stop) = watch::channel(false);
        let worker = tokio::spawn(crate::mail::worker::run(
            self.state.db.clone(),
            self.state.settings.clone(),
            self.transport,
            stop,
        ));
        let retention = tokio::spawn(crate::services::retention::schedule(
            self.state.db.clone(),
            self.state.settings.privacy,
            stop_worker.subscribe(),
        ));
        let reminders = tokio::spawn(crate::services::reminders::schedule(
            self.state.db.clone(),
            stop_worker.subscribe(),
        ));
        let router = crate::routes::router(self.state.clone());
        tracing::info!(url = %self.state.settings.server.base_url, bind = %self.state.settings.server.bind, "anmalan is listening");
        let served = axum::serve(
            self.listener,
            router.into_make_service_with_connect_info::<std::net::SocketAddr>(),
        )
        .with_graceful_shutdown(shutdown)
        .await;
        let _ = stop_worker.send(true);
        if let Err(err) = worker.await {
            tracing::error!(error = %err, "mail worker ended abnormally");
        }
        let _ = retention.await;
        let _ = reminders.await;
        served?;
        self.state.db.clone().close().await?;
        tracing::info!("stopped");
        Ok(())
    }

    /// Serves until SIGTERM or Ctrl-C.
    pub async fn run(self) -> anyhow::Result<()> {
        self.run_until(shutdown_signal()).await
    }
}

/// Completes on Ctrl-C or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        if let Err(err) = tokio::signal::ctrl_c().await {
            tracing::error!(error = %err, "cannot listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(err) => {
                tracing::error!(error = %err, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutting down");
}
