//! Schemas of Alpharun bodies that the handlers build with `json!` (the `{data: …}`
//! envelopes and the objects inside them), and helpers for Alpharun request fields.
#![allow(dead_code)] // Schema-only types: never built, only described.

use super::schemas::WS;
use serde_json::Value;
use utoipa::openapi::schema::{ObjectBuilder, OneOfBuilder, Schema, SchemaType, Type};
use utoipa::openapi::{Ref, RefOr};
use utoipa::{PartialSchema, ToSchema};

/// A custom field of a contact.
#[derive(ToSchema)]
pub struct ContactCustomField {
    key: String,
    value: String,
    /// Always `text`.
    #[schema(rename = "type")]
    kind: String,
    /// The key.
    display_name: String,
}

/// A contact (`ContactResponse`).
#[derive(ToSchema)]
#[schema(as = Contact)]
pub struct ArContact {
    #[schema(format = "uuid")]
    id: String,
    #[schema(required = true)]
    email: Option<String>,
    /// E.164.
    #[schema(required = true)]
    phone_number: Option<String>,
    #[schema(required = true)]
    ext_id: Option<String>,
    #[schema(required = true)]
    first_name: Option<String>,
    #[schema(required = true)]
    last_name: Option<String>,
    custom_fields: Vec<ContactCustomField>,
}

#[derive(ToSchema)]
pub struct ContactsData {
    contacts: Vec<ArContact>,
}

/// A page of contacts, in creation order.
#[derive(ToSchema)]
pub struct ContactList {
    data: ContactsData,
    /// The next page's `cursor`; `null` at the end.
    #[schema(required = true)]
    next_cursor: Option<String>,
}

/// The outcome of adding candidates to job openings.
#[derive(ToSchema)]
pub struct ImportResult {
    successful_imports_count: u64,
    failed_imports_count: u64,
    /// The items that failed, as sent.
    #[schema(value_type = Vec<Value>)]
    failed_contacts: Value,
}

/// The answer to `POST /contacts`: the contact (object body) or the import outcome (array).
pub struct ContactOrImport;

impl utoipa::PartialSchema for ContactOrImport {
    fn schema() -> RefOr<Schema> {
        OneOfBuilder::new()
            .item(Ref::from_schema_name(ArContact::name()))
            .item(Ref::from_schema_name(ImportResult::name()))
            .into()
    }
}

impl ToSchema for ContactOrImport {
    fn schemas(schemas: &mut Vec<(String, RefOr<Schema>)>) {
        schemas.push((ArContact::name().into_owned(), ArContact::schema()));
        <ArContact as ToSchema>::schemas(schemas);
        schemas.push((ImportResult::name().into_owned(), ImportResult::schema()));
        <ImportResult as ToSchema>::schemas(schemas);
    }
}

/// A job type (`JobTypeResponse`).
#[derive(ToSchema)]
pub struct JobType {
    #[schema(format = "uuid")]
    id: String,
    name: String,
    job_description: String,
    #[schema(required = true)]
    ai_interviewer_guidance: Option<String>,
    /// The bullet lines of the description (at most 10).
    qualifications: Vec<String>,
    /// `after_interview`, `before_interview` or `null`.
    #[schema(required = true)]
    resume_collection_type: Option<String>,
    should_force_fullscreen: bool,
    should_record_video: bool,
}

#[derive(ToSchema)]
pub struct JobTypeData {
    job_type: JobType,
}

/// `{data: {job_type}}`.
#[derive(ToSchema)]
pub struct JobTypeEnvelope {
    data: JobTypeData,
}

#[derive(ToSchema)]
pub struct JobTypeRef {
    #[schema(required = true, format = "uuid")]
    id: Option<String>,
}

#[derive(ToSchema)]
pub struct LinkAccess {
    restricted: bool,
}

/// A job opening; the create answer carries only `id`, `interview_link` and `job_type`.
#[derive(ToSchema)]
pub struct JobOpening {
    #[schema(format = "uuid")]
    id: String,
    name: Option<String>,
    location: Option<String>,
    pay: Option<String>,
    hours: Option<String>,
    owner_emails: Option<Vec<String>>,
    link_access: Option<LinkAccess>,
    #[schema(format = "uri")]
    interview_link: String,
    job_type: JobTypeRef,
}

