//! Row shapes shared by the SQL backends and their conversion into core entities.
//! Both backends store the same column types (UUIDs, BIGINT milliseconds, TEXT JSON), so
//! one set of row structs serves both.

use super::StoreError;
use interviewd_domain::model::{
    Agent, ApiKey, Attrs, CallAttempt, Candidate, Company, Interview, Invite, Job, KeyKind,
};
use interviewd_domain::time::from_millis;
use interviewd_domain::{Email, ExtId, PhoneNumber, ScopeSet};
use serde::de::DeserializeOwned;
use uuid::Uuid;

fn json<T: DeserializeOwned>(text: &str, column: &str) -> Result<T, StoreError> {
    serde_json::from_str(text)
        .map_err(|e| StoreError::Internal(format!("bad JSON in {column}: {e}")))
}

pub(crate) fn parse<T: std::str::FromStr<Err = String>>(
    text: &str,
    column: &str,
) -> Result<T, StoreError> {
    text.parse()
        .map_err(|e| StoreError::Internal(format!("bad {column}: {e}")))
}

fn opt_time(ms: Option<i64>) -> Option<chrono::DateTime<chrono::Utc>> {
    ms.map(from_millis)
}

/// Serialises a JSON value for a TEXT column.
pub fn to_json<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_string(value).unwrap_or_else(|_| "null".to_owned())
}

#[derive(sqlx::FromRow)]
pub struct CompanyRow {
    pub id: Uuid,
    pub number: i64,
    pub name: String,
    pub description: Option<String>,
    pub owner_email: Option<String>,
    pub metadata: String,
    pub plan: String,
    pub plan_changed_at: Option<i64>,
    pub concurrency_limit: i64,
    pub created_at: i64,
    pub updated_at: i64,
}

impl TryFrom<CompanyRow> for Company {
    type Error = StoreError;
    fn try_from(r: CompanyRow) -> Result<Self, StoreError> {
        Ok(Company {
            id: r.id.into(),
            number: r.number,
            name: r.name,
            description: r.description,
            owner_email: r.owner_email.map(Email::from_trusted),
            metadata: json(&r.metadata, "companies.metadata")?,
            plan: parse(&r.plan, "companies.plan")?,
            plan_changed_at: opt_time(r.plan_changed_at),
            concurrency_limit: u32::try_from(r.concurrency_limit).unwrap_or(1),
            created_at: from_millis(r.created_at),
            updated_at: from_millis(r.updated_at),
        })
    }
}

#[derive(sqlx::FromRow)]
pub struct KeyRow {
    pub id: Uuid,
    pub name: Option<String>,
    pub prefix: String,
    pub secret_hash: Vec<u8>,
    pub kind: String,
    pub company_id: Option<Uuid>,
    pub scopes: String,
    pub expires_at: Option<i64>,
    pub revoked_at: Option<i64>,
    pub created_at: i64,
}

impl KeyRow {
    /// The key with its managed companies (for ATS keys).
    pub fn into_key(self, managed: Vec<Uuid>) -> Result<(ApiKey, Vec<u8>), StoreError> {
        let kind = if self.kind == "ATS" {
            KeyKind::Ats
        } else {
            KeyKind::Company
        };
        let scopes = ScopeSet::parse_list(&self.scopes).unwrap_or_default();
        let key = ApiKey {
            id: self.id.into(),
            name: self.name,
            prefix: self.prefix,
            kind,
            company_id: self.company_id.map(Into::into),
            scopes,
            expires_at: opt_time(self.expires_at),
            revoked_at: opt_time(self.revoked_at),
            created_at: from_millis(self.created_at),
            managed_companies: managed.into_iter().map(Into::into).collect(),
        };
        Ok((key, self.secret_hash))
    }
}

/// The attribute a job's agent is stored under.
const JOB_AGENT_ATTR: &str = "agentId";

/// A job's stored attributes: its `attrs` with its agent.
pub fn job_attrs(job: &Job) -> Attrs {
    let mut attrs = job.attrs.clone();
    if let Some(agent) = job.agent_id {
        attrs.insert(JOB_AGENT_ATTR.into(), agent.to_string().into());
    }
    attrs
}

#[derive(sqlx::FromRow)]
pub struct JobRow {
    pub id: Uuid,
    pub number: i64,
    pub company_id: Uuid,
    pub title: String,
    pub description: Option<String>,
    pub status: String,
    pub required_skills: String,
    pub nice_to_have_skills: String,
    pub attrs: String,
    pub created_at: i64,
    pub updated_at: i64,
}

