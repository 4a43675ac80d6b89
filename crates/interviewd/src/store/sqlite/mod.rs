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

mod checkpoint;

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

/// The file a `sqlite:` URL names.
pub fn path_of(url: &str) -> Result<std::path::PathBuf, StoreError> {
    let options = SqliteConnectOptions::from_str(url)
        .map_err(|e| StoreError::Internal(format!("bad SQLite URL: {e}")))?;
    Ok(options.get_filename().to_path_buf())
}

/// How every connection of the store is opened.
fn connect_options(url: &str, create: bool) -> StoreResult<SqliteConnectOptions> {
    Ok(SqliteConnectOptions::from_str(url)
        .map_err(|e| StoreError::Internal(format!("bad SQLite URL: {e}")))?
        .create_if_missing(create)
        // Deleted content is overwritten with zeros, so erased text does not linger in
        // free pages (docs/removal.md, "What is left on disk").
        .pragma("secure_delete", "on")
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Normal)
        .foreign_keys(true)
        .busy_timeout(Duration::from_secs(10))
        // No commit checkpoints; the checkpointer does (see `checkpoint`).
        .pragma("wal_autocheckpoint", "0")
        // Statistics for the query planner, kept current as the tables grow: gathered
        // when a connection closes (the pools recycle theirs), and after migrating.
        .analysis_limit(400)
        .optimize_on_close(true, None))
}

/// A store on one SQLite database file.
#[derive(Clone)]
pub struct SqliteStore {
    /// Readers (and single autocommit statements): WAL lets them run beside the writer.
    pool: SqlitePool,
    /// The one connection write transactions run on (see [`SqliteStore::write_tx`]).
    writer: SqlitePool,
    faults: std::sync::Arc<crate::store::removal::FaultInjector>,
    /// The database file.
    path: std::path::PathBuf,
    /// Set when a removal commits; [`SqliteStore::compact`] clears it.
    erased: std::sync::Arc<std::sync::atomic::AtomicBool>,
    /// Removals waiting for a shared COMMIT.
    removals: std::sync::Arc<sql::removal::RemovalGroup>,
    /// Checkpoints the write-ahead log in the background ([`checkpoint`]).
    checkpointer: std::sync::Arc<checkpoint::Checkpointer>,
    /// Never listening here, so every lookup reads the file (see [`crate::store::key_cache`]).
    keys: std::sync::Arc<crate::store::key_cache::KeyCache>,
}

impl SqliteStore {
    /// Opens (creating if missing) the database at `url` (`sqlite://path` or `sqlite:path`).
    pub async fn connect(url: &str) -> StoreResult<Self> {
        Self::open(url, true).await
    }

    /// Opens the database at `url`; refuses to create it when `create` is false (the admin
    /// commands never make an empty database by accident).
    pub async fn open(url: &str, create: bool) -> StoreResult<Self> {
        let options = connect_options(url, create)?;
        let path = options.get_filename().to_path_buf();
        let pool = SqlitePoolOptions::new()
            .max_connections(8)
            .acquire_timeout(Duration::from_secs(15))
            .connect_with(options.clone())
            .await?;
        let writer = SqlitePoolOptions::new()
            .max_connections(1)
            .acquire_timeout(Duration::from_secs(15))
            .connect_with(options.clone())
            .await?;
        let checkpointer = checkpoint::Checkpointer::start(
            options.optimize_on_close(false, None),
            checkpoint::EVERY,
        );
        let path = std::fs::canonicalize(&path).unwrap_or(path);
        Ok(Self {
            pool,
            writer,
            faults: Default::default(),
            path,
            erased: Default::default(),
            removals: std::sync::Arc::new(sql::removal::RemovalGroup::new(
                crate::store::removal::Takes::Everything,
                |s, b| Box::pin(sql::removal::write_batch(s, b)),
            )),
            checkpointer: std::sync::Arc::new(checkpointer),
            keys: Default::default(),
        })
    }

    /// Removals share their COMMIT on SQLite (see `RemovalGroup`).
    fn removal_group(&self) -> &sql::removal::RemovalGroup {
        &self.removals
    }

    /// The pool, for backend-specific engine code.
    pub fn pool(&self) -> &SqlitePool {
        &self.pool
    }

