//! `POST /interviews`, `GET /interviews`, `GET /interviews/{id}`.
//!
//! Creation resolves its three parts — candidate, agent, job — each given by id or inline,
//! with InstaView's rules: `candidateId` XOR `candidate`, `agentId` XOR `agent`, `jobId` XOR
//! `job`, and `candidate.jobId` never together with a DTO-level job. The job comes from, in
//! order: inline `job`, `jobId`, `candidate.jobId`, then the existing candidate's only job.

use super::agents::AgentInput;
use super::candidates::{CandidateInput, company_job};
use super::dto::InterviewDto;
use super::jobs::JobInput;
use super::{Ctx, IvError, IvPath, list_body, page_of, path_uuid};
use crate::error::CoreError;
use crate::http::AppState;
use crate::scheduling::{self, InterviewSpec};
use crate::store::{InterviewFilter, NewInterview, ResourceKind};
use axum::Json;
use axum::Router;
use axum::body::Bytes;
use axum::http::StatusCode;
use axum::routing::get;
use chrono::{DateTime, Duration, Utc};
use interviewd_domain::model::{Agent, Candidate};
use interviewd_domain::{AgentChannel, AgentId, CandidateId, InterviewStatus, JobId, Scope};
use serde::Deserialize;
use serde_json::{Map, Value};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/interviews", get(list).post(create))
        .route("/interviews/{id}", get(show))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct CreateInterview {
    candidate_id: Option<String>,
    candidate: Option<CandidateInput>,
    agent_id: Option<String>,
    agent: Option<AgentInput>,
    job_id: Option<String>,
    job: Option<JobInput>,
    scheduled_at: Option<String>,
    schedule_time: Option<String>,
    #[serde(default)]
    is_test: bool,
    #[serde(default)]
    metadata: Map<String, Value>,
}

/// How far ahead an interview may be scheduled.
const MAX_AHEAD_DAYS: i64 = 30;

fn parse_schedule(input: &CreateInterview, now: DateTime<Utc>) -> Result<DateTime<Utc>, CoreError> {
    let raw = match (&input.scheduled_at, &input.schedule_time) {
        (Some(a), Some(b)) if a != b => {
            return Err(CoreError::invalid(
                "scheduledAt",
                "scheduledAt and scheduleTime disagree; send one of them",
            ));
        }
        (Some(a), _) => Some(a),
        (None, b) => b.as_ref(),
    };
    let Some(raw) = raw else { return Ok(now) };
    let at = DateTime::parse_from_rfc3339(raw.trim())
        .map_err(|e| {
            CoreError::invalid(
                "scheduledAt",
                format!("scheduledAt must be an ISO 8601 date-time with offset: {e}"),
            )
        })?
        .with_timezone(&Utc);
    if at > now + Duration::days(MAX_AHEAD_DAYS) {
        return Err(CoreError::invalid(
            "scheduledAt",
            "scheduledAt may be at most 30 days ahead",
        ));
    }
    // A time slightly in the past (clock skew, queueing) means "now"; far in the past is a mistake.
    if at < now - Duration::minutes(5) {
        return Err(CoreError::invalid(
            "scheduledAt",
            "scheduledAt must not be in the past",
        ));
    }
    Ok(at.max(now))
}

fn xor<A, B>(
    a: &Option<A>,
    b: &Option<B>,
    id_field: &str,
    inline_field: &str,
) -> Result<(), CoreError> {
    match (a.is_some(), b.is_some()) {
        (true, true) => Err(CoreError::invalid(
            id_field,
            format!("{id_field} and {inline_field} are mutually exclusive"),
        )),
        (false, false) => Err(CoreError::invalid(
            id_field,
            format!("either {id_field} or {inline_field} is required"),
        )),
        _ => Ok(()),
    }
}

