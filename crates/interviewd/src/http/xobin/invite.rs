//! `POST /ai-interviews/invite`: invites a candidate (matched by e-mail, created when new)
//! to an AI interview. The invite is an ONLINE interview in SCHEDULED status whose link is
//! `{public_url}/i/{token}`; `sendlink` also queues the invite e-mail. The interview, the
//! candidate, their link to the job, the `interview.scheduled` event and the e-mail commit
//! together, and only while the plan's invite quota has room (counted in that transaction).

use super::ctx::XbCtx;
use super::dto::parse_gmt;
use super::error::XbError;
use crate::app::AppState;
use crate::core::candidates::{self, ContactKey};
use crate::core::catalog;
use crate::core::error::CoreError;
use crate::core::interviews::{self, CandidateWrite, Schedule, Scheduled};
use crate::core::validate;
use crate::wire::xobin::status_of;
use axum::Json;
use axum::body::Bytes;
use chrono::{DateTime, Utc};
use interviewd_domain::model::Candidate;
use interviewd_domain::{CompanyId, Email, Scope};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(invite))
}

/// An invite request.
#[derive(Deserialize, ToSchema)]
struct InviteBody {
    /// 1–200 characters after trimming; split into first and last name for a new candidate.
    #[schema(required = true, schema_with = crate::http::openapi::text::<1, 200>)]
    candidate_name: Option<String>,
    /// The candidate is found by this address (case-insensitively) or created.
    #[schema(value_type = String, required = true, format = Email)]
    candidate_email: Option<String>,
    /// The AI interview (a positive integer, or a string of its digits).
    #[schema(required = true, schema_with = crate::http::openapi::positive_int_or_digits)]
    ai_interview_id: Option<Value>,
    /// `getlink` (answer the link) or `sendlink` (also e-mail it), in any case.
    #[schema(required = true, schema_with = crate::http::openapi::xobin_invite_format)]
    invite_format: Option<String>,
    /// `YYYY-MM-DD HH:MM` in GMT (`:SS` and a `T` separator accepted); blank or absent: now.
    #[schema(schema_with = crate::http::openapi::xobin_gmt_date)]
    start_date: Option<String>,
    /// Like `start_date`; after it and in the future. Blank or absent: never expires.
    #[schema(schema_with = crate::http::openapi::xobin_gmt_date)]
    expiry_date: Option<String>,
    /// A string (at most 255 characters) or a number, stored and returned as a string.
    #[schema(schema_with = crate::http::openapi::custom_field_id_schema)]
    custom_field_id: Option<Value>,
}

/// The answer to an invite.
#[derive(Serialize, ToSchema)]
struct InviteResponse {
    email: String,
    ai_interview_id: i64,
    ai_interview_name: String,
    response_id: i64,
    #[schema(format = "uri")]
    invite_link: String,
    name: String,
    /// `Pending` (or `Expired` when `expiry_date` has passed already).
    status: &'static str,
    custom_field_id: Option<String>,
}

/// A checked invite request.
struct InviteRequest {
    name: String,
    email: Email,
    ai_interview_id: i64,
    send_mail: bool,
    starts_at: Option<DateTime<Utc>>,
    expires_at: Option<DateTime<Utc>>,
    custom_field_id: Option<String>,
}

fn required<'a>(value: &'a Option<String>, field: &str) -> Result<&'a str, XbError> {
    value
        .as_deref()
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .ok_or_else(|| XbError::bad_request(format!("{field} is required")))
}

fn date(value: &Option<String>, field: &str) -> Result<Option<DateTime<Utc>>, XbError> {
    match value.as_deref().map(str::trim).filter(|v| !v.is_empty()) {
        None => Ok(None),
        Some(raw) => parse_gmt(raw).map(Some).ok_or_else(|| {
            XbError::bad_request(format!(
                "{field} must be in the format YYYY-MM-DD HH:MM (GMT)"
            ))
        }),
    }
}

fn custom_field(value: Option<&Value>) -> Result<Option<String>, XbError> {
    match value {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Number(n)) => Ok(Some(n.to_string())),
        Some(Value::String(s)) => Ok(validate::opt_text("custom_field_id", Some(s), 255)?),
        Some(_) => Err(XbError::bad_request(
            "custom_field_id must be a string or a number",
        )),
    }
}

