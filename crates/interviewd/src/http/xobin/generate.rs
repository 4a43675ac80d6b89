//! `POST /ai-interviews/generate-interview` queues a plan generation (202);
//! `GET /ai-interviews/generate-interview/{job_id}` (an extension) reports its progress.
//! The work itself is done by [`super::worker`].

use super::ctx::{XbCtx, XbPath};
use super::error::XbError;
use crate::app::AppState;
use crate::core::plans;
use crate::core::validate;
use crate::wire::xobin::GenerationStatus;
use axum::Json;
use axum::body::Bytes;
use axum::http::StatusCode;
use interviewd_domain::Scope;
use interviewd_domain::views::{Generation, GenerationStatus as Status};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(generate))
        .routes(routes!(status))
}

/// A plan-generation request.
#[derive(Deserialize, ToSchema)]
struct GenerateBody {
    /// The role (1–200 characters after trimming).
    #[schema(required = true, schema_with = crate::http::openapi::text::<1, 200>)]
    job_role: Option<String>,
    /// The job description the plan is derived from (1–15,000 characters after trimming).
    #[schema(required = true, schema_with = crate::http::openapi::text::<1, 15000>)]
    job_description: Option<String>,
    /// An `http(s)` URL that receives the status object when the generation ends; it must
    /// pass the webhook egress guard. Blank means none.
    #[schema(nullable, max_length = 2048)]
    notification_url: Option<String>,
}

/// The answer to a queued generation.
#[derive(Serialize, ToSchema)]
struct GenerationQueued {
    /// The generation's id.
    #[schema(format = "uuid")]
    job_id: String,
    /// Always `pending`.
    status: &'static str,
    message: &'static str,
}

const REQUIRED: &str = "Job role and job description are required";

fn non_empty(value: Option<&str>) -> Option<&str> {
    value.map(str::trim).filter(|v| !v.is_empty())
}

/// Queue the generation of an AI-interview plan from a job description.
#[utoipa::path(
    post,
    path = "/ai-interviews/generate-interview",
    operation_id = "generateInterview",
    tag = "AI interviews",
    request_body = GenerateBody,
    responses(
        (status = 202, description = "Queued; follow it with the status operation.", body = GenerationQueued,
            links(("GetGeneration" = (operation_id = "getGeneration", parameters(("job_id" = "$response.body#/job_id")))))),
        (status = 400, description = "A missing or blank `job_role` or `job_description` (`{\"error\": \"Job role and job description are required\"}`), a value too long, or a refused `notification_url`."),
    )
)]
async fn generate(
    ctx: XbCtx,
    body: Bytes,
) -> Result<(StatusCode, Json<GenerationQueued>), XbError> {
    let company = ctx.company(&[Scope::WriteJobs, Scope::WriteAgents])?;
    if body.iter().all(u8::is_ascii_whitespace) {
        return Err(XbError::bad_request(REQUIRED));
    }
    let input: GenerateBody = ctx.body(&body)?;
    let (Some(role), Some(description)) = (
        non_empty(input.job_role.as_deref()),
        non_empty(input.job_description.as_deref()),
    ) else {
        return Err(XbError::bad_request(REQUIRED));
    };
    let job_role = validate::text("job_role", role, 1, 200)?;
    let job_description = validate::text("job_description", description, 1, 15_000)?;
    let notification_url = match non_empty(input.notification_url.as_deref()) {
        None => None,
        Some(url) => {
            interviewd_notify::validate_url(url, ctx.state.config.webhook_allow_private)
                .map_err(|e| XbError::bad_request(format!("notification_url: {e}")))?;
            Some(url.to_owned())
        }
    };
    let now = ctx.state.now();
    let generation = Generation {
        id: Uuid::now_v7(),
        company_id: company,
        job_role,
        job_description,
        notification_url,
        status: Status::Pending,
        attempts: 0,
        ai_interview_id: None,
        ai_interview_name: None,
        error: None,
        notify_attempts: 0,
        created_at: now,
        updated_at: now,
    };
    plans::queue(&ctx.state, &generation).await?;
    Ok((
        StatusCode::ACCEPTED,
        Json(GenerationQueued {
            job_id: generation.id.to_string(),
            status: Status::Pending.as_str(),
            message: "AI interview plan generation job has been queued successfully",
        }),
    ))
}

/// The progress of a plan generation (an extension).
#[utoipa::path(
    get,
    path = "/ai-interviews/generate-interview/{job_id}",
    operation_id = "getGeneration",
    tag = "AI interviews",
    params(("job_id" = String, Path, format = "uuid", description = "The generation's id.")),
    responses(
        (status = 200, description = "The generation's status.", body = GenerationStatus),
        (status = 400, description = "`job_id` is not a UUID."),
        (status = 404, description = "No such generation in the company."),
    )
)]
async fn status(ctx: XbCtx, XbPath(raw): XbPath) -> Result<Json<GenerationStatus>, XbError> {
    let company = ctx.company(&[Scope::ReadJobs])?;
    let id = interviewd_domain::ids::parse_uuid(&raw)
        .map_err(|_| XbError::bad_request("job_id must be a valid UUID"))?;
    let generation = plans::generation(&ctx.state, company, id)
        .await?
        .ok_or_else(|| XbError::not_found("Generation job", id))?;
    Ok(Json(GenerationStatus::of(&generation)))
}
