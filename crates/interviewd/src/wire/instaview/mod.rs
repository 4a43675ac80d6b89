//! The InstaView dialect's wire objects (responses). Field names and shapes follow the
//! vendor's object models; the core entity is mapped here and nowhere else.

mod analysis;
mod error;
pub mod webhooks;

pub use analysis::AnalysisDto;

pub use error::{ErrorBody, ErrorDetail};

use crate::wire::Links;
use interviewd_domain::model::{Agent, Attrs, CallAttempt, Candidate, Company, Job};
use interviewd_domain::time::rfc3339;
use interviewd_domain::views::{
    CandidateCounts, InterviewDetail, InterviewResults, StoredAnalysis,
};
use interviewd_domain::{InterviewId, InterviewStatus, PageRequest, rating};
use serde::Serialize;
use serde_json::Value;
use utoipa::ToSchema;

fn ts(t: chrono::DateTime<chrono::Utc>) -> String {
    rfc3339(t)
}

/// A company.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = Company)]
pub struct CompanyDto {
    #[schema(format = "uuid")]
    id: String,
    name: String,
    #[schema(required = true)]
    description: Option<String>,
    #[schema(value_type = Object)]
    metadata: Attrs,
    #[schema(required = true)]
    owner_email: Option<String>,
    /// TRIAL, STARTER, BUSINESS, SCALE or ENTERPRISE.
    plan: &'static str,
    /// When the plan last changed (what Xobin's revoke compares invites against).
    #[schema(required = true, format = DateTime)]
    plan_changed_at: Option<String>,
    /// Simultaneous live sessions.
    concurrency_limit: u32,
    #[schema(format = DateTime)]
    created_at: String,
    #[schema(format = DateTime)]
    updated_at: String,
}

impl From<&Company> for CompanyDto {
    fn from(c: &Company) -> Self {
        Self {
            id: c.id.to_string(),
            name: c.name.clone(),
            description: c.description.clone(),
            metadata: c.metadata.clone(),
            owner_email: c.owner_email.as_ref().map(|e| e.as_str().to_owned()),
            plan: c.plan.as_str(),
            plan_changed_at: c.plan_changed_at.map(ts),
            concurrency_limit: c.concurrency_limit,
            created_at: ts(c.created_at),
            updated_at: ts(c.updated_at),
        }
    }
}

/// A page of a list: `{data, total, page, limit, totalPages}`.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(rename_all = "camelCase")]
pub struct Page<T: ToSchema> {
    pub data: Vec<T>,
    /// Items in all pages.
    pub total: i64,
    pub page: u32,
    pub limit: u32,
    pub total_pages: i64,
}

impl<T: ToSchema> Page<T> {
    /// The page `request` of `total` items, holding `data`.
    pub fn new(data: Vec<T>, total: i64, request: PageRequest) -> Self {
        Self {
            data,
            total,
            page: request.page,
            limit: request.limit,
            total_pages: request.total_pages(total),
        }
    }
}

/// InstaView job fields kept in `attrs` (no rule reads them).
pub const JOB_ATTR_FIELDS: &[&str] = &[
    "jobUrl",
    "benefits",
    "languageRequirements",
    "education",
    "experience",
    "contractType",
    "location",
    "salary",
    "metadata",
];

/// A job: the core fields and the InstaView attributes.
#[derive(Serialize, ToSchema, Clone)]
#[serde(rename_all = "camelCase")]
#[schema(as = Job, rename_all = "camelCase")]
pub struct JobDto {
    #[schema(format = "uuid")]
    id: String,
    #[schema(format = "uuid")]
    company_id: String,
    title: String,
    description: Option<String>,
    /// OPEN, CLOSED, DRAFT, PAUSED or ARCHIVED.
    status: String,
    required_skills: Vec<String>,
    nice_to_have_skills: Vec<String>,
    #[schema(required = true)]
    job_url: Option<String>,
    #[schema(required = true)]
    benefits: Option<String>,
    #[schema(required = true, value_type = Option<Vec<Object>>)]
    language_requirements: Option<Value>,
    #[schema(required = true)]
    education: Option<Vec<String>>,
    #[schema(required = true)]
    experience: Option<String>,
    #[schema(required = true)]
    contract_type: Option<String>,
    #[schema(required = true, value_type = Option<Object>)]
    location: Option<Value>,
    #[schema(required = true, value_type = Option<Object>)]
    salary: Option<Value>,
    #[schema(value_type = Object)]
    metadata: Value,
    #[schema(format = DateTime)]
    created_at: String,
    #[schema(format = DateTime)]
    updated_at: String,
}

