//! The SQL side of [`crate::store::engine::EngineStore`], plus the statements the deletion
//! path runs inside its own transaction ([`enqueue_blob_deletion`]).

#[path = "engine_api.rs"]
mod api;
#[path = "engine_brief.rs"]
mod brief;
#[path = "engine_end.rs"]
mod end;
#[path = "engine_jobs.rs"]
mod jobs;
#[path = "engine_queue.rs"]
mod queue;
#[path = "engine_sessions.rs"]
mod sessions;
#[path = "engine_snapshot.rs"]
mod snapshot;
#[path = "engine_usage.rs"]
mod usage;

use super::Conn;
use super::{DbStore, events, interviews, tenants};
use crate::store::StoreResult;
use crate::store::engine::*;
use crate::store::retry::retrying;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use interviewd_domain::model::CallAttempt;
use interviewd_domain::time::to_millis;
use interviewd_domain::{AttemptId, CandidateId, CompanyId, InterviewId, KeyId, PageRequest};
use interviewd_voice::analysis::Analysis;
use uuid::Uuid;

// The submodules refer to each other as `super::engine_*`.
use api as engine_api;
use brief as engine_brief;
use end as engine_end;
use jobs as engine_jobs;
use queue as engine_queue;
use sessions as engine_sessions;
use snapshot as engine_snapshot;
use usage as engine_usage;

pub use sessions::JOB_BY_LINK;

/// Queues a blob for deletion inside the caller's transaction (idempotent per key). The blob
/// worker deletes it after the transaction commits; a missing blob counts as deleted.
pub async fn enqueue_blob_deletion(
    conn: &mut Conn,
    key: &str,
    at: DateTime<Utc>,
) -> StoreResult<()> {
    engine_jobs::enqueue_blob(conn, key, at).await
}

#[async_trait]
impl EngineStore for DbStore {
    async fn claim_due_attempts(&self, req: &ClaimRequest) -> StoreResult<Vec<ClaimedAttempt>> {
        retrying("claim attempts", || engine_queue::claim(self, req)).await
    }
    async fn call_details(&self, attempt: AttemptId) -> StoreResult<Option<CallDetails>> {
        engine_queue::call_details(self, attempt).await
    }
    async fn start_attempt(&self, lease: Lease, at: DateTime<Utc>) -> StoreResult<Touch> {
        retrying("start attempt", || engine_queue::start(self, lease, at)).await
    }
    async fn extend_leases(
        &self,
        owner: &str,
        until: DateTime<Utc>,
    ) -> StoreResult<Vec<AttemptId>> {
        engine_queue::extend(self, owner, until).await
    }
    async fn end_attempt(&self, end: &AttemptEnd) -> StoreResult<EndResult> {
        retrying("end attempt", || engine_end::end(self, end)).await
    }
    async fn release_slot(&self, lease: Lease) -> StoreResult<bool> {
        retrying("release slot", || engine_end::release(self, lease)).await
    }
    async fn expired_attempts(
        &self,
        now: DateTime<Utc>,
        max: usize,
    ) -> StoreResult<Vec<ExpiredAttempt>> {
        engine_end::expired(self, now, max).await
    }
    async fn reap_slots(&self, now: DateTime<Utc>) -> StoreResult<u64> {
        engine_end::reap_slots(self, now).await
    }

    async fn claim_pipeline_jobs(
        &self,
        owner: &str,
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
        max: usize,
        only: Option<Uuid>,
    ) -> StoreResult<Vec<PipelineJob>> {
        engine_jobs::claim_jobs(self, owner, now, lease_until, max, only).await
    }
    async fn analysis_source(&self, job: &PipelineJob) -> StoreResult<Option<AnalysisSource>> {
        engine_jobs::analysis_source(self, job).await
    }
    async fn complete_interview(
        &self,
        job: &PipelineJob,
        analysis: &Analysis,
        at: DateTime<Utc>,
    ) -> StoreResult<Touch> {
        retrying("complete interview", || {
            engine_jobs::complete(self, job, analysis, at)
        })
        .await
    }
    async fn defer_pipeline_job(
        &self,
        job: &PipelineJob,
        run_at: DateTime<Utc>,
        error: &str,
    ) -> StoreResult<()> {
        engine_jobs::defer_job(self, job, run_at, error).await
    }
    async fn drop_pipeline_job(&self, job: &PipelineJob) -> StoreResult<()> {
        engine_jobs::drop_job(self, job).await
    }

    async fn enqueue_blob_deletions(&self, keys: &[String], at: DateTime<Utc>) -> StoreResult<()> {
        engine_jobs::enqueue_blobs(self, keys, at).await
    }
    async fn claim_blob_deletions(
        &self,
        owner: &str,
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
        max: usize,
    ) -> StoreResult<Vec<BlobDeletion>> {
        engine_jobs::claim_blobs(self, owner, now, lease_until, max).await
    }
    async fn finish_blob_deletion(&self, deletion: &BlobDeletion) -> StoreResult<bool> {
        engine_jobs::finish_blob(self, deletion).await
    }
    async fn defer_blob_deletion(
        &self,
        deletion: &BlobDeletion,
        run_at: DateTime<Utc>,
        error: &str,
    ) -> StoreResult<()> {
        engine_jobs::defer_blob(self, deletion, run_at, error).await
    }

