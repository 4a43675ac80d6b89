//! Job openings: an Alpharun opening is a core job whose `attrs.agentId` names its job type
//! (the agent that interviews for it) and whose `attrs.opening` holds the opening's own fields.

use super::ctx::{ArCtx, ArPath, path_uuid};
use super::error::ArError;
use super::job_types::JobTypeInput;
use crate::error::CoreError;
use crate::http::AppState;
use crate::keys;
use crate::validate;
use axum::Json;
use axum::Router;
use axum::body::Bytes;
use axum::routing::{get, post};
use interviewd_domain::model::{Agent, Job};
use interviewd_domain::{AgentId, CompanyId, Email, JobId, Scope};
use serde::Deserialize;
use serde_json::{Map, Value, json};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/job-openings", post(create))
        .route("/job-openings/{id}", get(show))
}

#[derive(Deserialize)]
struct LinkAccess {
    restricted: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CreateOpening {
    name: String,
    job_type_id: Option<String>,
    job_type: Option<JobTypeInput>,
    location: Option<String>,
    pay: Option<String>,
    hours: Option<String>,
    #[serde(default)]
    owner_emails: Vec<String>,
    link_access: Option<LinkAccess>,
}

/// The agent (job type) of an opening.
pub fn agent_of(job: &Job) -> Option<AgentId> {
    job.attrs
        .get("agentId")
        .and_then(Value::as_str)
        .and_then(|s| s.parse().ok())
}

fn opening_attrs(job: &Job) -> Map<String, Value> {
    job.attrs
        .get("opening")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default()
}

/// The opening's shared link.
pub fn interview_link(ctx: &ArCtx, job: &Job) -> String {
    let slug = opening_attrs(job)
        .get("linkSlug")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    format!("{}/i/{slug}", ctx.state.config.public_url())
}

/// Loads an opening of the acting company; another company's is not found.
pub async fn load(ctx: &ArCtx, company: CompanyId, raw: &str) -> Result<Job, ArError> {
    let id = JobId::from(path_uuid(raw, "JOB_OPENING_ID")?);
    ctx.state
        .store
        .get_job(company, id)
        .await?
        .ok_or_else(|| CoreError::not_found("job opening", id).into())
}

async fn create(ctx: ArCtx, body: Bytes) -> Result<Json<Value>, ArError> {
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
            let agent = ctx
                .state
                .store
                .get_agent(company, id)
                .await?
                .ok_or_else(|| CoreError::not_found("job type", id))?;
            (agent, false)
        }
        (None, Some(inline)) => (inline.create(&ctx, company).await?, true),
    };
    let now = ctx.state.now();
    let mut attrs = Map::new();
    attrs.insert("agentId".into(), agent.id.to_string().into());
    attrs.insert("opening".into(), Value::Object(opening));
    let job = Job {
        id: JobId::new(),
        number: 0,
        company_id: company,
        title: name,
        description: agent
            .attrs
            .get("jobDescription")
            .and_then(Value::as_str)
            .map(str::to_owned),
        status: "OPEN".into(),
        required_skills: Vec::new(),
        nice_to_have_skills: Vec::new(),
        attrs,
        created_at: now,
        updated_at: now,
    };
    if new_agent {
        ctx.state.store.insert_agent(&agent).await?;
    }
    let job = ctx.state.store.insert_job(&job).await?;
    Ok(Json(json!({ "data": { "job_opening": {
        "id": job.id.to_string(),
        "interview_link": interview_link(&ctx, &job),
        "job_type": { "id": agent.id.to_string() },
    } } })))
}

async fn show(ctx: ArCtx, ArPath(id): ArPath<String>) -> Result<Json<Value>, ArError> {
    let company = ctx.company(&[Scope::ReadJobs])?;
    let job = load(&ctx, company, &id).await?;
    let o = opening_attrs(&job);
    Ok(Json(json!({ "data": { "job_opening": {
        "id": job.id.to_string(),
        "name": job.title,
        "location": o.get("location"),
        "pay": o.get("pay"),
        "hours": o.get("hours"),
        "owner_emails": o.get("ownerEmails").cloned().unwrap_or_else(|| json!([])),
        "link_access": o.get("linkAccess").cloned().unwrap_or_else(|| json!({ "restricted": false })),
        "interview_link": interview_link(&ctx, &job),
        "job_type": { "id": agent_of(&job).map(|a| a.to_string()) },
    } } })))
}
