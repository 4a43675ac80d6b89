//! `GET/POST /jobs`, `GET/PATCH /jobs/{id}`. One input shape serves create and patch: on
//! create `title` is required; on patch every field is optional and `null` clears it.

use super::{Ctx, IvError, IvPath, page_of, path_uuid};
use crate::app::AppState;
use crate::core::auth::ResourceKind;
use crate::core::catalog::{self, JobFilter};
use crate::core::error::CoreError;
use crate::core::job_pages::{self, Posting};
use crate::core::validate::{self, Patch};
use crate::wire::instaview::Page;
use crate::wire::instaview::{Enveloped, JobCreated, JobDto, JobFromUrl, JobPreview};
use axum::Json;
use axum::body::Bytes;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use interviewd_domain::model::Job;
use interviewd_domain::{CompanyId, Scope};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};
use utoipa::ToSchema;
use utoipa::openapi::RefOr;
use utoipa::openapi::schema::Schema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub use interviewd_domain::status::JOB_STATUSES as STATUSES;
const WORK_MODES: &[&str] = &["ONSITE", "HYBRID", "REMOTE"];
const PERIODS: &[&str] = &["HOURLY", "DAILY", "WEEKLY", "MONTHLY", "YEARLY"];
const CONTRACTS: &[&str] = &[
    "FULL_TIME",
    "PART_TIME",
    "CONTRACT",
    "TEMPORARY",
    "INTERNSHIP",
    "FREELANCE",
];
const CEFR: &[&str] = &["A1", "A2", "B1", "B2", "C1", "C2", "NATIVE"];

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list, create))
        .routes(routes!(create_from_url))
        .routes(routes!(show, update))
}

fn work_mode_schema() -> RefOr<Schema> {
    crate::http::openapi::words(WORK_MODES, true)
}

fn period_schema() -> RefOr<Schema> {
    crate::http::openapi::words(PERIODS, true)
}

fn contract_schema() -> RefOr<Schema> {
    crate::http::openapi::words(CONTRACTS, true)
}

fn cefr_schema() -> RefOr<Schema> {
    crate::http::openapi::words(CEFR, false)
}

#[derive(Deserialize, Serialize, Clone, ToSchema)]
#[serde(rename_all = "camelCase")]
struct Location {
    #[schema(schema_with = work_mode_schema)]
    work_mode: Option<String>,
    #[schema(schema_with = crate::http::openapi::opt_text::<200>)]
    street: Option<String>,
    #[schema(schema_with = crate::http::openapi::opt_text::<100>)]
    city: Option<String>,
    #[schema(schema_with = crate::http::openapi::opt_text::<20>)]
    postal_code: Option<String>,
    /// ISO 3166-1 alpha-2.
    #[schema(nullable, pattern = "^[A-Za-z]{2}$")]
    country_code: Option<String>,
}

/// `min` must not exceed `max`.
#[derive(Deserialize, Serialize, Clone, ToSchema)]
#[serde(rename_all = "camelCase")]
struct Salary {
    #[schema(nullable, minimum = 0)]
    min: Option<f64>,
    #[schema(nullable, minimum = 0)]
    max: Option<f64>,
    /// ISO 4217.
    #[schema(nullable, pattern = "^[A-Za-z]{3}$")]
    currency: Option<String>,
    #[schema(schema_with = period_schema)]
    period: Option<String>,
}

#[derive(Deserialize, Serialize, Clone, ToSchema)]
#[serde(rename_all = "camelCase")]
struct LanguageRequirement {
    #[schema(schema_with = crate::http::openapi::text::<2, 8>)]
    language: String,
    #[schema(schema_with = cefr_schema)]
    proficiency: String,
}

