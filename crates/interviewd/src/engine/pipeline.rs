//! The post-call pipeline and the blob store.
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
//! the blob, deleted by [`run_blob_deletions`] after the blob (a missing blob counts as
//! deleted, so the step is idempotent).

use super::Engine;
use crate::store::StoreError;
use crate::store::engine::{
    AttemptEnd, BlobDeletion, EndResult, JOB_ANALYSE, Lease, NextStep, PipelineJob, Touch,
};
use chrono::Utc;
use interviewd_domain::{AttemptStatus, CompanyId};
use interviewd_voice::Turn;
use interviewd_voice::analysis::{AnalysisInput, analyse};
use object_store::path::Path;
use object_store::{ObjectStoreExt, PutPayload};
use std::sync::Arc;
use std::time::Duration;
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

/// How long an uploaded recording may wait for the transaction that points an attempt at it
/// before the deletion worker removes it. Far longer than that transaction takes, even when
/// it is retried through a database outage, so a recording is never deleted under a row that
/// is about to point at it.
pub const UNCLAIMED_RECORDING_GRACE: Duration = Duration::from_secs(24 * 3600);

/// A finished conversation to record.
pub struct Conversation {
    pub lease: Lease,
    pub company: CompanyId,
    pub turns: Vec<Turn>,
    pub recording_wav: Vec<u8>,
    /// Billed length; `None` for test interviews.
    pub duration_ms: Option<i64>,
}

impl Engine {
    /// Uploads a recording under a new random key, queued for deletion after
    /// [`UNCLAIMED_RECORDING_GRACE`] unless a committed attempt claims it first.
    pub async fn upload_recording(
        &self,
        company: CompanyId,
        wav: Vec<u8>,
    ) -> anyhow::Result<String> {
        let key = format!("{company}/{}.wav", Uuid::new_v4().simple());
        let grace = chrono::Duration::from_std(UNCLAIMED_RECORDING_GRACE).unwrap_or_default();
        self.store
            .enqueue_blob_deletions(std::slice::from_ref(&key), Utc::now() + grace)
            .await?;
        self.blobs
            .put(&Path::from(key.as_str()), PutPayload::from(wav))
            .await?;
        Ok(key)
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
            if let Err(e) = self.store.enqueue_blob_deletions(&[key], Utc::now()).await {
                tracing::error!(error = %e, "queueing a blob deletion failed");
            }
        }
    }

    /// Records a finished conversation and runs its analysis at once. Produces nothing when
    /// the attempt or interview is gone or the claim is stale.
    pub async fn record_conversation(self: &Arc<Self>, c: Conversation) {
        let key = match self.upload_recording(c.company, c.recording_wav).await {
            Ok(key) => Some(key),
            Err(e) => {
                tracing::error!(error = %e, "uploading a recording failed; completing without it");
                None
            }
        };
        let at = Utc::now();
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
                if let Some(job) = job {
                    self.run_job_now(job).await;
                }
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
    }

    /// Claims and runs one pipeline job now (the pipeline worker would otherwise).
    pub async fn run_job_now(self: &Arc<Self>, job: Uuid) {
        let now = Utc::now();
        let until = now + chrono::Duration::from_std(self.settings.lease).unwrap_or_default();
        match self
            .store
            .claim_pipeline_jobs(&self.owner, now, until, 1, Some(job))
            .await
        {
            Ok(jobs) => {
                for job in jobs {
                    self.process_job(job).await;
                }
            }
            Err(e) => {
                tracing::warn!(error = %e, "claiming a pipeline job failed; the worker retries");
                self.pipeline_wake.notify_one();
            }
        }
    }

    async fn process_job(&self, job: PipelineJob) {
        if let Err(e) = self.try_job(&job).await {
            let backoff = backoff(job.tries);
            tracing::warn!(error = %e, job = %job.id, tries = job.tries, "pipeline job failed");
            let run_at = Utc::now() + chrono::Duration::from_std(backoff).unwrap_or_default();
            if let Err(e) = self
                .store
                .defer_pipeline_job(&job, run_at, &e.to_string())
                .await
            {
                tracing::error!(error = %e, "deferring a pipeline job failed");
            }
        }
    }

    async fn try_job(&self, job: &PipelineJob) -> Result<(), StoreError> {
        if job.kind != JOB_ANALYSE {
            tracing::error!(kind = job.kind, "unknown pipeline job kind; dropping it");
            return self.store.drop_pipeline_job(job).await;
        }
        let Some(source) = self.store.analysis_source(job).await? else {
            // The interview is gone (its jobs went with it); nothing to produce.
            return self.store.drop_pipeline_job(job).await;
        };
        let analysis = analyse(&AnalysisInput {
            skills: source.skills,
            nice_to_have: source.nice_to_have,
            questions: source.questions,
            turns: source.turns,
        });
        let touch = self
            .store
            .complete_interview(job, &analysis, Utc::now(), &self.public_url)
            .await?;
        if touch != Touch::Applied {
            tracing::info!(job = %job.id, ?touch, "analysis not stored");
        }
        Ok(())
    }
}

/// Retry delay of the `tries`-th failure: 1 s doubling, at most 5 minutes.
fn backoff(tries: i64) -> Duration {
    let exp = u32::try_from(tries.clamp(1, 9) - 1).unwrap_or(0);
    Duration::from_secs(2_u64.pow(exp)).min(Duration::from_secs(300))
}

/// The pipeline worker: runs analysis jobs that were not run at once (after a crash or a
/// failure).
pub async fn run(engine: Arc<Engine>, shutdown: CancellationToken) {
    loop {
        let now = Utc::now();
        let until = now + chrono::Duration::from_std(engine.settings.lease).unwrap_or_default();
        match engine
            .store
            .claim_pipeline_jobs(&engine.owner, now, until, 16, None)
            .await
        {
            Ok(jobs) if !jobs.is_empty() => {
                for job in jobs {
                    engine.process_job(job).await;
                }
                continue;
            }
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "claiming pipeline jobs failed"),
        }
        tokio::select! {
            () = shutdown.cancelled() => return,
            () = engine.pipeline_wake.notified() => {}
            () = tokio::time::sleep(engine.settings.poll) => {}
        }
    }
}

/// The blob-deletion worker.
pub async fn run_blob_deletions(engine: Arc<Engine>, shutdown: CancellationToken) {
    loop {
        let now = Utc::now();
        let until = now + chrono::Duration::from_std(engine.settings.lease).unwrap_or_default();
        match engine
            .store
            .claim_blob_deletions(&engine.owner, now, until, 32)
            .await
        {
            Ok(found) if !found.is_empty() => {
                for deletion in found {
                    delete_one(&engine, deletion).await;
                }
                continue;
            }
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "claiming blob deletions failed"),
        }
        tokio::select! {
            () = shutdown.cancelled() => return,
            () = tokio::time::sleep(engine.settings.poll) => {}
        }
    }
}

async fn delete_one(engine: &Engine, deletion: BlobDeletion) {
    let result = match engine.delete_blob(&deletion.key).await {
        Ok(()) => engine
            .store
            .finish_blob_deletion(&deletion)
            .await
            .map(|_| ()),
        Err(e) => {
            let run_at = Utc::now()
                + chrono::Duration::from_std(backoff(deletion.tries)).unwrap_or_default();
            engine
                .store
                .defer_blob_deletion(&deletion, run_at, &e.to_string())
                .await
        }
    };
    if let Err(e) = result {
        tracing::warn!(error = %e, key = deletion.key, "blob deletion bookkeeping failed");
    }
}
