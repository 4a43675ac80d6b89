//! `POST /contacts` with an array body: add candidates to job openings. Each item upserts
//! its contact (matched by e-mail), links it to the opening and creates a pending interview
//! there unless one is already open. The import is partial-success: items that fail are
//! echoed in `failed_contacts` and the response is still 200.

use super::contacts::{KeyValue, custom_fields, phone_value};
use super::ctx::ArCtx;
use super::error::ArError;
use crate::core::candidates::{self, ContactKey};
use crate::core::catalog;
use crate::core::error::CoreError;
use crate::core::interviews::{self, CandidateWrite, Schedule};
use crate::core::validate;
use crate::http::extract::from_value_reporting;
use crate::wire::alpharun::{ContactOrImport, ImportResult};
use axum::Json;
use interviewd_domain::model::Candidate;
use interviewd_domain::{CompanyId, Email, JobId, Scope};
use serde::Deserialize;
use serde_json::{Map, Value};

/// Most items one request may import.
const MAX_ITEMS: usize = 500;

/// A candidate to add to a job opening. Items that fail are echoed in `failed_contacts`.
#[derive(Deserialize, utoipa::ToSchema)]
#[schema(as = ImportItem)]
pub struct Item {
    job_opening_id: String,
    /// The contact is matched by e-mail, or created.
    email: String,
    first_name: Option<String>,
    last_name: Option<String>,
    #[serde(default)]
    #[schema(schema_with = crate::http::openapi::ar_phone)]
    phone_number: Value,
    #[schema(nullable)]
    resume: Option<Resume>,
    #[serde(default)]
    custom_fields: Vec<KeyValue>,
    /// Stored on the interview.
    #[serde(default)]
    interview_custom_fields: Vec<KeyValue>,
}

/// A resume (validated, not stored in this version).
#[derive(Deserialize, utoipa::ToSchema)]
struct Resume {
    /// At most 10 MB.
    content: String,
    mimetype: String,
}

pub async fn add_contacts(ctx: ArCtx, body: Value) -> Result<Json<ContactOrImport>, ArError> {
    let company = ctx.company(&[
        Scope::WriteCandidates,
        Scope::WriteInterviews,
        Scope::ReadJobs,
    ])?;
    let items = body.as_array().cloned().unwrap_or_default();
    if items.is_empty() || items.len() > MAX_ITEMS {
        return Err(CoreError::invalid("body", format!("send 1 to {MAX_ITEMS} candidates")).into());
    }
    let (mut ok, mut failed) = (0u64, Vec::new());
    for (i, raw) in items.into_iter().enumerate() {
        match import_one(&ctx, company, i, raw.clone()).await {
            Ok(()) => ok += 1,
            Err(ArError(CoreError::Unavailable)) => return Err(CoreError::Unavailable.into()),
            Err(ArError(CoreError::Internal(e))) => return Err(CoreError::Internal(e).into()),
            Err(_) => failed.push(raw),
        }
    }
    Ok(Json(ContactOrImport::Import(ImportResult {
        successful_imports_count: ok,
        failed_imports_count: u64::try_from(failed.len()).unwrap_or(u64::MAX),
        failed_contacts: failed,
    })))
}

async fn import_one(
    ctx: &ArCtx,
    company: CompanyId,
    index: usize,
    raw: Value,
) -> Result<(), ArError> {
    // serde would read a struct from an array of its fields too.
    if !raw.is_object() {
        return Err(CoreError::invalid("body", "each item must be a JSON object").into());
    }
    let prefix = format!("{index}.");
    let item: Item = from_value_reporting(raw, &prefix, &mut |p| ctx.ignored.record(p))?;
    let email = Email::parse(&item.email).map_err(|e| CoreError::invalid_value("email", e))?;
    let phone = phone_value(&item.phone_number)?;
    if let Some(r) = &item.resume {
        validate::text("resume.mimetype", &r.mimetype, 3, 100)?;
        if r.content.len() > 10 * 1024 * 1024 {
            return Err(
                CoreError::invalid("resume.content", "resume must be at most 10 MB").into(),
            );
        }
    }
    let job_id: JobId = item
        .job_opening_id
        .trim()
        .parse()
        .map_err(|_| CoreError::not_found("job opening", &item.job_opening_id))?;
    let state = &ctx.state;
    let job = catalog::job(state, company, job_id)
        .await?
        .ok_or_else(|| CoreError::not_found("job opening", job_id))?;
    if job.agent_id.is_none() {
        return Err(CoreError::invalid("job_opening_id", "the opening has no job type").into());
    }
    let agent = catalog::agent_of(state, &job, "job type").await?;
    let now = state.now();
    let fields = custom_fields(&item.custom_fields)?;
    let first_name = validate::opt_text("first_name", item.first_name.as_deref(), 100)?;
    let last_name = validate::opt_text("last_name", item.last_name.as_deref(), 100)?;
    let key = ContactKey::Email(email.clone());
    let candidate = match candidates::find(state, company, &key).await? {
        Some(mut c) => {
            c.first_name = first_name.or(c.first_name);
            c.last_name = last_name.or(c.last_name);
            c.phone = phone.or(c.phone);
            candidates::merge_custom_fields(&mut c.custom_fields, fields);
            c.updated_at = now;
            CandidateWrite::Changed(c)
        }
        None => {
            let mut c = Candidate::new(company, now);
            c.first_name = first_name;
            c.last_name = last_name;
            c.email = Some(email);
            c.phone = phone;
            c.custom_fields = fields;
            CandidateWrite::New(c)
        }
    };
    let open = match candidate.candidate().number {
        0 => false,
        _ => {
            interviews::has_open_interview(state, company, candidate.candidate().id, job.id).await?
        }
    };
    let mut metadata = Map::new();
    if !item.interview_custom_fields.is_empty() {
        metadata.insert(
            "customFields".into(),
            Value::Array(custom_fields(&item.interview_custom_fields)?),
        );
    }
    if open {
        // The contact's changes and link only: they have an open interview there already.
        let mut c = candidate.candidate().clone();
        c.link_job(job.id);
        candidates::update(state, &mut c).await?;
        return Ok(());
    }
    if agent.channel == interviewd_domain::AgentChannel::Phone
        && candidate.candidate().phone.is_none()
    {
        return Err(CoreError::invalid("phone_number", "the opening interviews by phone").into());
    }
    let mut cmd = Schedule::new(company, candidate, agent, now);
    cmd.job = Some(job.id);
    cmd.metadata = metadata;
    // Checked again in the transaction, against a concurrent import of the same contact.
    cmd.unless_open_on_job = true;
    interviews::schedule(state, cmd).await?;
    Ok(())
}
