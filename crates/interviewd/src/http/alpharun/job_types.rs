//! Job types: Alpharun's reusable interview configuration, stored as a core agent (ONLINE).
//! `PATCH /job-types/{id}` as documented; `POST /job-types` and `GET /job-types/{id}` as
//! extensions so a job type can be made and read without the dashboard.

use super::ctx::{ArCtx, ArPath, path_uuid};
use super::error::ArError;
use crate::app::AppState;
use crate::core::catalog;
use crate::core::error::CoreError;
use crate::core::validate::{self, Patch};
use crate::wire::alpharun::{JobTypeEnvelope, qualifications};
use axum::Json;
use axum::body::Bytes;
use interviewd_domain::model::Agent;
use interviewd_domain::{AgentChannel, CompanyId, Scope};
use serde::Deserialize;
use serde_json::Value;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create))
        .routes(routes!(show, update))
}

const RESUME: &[&str] = &["after_interview", "before_interview"];

/// Job-type fields (create and patch; `null` clears the nullable ones).
#[derive(Deserialize, Default, ToSchema)]
pub struct JobTypeInput {
    /// 3–150 characters, unique among the company's job types (a duplicate is 400).
    #[serde(default)]
    #[schema(schema_with = crate::http::openapi::text::<3, 150>)]
    name: Patch<String>,
    /// 20–15000 characters; its bullet lines are the qualifications.
    #[serde(default)]
    #[schema(schema_with = crate::http::openapi::text::<20, 15000>)]
    job_description: Patch<String>,
    #[serde(default)]
    #[schema(schema_with = crate::http::openapi::nullable_text::<15, 3000>)]
    ai_interviewer_guidance: Patch<String>,
    #[serde(default)]
    #[schema(schema_with = crate::http::openapi::ar_resume_collection)]
    resume_collection_type: Patch<String>,
    #[serde(default)]
    #[schema(value_type = bool)]
    should_force_fullscreen: Patch<bool>,
    #[serde(default)]
    #[schema(value_type = bool)]
    should_record_video: Patch<bool>,
}

crate::http::openapi::schemas::requiring!(
    /// A new job type: [`JobTypeInput`] with `name` and `job_description`.
    NewJobType = JobTypeInput, ["name", "job_description"]
);

/// The interviewer's questions for a job type: one per qualification, then general ones.
fn questions(name: &str, description: &str) -> Vec<String> {
    let mut out: Vec<String> = qualifications(description)
        .iter()
        .take(5)
        .map(|q| format!("Can you describe your experience with {q}?"))
        .collect();
    out.push(format!("What draws you to the {name} role?"));
    out.push("Tell me about a situation at work you are proud of handling well.".into());
    out
}

impl JobTypeInput {
    async fn apply(
        self,
        ctx: &ArCtx,
        company: CompanyId,
        agent: &mut Agent,
    ) -> Result<(), CoreError> {
        match self.name {
            Patch::Value(n) => {
                let name = validate::text("name", &n, 3, 150)?;
                catalog::agent_name_is_free(&ctx.state, company, &name, agent.id).await?;
                agent.name = name;
            }
            Patch::Null => return Err(CoreError::invalid("name", "name cannot be null")),
            Patch::Missing => {}
        }
        let attrs = &mut agent.attrs;
        match self.job_description {
            Patch::Value(d) => {
                attrs.insert(
                    "jobDescription".into(),
                    validate::text("job_description", &d, 20, 15_000)?.into(),
                );
            }
            Patch::Null => {
                return Err(CoreError::invalid(
                    "job_description",
                    "job_description cannot be null",
                ));
            }
            Patch::Missing => {}
        }
        if let Some(g) = self.ai_interviewer_guidance.into_update() {
            agent.instructions = g
                .map(|g| validate::text("ai_interviewer_guidance", &g, 15, 3000))
                .transpose()?;
        }
        if let Some(r) = self.resume_collection_type.into_update() {
            let value = match r {
                Some(r) if RESUME.contains(&r.as_str()) => Value::from(r),
                Some(_) => {
                    return Err(CoreError::invalid(
                        "resume_collection_type",
                        "resume_collection_type must be after_interview or before_interview",
                    ));
                }
                None => Value::Null,
            };
            attrs.insert("resumeCollectionType".into(), value);
        }
        for (key, patch) in [
            ("shouldForceFullscreen", self.should_force_fullscreen),
            ("shouldRecordVideo", self.should_record_video),
        ] {
            match patch {
                Patch::Value(b) => {
                    attrs.insert(key.into(), b.into());
                }
                Patch::Null => return Err(CoreError::invalid(key, "must be a boolean")),
                Patch::Missing => {}
            }
        }
        let description = attrs
            .get("jobDescription")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned();
        agent.questions = questions(&agent.name, &description);
        Ok(())
    }

