//! The statements of both backends, written once (see the doc of [`crate::store`]). This
//! module is compiled inside each backend module, against the aliases, the `ROW_LOCKS`
//! constant and the `for_update!`/`per_backend!` clauses that backend defines.

use super::{Conn, Db, DbStore, MIGRATOR, Pool, ROW_LOCKS};

/// `INSERT INTO $table ($cols) VALUES ($values)` for a table with a public `number`, which is
/// never reused (Xobin's `response_id`, `candidate_id` and `ai_interview_id` are these numbers;
/// an ATS that kept a deleted one must never read someone else's row under it). PostgreSQL's
/// identity column never hands a number out twice. On SQLite `number` is the rowid, which
/// would reuse a deleted maximum, so the statement sets it above both the table's maximum and
/// the highest number it ever deleted (`number_floors`, kept by triggers; migration 0013).
macro_rules! insert_numbered {
    ($table:literal, $cols:literal, $values:literal) => {
        per_backend!(
            sqlite: concat!(
                "INSERT INTO ", $table, " (number, ", $cols, ") VALUES ((SELECT MAX(n) + 1 FROM \
                 (SELECT MAX(number) AS n FROM ", $table, " UNION ALL \
                 SELECT last FROM number_floors WHERE tbl = '", $table, "')), ", $values, ")"
            ),
            postgres: concat!("INSERT INTO ", $table, " (", $cols, ") VALUES (", $values, ")"),
        )
    };
}

mod candidates;
mod catalog;
mod console;
pub mod delivery;
mod detach;
pub mod engine;
pub mod events;
mod idempotency;
pub mod interviews;
mod metrics;
mod removal;
mod server_keys;
mod store;
mod tenants;
mod users;
mod xobin;

/// `head`, the ids as one bound list, then `tail`: a statement for a whole page of rows
/// (`… WHERE x IN (` + ids + `) ORDER BY …`). A page is at most a few hundred ids, well under
/// either database's limit of bound parameters.
fn in_list(
    head: &str,
    ids: impl IntoIterator<Item = uuid::Uuid>,
    tail: &str,
) -> sqlx::QueryBuilder<Db> {
    let mut query = sqlx::QueryBuilder::new(head);
    let mut list = query.separated(", ");
    for id in ids {
        list.push_bind(id);
    }
    query.push(tail);
    query
}
