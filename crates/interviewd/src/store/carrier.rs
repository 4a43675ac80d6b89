//! What the server keeps about the calls a carrier placed, and the outbox of deletions at the
//! carrier (docs/carrier.md, "What the carrier keeps").
//!
//! A placed call's SIDs are kept with its attempt (`carrier_calls`, gone with the attempt).
//! Two kinds of deletion are queued in `carrier_erasures`, claimed with a lease and retried
//! until done, like blob deletions:
//! - `call`: every recording of a call, then its log. Queued by every removal, in the same
//!   transaction as the row deletion, for each call of the removed interviews; and at once
//!   for a call placed for an attempt that was already gone.
//! - `recording`: the carrier's copy of a ConversationRelay recording, queued when interviewd
//!   fetched it; deleted once the attempt is no longer live (the conversation was stored, or
//!   the attempt is gone) — but kept when a completed attempt holds no recording of its own
//!   (the upload failed), so nothing is lost before the removal erases it.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use interviewd_domain::{AttemptId, CompanyId};

use crate::store::StoreResult;

/// The kind of an erasure: a whole call.
pub const ERASE_CALL: &str = "call";
/// The kind of an erasure: one recording.
pub const ERASE_RECORDING: &str = "recording";

/// A claimed deletion at the carrier.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CarrierErasure {
    /// [`ERASE_CALL`] or [`ERASE_RECORDING`].
    pub kind: String,
    /// The carrier's SID of the call or recording.
    pub sid: String,
    /// The carrier's name (`twilio`).
    pub carrier: String,
    /// The company it was for, when known (the audit row needs it).
    pub company: Option<CompanyId>,
    pub fence: i64,
    pub tries: i64,
}

/// Where the attempt of a carrier recording stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RecordingOwner {
    /// The call is still being held: wait.
    Live,
    /// The attempt completed without a recording of its own: keep the carrier's copy.
    Unstored,
    /// The conversation was stored, the attempt failed, or it is gone: delete.
    Done,
}

/// The carrier's side of the store.
#[async_trait]
pub trait CarrierStore {
    /// Records the call placed for `attempt`. When the attempt is gone (its interview was
    /// removed meanwhile), queues the call's erasure instead.
    async fn carrier_call_placed(
        &self,
        attempt: AttemptId,
        carrier: &str,
        call_sid: &str,
        at: DateTime<Utc>,
    ) -> StoreResult<()>;

    /// Whether the attempt still exists.
    async fn carrier_attempt_exists(&self, attempt: AttemptId) -> StoreResult<bool>;

    /// Records the carrier's recording of the attempt's call and queues its deletion.
    async fn carrier_recording_fetched(
        &self,
        attempt: AttemptId,
        carrier: &str,
        recording_sid: &str,
        at: DateTime<Utc>,
    ) -> StoreResult<()>;

    /// Where the attempt of a recording stands.
    async fn carrier_recording_owner(&self, recording_sid: &str) -> StoreResult<RecordingOwner>;

    /// Claims due erasures.
    async fn claim_carrier_erasures(
        &self,
        owner: &str,
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
        max: usize,
    ) -> StoreResult<Vec<CarrierErasure>>;

    /// Removes a done erasure (if the claim still holds) and, when it has a company, writes
    /// its audit row: the SIDs and counts, no personal data.
    async fn finish_carrier_erasure(
        &self,
        erasure: &CarrierErasure,
        counts: serde_json::Value,
        at: DateTime<Utc>,
    ) -> StoreResult<bool>;

    /// Puts an erasure back for later.
    async fn defer_carrier_erasure(
        &self,
        erasure: &CarrierErasure,
        run_at: DateTime<Utc>,
        error: &str,
    ) -> StoreResult<()>;

    /// Erasures waiting (a gauge for tests and operations).
    async fn pending_carrier_erasures(&self) -> StoreResult<i64>;
}
