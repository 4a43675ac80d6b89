//! Interviews under a job opening: `GET /job-openings/{id}/interviews/{interview_id}` with the
//! documented interview object.

use super::contacts::contact_json;
use super::ctx::{ArCtx, ArPath, path_uuid};
use super::error::ArError;
use super::job_openings;
use crate::app::AppState;
use crate::core::error::CoreError;
use crate::core::interviews;
use axum::Json;
use interviewd_domain::model::{Candidate, Job};
use interviewd_domain::time::rfc3339;
use interviewd_domain::views::{InterviewDetail, InterviewResults};
use interviewd_domain::{InterviewStatus, Scope};
use serde_json::{Value, json};

pub fn routes() -> utoipa_axum::router::OpenApiRouter<AppState> {
    utoipa_axum::router::OpenApiRouter::new().routes(utoipa_axum::routes!(show))
}

/// Alpharun's interview status: `completed` once finished, `in_progress` until then;
/// interviews that ended without completing report `failed` or `canceled`.
pub fn status(s: InterviewStatus) -> &'static str {
    match s {
        InterviewStatus::Scheduled | InterviewStatus::InProgress => "in_progress",
        InterviewStatus::Completed => "completed",
        InterviewStatus::Failed => "failed",
        InterviewStatus::Canceled => "canceled",
    }
}

/// The documented interview object.
pub fn interview_json(
    d: &InterviewDetail,
    results: &InterviewResults,
    job: &Job,
    candidate: &Candidate,
    public_url: &str,
) -> Value {
    let i = &d.interview;
    let contact = contact_json(candidate);
    let custom = i
        .metadata
        .get("customFields")
        .cloned()
        .unwrap_or_else(|| json!([]));
    json!({
        "id": i.id.to_string(),
        "job_opening_id": job.id.to_string(),
        "job_opening": { "id": job.id.to_string(), "name": job.title },
        "status": status(i.status),
        "contact": {
            "first_name": contact["first_name"],
            "last_name": contact["last_name"],
            "email": contact["email"],
            "phone_number": contact["phone_number"],
            "resume_url": null,
            "custom_fields": contact["custom_fields"],
        },
        "started_at": i.started_at.map(rfc3339),
        "completed_at": i.finished_at.filter(|_| i.status == InterviewStatus::Completed).map(rfc3339),
        "transcript_fragments": results
            .transcript
            .iter()
            .map(|t| json!({ "role": t.role, "transcript": t.text }))
            .collect::<Vec<_>>(),
        // Insights exist only once the interview is completed.
        "insights": results.analysis.as_ref().filter(|_| i.status == InterviewStatus::Completed).map(|a| json!({
            "assessment_score": a.analysis.score,
            "summary": a.analysis.summary,
            "strengths": a.analysis.strengths,
            "weaknesses": a.analysis.weaknesses,
        })),
        "calls": d
            .attempts
            .iter()
            .filter(|a| a.called_at.is_some())
            .map(|a| {
                let url = a.recording_key.as_ref().map(|_| {
                    format!("{public_url}/v1/interviews/{}/call-attempts/{}/recording", i.id, a.id)
                });
                json!({ "id": a.id.to_string(), "recording_url": url })
            })
            .collect::<Vec<_>>(),
        "assessment_criteria": results
            .analysis
            .as_ref()
            .map(|a| {
                a.analysis
                    .criteria
                    .iter()
                    .map(|c| json!({ "name": c.name, "value": c.value, "commentary": c.commentary }))
                    .collect::<Vec<_>>()
            })
            .unwrap_or_default(),
        "data_extraction_fields": [],
        "custom_fields": custom,
    })
}

/// An interview of a job opening.
#[utoipa::path(
    get,
    path = "/job-openings/{id}/interviews/{interview_id}",
    operation_id = "getOpeningInterview",
    tag = "Job openings",
    params(("id" = String, Path, format = "uuid"), ("interview_id" = String, Path, format = "uuid")),
    responses(
        (status = 200, description = "The interview.", body = crate::http::openapi::ArInterviewEnvelope),
        (status = 400, description = "An id is not a UUID."),
        (status = 404, description = "No such job opening, or no such interview on it."),
    )
)]
async fn show(
    ctx: ArCtx,
    ArPath((opening, interview)): ArPath<(String, String)>,
) -> Result<Json<Value>, ArError> {
    let company = ctx.company(&[Scope::ReadInterviews, Scope::ReadCandidates])?;
    let job = job_openings::load(&ctx, company, &opening).await?;
    let id = path_uuid(&interview, "INTERVIEW_ID")?;
    let detail = interviews::get(&ctx.state, company, id.into())
        .await?
        .filter(|d| d.interview.job_id == Some(job.id))
        .ok_or_else(|| CoreError::not_found("interview", id))?;
    let report = interviews::report(&ctx.state, detail, true).await?;
    let candidate = report
        .candidate
        .as_ref()
        .ok_or_else(|| CoreError::Internal("interview without candidate".into()))?;
    let (detail, results) = (&report.detail, &report.results);
    let public_url = ctx.state.config.public_url();
    let interview = interview_json(detail, results, &job, candidate, &public_url);
    Ok(Json(json!({ "data": { "interview": interview } })))
}
