//! Building a new interview, shared by every dialect: the interview row, its first call
//! attempt (phone interviews) and the `interview.scheduled` event, ready to be committed
//! together by [`crate::store::Store::create_interview`].

use crate::core::error::CoreError;
use crate::core::keys;
use crate::store::events::{NewEvent, kinds};
use chrono::{DateTime, Utc};
use interviewd_domain::model::{Agent, Attrs, CallAttempt, Interview, Invite};
use interviewd_domain::{
    AgentChannel, AttemptId, AttemptStatus, CandidateId, CompanyId, InterviewId, InterviewStatus,
    JobId,
};

/// What the caller decided about a new interview.
pub struct InterviewSpec<'a> {
    pub company: CompanyId,
    pub candidate: CandidateId,
    pub job: Option<JobId>,
    pub agent: &'a Agent,
    pub scheduled_at: DateTime<Utc>,
    pub is_test: bool,
    pub metadata: Attrs,
    pub invite_starts_at: Option<DateTime<Utc>>,
    pub invite_expires_at: Option<DateTime<Utc>>,
    pub custom_field_id: Option<String>,
    pub now: DateTime<Utc>,
}

/// The rows and event of a new interview.
pub struct Planned {
    pub interview: Interview,
    pub first_attempt: Option<CallAttempt>,
    pub event: NewEvent,
}

/// Builds the interview; a phone interview gets its first attempt at `scheduled_at`, a test
/// interview one at once.
pub fn plan(spec: InterviewSpec<'_>) -> Result<Planned, CoreError> {
    let token =
        keys::random_token(24).map_err(|e| CoreError::Internal(format!("random token: {e}")))?;
    let interview = Interview {
        id: InterviewId::new(),
        number: 0,
        company_id: spec.company,
        candidate_id: spec.candidate,
        job_id: spec.job,
        agent_id: spec.agent.id,
        channel: spec.agent.channel,
        status: InterviewStatus::Scheduled,
        scheduled_at: spec.scheduled_at,
        started_at: None,
        finished_at: None,
        is_test: spec.is_test,
        metadata: spec.metadata,
        invite: Invite {
            token,
            sent_at: spec.now,
            starts_at: spec.invite_starts_at,
            expires_at: spec.invite_expires_at,
            revoked_at: None,
            custom_field_id: spec.custom_field_id,
        },
        created_at: spec.now,
        updated_at: spec.now,
    };
    // A test interview gets an attempt on either channel (the engine completes it at once,
    // holding its results); otherwise only phone interviews start with one.
    let is_phone = spec.agent.channel == AgentChannel::Phone;
    let first_attempt = (is_phone || spec.is_test).then(|| CallAttempt {
        id: AttemptId::new(),
        interview_id: interview.id,
        company_id: spec.company,
        status: AttemptStatus::Scheduled,
        direction: if is_phone { "OUTBOUND" } else { "WEB" }.into(),
        reason_code: None,
        notes: None,
        retry_number: 0,
        scheduled_at: if spec.is_test {
            spec.now
        } else {
            spec.scheduled_at
        },
        called_at: None,
        ended_at: None,
        duration_ms: None,
        recording_key: None,
        created_at: spec.now,
        updated_at: spec.now,
    });
    let event = NewEvent::new(
        spec.company,
        Some(interview.id),
        kinds::INTERVIEW_SCHEDULED,
        serde_json::json!({
            "interviewId": interview.id.to_string(),
            "candidateId": interview.candidate_id.to_string(),
            "jobId": interview.job_id.map(|j| j.to_string()),
            "status": interview.status.as_str(),
            "scheduledAt": interviewd_domain::time::rfc3339(interview.scheduled_at),
        }),
        spec.now,
    );
    Ok(Planned {
        interview,
        first_attempt,
        event,
    })
}
