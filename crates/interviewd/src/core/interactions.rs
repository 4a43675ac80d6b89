//! Alpharun's customer interactions, which interviewd keeps as interviews: an interview is an
//! interaction with its candidate (the contact), its analysis criteria are the extracted data,
//! its summary the summary, its custom fields (`metadata.customFields`, set by the Alpharun
//! import's `interview_custom_fields`) the interaction's. There are no teammates or accounts.
//! `docs/api-alpharun.md` has the mapping.

use super::CoreError;
use super::interviews;
use crate::app::AppState;
use interviewd_domain::views::InterviewReport;
use interviewd_domain::{CandidateId, CompanyId, InterviewId, PageRequest};
use serde_json::Value;

/// Where an interview's custom fields are kept.
pub const CUSTOM_FIELDS: &str = "customFields";

/// The interaction (interview) `id` of the company, with its results.
pub async fn get(
    state: &AppState,
    company: CompanyId,
    id: InterviewId,
) -> Result<Option<InterviewReport>, CoreError> {
    match interviews::get(state, company, id).await? {
        Some(detail) => Ok(Some(interviews::report(state, detail, true).await?)),
        None => Ok(None),
    }
}

/// Every interaction of a contact, oldest first.
pub async fn of_contact(
    state: &AppState,
    company: CompanyId,
    candidate: CandidateId,
) -> Result<Vec<InterviewReport>, CoreError> {
    let filter = interviews::InterviewFilter {
        candidate_id: Some(candidate),
        ..Default::default()
    };
    let mut out = Vec::new();
    for page in 1.. {
        let request = PageRequest { page, limit: 100 };
        let found = interviews::list(state, company, &filter, request).await?;
        let last = found.items.len() < 100;
        for detail in found.items {
            out.push(interviews::report(state, detail, true).await?);
        }
        if last || page >= 100 {
            break;
        }
    }
    Ok(out)
}

/// Sets each of `fields` (`{key, value}`) on the interaction by key, keeping the others (a
/// partial upsert). `None` when it is not the company's.
pub async fn set_custom_fields(
    state: &AppState,
    company: CompanyId,
    id: InterviewId,
    fields: Vec<Value>,
) -> Result<Option<InterviewReport>, CoreError> {
    let Some(detail) = interviews::get(state, company, id).await? else {
        return Ok(None);
    };
    let mut metadata = detail.interview.metadata.clone();
    let mut existing: Vec<Value> = metadata
        .get(CUSTOM_FIELDS)
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    super::candidates::merge_custom_fields(&mut existing, fields);
    metadata.insert(CUSTOM_FIELDS.into(), Value::Array(existing));
    if !state
        .store
        .update_interview_metadata(company, id, &metadata, state.now())
        .await?
    {
        return Ok(None);
    }
    get(state, company, id).await
}