impl From<&Job> for JobDto {
    fn from(j: &Job) -> Self {
        let attr = |key: &str| j.attrs.get(key).filter(|v| !v.is_null()).cloned();
        let text = |key: &str| attr(key).and_then(|v| v.as_str().map(str::to_owned));
        Self {
            id: j.id.to_string(),
            company_id: j.company_id.to_string(),
            title: j.title.clone(),
            description: j.description.clone(),
            status: j.status.clone(),
            required_skills: j.required_skills.clone(),
            nice_to_have_skills: j.nice_to_have_skills.clone(),
            job_url: text("jobUrl"),
            benefits: text("benefits"),
            language_requirements: attr("languageRequirements"),
            education: attr("education").and_then(|v| serde_json::from_value(v).ok()),
            experience: text("experience"),
            contract_type: text("contractType"),
            location: attr("location"),
            salary: attr("salary"),
            metadata: attr("metadata")
                .filter(Value::is_object)
                .unwrap_or_else(|| Value::Object(Default::default())),
            created_at: ts(j.created_at),
            updated_at: ts(j.updated_at),
        }
    }
}

/// An answer in both of the vendor's documented forms. Its API reference shows the object
/// bare; its examples (the quickstart's job, the webhook pages) show it in the success
/// envelope (`{success, data}`). The answer is the envelope with the object's members once
/// more at the top level, so a client written from either page reads `data.id` or `id`
/// (no object answered this way has a member named `success`, `data`, `error` or
/// `timestamp`).
#[derive(Serialize, ToSchema)]
pub struct Enveloped<T: ToSchema> {
    /// Always `true`.
    pub success: bool,
    pub data: T,
    /// Always `null`.
    #[schema(schema_with = crate::wire::null_schema)]
    pub error: Option<String>,
    #[schema(format = DateTime)]
    pub timestamp: String,
    #[serde(flatten)]
    pub object: T,
}

impl<T: ToSchema + Clone> Enveloped<T> {
    /// `object`, answered `at`.
    pub fn new(object: T, at: chrono::DateTime<chrono::Utc>) -> Self {
        Self {
            success: true,
            data: object.clone(),
            error: None,
            timestamp: ts(at),
            object,
        }
    }
}

/// The answer to `POST /jobs`.
pub type JobCreated = Enveloped<JobDto>;

/// The answer to `POST /jobs/url`: the job read off the posting's page and that page's
/// address, as the vendor's page shows it (no success envelope).
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct JobFromUrl {
    pub data: JobDto,
    /// The `jobUrl` of the request.
    pub source_url: String,
}

/// The answer to `POST /jobs/url` with `createJob: false`: the job the page describes, not
/// stored, so its `id`, `createdAt` and `updatedAt` are empty strings.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct JobPreview {
    /// A job object whose `id`, `createdAt` and `updatedAt` are `""`.
    #[schema(value_type = Object)]
    pub data: JobDto,
    /// The `jobUrl` of the request.
    pub source_url: String,
}

impl JobFromUrl {
    /// The answer for `job`, created from `source_url`.
    pub fn new(job: &Job, source_url: &str) -> Self {
        Self {
            data: JobDto::from(job),
            source_url: source_url.to_owned(),
        }
    }
}

impl JobPreview {
    /// The answer for `job`, read from `source_url` and not stored.
    pub fn new(job: &Job, source_url: &str) -> Self {
        let mut data = JobDto::from(job);
        data.id = String::new();
        data.created_at = String::new();
        data.updated_at = String::new();
        Self {
            data,
            source_url: source_url.to_owned(),
        }
    }
}

