//! `GET /ai-interviews/report/{response_id}` and `GET /ai-interviews/report?custom_field_id=`:
//! the report of one response. Until the interview is COMPLETED the short form is returned
//! (ids, candidate, `invite_status`); after, the full report built from the stored
//! transcript, analysis and recordings.

use super::ctx::{XbCtx, XbPath, int_id};
use super::dto::{completed_date, full_name, status_of};
use super::error::XbError;
use crate::app::AppState;
use crate::core::interviews;
use axum::Json;
use interviewd_domain::model::Job;
use interviewd_domain::views::{InterviewDetail, InterviewReport};
use interviewd_domain::{AgentChannel, InterviewStatus, Scope};
use interviewd_voice::Role;
use interviewd_voice::analysis::Analysis;
use serde_json::{Map, Value, json};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(by_custom_field))
        .routes(routes!(by_response))
}

/// `is_downloadable` is accepted (`true`/`false`); recording URLs are always included.
fn check_downloadable(ctx: &XbCtx) -> Result<(), XbError> {
    match ctx.query.non_empty("is_downloadable") {
        None => Ok(()),
        Some(v) if v.eq_ignore_ascii_case("true") || v.eq_ignore_ascii_case("false") => Ok(()),
        Some(_) => Err(XbError::bad_request(
            "is_downloadable must be true or false",
        )),
    }
}

/// The report of one response.
#[utoipa::path(
    get,
    path = "/ai-interviews/report/{response_id}",
    operation_id = "getReport",
    tag = "AI interviews",
    params(
        ("response_id" = i64, Path, minimum = 1, description = "The response (invite)."),
        ("is_downloadable" = Option<bool>, Query, description = "Accepted; recording URLs are always included."),
    ),
    responses(
        (status = 200, description = "The short form until the interview is completed, then the full report.", body = crate::http::openapi::XobinReport),
        (status = 400, description = "`response_id` is not a positive integer, or `is_downloadable` is not `true`/`false`."),
        (status = 404, description = "No such response in the company."),
    )
)]
async fn by_response(ctx: XbCtx, XbPath(raw): XbPath) -> Result<Json<Value>, XbError> {
    let company = ctx.company(&[Scope::ReadInterviews])?;
    check_downloadable(&ctx)?;
    let number = int_id(&raw, "response_id")?;
    let detail = interviews::by_number(&ctx.state, company, number)
        .await?
        .ok_or_else(|| XbError::not_found("Response", number))?;
    Ok(Json(report(&ctx, detail).await?))
}

/// The report of the newest response carrying a `custom_field_id`.
#[utoipa::path(
    get,
    path = "/ai-interviews/report",
    operation_id = "getReportByCustomField",
    tag = "AI interviews",
    params(
        ("custom_field_id" = String, Query, min_length = 1, pattern = "\\S", description = "The `custom_field_id` given at invite time."),
        ("is_downloadable" = Option<bool>, Query, description = "Accepted; recording URLs are always included."),
    ),
    responses(
        (status = 200, description = "As for `getReport`.", body = crate::http::openapi::XobinReport),
        (status = 400, description = "No `custom_field_id`, or `is_downloadable` is not `true`/`false`."),
        (status = 404, description = "No response carries this `custom_field_id` in the company."),
    )
)]
async fn by_custom_field(ctx: XbCtx) -> Result<Json<Value>, XbError> {
    let company = ctx.company(&[Scope::ReadInterviews])?;
    check_downloadable(&ctx)?;
    let custom_field_id = ctx
        .query
        .non_empty("custom_field_id")
        .ok_or_else(|| XbError::bad_request("custom_field_id or a response_id is required"))?;
    let detail = interviews::by_custom_field(&ctx.state, company, custom_field_id)
        .await?
        .ok_or_else(|| XbError::not_found("Response", custom_field_id))?;
    Ok(Json(report(&ctx, detail).await?))
}

async fn report(ctx: &XbCtx, detail: InterviewDetail) -> Result<Value, XbError> {
    let completed = detail.interview.status == InterviewStatus::Completed;
    let report = interviews::report(&ctx.state, detail, completed).await?;
    Ok(report_json(
        &ctx.state.config.public_url(),
        &report,
        ctx.state.now(),
    ))
}