impl TryFrom<JobRow> for Job {
    type Error = StoreError;
    fn try_from(r: JobRow) -> Result<Self, StoreError> {
        let mut attrs = json::<Attrs>(&r.attrs, "jobs.attrs")?;
        // The agent is stored among the attributes (`agentId`), typed once read.
        let agent_id = attrs
            .remove(JOB_AGENT_ATTR)
            .and_then(|v| v.as_str().and_then(|s| s.parse().ok()));
        Ok(Job {
            id: r.id.into(),
            number: r.number,
            company_id: r.company_id.into(),
            title: r.title,
            description: r.description,
            status: r.status,
            required_skills: json(&r.required_skills, "jobs.required_skills")?,
            nice_to_have_skills: json(&r.nice_to_have_skills, "jobs.nice_to_have_skills")?,
            agent_id,
            attrs,
            created_at: from_millis(r.created_at),
            updated_at: from_millis(r.updated_at),
        })
    }
}

#[derive(sqlx::FromRow)]
pub struct AgentRow {
    pub id: Uuid,
    pub number: i64,
    pub company_id: Uuid,
    pub name: String,
    pub channel: String,
    pub focus: String,
    pub language: String,
    pub duration_minutes: i64,
    pub questions: String,
    pub instructions: Option<String>,
    pub attrs: String,
    pub created_at: i64,
    pub updated_at: i64,
}

impl TryFrom<AgentRow> for Agent {
    type Error = StoreError;
    fn try_from(r: AgentRow) -> Result<Self, StoreError> {
        Ok(Agent {
            id: r.id.into(),
            number: r.number,
            company_id: r.company_id.into(),
            name: r.name,
            channel: parse(&r.channel, "agents.channel")?,
            focus: r.focus,
            language: r.language,
            duration_minutes: u32::try_from(r.duration_minutes).unwrap_or(0),
            questions: json(&r.questions, "agents.questions")?,
            instructions: r.instructions,
            attrs: json(&r.attrs, "agents.attrs")?,
            created_at: from_millis(r.created_at),
            updated_at: from_millis(r.updated_at),
        })
    }
}

#[derive(sqlx::FromRow)]
pub struct CandidateRow {
    pub id: Uuid,
    pub number: i64,
    pub company_id: Uuid,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub ext_id: Option<String>,
    pub status: String,
    pub gdpr_expiry_date: Option<String>,
    pub metadata: String,
    pub custom_fields: String,
    pub created_at: i64,
    pub updated_at: i64,
}

impl CandidateRow {
    /// The candidate with its job links.
    pub fn into_candidate(self, job_ids: Vec<Uuid>) -> Result<Candidate, StoreError> {
        Ok(Candidate {
            id: self.id.into(),
            number: self.number,
            company_id: self.company_id.into(),
            first_name: self.first_name,
            last_name: self.last_name,
            email: self.email.map(Email::from_trusted),
            phone: self.phone.map(PhoneNumber::from_trusted),
            ext_id: self.ext_id.map(ExtId::from_trusted),
            status: self.status,
            gdpr_expiry_date: self
                .gdpr_expiry_date
                .and_then(|d| chrono::NaiveDate::parse_from_str(&d, "%Y-%m-%d").ok()),
            metadata: json(&self.metadata, "candidates.metadata")?,
            custom_fields: json(&self.custom_fields, "candidates.custom_fields")?,
            job_ids: job_ids.into_iter().map(Into::into).collect(),
            created_at: from_millis(self.created_at),
            updated_at: from_millis(self.updated_at),
        })
    }
}

#[derive(sqlx::FromRow)]
pub struct InterviewRow {
    pub id: Uuid,
    pub number: i64,
    pub company_id: Uuid,
    pub candidate_id: Uuid,
    pub job_id: Option<Uuid>,
    pub agent_id: Uuid,
    pub channel: String,
    pub status: String,
    pub scheduled_at: i64,
    pub started_at: Option<i64>,
    pub finished_at: Option<i64>,
    pub is_test: bool,
    pub metadata: String,
    pub invite_token: String,
    pub invite_sent_at: i64,
    pub invite_starts_at: Option<i64>,
    pub invite_expires_at: Option<i64>,
    pub invite_revoked_at: Option<i64>,
    pub custom_field_id: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
}

