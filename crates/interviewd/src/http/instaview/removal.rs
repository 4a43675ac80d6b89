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
use crate::core::error::CoreError;
use crate::store::ResourceKind;
use crate::store::removal::{RemovalRequest, RemovalScope};
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
    resource: &'static str,
    id: uuid::Uuid,
    action: &'static str,
    scope: RemovalScope,
) -> Result<Json<bool>, IvError> {
    let exists = match kind {
        ResourceKind::Interview => ctx
            .state
            .store
            .get_interview(company, id.into())
            .await?
            .is_some(),
        ResourceKind::Candidate => ctx
            .state
            .store
            .get_candidate(company, id.into())
            .await?
            .is_some(),
        ResourceKind::Job => ctx.state.store.get_job(company, id.into()).await?.is_some(),
        _ => false,
    };
    if !exists {
        return Err(ctx.missing(kind, resource, id, company).await);
    }
    let request = RemovalRequest {
        company,
        actor: Some(ctx.principal.key.id),
        action,
        scope,
        now: ctx.state.now(),
    };
    let report = ctx.state.store.remove_interviews(&request).await?;
    if kind == ResourceKind::Interview && report.interviews.is_empty() {
        // Deleted by a concurrent request between the check and the transaction.
        return Err(CoreError::not_found(resource, id).into());
    }
    tracing::info!(
        action,
        interviews = report.interviews.len(),
        live = report.live_sessions,
        "removed"
    );
    Ok(Json(true))
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
    let scope = RemovalScope::Interview(id.into());
    remove(
        &ctx,
        company,
        ResourceKind::Interview,
        "interview",
        id,
        "interview.delete",
        scope,
    )
    .await
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
    let scope = RemovalScope::Candidate(id.into());
    remove(
        &ctx,
        company,
        ResourceKind::Candidate,
        "candidate",
        id,
        "candidate.delete",
        scope,
    )
    .await
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
    let scope = RemovalScope::Job(id.into());
    remove(
        &ctx,
        company,
        ResourceKind::Job,
        "job",
        id,
        "job.delete",
        scope,
    )
    .await
}
