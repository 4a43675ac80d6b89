//! The integration-test binary: every test boots the real server on port 0 against its own
//! fresh database and talks HTTP to it. This is the SQLite run; `tests/api_pg.rs` compiles the
//! same modules again as the PostgreSQL run (`support::backend`). Modules are `pub(crate)` so
//! that it can re-export them at its root, where `crate::support` and the like then resolve.
#![allow(clippy::unwrap_used, clippy::expect_used)] // A panic is how a test reports failure.

pub(crate) mod pg_cluster;
pub(crate) mod support;

pub(crate) mod alpharun;
pub(crate) mod browser_support;
pub(crate) mod candidate_browser;
pub(crate) mod candidate_live;
pub(crate) mod candidate_pages;
pub(crate) mod carrier;
pub(crate) mod carrier_bench;
pub(crate) mod conformance;
pub(crate) mod console;
pub(crate) mod console_browser;
pub(crate) mod console_isolation;
pub(crate) mod console_pages;
pub(crate) mod console_settings;
pub(crate) mod console_support;
pub(crate) mod contract;
pub(crate) mod delivery_crash;
pub(crate) mod engine;
pub(crate) mod engine_crash;
pub(crate) mod engine_fencing;
pub(crate) mod engine_online;
pub(crate) mod engine_routes;
pub(crate) mod engine_slots;
pub(crate) mod erasure;
pub(crate) mod first_run;
pub(crate) mod foundation;
pub(crate) mod hardening;
pub(crate) mod idempotency;
pub(crate) mod interviewer;
pub(crate) mod interviewer_real;
pub(crate) mod isolation;
pub(crate) mod jobs_from_url;
pub(crate) mod mail;
pub(crate) mod metrics;
pub(crate) mod numbering;
pub(crate) mod openapi;
pub(crate) mod races;
pub(crate) mod ratelimit;
pub(crate) mod removal;
pub(crate) mod removal_engine;
pub(crate) mod revoke;
pub(crate) mod webhooks;
pub(crate) mod webhooks_crash;
pub(crate) mod webhooks_delivery;
pub(crate) mod webhooks_formats;
pub(crate) mod webhooks_support;
pub(crate) mod xobin;
pub(crate) mod xobin_access;
pub(crate) mod xobin_generate;
pub(crate) mod xobin_report;
pub(crate) mod xobin_webhook_settings;
