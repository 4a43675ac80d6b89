//! The baseline's statements on SQLite: write transactions begin `IMMEDIATE`, as the
//! server's do; no row locks.

use sqlx::{Sqlite, Transaction};

type Db = Sqlite;
type Conn = sqlx::SqliteConnection;

/// No row-lock clause on SQLite: the write transaction excludes every other writer.
macro_rules! for_update {
    ($($clause:tt)*) => {
        ""
    };
}

/// The statement of this backend where the two differ.
macro_rules! per_backend {
    (sqlite: $sqlite:expr, postgres: $postgres:expr $(,)?) => {
        $sqlite
    };
}

/// Whether reads that decide writes lock rows first (`store/sql/interviews.rs` `lock`).
const ROW_LOCKS: bool = false;

#[path = "statements.rs"]
mod statements;
pub use statements::run;

#[path = "removal.rs"]
mod removal;

#[path = "drain.rs"]
mod drain;
pub use drain::drain_one;

#[path = "minimal.rs"]
mod minimal;
pub use minimal::minimal_erasure;

/// The server's write transaction: `BEGIN IMMEDIATE` on the one writer connection
/// (`SqliteStore::write_tx`), whatever reader connection the operation holds.
async fn begin_write<'c>(
    _reader: &'c mut Conn,
    writer: &sqlx::SqlitePool,
) -> sqlx::Result<Transaction<'c, Sqlite>> {
    writer.begin_with("BEGIN IMMEDIATE").await
}

/// The same, for statements that take no reader connection first (`drain.rs`).
async fn begin_pool_write(writer: &sqlx::SqlitePool) -> sqlx::Result<Transaction<'static, Sqlite>> {
    writer.begin_with("BEGIN IMMEDIATE").await
}
