//! `POST /contacts` with an array body: add candidates to job openings. Each item upserts
//! its contact (matched by e-mail), links it to the opening and creates a pending interview
//! there unless one is already open. The import is partial-success: items that fail are
//! echoed in `failed_contacts` and the response is still 200.

use super::contacts::{KeyValue, custom_fields, phone_value};
use super::ctx::ArCtx;
use super::error::ArError;
use super::job_openings::agent_of;
use crate::core::error::CoreError;
use crate::core::interviews::{InterviewSpec, plan};
use crate::core::validate;
use crate::store::{ContactKey, InterviewFilter, NewInterview};
use axum::Json;
use interviewd_domain::model::Candidate;
use interviewd_domain::{CandidateId, CompanyId, Email, JobId, PageRequest, Scope};
use serde::Deserialize;
use serde_json::{Map, Value, json};

/// Most items one request may import.
const MAX_ITEMS: usize = 500;

/// A candidate to add to a job opening. Items that fail are echoed in `failed_contacts`.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
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

pub async fn add_contacts(ctx: ArCtx, body: Value) -> Result<Json<Value>, ArError> {
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
    for raw in items {
        match import_one(&ctx, company, raw.clone()).await {
            Ok(()) => ok += 1,
            Err(ArError(CoreError::Unavailable)) => return Err(CoreError::Unavailable.into()),
            Err(ArError(CoreError::Internal(e))) => return Err(CoreError::Internal(e).into()),
            Err(_) => failed.push(raw),
        }
    }
    Ok(Json(json!({
        "successful_imports_count": ok,
        "failed_imports_count": failed.len(),
        "failed_contacts": failed,
    })))
}

async fn import_one(ctx: &ArCtx, company: CompanyId, raw: Value) -> Result<(), ArError> {
    // serde would read a struct from an array of its fields too.
    if !raw.is_object() {
        return Err(CoreError::invalid("body", "each item must be a JSON object").into());
    }
    let item: Item =
        serde_json::from_value(raw).map_err(|e| CoreError::invalid("body", e.to_string()))?;
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
    let store = &ctx.state.store;
    let job = store
        .get_job(company, job_id)
        .await?
        .ok_or_else(|| CoreError::not_found("job opening", job_id))?;
    let agent_id = agent_of(&job)
        .ok_or_else(|| CoreError::invalid("job_opening_id", "the opening has no job type"))?;
    let agent = store
        .get_agent(company, agent_id)
        .await?
        .ok_or_else(|| CoreError::not_found("job type", agent_id))?;
    let now = ctx.state.now();
    let fields = custom_fields(&item.custom_fields)?;
    let existing = store
        .find_candidate(company, &ContactKey::Email(email.clone()))
        .await?;
    let mut candidate = match existing {
        Some(mut c) => {
            c.first_name =
                validate::opt_text("first_name", item.first_name.as_deref(), 100)?.or(c.first_name);
            c.last_name =
                validate::opt_text("last_name", item.last_name.as_deref(), 100)?.or(c.last_name);
            c.phone = phone.or(c.phone);
            merge_fields(&mut c.custom_fields, fields);
            c.updated_at = now;
            c
        }
        None => Candidate {
            id: CandidateId::new(),
            number: 0,
            company_id: company,
            first_name: validate::opt_text("first_name", item.first_name.as_deref(), 100)?,
            last_name: validate::opt_text("last_name", item.last_name.as_deref(), 100)?,
            email: Some(email),
            phone,
            ext_id: None,
            status: "APPLIED".into(),
            gdpr_expiry_date: None,
            metadata: Map::new(),
            custom_fields: fields,
            job_ids: Vec::new(),
            created_at: now,
            updated_at: now,
        },
    };
    if !candidate.job_ids.contains(&job.id) {
        candidate.job_ids.push(job.id);
    }
    if candidate.number == 0 {
        candidate = store.insert_candidate(&candidate).await?;
    } else {
        store.update_candidate(&candidate).await?;
    }
    let filter = InterviewFilter {
        candidate_id: Some(candidate.id),
        job_id: Some(job.id),
        ..Default::default()
    };
    let open = store
        .list_interviews(
            company,
            &filter,
            PageRequest {
                page: 1,
                limit: 100,
            },
        )
        .await?;
    if open.items.iter().any(|d| !d.interview.status.is_terminal()) {
        return Ok(());
    }
    if agent.channel == interviewd_domain::AgentChannel::Phone && candidate.phone.is_none() {
        return Err(CoreError::invalid("phone_number", "the opening interviews by phone").into());
    }
    let mut metadata = Map::new();
    if !item.interview_custom_fields.is_empty() {
        metadata.insert(
            "customFields".into(),
            Value::Array(custom_fields(&item.interview_custom_fields)?),
        );
    }
    let planned = plan(InterviewSpec {
        company,
        candidate: candidate.id,
        job: Some(job.id),
        agent: &agent,
        scheduled_at: now,
        is_test: false,
        metadata,
        invite_starts_at: None,
        invite_expires_at: None,
        custom_field_id: None,
        now,
    })?;
    store
        .create_interview(&NewInterview {
            new_job: None,
            new_agent: None,
            new_candidate: None,
            link_candidate_to_job: None,
            interview: planned.interview,
            first_attempt: planned.first_attempt,
            events: vec![planned.event],
        })
        .await?;
    ctx.state.engine.wake();
    Ok(())
}

fn merge_fields(existing: &mut Vec<Value>, new: Vec<Value>) {
    for field in new {
        let key = field.get("key").cloned();
        existing.retain(|f| f.get("key") != key.as_ref());
        existing.push(field);
    }
}
