//! The baseline's statements on PostgreSQL: plain (READ COMMITTED) transactions, with the
//! row locks the store takes.

use sqlx::{Connection, Postgres, Transaction};

type Db = Postgres;
type Conn = sqlx::PgConnection;

/// The row-lock clauses of the store (`store/postgres/mod.rs`).
macro_rules! for_update {
    () => {
        " FOR UPDATE"
    };
    (skip_locked) => {
        " FOR UPDATE SKIP LOCKED"
    };
    (of $table:ident) => {
        concat!(" FOR UPDATE OF ", stringify!($table))
    };
    (of $table:ident skip_locked) => {
        concat!(" FOR UPDATE OF ", stringify!($table), " SKIP LOCKED")
    };
}

/// The statement of this backend where the two differ.
macro_rules! per_backend {
    (sqlite: $sqlite:expr, postgres: $postgres:expr $(,)?) => {
        $postgres
    };
}

/// Whether reads that decide writes lock rows first (`store/sql/interviews.rs` `lock`).
const ROW_LOCKS: bool = true;

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

/// The server's write transaction: a plain transaction on the operation's connection.
async fn begin_write<'c>(
    conn: &'c mut Conn,
    _pool: &sqlx::PgPool,
) -> sqlx::Result<Transaction<'c, Postgres>> {
    conn.begin().await
}

/// The same, for statements that take no connection first (`drain.rs`).
async fn begin_pool_write(pool: &sqlx::PgPool) -> sqlx::Result<Transaction<'static, Postgres>> {
    pool.begin().await
}
