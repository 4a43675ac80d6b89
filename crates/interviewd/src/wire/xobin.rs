//! The Xobin dialect's wire objects.

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