    async fn session_by_token(&self, token: &str) -> StoreResult<Option<SessionView>> {
        engine_sessions::by_token(self, token).await
    }
    async fn session_check(&self, token: &str) -> StoreResult<Option<SessionCheck>> {
        engine_sessions::check(self, token).await
    }
    async fn start_session(&self, session: &NewSession) -> StoreResult<SessionStart> {
        retrying("start session", || engine_sessions::start(self, session)).await
    }
    async fn append_turns(
        &self,
        lease: Lease,
        after: usize,
        turns: &[interviewd_voice::Turn],
        now: DateTime<Utc>,
        idle_until: DateTime<Utc>,
    ) -> StoreResult<Touch> {
        retrying("append turns", || {
            engine_sessions::append(self, lease, after, turns, now, idle_until)
        })
        .await
    }

    async fn job_by_link(&self, slug: &str) -> StoreResult<Option<interviewd_domain::model::Job>> {
        engine_sessions::job_by_link(self, slug).await
    }

    async fn paused_session(
        &self,
        interview: InterviewId,
    ) -> StoreResult<Option<(Vec<String>, Vec<interviewd_voice::Turn>)>> {
        engine_sessions::paused(self, interview).await
    }

    async fn record_model_calls(
        &self,
        interview: InterviewId,
        company: CompanyId,
        purpose: &str,
        usage: &[interviewd_voice::analysis::ModelUsage],
        at: DateTime<Utc>,
    ) -> StoreResult<()> {
        engine_usage::record(self, interview, company, purpose, usage, at).await
    }
    async fn model_calls(&self, interview: InterviewId) -> StoreResult<Vec<ModelCall>> {
        engine_usage::list(self, interview).await
    }

    async fn reopen_online(
        &self,
        company: CompanyId,
        interview: InterviewId,
        now: DateTime<Utc>,
    ) -> StoreResult<bool> {
        let done = sqlx::query(
            "UPDATE interviews SET status = 'SCHEDULED', finished_at = NULL, updated_at = $3 \
             WHERE id = $1 AND company_id = $2 AND status = 'FAILED' AND channel = 'ONLINE' \
             AND invite_revoked_at IS NULL",
        )
        .bind(interview.uuid())
        .bind(company.uuid())
        .bind(to_millis(now))
        .execute(self.pool())
        .await?;
        Ok(done.rows_affected() == 1)
    }

    async fn concurrency(
        &self,
        company: CompanyId,
        now: DateTime<Utc>,
    ) -> StoreResult<Concurrency> {
        engine_api::concurrency(self, company, now).await
    }
    async fn invoke_attempt(
        &self,
        company: CompanyId,
        attempt: &CallAttempt,
    ) -> StoreResult<InvokeResult> {
        retrying("invoke attempt", || {
            engine_api::invoke(self, company, attempt)
        })
        .await
    }
    async fn reschedule_attempt(
        &self,
        company: CompanyId,
        interview: InterviewId,
        attempt: AttemptId,
        at: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> StoreResult<RescheduleResult> {
        retrying("reschedule attempt", || {
            engine_api::reschedule(self, company, interview, attempt, at, now)
        })
        .await
    }
    async fn delete_attempt(
        &self,
        company: CompanyId,
        interview: InterviewId,
        attempt: AttemptId,
        actor: Option<KeyId>,
        now: DateTime<Utc>,
    ) -> StoreResult<AttemptDeletion> {
        retrying("delete attempt", || {
            engine_api::delete_attempt(self, company, interview, attempt, actor, now)
        })
        .await
    }
    async fn interview_results(
        &self,
        company: CompanyId,
        interview: InterviewId,
    ) -> StoreResult<InterviewResults> {
        engine_api::results(self, company, interview).await
    }
    async fn analyses_of(
        &self,
        company: CompanyId,
        interviews: &[InterviewId],
    ) -> StoreResult<Vec<(InterviewId, StoredAnalysis)>> {
        engine_api::analyses_of(self, company, interviews).await
    }
    async fn candidate_analyses(
        &self,
        company: CompanyId,
        candidate: CandidateId,
        page: PageRequest,
    ) -> StoreResult<interviewd_domain::views::Page<(InterviewId, StoredAnalysis)>> {
        engine_api::candidate_analyses(self, company, candidate, page).await
    }
    async fn recording_key(
        &self,
        company: CompanyId,
        interview: InterviewId,
        attempt: AttemptId,
    ) -> StoreResult<Option<String>> {
        engine_api::recording_key(self, company, interview, attempt).await
    }
}