/// The answer to `GET /interviews/{id}/analysis-pdf`: `{"analysisPdfBase64": …}`.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AnalysisPdf {
    /// The PDF report of the analysis, Base64 (standard alphabet, padded).
    #[schema(content_encoding = "base64", content_media_type = "application/pdf")]
    analysis_pdf_base64: String,
}

impl AnalysisPdf {
    /// The answer carrying `pdf`.
    pub fn new(pdf: &[u8]) -> Self {
        use base64::Engine;
        Self {
            analysis_pdf_base64: base64::engine::general_purpose::STANDARD.encode(pdf),
        }
    }
}

/// `{"success": true, "message": …}`.
#[derive(Serialize, ToSchema)]
pub struct SuccessMessage {
    pub success: bool,
    pub message: String,
}

/// An agent: who interviews, how, and with which questions.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = Agent)]
pub struct AgentDto {
    #[schema(format = "uuid")]
    id: String,
    #[schema(format = "uuid")]
    company_id: String,
    name: String,
    /// PHONE or ONLINE.
    #[serde(rename = "type")]
    kind: &'static str,
    focus: String,
    language: String,
    /// Minutes.
    duration: u32,
    questions: Vec<String>,
    #[schema(required = true)]
    instructions: Option<String>,
    #[schema(value_type = Option<String>, required = true)]
    voice_id: Value,
    #[schema(value_type = Option<String>, required = true)]
    company_phone_number_id: Value,
    #[schema(value_type = Option<String>, required = true)]
    cefr_level: Value,
    /// The agent's metadata (`{}` when none).
    #[schema(value_type = Object)]
    metadata: Value,
    #[schema(format = DateTime)]
    created_at: String,
    #[schema(format = DateTime)]
    updated_at: String,
}

impl From<&Agent> for AgentDto {
    fn from(a: &Agent) -> Self {
        let attr = |k: &str| a.attrs.get(k).cloned().unwrap_or(Value::Null);
        Self {
            id: a.id.to_string(),
            company_id: a.company_id.to_string(),
            name: a.name.clone(),
            kind: a.channel.as_str(),
            focus: a.focus.clone(),
            language: a.language.clone(),
            duration: a.duration_minutes,
            questions: a.questions.clone(),
            instructions: a.instructions.clone(),
            voice_id: attr("voiceId"),
            company_phone_number_id: attr("companyPhoneNumberId"),
            cefr_level: attr("cefrLevel"),
            metadata: a
                .attrs
                .get("metadata")
                .cloned()
                .unwrap_or_else(|| Value::Object(Default::default())),
            created_at: ts(a.created_at),
            updated_at: ts(a.updated_at),
        }
    }
}

/// A candidate.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = Candidate)]
pub struct CandidateDto {
    #[schema(format = "uuid")]
    id: String,
    #[schema(format = "uuid")]
    company_id: String,
    #[schema(required = true)]
    first_name: Option<String>,
    #[schema(required = true)]
    last_name: Option<String>,
    #[schema(required = true)]
    email: Option<String>,
    /// E.164.
    #[schema(required = true)]
    phone_number: Option<String>,
    status: String,
    /// The first of `jobIds`.
    #[schema(required = true, format = "uuid")]
    job_id: Option<String>,
    job_ids: Vec<String>,
    #[schema(required = true, format = Date)]
    gdpr_expiry_date: Option<String>,
    /// The `general.overallRating` (0–100) of the candidate's most recent analysis; null
    /// before the first.
    #[schema(required = true)]
    overall_rating: Option<u32>,
    /// The metadata, with the external id as `externalId`.
    #[schema(value_type = Object)]
    metadata: Attrs,
    analysis_count: i64,
    interview_count: i64,
    links: CandidateLinks,
    #[schema(format = DateTime)]
    created_at: String,
    #[schema(format = DateTime)]
    updated_at: String,
}

/// Where a candidate's analyses and interviews are listed.
#[derive(Serialize, ToSchema)]
pub struct CandidateLinks {
    analyses: String,
    interviews: String,
}

