//! Storage for the interview engine: the call-attempt queue, leases and fencing, company
//! concurrency slots, the post-call pipeline, online sessions and the blob-deletion outbox.
//!
//! The contract every backend implements:
//! - A *claim* moves due SCHEDULED attempts to IN_PROGRESS, increments their `fence`, sets a
//!   lease, and takes one of the company's slot rows, all in one transaction. A company never
//!   has more held slots than its `concurrency_limit` (checked in the statement that takes
//!   the slot), and test interviews take no slot.
//! - Every later write about an attempt carries its [`Lease`] and is conditioned on
//!   `id = ? AND fence = ?`; a worker whose lease was taken over gets [`Touch::Stale`].
//! - Slots are keyed by attempt id without a foreign key: when the interview is deleted
//!   during a live call, the slot stays held until the call ends and is then released by
//!   [`EngineStore::release_slot`] (or by the reaper once its lease runs out).
//! - Writes that end a session commit their follow-up in the same transaction: the
//!   transcript, the analysis job, the retry attempt or the interview's failure, and the
//!   domain events.

use crate::store::StoreResult;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use interviewd_domain::model::{CallAttempt, Interview};
use interviewd_domain::views::Page;
use interviewd_domain::{
    AttemptId, AttemptStatus, CandidateId, CompanyId, InterviewId, InterviewStatus, KeyId,
    PageRequest,
};
use interviewd_voice::Turn;
use interviewd_voice::analysis::Analysis;
use uuid::Uuid;

pub use interviewd_domain::views::{InterviewResults, StoredAnalysis};

/// Proof of ownership of a claimed attempt: its id and the fence the claim produced.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Lease {
    pub attempt_id: AttemptId,
    pub fence: i64,
}

/// What a claim asks for.
#[derive(Clone, Debug)]
pub struct ClaimRequest {
    /// The claiming worker (heartbeats extend leases by owner).
    pub owner: String,
    pub now: DateTime<Utc>,
    pub lease_until: DateTime<Utc>,
    /// At most this many attempts.
    pub max: usize,
    /// Claim only the due attempt of this test interview (which takes no slot).
    pub only_test_interview: Option<InterviewId>,
}

/// A due attempt that this worker now owns.
#[derive(Clone, Debug)]
pub struct ClaimedAttempt {
    pub lease: Lease,
    pub interview_id: InterviewId,
    pub company_id: CompanyId,
    pub retry_number: u32,
    pub is_test: bool,
    pub direction: String,
}

/// What the interviewer and the analyst know about an interview. The questions are the
/// agent's, or the built-in default questions when it has none.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Brief {
    /// First and last name, when known (the greeting uses it).
    pub candidate_name: Option<String>,
    pub language: String,
    pub questions: Vec<String>,
    pub skills: Vec<String>,
    pub nice_to_have: Vec<String>,
    pub job_title: String,
    pub job_description: String,
    /// The agent's instructions to the interviewer.
    pub guidance: String,
    pub duration_minutes: u32,
    /// The agent's limit of follow-ups per question, when it sets one.
    pub max_follow_ups: Option<u8>,
    /// The agent's own language model, when it names one.
    pub model: Option<String>,
}

impl Brief {
    /// The agent attribute holding [`Brief::max_follow_ups`].
    pub const MAX_FOLLOW_UPS_ATTR: &'static str = "maxFollowUps";
    /// The agent attribute holding [`Brief::model`].
    pub const MODEL_ATTR: &'static str = "model";
}

/// What the voice provider needs to hold the call of an attempt.
#[derive(Clone, Debug)]
pub struct CallDetails {
    pub phone: Option<String>,
    pub brief: Brief,
}

/// One language-model call made for an interview, as recorded.
#[derive(Clone, Debug, PartialEq)]
pub struct ModelCall {
    /// `turn` (the interviewer) or `analysis`.
    pub purpose: String,
    pub usage: interviewd_voice::analysis::ModelUsage,
    pub at: DateTime<Utc>,
}

/// The result of a fenced write.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Touch {
    /// The write happened.
    Applied,
    /// The attempt (or its interview) no longer exists: produce nothing.
    Gone,
    /// Another claim owns the attempt now, or it already ended: do nothing.
    Stale,
}