impl TryFrom<InterviewRow> for Interview {
    type Error = StoreError;
    fn try_from(r: InterviewRow) -> Result<Self, StoreError> {
        Ok(Interview {
            id: r.id.into(),
            number: r.number,
            company_id: r.company_id.into(),
            candidate_id: r.candidate_id.into(),
            job_id: r.job_id.map(Into::into),
            agent_id: r.agent_id.into(),
            channel: parse(&r.channel, "interviews.channel")?,
            status: parse(&r.status, "interviews.status")?,
            scheduled_at: from_millis(r.scheduled_at),
            started_at: opt_time(r.started_at),
            finished_at: opt_time(r.finished_at),
            is_test: r.is_test,
            metadata: json(&r.metadata, "interviews.metadata")?,
            invite: Invite {
                token: r.invite_token,
                sent_at: from_millis(r.invite_sent_at),
                starts_at: opt_time(r.invite_starts_at),
                expires_at: opt_time(r.invite_expires_at),
                revoked_at: opt_time(r.invite_revoked_at),
                custom_field_id: r.custom_field_id,
            },
            created_at: from_millis(r.created_at),
            updated_at: from_millis(r.updated_at),
        })
    }
}

#[derive(sqlx::FromRow)]
pub struct AttemptRow {
    pub id: Uuid,
    pub interview_id: Uuid,
    pub company_id: Uuid,
    pub status: String,
    pub direction: String,
    pub reason_code: Option<String>,
    pub notes: Option<String>,
    pub retry_number: i64,
    pub scheduled_at: i64,
    pub called_at: Option<i64>,
    pub ended_at: Option<i64>,
    pub duration_ms: Option<i64>,
    pub recording_key: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
}

impl TryFrom<AttemptRow> for CallAttempt {
    type Error = StoreError;
    fn try_from(r: AttemptRow) -> Result<Self, StoreError> {
        Ok(CallAttempt {
            id: r.id.into(),
            interview_id: r.interview_id.into(),
            company_id: r.company_id.into(),
            status: parse(&r.status, "call_attempts.status")?,
            direction: r.direction,
            reason_code: r.reason_code,
            notes: r.notes,
            retry_number: u32::try_from(r.retry_number).unwrap_or(0),
            scheduled_at: from_millis(r.scheduled_at),
            called_at: opt_time(r.called_at),
            ended_at: opt_time(r.ended_at),
            duration_ms: r.duration_ms,
            recording_key: r.recording_key,
            created_at: from_millis(r.created_at),
            updated_at: from_millis(r.updated_at),
        })
    }
}

// Column lists, kept next to the row structs they must match (macros, so that SQL built
// with `concat!` stays a `&'static str`).

macro_rules! company_cols {
    () => {
        "id, number, name, description, owner_email, metadata, plan, plan_changed_at, concurrency_limit, created_at, updated_at"
    };
}

macro_rules! key_cols {
    () => {
        "id, name, prefix, secret_hash, kind, company_id, scopes, expires_at, revoked_at, created_at"
    };
}

macro_rules! job_cols {
    () => {
        "id, number, company_id, title, description, status, required_skills, nice_to_have_skills, attrs, created_at, updated_at"
    };
}

macro_rules! agent_cols {
    () => {
        "id, number, company_id, name, channel, focus, language, duration_minutes, questions, instructions, attrs, created_at, updated_at"
    };
}

macro_rules! candidate_cols {
    () => {
        "id, number, company_id, first_name, last_name, email, phone, ext_id, status, gdpr_expiry_date, metadata, custom_fields, created_at, updated_at"
    };
}

macro_rules! interview_cols {
    () => {
        "id, number, company_id, candidate_id, job_id, agent_id, channel, status, scheduled_at, started_at, finished_at, is_test, metadata, invite_token, invite_sent_at, invite_starts_at, invite_expires_at, invite_revoked_at, custom_field_id, created_at, updated_at"
    };
}

macro_rules! attempt_cols {
    () => {
        "id, interview_id, company_id, status, direction, reason_code, notes, retry_number, scheduled_at, called_at, ended_at, duration_ms, recording_key, created_at, updated_at"
    };
}

pub(crate) use {
    agent_cols, attempt_cols, candidate_cols, company_cols, interview_cols, job_cols, key_cols,
};
