//! Recording a finished conversation, and the post-call pipeline.
//!
//! A finished conversation is recorded in this order: the recording is uploaded under a new
//! random key; then one transaction ends the attempt, points it at the recording, stores the
//! transcript and queues an analysis job; then the job (claimed with a lease, usually at once
//! by the same task, otherwise by the pipeline worker) scores the transcript and completes the
//! interview with its events. Each step checks that the interview still exists; if it is gone,
//! nothing is produced and an uploaded recording is deleted again. A crash between the upload
//! and the commit cannot leave a row pointing at a missing blob, nor a blob nobody will
//! delete: before the upload the key is queued for deletion [`UNCLAIMED_RECORDING_GRACE`]
//! later, and the transaction that points an attempt at the recording takes it off the queue.
//! A recording that no committed row ever claimed — the candidate's voice, which an erasure
//! could not otherwise find — is deleted when the grace runs out.
//!
//! Blob deletions are an outbox: rows inserted in the transaction that drops what pointed at
//! the blob, deleted by the recordings worker (`workers::recordings`) after the blob (a
//! missing blob counts as deleted, so the step is idempotent).

use super::Engine;
use super::conversation::{Owner, context};
use super::models::Purpose;
use crate::store::engine::{
    AttemptEnd, EndResult, JOB_ANALYSE, Lease, NextStep, PipelineJob, Touch,
};
use interviewd_domain::{AttemptStatus, CompanyId};
use interviewd_interviewer::AnalystError;
use interviewd_voice::Turn;
use interviewd_voice::analysis::{Analysis, AnalysisInput, analyse};
use object_store::path::Path;
use object_store::{ObjectStoreExt, PutPayload};
use std::sync::Arc;
use std::time::Duration;
use uuid::Uuid;

/// How long an uploaded recording may wait for the transaction that points an attempt at it
/// before the deletion worker removes it. Far longer than that transaction takes, even when
/// it is retried through a database outage, so a recording is never deleted under a row that
/// is about to point at it.
pub const UNCLAIMED_RECORDING_GRACE: Duration = Duration::from_secs(24 * 3600);

/// Tries of an analysis job while the model is unavailable; the last one falls back to the
/// built-in scorer. With the backoff below that is about eight minutes of retrying.
pub const MODEL_ANALYSIS_TRIES: i64 = 10;

/// A finished conversation to record.
pub struct Conversation {
    pub lease: Lease,
    pub company: CompanyId,
    pub turns: Vec<Turn>,
    /// Empty when there is nothing to keep (a typed interview).
    pub recording_wav: Vec<u8>,
    /// Billed length; `None` for test interviews.
    pub duration_ms: Option<i64>,
}

impl Engine {
    /// Uploads a recording under a new random key, queued for deletion after
    /// [`UNCLAIMED_RECORDING_GRACE`] unless a committed attempt claims it first.
    /// `None` for an empty recording, which is not stored.
    pub async fn upload_recording(
        &self,
        company: CompanyId,
        wav: Vec<u8>,
    ) -> anyhow::Result<Option<String>> {
        if wav.is_empty() {
            return Ok(None);
        }
        let key = format!("{company}/{}.wav", Uuid::new_v4().simple());
        let grace = chrono::Duration::from_std(UNCLAIMED_RECORDING_GRACE).unwrap_or_default();
        self.store
            .enqueue_blob_deletions(std::slice::from_ref(&key), self.now() + grace)
            .await?;
        self.blobs
            .put(&Path::from(key.as_str()), PutPayload::from(wav))
            .await?;
        Ok(Some(key))
    }