/// What follows the end of an attempt, decided by the engine.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NextStep {
    /// A conversation was held: queue its analysis (which completes the interview). The task
    /// that ends the attempt runs the job at once, claiming it by id; the pipeline worker
    /// takes it only from `worker_after` on — when that task died first — so the two never
    /// race for it.
    Analyse { worker_after: DateTime<Utc> },
    /// Schedule a new attempt (`retry_number + 1`) at this time.
    Retry { at: DateTime<Utc> },
    /// The interview failed (`interview.failed`).
    FailInterview,
    /// An online session went idle: the interview is open again (SCHEDULED), and the next
    /// session started through its link continues this one's conversation.
    Pause,
    /// Nothing follows (the interview was closed meanwhile).
    Nothing,
}

/// How an attempt ended, to be applied in one transaction.
#[derive(Clone, Debug)]
pub struct AttemptEnd {
    pub lease: Lease,
    pub at: DateTime<Utc>,
    /// `COMPLETED` or `FAILED`.
    pub status: AttemptStatus,
    pub reason_code: Option<String>,
    /// Billed length; `None` for unanswered calls and test interviews.
    pub duration_ms: Option<i64>,
    /// The uploaded recording (the blob exists before this row points to it).
    pub recording_key: Option<String>,
    pub transcript: Vec<Turn>,
    pub next: NextStep,
    /// The reaper's condition: end only if the lease had run out at this instant.
    pub only_if_expired_at: Option<DateTime<Utc>>,
}

/// The result of [`EngineStore::end_attempt`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EndResult {
    /// Applied; `job` is the analysis job when one was queued.
    Applied {
        job: Option<Uuid>,
    },
    /// Nothing was produced (see [`Touch`]); the attempt's slot, if any, was released.
    Gone,
    Stale,
}

/// An IN_PROGRESS attempt whose lease has run out.
#[derive(Clone, Debug)]
pub struct ExpiredAttempt {
    pub lease: Lease,
    pub retry_number: u32,
    pub direction: String,
}

/// A claimed post-call job.
#[derive(Clone, Debug)]
pub struct PipelineJob {
    pub id: Uuid,
    pub kind: String,
    pub interview_id: InterviewId,
    pub attempt_id: AttemptId,
    pub company_id: CompanyId,
    pub fence: i64,
    pub tries: i64,
}

/// The analysis job's kind.
pub const JOB_ANALYSE: &str = "analyse";

/// What the scorer reads about an interview.
#[derive(Clone, Debug)]
pub struct AnalysisSource {
    pub brief: Brief,
    pub turns: Vec<Turn>,
}

/// A claimed blob deletion.
#[derive(Clone, Debug)]
pub struct BlobDeletion {
    pub key: String,
    pub fence: i64,
    pub tries: i64,
}

/// A company's slot usage (`GET /v1/concurrency`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Concurrency {
    pub limit: u32,
    /// Slots held by live sessions.
    pub in_use: u32,
    /// SCHEDULED attempts whose time has come, waiting for a slot.
    pub queued: u32,
}

/// The result of invoking a new call attempt.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum InvokeResult {
    /// Scheduled; this many earlier scheduled attempts were cancelled.
    Scheduled { replaced: u64 },
    /// A call is in progress.
    InProgress,
    /// The interview's status does not allow a new call.
    NotAllowed,
    /// No such interview in the company.
    Missing,
}

/// The result of rescheduling an attempt.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RescheduleResult {
    Done,
    /// The attempt exists but is not SCHEDULED.
    NotScheduled(AttemptStatus),
    Missing,
}

/// The result of deleting a call attempt.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AttemptDeletion {
    /// Gone. `canceled`: it was the SCHEDULED interview's last pending attempt, so the
    /// interview is CANCELED (`ATTEMPT_DELETED`).
    Deleted {
        canceled: bool,
    },
    /// A call is being made on it.
    InProgress,
    Missing,
}

/// An interview as seen through its invite link.
#[derive(Clone, Debug)]
pub struct SessionView {
    pub interview: Interview,
    /// The interview's plan and context, as they are now.
    pub brief: Brief,
    /// The candidate's phone number (a phone interview's page shows it masked).
    pub phone: Option<String>,
    /// The live web session, if one is running.
    pub live: Option<LiveSession>,
}

/// The state of an invite link and its live web session, as a live session's periodic
/// check needs it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SessionCheck {
    pub status: InterviewStatus,
    pub expires_at: Option<DateTime<Utc>>,
    pub revoked: bool,
    /// The live web session's idle deadline, if one is running.
    pub live_until: Option<DateTime<Utc>>,
}

/// A running web session.
#[derive(Clone, Debug)]
pub struct LiveSession {
    pub lease: Lease,
    /// The questions fixed when the session started.
    pub questions: Vec<String>,
    /// The conversation so far (times from the session's start).
    pub turns: Vec<Turn>,
    pub started_at: DateTime<Utc>,
    pub lease_until: DateTime<Utc>,
}

