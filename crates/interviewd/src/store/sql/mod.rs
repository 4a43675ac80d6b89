//! The statements of both backends, written once (see the doc of [`crate::store`]). This
//! module is compiled inside each backend module, against the aliases, the `ROW_LOCKS`
//! constant and the `for_update!`/`per_backend!` clauses that backend defines.

use super::{Conn, Db, DbStore, MIGRATOR, Pool, ROW_LOCKS};

mod candidates;
mod catalog;
pub mod delivery;
pub mod engine;
pub mod events;
mod idempotency;
pub mod interviews;
mod metrics;
mod removal;
mod store;
mod tenants;
mod xobin;
