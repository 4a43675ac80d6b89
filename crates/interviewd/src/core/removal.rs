//! The three removal operations of the seeds, the erasure of a person, and InstaView's
//! candidate and job deletions (which keep the interviews), for every surface. Each resolves what it removes in the acting company, then hands the
//! one deletion path ([`crate::store::Store::remove_interviews`]) or the revoke
//! ([`crate::store::Store::revoke_invite`], decided by
//! [`interviewd_domain::removal::decide_revoke`]) a request that it applies in one
//! transaction. `docs/removal.md` has the behaviour for each status.

use super::CoreError;
use super::notices::{Revocation, revocation_mail};
use crate::app::AppState;
use crate::store::delivery::NewMail;
use crate::store::detach::{DetachRequest, DetachTarget};
use crate::store::removal::{OpeningRemoval, RemovalRequest, RevocationRecipient, RevokeRequest};
use chrono::{DateTime, Utc};
use interviewd_domain::{CandidateId, CompanyId, Email, InterviewId, JobId, KeyId};

pub use crate::store::ContactKey;
pub use crate::store::removal::{RemovalReport, RemovalScope, RevokeOutcome};

/// What an InstaView-style deletion removes.
#[derive(Clone, Copy, Debug)]
pub enum Target {
    /// One interview, through the one deletion path.
    Interview(InterviewId),
    /// The candidate's profile and personal data; their interviews stay (SCHEDULED ones are
    /// canceled: nobody is left to call). Erasure of the person is [`erase`].
    Candidate(CandidateId),
    /// The job and every candidate's link to it; its interviews stay.
    Job(JobId),
}

impl Target {
    fn resource(self) -> &'static str {
        match self {
            Self::Interview(_) => "interview",
            Self::Candidate(_) => "candidate",
            Self::Job(_) => "job",
        }
    }

    fn id(self) -> String {
        match self {
            Self::Interview(id) => id.to_string(),
            Self::Candidate(id) => id.to_string(),
            Self::Job(id) => id.to_string(),
        }
    }
}

/// Deletes `target` in `company`. `NotFound` when it does not exist in the company (or was
/// deleted already).
pub async fn delete(
    state: &AppState,
    company: CompanyId,
    actor: Option<KeyId>,
    target: Target,
) -> Result<(), CoreError> {
    let detach = match target {
        Target::Interview(id) => {
            // No read first: the removal finds the interview under its lock, and one that is
            // not there (or another company's) changes nothing.
            let scope = RemovalScope::Interview(id);
            let report = apply(state, company, actor, "interview.delete", scope).await?;
            return match report.interviews.is_empty() {
                true => Err(CoreError::not_found(target.resource(), id)),
                false => Ok(()),
            };
        }
        Target::Candidate(id) => DetachTarget::Candidate(id),
        Target::Job(id) => DetachTarget::Job(id),
    };
    let request = DetachRequest {
        company,
        actor,
        target: detach,
        now: state.now(),
    };
    let Some(report) = state.store.detach(&request).await? else {
        return Err(CoreError::not_found(target.resource(), target.id()));
    };
    tracing::info!(
        target = target.resource(),
        canceled = report.canceled.len(),
        unlinked = report.unlinked,
        "deleted, interviews kept"
    );
    if !report.canceled.is_empty() {
        state.wakers.webhooks();
    }
    Ok(())
}

/// Who an erasure is about.
#[derive(Clone, Debug)]
pub enum Person {
    /// A candidate by id, also one whose profile was deleted already.
    Id(CandidateId),
    /// The live candidate with this e-mail address.
    Email(Email),
}

/// Erases a person: every interview of theirs through the one deletion path and then the
/// candidate row itself, in one transaction, with an audit record (`candidate.erase`) whose id
/// the report carries. `NotFound` when nobody matches in the company.
pub async fn erase(
    state: &AppState,
    company: CompanyId,
    actor: Option<KeyId>,
    person: Person,
) -> Result<RemovalReport, CoreError> {
    let found = match &person {
        Person::Id(id) => state.store.candidate_any(company, *id).await?,
        Person::Email(email) => {
            let key = ContactKey::Email(email.clone());
            state.store.find_candidate(company, &key).await?
        }
    };
    let candidate = found.ok_or_else(|| CoreError::not_found("candidate", "erasure"))?;
    let scope = RemovalScope::Candidate(candidate.id);
    apply(state, company, actor, "candidate.erase", scope).await
}