/// Job fields as sent by clients (create and patch), also used for inline `job` objects.
/// On a patch, absent fields are kept and `null` clears a field (`status` back to OPEN).
/// `requiredSkills` and `niceToHaveSkills` hold at most 10 skills in total.
#[derive(Deserialize, Default, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct JobInput {
    /// 5–200 characters (`jobTitle` is accepted too). Required on create; never `null`.
    #[serde(default, alias = "jobTitle")]
    #[schema(schema_with = crate::http::openapi::text::<5, 200>)]
    title: Patch<String>,
    #[serde(default)]
    #[schema(schema_with = crate::http::openapi::opt_text::<15000>)]
    description: Patch<String>,
    #[serde(default)]
    #[schema(schema_with = crate::http::openapi::iv_job_status)]
    status: Patch<String>,
    #[serde(default)]
    #[schema(schema_with = crate::http::openapi::iv_text_list::<10, 128>)]
    required_skills: Patch<Vec<String>>,
    #[serde(default)]
    #[schema(schema_with = crate::http::openapi::iv_text_list::<10, 128>)]
    nice_to_have_skills: Patch<Vec<String>>,
    #[serde(default)]
    #[schema(schema_with = crate::http::openapi::iv_opt_url::<2048>)]
    job_url: Patch<String>,
    #[serde(default)]
    #[schema(schema_with = crate::http::openapi::opt_text::<5000>)]
    benefits: Patch<String>,
    #[serde(default)]
    #[schema(value_type = Option<Vec<LanguageRequirement>>, max_items = 10)]
    language_requirements: Patch<Vec<LanguageRequirement>>,
    #[serde(default)]
    #[schema(schema_with = crate::http::openapi::iv_text_list::<10, 64>)]
    education: Patch<Vec<String>>,
    #[serde(default)]
    #[schema(schema_with = crate::http::openapi::opt_text::<200>)]
    experience: Patch<String>,
    #[serde(default)]
    #[schema(schema_with = contract_schema)]
    contract_type: Patch<String>,
    #[serde(default)]
    #[schema(value_type = Option<Location>)]
    location: Patch<Location>,
    #[serde(default)]
    #[schema(value_type = Option<Salary>)]
    salary: Patch<Salary>,
    #[serde(default)]
    #[schema(schema_with = crate::http::openapi::iv_opt_metadata)]
    metadata: Patch<Map<String, Value>>,
}

crate::http::openapi::schemas::requiring!(
    /// A new job: [`JobInput`] with `title`.
    NewJob = JobInput, ["title"]
);

fn set_attr(attrs: &mut Map<String, Value>, key: &str, value: Option<Value>) {
    match value {
        Some(v) => attrs.insert(key.to_owned(), v),
        None => attrs.remove(key),
    };
}

fn check_location(l: &Location) -> Result<(), CoreError> {
    if let Some(m) = &l.work_mode {
        validate::one_of("location.workMode", m, WORK_MODES)?;
    }
    for (field, value, max) in [
        ("location.street", &l.street, 200),
        ("location.city", &l.city, 100),
        ("location.postalCode", &l.postal_code, 20),
    ] {
        validate::opt_text(field, value.as_deref(), max)?;
    }
    if let Some(c) = &l.country_code
        && (c.len() != 2 || !c.chars().all(|c| c.is_ascii_alphabetic()))
    {
        return Err(CoreError::invalid(
            "location.countryCode",
            "location.countryCode must be an ISO 3166-1 alpha-2 code",
        ));
    }
    Ok(())
}

fn check_salary(s: &Salary) -> Result<(), CoreError> {
    if s.min.is_some_and(|v| v < 0.0 || !v.is_finite())
        || s.max.is_some_and(|v| v < 0.0 || !v.is_finite())
    {
        return Err(CoreError::invalid(
            "salary",
            "salary amounts must be non-negative numbers",
        ));
    }
    if let (Some(min), Some(max)) = (s.min, s.max)
        && min > max
    {
        return Err(CoreError::invalid(
            "salary",
            "salary.min must not exceed salary.max",
        ));
    }
    if let Some(c) = &s.currency
        && (c.len() != 3 || !c.chars().all(|c| c.is_ascii_alphabetic()))
    {
        return Err(CoreError::invalid(
            "salary.currency",
            "salary.currency must be an ISO 4217 code",
        ));
    }
    if let Some(p) = &s.period {
        validate::one_of("salary.period", p, PERIODS)?;
    }
    Ok(())
}

