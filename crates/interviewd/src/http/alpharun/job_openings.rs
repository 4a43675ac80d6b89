//! Job openings: an Alpharun opening is a core job whose `attrs.agentId` names its job type
//! (the agent that interviews for it) and whose `attrs.opening` holds the opening's own fields.

use super::ctx::{ArCtx, ArPath, path_uuid};
use super::error::ArError;
use super::job_types::JobTypeInput;
use crate::app::AppState;
use crate::core::catalog;
use crate::core::error::CoreError;
use crate::core::keys;
use crate::core::validate;
use crate::wire::alpharun::{JobOpening, JobOpeningEnvelope};
use axum::Json;
use axum::body::Bytes;
use interviewd_domain::model::{Agent, Job};
use interviewd_domain::{AgentId, CompanyId, Email, JobId, Scope};
use serde::Deserialize;
use serde_json::{Map, Value, json};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create))
        .routes(routes!(show))
}

#[derive(Deserialize, ToSchema)]
#[schema(as = LinkAccessInput)]
struct LinkAccess {
    restricted: bool,
}

/// A new job opening: exactly one of `job_type_id` (variant A) and `job_type` (variant B).
#[derive(Deserialize, ToSchema)]
#[schema(as = NewJobOpening)]
struct CreateOpening {
    #[schema(schema_with = crate::http::openapi::text::<3, 150>)]
    name: String,
    /// An existing job type of the company (unknown: 404).
    #[schema(nullable)]
    job_type_id: Option<String>,
    /// A new job type.
    #[schema(value_type = Option<super::job_types::NewJobType>)]
    job_type: Option<JobTypeInput>,
    #[schema(schema_with = crate::http::openapi::opt_text::<200>)]
    location: Option<String>,
    #[schema(schema_with = crate::http::openapi::opt_text::<200>)]
    pay: Option<String>,
    #[schema(schema_with = crate::http::openapi::opt_text::<200>)]
    hours: Option<String>,
    #[serde(default)]
    owner_emails: Vec<String>,
    #[schema(nullable)]
    link_access: Option<LinkAccess>,
}

/// Loads an opening of the acting company; another company's is not found.
pub async fn load(ctx: &ArCtx, company: CompanyId, raw: &str) -> Result<Job, ArError> {
    let id = JobId::from(path_uuid(raw, "JOB_OPENING_ID")?);
    catalog::job(&ctx.state, company, id)
        .await?
        .ok_or_else(|| CoreError::not_found("job opening", id).into())
}

/// Create a job opening.
#[utoipa::path(
    post,
    path = "/job-openings",
    operation_id = "createJobOpening",
    tag = "Job openings",
    request_body = CreateOpening,
    responses(
        (status = 200, description = "Created: `{data: {job_opening: {id, interview_link, job_type: {id}}}}`.",
            body = JobOpeningEnvelope, links(
            ("GetJobOpening" = (operation_id = "getJobOpening", parameters(("id" = "$response.body#/data/job_opening/id")))),
        )),
        (status = 400, description = "An invalid field, both or neither job-type variant, or a job-type name taken."),
        (status = 404, description = "`job_type_id` is not a job type of the company."),
    )
)]
async fn create(ctx: ArCtx, body: Bytes) -> Result<Json<JobOpeningEnvelope>, ArError> {
    let company = ctx.company(&[Scope::WriteJobs, Scope::ReadAgents])?;
    let input: CreateOpening = ctx.body(&body)?;
    let name = validate::text("name", &input.name, 3, 150)?;
    let mut opening = Map::new();
    for (field, value) in [
        ("location", &input.location),
        ("pay", &input.pay),
        ("hours", &input.hours),
    ] {
        if let Some(v) = validate::opt_text(field, value.as_deref(), 200)? {
            opening.insert(field.into(), v.into());
        }
    }
    let owners = input
        .owner_emails
        .iter()
        .map(|e| Email::parse(e).map(|e| e.as_str().to_owned()))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| CoreError::invalid_value("owner_emails", e))?;
    opening.insert("ownerEmails".into(), json!(owners));
    opening.insert(
        "linkAccess".into(),
        json!({ "restricted": input.link_access.is_some_and(|l| l.restricted) }),
    );
    opening.insert(
        "linkSlug".into(),
        keys::random_token(12)
            .map_err(|e| CoreError::Internal(e.to_string()))?
            .into(),
    );
    let (agent, new_agent): (Agent, bool) = match (input.job_type_id, input.job_type) {
        (Some(_), Some(_)) => {
            return Err(CoreError::invalid(
                "job_type_id",
                "send job_type_id or job_type, not both",
            )
            .into());
        }
        (None, None) => {
            return Err(
                CoreError::invalid("job_type_id", "job_type_id or job_type is required").into(),
            );
        }
        (Some(raw), None) => {
            let id: AgentId = raw
                .trim()
                .parse()
                .map_err(|_| CoreError::not_found("job type", &raw))?;
            let agent = catalog::agent(&ctx.state, company, id)
                .await?
                .ok_or_else(|| CoreError::not_found("job type", id))?;
            (agent, false)
        }
        (None, Some(inline)) => (inline.create(&ctx, company).await?, true),
    };
    let mut job = Job::new(company, name, ctx.state.now());
    job.description = agent
        .attrs
        .get("jobDescription")
        .and_then(Value::as_str)
        .map(str::to_owned);
    job.attrs.insert("opening".into(), Value::Object(opening));
    let job = catalog::create_job_with_agent(&ctx.state, job, &agent, new_agent).await?;
    let public_url = ctx.state.config.public_url();
    Ok(Json(JobOpening::created(&public_url, &job).into()))
}

/// A job opening.
#[utoipa::path(
    get,
    path = "/job-openings/{id}",
    operation_id = "getJobOpening",
    tag = "Job openings",
    params(("id" = String, Path, format = "uuid")),
    responses(
        (status = 200, description = "The job opening.", body = JobOpeningEnvelope),
        (status = 400, description = "`id` is not a UUID."),
        (status = 404, description = "No such job opening in the company."),
    )
)]
async fn show(ctx: ArCtx, ArPath(id): ArPath<String>) -> Result<Json<JobOpeningEnvelope>, ArError> {
    let company = ctx.company(&[Scope::ReadJobs])?;
    let job = load(&ctx, company, &id).await?;
    let public_url = ctx.state.config.public_url();
    Ok(Json(JobOpening::new(&public_url, &job).into()))
}
