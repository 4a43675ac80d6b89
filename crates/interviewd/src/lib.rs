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
pub mod serve;
pub mod startup;
pub mod store;
pub mod wire;
pub mod workers;

use crate::config::Config;
use crate::store::postgres::{PgStore, is_postgres_url};
use crate::store::sqlite::SqliteStore;
use crate::store::{DynStore, Store as _};
use anyhow::Context;
use std::sync::Arc;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

/// Opens the configured database, creating it if it does not exist yet, and migrates it:
/// what `serve`, `worker` and `migrate` do. The URL's scheme picks the backend: `postgres://`
/// or `postgresql://` for PostgreSQL, anything else for SQLite. The data directory is
/// created either way (recordings and the mail outbox live there).
pub async fn open_store(config: &Config) -> anyhow::Result<DynStore> {
    std::fs::create_dir_all(&config.data_dir)
        .with_context(|| format!("creating data directory {}", config.data_dir.display()))?;
    open(config, true).await
}

/// Opens the configured database only if it exists (and has been migrated at least once),
/// then brings it up to date: what the admin commands do, so that one run from the wrong
/// directory says which database it looked for instead of making an empty one.
pub async fn open_existing_store(config: &Config) -> anyhow::Result<DynStore> {
    let url = config.database_url();
    if !is_postgres_url(&url) {
        let path = store::sqlite::path_of(&url)?;
        let path = std::path::absolute(&path).unwrap_or(path);
        if !path.exists() {
            anyhow::bail!(
                "no database at {} (data directory {}): start `interviewd serve` or run \
                 `interviewd migrate` to create it, or name the right one with --data-dir, \
                 --database-url or INTERVIEWD_DATABASE_URL",
                path.display(),
                std::path::absolute(&config.data_dir)
                    .unwrap_or_else(|_| config.data_dir.clone())
                    .display()
            );
        }
    }
    let store = open(config, false).await?;
    Ok(store)
}

async fn open(config: &Config, create: bool) -> anyhow::Result<DynStore> {
    let url = config.database_url();
    let store: DynStore = if is_postgres_url(&url) {
        let store = PgStore::connect(&url, config.database_max_connections)
            .await
            .context("connecting to the PostgreSQL database (database_url)")?;
        if !create && !store.is_migrated().await? {
            anyhow::bail!(
                "{} holds no interviewd tables: run `interviewd migrate` (or start \
                 `interviewd serve`) against it first",
                store.describe()
            );
        }
        Arc::new(store)
    } else {
        let store = SqliteStore::open(&url, create)
            .await
            .with_context(|| format!("opening the SQLite database {url} (database_url)"))?;
        Arc::new(store)
    };
    store
        .migrate()
        .await
        .with_context(|| format!("migrating {}", store.describe()))?;
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
        http::ratelimit::Mode::parse(&config.rate_limit_mode).map_err(anyhow::Error::msg)?;
        // A server hears of changes to API keys from its start, so it may keep those it looks
        // up (store/key_cache.rs).
        store.listen(std::time::Duration::from_millis(config.api_key_cache_ms));
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
        let store = self.state.store.clone();
        let limits = serve::Limits::from_config(&self.state.config);
        let addr = listener.local_addr()?;
        // The interview parts: interviewer, analyst, speech.
        let mut extra: Vec<(String, String)> = (self.state.engine.models.describe().into_iter())
            .map(|(part, what)| (part.to_owned(), what))
            .collect();
        let config = &self.state.config;
        if let Ok(blobs) = core::engine::blobs::Location::parse(config.blob_url.as_deref()) {
            extra.push(("recordings".to_owned(), blobs.describe(config)));
        }
        startup::log(&startup::startup_lines(
            &self.state.config,
            &*store,
            addr,
            &extra,
        ));
        let app = http::router(self.state);
        tracing::info!(%addr, "listening");
        serve::serve(listener, app, limits, shutdown).await;
        for task in tasks {
            let _ = task.await;
        }
        store.close().await;
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
        self.state.store.close().await;
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
