//! Gauges that live in the database, read at scrape time by `GET /metrics`. Each is one
//! cheap aggregate query; none reads personal data.

use crate::store::StoreResult;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use interviewd_domain::CompanyId;

/// A point-in-time view of the queues and slots.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct OpsSnapshot {
    /// Scheduled call attempts whose time has come (waiting for a slot or a worker).
    pub calls_due: i64,
    /// Scheduled call attempts in the future.
    pub calls_later: i64,
    /// Held concurrency slots, per company that holds any.
    pub slots_in_use: Vec<(CompanyId, i64)>,
    /// Webhook messages by status (`PENDING`, `DELIVERED`, `FAILED`, `DROPPED`).
    pub webhook_messages: Vec<(String, i64)>,
    /// Queued e-mails by status (`PENDING`, `SENT`, `FAILED`, `DROPPED`).
    pub mail_messages: Vec<(String, i64)>,
}

/// What one company used in a window (InstaView's `GET /billing/usage`): only non-test
/// interviews count.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Usage {
    /// Interviews completed in the window.
    pub interviews: i64,
    /// Interviews with call or session time recorded in the window.
    pub with_minutes: i64,
    /// The call and session time recorded in the window (attempts that ended in it), in ms.
    pub duration_ms: i64,
}

/// Operational aggregates for the metrics endpoint, and usage.
#[async_trait]
pub trait MetricsStore {
    /// Reads every database gauge at `now`.
    async fn ops_snapshot(&self, now: DateTime<Utc>) -> StoreResult<OpsSnapshot>;

    /// What `company` used from `from` (inclusive) to `to` (exclusive).
    async fn usage(
        &self,
        company: CompanyId,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> StoreResult<Usage>;
}