impl JobInput {
    /// Applies the input to `job`, validating every field it touches.
    pub fn apply(self, job: &mut Job) -> Result<(), CoreError> {
        match self.title {
            Patch::Value(t) => job.title = validate::text("title", &t, 5, 200)?,
            Patch::Null => return Err(CoreError::invalid("title", "title cannot be null")),
            Patch::Missing => {}
        }
        if let Some(d) = self.description.into_update() {
            job.description = validate::opt_text("description", d.as_deref(), 15_000)?;
        }
        if let Some(s) = self.status.into_update() {
            job.status = match s {
                Some(s) => validate::one_of("status", &s, STATUSES)?,
                None => "OPEN".into(),
            };
        }
        if let Some(r) = self.required_skills.into_update() {
            job.required_skills =
                validate::string_list("requiredSkills", &r.unwrap_or_default(), 10, 128)?;
        }
        if let Some(n) = self.nice_to_have_skills.into_update() {
            job.nice_to_have_skills =
                validate::string_list("niceToHaveSkills", &n.unwrap_or_default(), 10, 128)?;
        }
        if job.required_skills.len() + job.nice_to_have_skills.len() > 10 {
            return Err(CoreError::invalid(
                "requiredSkills",
                "requiredSkills and niceToHaveSkills may hold at most 10 skills in total",
            ));
        }
        let attrs = &mut job.attrs;
        if let Some(u) = self.job_url.into_update() {
            let url = validate::opt_text("jobUrl", u.as_deref(), 2048)?;
            if url
                .as_deref()
                .is_some_and(|u| !(u.starts_with("http://") || u.starts_with("https://")))
            {
                return Err(CoreError::invalid(
                    "jobUrl",
                    "jobUrl must be an http(s) URL",
                ));
            }
            set_attr(attrs, "jobUrl", url.map(Value::from));
        }
        if let Some(b) = self.benefits.into_update() {
            set_attr(
                attrs,
                "benefits",
                validate::opt_text("benefits", b.as_deref(), 5000)?.map(Value::from),
            );
        }
        if let Some(l) = self.language_requirements.into_update() {
            let list = l.unwrap_or_default();
            if list.len() > 10 {
                return Err(CoreError::invalid(
                    "languageRequirements",
                    "languageRequirements may hold at most 10 items",
                ));
            }
            for req in &list {
                validate::text("languageRequirements.language", &req.language, 2, 8)?;
                validate::one_of("languageRequirements.proficiency", &req.proficiency, CEFR)?;
            }
            set_attr(attrs, "languageRequirements", Some(json!(list)));
        }
        if let Some(e) = self.education.into_update() {
            let list = validate::string_list("education", &e.unwrap_or_default(), 10, 64)?;
            set_attr(attrs, "education", Some(json!(list)));
        }
        if let Some(e) = self.experience.into_update() {
            set_attr(
                attrs,
                "experience",
                validate::opt_text("experience", e.as_deref(), 200)?.map(Value::from),
            );
        }
        if let Some(c) = self.contract_type.into_update() {
            let v = c
                .map(|c| validate::one_of("contractType", &c, CONTRACTS))
                .transpose()?;
            set_attr(attrs, "contractType", v.map(Value::from));
        }
        if let Some(l) = self.location.into_update() {
            if let Some(l) = &l {
                check_location(l)?;
            }
            set_attr(attrs, "location", l.map(|l| json!(l)));
        }
        if let Some(s) = self.salary.into_update() {
            if let Some(s) = &s {
                check_salary(s)?;
            }
            set_attr(attrs, "salary", s.map(|s| json!(s)));
        }
        if let Some(m) = self.metadata.into_update() {
            let m = m.unwrap_or_default();
            validate::metadata("metadata", &m, 10 * 1024, 5, 50)?;
            set_attr(attrs, "metadata", Some(Value::Object(m)));
        }
        Ok(())
    }

