//! The databases a run measures: a fresh SQLite file, or a fresh database on the bench's
//! PostgreSQL server ([`crate::pg::PgServer`]); and the raw pool the baseline and the seeding
//! use, opened with the same connection settings as the server's own store.

use crate::pg::PgServer;
use anyhow::Context;
use serde::Serialize;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{PgPool, SqlitePool};
use std::path::PathBuf;
use std::str::FromStr;
use std::time::Duration;
use tempfile::TempDir;

/// A database backend.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    /// The name reports use.
    pub fn name(self) -> &'static str {
        match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        }
    }
}

/// Connections of the server's SQLite pool (`SqliteStore::connect`); the raw pool gets as many.
const SQLITE_CONNECTIONS: u32 = 8;
/// Connections of the server's PostgreSQL pool (`DEFAULT_MAX_CONNECTIONS`); likewise.
const PG_CONNECTIONS: u32 = 10;

/// A fresh database and a data directory (recordings, outbox) for one server; both go away
/// when this is dropped.
pub struct BenchDb {
    pub url: String,
    pub data_dir: PathBuf,
    _dir: TempDir,
    pg: Option<(PgServer, String)>,
}

impl BenchDb {
    /// A new, empty database (the server migrates it when it opens it).
    pub async fn create(backend: Backend, pg: Option<&PgServer>) -> anyhow::Result<Self> {
        let dir = tempfile::Builder::new()
            .prefix("interviewd-bench-")
            .tempdir()
            .context("creating a temporary directory")?;
        let data_dir = dir.path().join("data");
        std::fs::create_dir_all(&data_dir)?;
        let (url, pg) = match backend {
            Backend::Sqlite => (
                interviewd::config::sqlite_url(&data_dir.join("interviewd.db")),
                None,
            ),
            Backend::Postgres => {
                let server = pg.context("PostgreSQL was not started")?;
                let name = format!("bench_{}", uuid::Uuid::new_v4().simple());
                let url = server.create_database(&name).await?;
                (url, Some((server.clone(), name)))
            }
        };
        Ok(Self {
            url,
            data_dir,
            _dir: dir,
            pg,
        })
    }

    /// Drops a PostgreSQL database (a SQLite file goes with the directory).
    pub async fn drop_database(mut self) {
        if let Some((server, name)) = self.pg.take()
            && let Err(e) = server.drop_database(&name).await
        {
            eprintln!("warning: dropping database {name}: {e:#}");
        }
    }
}

/// Pools on the benchmarked database, outside the server, shaped like the server's own.
#[derive(Clone)]
pub enum RawPool {
    /// Readers (and single autocommit statements), and the one connection write transactions
    /// queue for (`SqliteStore`).
    Sqlite {
        read: SqlitePool,
        write: SqlitePool,
    },
    Pg(PgPool),
}

impl RawPool {
    /// Connects with the server's own settings: on SQLite WAL, `synchronous = NORMAL`,
    /// foreign keys, a busy timeout, statistics gathered as connections close, eight readers
    /// and one writer (`SqliteStore::connect`); on PostgreSQL the same pool size and the check
    /// before each acquire (`PgStore::connect`).
    pub async fn connect(backend: Backend, url: &str) -> anyhow::Result<Self> {
        Ok(match backend {
            Backend::Sqlite => {
                let options = SqliteConnectOptions::from_str(url)?
                    .journal_mode(SqliteJournalMode::Wal)
                    .synchronous(SqliteSynchronous::Normal)
                    .foreign_keys(true)
                    .busy_timeout(Duration::from_secs(10))
                    .optimize_on_close(true, 400);
                let pool = |connections| {
                    SqlitePoolOptions::new()
                        .max_connections(connections)
                        .acquire_timeout(Duration::from_secs(15))
                        .connect_with(options.clone())
                };
                let read = pool(SQLITE_CONNECTIONS)
                    .await
                    .context("opening the SQLite database")?;
                let write = pool(1).await.context("opening the SQLite database")?;
                RawPool::Sqlite { read, write }
            }
            Backend::Postgres => {
                let options = PgConnectOptions::from_str(url)?.application_name("interviewd-bench");
                let pool = PgPoolOptions::new()
                    .max_connections(PG_CONNECTIONS)
                    .acquire_timeout(Duration::from_secs(5))
                    // As the server's pool checks them (`store/postgres/mod.rs`): on
                    // release, and before use only after a second idle.
                    .test_before_acquire(false)
                    .before_acquire(|conn, meta| {
                        Box::pin(async move {
                            if meta.idle_for >= Duration::from_secs(1) {
                                sqlx::Connection::ping(conn).await?;
                            }
                            Ok(true)
                        })
                    })
                    .connect_with(options)
                    .await
                    .context("connecting to PostgreSQL")?;
                RawPool::Pg(pool)
            }
        })
    }

    /// Runs statements that return nothing (several, separated by `;`), outside any
    /// transaction.
    pub async fn execute(&self, sql: &str) -> anyhow::Result<()> {
        let sql = sqlx::AssertSqlSafe(sql.to_owned());
        match self {
            RawPool::Sqlite { write, .. } => sqlx::raw_sql(sql).execute(write).await.map(drop),
            RawPool::Pg(pool) => sqlx::raw_sql(sql).execute(pool).await.map(drop),
        }
        .context("running a maintenance statement")
    }

    /// `SELECT COUNT(*) FROM <table>` (a name this crate wrote, never user input).
    pub async fn count(&self, table: &str) -> anyhow::Result<i64> {
        let sql = sqlx::AssertSqlSafe(format!("SELECT COUNT(*) FROM {table}"));
        Ok(match self {
            RawPool::Sqlite { read, .. } => sqlx::query_scalar(sql).fetch_one(read).await?,
            RawPool::Pg(pool) => sqlx::query_scalar(sql).fetch_one(pool).await?,
        })
    }

    /// The database's version string.
    pub async fn version(&self) -> anyhow::Result<String> {
        Ok(match self {
            RawPool::Sqlite { read, .. } => {
                let v: String = sqlx::query_scalar("SELECT sqlite_version()")
                    .fetch_one(read)
                    .await?;
                format!("SQLite {v}")
            }
            RawPool::Pg(pool) => {
                sqlx::query_scalar("SELECT version()")
                    .fetch_one(pool)
                    .await?
            }
        })
    }

    /// Leaves the database as a running deployment keeps it after bulk writes, so no measured
    /// cell pays for the seeding: on SQLite the planner's statistics refreshed as the server
    /// does it (`PRAGMA optimize`, which its connections run as they close) and the WAL
    /// checkpointed and truncated; on PostgreSQL `ANALYZE` (what autovacuum does after a bulk
    /// load) and a `CHECKPOINT`.
    pub async fn settle(&self) -> anyhow::Result<()> {
        match self {
            RawPool::Sqlite { .. } => {
                self.execute(
                    "PRAGMA analysis_limit = 400; PRAGMA optimize; PRAGMA wal_checkpoint(TRUNCATE)",
                )
                .await
            }
            RawPool::Pg(_) => {
                self.execute("ANALYZE").await?;
                // Needs superuser (or pg_checkpoint); an existing server may refuse it.
                if let Err(e) = self.execute("CHECKPOINT").await {
                    eprintln!("note: CHECKPOINT refused ({e:#}); continuing");
                }
                Ok(())
            }
        }
    }

    /// Closes the pool.
    pub async fn close(&self) {
        match self {
            RawPool::Sqlite { read, write } => {
                read.close().await;
                write.close().await;
            }
            RawPool::Pg(pool) => pool.close().await,
        }
    }
}
