//! Deleting a candidate or a job without its interviews (InstaView's `DELETE /candidates/{id}`
//! and `DELETE /jobs/{id}`), and reading what such a deletion leaves behind.
//!
//! The row stays as a tombstone: hidden from every read of the store's other methods, its
//! interviews keep their `candidate_id` / `job_id`. A candidate's tombstone keeps nothing of
//! the person (names, e-mail, phone, external id, metadata, custom fields are cleared). Both
//! are one transaction with an audit record; `docs/removal.md` has the behaviour.

use super::StoreResult;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use interviewd_domain::model::{Candidate, Job};
use interviewd_domain::{CandidateId, CompanyId, InterviewId, JobId, KeyId};

/// What to detach from its interviews.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DetachTarget {
    /// The candidate's profile goes; their SCHEDULED interviews are canceled (nobody is left to
    /// call or e-mail); every other interview stays as it is.
    Candidate(CandidateId),
    /// The job goes, with every candidate's link to it; its interviews stay.
    Job(JobId),
}

/// A detaching deletion to apply in one transaction.
#[derive(Clone, Debug)]
pub struct DetachRequest {
    pub company: CompanyId,
    /// The key that asked (for the audit record).
    pub actor: Option<KeyId>,
    pub target: DetachTarget,
    pub now: DateTime<Utc>,
}

/// What a detaching deletion did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DetachReport {
    /// SCHEDULED interviews canceled (a candidate's only).
    pub canceled: Vec<InterviewId>,
    /// Candidate–job links removed.
    pub unlinked: u64,
    /// Pending e-mails to the candidate dropped.
    pub dropped_mails: u64,
}

/// The reason code of attempts canceled because their candidate was deleted.
pub const CANDIDATE_DELETED: &str = "CANDIDATE_DELETED";

/// The reason code of an interview canceled because its last pending call attempt was deleted.
pub const ATTEMPT_DELETED: &str = "ATTEMPT_DELETED";

/// Detaching deletions (implemented per backend).
#[async_trait]
pub trait DetachStore: Send + Sync {
    /// Deletes the target, leaving its interviews; `None` when it is not a live record of the
    /// company (unknown, another company's, or deleted already).
    async fn detach(&self, req: &DetachRequest) -> StoreResult<Option<DetachReport>>;

    /// The candidate with this id in the company, deleted or not (a report's subject).
    async fn candidate_any(
        &self,
        company: CompanyId,
        id: CandidateId,
    ) -> StoreResult<Option<Candidate>>;

    /// The job with this id in the company, deleted or not (a report's subject).
    async fn job_any(&self, company: CompanyId, id: JobId) -> StoreResult<Option<Job>>;
}

/// The audit record of a detaching deletion: ids and counts, never personal data.
pub fn audit(req: &DetachRequest, report: &DetachReport) -> (serde_json::Value, serde_json::Value) {
    let canceled: Vec<String> = report.canceled.iter().map(ToString::to_string).collect();
    let target = match req.target {
        DetachTarget::Candidate(id) => serde_json::json!({
            "candidateId": id.to_string(),
            "canceledInterviewIds": canceled,
        }),
        DetachTarget::Job(id) => serde_json::json!({ "jobId": id.to_string() }),
    };
    let counts = serde_json::json!({
        "canceledInterviews": report.canceled.len(),
        "unlinkedJobs": report.unlinked,
        "droppedMails": report.dropped_mails,
    });
    (target, counts)
}

/// The audit action of a detaching deletion.
pub fn action(target: DetachTarget) -> &'static str {
    match target {
        DetachTarget::Candidate(_) => "candidate.delete",
        DetachTarget::Job(_) => "job.delete",
    }
}
