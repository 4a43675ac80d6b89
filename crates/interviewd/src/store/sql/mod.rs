//! The statements of both backends, written once (see the doc of [`crate::store`]). This
//! module is compiled inside each backend module, against the aliases, the `ROW_LOCKS`
//! constant and the `for_update!`/`per_backend!` clauses that backend defines.

use super::{Conn, Db, DbStore, MIGRATOR, Pool, ROW_LOCKS};

mod audit;
mod candidates;
pub mod carrier;
mod catalog;
mod console;
pub mod delivery;
mod detach;
pub mod engine;
pub mod events;
mod idempotency;
pub mod interviews;
mod metrics;
mod numbers;
pub(super) mod removal;
mod retention;
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
