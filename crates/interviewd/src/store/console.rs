//! Reads the recruiter console shows that no API dialect needs: interviews with their
//! candidate's name and job title, filtered by date and text, counts by status, the calls
//! waiting for a slot, the webhook messages about one interview, and a company's own API keys;
//! and the two writes only the console makes: a recruiter's decision on an interview and
//! revoking a key. Every read and write is scoped by the company, like the rest of the store.

use crate::store::{Page, StoreResult};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use interviewd_domain::model::{ApiKey, Interview};
use interviewd_domain::{
    AttemptId, CandidateId, CompanyId, Decision, InterviewId, InterviewStatus, JobId, KeyId,
    PageRequest, WebhookId,
};
use uuid::Uuid;

/// Which interviews a console list shows.
#[derive(Clone, Debug, Default)]
pub struct InterviewQuery {
    pub status: Option<InterviewStatus>,
    pub job_id: Option<JobId>,
    pub candidate_id: Option<CandidateId>,
    /// Scheduled at or after this instant.
    pub from: Option<DateTime<Utc>>,
    /// Scheduled before this instant.
    pub until: Option<DateTime<Utc>>,
    /// Case-insensitive part of the candidate's name or e-mail, or of the job's title.
    pub search: Option<String>,
    /// Earliest first (upcoming interviews); else the latest first.
    pub earliest_first: bool,
}

/// One interview as a console list shows it.
#[derive(Clone, Debug)]
pub struct InterviewLine {
    pub interview: Interview,
    pub candidate_first_name: Option<String>,
    pub candidate_last_name: Option<String>,
    pub candidate_email: Option<String>,
    pub job_title: Option<String>,
    /// A recruiter's decision on it, if one was made.
    pub decision: Option<Decision>,
}

/// A call whose time has come, waiting for a slot.
#[derive(Clone, Debug)]
pub struct QueuedCall {
    pub attempt_id: AttemptId,
    pub interview_id: InterviewId,
    pub scheduled_at: DateTime<Utc>,
    pub retry_number: u32,
}

/// One webhook message about an interview, with where it went.
#[derive(Clone, Debug)]
pub struct InterviewDelivery {
    pub message_id: Uuid,
    pub webhook_id: WebhookId,
    pub webhook_url: String,
    pub webhook_name: Option<String>,
    pub event_type: String,
    /// PENDING, DELIVERED, FAILED or DROPPED.
    pub status: String,
    pub attempts: u32,
    pub last_error: Option<String>,
    pub delivered_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

/// A recruiter's decision on an interview, as stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredDecision {
    pub decision: Decision,
    /// The console user's e-mail; `None` once that user is gone.
    pub decided_by: Option<String>,
    pub decided_at: DateTime<Utc>,
}

/// What recording a decision did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Decided {
    /// Recorded, with its event, in one transaction.
    Made,
    /// The interview already had this decision: nothing written, nothing sent.
    Unchanged,
    /// The company has no such interview.
    NotFound,
}

/// Console reads and writes (implemented per backend).
#[async_trait]
pub trait ConsoleStore: Send + Sync {
    /// How many interviews of the company are in each status (statuses with none omitted).
    async fn interview_counts(
        &self,
        company: CompanyId,
    ) -> StoreResult<Vec<(InterviewStatus, i64)>>;

    /// A page of the company's interviews.
    async fn interview_lines(
        &self,
        company: CompanyId,
        query: &InterviewQuery,
        page: PageRequest,
    ) -> StoreResult<Page<InterviewLine>>;

    /// Up to `limit` SCHEDULED call attempts of the company due at `now`, oldest first.
    async fn queued_calls(
        &self,
        company: CompanyId,
        now: DateTime<Utc>,
        limit: u32,
    ) -> StoreResult<Vec<QueuedCall>>;

    /// The webhook messages about one interview of the company, newest first.
    async fn interview_deliveries(
        &self,
        company: CompanyId,
        interview: InterviewId,
    ) -> StoreResult<Vec<InterviewDelivery>>;

    /// The company's own keys (company keys, not ATS keys), newest first.
    async fn company_keys(&self, company: CompanyId) -> StoreResult<Vec<ApiKey>>;

    /// Revokes one of the company's own keys; false when it has no such key.
    async fn revoke_company_key(
        &self,
        company: CompanyId,
        id: KeyId,
        at: DateTime<Utc>,
    ) -> StoreResult<bool>;

    /// Records `user`'s decision on an interview of the company and, when it changes what
    /// was decided, its `interview.advanced` / `interview.rejected` event, in one
    /// transaction.
    async fn decide(
        &self,
        company: CompanyId,
        interview: InterviewId,
        decision: Decision,
        user: Uuid,
        at: DateTime<Utc>,
    ) -> StoreResult<Decided>;

    /// The decision on an interview of the company, if one was made.
    async fn decision(
        &self,
        company: CompanyId,
        interview: InterviewId,
    ) -> StoreResult<Option<StoredDecision>>;
}
