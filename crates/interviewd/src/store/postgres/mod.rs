//! The PostgreSQL backend: several `interviewd` processes share one database.
//!
//! The statements live once, in `store/sql/`, and are compiled here against this backend's
//! types; this module holds what differs: connecting, the server version check, wake-ups
//! through `LISTEN/NOTIFY` ([`listen`]), and the row locks. Where SQLite serialises writers
//! with `BEGIN IMMEDIATE`, transactions here are plain (READ COMMITTED) and take row locks
//! instead:
//! - every queue claim selects its rows `FOR UPDATE SKIP LOCKED`, so two processes never
//!   claim the same row and never wait for each other; a claim that leases what it selected
//!   in the same statement (the pipeline jobs, the blob and carrier erasure queues) updates
//!   those rows by their `ctid` (`= ANY(ARRAY(…))`, a TID scan), not by joining them back on
//!   their key: a queue that grew in a burst outruns the planner's statistics, and a plan
//!   cached while the queue was empty then read the whole queue once per claimed row
//!   (89 ms a claim of 32 with 15,000 recordings queued, against 6 ms now and under 1 ms once
//!   autovacuum has analysed the table). The rows stay locked until the statement ends, so
//!   their `ctid`s hold; were one stale, its row would only be left for the next claim;
//! - a read that decides a later write in the same transaction locks what it read
//!   (`FOR UPDATE`), so a concurrent writer cannot change it in between;
//! - an interview's attempts are locked before its row, and both before slot rows, in every
//!   transaction ([`interviews::lock`]), so two that touch the same interview cannot
//!   deadlock; a company's row, which every taker of its slots holds, is only ever waited for
//!   by transactions that lock no attempt after it (claims skip it instead).

/// The row-lock clause a shared statement ends with: `for_update!()` locks the rows read
/// (`of t`: only those of table alias `t`; `no_key`: without blocking foreign-key checks),
/// `for_update!(skip_locked)` takes only rows no other transaction holds.
macro_rules! for_update {
    () => {
        " FOR UPDATE"
    };
    (of $table:ident) => {
        concat!(" FOR UPDATE OF ", stringify!($table))
    };
    (no_key of $table:ident) => {
        concat!(" FOR NO KEY UPDATE OF ", stringify!($table))
    };
    (skip_locked) => {
        " FOR UPDATE SKIP LOCKED"
    };
    (of $table:ident skip_locked) => {
        concat!(" FOR UPDATE OF ", stringify!($table), " SKIP LOCKED")
    };
}

/// A statement that differs between the backends, written side by side where it is used:
/// this backend takes the `postgres` one.
macro_rules! per_backend {
    (sqlite: $sqlite:expr, postgres: $postgres:expr $(,)?) => {
        $postgres
    };
}

#[path = "../sql/mod.rs"]
mod sql;

pub use sql::{delivery, engine, events, interviews};
mod batch;
mod listen;
mod removals;
mod revokes;

use super::{StoreError, StoreResult, WakeUp};
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{PgPool, Postgres, Transaction};
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

// The types the shared statements are written against.
type Db = Postgres;
type Conn = sqlx::PgConnection;
type Pool = PgPool;
type DbStore = PgStore;

/// Whether a transaction locks rows it reads before writing them (see the module doc).
const ROW_LOCKS: bool = true;

/// The migrations of this backend, embedded in the binary.
pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

/// The oldest server this backend runs on (`server_version_num`).
pub const MIN_SERVER_VERSION: i64 = 130_000;

/// Whether `url` names a PostgreSQL database.
pub fn is_postgres_url(url: &str) -> bool {
    url.starts_with("postgres://") || url.starts_with("postgresql://")
}

