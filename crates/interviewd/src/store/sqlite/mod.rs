//! The embedded SQLite backend: one file under the data directory, WAL, foreign keys on,
//! a busy timeout, and write transactions that begin `IMMEDIATE` so two writers never
//! deadlock upgrading a read lock.
//!
//! The statements live once, in `store/sql/`, and are compiled here against this backend's
//! types; this module holds what differs: connecting, the write transaction, and the
//! row-lock clauses, which are empty here — `BEGIN IMMEDIATE` already gives a write
//! transaction the database's only write lock from its first statement, so nothing it reads
//! can change before it commits.

/// The row-lock clause a shared statement ends with: nothing on SQLite (see the module doc).
macro_rules! for_update {
    ($($clause:tt)*) => {
        ""
    };
}

/// A statement that differs between the backends, written side by side where it is used:
/// this backend takes the `sqlite` one.
macro_rules! per_backend {
    (sqlite: $sqlite:expr, postgres: $postgres:expr $(,)?) => {
        $sqlite
    };
}

#[path = "../sql/mod.rs"]
mod sql;

pub use sql::{delivery, engine, events, interviews};

use super::{StoreError, StoreResult, WakeUp};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{Sqlite, SqlitePool, Transaction};
use std::str::FromStr;
use std::time::Duration;

// The types the shared statements are written against.
type Db = Sqlite;
type Conn = sqlx::SqliteConnection;
type Pool = SqlitePool;
type DbStore = SqliteStore;

/// Whether a transaction locks rows it reads before writing them: not on SQLite (see the
/// module doc).
const ROW_LOCKS: bool = false;

/// The migrations of this backend, embedded in the binary.
pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");

/// A store on one SQLite database file.
#[derive(Clone)]
pub struct SqliteStore {
    /// Readers (and single autocommit statements): WAL lets them run beside the writer.
    pool: SqlitePool,
    /// The one connection write transactions run on (see [`SqliteStore::write_tx`]).
    writer: SqlitePool,
    faults: std::sync::Arc<crate::store::removal::FaultInjector>,
}

impl SqliteStore {
    /// Opens (creating if missing) the database at `url` (`sqlite://path` or `sqlite:path`).
    pub async fn connect(url: &str) -> StoreResult<Self> {
        let options = SqliteConnectOptions::from_str(url)
            .map_err(|e| StoreError::Internal(format!("bad SQLite URL: {e}")))?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(10))
            // Statistics for the query planner, kept current as the tables grow: gathered
            // when a connection closes (the pools recycle theirs), and after migrating.
            .analysis_limit(400)
            .optimize_on_close(true, None);
        let pool = SqlitePoolOptions::new()
            .max_connections(8)
            .acquire_timeout(Duration::from_secs(15))
            .connect_with(options.clone())
            .await?;
        let writer = SqlitePoolOptions::new()
            .max_connections(1)
            .acquire_timeout(Duration::from_secs(15))
            .connect_with(options)
            .await?;
        Ok(Self {
            pool,
            writer,
            faults: Default::default(),
        })
    }

    /// The pool, for backend-specific engine code.
    pub fn pool(&self) -> &SqlitePool {
        &self.pool
    }

    /// Begins a write transaction that takes the write lock up front, on the one writer
    /// connection. SQLite admits one writer at a time anyway; queueing for that connection
    /// in the process, first come first served, replaces contending for the file lock, where
    /// a loser sleeps in SQLite's busy handler (up to 100 ms a try) however soon the lock is
    /// free again.
    pub async fn write_tx(&self) -> StoreResult<Transaction<'static, Sqlite>> {
        Ok(self.writer.begin_with("BEGIN IMMEDIATE").await?)
    }

    /// Refreshes the query planner's statistics where they are missing or stale.
    async fn after_migrate(&self) -> StoreResult<()> {
        sqlx::query("PRAGMA optimize").execute(&self.writer).await?;
        Ok(())
    }

    /// Wake-ups from other processes: none, SQLite serves one process.
    fn subscribe_wake_ups(&self) -> Option<tokio::sync::broadcast::Receiver<WakeUp>> {
        None
    }
}
