//! Interviews under a job opening: `GET /job-openings/{id}/interviews/{interview_id}` with the
//! documented interview object.

use super::ctx::{ArCtx, ArPath, path_uuid};
use super::error::ArError;
use super::job_openings;
use crate::app::AppState;
use crate::core::error::CoreError;
use crate::core::interviews;
use crate::http::signed::Signer;
use crate::wire::alpharun::{Interview, InterviewData, InterviewEnvelope};
use axum::Json;
use interviewd_domain::Scope;

pub fn routes() -> utoipa_axum::router::OpenApiRouter<AppState> {
    utoipa_axum::router::OpenApiRouter::new().routes(utoipa_axum::routes!(show))
}

/// An interview of a job opening.
#[utoipa::path(
    get,
    path = "/job-openings/{id}/interviews/{interview_id}",
    operation_id = "getOpeningInterview",
    tag = "Job openings",
    params(("id" = String, Path, format = "uuid"), ("interview_id" = String, Path, format = "uuid")),
    responses(
        (status = 200, description = "The interview.", body = InterviewEnvelope),
        (status = 400, description = "An id is not a UUID."),
        (status = 404, description = "No such job opening, or no such interview on it."),
    )
)]
async fn show(
    ctx: ArCtx,
    ArPath((opening, interview)): ArPath<(String, String)>,
) -> Result<Json<InterviewEnvelope>, ArError> {
    let company = ctx.company(&[Scope::ReadInterviews, Scope::ReadCandidates])?;
    let job = job_openings::load(&ctx, company, &opening).await?;
    let id = path_uuid(&interview, "INTERVIEW_ID")?;
    let detail = interviews::get(&ctx.state, company, id.into())
        .await?
        .filter(|d| d.interview.job_id == Some(job.id))
        .ok_or_else(|| CoreError::not_found("interview", id))?;
    let report = interviews::report(&ctx.state, detail, true).await?;
    let signer = Signer::load(&ctx.state).await?;
    let interview = Interview::new(&report, &signer.links());
    Ok(Json(InterviewEnvelope {
        data: InterviewData { interview },
    }))
}