/// A store on one PostgreSQL database, shared with any number of other processes.
#[derive(Clone)]
pub struct PgStore {
    pool: PgPool,
    faults: Arc<crate::store::removal::FaultInjector>,
    wake_ups: Arc<listen::WakeUps>,
    /// Set when a removal commits; [`PgStore::compact`] clears it.
    erased: Arc<std::sync::atomic::AtomicBool>,
    /// Deletes of one interview, Alpharun removals and revokes waiting to be written together
    /// ([`batch`]).
    removals: Arc<sql::removal::RemovalGroup>,
    /// The API keys looked up, trusted while [`listen`] hears of every change.
    keys: Arc<crate::store::key_cache::KeyCache>,
}

impl PgStore {
    /// On PostgreSQL the deletes of one interview, the Alpharun removals and the revokes are
    /// written a batch at a time ([`batch`]); the removals of a whole candidate or job commit
    /// alone: concurrent transactions lock only what they touch.
    fn removal_group(&self) -> &sql::removal::RemovalGroup {
        &self.removals
    }
}

/// How long a released connection may sit in the pool before it is checked again as it is
/// taken.
const IDLE_BEFORE_CHECK: Duration = Duration::from_secs(1);

/// The check before a pooled connection is used: a ping when it has been idle for
/// [`IDLE_BEFORE_CHECK`] or more (a restart of the server meanwhile is found out here); a
/// failing one is discarded and another taken.
async fn liveness(
    conn: &mut sqlx::PgConnection,
    meta: sqlx::pool::PoolConnectionMetadata,
) -> sqlx::Result<bool> {
    if meta.idle_for >= IDLE_BEFORE_CHECK {
        sqlx::Connection::ping(conn).await?;
    }
    Ok(true)
}

impl PgStore {
    /// Connects to `url` with a pool of at most `max_connections`, and checks that the server
    /// is recent enough.
    pub async fn connect(url: &str, max_connections: u32) -> StoreResult<Self> {
        let mut options = PgConnectOptions::from_str(url)
            .map_err(|e| StoreError::Internal(format!("bad PostgreSQL URL: {e}")))?;
        if options.get_application_name().is_none() {
            options = options.application_name("interviewd");
        }
        let pool = PgPoolOptions::new()
            .max_connections(max_connections.max(2))
            .min_connections(0)
            // Short: while the database is down a request should fail fast with a 503.
            .acquire_timeout(Duration::from_secs(5))
            // A connection that died with a server restart is found out before it is used:
            // the pool checks each one as it is released (a round trip after the request's
            // last statement, not before its first), and again before use when it has sat
            // idle since (`liveness`); checking every take as well cost a round trip per
            // store call.
            .test_before_acquire(false)
            .before_acquire(|conn, meta| Box::pin(liveness(conn, meta)))
            .idle_timeout(Duration::from_secs(300))
            .connect_with(options.clone())
            .await?;
        check_version(&pool).await?;
        let keys = Arc::new(crate::store::key_cache::KeyCache::default());
        Ok(Self {
            pool,
            faults: Default::default(),
            wake_ups: Arc::new(listen::WakeUps::new(options, keys.clone())),
            keys,
            erased: Default::default(),
            removals: Arc::new(batch::group()),
        })
    }

    /// The pool, for backend-specific engine code.
    pub fn pool(&self) -> &PgPool {
        &self.pool
    }

    /// Where a single autocommit write runs: the pool.
    pub fn writer(&self) -> &PgPool {
        &self.pool
    }

