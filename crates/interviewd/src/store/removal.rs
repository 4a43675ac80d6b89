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
    /// (Alpharun remove candidate from job opening). The candidate stays. Without any
    /// interview of theirs on the job nothing changes, the link included.
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

/// An Alpharun removal of a contact from a job opening, the contact named by a key that the
/// store resolves inside the removal's transaction (with the other removals of its batch,
/// rather than one read per request before it).
#[derive(Clone, Debug)]
pub struct OpeningRemoval {
    pub company: CompanyId,
    /// The key that asked (for the audit record).
    pub actor: Option<KeyId>,
    pub contact: crate::store::ContactKey,
    pub job: JobId,
    pub now: DateTime<Utc>,
}

impl OpeningRemoval {
    /// The removal, once the contact is known to be `candidate`.
    pub fn of(&self, candidate: CandidateId) -> RemovalRequest {
        RemovalRequest {
            company: self.company,
            actor: self.actor,
            action: "candidate.remove_from_job",
            scope: RemovalScope::CandidateOnJob {
                candidate,
                job: self.job,
            },
            now: self.now,
        }
    }
}

/// What an [`OpeningRemoval`] did: `None` when its key names no live contact of the company
/// (nothing changed), else the contact and the removal's report (no interview when the
/// contact has none on the opening: nothing changed, the link included).
pub type OpeningOutcome = Option<(CandidateId, RemovalReport)>;

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
    /// The id of the removal's audit record.
    pub audit_id: Option<uuid::Uuid>,
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

/// Which removals a store's removal group (`RemovalGroup` in `store/sql/removal.rs`) writes
/// together; the rest are written alone. Revokes always join.
#[derive(Clone, Copy)]
pub enum Takes {
    /// Every removal and revoke (SQLite).
    Everything,
    /// Deletes of one interview, Alpharun removals of a contact from a job opening and
    /// revokes (PostgreSQL): all but the removals of a whole candidate or job.
    Narrow,
}

impl Takes {
    /// Whether a removal of `scope` joins the group.
    pub(crate) fn removal(self, scope: &RemovalScope) -> bool {
        match self {
            Self::Everything => true,
            Self::Narrow => matches!(
                scope,
                RemovalScope::Interview(_) | RemovalScope::CandidateOnJob { .. }
            ),
        }
    }
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

    /// Fails when `point` is armed for `subject` alone (armed as `point:subject`).
    /// `subject` is only formatted when some point is armed (removals call this every time).
    pub fn check_on(
        &self,
        point: &'static str,
        subject: impl std::fmt::Display,
    ) -> Result<(), super::StoreError> {
        self.fail_if(point, |set| {
            !set.is_empty() && set.contains(&format!("{point}:{subject}"))
        })
    }

    /// Fails when `point` is armed.
    pub fn check(&self, point: &'static str) -> Result<(), super::StoreError> {
        self.fail_if(point, |set| set.contains(point))
    }

    fn fail_if(
        &self,
        point: &'static str,
        armed: impl FnOnce(&HashSet<String>) -> bool,
    ) -> Result<(), super::StoreError> {
        match self.0.lock() {
            Ok(set) if armed(&set) => Err(super::StoreError::Injected(point)),
            _ => Ok(()),
        }
    }
}

// ---- What every backend records for a removal or a revoke -------------------------------
// The backends hold only SQL; the events, audit records and outcome mapping are built here,
// once, from the domain's decisions.

impl From<interviewd_domain::removal::RevokeDecision> for RevokeOutcome {
    fn from(d: interviewd_domain::removal::RevokeDecision) -> Self {
        use interviewd_domain::removal::RevokeDecision as D;
        match d {
            D::AlreadyRevoked => RevokeOutcome::AlreadyRevoked,
            D::NotAllowedPlanChange(at) => RevokeOutcome::NotAllowedPlanChange(at),
            D::NotAllowedStarted => RevokeOutcome::NotAllowedStarted,
            D::Revoke => RevokeOutcome::Revoked,
        }
    }
}

fn id_list(report: &RemovalReport) -> Vec<String> {
    report.interviews.iter().map(ToString::to_string).collect()
}

