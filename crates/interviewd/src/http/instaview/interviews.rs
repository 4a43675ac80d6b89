//! `POST /interviews`, `GET /interviews`, `GET /interviews/{id}`.
//!
//! Creation resolves its three parts — candidate, agent, job — each given by id or inline,
//! with InstaView's rules: `candidateId` XOR `candidate`, `agentId` XOR `agent`, `jobId` XOR
//! `job`, and `candidate.jobId` never together with a DTO-level job. The job comes from, in
//! order: inline `job`, `jobId`, `candidate.jobId`, then the existing candidate's only job.

use super::agents::AgentInput;
use super::candidates::{CandidateInput, company_job};
use super::jobs::JobInput;
use super::{Ctx, IvError, IvPath, page_of, path_uuid};
use crate::app::AppState;
use crate::core::auth::ResourceKind;
use crate::core::error::CoreError;
use crate::core::interviews::{self, CandidateWrite, Schedule, Scheduled};
use crate::core::{candidates, catalog};
use crate::http::signed::Signer;
use crate::wire::instaview::Page;
use crate::wire::instaview::{AnalysisPdf, InterviewDto};
use axum::Json;
use axum::body::Bytes;
use chrono::{DateTime, Duration, Utc};
use interviewd_domain::model::{Agent, Candidate};
use interviewd_domain::{AgentId, CandidateId, InterviewStatus, JobId, Scope};
use interviews::InterviewFilter;
use serde::Deserialize;
use serde_json::{Map, Value};
use utoipa::ToSchema;
use utoipa::openapi::RefOr;
use utoipa::openapi::schema::Schema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list, create))
        .routes(routes!(show))
        .routes(routes!(analysis_pdf))
}