    /// Begins a write transaction (READ COMMITTED; statements lock what they must).
    pub async fn write_tx(&self) -> StoreResult<Transaction<'static, Postgres>> {
        Ok(self.pool.begin().await?)
    }

    /// Nothing to do: autovacuum keeps the planner's statistics.
    async fn after_migrate(&self) -> StoreResult<()> {
        Ok(())
    }

    /// Notes that erased rows were committed (see [`PgStore::compact`]).
    fn erased(&self) {
        self.erased.store(true, std::sync::atomic::Ordering::SeqCst);
    }

    /// After an erasure: `VACUUM` of the tables that hold personal data, so the erased rows'
    /// dead tuples are removed now rather than whenever autovacuum comes by (their bytes stay
    /// in the data files until the space is reused, and in the write-ahead log until it is
    /// recycled: docs/removal.md, "What is left on disk").
    async fn compact(&self, force: bool) -> StoreResult<bool> {
        use std::sync::atomic::Ordering;
        if !force && !self.erased.swap(false, Ordering::SeqCst) {
            return Ok(false);
        }
        sqlx::raw_sql(
            "VACUUM candidates, candidate_jobs, interviews, call_attempts, transcript_turns, \
             analyses, online_sessions, interview_decisions, mail_queue, webhook_messages, events, \
             idempotency_keys, idempotency_refs",
        )
        .execute(&self.pool)
        .await?;
        Ok(true)
    }

    /// Whether migrations were ever applied to this database.
    pub async fn is_migrated(&self) -> StoreResult<bool> {
        let found: Option<String> =
            sqlx::query_scalar("SELECT to_regclass('_sqlx_migrations')::text")
                .fetch_one(&self.pool)
                .await?;
        Ok(found.is_some())
    }

    /// Closes the pool.
    async fn close_backend(&self) {
        self.pool.close().await;
    }

    /// PostgreSQL is backed up with its own tools.
    async fn backup_to(&self, _target: &std::path::Path) -> StoreResult<()> {
        Err(StoreError::Internal(
            "`interviewd backup` copies SQLite databases; back up PostgreSQL with pg_dump \
             (docs/operations.md, \"Backups\")"
                .into(),
        ))
    }

    /// Which database this is, for logs and the admin commands (never the password).
    fn describe_backend(&self) -> String {
        let o = self.pool.connect_options();
        format!(
            "PostgreSQL {}@{}:{}/{}",
            o.get_username(),
            o.get_host(),
            o.get_port(),
            o.get_database().unwrap_or("")
        )
    }

    /// Wake-ups from the other processes on this database.
    fn subscribe_wake_ups(&self) -> Option<tokio::sync::broadcast::Receiver<WakeUp>> {
        Some(self.wake_ups.subscribe())
    }

    /// Listens until the store is dropped ([`listen`]).
    fn start_listening(&self) {
        self.wake_ups.start();
    }
}

/// Refuses servers older than [`MIN_SERVER_VERSION`], with a message that says so.
async fn check_version(pool: &PgPool) -> StoreResult<()> {
    let raw: String = sqlx::query_scalar("SHOW server_version_num")
        .fetch_one(pool)
        .await?;
    match too_old(&raw) {
        Some(message) => Err(StoreError::Internal(message)),
        None => Ok(()),
    }
}

/// Why a server reporting `server_version_num` = `raw` cannot be used, if it cannot.
fn too_old(raw: &str) -> Option<String> {
    let Ok(version) = raw.trim().parse::<i64>() else {
        return Some(format!("unreadable server_version_num {raw:?}"));
    };
    (version < MIN_SERVER_VERSION).then(|| {
        format!(
            "PostgreSQL {}.{} is too old: interviewd needs PostgreSQL {} or newer",
            version / 10_000,
            version % 10_000,
            MIN_SERVER_VERSION / 10_000
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn servers_before_13_are_refused_with_their_version() {
        assert_eq!(too_old("130000"), None);
        assert_eq!(too_old("150018\n"), None);
        assert_eq!(
            too_old("120017").as_deref(),
            Some("PostgreSQL 12.17 is too old: interviewd needs PostgreSQL 13 or newer")
        );
        assert!(too_old("fifteen").is_some_and(|m| m.contains("unreadable")));
    }

    #[test]
    fn the_scheme_selects_the_backend() {
        assert!(is_postgres_url("postgres://u@h/db"));
        assert!(is_postgres_url("postgresql://u@h/db"));
        assert!(!is_postgres_url("sqlite://data/interviewd.db"));
    }
}
