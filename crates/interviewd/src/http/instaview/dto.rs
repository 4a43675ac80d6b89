//! InstaView wire objects (responses). Field names and shapes follow the vendor's object
//! models; the core entity is mapped here and nowhere else.

use crate::store::{CandidateCounts, InterviewDetail};
use interviewd_domain::model::{Agent, Attrs, CallAttempt, Candidate, Company, Job};
use interviewd_domain::time::rfc3339;
use serde::Serialize;
use serde_json::Value;

fn ts(t: chrono::DateTime<chrono::Utc>) -> String {
    rfc3339(t)
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CompanyDto {
    id: String,
    name: String,
    description: Option<String>,
    metadata: Attrs,
    owner_email: Option<String>,
    plan: &'static str,
    plan_changed_at: Option<String>,
    concurrency_limit: u32,
    created_at: String,
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

/// A job: core fields plus the InstaView attributes kept in `attrs`.
pub fn job(j: &Job) -> Value {
    let mut out = serde_json::Map::new();
    out.insert("id".into(), j.id.to_string().into());
    out.insert("companyId".into(), j.company_id.to_string().into());
    out.insert("title".into(), j.title.clone().into());
    out.insert("description".into(), j.description.clone().into());
    out.insert("status".into(), j.status.clone().into());
    out.insert("requiredSkills".into(), j.required_skills.clone().into());
    out.insert(
        "niceToHaveSkills".into(),
        j.nice_to_have_skills.clone().into(),
    );
    for key in super::jobs::ATTR_FIELDS {
        out.insert(
            (*key).into(),
            j.attrs.get(*key).cloned().unwrap_or(Value::Null),
        );
    }
    if !out.get("metadata").is_some_and(Value::is_object) {
        out.insert("metadata".into(), Value::Object(Default::default()));
    }
    out.insert("createdAt".into(), ts(j.created_at).into());
    out.insert("updatedAt".into(), ts(j.updated_at).into());
    Value::Object(out)
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AgentDto {
    id: String,
    company_id: String,
    name: String,
    #[serde(rename = "type")]
    kind: &'static str,
    focus: String,
    language: String,
    duration: u32,
    questions: Vec<String>,
    instructions: Option<String>,
    voice_id: Value,
    company_phone_number_id: Value,
    cefr_level: Value,
    created_at: String,
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
            created_at: ts(a.created_at),
            updated_at: ts(a.updated_at),
        }
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CandidateDto {
    id: String,
    company_id: String,
    first_name: Option<String>,
    last_name: Option<String>,
    email: Option<String>,
    phone_number: Option<String>,
    status: String,
    job_id: Option<String>,
    job_ids: Vec<String>,
    gdpr_expiry_date: Option<String>,
    overall_rating: Option<f64>,
    metadata: Attrs,
    analysis_count: i64,
    interview_count: i64,
    links: Value,
    created_at: String,
    updated_at: String,
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
            overall_rating: None,
            metadata,
            analysis_count: counts.analyses,
            interview_count: counts.interviews,
            links: serde_json::json!({
                "analyses": format!("/v1/candidates/{}/analyses", c.id),
                "interviews": format!("/v1/interviews?candidateId={}", c.id),
            }),
            created_at: ts(c.created_at),
            updated_at: ts(c.updated_at),
        }
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AttemptDto {
    id: String,
    direction: String,
    status: &'static str,
    reason_code: Option<String>,
    notes: Option<String>,
    retry_number: u32,
    recording_url: Option<String>,
    duration: Option<i64>,
    scheduled_at: String,
    called_at: Option<String>,
    ended_at: Option<String>,
}

impl AttemptDto {
    pub fn new(a: &CallAttempt, public_url: &str) -> Self {
        Self {
            id: a.id.to_string(),
            direction: a.direction.clone(),
            status: a.status.as_str(),
            reason_code: a.reason_code.clone(),
            notes: a.notes.clone(),
            retry_number: a.retry_number,
            recording_url: a.recording_key.as_ref().map(|_| {
                format!(
                    "{public_url}/v1/interviews/{}/call-attempts/{}/recording",
                    a.interview_id, a.id
                )
            }),
            duration: a.duration_ms.map(|ms| (ms + 999) / 1000),
            scheduled_at: ts(a.scheduled_at),
            called_at: a.called_at.map(ts),
            ended_at: a.ended_at.map(ts),
        }
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct InterviewDto {
    id: String,
    company_id: String,
    candidate_id: String,
    agent_id: String,
    job_id: Option<String>,
    #[serde(rename = "type")]
    kind: &'static str,
    status: &'static str,
    is_test: bool,
    scheduled_at: String,
    started_at: Option<String>,
    finished_date: Option<String>,
    duration_minutes: Option<i64>,
    invite_url: String,
    metadata: Attrs,
    call_attempts: Vec<AttemptDto>,
    analysis: Value,
    transcript: Value,
    created_at: String,
    updated_at: String,
}

impl InterviewDto {
    pub fn new(d: &InterviewDetail, public_url: &str) -> Self {
        let i = &d.interview;
        let total_ms: i64 = d.attempts.iter().filter_map(|a| a.duration_ms).sum();
        Self {
            id: i.id.to_string(),
            company_id: i.company_id.to_string(),
            candidate_id: i.candidate_id.to_string(),
            agent_id: i.agent_id.to_string(),
            job_id: i.job_id.map(|j| j.to_string()),
            kind: i.channel.as_str(),
            status: i.status.as_str(),
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
                .map(|a| AttemptDto::new(a, public_url))
                .collect(),
            analysis: Value::Null,
            transcript: Value::Null,
            created_at: ts(i.created_at),
            updated_at: ts(i.updated_at),
        }
    }

    /// Adds the transcript (`[{role, text, startMs, endMs}]`) and the analysis (the scorer's
    /// fields, plus InstaView's `general` block with `overallRating` 0–100).
    pub fn with_results(mut self, results: &crate::store::engine::InterviewResults) -> Self {
        use crate::engine::payload::{analysis_json, transcript_json};
        if !results.transcript.is_empty() {
            self.transcript = transcript_json(&results.transcript);
        }
        if let Some(stored) = &results.analysis {
            let a = &stored.analysis;
            let mut out = analysis_json(a);
            out["id"] = stored.id.to_string().into();
            out["callAttemptId"] = stored.attempt_id.to_string().into();
            out["createdAt"] = ts(stored.created_at).into();
            out["general"] = serde_json::json!({
                "overallRating": u32::from(a.score) * 20,
                "strongPoints": a.strengths,
                "weakPoints": a.weaknesses,
                "evaluation": out["criteria"].clone(),
                "createdAt": ts(stored.created_at),
                "updatedAt": ts(stored.created_at),
            });
            self.analysis = out;
        }
        self
    }
}
