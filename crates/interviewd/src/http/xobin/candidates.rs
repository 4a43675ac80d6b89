//! `POST /candidate/delete` `{"email": …}` (scope `delete:candidates`): erases the candidate
//! with this e-mail address — every interview of theirs through the one deletion path, then
//! the candidate — in one transaction, with its own audit record (`candidate.erase`), whose id
//! is the `task_id`.
//!
//! The vendor "marks a candidate for deletion and schedules the permanent deletion after 7
//! days"; interviewd erases at once (nothing in the API can undo the mark, and an erasure that
//! waits a week keeps the person's data for nothing). The answer keeps the vendor's words:
//! 200 `{"success": true, "message": "Candidate scheduled for deletion", "task_id"}`; an
//! unknown or malformed e-mail is 404 `{"success": false, "error": "Candidate not found"}`; a
//! body without `email` is 400 in the same shape. `docs/api-xobin.md` has the details.
//!
//! `POST /candidate/deletion/cancel` `{"task_id": …}` (scope `delete:candidates`) undoes a
//! scheduled deletion at the vendor. Here no deletion is ever pending, so every `task_id` gets
//! the vendor's documented refusal, 404 `{"success": false, "error": "Invalid task ID or no
//! deletion found"}`; a body without `task_id` is 400 in the same shape.

use super::ctx::XbCtx;
use super::error::XbError;
use crate::app::AppState;
use crate::core::error::CoreError;
use crate::core::removal::{self, Person};
use crate::wire::xobin::{CandidateDeleteError, CandidateDeleted};
use axum::Json;
use axum::body::Bytes;
use axum::http::StatusCode;
use interviewd_domain::{Email, Scope};
use serde::Deserialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(delete_candidate))
        .routes(routes!(cancel_deletion))
}

/// Whom to erase.
#[derive(Deserialize, ToSchema)]
#[schema(as = DeleteCandidateRequest)]
struct Body {
    /// The candidate's e-mail address (matched case-insensitively in the company).
    #[schema(min_length = 1)]
    email: Option<String>,
}

/// A refusal in this endpoint's documented shape.
fn refusal(status: StatusCode, error: &str) -> XbError {
    let body = CandidateDeleteError {
        success: false,
        error: error.to_owned(),
    };
    XbError::body(status, &body)
}

const NOT_FOUND: &str = "Candidate not found";

/// Erase a candidate and every interview of theirs.
#[utoipa::path(
    post,
    path = "/candidate/delete",
    operation_id = "deleteCandidate",
    tag = "Candidates",
    request_body = Body,
    responses(
        (status = 200, description = "Erased; `task_id` is the audit record's id.", body = CandidateDeleted),
        (status = 400, description = "No `email` in the body.", body = CandidateDeleteError),
        (status = 404, description = "No candidate with this e-mail address in the company.", body = CandidateDeleteError),
    )
)]
async fn delete_candidate(ctx: XbCtx, body: Bytes) -> Result<Json<CandidateDeleted>, XbError> {
    let company = ctx.company(&[Scope::DeleteCandidates])?;
    let input: Body = ctx.body(&body).map_err(|e| match e {
        XbError::Core(e) => refusal(StatusCode::BAD_REQUEST, &e.to_string()),
        other => other,
    })?;
    let raw = input
        .email
        .filter(|e| !e.trim().is_empty())
        .ok_or_else(|| refusal(StatusCode::BAD_REQUEST, "email is required"))?;
    let email = Email::parse(&raw).map_err(|_| refusal(StatusCode::NOT_FOUND, NOT_FOUND))?;
    let actor = Some(ctx.principal.key.id);
    match removal::erase(&ctx.state, company, actor, Person::Email(email)).await {
        Ok(report) => Ok(Json(CandidateDeleted {
            success: true,
            message: "Candidate scheduled for deletion",
            task_id: report.audit_id.map(|id| id.to_string()).unwrap_or_default(),
        })),
        Err(CoreError::NotFound { .. }) => Err(refusal(StatusCode::NOT_FOUND, NOT_FOUND)),
        Err(e) => Err(e.into()),
    }
}

/// Which scheduled deletion to cancel.
#[derive(Deserialize, ToSchema)]
#[schema(as = CancelDeletionRequest)]
struct CancelBody {
    /// The `task_id` a candidate deletion answered.
    #[schema(min_length = 1)]
    task_id: Option<String>,
}

/// Cancel a scheduled candidate deletion: erasure here is immediate, so there is none.
#[utoipa::path(
    post,
    path = "/candidate/deletion/cancel",
    operation_id = "cancelCandidateDeletion",
    tag = "Candidates",
    request_body = CancelBody,
    responses(
        (status = 400, description = "No `task_id` in the body.", body = CandidateDeleteError),
        (status = 404, description = "No scheduled deletion: candidates are erased at once.", body = CandidateDeleteError),
    )
)]
async fn cancel_deletion(ctx: XbCtx, body: Bytes) -> Result<Json<CandidateDeleted>, XbError> {
    ctx.company(&[Scope::DeleteCandidates])?;
    let input: CancelBody = ctx.body(&body).map_err(|e| match e {
        XbError::Core(e) => refusal(StatusCode::BAD_REQUEST, &e.to_string()),
        other => other,
    })?;
    if input.task_id.is_none_or(|t| t.trim().is_empty()) {
        return Err(refusal(StatusCode::BAD_REQUEST, "task_id is required"));
    }
    Err(refusal(
        StatusCode::NOT_FOUND,
        "Invalid task ID or no deletion found",
    ))
}
