//! The Alpharun dialect's wire objects: each type is both a response body and its OpenAPI
//! schema, and the interview object is built once ([`Interview::new`]) for the REST answer
//! and for the `interview.call.completed` webhook.

mod interactions;

pub use interactions::{
    CustomerInteraction, InteractionEnvelope, InteractionList, InteractionWebhook,
    InteractionsData, TranscriptsEnvelope, UpdatedInteraction,
};

use crate::wire::Links;
use interviewd_domain::model::{Agent, Candidate, Job};
use interviewd_domain::views::InterviewReport;
use interviewd_domain::{Email, ExtId, InterviewStatus, PhoneNumber};
use serde::Serialize;
use serde_json::Value;
use utoipa::ToSchema;

/// The body of every Alpharun error (the OpenAPI `Error` schema).
#[derive(Serialize, ToSchema)]
#[schema(as = Error)]
pub struct ErrorBody {
    /// The HTTP status, repeated.
    #[schema(minimum = 400, maximum = 599)]
    pub error: u16,
    pub message: String,
}

/// Alpharun's timestamps: seconds precision, `Z`.
fn stamp(t: chrono::DateTime<chrono::Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// A stored custom field's key and value (`{key, value}` objects; anything else is empty).
fn key_value(field: &Value) -> (String, String) {
    let text = |k: &str| {
        field
            .get(k)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned()
    };
    (text("key"), text("value"))
}

/// A custom field of a contact.
#[derive(Serialize, ToSchema)]
pub struct ContactCustomField {
    pub key: String,
    pub value: String,
    /// Always `text`.
    #[serde(rename = "type")]
    #[schema(rename = "type")]
    pub kind: String,
    /// The key.
    pub display_name: String,
}

impl ContactCustomField {
    fn of(field: &Value) -> Self {
        let (key, value) = key_value(field);
        Self {
            display_name: key.clone(),
            key,
            value,
            kind: "text".into(),
        }
    }
}

/// A contact (`ContactResponse`).
#[derive(Serialize, ToSchema)]
#[schema(as = Contact)]
pub struct ArContact {
    #[schema(format = "uuid")]
    pub id: String,
    #[schema(required = true)]
    pub email: Option<String>,
    /// E.164.
    #[schema(required = true)]
    pub phone_number: Option<String>,
    #[schema(required = true)]
    pub ext_id: Option<String>,
    #[schema(required = true)]
    pub first_name: Option<String>,
    #[schema(required = true)]
    pub last_name: Option<String>,
    pub custom_fields: Vec<ContactCustomField>,
}

impl From<&Candidate> for ArContact {
    fn from(c: &Candidate) -> Self {
        Self {
            id: c.id.to_string(),
            email: c.email.as_ref().map(|e| Email::as_str(e).to_owned()),
            phone_number: c.phone.as_ref().map(|p| PhoneNumber::as_str(p).to_owned()),
            ext_id: c.ext_id.as_ref().map(|e| ExtId::as_str(e).to_owned()),
            first_name: c.first_name.clone(),
            last_name: c.last_name.clone(),
            custom_fields: c.custom_fields.iter().map(ContactCustomField::of).collect(),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct ContactsData {
    pub contacts: Vec<ArContact>,
}

/// A page of contacts, the most recently created first.
#[derive(Serialize, ToSchema)]
pub struct ContactList {
    pub data: ContactsData,
    /// The next page's `cursor`; `null` at the end.
    #[schema(required = true)]
    pub next_cursor: Option<String>,
}

/// The outcome of adding candidates to job openings.
#[derive(Serialize, ToSchema)]
pub struct ImportResult {
    pub successful_imports_count: u64,
    pub failed_imports_count: u64,
    /// The items that failed, as sent.
    #[schema(value_type = Vec<Value>)]
    pub failed_contacts: Vec<Value>,
}

/// The answer to `POST /contacts`: the contact (object body) or the import outcome (array).
#[derive(Serialize)]
#[serde(untagged)]
pub enum ContactOrImport {
    Contact(ArContact),
    Import(ImportResult),
}

impl utoipa::PartialSchema for ContactOrImport {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        use utoipa::openapi::Ref;
        use utoipa::openapi::schema::OneOfBuilder;
        OneOfBuilder::new()
            .item(Ref::from_schema_name(ArContact::name()))
            .item(Ref::from_schema_name(ImportResult::name()))
            .into()
    }
}

impl ToSchema for ContactOrImport {
    fn schemas(
        schemas: &mut Vec<(
            String,
            utoipa::openapi::RefOr<utoipa::openapi::schema::Schema>,
        )>,
    ) {
        use utoipa::PartialSchema;
        schemas.push((ArContact::name().into_owned(), ArContact::schema()));
        <ArContact as ToSchema>::schemas(schemas);
        schemas.push((ImportResult::name().into_owned(), ImportResult::schema()));
        <ImportResult as ToSchema>::schemas(schemas);
    }
}

/// A job type (`JobTypeResponse`).
#[derive(Serialize, ToSchema)]
pub struct JobType {
    #[schema(format = "uuid")]
    pub id: String,
    pub name: String,
    pub job_description: String,
    #[schema(required = true)]
    pub ai_interviewer_guidance: Option<String>,
    /// The bullet lines of the description (at most 10).
    pub qualifications: Vec<String>,
    /// `after_interview`, `before_interview` or `null`.
    #[schema(required = true)]
    pub resume_collection_type: Option<String>,
    pub should_force_fullscreen: bool,
    pub should_record_video: bool,
}

/// Qualifications are read-only: the bullet lines of the job description (at most 10).
pub fn qualifications(description: &str) -> Vec<String> {
    description
        .lines()
        .filter_map(|l| {
            let l = l.trim();
            l.strip_prefix("- ")
                .or_else(|| l.strip_prefix("* "))
                .or_else(|| l.strip_prefix("• "))
        })
        .map(|q| q.trim().to_owned())
        .filter(|q| !q.is_empty())
        .take(10)
        .collect()
}

impl From<&Agent> for JobType {
    fn from(a: &Agent) -> Self {
        let flag = |k: &str| a.attrs.get(k).and_then(Value::as_bool).unwrap_or(false);
        let description = a
            .attrs
            .get("jobDescription")
            .and_then(Value::as_str)
            .unwrap_or_default();
        Self {
            id: a.id.to_string(),
            name: a.name.clone(),
            job_description: description.to_owned(),
            ai_interviewer_guidance: a.instructions.clone(),
            qualifications: qualifications(description),
            resume_collection_type: a
                .attrs
                .get("resumeCollectionType")
                .and_then(Value::as_str)
                .map(str::to_owned),
            should_force_fullscreen: flag("shouldForceFullscreen"),
            should_record_video: flag("shouldRecordVideo"),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct JobTypeData {
    pub job_type: JobType,
}

/// `{data: {job_type}}`.
#[derive(Serialize, ToSchema)]
pub struct JobTypeEnvelope {
    pub data: JobTypeData,
}

impl JobTypeEnvelope {
    /// The envelope of `agent`'s job type.
    pub fn new(agent: &Agent) -> Self {
        Self {
            data: JobTypeData {
                job_type: JobType::from(agent),
            },
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct JobTypeRef {
    #[schema(required = true, format = "uuid")]
    pub id: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct LinkAccess {
    pub restricted: bool,
}

/// A job opening; the create answer carries only `id`, `interview_link` and `job_type`.
#[derive(Serialize, ToSchema)]
pub struct JobOpening {
    #[schema(format = "uuid")]
    pub id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>)]
    pub location: Option<Option<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>)]
    pub pay: Option<Option<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>)]
    pub hours: Option<Option<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub owner_emails: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub link_access: Option<LinkAccess>,
    #[schema(format = "uri")]
    pub interview_link: String,
    pub job_type: JobTypeRef,
}

impl JobOpening {
    /// The opening's own attributes (`attrs.opening`).
    fn attrs(job: &Job) -> serde_json::Map<String, Value> {
        job.attrs
            .get("opening")
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default()
    }

    /// The opening's shared link.
    pub fn link(public_url: &str, job: &Job) -> String {
        let slug = Self::attrs(job)
            .get("linkSlug")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned();
        format!("{public_url}/i/{slug}")
    }

    /// What creating an opening answers: its id, link and job type.
    pub fn created(public_url: &str, job: &Job) -> Self {
        Self {
            id: job.id.to_string(),
            name: None,
            location: None,
            pay: None,
            hours: None,
            owner_emails: None,
            link_access: None,
            interview_link: Self::link(public_url, job),
            job_type: JobTypeRef {
                id: job.agent_id.map(|a| a.to_string()),
            },
        }
    }

    /// The whole opening.
    pub fn new(public_url: &str, job: &Job) -> Self {
        let o = Self::attrs(job);
        let text = |k: &str| o.get(k).and_then(Value::as_str).map(str::to_owned);
        let owners = o
            .get("ownerEmails")
            .and_then(|v| serde_json::from_value(v.clone()).ok())
            .unwrap_or_default();
        let restricted = o
            .get("linkAccess")
            .and_then(|l| l.get("restricted"))
            .and_then(Value::as_bool)
            .unwrap_or(false);
        Self {
            name: Some(job.title.clone()),
            location: Some(text("location")),
            pay: Some(text("pay")),
            hours: Some(text("hours")),
            owner_emails: Some(owners),
            link_access: Some(LinkAccess { restricted }),
            ..Self::created(public_url, job)
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct JobOpeningData {
    pub job_opening: JobOpening,
}

/// `{data: {job_opening}}`.
#[derive(Serialize, ToSchema)]
pub struct JobOpeningEnvelope {
    pub data: JobOpeningData,
}

impl From<JobOpening> for JobOpeningEnvelope {
    fn from(job_opening: JobOpening) -> Self {
        Self {
            data: JobOpeningData { job_opening },
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct OpeningRef {
    #[schema(format = "uuid")]
    pub id: String,
    pub name: String,
}

/// A custom field as an interview shows it.
#[derive(Serialize, ToSchema)]
pub struct InterviewCustomField {
    pub key: String,
    /// The key.
    pub name: String,
    /// Always `text`.
    #[serde(rename = "type")]
    #[schema(rename = "type")]
    pub kind: String,
    pub value: String,
}

impl InterviewCustomField {
    /// A stored `{key, value}` field as an interview shows it.
    pub fn of(field: &Value) -> Self {
        let (key, value) = key_value(field);
        Self {
            name: key.clone(),
            key,
            kind: "text".into(),
            value,
        }
    }
}

/// The contact as an interview shows it.
#[derive(Serialize, ToSchema)]
pub struct InterviewContact {
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub email: Option<String>,
    pub phone_number: Option<String>,
    /// Always `null`: resumes are not stored.
    #[schema(schema_with = crate::wire::null_schema)]
    pub resume_url: Option<String>,
    pub custom_fields: Vec<InterviewCustomField>,
}

#[derive(Serialize, ToSchema)]
pub struct TranscriptFragment {
    /// `agent` or `participant`.
    pub role: String,
    pub transcript: String,
}

#[derive(Serialize, ToSchema)]
pub struct Insights {
    /// 1–5.
    pub assessment_score: u8,
    pub summary: String,
    pub strengths: Vec<String>,
    pub weaknesses: Vec<String>,
}

#[derive(Serialize, ToSchema)]
pub struct Call {
    #[schema(format = "uuid")]
    pub id: String,
    #[schema(required = true)]
    pub recording_url: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct AssessmentCriterion {
    pub name: String,
    pub value: String,
    #[schema(required = true)]
    pub commentary: Option<String>,
}

/// Alpharun's interview status: `completed` once finished, `in_progress` until then;
/// interviews that ended without completing report `failed` or `canceled`.
pub fn status(s: InterviewStatus) -> &'static str {
    match s {
        InterviewStatus::Scheduled | InterviewStatus::InProgress => "in_progress",
        InterviewStatus::Completed => "completed",
        InterviewStatus::Failed => "failed",
        InterviewStatus::Canceled => "canceled",
    }
}

/// An interview of a contact on a job opening: the REST object and the webhook's.
#[derive(Serialize, ToSchema)]
#[schema(as = ArInterview)]
pub struct Interview {
    #[schema(format = "uuid")]
    pub id: String,
    #[schema(required = true, format = "uuid")]
    pub job_opening_id: Option<String>,
    #[schema(required = true)]
    pub job_opening: Option<OpeningRef>,
    /// `in_progress`, `completed`, `failed` or `canceled`.
    pub status: String,
    pub contact: InterviewContact,
    #[schema(required = true, format = DateTime)]
    pub started_at: Option<String>,
    #[schema(required = true, format = DateTime)]
    pub completed_at: Option<String>,
    pub transcript_fragments: Vec<TranscriptFragment>,
    /// Once the interview is completed.
    #[schema(required = true)]
    pub insights: Option<Insights>,
    pub calls: Vec<Call>,
    pub assessment_criteria: Vec<AssessmentCriterion>,
    pub data_extraction_fields: Vec<interactions::DataExtractionField>,
    pub custom_fields: Vec<InterviewCustomField>,
}

impl Interview {
    /// The interview object of `report`, with recording links written by `links`.
    pub fn new(report: &InterviewReport, links: &Links<'_>) -> Self {
        let i = &report.detail.interview;
        let completed = i.status == InterviewStatus::Completed;
        let analysis = report
            .results
            .analysis
            .as_ref()
            .filter(|_| completed)
            .map(|a| &a.analysis);
        let candidate = report.candidate.as_ref();
        let custom = |fields: Option<&Value>| -> Vec<InterviewCustomField> {
            fields
                .and_then(Value::as_array)
                .map(|f| f.iter().map(InterviewCustomField::of).collect())
                .unwrap_or_default()
        };
        Self {
            id: i.id.to_string(),
            job_opening_id: report.job.as_ref().map(|j| j.id.to_string()),
            job_opening: report.job.as_ref().map(|j| OpeningRef {
                id: j.id.to_string(),
                name: j.title.clone(),
            }),
            status: status(i.status).into(),
            contact: InterviewContact {
                first_name: candidate.and_then(|c| c.first_name.clone()),
                last_name: candidate.and_then(|c| c.last_name.clone()),
                email: candidate.and_then(|c| c.email.as_ref().map(|e| e.as_str().to_owned())),
                phone_number: candidate
                    .and_then(|c| c.phone.as_ref().map(|p| p.as_str().to_owned())),
                resume_url: None,
                custom_fields: candidate
                    .map(|c| {
                        c.custom_fields
                            .iter()
                            .map(InterviewCustomField::of)
                            .collect()
                    })
                    .unwrap_or_default(),
            },
            started_at: i.started_at.map(stamp),
            completed_at: i.finished_at.filter(|_| completed).map(stamp),
            transcript_fragments: report
                .results
                .transcript
                .iter()
                .map(|t| TranscriptFragment {
                    role: match t.role {
                        interviewd_voice::Role::Agent => "agent".into(),
                        interviewd_voice::Role::Participant => "participant".into(),
                    },
                    transcript: t.text.clone(),
                })
                .collect(),
            insights: analysis.map(|a| Insights {
                assessment_score: a.score,
                summary: a.summary.clone(),
                strengths: a.strengths.clone(),
                weaknesses: a.weaknesses.clone(),
            }),
            calls: report
                .detail
                .attempts
                .iter()
                .filter(|a| a.called_at.is_some())
                .map(|a| Call {
                    id: a.id.to_string(),
                    recording_url: a
                        .recording_key
                        .as_ref()
                        .map(|_| links.recording(i.company_id, i.id, a.id)),
                })
                .collect(),
            assessment_criteria: analysis
                .map(|a| {
                    a.criteria
                        .iter()
                        .map(|c| AssessmentCriterion {
                            name: c.name.clone(),
                            value: c.value.clone(),
                            commentary: Some(c.commentary.clone()),
                        })
                        .collect()
                })
                .unwrap_or_default(),
            data_extraction_fields: interactions::extraction_fields(analysis),
            custom_fields: custom(i.metadata.get("customFields")),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct InterviewData {
    pub interview: Interview,
}

/// `{data: {interview}}`.
#[derive(Serialize, ToSchema)]
#[schema(as = InterviewEnvelope)]
pub struct InterviewEnvelope {
    pub data: InterviewData,
}

/// The interview webhooks (`interview.call.completed`, `interview.advanced`,
/// `interview.rejected`): `{event_type, interview}`.
#[derive(Serialize)]
pub struct InterviewWebhook {
    pub event_type: &'static str,
    pub interview: Interview,
}

/// `{"success": true}`.
#[derive(Serialize, ToSchema)]
pub struct Success {
    pub success: bool,
}
