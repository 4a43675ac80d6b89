//! `GET/POST /candidates`, `GET/PATCH /candidates/{id}`. E-mail, phone and external id are
//! unique per company (409). `metadata.externalId` is the external id Alpharun calls
//! `ext_id`.

use super::{Ctx, IvError, IvPath, page_of, path_uuid};
use crate::app::AppState;
use crate::core::auth::ResourceKind;
use crate::core::candidates::{self, CandidateFilter};
use crate::core::error::CoreError;
use crate::core::interviews;
use crate::core::validate::{self, Patch};
use crate::wire::instaview::Page;
use crate::wire::instaview::{CandidateAnalysisDto, CandidateDto};
use axum::Json;
use axum::body::Bytes;
use interviewd_domain::model::Candidate;
use interviewd_domain::{CompanyId, Email, ExtId, JobId, PhoneNumber, Scope};
use serde::Deserialize;
use serde_json::{Map, Value};
use utoipa::ToSchema;
use utoipa::openapi::RefOr;
use utoipa::openapi::schema::Schema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub use interviewd_domain::status::CANDIDATE_STATUSES as STATUSES;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list, create))
        .routes(routes!(show, update))
        .routes(routes!(analyses))
}

/// Candidate fields as sent by clients (create, patch and inline `candidate` objects). On a
/// patch, absent fields are kept and `null` clears a field (`status` back to APPLIED). E-mail,
/// phone and `metadata.externalId` are each unique in the company (409).
#[derive(Deserialize, Default, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CandidateInput {
    #[serde(default)]
    #[schema(schema_with = crate::http::openapi::opt_text::<100>)]
    first_name: Patch<String>,
    #[serde(default)]
    #[schema(schema_with = crate::http::openapi::opt_text::<100>)]
    last_name: Patch<String>,
    #[serde(default)]
    #[schema(value_type = Option<String>, format = Email)]
    email: Patch<String>,
    /// An international number (a leading `+`, digits, spaces, `-`, `.`, parentheses), valid
    /// for its country; stored in E.164.
    #[serde(default)]
    #[schema(value_type = Option<String>, min_length = 1, max_length = 40)]
    phone_number: Patch<String>,
    /// `YYYY-MM-DD` (or an RFC 3339 date-time, whose date is kept). Required for an inline
    /// candidate of `POST /interviews`.
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    gdpr_expiry_date: Patch<String>,
    #[serde(default)]
    #[schema(schema_with = crate::http::openapi::iv_candidate_status)]
    status: Patch<String>,
    /// A job of the company (put first in `jobIds`).
    #[serde(default)]
    #[schema(nullable, format = "uuid")]
    pub job_id: Option<String>,
    /// Jobs of the company, at most 50.
    #[serde(default)]
    #[schema(nullable, max_items = 50)]
    job_ids: Option<Vec<String>>,
    /// Free-form; `externalId` (a string) is the candidate's external id.
    #[serde(default)]
    #[schema(schema_with = crate::http::openapi::iv_opt_metadata)]
    metadata: Patch<Map<String, Value>>,
}

fn parse_date(raw: &str) -> Result<chrono::NaiveDate, CoreError> {
    let trimmed = raw.trim();
    chrono::NaiveDate::parse_from_str(trimmed, "%Y-%m-%d")
        .or_else(|_| chrono::DateTime::parse_from_rfc3339(trimmed).map(|t| t.date_naive()))
        .map_err(|_| {
            CoreError::invalid(
                "gdprExpiryDate",
                "gdprExpiryDate must be a date (YYYY-MM-DD)",
            )
        })
}

/// Parses a job id from the body and checks it is the company's (404 otherwise: a body
/// reference never reveals another company's ids).
pub async fn company_job(
    state: &AppState,
    company: CompanyId,
    field: &str,
    raw: &str,
) -> Result<JobId, CoreError> {
    let id: JobId = raw
        .parse()
        .map_err(|_| CoreError::invalid(field, format!("{field} must be a valid UUID")))?;
    candidates::company_job(state, company, id).await
}

impl CandidateInput {
    /// Whether the inline form carries a gdprExpiryDate (required for inline candidates).
    pub fn has_gdpr_expiry(&self) -> bool {
        matches!(self.gdpr_expiry_date, Patch::Value(_))
    }

