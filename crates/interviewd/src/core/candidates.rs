//! Candidates (Alpharun contacts, Xobin candidates): found, created and changed the same way
//! by every surface. Surfaces parse and validate their own fields; the rules here are the
//! ones that need the store: job references must be the company's, identifiers are unique
//! in the company (a conflict), and a contact is found by any of its identifiers.

use super::CoreError;
use crate::app::AppState;
use interviewd_domain::model::Candidate;
use interviewd_domain::views::{CandidateCounts, Page};
use interviewd_domain::{CandidateId, CompanyId, JobId, PageRequest};
use serde_json::Value;

pub use crate::store::{CandidateFilter, ContactKey};

/// One candidate of the company.
pub async fn get(
    state: &AppState,
    company: CompanyId,
    id: CandidateId,
) -> Result<Option<Candidate>, CoreError> {
    Ok(state.store.get_candidate(company, id).await?)
}

/// The candidate named by `key` in the company.
pub async fn find(
    state: &AppState,
    company: CompanyId,
    key: &ContactKey,
) -> Result<Option<Candidate>, CoreError> {
    Ok(state.store.find_candidate(company, key).await?)
}

/// The counters shown on a candidate (`interviewCount`, `analysisCount`).
pub async fn counts(state: &AppState, candidate: &Candidate) -> Result<CandidateCounts, CoreError> {
    Ok(state
        .store
        .candidate_counts(candidate.company_id, candidate.id)
        .await?)
}

/// A page of the company's candidates.
pub async fn list(
    state: &AppState,
    company: CompanyId,
    filter: &CandidateFilter,
    page: PageRequest,
) -> Result<Page<Candidate>, CoreError> {
    Ok(state.store.list_candidates(company, filter, page).await?)
}

/// Up to `limit` candidates numbered below `before`, newest first (cursor pages).
pub async fn newest_first(
    state: &AppState,
    company: CompanyId,
    before: Option<i64>,
    limit: u32,
) -> Result<Vec<Candidate>, CoreError> {
    Ok(state
        .store
        .candidates_before(company, before, limit)
        .await?)
}

/// Up to `limit` candidates numbered after `after`, oldest first (cursor pages).
pub async fn after(
    state: &AppState,
    company: CompanyId,
    after: i64,
    limit: u32,
) -> Result<Vec<Candidate>, CoreError> {
    Ok(state.store.candidates_after(company, after, limit).await?)
}

/// Checks that `job` is a job of the company: a reference in a body never reveals another
/// company's ids, so another company's job is as unknown as a missing one.
pub async fn company_job(
    state: &AppState,
    company: CompanyId,
    job: JobId,
) -> Result<JobId, CoreError> {
    match state.store.get_job(company, job).await? {
        Some(found) => Ok(found.id),
        None => Err(CoreError::not_found("job", job)),
    }
}

/// Stores a new candidate; its job links were checked with [`company_job`]. An e-mail,
/// phone or external id taken in the company is a `Conflict` on that field.
pub async fn create(state: &AppState, candidate: &Candidate) -> Result<Candidate, CoreError> {
    Ok(state.store.insert_candidate(candidate).await?)
}

/// Stores a changed candidate (its job links checked as for [`create`]).
pub async fn update(state: &AppState, candidate: &mut Candidate) -> Result<(), CoreError> {
    candidate.updated_at = state.now();
    Ok(state.store.update_candidate(candidate).await?)
}

/// "First Last", or `None` when the candidate has no name.
pub fn full_name(c: &Candidate) -> Option<String> {
    c.full_name()
}

/// Splits a full name into its first word and the rest: ("Ann", "van Lee"); one word is a
/// first name.
pub fn split_name(name: &str) -> (Option<String>, Option<String>) {
    let mut parts = name.split_whitespace();
    let first = parts.next().map(str::to_owned);
    let rest = parts.collect::<Vec<_>>().join(" ");
    (first, Some(rest).filter(|r| !r.is_empty()))
}

/// Sets each custom field of `new` by its `key`, replacing one of the same key.
pub fn merge_custom_fields(existing: &mut Vec<Value>, new: Vec<Value>) {
    for field in new {
        let key = field.get("key").cloned();
        existing.retain(|f| f.get("key") != key.as_ref());
        existing.push(field);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_split_at_the_first_word() {
        assert_eq!(
            split_name("  Ann  van Lee "),
            (Some("Ann".into()), Some("van Lee".into()))
        );
        assert_eq!(split_name("Cher"), (Some("Cher".into()), None));
        assert_eq!(split_name("   "), (None, None));
    }
}
