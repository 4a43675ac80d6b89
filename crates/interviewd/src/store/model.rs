//! Inputs and outputs of the store that are not core entities: filters, pages and the
//! multi-row write plans that must commit together.

use interviewd_domain::model::{Agent, CallAttempt, Candidate, Interview, Job};
use interviewd_domain::{AgentId, CandidateId, InterviewStatus, JobId, KeyId};

pub use interviewd_domain::views::{CandidateCounts, InterviewDetail, Page};

/// Which resource table an id refers to (for [`super::Store::owner_of`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ResourceKind {
    Job,
    Agent,
    Candidate,
    Interview,
    Webhook,
}

/// Which companies a listing covers.
#[derive(Clone, Debug)]
pub enum CompanyScope {
    /// Exactly one company (a company key).
    One(interviewd_domain::CompanyId),
    /// The companies an ATS key manages.
    ManagedBy(KeyId),
}

/// Filters of `GET /jobs`.
#[derive(Clone, Debug, Default)]
pub struct JobFilter {
    pub status: Option<String>,
}

/// Filters of `GET /candidates`.
#[derive(Clone, Debug, Default)]
pub struct CandidateFilter {
    pub job_id: Option<JobId>,
    pub status: Option<String>,
    /// Case-insensitive substring of first name, last name or e-mail.
    pub search: Option<String>,
}

/// Filters of `GET /interviews`.
#[derive(Clone, Debug, Default)]
pub struct InterviewFilter {
    pub candidate_id: Option<CandidateId>,
    pub agent_id: Option<AgentId>,
    pub job_id: Option<JobId>,
    pub status: Option<InterviewStatus>,
}

/// Everything scheduling an interview writes, committed in one transaction: an inline-created
/// job, agent or candidate (or an existing candidate's changes), the candidate's link to the
/// job, the interview, its first call attempt (phone interviews), its events and the invite
/// e-mail. Two conditions are checked inside the transaction: the company's invite quota,
/// and that the candidate has no open interview on the job yet.
#[derive(Clone, Debug)]
pub struct NewInterview {
    pub new_job: Option<Job>,
    pub new_agent: Option<Agent>,
    pub new_candidate: Option<Candidate>,
    /// An existing candidate whose changes commit with the interview.
    pub changed_candidate: Option<Candidate>,
    pub link_candidate_to_job: Option<(CandidateId, JobId)>,
    pub interview: Interview,
    pub first_attempt: Option<CallAttempt>,
    /// Events recorded in the same transaction (`interview.scheduled`).
    pub events: Vec<super::events::NewEvent>,
    /// The invite e-mail, queued in the same transaction.
    pub mail: Option<super::delivery::NewMail>,
    /// Only while the company has fewer open invites than this.
    pub quota: Option<i64>,
    /// Only when the candidate has no SCHEDULED or IN_PROGRESS interview on the job; otherwise
    /// the candidate's changes and link still commit, without an interview.
    pub unless_open_on_job: bool,
}

/// What [`super::Store::create_interview`] did.
// A one-shot return value, matched at once: boxing the interview would buy nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Clone, Debug)]
pub enum Created {
    /// The interview, with its number.
    Interview(Interview),
    /// The company's invite quota is used up; nothing was written.
    QuotaExhausted,
    /// The candidate already has an open interview on the job: only the candidate's changes
    /// and link were written.
    AlreadyOpen,
}

/// How a contact (candidate) is named: by id or by one of its unique identifiers (the
/// Alpharun `alt:ext_id:`, `alt:email:`, `alt:phone_number:` forms).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ContactKey {
    Id(CandidateId),
    ExtId(interviewd_domain::ExtId),
    Email(interviewd_domain::Email),
    Phone(interviewd_domain::PhoneNumber),
}