fn report_json(
    public_url: &str,
    report: &InterviewReport,
    now: chrono::DateTime<chrono::Utc>,
) -> Value {
    let detail = &report.detail;
    let interview = &detail.interview;
    let job = &report.job;
    let candidate = &report.candidate;
    let mut body = json!({
        "ai_interview_id": job.as_ref().map(|j| j.number),
        "ai_interview_name": job.as_ref().map(|j| j.title.clone()),
        "candidate_email": candidate.as_ref().and_then(|c| c.email.as_ref()).map(|e| e.as_str()),
        "candidate_id": candidate.as_ref().map(|c| c.number),
        "candidate_name": candidate.as_ref().map(full_name),
        "custom_field_id": interview.invite.custom_field_id,
        "invite_status": status_of(interview.status, &interview.invite, now),
        "response_id": interview.number,
    });
    if interview.status != InterviewStatus::Completed {
        return body;
    }
    let results = &report.results;
    let analysis = results.analysis.as_ref().map(|a| &a.analysis);
    let started = interview.started_at.unwrap_or(interview.scheduled_at);
    let mode = match interview.channel {
        AgentChannel::Online => "text",
        AgentChannel::Phone => "voice",
    };
    let conversation: Vec<Value> = results
        .transcript
        .iter()
        .map(|turn| {
            let offset = i64::try_from(turn.start_ms).unwrap_or(0);
            json!({
                "content": turn.text,
                "mode": mode,
                "role": match turn.role { Role::Agent => "interviewer", Role::Participant => "candidate" },
                "timestamp": interviewd_domain::time::rfc3339(started + chrono::Duration::milliseconds(offset)),
            })
        })
        .collect();
    let mut recordings = Map::new();
    for (n, attempt) in detail
        .attempts
        .iter()
        .filter(|a| a.recording_key.is_some())
        .enumerate()
    {
        // The recording endpoint of the InstaView dialect (an API key is needed to fetch it).
        let url = format!(
            "{public_url}/v1/interviews/{}/call-attempts/{}/recording",
            interview.id, attempt.id
        );
        recordings.insert(format!("session{}", n + 1), Value::String(url));
    }
    let fields = [
        (
            "candidate_summary",
            json!(analysis.map(|a| a.summary.clone())),
        ),
        (
            "completed_date",
            json!(interview.finished_at.map(completed_date)),
        ),
        // No proctoring signal is measured, so there is no integrity score to report.
        ("integrity_score", Value::Null),
        ("pdf_link", Value::Null),
        (
            "recommendation",
            json!(analysis.map(|a| recommendation(a.score))),
        ),
        ("score", json!(analysis.map(|a| percent(a.score)))),
        (
            "report_link",
            json!(format!(
                "{public_url}/api/v2/ai-interviews/report/{}",
                interview.number
            )),
        ),
        ("interview_recording", Value::Object(recordings)),
        ("skill_wise_scores", skill_scores(job.as_ref(), analysis)),
        ("conversation", Value::Array(conversation)),
    ];
    for (key, value) in fields {
        body[key] = value;
    }
    body
}

/// A 1–5 score as a percentage (0–100).
fn percent(score: u8) -> u32 {
    u32::from(score.min(5)) * 20
}

fn recommendation(score: u8) -> &'static str {
    match score {
        4.. => "Recommended",
        3 => "Consider",
        _ => "Not Recommended",
    }
}

/// The job's required and nice-to-have skills with the analysis' score for each (0 when
/// the analysis did not judge it).
fn skill_scores(job: Option<&Job>, analysis: Option<&Analysis>) -> Value {
    let score_of = |skill: &String| {
        analysis
            .and_then(|a| {
                a.criteria
                    .iter()
                    .find(|c| c.name.eq_ignore_ascii_case(skill))
            })
            .map_or(0, |c| percent(c.score))
    };
    let list = |skills: &[String]| -> Value {
        skills
            .iter()
            .map(|s| json!({ "score": score_of(s), "skill_name": s }))
            .collect()
    };
    let empty = Vec::new();
    json!({
        "must_haves": list(job.map_or(&empty, |j| &j.required_skills)),
        "nice_to_haves": list(job.map_or(&empty, |j| &j.nice_to_have_skills)),
    })
}
