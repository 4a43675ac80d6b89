//! The integration suite again, on PostgreSQL: the modules of `tests/api` compiled a second
//! time, here under the crate name `api_pg`, which makes `support::backend` pick PostgreSQL.
//! Every test gets its own database on the server named by `INTERVIEWD_TEST_PG_URL`, or on a
//! throwaway cluster the run starts itself (see `tests/api/pg_cluster.rs`).
#![allow(clippy::unwrap_used, clippy::expect_used)] // A panic is how a test reports failure.

#[path = "api/main.rs"]
mod api;

// Several processes on one database, and a database restart: PostgreSQL only.
#[path = "api/multinode.rs"]
mod multinode;
#[path = "api/multinode_crash.rs"]
mod multinode_crash;
#[path = "api/multinode_live.rs"]
mod multinode_live;
#[path = "api/multinode_s3.rs"]
mod multinode_s3;
#[path = "api/multinode_support.rs"]
mod multinode_support;
#[path = "api/pg_restart.rs"]
mod pg_restart;
#[path = "api/s3_support.rs"]
mod s3_support;

// `crate::support`, `crate::engine`, … as in the `api` binary.
#[allow(unused_imports)]
use api::*;
