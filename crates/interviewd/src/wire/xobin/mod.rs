//! The Xobin dialect's wire objects and vocabulary: invite statuses, dates, names, the
//! report (built once for the REST answer and the webhooks, see [`report`]).

pub mod report;

use chrono::{DateTime, Utc};
use interviewd_domain::InterviewStatus;
use interviewd_domain::model::{Candidate, Invite};
use interviewd_domain::views::{Generation, GenerationStatus as GenStatus};
use serde::Serialize;
use utoipa::ToSchema;

/// The body of Xobin errors (the OpenAPI `Error` schema): `{"error": message}`, and the
/// documented `{"message": …, "error": "limit_exceed"}` of the invite quota.
#[derive(Serialize, ToSchema)]
#[schema(as = Error)]
pub struct ErrorBody {
    pub error: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

/// The answer to `POST /candidate/delete`: the erasure was done; `task_id` is its audit
/// record's id.
#[derive(Serialize, ToSchema)]
pub struct CandidateDeleted {
    /// Always `true`.
    pub success: bool,
    /// `Candidate scheduled for deletion` (the vendor's words; interviewd erases at once).
    pub message: &'static str,
    #[schema(format = "uuid")]
    pub task_id: String,
}

/// The refusal of `POST /candidate/delete`: `{"success": false, "error": …}`.
#[derive(Serialize, ToSchema)]
pub struct CandidateDeleteError {
    /// Always `false`.
    pub success: bool,
    /// `Candidate not found`, or what is wrong with the body.
    pub error: String,
}

/// The answer to `POST /ai-interviews/report/{response_id}/share`.
#[derive(Serialize, ToSchema)]
pub struct ShareLink {
    /// The report, viewable without a key until `expires_at`.
    #[schema(format = "uri")]
    pub signed_url: String,
    /// When the link stops working: ISO 8601 in UTC, without a zone, as the vendor writes it
    /// (`2025-07-09T12:46:33.163639`).
    pub expires_at: String,
    /// The validity asked for (default 1).
    pub expiration_hours: f64,
    pub response_id: i64,
    #[schema(required = true)]
    pub ai_interview_id: Option<i64>,
}

/// `expires_at` as the vendor's example writes it: UTC, microseconds, no zone.
pub fn naive_utc(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%S%.6f").to_string()
}

/// A generation's progress (also the body of the `notification_url` callback).
#[derive(Serialize, ToSchema)]
pub struct GenerationStatus {
    #[schema(format = "uuid")]
    pub job_id: String,
    #[schema(value_type = String, pattern = "^(pending|processing|completed|failed)$")]
    pub status: &'static str,
    /// The new AI interview, once completed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ai_interview_id: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ai_interview_name: Option<String>,
    /// Set when the generation failed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<&'static str>,
}

/// The status object, also the body of the `notification_url` callback.
impl GenerationStatus {
    pub fn of(g: &Generation) -> Self {
        Self {
            job_id: g.id.to_string(),
            status: g.status.as_str(),
            ai_interview_id: g.ai_interview_id,
            ai_interview_name: g.ai_interview_name.clone(),
            message: (g.status == GenStatus::Failed)
                .then_some("AI interview plan generation failed. Please try again."),
        }
    }
}

/// The Xobin `invite_status` of an interview.
///
/// | core | Xobin |
/// |---|---|
/// | revoked invite (any status) | `Revoked` |
/// | SCHEDULED, expiry passed | `Expired` |
/// | SCHEDULED | `Pending` |
/// | IN_PROGRESS | `Started` |
/// | COMPLETED | `Completed` |
/// | FAILED | `Failed` |
/// | CANCELED without a revoke | `Cancelled` |
pub fn invite_status(
    status: InterviewStatus,
    revoked_at: Option<DateTime<Utc>>,
    expires_at: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> &'static str {
    if revoked_at.is_some() {
        return "Revoked";
    }
    match status {
        InterviewStatus::Scheduled if expires_at.is_some_and(|at| at <= now) => "Expired",
        InterviewStatus::Scheduled => "Pending",
        InterviewStatus::InProgress => "Started",
        InterviewStatus::Completed => "Completed",
        InterviewStatus::Failed => "Failed",
        InterviewStatus::Canceled => "Cancelled",
    }
}

/// [`invite_status`] of an invite.
pub fn status_of(status: InterviewStatus, invite: &Invite, now: DateTime<Utc>) -> &'static str {
    invite_status(status, invite.revoked_at, invite.expires_at, now)
}

/// An HTTP-date (`Thu, 10 Jul 2025 11:52:57 GMT`), as `last_updated_at` is documented.
pub fn http_date(t: DateTime<Utc>) -> String {
    t.format("%a, %d %b %Y %H:%M:%S GMT").to_string()
}

/// `completed_date` as Xobin's submission payload shows it (`Jul 05, 2025, 4:42:45 AM`), in UTC.
pub fn completed_date(t: DateTime<Utc>) -> String {
    t.format("%b %d, %Y, %-I:%M:%S %p").to_string()
}

/// A candidate's display name: first and last name, else the e-mail.
pub fn full_name(c: &Candidate) -> String {
    c.full_name().unwrap_or_else(|| {
        c.email
            .as_ref()
            .map(|e| e.as_str().to_owned())
            .unwrap_or_default()
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn statuses_map_to_xobin_words() {
        let now = Utc.with_ymd_and_hms(2025, 7, 10, 11, 52, 57).unwrap();
        let past = Some(now - chrono::Duration::minutes(1));
        let s = InterviewStatus::Scheduled;
        assert_eq!(invite_status(s, None, None, now), "Pending");
        assert_eq!(invite_status(s, None, past, now), "Expired");
        assert_eq!(
            invite_status(InterviewStatus::Canceled, past, None, now),
            "Revoked"
        );
        assert_eq!(
            invite_status(InterviewStatus::Canceled, None, None, now),
            "Cancelled"
        );
        assert_eq!(
            invite_status(InterviewStatus::InProgress, None, None, now),
            "Started"
        );
        assert_eq!(
            invite_status(InterviewStatus::Completed, None, None, now),
            "Completed"
        );
        assert_eq!(
            invite_status(InterviewStatus::Failed, None, None, now),
            "Failed"
        );
        assert_eq!(http_date(now), "Thu, 10 Jul 2025 11:52:57 GMT");
        let early = Utc.with_ymd_and_hms(2025, 7, 5, 4, 42, 45).unwrap();
        assert_eq!(completed_date(early), "Jul 05, 2025, 4:42:45 AM");
    }
}
