//! The core entities, independent of dialect and storage. Attributes that no rule reads
//! (InstaView's salary, Alpharun's pay, …) travel in `attrs` so each dialect can keep its
//! own fields without widening the core.

use crate::contact::{Email, ExtId, PhoneNumber};
use crate::ids::{AgentId, AttemptId, CandidateId, CompanyId, InterviewId, JobId, KeyId};
use crate::scope::ScopeSet;
use crate::status::{AgentChannel, AttemptStatus, InterviewStatus, Plan};
use chrono::{DateTime, NaiveDate, Utc};
use serde_json::{Map, Value};

/// A free-form JSON object.
pub type Attrs = Map<String, Value>;

/// A tenant.
#[derive(Clone, Debug, PartialEq)]
pub struct Company {
    pub id: CompanyId,
    pub number: i64,
    pub name: String,
    pub description: Option<String>,
    pub owner_email: Option<Email>,
    pub metadata: Attrs,
    pub plan: Plan,
    /// When the plan last changed; Xobin's `NOT_ALLOWED` compares invites against it.
    pub plan_changed_at: Option<DateTime<Utc>>,
    pub concurrency_limit: u32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// Whether a key belongs to one company or to an ATS partner managing several.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeyKind {
    Company,
    Ats,
}

impl KeyKind {
    /// Storage spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            KeyKind::Company => "COMPANY",
            KeyKind::Ats => "ATS",
        }
    }
}

/// An API key as stored (the secret itself is never kept, only its hash).
#[derive(Clone, Debug, PartialEq)]
pub struct ApiKey {
    pub id: KeyId,
    pub name: Option<String>,
    /// The first characters of the secret, for recognising a key in listings.
    pub prefix: String,
    pub kind: KeyKind,
    pub company_id: Option<CompanyId>,
    pub scopes: ScopeSet,
    pub expires_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    /// For ATS keys: the companies it may act for.
    pub managed_companies: Vec<CompanyId>,
}

/// A position to interview for.
#[derive(Clone, Debug, PartialEq)]
pub struct Job {
    pub id: JobId,
    pub number: i64,
    pub company_id: CompanyId,
    pub title: String,
    pub description: Option<String>,
    pub status: String,
    pub required_skills: Vec<String>,
    pub nice_to_have_skills: Vec<String>,
    /// The agent that interviews for this job, when it has one of its own (an Alpharun job
    /// opening's job type, a Xobin AI interview's plan).
    pub agent_id: Option<AgentId>,
    pub attrs: Attrs,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl Job {
    /// A new open job of `company`, not stored yet (`number` 0).
    pub fn new(company_id: CompanyId, title: impl Into<String>, now: DateTime<Utc>) -> Self {
        Self {
            id: JobId::new(),
            number: 0,
            company_id,
            title: title.into(),
            description: None,
            status: "OPEN".into(),
            required_skills: Vec::new(),
            nice_to_have_skills: Vec::new(),
            agent_id: None,
            attrs: Attrs::new(),
            created_at: now,
            updated_at: now,
        }
    }
}

/// An AI interviewer configuration.
#[derive(Clone, Debug, PartialEq)]
pub struct Agent {
    pub id: AgentId,
    pub number: i64,
    pub company_id: CompanyId,
    pub name: String,
    pub channel: AgentChannel,
    pub focus: String,
    pub language: String,
    pub duration_minutes: u32,
    pub questions: Vec<String>,
    pub instructions: Option<String>,
    pub attrs: Attrs,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl Agent {
    /// The longest interview an agent may plan, in minutes (InstaView's create-agent page).
    pub const MAX_DURATION_MINUTES: u32 = 180;

    /// A new agent of `company`, not stored yet (`number` 0): a 15-minute English screening
    /// without questions of its own.
    pub fn new(
        company_id: CompanyId,
        name: impl Into<String>,
        channel: AgentChannel,
        now: DateTime<Utc>,
    ) -> Self {
        Self {
            id: AgentId::new(),
            number: 0,
            company_id,
            name: name.into(),
            channel,
            focus: "SCREENING".into(),
            language: "EN".into(),
            duration_minutes: 15,
            questions: Vec::new(),
            instructions: None,
            attrs: Attrs::new(),
            created_at: now,
            updated_at: now,
        }
    }
}

/// A person who can be interviewed.
#[derive(Clone, Debug, PartialEq)]
pub struct Candidate {
    pub id: CandidateId,
    pub number: i64,
    pub company_id: CompanyId,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub email: Option<Email>,
    pub phone: Option<PhoneNumber>,
    pub ext_id: Option<ExtId>,
    pub status: String,
    pub gdpr_expiry_date: Option<NaiveDate>,
    pub metadata: Attrs,
    pub custom_fields: Vec<Value>,
    pub job_ids: Vec<JobId>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl Candidate {
    /// "First Last", or `None` when the candidate has no name.
    pub fn full_name(&self) -> Option<String> {
        let name = [self.first_name.as_deref(), self.last_name.as_deref()]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(" ");
        Some(name).filter(|n| !n.is_empty())
    }

    /// A new candidate of `company` in status `APPLIED`, not stored yet (`number` 0), with
    /// no identifier or job yet.
    pub fn new(company_id: CompanyId, now: DateTime<Utc>) -> Self {
        Self {
            id: CandidateId::new(),
            number: 0,
            company_id,
            first_name: None,
            last_name: None,
            email: None,
            phone: None,
            ext_id: None,
            status: "APPLIED".into(),
            gdpr_expiry_date: None,
            metadata: Attrs::new(),
            custom_fields: Vec::new(),
            job_ids: Vec::new(),
            created_at: now,
            updated_at: now,
        }
    }

    /// Links the candidate to `job`, once.
    pub fn link_job(&mut self, job: JobId) {
        if !self.job_ids.contains(&job) {
            self.job_ids.push(job);
        }
    }

    /// Whether any of e-mail, phone and external id is set.
    pub fn has_identifier(&self) -> bool {
        self.email.is_some() || self.phone.is_some() || self.ext_id.is_some()
    }
}

/// The invite (web link) of an interview.
#[derive(Clone, Debug, PartialEq)]
pub struct Invite {
    pub token: String,
    pub sent_at: DateTime<Utc>,
    pub starts_at: Option<DateTime<Utc>>,
    pub expires_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
    pub custom_field_id: Option<String>,
}

/// One candidate × one job.
#[derive(Clone, Debug, PartialEq)]
pub struct Interview {
    pub id: InterviewId,
    pub number: i64,
    pub company_id: CompanyId,
    pub candidate_id: CandidateId,
    pub job_id: Option<JobId>,
    pub agent_id: AgentId,
    pub channel: AgentChannel,
    pub status: InterviewStatus,
    pub scheduled_at: DateTime<Utc>,
    pub started_at: Option<DateTime<Utc>>,
    pub finished_at: Option<DateTime<Utc>>,
    pub is_test: bool,
    pub metadata: Attrs,
    pub invite: Invite,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// One phone call or web session.
#[derive(Clone, Debug, PartialEq)]
pub struct CallAttempt {
    pub id: AttemptId,
    pub interview_id: InterviewId,
    pub company_id: CompanyId,
    pub status: AttemptStatus,
    pub direction: String,
    pub reason_code: Option<String>,
    pub notes: Option<String>,
    pub retry_number: u32,
    pub scheduled_at: DateTime<Utc>,
    pub called_at: Option<DateTime<Utc>>,
    pub ended_at: Option<DateTime<Utc>>,
    pub duration_ms: Option<i64>,
    pub recording_key: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}
