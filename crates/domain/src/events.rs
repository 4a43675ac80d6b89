//! Domain events: what happened, recorded in the transaction of the change (the outbox the
//! webhook workers fan out), and the `data` of the engine's events, built from a snapshot the backend reads inside
//! the transaction of the transition. The webhook formats read these camelCase keys, so they
//! are a contract: `interviewId`, `callAttemptId`, `candidateId`, `jobId`, `status` always;
//! `snapshot` on `interview.started`, `interview.completed` and `analysis.completed`;
//! `reasonCode` on `interview.failed`.

use crate::time::rfc3339;
use crate::{AttemptId, CandidateId, CompanyId, InterviewId, JobId};
use chrono::{DateTime, Utc};
use interviewd_voice::Turn;
use interviewd_voice::analysis::Analysis;
use serde_json::{Value, json};
use uuid::Uuid;

/// Event type names (dotted, as emitted).
pub mod kinds {
    pub const INTERVIEW_SCHEDULED: &str = "interview.scheduled";
    pub const INTERVIEW_STARTED: &str = "interview.started";
    pub const INTERVIEW_COMPLETED: &str = "interview.completed";
    pub const INTERVIEW_FAILED: &str = "interview.failed";
    pub const INTERVIEW_CANCELED: &str = "interview.canceled";
    pub const INTERVIEW_DELETED: &str = "interview.deleted";
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

/// Who the interview is about, as read in the transition's transaction.
#[derive(Clone, Debug)]
pub struct InterviewSnapshot {
    pub interview_id: InterviewId,
    pub company_id: CompanyId,
    pub candidate_id: CandidateId,
    pub job_id: Option<JobId>,
    pub interview_number: i64,
    pub candidate: CandidateSnapshot,
    pub job: Option<JobSnapshot>,
    pub started_at: Option<DateTime<Utc>>,
}

/// The candidate part of a snapshot.
#[derive(Clone, Debug)]
pub struct CandidateSnapshot {
    pub number: i64,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
}

/// The job part of a snapshot.
#[derive(Clone, Debug)]
pub struct JobSnapshot {
    pub id: JobId,
    pub number: i64,
    pub title: String,
}

/// What a completed interview adds to its snapshot.
pub struct Completion<'a> {
    pub completed_at: DateTime<Utc>,
    pub transcript: &'a [Turn],
    pub analysis: &'a Analysis,
    /// Attempts that have a recording.
    pub recordings: &'a [AttemptId],
    pub public_url: &'a str,
}

/// The ids every event carries.
pub struct EventIds {
    pub company_id: CompanyId,
    pub interview_id: InterviewId,
    pub candidate_id: CandidateId,
    pub job_id: Option<JobId>,
}

fn base(ids: &EventIds, attempt: AttemptId, status: &str) -> serde_json::Map<String, Value> {
    let mut data = serde_json::Map::new();
    data.insert("interviewId".into(), ids.interview_id.to_string().into());
    data.insert("callAttemptId".into(), attempt.to_string().into());
    data.insert("candidateId".into(), ids.candidate_id.to_string().into());
    data.insert("jobId".into(), ids.job_id.map(|j| j.to_string()).into());
    data.insert("status".into(), status.into());
    data
}

impl InterviewSnapshot {
    fn ids(&self) -> EventIds {
        EventIds {
            company_id: self.company_id,
            interview_id: self.interview_id,
            candidate_id: self.candidate_id,
            job_id: self.job_id,
        }
    }

    fn snapshot_json(&self) -> serde_json::Map<String, Value> {
        let c = &self.candidate;
        let mut out = serde_json::Map::new();
        out.insert("interviewNumber".into(), self.interview_number.into());
        out.insert(
            "candidate".into(),
            json!({
                "number": c.number,
                "firstName": c.first_name,
                "lastName": c.last_name,
                "email": c.email,
                "phoneNumber": c.phone,
            }),
        );
        out.insert(
            "job".into(),
            self.job.as_ref().map_or(
                Value::Null,
                |j| json!({ "id": j.id.to_string(), "number": j.number, "title": j.title }),
            ),
        );
        out.insert("startedAt".into(), self.started_at.map(rfc3339).into());
        out
    }
}

/// `interview.started`: the candidate answered (or opened the web session).
pub fn started(s: &InterviewSnapshot, attempt: AttemptId, at: DateTime<Utc>) -> NewEvent {
    let mut data = base(&s.ids(), attempt, "IN_PROGRESS");
    data.insert("snapshot".into(), Value::Object(s.snapshot_json()));
    NewEvent::new(
        s.company_id,
        Some(s.interview_id),
        kinds::INTERVIEW_STARTED,
        Value::Object(data),
        at,
    )
}

/// `interview.completed` and `analysis.completed`, with the same data.
pub fn completed(s: &InterviewSnapshot, attempt: AttemptId, c: &Completion<'_>) -> [NewEvent; 2] {
    let mut snapshot = s.snapshot_json();
    snapshot.insert("completedAt".into(), rfc3339(c.completed_at).into());
    snapshot.insert("transcript".into(), transcript_json(c.transcript));
    snapshot.insert("analysis".into(), analysis_json(c.analysis));
    let recordings: Vec<Value> = c
        .recordings
        .iter()
        .map(|a| {
            json!({
                "attemptId": a.to_string(),
                "url": recording_url(c.public_url, s.interview_id, *a),
            })
        })
        .collect();
    snapshot.insert("recordings".into(), recordings.into());
    let mut data = base(&s.ids(), attempt, "COMPLETED");
    data.insert("snapshot".into(), Value::Object(snapshot));
    let data = Value::Object(data);
    let event = |kind| {
        NewEvent::new(
            s.company_id,
            Some(s.interview_id),
            kind,
            data.clone(),
            c.completed_at,
        )
    };
    [
        event(kinds::INTERVIEW_COMPLETED),
        event(kinds::ANALYSIS_COMPLETED),
    ]
}

/// `interview.failed`, with the reason of the last attempt.
pub fn failed(ids: &EventIds, attempt: AttemptId, reason: &str, at: DateTime<Utc>) -> NewEvent {
    let mut data = base(ids, attempt, "FAILED");
    data.insert("reasonCode".into(), reason.into());
    NewEvent::new(
        ids.company_id,
        Some(ids.interview_id),
        kinds::INTERVIEW_FAILED,
        Value::Object(data),
        at,
    )
}

/// The authenticated URL of an attempt's recording.
pub fn recording_url(public_url: &str, interview: InterviewId, attempt: AttemptId) -> String {
    format!("{public_url}/v1/interviews/{interview}/call-attempts/{attempt}/recording")
}

/// A transcript as `[{role, text, startMs, endMs}]`.
pub fn transcript_json(turns: &[Turn]) -> Value {
    turns
        .iter()
        .map(|t| {
            json!({
                "role": t.role,
                "text": t.text,
                "startMs": t.start_ms,
                "endMs": t.end_ms,
            })
        })
        .collect::<Vec<_>>()
        .into()
}

/// An analysis as `{score, summary, strengths, weaknesses, criteria:[{name, value, score,
/// commentary}]}`.
pub fn analysis_json(a: &Analysis) -> Value {
    json!({
        "score": a.score,
        "summary": a.summary,
        "strengths": a.strengths,
        "weaknesses": a.weaknesses,
        "criteria": a.criteria.iter().map(|c| json!({
            "name": c.name,
            "value": c.value,
            "score": c.score,
            "commentary": c.commentary,
        })).collect::<Vec<_>>(),
    })
}
