//! The InstaView removal routes (`docs/removal.md`):
//!
//! - `DELETE /interviews/{id}` (`delete:interviews`): 200 `true`, through the one deletion
//!   path ([`crate::store::Store::remove_interviews`]);
//! - `DELETE /candidates/{id}` (`delete:candidates`): the candidate's profile and personal data
//!   go, their interviews stay readable (the vendor: "Deleting a candidate does not affect
//!   existing interviews"); with `?erase=true` (an extension) the person is erased instead:
//!   every interview of theirs through the deletion path, then the candidate;
//! - `DELETE /jobs/{id}` (`delete:jobs`): the job and its candidate links go, its interviews
//!   stay with their `jobId`.

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
    let done = match target {
        Target::Candidate(id) if erasure_asked(ctx)? => {
            let person = removal::Person::Id(id);
            removal::erase(&ctx.state, company, actor, person)
                .await
                .map(drop)
        }
        _ => removal::delete(&ctx.state, company, actor, target).await,
    };
    match done {
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

/// `erase=true` asks for the erasure of the person; `false` or absent, the vendor's delete.
fn erasure_asked(ctx: &Ctx) -> Result<bool, IvError> {
    match ctx.query.non_empty("erase") {
        None => Ok(false),
        Some(v) if v.eq_ignore_ascii_case("true") => Ok(true),
        Some(v) if v.eq_ignore_ascii_case("false") => Ok(false),
        Some(_) => Err(CoreError::invalid("erase", "erase must be true or false").into()),
    }
}

/// Delete a candidate: their profile and personal data go, their interviews stay (those not
/// started yet are canceled). `erase=true` erases the person and every interview of theirs.
#[utoipa::path(
    delete,
    path = "/candidates/{id}",
    operation_id = "deleteCandidate",
    tag = "Candidates",
    params(
        ("id" = String, Path, format = "uuid"),
        ("erase" = Option<bool>, Query, description = "Extension: erase the person and every interview of theirs (also after a delete)."),
    ),
    responses(
        (status = 200, description = "Deleted: `true`.", body = bool, content_type = "application/json"),
        (status = 400, description = "`id` is not a UUID, or `erase` is not `true`/`false`."),
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

/// Delete a job: it and its candidate links go; its interviews stay, with their `jobId`.
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
