//! Domain events: what happened, recorded **in the transaction of the change** (the outbox
//! the webhook workers fan out), with typed, thin data — ids and statuses, never a person's
//! details or a transcript. What a webhook shows beyond that (the interview object of a
//! dialect, a report) is read when the event is fanned out, from the interview as it is then
//! (`wire::payload`); an event about an interview removed meanwhile goes nowhere.
//!
//! The data is camelCase JSON: `interviewId`, `callAttemptId`, `candidateId`, `jobId`,
//! `status` on every interview event; `reasonCode` on `interview.failed`; `scheduledAt` on
//! `interview.scheduled`. `interview.advanced` / `interview.rejected` (a recruiter's decision)
//! carry the interview's status when it was made.

use crate::time::rfc3339;
use crate::{AttemptId, CandidateId, CompanyId, Decision, InterviewId, JobId};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use uuid::Uuid;

/// Event type names (dotted, as emitted).
pub mod kinds {
    pub const INTERVIEW_SCHEDULED: &str = "interview.scheduled";
    pub const INTERVIEW_STARTED: &str = "interview.started";
    pub const INTERVIEW_CALL_ENDED: &str = "interview.call.ended";
    pub const INTERVIEW_COMPLETED: &str = "interview.completed";
    pub const INTERVIEW_FAILED: &str = "interview.failed";
    pub const INTERVIEW_CANCELED: &str = "interview.canceled";
    pub const INTERVIEW_DELETED: &str = "interview.deleted";
    pub const INTERVIEW_ADVANCED: &str = "interview.advanced";
    pub const INTERVIEW_REJECTED: &str = "interview.rejected";
    pub const ANALYSIS_COMPLETED: &str = "analysis.completed";
    pub const INVITE_REVOKED: &str = "invite.revoked";
    pub const CANDIDATE_REMOVED_FROM_JOB: &str = "candidate.removed_from_job";
    pub const PING: &str = "ping";
}

/// A domain event to record.
#[derive(Clone, Debug)]
pub struct NewEvent {
    pub id: Uuid,
    pub company_id: CompanyId,
    /// The interview it is about, if any (used to drop events of deleted interviews).
    pub interview_id: Option<InterviewId>,
    pub event_type: &'static str,
    /// Thin payload data (ids, status); formats enrich it at delivery time.
    pub data: Value,
    pub created_at: DateTime<Utc>,
}

impl NewEvent {
    /// A new event with a fresh id.
    pub fn new(
        company_id: CompanyId,
        interview_id: Option<InterviewId>,
        event_type: &'static str,
        data: Value,
        at: DateTime<Utc>,
    ) -> Self {
        Self {
            id: Uuid::now_v7(),
            company_id,
            interview_id,
            event_type,
            data,
            created_at: at,
        }
    }
}

/// The ids every interview event carries.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct EventIds {
    pub company_id: CompanyId,
    pub interview_id: InterviewId,
    pub candidate_id: CandidateId,
    pub job_id: Option<JobId>,
}

/// The data of an interview event.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct InterviewEvent {
    pub interview_id: InterviewId,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub call_attempt_id: Option<AttemptId>,
    pub candidate_id: CandidateId,
    pub job_id: Option<JobId>,
    /// The interview's status after the event.
    pub status: String,
    /// Why it failed (`interview.failed`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason_code: Option<String>,
    /// When it is due (`interview.scheduled`), RFC 3339.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scheduled_at: Option<String>,
}

impl InterviewEvent {
    /// The data of an event about `ids`, after which the interview is `status`.
    pub fn new(ids: &EventIds, attempt: Option<AttemptId>, status: &str) -> Self {
        Self {
            interview_id: ids.interview_id,
            call_attempt_id: attempt,
            candidate_id: ids.candidate_id,
            job_id: ids.job_id,
            status: status.to_owned(),
            reason_code: None,
            scheduled_at: None,
        }
    }

    /// Reads the data of a stored interview event; `None` for other data.
    pub fn read(data: &Value) -> Option<Self> {
        serde_json::from_value(data.clone()).ok()
    }

