//! Schemas of Xobin bodies that the handlers build field by field (`report.rs`).
#![allow(dead_code)] // Schema-only types: never built, only described.

use super::schemas::WS;
use std::collections::BTreeMap;
use utoipa::ToSchema;
use utoipa::openapi::RefOr;
use utoipa::openapi::schema::{ObjectBuilder, Schema, SchemaType, Type};

/// `invite_format`: `getlink` or `sendlink` in any ASCII case, surrounding whitespace ignored.
pub fn xobin_invite_format() -> RefOr<Schema> {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .pattern(Some(format!(
            "^[{WS}]*([gG][eE][tT]|[sS][eE][nN][dD])[lL][iI][nN][kK][{WS}]*$"
        )))
        .into()
}

/// `start_date` / `expiry_date`: `YYYY-MM-DD HH:MM` in GMT (`:SS` and a `T` separator
/// accepted), blank, or `null`.
pub fn xobin_gmt_date() -> RefOr<Schema> {
    let date = "[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])";
    let time = "([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9])?";
    ObjectBuilder::new()
        .schema_type(SchemaType::Array(vec![Type::String, Type::Null]))
        .pattern(Some(format!("^[{WS}]*({date}[ T]{time})?[{WS}]*$")))
        .into()
}

/// A response's report. The first eight fields are always present; the others once the
/// interview is completed.
#[derive(ToSchema)]
#[schema(as = Report)]
pub struct XobinReport {
    #[schema(required = true)]
    ai_interview_id: Option<i64>,
    #[schema(required = true)]
    ai_interview_name: Option<String>,
    #[schema(required = true)]
    candidate_email: Option<String>,
    #[schema(required = true)]
    candidate_id: Option<i64>,
    /// First and last name, else the e-mail.
    #[schema(required = true)]
    candidate_name: Option<String>,
    #[schema(required = true)]
    custom_field_id: Option<String>,
    /// `Pending`, `Started`, `Completed`, `Expired`, `Revoked`, `Failed` or `Cancelled`.
    invite_status: String,
    response_id: i64,
    /// The analysis summary.
    candidate_summary: Option<String>,
    /// When the interview finished (`Jul 05, 2025, 4:42:45 AM`, UTC).
    completed_date: Option<String>,
    /// Always `null`: no proctoring signal is measured.
    #[schema(schema_with = super::null_schema)]
    integrity_score: Option<f64>,
    /// Always `null`: no PDF is produced.
    #[schema(schema_with = super::null_schema)]
    pdf_link: Option<String>,
    /// `Recommended`, `Consider` or `Not Recommended`.
    recommendation: Option<String>,
    /// The score as a percentage (20–100).
    #[schema(minimum = 0, maximum = 100)]
    score: Option<u32>,
    /// This report's URL.
    #[schema(format = "uri")]
    report_link: Option<String>,
    /// `{session1: url, …}`: the recordings (the InstaView recording endpoint; needs a key).
    interview_recording: Option<BTreeMap<String, String>>,
    skill_wise_scores: Option<SkillWiseScores>,
    /// The transcript.
    conversation: Option<Vec<Turn>>,
}

/// The job's skills with the analysis' score for each.
#[derive(ToSchema)]
pub struct SkillWiseScores {
    must_haves: Vec<SkillScore>,
    nice_to_haves: Vec<SkillScore>,
}

/// One skill's score (0 when the analysis did not judge it).
#[derive(ToSchema)]
pub struct SkillScore {
    #[schema(minimum = 0, maximum = 100)]
    score: u32,
    skill_name: String,
}

/// One turn of the conversation.
#[derive(ToSchema)]
pub struct Turn {
    content: String,
    /// `text` (web interviews) or `voice` (phone).
    mode: String,
    /// `interviewer` or `candidate`.
    role: String,
    #[schema(format = DateTime)]
    timestamp: String,
}