    /// Builds a new job of `company` (title required).
    pub fn into_new_job(
        self,
        company: CompanyId,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Result<Job, CoreError> {
        if !matches!(self.title, Patch::Value(_)) {
            return Err(CoreError::invalid("title", "title is required"));
        }
        let mut job = Job::new(company, String::new(), now);
        self.apply(&mut job)?;
        Ok(job)
    }
}

impl JobInput {
    /// What a posting's page states, as a new job: values the job's rules would refuse
    /// (too long, too many) are cut or left out, except the title, which is checked as
    /// given.
    fn from_posting(p: Posting, url: &str) -> Self {
        let given = |v: Option<String>| v.map_or(Patch::Missing, Patch::Value);
        let fits = |v: Option<String>, max: usize| v.filter(|s| s.chars().count() <= max);
        let list = |items: Vec<String>, max: usize| {
            let kept: Vec<String> = items
                .into_iter()
                .filter(|s| s.chars().count() <= max)
                .take(10)
                .collect();
            if kept.is_empty() {
                Patch::Missing
            } else {
                Patch::Value(kept)
            }
        };
        let location = p.location.map(|l| Location {
            work_mode: l.work_mode.map(str::to_owned),
            street: fits(l.street, 200),
            city: fits(l.city, 100),
            postal_code: fits(l.postal_code, 20),
            country_code: l.country_code,
        });
        let salary = p
            .salary
            .filter(|s| !matches!((s.min, s.max), (Some(min), Some(max)) if min > max))
            .map(|s| Salary {
                min: s.min,
                max: s.max,
                currency: s
                    .currency
                    .filter(|c| c.chars().all(|c| c.is_ascii_alphabetic())),
                period: s.period.map(str::to_owned),
            });
        Self {
            title: given(p.title),
            description: given(p.description),
            required_skills: list(p.skills, 128),
            job_url: Patch::Value(url.to_owned()),
            benefits: given(fits(p.benefits, 5000)),
            education: list(p.education, 64),
            experience: given(fits(p.experience, 200)),
            contract_type: given(p.contract_type.map(str::to_owned)),
            location: location.map_or(Patch::Missing, Patch::Value),
            salary: salary.map_or(Patch::Missing, Patch::Value),
            ..Self::default()
        }
    }
}

/// The body of `POST /jobs/url`.
#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
struct FromUrlInput {
    /// The posting's page: `http(s)`, at most 2,048 characters.
    #[schema(schema_with = crate::http::openapi::text::<1, 2048>)]
    job_url: String,
    /// `false` reads the page and answers the job it describes without storing it
    /// (default `true`).
    #[serde(default)]
    #[schema(nullable)]
    create_job: Option<bool>,
}

/// Why a page gave no job, in the vendor's words for it.
fn extraction_failed(message: &str) -> IvError {
    IvError::from(CoreError::Unprocessable {
        field: "jobUrl".into(),
        message: message.into(),
    })
    .coded("EXTRACTION_FAILED")
}

/// Create a job from its posting's web page. The page is fetched (public addresses only,
/// unless the server allows private ones for webhooks; 10 s; 2 MiB) and its schema.org
/// `JobPosting`, or failing that its title and description, become the job.
#[utoipa::path(
    post,
    path = "/jobs/url",
    operation_id = "createJobFromUrl",
    tag = "Jobs",
    request_body = FromUrlInput,
    responses(
        (status = 201, description = "Created from the page.", body = JobFromUrl,
            headers(("Location" = String, description = "The new job."))),
        (status = 200, description = "`createJob` was false: the job the page describes, not stored.",
            body = JobPreview),
        (status = 400, description = "`jobUrl` is missing, not an http(s) URL, or names a private address."),
        (status = 422, description = "The page could not be fetched or read (`EXTRACTION_FAILED`), \
            or its title is not 5–200 characters (`INVALID_JOB_TITLE`)."),
    )
)]
async fn create_from_url(ctx: Ctx, body: Bytes) -> Result<Response, IvError> {
    let company = ctx.company(&[Scope::WriteJobs])?;
    let input: FromUrlInput = ctx.body(&body)?;
    let source = input.job_url.trim();
    let allow_private = ctx.state.config.webhook_allow_private;
    let url = job_pages::check_url(source, allow_private)?;
    let posting = job_pages::fetch(&url, allow_private)
        .await
        .map_err(|e| IvError::from(e).coded("EXTRACTION_FAILED"))?;
    if posting.title.is_none() {
        return Err(extraction_failed("the page states no job title"));
    }
    let job = JobInput::from_posting(posting, source)
        .into_new_job(company, ctx.state.now())
        .map_err(|e| match e {
            CoreError::Validation { field, message } if field == "title" => {
                IvError::from(CoreError::Unprocessable {
                    field,
                    message: format!("the page's job title cannot be used: {message}"),
                })
                .coded("INVALID_JOB_TITLE")
            }
            other => other.into(),
        })?;
    if input.create_job == Some(false) {
        return Ok((StatusCode::OK, Json(JobPreview::new(&job, source))).into_response());
    }
    let job = catalog::create_job(&ctx.state, &job).await?;
    let body = JobFromUrl::new(&job, source);
    Ok(super::created(&format!("/v1/jobs/{}", job.id), body).into_response())
}

fn status_filter_schema() -> RefOr<Schema> {
    crate::http::openapi::words_filter(STATUSES)
}

/// The filter of `GET /jobs`.
#[derive(utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)] // Schema only: the handler reads the raw query.
struct ListFilter {
    /// Only jobs in this status (any case; blank means all).
    #[param(schema_with = status_filter_schema)]
    status: Option<String>,
}

