//! The InstaView removal routes, all through the one deletion path
//! ([`crate::store::Store::remove_interviews`]):
//!
//! - `DELETE /interviews/{id}` (`delete:interviews`): 200 `true`;
//! - `DELETE /candidates/{id}` (`delete:candidates`): erases the candidate and every interview
//!   of theirs — the answer to a data-subject erasure request;
//! - `DELETE /jobs/{id}` (`delete:jobs`): cascades: every interview on the job goes through the
//!   same path, candidates are unlinked from it (they stay), then the job is deleted.

use super::{Ctx, IvError, IvPath, path_uuid};
use crate::app::AppState;
use crate::core::auth::ResourceKind;
use crate::core::error::CoreError;
use crate::core::removal::{self, Target};
use axum::Json;
use interviewd_domain::{CompanyId, Scope};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(delete_interview))
        .routes(routes!(delete_candidate))
        .routes(routes!(delete_job))
}

async fn remove(
    ctx: &Ctx,
    company: CompanyId,
    kind: ResourceKind,
    id: uuid::Uuid,
    target: Target,
) -> Result<Json<bool>, IvError> {
    let actor = Some(ctx.principal.key.id);
    match removal::delete(&ctx.state, company, actor, target).await {
        Ok(_) => Ok(Json(true)),
        Err(CoreError::NotFound { resource, .. }) => {
            Err(ctx.missing(kind, resource, id, company).await)
        }
        Err(e) => Err(e.into()),
    }
}

/// Delete an interview: its recordings, transcript and analysis go with it.
#[utoipa::path(
    delete,
    path = "/interviews/{id}",
    operation_id = "deleteInterview",
    tag = "Interviews",
    params(("id" = String, Path, format = "uuid")),
    responses(
        (status = 200, description = "Deleted: `true`.", body = bool, content_type = "application/json"),
        (status = 400, description = "`id` is not a UUID."),
        (status = 403, description = "The interview belongs to another company."),
        (status = 404, description = "No such interview."),
    )
)]
async fn delete_interview(ctx: Ctx, IvPath(raw): IvPath<String>) -> Result<Json<bool>, IvError> {
    let company = ctx.company(&[Scope::DeleteInterviews])?;
    let id = path_uuid(&raw, "id")?;
    let target = Target::Interview(id.into());
    remove(&ctx, company, ResourceKind::Interview, id, target).await
}

/// Erase a candidate and every interview of theirs (a data-subject erasure request).
#[utoipa::path(
    delete,
    path = "/candidates/{id}",
    operation_id = "deleteCandidate",
    tag = "Candidates",
    params(("id" = String, Path, format = "uuid")),
    responses(
        (status = 200, description = "Deleted: `true`.", body = bool, content_type = "application/json"),
        (status = 400, description = "`id` is not a UUID."),
        (status = 403, description = "The candidate belongs to another company."),
        (status = 404, description = "No such candidate."),
    )
)]
async fn delete_candidate(ctx: Ctx, IvPath(raw): IvPath<String>) -> Result<Json<bool>, IvError> {
    let company = ctx.company(&[Scope::DeleteCandidates])?;
    let id = path_uuid(&raw, "id")?;
    let target = Target::Candidate(id.into());
    remove(&ctx, company, ResourceKind::Candidate, id, target).await
}

/// Delete a job and every interview on it; its candidates stay, unlinked from it.
#[utoipa::path(
    delete,
    path = "/jobs/{id}",
    operation_id = "deleteJob",
    tag = "Jobs",
    params(("id" = String, Path, format = "uuid")),
    responses(
        (status = 200, description = "Deleted: `true`.", body = bool, content_type = "application/json"),
        (status = 400, description = "`id` is not a UUID."),
        (status = 403, description = "The job belongs to another company."),
        (status = 404, description = "No such job."),
    )
)]
async fn delete_job(ctx: Ctx, IvPath(raw): IvPath<String>) -> Result<Json<bool>, IvError> {
    let company = ctx.company(&[Scope::DeleteJobs])?;
    let id = path_uuid(&raw, "id")?;
    let target = Target::Job(id.into());
    remove(&ctx, company, ResourceKind::Job, id, target).await
}