/// A web session to open.
#[derive(Clone, Debug)]
pub struct NewSession {
    pub attempt: CallAttempt,
    pub questions: Vec<String>,
    /// The agent's opening line.
    pub turns: Vec<Turn>,
    pub now: DateTime<Utc>,
    /// When the session ends if the candidate goes quiet.
    pub idle_until: DateTime<Utc>,
}

/// The result of opening a web session.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SessionStart {
    Started(Lease),
    /// Every slot of the company is in use.
    NoSlot,
    /// The interview is no longer SCHEDULED or already has a live session.
    NotStartable,
}

/// Engine persistence (implemented per backend).
#[async_trait]
pub trait EngineStore: Send + Sync {
    // ---- queue and slots ----------------------------------------------------------------

    /// Claims due SCHEDULED attempts, each with a slot of its company (none for tests).
    async fn claim_due_attempts(&self, req: &ClaimRequest) -> StoreResult<Vec<ClaimedAttempt>>;

    /// What the provider needs for an attempt's call; `None` when the interview is gone.
    async fn call_details(&self, attempt: AttemptId) -> StoreResult<Option<CallDetails>>;

    /// The candidate answered: the interview becomes IN_PROGRESS (`interview.started`).
    async fn start_attempt(&self, lease: Lease, at: DateTime<Utc>) -> StoreResult<Touch>;

    /// Extends the leases of every attempt and slot `owner` holds; returns the attempt ids
    /// whose slots it still holds (a live call missing from this list lost its slot).
    async fn extend_leases(&self, owner: &str, until: DateTime<Utc>)
    -> StoreResult<Vec<AttemptId>>;

    /// Ends an attempt and applies what follows; always releases the lease's slot.
    async fn end_attempt(&self, end: &AttemptEnd) -> StoreResult<EndResult>;

    /// Releases the slot held by this claim (a session whose interview is gone).
    async fn release_slot(&self, lease: Lease) -> StoreResult<bool>;

    /// IN_PROGRESS attempts whose lease ran out before `now`.
    async fn expired_attempts(
        &self,
        now: DateTime<Utc>,
        max: usize,
    ) -> StoreResult<Vec<ExpiredAttempt>>;

    /// Frees slots whose lease ran out, and web slots whose attempt is gone or over.
    async fn reap_slots(&self, now: DateTime<Utc>) -> StoreResult<u64>;

    // ---- post-call pipeline ---------------------------------------------------------------

    /// Claims due pipeline jobs (only `only` when given).
    async fn claim_pipeline_jobs(
        &self,
        owner: &str,
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
        max: usize,
        only: Option<Uuid>,
    ) -> StoreResult<Vec<PipelineJob>>;

    /// The scorer's input; `None` when the interview is gone.
    async fn analysis_source(&self, job: &PipelineJob) -> StoreResult<Option<AnalysisSource>>;

    /// Stores the analysis, completes the interview (`interview.completed`,
    /// `analysis.completed`) and removes the job, if the job is still this claim's.
    async fn complete_interview(
        &self,
        job: &PipelineJob,
        analysis: &Analysis,
        at: DateTime<Utc>,
    ) -> StoreResult<Touch>;

    /// Gives a job back to be retried at `run_at`.
    async fn defer_pipeline_job(
        &self,
        job: &PipelineJob,
        run_at: DateTime<Utc>,
        error: &str,
    ) -> StoreResult<()>;

    /// Removes a job (its interview is gone).
    async fn drop_pipeline_job(&self, job: &PipelineJob) -> StoreResult<()>;

    // ---- blob deletions -----------------------------------------------------------------

    /// Queues blob keys for deletion.
    async fn enqueue_blob_deletions(&self, keys: &[String], at: DateTime<Utc>) -> StoreResult<()>;

    /// Claims due blob deletions.
    async fn claim_blob_deletions(
        &self,
        owner: &str,
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
        max: usize,
    ) -> StoreResult<Vec<BlobDeletion>>;

    /// The blob is gone: removes the outbox row (if still this claim's).
    async fn finish_blob_deletion(&self, deletion: &BlobDeletion) -> StoreResult<bool>;

    /// Gives a deletion back to be retried at `run_at`.
    async fn defer_blob_deletion(
        &self,
        deletion: &BlobDeletion,
        run_at: DateTime<Utc>,
        error: &str,
    ) -> StoreResult<()>;

