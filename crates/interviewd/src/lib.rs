//! interviewd: a self-hostable AI-interview platform server.
//!
//! One core, three API dialects wire-compatible with InstaView, Alpharun and Xobin. The
//! library entry [`run`] takes a pre-bound listener so tests start the real server on
//! port 0.

pub mod admin;
pub mod app;
pub mod cli;
pub mod clock;
pub mod config;
pub mod core;
pub mod http;
pub mod secret;
pub mod store;
pub mod wire;
pub mod workers;

use crate::config::Config;
use crate::store::DynStore;
use crate::store::postgres::{PgStore, is_postgres_url};
use crate::store::sqlite::SqliteStore;
use anyhow::Context;
use std::sync::Arc;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

/// Opens the configured database and migrates it. The URL's scheme picks the backend:
/// `postgres://` or `postgresql://` for PostgreSQL, anything else for SQLite. The data
/// directory is created either way (recordings and the mail outbox live there).
pub async fn open_store(config: &Config) -> anyhow::Result<DynStore> {
    let url = config.database_url();
    std::fs::create_dir_all(&config.data_dir)
        .with_context(|| format!("creating data directory {}", config.data_dir.display()))?;
    let store: DynStore = if is_postgres_url(&url) {
        let store = PgStore::connect(&url, config.database_max_connections)
            .await
            .context("connecting to the PostgreSQL database")?;
        Arc::new(store)
    } else {
        let store = SqliteStore::connect(&url)
            .await
            .context("opening the SQLite database")?;
        Arc::new(store)
    };
    store.migrate().await.context("migrating the database")?;
    Ok(store)
}

/// Parts of a server that replace the configured ones.
#[derive(Default)]
pub struct Parts {
    /// The voice provider of phone calls (default: the simulator).
    pub provider: Option<Arc<dyn interviewd_voice::VoiceProvider>>,
    /// The speech engines of voice interviews (default: from the configuration).
    pub speech: Option<core::engine::models::Speech>,
}

/// One server: the shared state of its surfaces and its background workers.
#[derive(Clone)]
pub struct Server {
    pub state: app::AppState,
    pub workers: Arc<workers::Workers>,
}

impl Server {
    /// Builds the state and the workers over an opened store.
    pub fn new(config: Config, store: DynStore) -> anyhow::Result<Self> {
        let provider = Arc::new(interviewd_voice::Simulator::new(config.simulator_turn_ms));
        Self::with_provider(config, store, provider)
    }

    /// [`Server::new`] with another voice provider for phone calls.
    pub fn with_provider(
        config: Config,
        store: DynStore,
        provider: Arc<dyn interviewd_voice::VoiceProvider>,
    ) -> anyhow::Result<Self> {
        Self::with_parts(
            config,
            store,
            Parts {
                provider: Some(provider),
                speech: None,
            },
        )
    }

    /// [`Server::new`] with parts other than the configured ones (tests and benchmarks).
    pub fn with_parts(config: Config, store: DynStore, parts: Parts) -> anyhow::Result<Self> {
        let clock = clock::Clock::system();
        let wakers = app::Wakers::default();
        // A configured carrier places the calls, unless a provider is given.
        let carrier = match &parts.provider {
            Some(_) => None,
            None => {
                let speech = match &parts.speech {
                    Some(speech) => Some(speech.clone()),
                    None => core::engine::models::speech_config(&config)?,
                };
                core::carrier::build(&config, store.clone(), clock.clone(), speech.as_ref())?
            }
        };
        let provider = match (parts.provider, &carrier) {
            (Some(provider), _) => provider,
            (None, Some(carrier)) => carrier.clone(),
            (None, None) => Arc::new(interviewd_voice::Simulator::new(config.simulator_turn_ms)),
        };
        let engine = core::engine::Engine::with_parts(
            &config,
            store.clone(),
            clock.clone(),
            wakers.clone(),
            provider,
            parts.speech,
        )?;
        let mut workers = workers::Workers::new(&config, engine.clone(), &clock, &wakers);
        if let Some(carrier) = &carrier {
            workers.add_carrier(carrier.clone());
        }
        Ok(Self {
            state: app::AppState {
                store,
                config: Arc::new(config),
                clock,
                wakers,
                engine,
                carrier,
            },
            workers: Arc::new(workers),
        })
    }

    /// Serves the API on `listener`, with every worker, until `shutdown` fires; then drains
    /// in-flight requests and stops the workers.
    pub async fn serve(
        self,
        listener: TcpListener,
        shutdown: CancellationToken,
    ) -> anyhow::Result<()> {
        let tasks = self.workers.spawn(&shutdown);
        for (part, what) in self.state.engine.models.describe() {
            tracing::info!(part, what = %what, "interview part");
        }
        let app = http::router(self.state);
        tracing::info!(addr = %listener.local_addr()?, "listening");
        // The peer address reaches the handlers (the console's sign-in throttle counts per
        // client address).
        let app = app.into_make_service_with_connect_info::<std::net::SocketAddr>();
        axum::serve(listener, app)
            .with_graceful_shutdown(async move { shutdown.cancelled().await })
            .await
            .context("serving HTTP")?;
        for task in tasks {
            let _ = task.await;
        }
        Ok(())
    }

    /// Runs the workers alone, without the HTTP API, until `shutdown` fires.
    pub async fn work(self, shutdown: CancellationToken) {
        let tasks = self.workers.spawn(&shutdown);
        tracing::info!("workers running");
        shutdown.cancelled().await;
        for task in tasks {
            let _ = task.await;
        }
    }
}

/// Serves the API on `listener` until `shutdown` fires, then drains in-flight requests.
pub async fn run(
    config: Config,
    store: DynStore,
    listener: TcpListener,
    shutdown: CancellationToken,
) -> anyhow::Result<()> {
    Server::new(config, store)?.serve(listener, shutdown).await
}

/// Runs the background workers alone, without the HTTP API (`interviewd worker`), until
/// `shutdown` fires.
pub async fn run_workers(
    config: Config,
    store: DynStore,
    shutdown: CancellationToken,
) -> anyhow::Result<()> {
    Server::new(config, store)?.work(shutdown).await;
    Ok(())
}