/// A new interview: `candidateId` XOR `candidate`, `agentId` XOR `agent`, at most one of
/// `jobId` and `job` (and `candidate.jobId` with neither). See `docs/api-instaview.md`.
#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = NewInterview)]
struct CreateInterview {
    /// An existing candidate of the company.
    #[schema(nullable, format = "uuid")]
    candidate_id: Option<String>,
    /// A new candidate (with `gdprExpiryDate`).
    candidate: Option<CandidateInput>,
    /// An existing agent of the company.
    #[schema(nullable, format = "uuid")]
    agent_id: Option<String>,
    /// A new agent.
    #[schema(value_type = Option<super::agents::NewAgent>)]
    agent: Option<AgentInput>,
    /// A job of the company (one of an existing candidate's jobs).
    #[schema(nullable, format = "uuid")]
    job_id: Option<String>,
    /// A new job.
    #[schema(value_type = Option<super::jobs::NewJob>)]
    job: Option<JobInput>,
    /// ISO 8601 with an offset; at most 30 days ahead, at most 5 minutes past; default now.
    #[schema(nullable, format = DateTime)]
    scheduled_at: Option<String>,
    /// An alias of `scheduledAt`.
    #[schema(nullable, format = DateTime)]
    schedule_time: Option<String>,
    /// A test interview completes inside the request, without a slot.
    #[serde(default)]
    is_test: bool,
    #[serde(default)]
    #[schema(schema_with = crate::http::openapi::iv_metadata)]
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

/// Create an interview (and, inline, its candidate, agent and job).
#[utoipa::path(
    post,
    path = "/interviews",
    operation_id = "createInterview",
    tag = "Interviews",
    request_body = CreateInterview,
    responses(
        (status = 201, description = "Created (a test interview is already completed).", body = InterviewDto,
            headers(("Location" = String, description = "The new interview.")),
            links(
                ("GetInterview" = (operation_id = "getInterview", parameters(("id" = "$response.body#/id")))),
                ("DeleteInterview" = (operation_id = "deleteInterview", parameters(("id" = "$response.body#/id")))),
                ("PlaceCall" = (operation_id = "placeCall", parameters(("id" = "$response.body#/id")))),
            )),
        (status = 400, description = "An invalid field or combination of fields."),
        (status = 404, description = "`candidateId`, `agentId` or `jobId` is not the company's, or a concurrent removal took the new interview before it could be returned."),
        (status = 409, description = "An inline candidate's e-mail, phone or external id is taken."),
    )
)]
async fn create(ctx: Ctx, body: Bytes) -> Result<super::Created<InterviewDto>, IvError> {
    let company = ctx.company(&[
        Scope::WriteInterviews,
        Scope::ReadCandidates,
        Scope::ReadAgents,
    ])?;
    let input: CreateInterview = ctx.body(&body)?;
    let now = ctx.state.now();
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
        (Some(raw), _) => (existing_agent(&ctx, company, &raw).await?, false),
        (None, Some(inline)) => (inline.into_new_agent(company, now)?, true),
        (None, None) => unreachable_xor()?,
    };

    let (new_job, explicit_job) = match (input.job, input.job_id) {
        (Some(inline), _) => {
            let job = inline.into_new_job(company, now)?;
            let id = job.id;
            (Some(job), Some(id))
        }
        (None, Some(raw)) => (
            None,
            Some(company_job(&ctx.state, company, "jobId", &raw).await?),
        ),
        (None, None) => (None, None),
    };

    let (candidate, job_id) = match (input.candidate_id, input.candidate) {
        (Some(raw), _) => {
            let candidate = existing_candidate(&ctx, company, &raw).await?;
            let job = job_for_existing(&candidate, explicit_job, new_job.is_some(), &agent)?;
            (CandidateWrite::Existing(candidate), job)
        }
        (None, Some(inline)) => {
            if !inline.has_gdpr_expiry() {
                return Err(CoreError::invalid(
                    "candidate.gdprExpiryDate",
                    "candidate.gdprExpiryDate is required",
                )
                .into());
            }
            let candidate = inline.into_new(&ctx.state, company, now).await?;
            let job = explicit_job.or_else(|| candidate.job_ids.first().copied());
            if job.is_none() && agent.focus != "GENERIC" {
                return Err(CoreError::invalid("jobId", "a job is required (jobId, job or candidate.jobId) unless the agent's focus is GENERIC").into());
            }
            (CandidateWrite::New(candidate), job)
        }
        (None, None) => unreachable_xor()?,
    };
    let mut cmd = Schedule::new(company, candidate, agent, scheduled_at);
    cmd.job = job_id;
    cmd.new_job = new_job;
    cmd.new_agent = new_agent;
    cmd.is_test = input.is_test;
    cmd.metadata = input.metadata;
    let created = match interviews::schedule(&ctx.state, cmd).await? {
        Scheduled::Created(interview) => interview,
        Scheduled::QuotaExhausted | Scheduled::AlreadyOpen => {
            return Err(CoreError::Internal("unexpected schedule outcome".into()).into());
        }
    };
    // A removal (of the interview, its candidate or its job) may commit between the create
    // and this read: the interview is gone, as if the request had come a moment later.
    let detail = interviews::get(&ctx.state, company, created.id)
        .await?
        .ok_or_else(|| CoreError::not_found("interview", created.id))?;
    let results = interviews::results(&ctx.state, company, created.id).await?;
    let signer = Signer::load(&ctx.state).await?;
    Ok(super::created(
        &format!("/v1/interviews/{}", created.id),
        InterviewDto::new(&detail, &signer.links()).with_results(&results),
    ))
}

fn unreachable_xor<T>() -> Result<T, CoreError> {
    Err(CoreError::Internal(
        "xor check let an empty pair through".into(),
    ))
}

fn validate_metadata(m: &Map<String, Value>) -> Result<(), CoreError> {
    crate::core::validate::metadata("metadata", m, 10 * 1024, 5, 50)
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
    catalog::agent(&ctx.state, company, id)
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
    candidates::get(&ctx.state, company, id)
        .await?
        .ok_or_else(|| CoreError::not_found("candidate", id).into())
}

fn status_filter_schema() -> RefOr<Schema> {
    crate::http::openapi::words_filter(&[
        "SCHEDULED",
        "IN_PROGRESS",
        "COMPLETED",
        "FAILED",
        "CANCELED",
        "CANCELLED",
    ])
}