    /// Where a single autocommit write runs: the one writer connection, where it queues with
    /// the write transactions instead of contending with them for the file's lock.
    pub fn writer(&self) -> &SqlitePool {
        &self.writer
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

    /// Notes that erased rows were committed (see [`SqliteStore::compact`]).
    fn erased(&self) {
        self.erased.store(true, std::sync::atomic::Ordering::SeqCst);
    }

    /// After an erasure: copies the write-ahead log into the database file and truncates it,
    /// so the erased rows' old page images leave the log (secure_delete already zeroed them in
    /// the pages that changed). Waits for a periodic checkpoint under way (SQLite runs one at a
    /// time), then at most a second for readers, on a connection of its own, so writers are
    /// never held up longer; a busy log or a failure is tried again next time.
    async fn compact(&self, force: bool) -> StoreResult<bool> {
        use std::sync::atomic::Ordering;
        if !force && !self.erased.swap(false, Ordering::SeqCst) {
            return Ok(false);
        }
        let _turn = self.checkpointer.exclusive().await;
        let truncated = self.truncate_log().await;
        if !matches!(truncated, Ok(true)) {
            self.erased.store(true, Ordering::SeqCst);
        }
        truncated
    }

    /// One `TRUNCATE` checkpoint: whether it completed.
    async fn truncate_log(&self) -> StoreResult<bool> {
        let options = SqliteConnectOptions::new()
            .filename(&self.path)
            .busy_timeout(Duration::from_secs(1));
        let mut conn = sqlx::ConnectOptions::connect(&options).await?;
        let (busy, _, _): (i64, i64, i64) = sqlx::query_as("PRAGMA wal_checkpoint(TRUNCATE)")
            .fetch_one(&mut conn)
            .await?;
        let _ = sqlx::Connection::close(conn).await;
        Ok(busy == 0)
    }

    /// Checkpoints and closes every connection: a clean stop leaves one database file and no
    /// write-ahead log behind.
    async fn close_backend(&self) {
        self.checkpointer.stop().await;
        if let Err(e) = self.compact(true).await {
            tracing::warn!(error = %e, "checkpointing the database at shutdown failed");
        }
        self.pool.close().await;
        self.writer.close().await;
    }

    /// A consistent copy of the live database at `target` (`VACUUM INTO`: one transaction,
    /// writers keep going; the copy is compact and holds no free pages).
    async fn backup_to(&self, target: &std::path::Path) -> StoreResult<()> {
        let target = target
            .to_str()
            .ok_or_else(|| StoreError::Internal("the backup path must be valid UTF-8".into()))?;
        sqlx::query("VACUUM INTO $1")
            .bind(target)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Which database this is, for logs and the admin commands.
    fn describe_backend(&self) -> String {
        format!("SQLite {}", self.path.display())
    }

    /// Wake-ups from other processes: none, SQLite serves one process.
    fn subscribe_wake_ups(&self) -> Option<tokio::sync::broadcast::Receiver<WakeUp>> {
        None
    }

    /// Nothing to hear: see [`crate::store::key_cache`].
    fn start_listening(&self) {}
}

#[cfg(test)]
mod tests {
    use super::*;

    /// SQLite runs one checkpoint at a time and answers a second one "busy": the `TRUNCATE`
    /// after an erasure waits for the periodic one instead, and stays due until it completes.
    #[tokio::test]
    async fn compaction_waits_for_a_periodic_checkpoint() {
        let dir = tempfile::tempdir().expect("temporary directory");
        let url = format!("sqlite://{}", dir.path().join("db.sqlite").display());
        let store = SqliteStore::connect(&url).await.expect("store");
        store.erased();
        let periodic = store.checkpointer.exclusive().await;
        let compacting = store.compact(false);
        tokio::pin!(compacting);
        let waited = tokio::time::timeout(Duration::from_millis(200), &mut compacting).await;
        assert!(waited.is_err(), "compacted during a periodic checkpoint");
        drop(periodic);
        assert!(compacting.await.expect("compaction"), "the log was busy");
        assert!(
            !store.compact(false).await.expect("compaction"),
            "still due after it completed"
        );
        store.close_backend().await;
    }
}