/// The `interview.deleted` event of one removed interview.
pub fn deleted_event(
    i: &interviewd_domain::model::Interview,
    plan: &interviewd_domain::removal::DeletionPlan,
    now: DateTime<Utc>,
) -> super::events::NewEvent {
    super::events::NewEvent::new(
        i.company_id,
        Some(i.id),
        super::events::kinds::INTERVIEW_DELETED,
        serde_json::json!({
            "interviewId": i.id.to_string(),
            "candidateId": i.candidate_id.to_string(),
            "jobId": i.job_id.map(|j| j.to_string()),
            "status": plan.status.as_str(),
            "deletedAt": interviewd_domain::time::rfc3339(now),
        }),
        now,
    )
}

/// The `candidate.removed_from_job` event of an Alpharun removal.
pub fn removed_from_job_event(
    req: &RemovalRequest,
    candidate: CandidateId,
    job: JobId,
    report: &RemovalReport,
) -> super::events::NewEvent {
    super::events::NewEvent::new(
        req.company,
        None,
        super::events::kinds::CANDIDATE_REMOVED_FROM_JOB,
        serde_json::json!({
            "candidateId": candidate.to_string(),
            "jobId": job.to_string(),
            "interviewIds": id_list(report),
        }),
        req.now,
    )
}

/// The audit record of a removal: target ids and counts, never personal data.
pub fn removal_audit(
    req: &RemovalRequest,
    report: &RemovalReport,
) -> (serde_json::Value, serde_json::Value) {
    let mut target = match &req.scope {
        RemovalScope::Interview(id) => serde_json::json!({ "interviewId": id.to_string() }),
        RemovalScope::CandidateOnJob { candidate, job } => {
            serde_json::json!({ "candidateId": candidate.to_string(), "jobId": job.to_string() })
        }
        RemovalScope::Candidate(id) => serde_json::json!({ "candidateId": id.to_string() }),
        RemovalScope::Job(id) => serde_json::json!({ "jobId": id.to_string() }),
    };
    target["interviewIds"] = serde_json::json!(id_list(report));
    let counts = serde_json::json!({
        "interviews": report.interviews.len(),
        "cancelledAttempts": report.cancelled_attempts,
        "liveSessions": report.live_sessions,
        "recordings": report.recordings,
        "droppedDeliveries": report.dropped_deliveries,
    });
    (target, counts)
}

/// Ids whose stored idempotent responses a removal forgets: the removed interviews and, for an
/// erasure, the candidate.
pub fn forgotten_ids(req: &RemovalRequest, report: &RemovalReport) -> Vec<String> {
    let mut ids = id_list(report);
    if let RemovalScope::Candidate(id) = &req.scope {
        ids.push(id.to_string());
    }
    ids
}

/// The `invite.revoked` and `interview.canceled` events of a revoke.
pub fn revoke_events(
    req: &RevokeRequest,
    i: &interviewd_domain::model::Interview,
) -> [super::events::NewEvent; 2] {
    let data = serde_json::json!({
        "interviewId": i.id.to_string(),
        "candidateId": i.candidate_id.to_string(),
        "jobId": i.job_id.map(|j| j.to_string()),
        "status": interviewd_domain::InterviewStatus::Canceled.as_str(),
        "responseId": i.number,
        "notifyCandidate": req.notify,
    });
    let event =
        |kind| super::events::NewEvent::new(req.company, Some(i.id), kind, data.clone(), req.now);
    [
        event(super::events::kinds::INVITE_REVOKED),
        event(super::events::kinds::INTERVIEW_CANCELED),
    ]
}

/// The audit record of a revoke.
pub fn revoke_audit(
    i: &interviewd_domain::model::Interview,
    notice_queued: bool,
) -> (serde_json::Value, serde_json::Value) {
    (
        serde_json::json!({ "interviewId": i.id.to_string(), "responseId": i.number }),
        serde_json::json!({ "notices": usize::from(notice_queued) }),
    )
}

/// What a revocation notice names, read under the revoke's lock.
#[derive(Clone, Debug)]
pub struct RevocationRecipient {
    pub interview: InterviewId,
    pub candidate: interviewd_domain::model::Candidate,
    pub job_title: Option<String>,
    pub company_name: String,
}

/// Renders the revocation notice for its recipient, or `None` when it cannot be sent (no
/// e-mail address). The core's template; the store calls it with what it read under the
/// revoke's lock, so the notice is about the interview as it was revoked.
pub type RenderNotice =
    fn(CompanyId, &RevocationRecipient, DateTime<Utc>) -> Option<super::delivery::NewMail>;
