//! What the retention worker and the erasure bookkeeping need from storage: candidates whose
//! `gdprExpiryDate` has passed, interviews whose recordings and transcript outlived their
//! company's retention period, a company's period, and the outbox copies an erasure queued.
//! Erasing an expired candidate itself goes through the one deletion path
//! ([`crate::store::Store::remove_interviews`]).

use crate::store::StoreResult;
use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use interviewd_domain::{CandidateId, CompanyId};
use uuid::Uuid;

/// Retention and erasure bookkeeping.
#[async_trait]
pub trait RetentionStore: Send + Sync {
    /// Candidates whose `gdprExpiryDate` is before `today`, oldest expiry first.
    async fn expired_candidates(
        &self,
        today: NaiveDate,
        limit: u32,
    ) -> StoreResult<Vec<(CompanyId, CandidateId)>>;

    /// Erases the recordings (queued for deletion) and transcripts of up to `limit`
    /// interviews that finished more than their company's retention period ago (or
    /// `default_days` for a company without one; neither: kept), each in its own
    /// transaction with an audit record. Returns how many interviews it erased.
    async fn expire_media(
        &self,
        now: DateTime<Utc>,
        default_days: Option<u32>,
        limit: u32,
    ) -> StoreResult<usize>;

    /// Sets a company's retention period for recordings and transcripts (`None`: the
    /// deployment's default). False when the company does not exist.
    async fn set_media_retention(&self, company: CompanyId, days: Option<u32>)
    -> StoreResult<bool>;

    /// A company's own retention period, if it has one.
    async fn media_retention(&self, company: CompanyId) -> StoreResult<Option<u32>>;

    /// Mails whose outbox copies an erasure queued for deletion.
    async fn outbox_erasures(&self, limit: u32) -> StoreResult<Vec<Uuid>>;

    /// Forgets outbox erasures that were carried out.
    async fn finish_outbox_erasures(&self, mails: &[Uuid]) -> StoreResult<()>;
}