impl CandidateDto {
    pub fn new(c: &Candidate, counts: CandidateCounts) -> Self {
        let mut metadata = c.metadata.clone();
        if let Some(ext) = &c.ext_id {
            metadata.insert("externalId".into(), ext.as_str().into());
        }
        let job_ids: Vec<String> = c.job_ids.iter().map(ToString::to_string).collect();
        Self {
            id: c.id.to_string(),
            company_id: c.company_id.to_string(),
            first_name: c.first_name.clone(),
            last_name: c.last_name.clone(),
            email: c.email.as_ref().map(|e| e.as_str().to_owned()),
            phone_number: c.phone.as_ref().map(|p| p.as_str().to_owned()),
            status: c.status.clone(),
            job_id: job_ids.first().cloned(),
            job_ids,
            gdpr_expiry_date: c.gdpr_expiry_date.map(|d| d.format("%Y-%m-%d").to_string()),
            overall_rating: counts.latest_score.map(rating::percent),
            metadata,
            analysis_count: counts.analyses,
            interview_count: counts.interviews,
            links: CandidateLinks {
                analyses: format!("/v1/candidates/{}/analyses", c.id),
                interviews: format!("/v1/interviews?candidateId={}", c.id),
            },
            created_at: ts(c.created_at),
            updated_at: ts(c.updated_at),
        }
    }
}

/// A call attempt (or, with `direction: "WEB"`, an online session).
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = CallAttempt)]
pub struct AttemptDto {
    #[schema(format = "uuid")]
    id: String,
    /// OUTBOUND or WEB.
    direction: String,
    /// SCHEDULED, IN_PROGRESS, COMPLETED, FAILED or CANCELLED.
    status: &'static str,
    #[schema(required = true)]
    reason_code: Option<String>,
    #[schema(required = true)]
    notes: Option<String>,
    retry_number: u32,
    /// The recording: fetchable with a key of the interview's company, and without one until
    /// the link's `expires` (a signed link, see `docs/webhooks.md`, "Asset links").
    #[schema(required = true, format = "uri")]
    recording_url: Option<String>,
    /// Seconds.
    #[schema(required = true)]
    duration: Option<i64>,
    #[schema(format = DateTime)]
    scheduled_at: String,
    #[schema(required = true, format = DateTime)]
    called_at: Option<String>,
    #[schema(required = true, format = DateTime)]
    ended_at: Option<String>,
}

impl AttemptDto {
    pub fn new(a: &CallAttempt, links: &Links<'_>) -> Self {
        Self {
            id: a.id.to_string(),
            direction: a.direction.clone(),
            status: a.status.as_str(),
            reason_code: a.reason_code.clone(),
            notes: a.notes.clone(),
            retry_number: a.retry_number,
            recording_url: a
                .recording_key
                .as_ref()
                .map(|_| links.recording(a.company_id, a.interview_id, a.id)),
            duration: a.duration_ms.map(|ms| (ms + 999) / 1000),
            scheduled_at: ts(a.scheduled_at),
            called_at: a.called_at.map(ts),
            ended_at: a.ended_at.map(ts),
        }
    }
}