#[derive(ToSchema)]
pub struct JobOpeningData {
    job_opening: JobOpening,
}

/// `{data: {job_opening}}`.
#[derive(ToSchema)]
pub struct JobOpeningEnvelope {
    data: JobOpeningData,
}

#[derive(ToSchema)]
pub struct OpeningRef {
    #[schema(format = "uuid")]
    id: String,
    name: String,
}

/// The contact as an interview shows it.
#[derive(ToSchema)]
pub struct InterviewContact {
    first_name: Option<String>,
    last_name: Option<String>,
    email: Option<String>,
    phone_number: Option<String>,
    /// Always `null`: resumes are not stored.
    #[schema(schema_with = super::null_schema)]
    resume_url: Option<String>,
    custom_fields: Vec<ContactCustomField>,
}

#[derive(ToSchema)]
pub struct TranscriptFragment {
    /// `agent` or `participant`.
    role: String,
    transcript: String,
}

#[derive(ToSchema)]
pub struct Insights {
    /// 1–5.
    assessment_score: u8,
    summary: String,
    strengths: Vec<String>,
    weaknesses: Vec<String>,
}

#[derive(ToSchema)]
pub struct Call {
    #[schema(format = "uuid")]
    id: String,
    #[schema(required = true)]
    recording_url: Option<String>,
}

#[derive(ToSchema)]
pub struct AssessmentCriterion {
    name: String,
    #[schema(value_type = Value)]
    value: Value,
    #[schema(required = true)]
    commentary: Option<String>,
}

/// An interview of a contact on a job opening.
#[derive(ToSchema)]
pub struct ArInterview {
    #[schema(format = "uuid")]
    id: String,
    #[schema(format = "uuid")]
    job_opening_id: String,
    job_opening: OpeningRef,
    /// `in_progress`, `completed`, `failed` or `canceled`.
    status: String,
    contact: InterviewContact,
    #[schema(required = true, format = DateTime)]
    started_at: Option<String>,
    #[schema(required = true, format = DateTime)]
    completed_at: Option<String>,
    transcript_fragments: Vec<TranscriptFragment>,
    /// Once the interview is completed.
    #[schema(required = true)]
    insights: Option<Insights>,
    calls: Vec<Call>,
    assessment_criteria: Vec<AssessmentCriterion>,
    #[schema(value_type = Vec<Value>)]
    data_extraction_fields: Value,
    #[schema(value_type = Vec<Value>)]
    custom_fields: Value,
}

#[derive(ToSchema)]
pub struct InterviewData {
    interview: ArInterview,
}

/// `{data: {interview}}`.
#[derive(ToSchema)]
pub struct InterviewEnvelope {
    data: InterviewData,
}

/// `{"success": true}`.
#[derive(ToSchema)]
pub struct Success {
    success: bool,
}

/// A phone number as a string or a JSON number (digits of an international number), or
/// `null`.
pub fn ar_phone() -> RefOr<Schema> {
    OneOfBuilder::new()
        .item(ObjectBuilder::new().schema_type(SchemaType::Array(vec![Type::String, Type::Null])))
        .item(
            ObjectBuilder::new()
                .schema_type(Type::Integer)
                .minimum(Some(0)),
        )
        .into()
}

/// An external id: 1–255 characters after trimming, no control characters at all.
pub fn ar_ext_id() -> RefOr<Schema> {
    let c = "\\x00-\\x1F\\x7F-\\x9F";
    let edge = format!("[^{WS}{c}]");
    ObjectBuilder::new()
        .schema_type(SchemaType::Array(vec![Type::String, Type::Null]))
        .pattern(Some(format!(
            "^[{WS}]*{edge}([^{c}]{{0,253}}{edge})?[{WS}]*$"
        )))
        .into()
}

/// `resume_collection_type`: exactly `after_interview` or `before_interview`, or `null`.
pub fn ar_resume_collection() -> RefOr<Schema> {
    ObjectBuilder::new()
        .schema_type(SchemaType::Array(vec![Type::String, Type::Null]))
        .pattern(Some("^(after_interview|before_interview)$"))
        .into()
}
