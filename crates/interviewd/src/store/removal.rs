//! Inputs and outputs of the removal operations, and the fault injector the revoke test uses
//! to prove that a failure mid-transaction leaves nothing half done.

use chrono::{DateTime, Utc};
use interviewd_domain::{CandidateId, CompanyId, InterviewId, JobId, KeyId};
use std::collections::HashSet;
use std::sync::Mutex;

/// Which interviews a removal takes out, and what else goes with them.
#[derive(Clone, Debug)]
pub enum RemovalScope {
    /// One interview (InstaView `DELETE /interviews/{id}`).
    Interview(InterviewId),
    /// Every interview of a candidate on a job, and the candidate's link to the job
    /// (Alpharun remove candidate from job opening). The candidate stays.
    CandidateOnJob { candidate: CandidateId, job: JobId },
    /// The candidate and every interview of theirs (an erasure request).
    Candidate(CandidateId),
    /// The job, every interview on it and every candidate link to it.
    Job(JobId),
}

/// A removal to apply in one transaction.
#[derive(Clone, Debug)]
pub struct RemovalRequest {
    pub company: CompanyId,
    /// The key that asked (for the audit record).
    pub actor: Option<KeyId>,
    /// Audit action name, e.g. `interview.delete`.
    pub action: &'static str,
    pub scope: RemovalScope,
    pub now: DateTime<Utc>,
}

/// What a removal did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RemovalReport {
    /// Interviews removed.
    pub interviews: Vec<InterviewId>,
    /// Scheduled attempts cancelled (never dialled).
    pub cancelled_attempts: usize,
    /// Calls or sessions that were live (they end on their own; slots come back then).
    pub live_sessions: usize,
    /// Recording blobs queued for deletion.
    pub recordings: usize,
    /// Pending webhook messages, events and e-mails dropped.
    pub dropped_deliveries: u64,
}

/// A revoke to decide and apply in one transaction.
#[derive(Clone, Debug)]
pub struct RevokeRequest {
    pub company: CompanyId,
    pub actor: Option<KeyId>,
    /// The interview's per-deployment number (Xobin `response_id`).
    pub response_id: i64,
    /// Whether to queue a notice to the candidate.
    pub notify: bool,
    pub now: DateTime<Utc>,
}

/// The applied outcome of a revoke.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RevokeOutcome {
    NotFound,
    AlreadyRevoked,
    NotAllowedPlanChange(DateTime<Utc>),
    NotAllowedStarted,
    Revoked,
}

/// Named points where a test can make the store fail inside a transaction, after some
/// writes and before commit. Production code never arms it.
#[derive(Debug, Default)]
pub struct FaultInjector(Mutex<HashSet<String>>);

impl FaultInjector {
    /// Arms a point.
    pub fn arm(&self, point: &str) {
        if let Ok(mut set) = self.0.lock() {
            set.insert(point.to_owned());
        }
    }

    /// Disarms a point.
    pub fn disarm(&self, point: &str) {
        if let Ok(mut set) = self.0.lock() {
            set.remove(point);
        }
    }

    /// Fails when `point` is armed.
    pub fn check(&self, point: &'static str) -> Result<(), super::StoreError> {
        let armed = self
            .0
            .lock()
            .map(|set| set.contains(point))
            .unwrap_or(false);
        if armed {
            Err(super::StoreError::Injected(point))
        } else {
            Ok(())
        }
    }
}
