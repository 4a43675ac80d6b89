//! The event outbox contract. A domain event is a row written **in the same transaction**
//! as the state change it reports (`events::insert` in `store/sql/events.rs`); the webhook worker later fans
//! it out to the company's subscribed endpoints. Names are the dotted wire names.

use chrono::{DateTime, Utc};
use interviewd_domain::{CompanyId, InterviewId};
use serde_json::Value;
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