    /// Creates a job type (name and job_description required).
    pub async fn create(self, ctx: &ArCtx, company: CompanyId) -> Result<Agent, ArError> {
        if !matches!(self.name, Patch::Value(_)) || !matches!(self.job_description, Patch::Value(_))
        {
            return Err(CoreError::invalid("name", "name and job_description are required").into());
        }
        let mut agent = Agent::new(
            company,
            String::new(),
            AgentChannel::Online,
            ctx.state.now(),
        );
        self.apply(ctx, company, &mut agent).await?;
        Ok(agent)
    }
}

async fn load(ctx: &ArCtx, company: CompanyId, raw: &str) -> Result<Agent, ArError> {
    let id = path_uuid(raw, "JOB_TYPE_ID")?;
    catalog::agent(&ctx.state, company, id.into())
        .await?
        .ok_or_else(|| CoreError::not_found("job type", id).into())
}

/// Create a job type (an extension).
#[utoipa::path(
    post,
    path = "/job-types",
    operation_id = "createJobType",
    tag = "Job types",
    request_body = NewJobType,
    responses(
        (status = 200, description = "Created.", body = JobTypeEnvelope, links(
            ("GetJobType" = (operation_id = "getJobType", parameters(("id" = "$response.body#/data/job_type/id")))),
            ("UpdateJobType" = (operation_id = "updateJobType", parameters(("id" = "$response.body#/data/job_type/id")))),
        )),
        (status = 400, description = "An invalid field, or a name taken in the company."),
    )
)]
async fn create(ctx: ArCtx, body: Bytes) -> Result<Json<JobTypeEnvelope>, ArError> {
    let company = ctx.company(&[Scope::WriteAgents])?;
    let input: JobTypeInput = ctx.body(&body)?;
    let agent = input.create(&ctx, company).await?;
    let agent = catalog::create_agent(&ctx.state, &agent).await?;
    Ok(Json(JobTypeEnvelope::new(&agent)))
}

/// A job type (an extension).
#[utoipa::path(
    get,
    path = "/job-types/{id}",
    operation_id = "getJobType",
    tag = "Job types",
    params(("id" = String, Path, format = "uuid")),
    responses(
        (status = 200, description = "The job type.", body = JobTypeEnvelope),
        (status = 400, description = "`id` is not a UUID."),
        (status = 404, description = "No such job type in the company."),
    )
)]
async fn show(ctx: ArCtx, ArPath(id): ArPath<String>) -> Result<Json<JobTypeEnvelope>, ArError> {
    let company = ctx.company(&[Scope::ReadAgents])?;
    let agent = load(&ctx, company, &id).await?;
    Ok(Json(JobTypeEnvelope::new(&agent)))
}

/// Change a job type.
#[utoipa::path(
    patch,
    path = "/job-types/{id}",
    operation_id = "updateJobType",
    tag = "Job types",
    params(("id" = String, Path, format = "uuid")),
    request_body = JobTypeInput,
    responses(
        (status = 200, description = "The job type as changed.", body = JobTypeEnvelope),
        (status = 400, description = "`id` is not a UUID, an invalid field, or a name taken in the company."),
        (status = 404, description = "No such job type in the company."),
    )
)]
async fn update(
    ctx: ArCtx,
    ArPath(id): ArPath<String>,
    body: Bytes,
) -> Result<Json<JobTypeEnvelope>, ArError> {
    let company = ctx.company(&[Scope::WriteAgents])?;
    let mut agent = load(&ctx, company, &id).await?;
    let input: JobTypeInput = ctx.body(&body)?;
    input.apply(&ctx, company, &mut agent).await?;
    catalog::update_agent(&ctx.state, &mut agent).await?;
    Ok(Json(JobTypeEnvelope::new(&agent)))
}