async fn create(ctx: Ctx, body: Bytes) -> Result<(StatusCode, Json<InterviewDto>), IvError> {
    let company = ctx.company(&[
        Scope::WriteInterviews,
        Scope::ReadCandidates,
        Scope::ReadAgents,
    ])?;
    let input: CreateInterview = ctx.body(&body)?;
    let now = ctx.state.now();
    let store = &ctx.state.store;
    xor(
        &input.candidate_id,
        &input.candidate,
        "candidateId",
        "candidate",
    )?;
    xor(&input.agent_id, &input.agent, "agentId", "agent")?;
    if input.job_id.is_some() && input.job.is_some() {
        return Err(CoreError::invalid("jobId", "jobId and job are mutually exclusive").into());
    }
    let candidate_job = input.candidate.as_ref().and_then(|c| c.job_id.clone());
    if candidate_job.is_some() && (input.job_id.is_some() || input.job.is_some()) {
        return Err(CoreError::invalid(
            "candidate.jobId",
            "candidate.jobId cannot be combined with jobId or job",
        )
        .into());
    }
    let scheduled_at = parse_schedule(&input, now)?;
    validate_metadata(&input.metadata)?;

    let (agent, new_agent) = match (input.agent_id, input.agent) {
        (Some(raw), _) => (existing_agent(&ctx, company, &raw).await?, None),
        (None, Some(inline)) => {
            let agent = inline.into_new_agent(company, now)?;
            (agent.clone(), Some(agent))
        }
        (None, None) => unreachable_xor()?,
    };

    let (new_job, explicit_job) = match (input.job, input.job_id) {
        (Some(inline), _) => {
            let job = inline.into_new_job(company, now)?;
            (Some(job.clone()), Some(job.id))
        }
        (None, Some(raw)) => (
            None,
            Some(company_job(store, company, "jobId", &raw).await?),
        ),
        (None, None) => (None, None),
    };

    let (candidate, new_candidate, job_id) = match (input.candidate_id, input.candidate) {
        (Some(raw), _) => {
            let candidate = existing_candidate(&ctx, company, &raw).await?;
            let job = job_for_existing(&candidate, explicit_job, new_job.is_some(), &agent)?;
            (candidate, None, job)
        }
        (None, Some(inline)) => {
            if !inline.has_gdpr_expiry() {
                return Err(CoreError::invalid(
                    "candidate.gdprExpiryDate",
                    "candidate.gdprExpiryDate is required",
                )
                .into());
            }
            let mut candidate = inline.into_new(store, company, now).await?;
            let job = explicit_job.or_else(|| candidate.job_ids.first().copied());
            if let Some(job) = job
                && !candidate.job_ids.contains(&job)
            {
                candidate.job_ids.push(job);
            }
            if job.is_none() && agent.focus != "GENERIC" {
                return Err(CoreError::invalid("jobId", "a job is required (jobId, job or candidate.jobId) unless the agent's focus is GENERIC").into());
            }
            (candidate.clone(), Some(candidate), job)
        }
        (None, None) => unreachable_xor()?,
    };
    // A job created inline in this request cannot be inserted after the candidate that links
    // to it; the plan inserts jobs first.
    if agent.channel == AgentChannel::Phone && candidate.phone.is_none() {
        return Err(CoreError::invalid(
            "candidate.phoneNumber",
            "a phone interview needs a candidate with a phone number",
        )
        .into());
    }

    let planned = scheduling::plan(InterviewSpec {
        company,
        candidate: candidate.id,
        job: job_id,
        agent: &agent,
        scheduled_at,
        is_test: input.is_test,
        metadata: input.metadata,
        invite_starts_at: None,
        invite_expires_at: None,
        custom_field_id: None,
        now,
    })?;
    let link = match (new_candidate.is_some(), job_id) {
        (false, Some(job)) if !candidate.job_ids.contains(&job) => Some((candidate.id, job)),
        _ => None,
    };
    let plan = NewInterview {
        new_job,
        new_agent,
        new_candidate,
        link_candidate_to_job: link,
        interview: planned.interview,
        first_attempt: planned.first_attempt,
        events: vec![planned.event],
    };
    let created = store.create_interview(&plan).await?;
    if created.is_test {
        // On failure the dispatcher completes it later; the interview exists either way.
        if let Err(e) = crate::engine::run_test_interview(&ctx.state, created.id).await {
            tracing::warn!(error = %e, "running a test interview failed");
        }
    } else {
        ctx.state.engine.wake();
    }
    let detail = store
        .get_interview(company, created.id)
        .await?
        .ok_or_else(|| CoreError::Internal("interview vanished after create".into()))?;
    let results = store.interview_results(company, created.id).await?;
    Ok((
        StatusCode::CREATED,
        Json(InterviewDto::new(&detail, &ctx.state.config.public_url()).with_results(&results)),
    ))
}

