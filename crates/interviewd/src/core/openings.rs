//! The public interview link of a job opening (Alpharun's `interview_link`,
//! `{public_url}/i/{slug}`): anyone with the link may apply and take the opening's interview.
//!
//! Applying names the person (first and last name, e-mail) and, for a phone opening, a phone
//! number; it goes through the same scheduling as Alpharun's import: the contact is found by
//! e-mail or created, linked to the opening, and gets an interview with the opening's job
//! type — or, when they already have an open interview there, that one.
//!
//! The form is anonymous, so it never reveals or changes a contact the company already has:
//! a new person goes straight to their interview, while an e-mail address that is already a
//! contact gets the interview's link *by e-mail* and the page only says so. Whoever types
//! someone else's address learns nothing and changes nothing. An opening whose link access is
//! restricted takes only the contacts the company added; its public link is not found.

use super::candidates;
use super::catalog;
use super::error::CoreError;
use super::interviews::{self, CandidateWrite, Schedule, Scheduled};
use super::notices;
use crate::app::AppState;
use crate::store::ContactKey;
use crate::store::model::InterviewFilter;
use interviewd_domain::model::{Candidate, Job};
use interviewd_domain::{
    AgentChannel, Email, InterviewId, InterviewStatus, PageRequest, PhoneNumber,
};

/// An opening as its public page shows it.
#[derive(Clone, Debug)]
pub struct Opening {
    pub job: Job,
    /// The link's last segment.
    pub slug: String,
    pub company_name: String,
    /// The company's contact address.
    pub contact: Option<String>,
    /// The agent's language code.
    pub language: String,
    pub phone: bool,
    pub duration_minutes: u32,
}

/// What a person applying gives.
#[derive(Clone, Debug, Default)]
pub struct Application {
    pub first_name: String,
    pub last_name: String,
    pub email: String,
    pub phone: String,
}

/// The open (not restricted) opening behind `slug`, if any.
pub async fn by_link(state: &AppState, slug: &str) -> Result<Option<Opening>, CoreError> {
    let Some(job) = open_job(state, slug).await? else {
        return Ok(None);
    };
    let agent = catalog::agent_of(state, &job, "job type").await?;
    let company = state.store.get_company(job.company_id).await?;
    Ok(Some(Opening {
        company_name: company.as_ref().map(|c| c.name.clone()).unwrap_or_default(),
        contact: company
            .and_then(|c| c.owner_email)
            .map(|e| e.as_str().to_owned()),
        language: agent.language.clone(),
        phone: agent.channel == AgentChannel::Phone,
        duration_minutes: agent.duration_minutes,
        slug: slug.to_owned(),
        job,
    }))
}

async fn open_job(state: &AppState, slug: &str) -> Result<Option<Job>, CoreError> {
    if slug.len() > 64
        || !slug
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    {
        return Ok(None);
    }
    let job = state.store.job_by_link(slug).await?;
    Ok(job.filter(|j| {
        j.agent_id.is_some()
            && j.status != "CLOSED"
            && !j.attrs["opening"]["linkAccess"]["restricted"]
                .as_bool()
                .unwrap_or(false)
    }))
}

/// Where an application leads.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Applied {
    /// A new contact: straight to this invite link.
    Start(String),
    /// A known contact: the link was e-mailed to them.
    Mailed,
}

/// Applies to the opening behind `slug`.
pub async fn apply(state: &AppState, slug: &str, a: &Application) -> Result<Applied, CoreError> {
    let job = open_job(state, slug)
        .await?
        .ok_or_else(|| CoreError::not_found("job opening", slug))?;
    let agent = catalog::agent_of(state, &job, "job type").await?;
    let email = Email::parse(a.email.trim()).map_err(|e| CoreError::invalid_value("email", e))?;
    let first = super::validate::text("first_name", &a.first_name, 1, 100)?;
    let last = super::validate::opt_text("last_name", Some(&a.last_name), 100)?;
    let phone = match a.phone.trim() {
        "" if agent.channel == AgentChannel::Phone => {
            return Err(CoreError::invalid("phone", "this interview is by phone"));
        }
        "" => None,
        raw => Some(PhoneNumber::parse(raw).map_err(|e| CoreError::invalid_value("phone", e))?),
    };
    let company = job.company_id;
    let now = state.now();
    let existing = candidates::find(state, company, &ContactKey::Email(email.clone())).await?;
    let (write, known) = match existing {
        Some(c) => (CandidateWrite::Existing(c), true),
        None => {
            let mut c = Candidate::new(company, now);
            c.first_name = Some(first);
            c.last_name = last;
            c.email = Some(email);
            c.phone = phone;
            (CandidateWrite::New(c), false)
        }
    };
    let candidate = write.candidate().clone();
    let mut cmd = Schedule::new(company, write, agent, now);
    cmd.job = Some(job.id);
    cmd.unless_open_on_job = true;
    match interviews::schedule(state, cmd).await? {
        Scheduled::Created(_) if known => Ok(Applied::Mailed),
        Scheduled::Created(interview) => {
            Ok(Applied::Start(interviews::invite_link(state, &interview)))
        }
        Scheduled::AlreadyOpen => {
            let link = open_link(state, company, candidate.id, &job).await?;
            if known {
                remind(state, &candidate, &job, &link).await?;
                Ok(Applied::Mailed)
            } else {
                Ok(Applied::Start(link.1))
            }
        }
        Scheduled::QuotaExhausted => Err(CoreError::InvalidState(
            "this opening takes no more interviews now".into(),
        )),
    }
}

/// E-mails a known contact the link of their open interview on the opening.
async fn remind(
    state: &AppState,
    candidate: &Candidate,
    job: &Job,
    link: &(InterviewId, String),
) -> Result<(), CoreError> {
    let Some(to) = candidate.email.as_ref() else {
        return Ok(());
    };
    let company = state.store.get_company(job.company_id).await?;
    let company_name = company.as_ref().map(|c| c.name.clone()).unwrap_or_default();
    let contact = company.and_then(|c| c.owner_email);
    let name = candidates::full_name(candidate);
    let content = notices::Invite {
        candidate_name: name.as_deref(),
        job_title: Some(&job.title),
        company_name: &company_name,
        invite_link: &link.1,
        starts_at: None,
        expires_at: None,
        contact: contact.as_ref().map(|e| e.as_str()),
    };
    let mail = notices::invite_mail(job.company_id, link.0, to.as_str(), &content, state.now());
    state.store.enqueue_mail(&mail).await?;
    state.wakers.mail();
    Ok(())
}

/// The invite link of the candidate's open interview on the job.
async fn open_link(
    state: &AppState,
    company: interviewd_domain::CompanyId,
    candidate: interviewd_domain::CandidateId,
    job: &Job,
) -> Result<(InterviewId, String), CoreError> {
    let filter = InterviewFilter {
        candidate_id: Some(candidate),
        job_id: Some(job.id),
        ..InterviewFilter::default()
    };
    let page = PageRequest { page: 1, limit: 50 };
    let page = interviews::list(state, company, &filter, page).await?;
    page.items
        .iter()
        .map(|d| &d.interview)
        .find(|i| {
            matches!(
                i.status,
                InterviewStatus::Scheduled | InterviewStatus::InProgress
            )
        })
        .map(|i| (i.id, interviews::invite_link(state, i)))
        // Removed since the create found it open: gone, as if the request came a moment later.
        .ok_or_else(|| CoreError::not_found("interview", ""))
}