fn check(input: &InviteBody, now: DateTime<Utc>) -> Result<InviteRequest, XbError> {
    let name = validate::text(
        "candidate_name",
        required(&input.candidate_name, "candidate_name")?,
        1,
        200,
    )?;
    let email = Email::parse(required(&input.candidate_email, "candidate_email")?)
        .map_err(|_| XbError::bad_request("candidate_email is not a valid email address"))?;
    let ai_interview_id = input
        .ai_interview_id
        .as_ref()
        .ok_or_else(|| XbError::bad_request("ai_interview_id is required"))
        .and_then(|v| {
            super::ctx::json_id(v)
                .ok_or_else(|| XbError::bad_request("ai_interview_id must be an integer"))
        })?;
    let send_mail = match required(&input.invite_format, "invite_format")?
        .to_ascii_lowercase()
        .as_str()
    {
        "getlink" => false,
        "sendlink" => true,
        _ => {
            return Err(XbError::bad_request(
                "invite_format must be getlink or sendlink",
            ));
        }
    };
    let starts_at = date(&input.start_date, "start_date")?;
    let expires_at = date(&input.expiry_date, "expiry_date")?;
    if let Some(expiry) = expires_at {
        if starts_at.is_some_and(|start| expiry <= start) {
            return Err(XbError::bad_request("expiry_date must be after start_date"));
        }
        if expiry <= now {
            return Err(XbError::bad_request("expiry_date must be in the future"));
        }
    }
    Ok(InviteRequest {
        name,
        email,
        ai_interview_id,
        send_mail,
        starts_at,
        expires_at,
        custom_field_id: custom_field(input.custom_field_id.as_ref())?,
    })
}

/// Invite a candidate to an AI interview.
#[utoipa::path(
    post,
    path = "/ai-interviews/invite",
    operation_id = "inviteCandidate",
    tag = "AI interviews",
    request_body = InviteBody,
    responses(
        (status = 200, description = "The invite.", body = InviteResponse, links(
            ("GetReport" = (operation_id = "getReport", parameters(("response_id" = "$response.body#/response_id")))),
            ("GetInvited" = (operation_id = "getInvited", parameters(("ai_interview_id" = "$response.body#/ai_interview_id")))),
            ("RevokeInvite" = (operation_id = "revokeInvite", request_body = json!({ "response_id": "$response.body#/response_id" }))),
        )),
        (status = 400, description = "A missing or invalid field."),
        (status = 403, description = "The invite quota of the company's plan is used up: `{\"message\": \"Invites Exhausted. Please contact support.\", \"error\": \"limit_exceed\"}`."),
        (status = 404, description = "No such AI interview in the company."),
        (status = 409, description = "A concurrent request created the same candidate; retry."),
    )
)]
async fn invite(ctx: XbCtx, body: Bytes) -> Result<Json<InviteResponse>, XbError> {
    let company = ctx.company(&[Scope::WriteInterviews, Scope::WriteCandidates])?;
    let input: InviteBody = ctx.body(&body)?;
    let now = ctx.state.now();
    let request = check(&input, now)?;
    let (job, agent) = catalog::ai_interview(&ctx.state, company, request.ai_interview_id).await?;
    // A concurrent invite may create the same new candidate first; the second try finds it.
    let mut tries = 0;
    let interview = loop {
        tries += 1;
        let candidate = invited_candidate(&ctx, company, &request, now).await?;
        let mut cmd = Schedule::new(
            company,
            candidate,
            agent.clone(),
            request.starts_at.map_or(now, |s| s.max(now)),
        );
        cmd.job = Some(job.id);
        cmd.invite_starts_at = request.starts_at;
        cmd.invite_expires_at = request.expires_at;
        cmd.custom_field_id = request.custom_field_id.clone();
        cmd.send_invite = request.send_mail;
        cmd.within_quota = true;
        match interviews::schedule(&ctx.state, cmd).await {
            Ok(Scheduled::Created(interview)) => break interview,
            Ok(Scheduled::QuotaExhausted) => return Err(XbError::invites_exhausted()),
            Ok(Scheduled::AlreadyOpen) => {
                return Err(CoreError::Internal("unexpected schedule outcome".into()).into());
            }
            Err(CoreError::Conflict { field, .. }) if field == "email" && tries < 2 => continue,
            Err(e) => return Err(e.into()),
        }
    };
    Ok(Json(InviteResponse {
        email: request.email.as_str().to_owned(),
        ai_interview_id: job.number,
        ai_interview_name: job.title,
        response_id: interview.number,
        invite_link: interviews::invite_link(&ctx.state, &interview),
        name: request.name,
        status: status_of(interview.status, &interview.invite, now),
        custom_field_id: request.custom_field_id,
    }))
}

/// The invited candidate: the company's candidate with this e-mail (unchanged), or a new one
/// named as the invite says.
async fn invited_candidate(
    ctx: &XbCtx,
    company: CompanyId,
    request: &InviteRequest,
    now: DateTime<Utc>,
) -> Result<CandidateWrite, XbError> {
    let key = ContactKey::Email(request.email.clone());
    Ok(match candidates::find(&ctx.state, company, &key).await? {
        Some(existing) => CandidateWrite::Existing(existing),
        None => {
            let mut candidate = Candidate::new(company, now);
            (candidate.first_name, candidate.last_name) = candidates::split_name(&request.name);
            candidate.email = Some(request.email.clone());
            CandidateWrite::New(candidate)
        }
    })
}
