//! `POST /ai-interviews/generate-interview` queues a plan generation (202);
//! `GET /ai-interviews/generate-interview/{job_id}` (an extension) reports its progress.
//! The work itself is done by [`super::worker`].

use super::ctx::{XbCtx, XbPath};
use super::error::XbError;
use super::worker;
use crate::http::AppState;
use crate::store::xobin::{Generation, GenerationStatus};
use crate::validate;
use axum::Json;
use axum::Router;
use axum::body::Bytes;
use axum::http::StatusCode;
use axum::routing::{get, post};
use interviewd_domain::Scope;
use serde::Deserialize;
use serde_json::{Value, json};
use uuid::Uuid;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/ai-interviews/generate-interview", post(generate))
        .route("/ai-interviews/generate-interview/{job_id}", get(status))
}

#[derive(Deserialize)]
struct GenerateBody {
    job_role: Option<String>,
    job_description: Option<String>,
    notification_url: Option<String>,
}

const REQUIRED: &str = "Job role and job description are required";

fn non_empty(value: Option<&str>) -> Option<&str> {
    value.map(str::trim).filter(|v| !v.is_empty())
}

async fn generate(ctx: XbCtx, body: Bytes) -> Result<(StatusCode, Json<Value>), XbError> {
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
        status: GenerationStatus::Pending,
        attempts: 0,
        ai_interview_id: None,
        ai_interview_name: None,
        error: None,
        notify_attempts: 0,
        created_at: now,
        updated_at: now,
    };
    ctx.state.store.insert_generation(&generation).await?;
    worker::wake();
    Ok((
        StatusCode::ACCEPTED,
        Json(json!({
            "job_id": generation.id.to_string(),
            "status": GenerationStatus::Pending.as_str(),
            "message": "AI interview plan generation job has been queued successfully",
        })),
    ))
}

async fn status(ctx: XbCtx, XbPath(raw): XbPath) -> Result<Json<Value>, XbError> {
    let company = ctx.company(&[Scope::ReadJobs])?;
    let id = interviewd_domain::ids::parse_uuid(&raw)
        .map_err(|_| XbError::bad_request("job_id must be a valid UUID"))?;
    let generation = ctx
        .state
        .store
        .get_generation(company, id)
        .await?
        .ok_or_else(|| XbError::not_found("Generation job", id))?;
    Ok(Json(status_body(&generation)))
}

/// The status object, also the body of the `notification_url` callback.
pub fn status_body(g: &Generation) -> Value {
    let mut body = json!({ "job_id": g.id.to_string(), "status": g.status.as_str() });
    if let Some(id) = g.ai_interview_id {
        body["ai_interview_id"] = json!(id);
    }
    if let Some(name) = &g.ai_interview_name {
        body["ai_interview_name"] = json!(name);
    }
    if g.status == GenerationStatus::Failed {
        body["message"] = json!("AI interview plan generation failed. Please try again.");
    }
    body
}