    /// Applies the input; job references are resolved against `store` in `company`.
    pub async fn apply(self, state: &AppState, c: &mut Candidate) -> Result<(), CoreError> {
        if let Some(v) = self.first_name.into_update() {
            c.first_name = validate::opt_text("firstName", v.as_deref(), 100)?;
        }
        if let Some(v) = self.last_name.into_update() {
            c.last_name = validate::opt_text("lastName", v.as_deref(), 100)?;
        }
        if let Some(v) = self.email.into_update() {
            c.email = v
                .as_deref()
                .map(Email::parse)
                .transpose()
                .map_err(|e| CoreError::invalid_value("email", e))?;
        }
        if let Some(v) = self.phone_number.into_update() {
            c.phone = v
                .as_deref()
                .map(PhoneNumber::parse)
                .transpose()
                .map_err(|e| CoreError::invalid_value("phoneNumber", e))?;
        }
        if let Some(v) = self.gdpr_expiry_date.into_update() {
            c.gdpr_expiry_date = v.as_deref().map(parse_date).transpose()?;
        }
        if let Some(v) = self.status.into_update() {
            c.status = match v {
                Some(s) => validate::one_of("status", &s, STATUSES)?,
                None => "APPLIED".into(),
            };
        }
        if let Some(v) = self.metadata.into_update() {
            let mut m = v.unwrap_or_default();
            validate::metadata("metadata", &m, 10 * 1024, 5, 50)?;
            c.ext_id = match m.remove("externalId") {
                None | Some(Value::Null) => None,
                Some(Value::String(s)) => Some(
                    ExtId::parse(&s)
                        .map_err(|e| CoreError::invalid_value("metadata.externalId", e))?,
                ),
                Some(_) => {
                    return Err(CoreError::invalid(
                        "metadata.externalId",
                        "metadata.externalId must be a string",
                    ));
                }
            };
            c.metadata = m;
        }
        let mut ids: Option<Vec<String>> = self.job_ids;
        if let Some(one) = self.job_id {
            ids.get_or_insert_with(Vec::new).insert(0, one);
        }
        if let Some(raw) = ids {
            if raw.len() > 50 {
                return Err(CoreError::invalid(
                    "jobIds",
                    "jobIds may hold at most 50 jobs",
                ));
            }
            let mut jobs = Vec::with_capacity(raw.len());
            for r in &raw {
                let id = company_job(state, c.company_id, "jobIds", r).await?;
                if !jobs.contains(&id) {
                    jobs.push(id);
                }
            }
            c.job_ids = jobs;
        }
        Ok(())
    }

    /// Builds a new candidate of `company`.
    pub async fn into_new(
        self,
        state: &AppState,
        company: CompanyId,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Result<Candidate, CoreError> {
        let mut c = Candidate::new(company, now);
        self.apply(state, &mut c).await?;
        Ok(c)
    }
}

pub async fn render(ctx: &Ctx, c: &Candidate) -> Result<CandidateDto, IvError> {
    let counts = candidates::counts(&ctx.state, c).await?;
    Ok(CandidateDto::new(c, counts))
}

fn status_filter_schema() -> RefOr<Schema> {
    crate::http::openapi::words_filter(STATUSES)
}

/// The filters of `GET /candidates` (blank values mean none).
#[derive(utoipa::IntoParams)]
#[into_params(parameter_in = Query, rename_all = "camelCase")]
#[allow(dead_code)] // Schema only: the handler reads the raw query.
struct ListFilter {
    #[param(schema_with = crate::http::openapi::iv_uuid_filter)]
    job_id: Option<String>,
    #[param(schema_with = status_filter_schema)]
    status: Option<String>,
    /// Name or e-mail contains this (1–200 characters).
    #[param(schema_with = crate::http::openapi::opt_text::<200>)]
    search: Option<String>,
}

/// The company's candidates.
#[utoipa::path(
    get,
    path = "/candidates",
    operation_id = "listCandidates",
    tag = "Candidates",
    params(crate::http::openapi::PageParams, ListFilter),
    responses(
        (status = 200, description = "A page of candidates.", body = Page<CandidateDto>),
        (status = 400, description = "An invalid filter, `page` or `limit`."),
    )
)]
async fn list(ctx: Ctx) -> Result<Json<Page<CandidateDto>>, IvError> {
    let company = ctx.company(&[Scope::ReadCandidates, Scope::ReadJobs])?;
    let page = page_of(&ctx)?;
    let job_id = match ctx.query.non_empty("jobId") {
        Some(raw) => Some(JobId::from(path_uuid(raw, "jobId")?)),
        None => None,
    };
    let status = ctx
        .query
        .non_empty("status")
        .map(|s| validate::one_of("status", s, STATUSES))
        .transpose()?;
    let search = ctx
        .query
        .non_empty("search")
        .map(|s| validate::text("search", s, 1, 200))
        .transpose()?;
    let filter = CandidateFilter {
        job_id,
        status,
        search,
    };
    let found = candidates::list(&ctx.state, company, &filter, page).await?;
    let mut items = Vec::with_capacity(found.items.len());
    for c in &found.items {
        items.push(render(&ctx, c).await?);
    }
    Ok(Json(Page::new(items, found.total, page)))
}

