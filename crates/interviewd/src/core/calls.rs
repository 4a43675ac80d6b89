//! Phone calls of an interview placed, moved and listened to by hand (InstaView's call-attempt
//! routes, the console): a call is only for PHONE interviews, never while one is live, and
//! only for an interview that is SCHEDULED or FAILED.

use super::CoreError;
use crate::app::AppState;
use crate::store::engine::{AttemptDeletion, InvokeResult, RescheduleResult};
use chrono::{DateTime, Utc};
use interviewd_domain::model::CallAttempt;
use interviewd_domain::views::InterviewDetail;
use interviewd_domain::{
    AgentChannel, AttemptId, AttemptStatus, CompanyId, InterviewId, InterviewStatus, KeyId,
};

/// Refuses ONLINE interviews: their sessions are the candidate's, not a queue's.
pub fn refuse_online(detail: &InterviewDetail) -> Result<(), CoreError> {
    if detail.interview.channel == AgentChannel::Online {
        return Err(CoreError::invalid(
            "id",
            "call attempts cannot be managed for ONLINE interviews",
        ));
    }
    Ok(())
}

fn in_progress() -> CoreError {
    CoreError::InvalidState("a call is already in progress for this interview".into())
}

fn not_allowed(status: InterviewStatus) -> CoreError {
    CoreError::InvalidState(format!("a call cannot be placed for a {status} interview"))
}

/// A call placed by [`place_call`].
#[derive(Clone, Copy, Debug)]
pub struct PlacedCall {
    pub attempt: AttemptId,
    pub at: DateTime<Utc>,
    /// Scheduled attempts it replaced.
    pub replaced: u64,
}

/// Schedules a call of `detail`'s interview at `at`, replacing its scheduled attempts.
pub async fn place_call(
    state: &AppState,
    detail: &InterviewDetail,
    at: DateTime<Utc>,
) -> Result<PlacedCall, CoreError> {
    refuse_online(detail)?;
    if detail
        .attempts
        .iter()
        .any(|a| a.status == AttemptStatus::InProgress)
    {
        return Err(in_progress());
    }
    let status = detail.interview.status;
    if !matches!(status, InterviewStatus::Scheduled | InterviewStatus::Failed) {
        return Err(not_allowed(status));
    }
    let now = state.now();
    let attempt = CallAttempt {
        id: AttemptId::new(),
        interview_id: detail.interview.id,
        company_id: detail.interview.company_id,
        status: AttemptStatus::Scheduled,
        direction: "OUTBOUND".into(),
        reason_code: None,
        notes: None,
        retry_number: 0,
        scheduled_at: at,
        called_at: None,
        ended_at: None,
        duration_ms: None,
        recording_key: None,
        created_at: now,
        updated_at: now,
    };
    match state
        .store
        .invoke_attempt(detail.interview.company_id, &attempt)
        .await?
    {
        InvokeResult::Scheduled { replaced } => {
            state.wakers.engine();
            Ok(PlacedCall {
                attempt: attempt.id,
                at,
                replaced,
            })
        }
        InvokeResult::InProgress => Err(in_progress()),
        InvokeResult::NotAllowed => Err(not_allowed(status)),
        InvokeResult::Missing => Err(CoreError::not_found("interview", detail.interview.id)),
    }
}

/// Moves a SCHEDULED attempt of `detail`'s interview to `at` (in the future).
pub async fn reschedule(
    state: &AppState,
    detail: &InterviewDetail,
    attempt: AttemptId,
    at: DateTime<Utc>,
) -> Result<(), CoreError> {
    if at <= state.now() {
        return Err(CoreError::invalid(
            "scheduledAt",
            "scheduledAt must be in the future",
        ));
    }
    refuse_online(detail)?;
    let i = &detail.interview;
    match state
        .store
        .reschedule_attempt(i.company_id, i.id, attempt, at, state.now())
        .await?
    {
        RescheduleResult::Done => {
            state.wakers.engine();
            Ok(())
        }
        RescheduleResult::NotScheduled(AttemptStatus::InProgress) => Err(CoreError::invalid(
            "attemptId",
            "the call attempt is in progress and cannot be rescheduled",
        )),
        RescheduleResult::NotScheduled(status) => Err(CoreError::invalid(
            "attemptId",
            format!("only SCHEDULED call attempts can be rescheduled; this one is {status}"),
        )),
        RescheduleResult::Missing => Err(CoreError::not_found("call attempt", attempt)),
    }
}

/// Deletes one call attempt of a PHONE interview (InstaView's `DELETE
/// /interviews/{id}/call-attempts/{attemptId}`): a scheduled one leaves the queue, a finished
/// one leaves the history, and its recording and the carrier's copies are erased. A failed
/// attempt's transcript turns go with it; the COMPLETED attempt's conversation is the
/// interview's transcript and analysis, which stay with the interview ("deleting call
/// attempts does not delete the interview itself"). Refused while the call is in progress
/// (400, as rescheduling). Taking away a SCHEDULED interview's last pending attempt cancels it.
pub async fn delete_attempt(
    state: &AppState,
    detail: &InterviewDetail,
    attempt: AttemptId,
    actor: Option<KeyId>,
) -> Result<(), CoreError> {
    refuse_online(detail)?;
    let i = &detail.interview;
    match state
        .store
        .delete_attempt(i.company_id, i.id, attempt, actor, state.now())
        .await?
    {
        // The recordings worker polls its queue; an `interview.canceled` event is fanned out.
        AttemptDeletion::Deleted { canceled } => {
            if canceled {
                state.wakers.webhooks();
            }
            Ok(())
        }
        AttemptDeletion::InProgress => Err(CoreError::invalid(
            "attemptId",
            "the call attempt is in progress and cannot be deleted",
        )),
        AttemptDeletion::Missing => Err(CoreError::not_found("call attempt", attempt)),
    }
}

/// The recording (a WAV file) of one attempt of the company's interview.
pub async fn recording(
    state: &AppState,
    company: CompanyId,
    interview: InterviewId,
    attempt: AttemptId,
) -> Result<Vec<u8>, CoreError> {
    let key = state
        .store
        .recording_key(company, interview, attempt)
        .await?
        .ok_or_else(|| CoreError::not_found("recording", attempt))?;
    state
        .engine
        .read_recording(&key)
        .await
        .map_err(|e| CoreError::Internal(format!("reading recording {key}: {e}")))?
        .ok_or_else(|| CoreError::not_found("recording", attempt))
}