    fn record(&self, ids: &EventIds, kind: &'static str, at: DateTime<Utc>) -> NewEvent {
        let data = serde_json::to_value(self).unwrap_or(Value::Null);
        NewEvent::new(ids.company_id, Some(ids.interview_id), kind, data, at)
    }
}

/// `interview.scheduled`: a new interview.
pub fn scheduled(ids: &EventIds, status: &str, due: DateTime<Utc>, at: DateTime<Utc>) -> NewEvent {
    let mut data = InterviewEvent::new(ids, None, status);
    data.scheduled_at = Some(rfc3339(due));
    data.record(ids, kinds::INTERVIEW_SCHEDULED, at)
}

/// `interview.started`: the candidate answered (or opened the web session).
pub fn started(ids: &EventIds, attempt: AttemptId, at: DateTime<Utc>) -> NewEvent {
    InterviewEvent::new(ids, Some(attempt), "IN_PROGRESS").record(ids, kinds::INTERVIEW_STARTED, at)
}

/// `interview.completed` and `analysis.completed`, with the same data.
pub fn completed(ids: &EventIds, attempt: AttemptId, at: DateTime<Utc>) -> [NewEvent; 2] {
    let data = InterviewEvent::new(ids, Some(attempt), "COMPLETED");
    [
        data.record(ids, kinds::INTERVIEW_COMPLETED, at),
        data.record(ids, kinds::ANALYSIS_COMPLETED, at),
    ]
}

/// `interview.call.ended`: a call or web session in which the candidate answered ended before
/// the interview was finished; after it the interview is `status` (SCHEDULED when a retry or
/// the candidate's return follows, FAILED when nothing does). The call that finishes the
/// interview is reported by `interview.completed` instead.
pub fn call_ended(ids: &EventIds, attempt: AttemptId, status: &str, at: DateTime<Utc>) -> NewEvent {
    InterviewEvent::new(ids, Some(attempt), status).record(ids, kinds::INTERVIEW_CALL_ENDED, at)
}

/// `interview.failed`, with the reason of the last attempt.
pub fn failed(ids: &EventIds, attempt: AttemptId, reason: &str, at: DateTime<Utc>) -> NewEvent {
    let mut data = InterviewEvent::new(ids, Some(attempt), "FAILED");
    data.reason_code = Some(reason.to_owned());
    data.record(ids, kinds::INTERVIEW_FAILED, at)
}

/// `interview.advanced` or `interview.rejected`: a recruiter decided on the interview, which
/// is `status`.
pub fn decided(ids: &EventIds, decision: Decision, status: &str, at: DateTime<Utc>) -> NewEvent {
    let kind = match decision {
        Decision::Advanced => kinds::INTERVIEW_ADVANCED,
        Decision::Rejected => kinds::INTERVIEW_REJECTED,
    };
    InterviewEvent::new(ids, None, status).record(ids, kind, at)
}

/// The `webhook-id` of a webhook message: stable across its attempts.
pub fn webhook_id(message: Uuid) -> String {
    format!("msg_{}", message.simple())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn ids() -> EventIds {
        EventIds {
            company_id: CompanyId::new(),
            interview_id: InterviewId::new(),
            candidate_id: CandidateId::new(),
            job_id: None,
        }
    }

    #[test]
    fn events_are_thin_and_typed() {
        let ids = ids();
        let attempt = AttemptId::new();
        let event = failed(&ids, attempt, "NO_ANSWER", Utc::now());
        let keys: Vec<&String> = event.data.as_object().unwrap().keys().collect();
        assert_eq!(keys.len(), 6, "{:?}", event.data);
        assert_eq!(event.data["reasonCode"], "NO_ANSWER");
        assert_eq!(event.data["jobId"], Value::Null);
        let back = InterviewEvent::read(&event.data).unwrap();
        assert_eq!(back.call_attempt_id, Some(attempt));
        assert_eq!(back.status, "FAILED");
        let [done, analysed] = completed(&ids, attempt, Utc::now());
        assert_eq!(done.event_type, kinds::INTERVIEW_COMPLETED);
        assert_eq!(analysed.event_type, kinds::ANALYSIS_COMPLETED);
        assert_eq!(done.data, analysed.data);
        assert!(done.data.get("snapshot").is_none());
    }
}
