//! The decisions of the three removal operations, as pure functions of loaded state. The
//! store applies a decision in one transaction; these functions are unit-tested without one.
//!
//! - Delete interview (InstaView): any status may be deleted. A SCHEDULED interview's
//!   scheduled attempts are cancelled and leave the queue; an IN_PROGRESS call continues and
//!   its slot is released when it ends (by the engine, which finds the interview gone and
//!   produces nothing); everything derived from the interview is removed.
//! - Remove candidate from job opening (Alpharun): every interview of the contact on the
//!   opening is deleted the same way, and the contact is unlinked from the opening.
//! - Revoke invite (Xobin): see [`decide_revoke`].

use crate::model::{CallAttempt, Interview};
use crate::status::{AttemptStatus, InterviewStatus};
use chrono::{DateTime, Utc};

/// What deleting one interview involves.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeletionPlan {
    /// The status it had when deleted.
    pub status: InterviewStatus,
    /// Scheduled attempts that will never be dialled.
    pub cancelled_attempts: usize,
    /// Whether a call or web session is live (it continues; its slot is released at its end).
    pub live: bool,
    /// Recording blobs to delete through the blob-deletion queue.
    pub recording_keys: Vec<String>,
    /// Attempt rows removed.
    pub attempts: usize,
}

/// Plans the deletion of `interview` with its `attempts`.
pub fn plan_deletion(interview: &Interview, attempts: &[CallAttempt]) -> DeletionPlan {
    DeletionPlan {
        status: interview.status,
        cancelled_attempts: attempts
            .iter()
            .filter(|a| a.status == AttemptStatus::Scheduled)
            .count(),
        live: attempts
            .iter()
            .any(|a| a.status == AttemptStatus::InProgress),
        recording_keys: attempts
            .iter()
            .filter_map(|a| a.recording_key.clone())
            .collect(),
        attempts: attempts.len(),
    }
}

/// The outcome of a revoke request, in the order the checks apply.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RevokeDecision {
    /// Revoked before: nothing changes.
    AlreadyRevoked,
    /// The invite was sent before the company's latest plan change (at this time).
    NotAllowedPlanChange(DateTime<Utc>),
    /// The interview has already started or finished.
    NotAllowedStarted,
    /// Revoke it: link stops working, interview CANCELED, attempts CANCELLED, quota returned.
    Revoke,
}

/// Decides a revoke. `plan_changed_at` is the company's latest plan change.
pub fn decide_revoke(
    interview: &Interview,
    plan_changed_at: Option<DateTime<Utc>>,
) -> RevokeDecision {
    if interview.invite.revoked_at.is_some() {
        return RevokeDecision::AlreadyRevoked;
    }
    if let Some(changed) = plan_changed_at
        && interview.invite.sent_at < changed
    {
        return RevokeDecision::NotAllowedPlanChange(changed);
    }
    if interview.status != InterviewStatus::Scheduled {
        return RevokeDecision::NotAllowedStarted;
    }
    RevokeDecision::Revoke
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::*;
    use crate::model::Invite;
    use crate::status::AgentChannel;
    use chrono::Duration;

    fn interview(status: InterviewStatus, sent_at: DateTime<Utc>) -> Interview {
        Interview {
            id: InterviewId::new(),
            number: 1,
            company_id: CompanyId::new(),
            candidate_id: CandidateId::new(),
            job_id: None,
            agent_id: AgentId::new(),
            channel: AgentChannel::Online,
            status,
            scheduled_at: sent_at,
            started_at: None,
            finished_at: None,
            is_test: false,
            metadata: Default::default(),
            invite: Invite {
                token: "t".into(),
                sent_at,
                starts_at: None,
                expires_at: None,
                revoked_at: None,
                custom_field_id: None,
            },
            created_at: sent_at,
            updated_at: sent_at,
        }
    }

    fn attempt(status: AttemptStatus, key: Option<&str>) -> CallAttempt {
        let now = Utc::now();
        CallAttempt {
            id: AttemptId::new(),
            interview_id: InterviewId::new(),
            company_id: CompanyId::new(),
            status,
            direction: "OUTBOUND".into(),
            reason_code: None,
            notes: None,
            retry_number: 0,
            scheduled_at: now,
            called_at: None,
            ended_at: None,
            duration_ms: None,
            recording_key: key.map(str::to_owned),
            created_at: now,
            updated_at: now,
        }
    }

    #[test]
    fn deletion_plans_by_status() {
        let now = Utc::now();
        let scheduled = plan_deletion(
            &interview(InterviewStatus::Scheduled, now),
            &[attempt(AttemptStatus::Scheduled, None)],
        );
        assert_eq!((scheduled.cancelled_attempts, scheduled.live), (1, false));
        let live = plan_deletion(
            &interview(InterviewStatus::InProgress, now),
            &[
                attempt(AttemptStatus::Failed, None),
                attempt(AttemptStatus::InProgress, None),
            ],
        );
        assert!(live.live);
        assert_eq!(live.attempts, 2);
        let done = plan_deletion(
            &interview(InterviewStatus::Completed, now),
            &[attempt(AttemptStatus::Completed, Some("rec/a.wav"))],
        );
        assert_eq!(done.recording_keys, vec!["rec/a.wav".to_owned()]);
        assert!(!done.live);
    }

    #[test]
    fn revoke_checks_apply_in_order() {
        let now = Utc::now();
        let mut revoked = interview(InterviewStatus::Canceled, now);
        revoked.invite.revoked_at = Some(now);
        assert_eq!(
            decide_revoke(&revoked, Some(now + Duration::hours(1))),
            RevokeDecision::AlreadyRevoked
        );
        let before_change = interview(InterviewStatus::Scheduled, now - Duration::days(1));
        assert_eq!(
            decide_revoke(&before_change, Some(now)),
            RevokeDecision::NotAllowedPlanChange(now)
        );
        let after_change = interview(InterviewStatus::Scheduled, now);
        assert_eq!(
            decide_revoke(&after_change, Some(now - Duration::days(1))),
            RevokeDecision::Revoke
        );
        assert_eq!(decide_revoke(&after_change, None), RevokeDecision::Revoke);
        for status in [
            InterviewStatus::InProgress,
            InterviewStatus::Completed,
            InterviewStatus::Failed,
            InterviewStatus::Canceled,
        ] {
            assert_eq!(
                decide_revoke(&interview(status, now), None),
                RevokeDecision::NotAllowedStarted,
                "{status}"
            );
        }
    }
}