/// The company's jobs.
#[utoipa::path(
    get,
    path = "/jobs",
    operation_id = "listJobs",
    tag = "Jobs",
    params(
        crate::http::openapi::PageParams,
        ListFilter,
    ),
    responses(
        (status = 200, description = "A page of jobs.", body = Page<JobDto>),
        (status = 400, description = "`page`, `limit` or `status` is invalid."),
    )
)]
async fn list(ctx: Ctx) -> Result<Json<Page<JobDto>>, IvError> {
    let company = ctx.company(&[Scope::ReadJobs])?;
    let page = page_of(&ctx)?;
    let status = ctx
        .query
        .non_empty("status")
        .map(|s| validate::one_of("status", s, STATUSES))
        .transpose()?;
    let found = catalog::jobs(&ctx.state, company, &JobFilter { status }, page).await?;
    let items: Vec<JobDto> = found.items.iter().map(JobDto::from).collect();
    Ok(Json(Page::new(items, found.total, page)))
}

/// Create a job. The answer is wrapped in the success envelope, as InstaView's quickstart shows.
#[utoipa::path(
    post,
    path = "/jobs",
    operation_id = "createJob",
    tag = "Jobs",
    request_body = NewJob,
    responses(
        (status = 201, description = "Created.", body = Enveloped<JobDto>,
            headers(("Location" = String, description = "The new job.")),
            links(
                ("GetJob" = (operation_id = "getJob", parameters(("id" = "$response.body#/data/id")))),
                ("UpdateJob" = (operation_id = "updateJob", parameters(("id" = "$response.body#/data/id")))),
                ("DeleteJob" = (operation_id = "deleteJob", parameters(("id" = "$response.body#/data/id")))),
            )),
        (status = 400, description = "An invalid field."),
    )
)]
async fn create(ctx: Ctx, body: Bytes) -> Result<super::Created<JobCreated>, IvError> {
    let company = ctx.company(&[Scope::WriteJobs])?;
    let input: JobInput = ctx.body(&body)?;
    let job = input.into_new_job(company, ctx.state.now())?;
    let job = catalog::create_job(&ctx.state, &job).await?;
    let body = JobCreated::new(JobDto::from(&job), ctx.state.now());
    Ok(super::created(&format!("/v1/jobs/{}", job.id), body))
}

async fn load(ctx: &Ctx, company: CompanyId, raw: &str) -> Result<Job, IvError> {
    let id = path_uuid(raw, "id")?;
    match catalog::job(&ctx.state, company, id.into()).await? {
        Some(job) => Ok(job),
        None => Err(ctx.missing(ResourceKind::Job, "job", id, company).await),
    }
}

/// A job.
#[utoipa::path(
    get,
    path = "/jobs/{id}",
    operation_id = "getJob",
    tag = "Jobs",
    params(("id" = String, Path, format = "uuid")),
    responses(
        (status = 200, description = "The job.", body = JobDto),
        (status = 400, description = "`id` is not a UUID."),
        (status = 403, description = "The job belongs to another company."),
        (status = 404, description = "No such job."),
    )
)]
async fn show(ctx: Ctx, IvPath(id): IvPath<String>) -> Result<Json<JobDto>, IvError> {
    let company = ctx.company(&[Scope::ReadJobs])?;
    let job = load(&ctx, company, &id).await?;
    Ok(Json(JobDto::from(&job)))
}

/// Change a job.
#[utoipa::path(
    patch,
    path = "/jobs/{id}",
    operation_id = "updateJob",
    tag = "Jobs",
    params(("id" = String, Path, format = "uuid")),
    request_body = JobInput,
    responses(
        (status = 200, description = "The job as changed.", body = JobDto),
        (status = 400, description = "`id` is not a UUID, or an invalid field."),
        (status = 403, description = "The job belongs to another company."),
        (status = 404, description = "No such job."),
    )
)]
async fn update(
    ctx: Ctx,
    IvPath(id): IvPath<String>,
    body: Bytes,
) -> Result<Json<JobDto>, IvError> {
    let company = ctx.company(&[Scope::WriteJobs])?;
    let mut job = load(&ctx, company, &id).await?;
    let input: JobInput = ctx.body(&body)?;
    input.apply(&mut job)?;
    catalog::update_job(&ctx.state, &mut job).await?;
    Ok(Json(JobDto::from(&job)))
}
