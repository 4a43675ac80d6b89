//! interviewd: a self-hostable AI-interview platform server.
//!
//! One core, three API dialects wire-compatible with InstaView, Alpharun and Xobin. The
//! library entry [`run`] takes a pre-bound listener so tests start the real server on
//! port 0.

pub mod admin;
pub mod auth;
pub mod cli;
pub mod config;
pub mod engine;
pub mod error;
pub mod http;
pub mod keys;
pub mod mail;
pub mod scheduling;
pub mod store;
pub mod validate;
pub mod webhooks;

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

/// Serves the API on `listener` until `shutdown` fires, then drains in-flight requests.
pub async fn run(
    config: Config,
    store: DynStore,
    listener: TcpListener,
    shutdown: CancellationToken,
) -> anyhow::Result<()> {
    let state = app_state(config, store)?;
    let workers = spawn_workers(&state, &shutdown);
    let app = http::router(state);
    tracing::info!(addr = %listener.local_addr()?, "listening");
    axum::serve(listener, app)
        .with_graceful_shutdown(async move { shutdown.cancelled().await })
        .await
        .context("serving HTTP")?;
    for worker in workers {
        let _ = worker.await;
    }
    Ok(())
}

/// Runs the background workers alone, without the HTTP API (`interviewd worker`), until
/// `shutdown` fires.
pub async fn run_workers(
    config: Config,
    store: DynStore,
    shutdown: CancellationToken,
) -> anyhow::Result<()> {
    let state = app_state(config, store)?;
    let workers = spawn_workers(&state, &shutdown);
    tracing::info!("workers running");
    shutdown.cancelled().await;
    for worker in workers {
        let _ = worker.await;
    }
    Ok(())
}

/// The state shared by handlers and workers.
pub fn app_state(config: Config, store: DynStore) -> anyhow::Result<http::AppState> {
    Ok(http::AppState {
        engine: engine::Engine::new(&config, store.clone())?,
        store,
        config: Arc::new(config),
    })
}

/// Starts every background worker; each stops when `shutdown` fires.
fn spawn_workers(
    state: &http::AppState,
    shutdown: &CancellationToken,
) -> Vec<tokio::task::JoinHandle<()>> {
    let mut workers = Vec::new();
    workers.extend(engine::spawn(state, shutdown.clone()));
    workers.extend(webhooks::spawn(state, shutdown.clone()));
    workers.extend(mail::spawn(state, shutdown.clone()));
    workers.extend(http::xobin::spawn(state, shutdown.clone()));
    workers.extend(http::idempotency::spawn(state, shutdown.clone()));
    workers
}