fn unreachable_xor<T>() -> Result<T, CoreError> {
    Err(CoreError::Internal(
        "xor check let an empty pair through".into(),
    ))
}

fn validate_metadata(m: &Map<String, Value>) -> Result<(), CoreError> {
    crate::validate::metadata("metadata", m, 10 * 1024, 5, 50)
}

/// The job of an interview for an existing candidate.
fn job_for_existing(
    candidate: &Candidate,
    explicit: Option<JobId>,
    job_is_new: bool,
    agent: &Agent,
) -> Result<Option<JobId>, CoreError> {
    match explicit {
        Some(job) if job_is_new || candidate.job_ids.contains(&job) => Ok(Some(job)),
        Some(_) => Err(CoreError::invalid(
            "jobId",
            "jobId is not one of the candidate's jobs",
        )),
        None => match candidate.job_ids.as_slice() {
            [only] => Ok(Some(*only)),
            [] if agent.focus == "GENERIC" => Ok(None),
            [] => Err(CoreError::invalid(
                "jobId",
                "the candidate has no job; pass jobId or job, or use an agent whose focus is GENERIC",
            )),
            _ => Err(CoreError::invalid(
                "jobId",
                "the candidate has several jobs; pass jobId to choose one",
            )),
        },
    }
}

async fn existing_agent(
    ctx: &Ctx,
    company: interviewd_domain::CompanyId,
    raw: &str,
) -> Result<Agent, IvError> {
    let id: AgentId = raw
        .parse()
        .map_err(|_| CoreError::invalid("agentId", "agentId must be a valid UUID"))?;
    ctx.state
        .store
        .get_agent(company, id)
        .await?
        .ok_or_else(|| CoreError::not_found("agent", id).into())
}

async fn existing_candidate(
    ctx: &Ctx,
    company: interviewd_domain::CompanyId,
    raw: &str,
) -> Result<Candidate, IvError> {
    let id: CandidateId = raw
        .parse()
        .map_err(|_| CoreError::invalid("candidateId", "candidateId must be a valid UUID"))?;
    ctx.state
        .store
        .get_candidate(company, id)
        .await?
        .ok_or_else(|| CoreError::not_found("candidate", id).into())
}

async fn list(ctx: Ctx) -> Result<Json<Value>, IvError> {
    let company = ctx.company(&[
        Scope::ReadInterviews,
        Scope::ReadCandidates,
        Scope::ReadAgents,
    ])?;
    let page = page_of(&ctx)?;
    let uuid_param = |name: &str| -> Result<Option<uuid::Uuid>, IvError> {
        ctx.query
            .non_empty(name)
            .map(|raw| path_uuid(raw, name))
            .transpose()
    };
    let status = match ctx.query.non_empty("status") {
        Some(s) => Some(
            s.parse::<InterviewStatus>()
                .map_err(|e| CoreError::invalid("status", e))?,
        ),
        None => None,
    };
    let filter = InterviewFilter {
        candidate_id: uuid_param("candidateId")?.map(Into::into),
        agent_id: uuid_param("agentId")?.map(Into::into),
        job_id: uuid_param("jobId")?.map(Into::into),
        status,
    };
    let found = ctx
        .state
        .store
        .list_interviews(company, &filter, page)
        .await?;
    let public = ctx.state.config.public_url();
    let items: Vec<InterviewDto> = found
        .items
        .iter()
        .map(|d| InterviewDto::new(d, &public))
        .collect();
    Ok(Json(list_body(items, found.total, page)))
}

async fn show(ctx: Ctx, IvPath(id): IvPath<String>) -> Result<Json<InterviewDto>, IvError> {
    let company = ctx.company(&[Scope::ReadInterviews])?;
    let id = path_uuid(&id, "id")?;
    match ctx.state.store.get_interview(company, id.into()).await? {
        Some(detail) => {
            let results = ctx
                .state
                .store
                .interview_results(company, id.into())
                .await?;
            let dto = InterviewDto::new(&detail, &ctx.state.config.public_url());
            Ok(Json(dto.with_results(&results)))
        }
        None => Err(ctx
            .missing(ResourceKind::Interview, "interview", id, company)
            .await),
    }
}