    // ---- online sessions ----------------------------------------------------------------

    /// The interview behind an invite token, with its live web session.
    async fn session_by_token(&self, token: &str) -> StoreResult<Option<SessionView>>;

    /// What a live session's periodic check reads: one row, no conversation.
    async fn session_check(&self, token: &str) -> StoreResult<Option<SessionCheck>>;

    /// Opens a web session: takes a slot, inserts the IN_PROGRESS attempt, starts the
    /// interview (`interview.started`).
    async fn start_session(&self, session: &NewSession) -> StoreResult<SessionStart>;

    /// Appends `turns` to the session's conversation if it still holds `after` turns
    /// ([`Touch::Stale`] otherwise: another request moved it on), and extends the idle
    /// deadline.
    async fn append_turns(
        &self,
        lease: Lease,
        after: usize,
        turns: &[Turn],
        now: DateTime<Utc>,
        idle_until: DateTime<Utc>,
    ) -> StoreResult<Touch>;

    /// The job whose public interview link ends in `slug` (an Alpharun job opening's
    /// `interview_link`).
    async fn job_by_link(&self, slug: &str) -> StoreResult<Option<interviewd_domain::model::Job>>;

    /// The questions and conversation of the interview's last session that paused (went
    /// idle), for the next session to continue.
    async fn paused_session(
        &self,
        interview: InterviewId,
    ) -> StoreResult<Option<(Vec<String>, Vec<Turn>)>>;

    // ---- language-model usage -----------------------------------------------------------

    /// Records model calls made for an interview (nothing when it is gone).
    async fn record_model_calls(
        &self,
        interview: InterviewId,
        company: CompanyId,
        purpose: &str,
        usage: &[interviewd_voice::analysis::ModelUsage],
        at: DateTime<Utc>,
    ) -> StoreResult<()>;

    /// The model calls recorded for an interview, oldest first.
    async fn model_calls(&self, interview: InterviewId) -> StoreResult<Vec<ModelCall>>;

    // ---- API reads and writes -----------------------------------------------------------

    /// Opens a FAILED online interview of the company again (SCHEDULED, its link working);
    /// false when there is no such interview in that state.
    async fn reopen_online(
        &self,
        company: CompanyId,
        interview: InterviewId,
        now: DateTime<Utc>,
    ) -> StoreResult<bool>;

    /// Slot usage of a company.
    async fn concurrency(&self, company: CompanyId, now: DateTime<Utc>)
    -> StoreResult<Concurrency>;

    /// Replaces the interview's scheduled attempts with `attempt` (refused while a call is
    /// in progress or when the interview is completed or canceled).
    async fn invoke_attempt(
        &self,
        company: CompanyId,
        attempt: &CallAttempt,
    ) -> StoreResult<InvokeResult>;

    /// Moves a SCHEDULED attempt to `at` (the change made at `now`).
    async fn reschedule_attempt(
        &self,
        company: CompanyId,
        interview: InterviewId,
        attempt: AttemptId,
        at: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> StoreResult<RescheduleResult>;

    /// Deletes one call attempt of the company's interview with what it holds (its
    /// transcript turns, its recording and the carrier's copies, queued for erasure), unless
    /// it is in progress or the interview's completed conversation; an audit record names
    /// `actor`. The interview's last pending attempt taken away cancels it.
    async fn delete_attempt(
        &self,
        company: CompanyId,
        interview: InterviewId,
        attempt: AttemptId,
        actor: Option<KeyId>,
        now: DateTime<Utc>,
    ) -> StoreResult<AttemptDeletion>;

    /// Transcript and analysis of an interview of the company.
    async fn interview_results(
        &self,
        company: CompanyId,
        interview: InterviewId,
    ) -> StoreResult<InterviewResults>;

    /// The analyses of those of `interviews` that are the company's and have one.
    async fn analyses_of(
        &self,
        company: CompanyId,
        interviews: &[InterviewId],
    ) -> StoreResult<Vec<(InterviewId, StoredAnalysis)>>;

    /// A page of the analyses of the company's candidate, newest first.
    async fn candidate_analyses(
        &self,
        company: CompanyId,
        candidate: CandidateId,
        page: PageRequest,
    ) -> StoreResult<Page<(InterviewId, StoredAnalysis)>>;

    /// The recording key of an attempt of an interview of the company.
    async fn recording_key(
        &self,
        company: CompanyId,
        interview: InterviewId,
        attempt: AttemptId,
    ) -> StoreResult<Option<String>>;
}
