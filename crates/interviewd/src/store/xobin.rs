//! Storage for the Xobin dialect: the queue of AI-interview plan generations
//! (`POST /ai-interviews/generate-interview`), the quota-checked invite write and the
//! invite listing of one AI interview.
//!
//! A generation is a row claimed with a lease; `attempts` doubles as the fencing token, so
//! a worker whose lease expired cannot finish a generation another worker has reclaimed.
//! Its callback to `notification_url` is a second, independent claim on the same row.

use super::StoreResult;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use interviewd_domain::model::{Agent, Job};
use interviewd_domain::{CompanyId, InterviewStatus, JobId};
use uuid::Uuid;

pub use interviewd_domain::views::{Generation, GenerationStatus};

/// How a claimed generation ended.
#[derive(Clone, Debug)]
pub enum GenerationOutcome {
    /// The job (its `attrs.agentId` naming the agent) and agent to create.
    Completed { job: Box<Job>, agent: Box<Agent> },
    /// It cannot be completed; `error` is kept for operators.
    Failed { error: String },
}

/// One invite of an AI interview, as `GET /ai-interviews/invited/{id}` lists it.
#[derive(Clone, Debug, PartialEq)]
pub struct InviteSummary {
    pub response_id: i64,
    pub candidate_number: i64,
    pub status: InterviewStatus,
    pub starts_at: Option<DateTime<Utc>>,
    pub expires_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
    pub updated_at: DateTime<Utc>,
}

/// Xobin-dialect persistence (implemented per backend).
#[async_trait]
pub trait XobinStore: Send + Sync {
    /// Queues a generation (status `pending`).
    async fn insert_generation(&self, generation: &Generation) -> StoreResult<()>;

    /// One generation of the company.
    async fn get_generation(&self, company: CompanyId, id: Uuid)
    -> StoreResult<Option<Generation>>;

    /// Claims the oldest pending generation, or a processing one whose lease has expired,
    /// until `lease_until`; increments `attempts`.
    async fn claim_generation(
        &self,
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
    ) -> StoreResult<Option<Generation>>;

    /// Finishes the claim fenced by `attempts`, in one transaction: creates the agent and
    /// job on success, records the outcome and, when there is a `notification_url`, makes
    /// the callback due. `None` when the claim was lost.
    async fn finish_generation(
        &self,
        id: Uuid,
        attempts: i64,
        outcome: &GenerationOutcome,
        now: DateTime<Utc>,
    ) -> StoreResult<Option<Generation>>;

    /// Claims one due callback until `lease_until`; increments `notify_attempts`.
    async fn claim_generation_notice(
        &self,
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
    ) -> StoreResult<Option<Generation>>;

    /// Records a callback attempt fenced by `notify_attempts`: `retry_at` makes it due
    /// again, `None` ends it (`error` says why when it was not delivered).
    async fn record_generation_notice(
        &self,
        id: Uuid,
        notify_attempts: i64,
        retry_at: Option<DateTime<Utc>>,
        error: Option<&str>,
        now: DateTime<Utc>,
    ) -> StoreResult<()>;

    /// Every invite (interview) of one job, oldest first, with its candidate's number.
    async fn invites_of_job(
        &self,
        company: CompanyId,
        job: JobId,
    ) -> StoreResult<Vec<InviteSummary>>;
}
