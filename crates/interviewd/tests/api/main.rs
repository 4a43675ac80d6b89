//! The integration-test binary: every test boots the real server on port 0 against its own
//! fresh database and talks HTTP to it.
#![allow(clippy::unwrap_used, clippy::expect_used)] // A panic is how a test reports failure.

mod support;

mod alpharun;
mod contract;
mod engine;
mod engine_crash;
mod engine_fencing;
mod engine_online;
mod engine_routes;
mod engine_slots;
mod foundation;
mod hardening;
mod idempotency;
mod isolation;
mod mail;
mod metrics;
mod ratelimit;
mod removal;
mod removal_engine;
mod revoke;
mod webhooks;
mod webhooks_crash;
mod webhooks_delivery;
mod webhooks_formats;
mod webhooks_support;
mod xobin;
mod xobin_access;
mod xobin_generate;
mod xobin_report;