/// The filters of `GET /interviews` (blank values mean none).
#[derive(utoipa::IntoParams)]
#[into_params(parameter_in = Query, rename_all = "camelCase")]
#[allow(dead_code)] // Schema only: the handler reads the raw query.
struct ListFilter {
    #[param(schema_with = crate::http::openapi::iv_uuid_filter)]
    candidate_id: Option<String>,
    #[param(schema_with = crate::http::openapi::iv_uuid_filter)]
    agent_id: Option<String>,
    #[param(schema_with = crate::http::openapi::iv_uuid_filter)]
    job_id: Option<String>,
    #[param(schema_with = status_filter_schema)]
    status: Option<String>,
}

/// The company's interviews.
#[utoipa::path(
    get,
    path = "/interviews",
    operation_id = "listInterviews",
    tag = "Interviews",
    params(crate::http::openapi::PageParams, ListFilter),
    responses(
        (status = 200, description = "A page of interviews.", body = Page<InterviewDto>),
        (status = 400, description = "An invalid filter, `page` or `limit`."),
    )
)]
async fn list(ctx: Ctx) -> Result<Json<Page<InterviewDto>>, IvError> {
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
    let found = interviews::list(&ctx.state, company, &filter, page).await?;
    let ids: Vec<_> = found.items.iter().map(|d| d.interview.id).collect();
    let analyses = interviews::analyses_of(&ctx.state, company, &ids).await?;
    let signer = Signer::load(&ctx.state).await?;
    let items: Vec<InterviewDto> = found
        .items
        .iter()
        .map(|d| InterviewDto::new(d, &signer.links()).with_analysis(analyses.get(&d.interview.id)))
        .collect();
    Ok(Json(Page::new(items, found.total, page)))
}

/// An interview, with its call attempts, transcript and analysis.
#[utoipa::path(
    get,
    path = "/interviews/{id}",
    operation_id = "getInterview",
    tag = "Interviews",
    params(("id" = String, Path, format = "uuid")),
    responses(
        (status = 200, description = "The interview.", body = InterviewDto),
        (status = 400, description = "`id` is not a UUID."),
        (status = 403, description = "The interview belongs to another company."),
        (status = 404, description = "No such interview."),
    )
)]
async fn show(ctx: Ctx, IvPath(id): IvPath<String>) -> Result<Json<InterviewDto>, IvError> {
    let company = ctx.company(&[Scope::ReadInterviews])?;
    let id = path_uuid(&id, "id")?;
    match interviews::get(&ctx.state, company, id.into()).await? {
        Some(detail) => {
            let results = interviews::results(&ctx.state, company, id.into()).await?;
            let signer = Signer::load(&ctx.state).await?;
            let dto = InterviewDto::new(&detail, &signer.links());
            Ok(Json(dto.with_results(&results)))
        }
        None => Err(ctx
            .missing(ResourceKind::Interview, "interview", id, company)
            .await),
    }
}

/// The report PDF of an interview's analysis, Base64-encoded.
///
/// <https://docs.instaview.sk/api-reference/interviews/get-interview-analysis-pdf>: 404 until
/// the interview has a completed analysis; the same bytes as `analysisPdfBase64` in the
/// `analysis.completed` webhook.
#[utoipa::path(
    get,
    path = "/interviews/{id}/analysis-pdf",
    operation_id = "getInterviewAnalysisPdf",
    tag = "Interviews",
    params(("id" = String, Path, format = "uuid")),
    responses(
        (status = 200, description = "The PDF, Base64-encoded.", body = AnalysisPdf),
        (status = 400, description = "`id` is not a UUID."),
        (status = 403, description = "The interview belongs to another company."),
        (status = 404, description = "No such interview, or no analysis yet."),
    )
)]
async fn analysis_pdf(ctx: Ctx, IvPath(id): IvPath<String>) -> Result<Json<AnalysisPdf>, IvError> {
    let company = ctx.company(&[Scope::ReadInterviews])?;
    let id = path_uuid(&id, "id")?;
    let Some(detail) = interviews::get(&ctx.state, company, id.into()).await? else {
        return Err(ctx
            .missing(ResourceKind::Interview, "interview", id, company)
            .await);
    };
    let pdf = crate::core::reports::of_interview(&ctx.state, detail).await?;
    Ok(Json(AnalysisPdf::new(&pdf)))
}
