//! `GET /ai-interviews/invited/{ai_interview_id}`: every invite of one AI interview, oldest
//! first, as a bare JSON array.

use super::ctx::{XbCtx, XbPath, int_id};
use super::error::XbError;
use crate::app::AppState;
use crate::core::{catalog, interviews};
use crate::wire::xobin::{http_date, invite_status};
use axum::Json;
use interviewd_domain::Scope;
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(invited))
}

/// One invite of an AI interview.
#[derive(Serialize, ToSchema)]
struct Invited {
    ai_interview_id: i64,
    candidate_id: i64,
    /// `Pending`, `Started`, `Completed`, `Expired`, `Revoked`, `Failed` or `Cancelled`.
    invite_status: &'static str,
    /// An HTTP-date (`Thu, 10 Jul 2025 11:52:57 GMT`).
    last_updated_at: String,
    response_id: i64,
}

/// Every invite of one AI interview, oldest first.
#[utoipa::path(
    get,
    path = "/ai-interviews/invited/{ai_interview_id}",
    operation_id = "getInvited",
    tag = "AI interviews",
    params(("ai_interview_id" = i64, Path, minimum = 1, description = "The AI interview.")),
    responses(
        (status = 200, description = "The invites (not paginated).", body = [Invited]),
        (status = 400, description = "`ai_interview_id` is not a positive integer."),
        (status = 404, description = "No such AI interview in the company."),
    )
)]
async fn invited(ctx: XbCtx, XbPath(raw): XbPath) -> Result<Json<Vec<Invited>>, XbError> {
    let company = ctx.company(&[Scope::ReadInterviews])?;
    let number = int_id(&raw, "ai_interview_id")?;
    let (job, _) = catalog::ai_interview(&ctx.state, company, number).await?;
    let now = ctx.state.now();
    let invites = interviews::invites_of_job(&ctx.state, company, job.id).await?;
    let items = invites
        .iter()
        .map(|i| Invited {
            ai_interview_id: job.number,
            candidate_id: i.candidate_number,
            invite_status: invite_status(i.status, i.revoked_at, i.expires_at, now),
            last_updated_at: http_date(i.updated_at),
            response_id: i.response_id,
        })
        .collect();
    Ok(Json(items))
}