/// An interview.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = Interview)]
pub struct InterviewDto {
    #[schema(format = "uuid")]
    id: String,
    #[schema(format = "uuid")]
    company_id: String,
    #[schema(format = "uuid")]
    candidate_id: String,
    #[schema(format = "uuid")]
    agent_id: String,
    #[schema(required = true, format = "uuid")]
    job_id: Option<String>,
    /// PHONE or ONLINE.
    #[serde(rename = "type")]
    kind: &'static str,
    /// SCHEDULED, IN_PROGRESS, COMPLETED, FAILED or CANCELLED (the get-interview schema's
    /// spelling).
    #[schema(value_type = String, pattern = "^(SCHEDULED|IN_PROGRESS|COMPLETED|FAILED|CANCELLED)$")]
    status: &'static str,
    is_test: bool,
    #[schema(format = DateTime)]
    scheduled_at: String,
    #[schema(required = true, format = DateTime)]
    started_at: Option<String>,
    #[schema(required = true, format = DateTime)]
    finished_date: Option<String>,
    #[schema(required = true)]
    duration_minutes: Option<i64>,
    /// The candidate's link (ONLINE interviews are taken there).
    invite_url: String,
    #[schema(value_type = Object)]
    metadata: Attrs,
    call_attempts: Vec<AttemptDto>,
    /// The analysis in the vendor's shape; `null` until there is one.
    #[schema(required = true)]
    analysis: Option<AnalysisDto>,
    /// `[{role, text, startMs, endMs}]`; `null` until there is one.
    #[schema(value_type = Option<Vec<Object>>, required = true)]
    transcript: Value,
    #[schema(format = DateTime)]
    created_at: String,
    #[schema(format = DateTime)]
    updated_at: String,
}

impl InterviewDto {
    pub fn new(d: &InterviewDetail, links: &Links<'_>) -> Self {
        let public_url = links.base;
        let i = &d.interview;
        let total_ms: i64 = d.attempts.iter().filter_map(|a| a.duration_ms).sum();
        Self {
            id: i.id.to_string(),
            company_id: i.company_id.to_string(),
            candidate_id: i.candidate_id.to_string(),
            agent_id: i.agent_id.to_string(),
            job_id: i.job_id.map(|j| j.to_string()),
            kind: i.channel.as_str(),
            status: status_of(i.status),
            is_test: i.is_test,
            scheduled_at: ts(i.scheduled_at),
            started_at: i.started_at.map(ts),
            finished_date: i.finished_at.map(ts),
            duration_minutes: (total_ms > 0).then(|| (total_ms + 59_999) / 60_000),
            invite_url: format!("{public_url}/i/{}", i.invite.token),
            metadata: i.metadata.clone(),
            call_attempts: d
                .attempts
                .iter()
                .map(|a| AttemptDto::new(a, links))
                .collect(),
            analysis: None,
            transcript: Value::Null,
            created_at: ts(i.created_at),
            updated_at: ts(i.updated_at),
        }
    }

    /// Adds the transcript (`[{role, text, startMs, endMs}]`) and the analysis.
    pub fn with_results(mut self, results: &InterviewResults) -> Self {
        if !results.transcript.is_empty() {
            self.transcript = transcript_json(&results.transcript);
        }
        self.analysis = results.analysis.as_ref().map(AnalysisDto::new);
        self
    }

    /// Adds the analysis alone (list items: the vendor's list carries it, not the transcript).
    pub fn with_analysis(mut self, analysis: Option<&StoredAnalysis>) -> Self {
        self.analysis = analysis.map(AnalysisDto::new);
        self
    }
}

/// One of a candidate's analyses (`GET /candidates/{id}/analyses`): the analysis, in the
/// interview's shape, with the interview it judges.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CandidateAnalysisDto {
    #[schema(format = "uuid")]
    interview_id: String,
    #[serde(flatten)]
    analysis: AnalysisDto,
}

impl CandidateAnalysisDto {
    pub fn new(interview: InterviewId, analysis: &StoredAnalysis) -> Self {
        Self {
            interview_id: interview.to_string(),
            analysis: AnalysisDto::new(analysis),
        }
    }
}

/// A transcript as `[{role, text, startMs, endMs}]`.
pub fn transcript_json(turns: &[interviewd_voice::Turn]) -> Value {
    turns
        .iter()
        .map(|t| {
            serde_json::json!({
                "role": t.role,
                "text": t.text,
                "startMs": t.start_ms,
                "endMs": t.end_ms,
            })
        })
        .collect::<Vec<_>>()
        .into()
}

/// An interview's status as the vendor's get-interview schema spells it: `CANCELLED` (its
/// delete page's table writes `CANCELED`; both are accepted as filters).
pub fn status_of(status: InterviewStatus) -> &'static str {
    match status {
        InterviewStatus::Canceled => "CANCELLED",
        other => other.as_str(),
    }
}