/// Create a candidate.
#[utoipa::path(
    post,
    path = "/candidates",
    operation_id = "createCandidate",
    tag = "Candidates",
    request_body = CandidateInput,
    responses(
        (status = 201, description = "Created.", body = CandidateDto,
            headers(("Location" = String, description = "The new candidate.")),
            links(
                ("GetCandidate" = (operation_id = "getCandidate", parameters(("id" = "$response.body#/id")))),
                ("UpdateCandidate" = (operation_id = "updateCandidate", parameters(("id" = "$response.body#/id")))),
                ("DeleteCandidate" = (operation_id = "deleteCandidate", parameters(("id" = "$response.body#/id")))),
            )),
        (status = 400, description = "An invalid field."),
        (status = 404, description = "A `jobId`/`jobIds` entry is not a job of the company."),
        (status = 409, description = "The e-mail, phone or external id is taken in the company."),
    )
)]
async fn create(ctx: Ctx, body: Bytes) -> Result<super::Created<CandidateDto>, IvError> {
    let company = ctx.company(&[Scope::WriteCandidates, Scope::ReadJobs])?;
    let input: CandidateInput = ctx.body(&body)?;
    let candidate = input.into_new(&ctx.state, company, ctx.state.now()).await?;
    let candidate = candidates::create(&ctx.state, &candidate).await?;
    Ok(super::created(
        &format!("/v1/candidates/{}", candidate.id),
        render(&ctx, &candidate).await?,
    ))
}

async fn load(ctx: &Ctx, company: CompanyId, raw: &str) -> Result<Candidate, IvError> {
    let id = path_uuid(raw, "id")?;
    match candidates::get(&ctx.state, company, id.into()).await? {
        Some(c) => Ok(c),
        None => Err(ctx
            .missing(ResourceKind::Candidate, "candidate", id, company)
            .await),
    }
}

/// A candidate.
#[utoipa::path(
    get,
    path = "/candidates/{id}",
    operation_id = "getCandidate",
    tag = "Candidates",
    params(("id" = String, Path, format = "uuid")),
    responses(
        (status = 200, description = "The candidate.", body = CandidateDto),
        (status = 400, description = "`id` is not a UUID."),
        (status = 403, description = "The candidate belongs to another company."),
        (status = 404, description = "No such candidate."),
    )
)]
async fn show(ctx: Ctx, IvPath(id): IvPath<String>) -> Result<Json<CandidateDto>, IvError> {
    let company = ctx.company(&[Scope::ReadCandidates])?;
    let c = load(&ctx, company, &id).await?;
    Ok(Json(render(&ctx, &c).await?))
}

/// The analyses of a candidate's interviews, newest first: where the candidate's
/// `links.analyses` leads. Each is the interview's `analysis` with its `interviewId`.
#[utoipa::path(
    get,
    path = "/candidates/{id}/analyses",
    operation_id = "listCandidateAnalyses",
    tag = "Candidates",
    params(("id" = String, Path, format = "uuid"), crate::http::openapi::PageParams),
    responses(
        (status = 200, description = "A page of the candidate's analyses.", body = Page<CandidateAnalysisDto>),
        (status = 400, description = "`id` is not a UUID, or an invalid `page` or `limit`."),
        (status = 403, description = "The candidate belongs to another company."),
        (status = 404, description = "No such candidate."),
    )
)]
async fn analyses(
    ctx: Ctx,
    IvPath(id): IvPath<String>,
) -> Result<Json<Page<CandidateAnalysisDto>>, IvError> {
    let company = ctx.company(&[Scope::ReadCandidates, Scope::ReadInterviews])?;
    let page = page_of(&ctx)?;
    let c = load(&ctx, company, &id).await?;
    let found = interviews::candidate_analyses(&ctx.state, company, c.id, page).await?;
    let items = found
        .items
        .iter()
        .map(|(interview, a)| CandidateAnalysisDto::new(*interview, a))
        .collect();
    Ok(Json(Page::new(items, found.total, page)))
}

/// Change a candidate.
#[utoipa::path(
    patch,
    path = "/candidates/{id}",
    operation_id = "updateCandidate",
    tag = "Candidates",
    params(("id" = String, Path, format = "uuid")),
    request_body = CandidateInput,
    responses(
        (status = 200, description = "The candidate as changed.", body = CandidateDto),
        (status = 400, description = "`id` is not a UUID, or an invalid field."),
        (status = 403, description = "The candidate belongs to another company."),
        (status = 404, description = "No such candidate, or a `jobId`/`jobIds` entry is not a job of the company."),
        (status = 409, description = "The e-mail, phone or external id is taken in the company."),
    )
)]
async fn update(
    ctx: Ctx,
    IvPath(id): IvPath<String>,
    body: Bytes,
) -> Result<Json<CandidateDto>, IvError> {
    let company = ctx.company(&[Scope::WriteCandidates])?;
    let mut c = load(&ctx, company, &id).await?;
    let input: CandidateInput = ctx.body(&body)?;
    input.apply(&ctx.state, &mut c).await?;
    candidates::update(&ctx.state, &mut c).await?;
    Ok(Json(render(&ctx, &c).await?))
}