/// Removes the contact named by `identifiers` and all their interviews from the job
/// opening `job` (Alpharun); the contact stays. Each identifier is `(field, key)`, the key
/// `None` when the field is well-formed but can name nobody. All must name the same contact
/// (else `Validation` on the field that differs); an unknown contact, or one with no
/// interview on the opening, is `NotFound` and changes nothing.
pub async fn remove_from_opening(
    state: &AppState,
    company: CompanyId,
    actor: Option<KeyId>,
    job: JobId,
    identifiers: &[(&'static str, Option<ContactKey>)],
) -> Result<RemovalReport, CoreError> {
    // One identifier, the usual case, is resolved by the store in the removal's transaction
    // (with the rest of its batch); several are first checked to name the same contact.
    let (field, contact) = match identifiers {
        [(field, key)] => (*field, key.clone()),
        _ => (
            "contact_id",
            Some(ContactKey::Id(
                resolve_one(state, company, identifiers).await?,
            )),
        ),
    };
    let contact = contact.ok_or_else(|| CoreError::not_found("contact", field))?;
    let request = OpeningRemoval {
        company,
        actor,
        contact,
        job,
        now: state.now(),
    };
    let (candidate, report) = state
        .store
        .remove_from_opening(&request)
        .await?
        .ok_or_else(|| CoreError::not_found("contact", field))?;
    // Nothing was removed (or unlinked) when the contact has no interview on the opening.
    if report.interviews.is_empty() {
        return Err(CoreError::not_found("interview", candidate));
    }
    removed(state, "candidate.remove_from_job", &report);
    Ok(report)
}

/// The one contact every identifier names.
async fn resolve_one(
    state: &AppState,
    company: CompanyId,
    identifiers: &[(&'static str, Option<ContactKey>)],
) -> Result<CandidateId, CoreError> {
    let mut contact: Option<CandidateId> = None;
    for (field, key) in identifiers {
        let found = match key {
            Some(key) => state.store.find_candidate_id(company, key).await?,
            None => None,
        };
        let found = found.ok_or_else(|| CoreError::not_found("contact", *field))?;
        match contact {
            None => contact = Some(found),
            Some(c) if c == found => {}
            Some(_) => {
                return Err(CoreError::invalid(
                    *field,
                    "the identifiers given name different contacts",
                ));
            }
        }
    }
    contact.ok_or_else(|| {
        CoreError::invalid(
            "contact_id",
            "at least one of contact_id, email or phone_number is required",
        )
    })
}

async fn apply(
    state: &AppState,
    company: CompanyId,
    actor: Option<KeyId>,
    action: &'static str,
    scope: RemovalScope,
) -> Result<RemovalReport, CoreError> {
    let request = RemovalRequest {
        company,
        actor,
        action,
        scope,
        now: state.now(),
    };
    let report = state.store.remove_interviews(&request).await?;
    removed(state, action, &report);
    Ok(report)
}

/// After a removal committed: events were written (`interview.deleted`, …); slots may have
/// come back; webhook attempts about the removed interviews stop here, before the removal
/// answers.
fn removed(state: &AppState, action: &'static str, report: &RemovalReport) {
    tracing::info!(
        action,
        interviews = report.interviews.len(),
        live = report.live_sessions,
        "removed"
    );
    state.wakers.removed(&report.interviews);
}

/// Revokes the invite of the interview numbered `response_id` (Xobin), with a notice to the
/// candidate queued in the same transaction when `notify` is set and the candidate has an
/// e-mail address. Any failure to complete is an error and nothing was changed.
pub async fn revoke(
    state: &AppState,
    company: CompanyId,
    actor: Option<KeyId>,
    response_id: i64,
    notify: bool,
) -> Result<RevokeOutcome, CoreError> {
    let request = RevokeRequest {
        company,
        actor,
        response_id,
        notify,
        now: state.now(),
    };
    let outcome = state
        .store
        .revoke_invite(&request, Some(notice))
        .await
        .map_err(|e| {
            tracing::error!(error = %e, "revoke failed; nothing was changed");
            CoreError::Unavailable
        })?;
    if outcome == RevokeOutcome::Revoked {
        state.wakers.webhooks();
        state.wakers.mail();
    }
    Ok(outcome)
}

/// The revocation notice for `to`, the candidate of a revoked interview, if they have an
/// e-mail address ([`crate::store::removal::RenderNotice`]).
fn notice(company: CompanyId, to: &RevocationRecipient, now: DateTime<Utc>) -> Option<NewMail> {
    let email = to.candidate.email.as_ref()?;
    let name = super::candidates::full_name(&to.candidate);
    let content = Revocation {
        candidate_name: name.as_deref(),
        job_title: to.job_title.as_deref(),
        company_name: &to.company_name,
    };
    Some(revocation_mail(
        company,
        to.interview,
        email.as_str(),
        &content,
        now,
    ))
}