    /// Reads a recording.
    pub async fn read_recording(&self, key: &str) -> Result<Option<Vec<u8>>, object_store::Error> {
        match self.blobs.get(&Path::from(key)).await {
            Ok(found) => Ok(Some(found.bytes().await?.to_vec())),
            Err(object_store::Error::NotFound { .. }) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Deletes a blob; a missing one counts as deleted.
    pub async fn delete_blob(&self, key: &str) -> Result<(), object_store::Error> {
        match self.blobs.delete(&Path::from(key)).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(e) => Err(e),
        }
    }

    /// Deletes a blob nothing points to; if that fails, queues it for the deletion worker.
    async fn discard_blob(&self, key: String) {
        if let Err(e) = self.delete_blob(&key).await {
            tracing::warn!(error = %e, key, "deleting an unused recording failed; queueing it");
            if let Err(e) = self.store.enqueue_blob_deletions(&[key], self.now()).await {
                tracing::error!(error = %e, "queueing a blob deletion failed");
            }
        }
    }

    /// Records a finished conversation and runs its analysis at once. Produces nothing when
    /// the attempt or interview is gone or the claim is stale.
    pub async fn record_conversation(self: &Arc<Self>, c: Conversation) {
        if let Some(job) = self.store_conversation(c).await {
            self.run_job_now(job).await;
        }
    }

    /// Records a finished conversation; returns its analysis job for the caller to run now
    /// (or to leave to the pipeline worker). Produces nothing when the attempt or interview
    /// is gone or the claim is stale.
    pub async fn store_conversation(self: &Arc<Self>, c: Conversation) -> Option<Uuid> {
        let key = match self.upload_recording(c.company, c.recording_wav).await {
            Ok(key) => key,
            Err(e) => {
                tracing::error!(error = %e, "uploading a recording failed; completing without it");
                None
            }
        };
        let at = self.now();
        let lease = chrono::Duration::from_std(self.settings.lease).unwrap_or_default();
        let end = AttemptEnd {
            lease: c.lease,
            at,
            status: AttemptStatus::Completed,
            reason_code: None,
            duration_ms: c.duration_ms,
            recording_key: key.clone(),
            transcript: c.turns,
            // This task runs the analysis at once (below); the worker only if it died.
            next: NextStep::Analyse {
                worker_after: at + lease,
            },
            only_if_expired_at: None,
        };
        let (ended, interrupted) = super::until_available("ending a completed attempt", || {
            self.store.end_attempt(&end)
        })
        .await;
        match ended {
            Ok(EndResult::Applied { job }) => {
                self.wake();
                return job;
            }
            // An interrupted try may have committed (then the row points to the blob): an
            // orphan at worst is the safe side.
            Ok(EndResult::Stale) if interrupted => self.wake(),
            Ok(EndResult::Gone | EndResult::Stale) => {
                if let Some(key) = key {
                    self.discard_blob(key).await;
                }
                self.wake();
            }
            // Whether it committed is unknown: leave the blob (an orphan at worst) and the
            // attempt to the reaper.
            Err(e) => tracing::error!(error = %e, "ending a completed attempt failed"),
        }
        None
    }

    /// Claims and runs one pipeline job now (the pipeline worker would otherwise).
    pub async fn run_job_now(self: &Arc<Self>, job: Uuid) {
        let now = self.now();
        match self
            .store
            .claim_pipeline_jobs(&self.owner, now, self.job_lease_end(), 1, Some(job))
            .await
        {
            Ok(jobs) => {
                for job in jobs {
                    self.process_job(job).await;
                }
            }
            Err(e) => {
                tracing::warn!(error = %e, "claiming a pipeline job failed; the worker retries");
                self.wakers.pipeline.notify_one();
            }
        }
    }

    /// Runs one claimed pipeline job; a failure (the database, or a model that is down)
    /// defers it with backoff.
    pub async fn process_job(&self, job: PipelineJob) {
        if let Err(e) = self.try_job(&job).await {
            let backoff = backoff(job.tries);
            tracing::warn!(error = %e, job = %job.id, tries = job.tries, "pipeline job failed");
            let run_at = self.clock.after(backoff);
            if let Err(e) = self
                .store
                .defer_pipeline_job(&job, run_at, &e.to_string())
                .await
            {
                tracing::error!(error = %e, "deferring a pipeline job failed");
            }
        }
    }

    async fn try_job(&self, job: &PipelineJob) -> anyhow::Result<()> {
        if job.kind != JOB_ANALYSE {
            tracing::error!(kind = job.kind, "unknown pipeline job kind; dropping it");
            return Ok(self.store.drop_pipeline_job(job).await?);
        }
        let Some(source) = self.store.analysis_source(job).await? else {
            // The interview is gone (its jobs went with it); nothing to produce.
            return Ok(self.store.drop_pipeline_job(job).await?);
        };
        let input = AnalysisInput {
            skills: source.brief.skills.clone(),
            nice_to_have: source.brief.nice_to_have.clone(),
            questions: source.brief.questions.clone(),
            turns: source.turns,
        };
        let analysis = self.analyse(job, &source.brief, &input).await?;
        let touch = self
            .store
            .complete_interview(job, &analysis, self.now())
            .await?;
        if touch != Touch::Applied {
            tracing::info!(job = %job.id, ?touch, "analysis not stored");
        }
        Ok(())
    }

    /// The analysis of `input`: the model's when one is configured and answers validly, else
    /// the built-in scorer's. A model that is unavailable defers the job (an error here)
    /// until its last try; an invalid answer (after the analyst's own retry) falls back at
    /// once. Every model call is recorded for the interview.
    async fn analyse(
        &self,
        job: &PipelineJob,
        brief: &crate::store::engine::Brief,
        input: &AnalysisInput,
    ) -> anyhow::Result<Analysis> {
        let Some(analyst) = self.models.analyst() else {
            return Ok(analyse(input));
        };
        let owner = Owner {
            interview: job.interview_id,
            company: job.company_id,
        };
        let result = analyst.try_analyse(&context(brief), input).await;
        let usage = match &result {
            Ok(analysis) => analysis.usage.clone(),
            Err(e) => e.usage().to_vec(),
        };
        self.save_model_calls(owner, Purpose::Analysis, &usage)
            .await;
        match result {
            Ok(analysis) => Ok(analysis),
            Err(AnalystError::Unavailable { reason, .. }) if job.tries < MODEL_ANALYSIS_TRIES => {
                Err(anyhow::anyhow!(
                    "the analysis model is unavailable: {reason}"
                ))
            }
            Err(e) => {
                tracing::warn!(error = %e, job = %job.id, "model analysis failed; built-in scorer");
                let mut analysis = analyse(input);
                analysis.usage = usage;
                Ok(analysis)
            }
        }
    }

    /// Counts model calls and records them for the interview.
    pub async fn save_model_calls(
        &self,
        owner: Owner,
        purpose: Purpose,
        usage: &[interviewd_interviewer::ModelUsage],
    ) {
        if usage.is_empty() {
            return;
        }
        self.models.observe(purpose, usage);
        let at = self.now();
        if let Err(e) = self
            .store
            .record_model_calls(owner.interview, owner.company, purpose.as_str(), usage, at)
            .await
        {
            tracing::warn!(error = %e, "recording model usage failed");
        }
    }
}

/// Retry delay of the `tries`-th failure: 1 s doubling, at most 5 minutes.
pub fn backoff(tries: i64) -> Duration {
    let exp = u32::try_from(tries.clamp(1, 9) - 1).unwrap_or(0);
    Duration::from_secs(2_u64.pow(exp)).min(Duration::from_secs(300))
}
