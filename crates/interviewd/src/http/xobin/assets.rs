//! A response's assets on the Xobin mount, fetchable with the `apiKey` header or through a
//! signed link (`docs/webhooks.md`, "Asset links"):
//!
//! - `GET /ai-interviews/report/{response_id}/recordings/{session}`: the `sessionN` recording
//!   (`interview_recording` of the report), `audio/wav`;
//! - `GET /ai-interviews/report/{response_id}/pdf`: the report PDF (`pdf_link`, `report_link`),
//!   inline, or as an attachment with `download=true`;
//! - `POST /ai-interviews/report/{response_id}/share` `{"expiration_hours"}` and
//!   `POST /ai-interviews/report/{response_id}/download`, from
//!   <https://app.xobin.com/api/docs/ai-interviews/ai-interview-report-link.html>: a signed link
//!   to the report valid for 1 minute to 24 hours (default 1 hour), and the PDF itself.
//!
//! The PDF exists once the interview is COMPLETED with an analysis; before, 404.

use super::ctx::{XbCtx, XbPath, int_id};
use super::error::XbError;
use crate::app::AppState;
use crate::core::{calls, interviews, reports};
use crate::http::signed::{Signer, asset_company, asset_file};
use crate::wire::xobin::report::pdf_path;
use crate::wire::xobin::{ShareLink, naive_utc};
use axum::Json;
use axum::body::Bytes;
use axum::extract::{OriginalUri, Path, State};
use axum::response::Response;
use interviewd_domain::views::InterviewDetail;
use interviewd_domain::{CompanyId, Scope};
use serde::Deserialize;
use serde_json::Value;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(recording))
        .routes(routes!(pdf))
        .routes(routes!(share))
        .routes(routes!(download))
}

/// The response numbered `raw` in `company`.
async fn response(
    state: &AppState,
    company: CompanyId,
    raw: &str,
) -> Result<InterviewDetail, XbError> {
    let number = int_id(raw, "response_id")?;
    interviews::by_number(state, company, number)
        .await?
        .ok_or_else(|| XbError::not_found("Response", number))
}

/// A PDF answer: inline, or as an attachment.
fn pdf_response(bytes: Vec<u8>, number: i64, attachment: bool) -> Response {
    let kind = if attachment { "attachment" } else { "inline" };
    let disposition = format!("{kind}; filename=\"report-{number}.pdf\"");
    asset_file("application/pdf", disposition, bytes)
}

/// A recording of the response.
#[utoipa::path(
    get,
    path = "/ai-interviews/report/{response_id}/recordings/{session}",
    operation_id = "getReportRecording",
    tag = "AI interviews",
    params(
        ("response_id" = i64, Path, minimum = 1),
        ("session" = String, Path, pattern = "^session[1-9][0-9]*$", description = "`session1` is the first recording."),
        crate::http::openapi::SignedLinkParams,
    ),
    responses(
        (status = 200, description = "The recording.", content_type = "audio/wav", body = Vec<u8>),
        (status = 400, description = "`response_id` is not a positive integer."),
        (status = 403, description = "The link's signature is invalid or expired."),
        (status = 404, description = "No such response or recording."),
    )
)]
async fn recording(
    State(state): State<AppState>,
    OriginalUri(uri): OriginalUri,
    ctx: Result<XbCtx, XbError>,
    Path((raw, session)): Path<(String, String)>,
) -> Result<Response, XbError> {
    let (company, _) = asset_company(&state, &uri, ctx, &[Scope::ReadInterviews]).await?;
    let detail = response(&state, company, &raw).await?;
    let missing = || XbError::not_found("Recording", &session);
    let n: usize = session
        .strip_prefix("session")
        .and_then(|n| n.parse().ok())
        .filter(|n| *n >= 1)
        .ok_or_else(missing)?;
    let attempt = detail
        .attempts
        .iter()
        .filter(|a| a.recording_key.is_some())
        .nth(n - 1)
        .ok_or_else(missing)?;
    let bytes = calls::recording(&state, company, detail.interview.id, attempt.id).await?;
    let disposition = format!(
        "inline; filename=\"{}-{session}.wav\"",
        detail.interview.number
    );
    Ok(asset_file("audio/wav", disposition, bytes))
}

/// The report PDF (`pdf_link`, `report_link`).
#[utoipa::path(
    get,
    path = "/ai-interviews/report/{response_id}/pdf",
    operation_id = "getReportPdf",
    tag = "AI interviews",
    params(
        ("response_id" = i64, Path, minimum = 1),
        ("download" = Option<bool>, Query, description = "`true`: as an attachment."),
        crate::http::openapi::SignedLinkParams,
    ),
    responses(
        (status = 200, description = "The report.", content_type = "application/pdf", body = Vec<u8>),
        (status = 400, description = "`response_id` is not a positive integer."),
        (status = 403, description = "The link's signature is invalid or expired."),
        (status = 404, description = "No such response, or it has no report yet."),
    )
)]
async fn pdf(
    State(state): State<AppState>,
    OriginalUri(uri): OriginalUri,
    ctx: Result<XbCtx, XbError>,
    Path(raw): Path<String>,
) -> Result<Response, XbError> {
    let (company, _) = asset_company(&state, &uri, ctx, &[Scope::ReadInterviews]).await?;
    let detail = response(&state, company, &raw).await?;
    let number = detail.interview.number;
    let bytes = reports::of_interview(&state, detail).await?;
    let download = crate::http::extract::QueryParams::parse(uri.query())
        .non_empty("download")
        .is_some_and(|v| v.eq_ignore_ascii_case("true"));
    Ok(pdf_response(bytes, number, download))
}

/// How long a share link works.
#[derive(Deserialize, ToSchema)]
#[schema(as = ShareRequest)]
struct ShareBody {
    /// Hours, from 1/60 (one minute) to 24; default 1.
    #[schema(value_type = Option<f64>, minimum = 0.016666666666666666, maximum = 24)]
    expiration_hours: Option<Value>,
}

/// `expiration_hours` of a body (default 1), or the vendor's refusal.
fn expiration_hours(ctx: &XbCtx, body: &Bytes) -> Result<f64, XbError> {
    let refused = || XbError::bad_request("expiration_hours must be between 1 minute and 24 hours");
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(1.0);
    }
    let input: ShareBody = ctx.body(body)?;
    match input.expiration_hours {
        None | Some(Value::Null) => Ok(1.0),
        Some(Value::Number(n)) => n
            .as_f64()
            .filter(|h| (1.0 / 60.0 - 1e-9..=24.0).contains(h))
            .ok_or_else(refused),
        Some(_) => Err(refused()),
    }
}

/// Generate a shareable link to the report.
#[utoipa::path(
    post,
    path = "/ai-interviews/report/{response_id}/share",
    operation_id = "shareReport",
    tag = "AI interviews",
    params(("response_id" = i64, Path, minimum = 1)),
    request_body(content = Option<ShareBody>, description = "Optional; `expiration_hours` defaults to 1."),
    responses(
        (status = 200, description = "A link to the report that works without a key until `expires_at`.", body = ShareLink),
        (status = 400, description = "`response_id` is not a positive integer, or `expiration_hours` is out of range."),
        (status = 404, description = "No such response, or it has no report yet."),
    )
)]
async fn share(ctx: XbCtx, XbPath(raw): XbPath, body: Bytes) -> Result<Json<ShareLink>, XbError> {
    let company = ctx.company(&[Scope::ReadInterviews])?;
    let hours = expiration_hours(&ctx, &body)?;
    let detail = response(&ctx.state, company, &raw).await?;
    let report = interviews::report(&ctx.state, detail, true).await?;
    // The report must exist to be shared.
    reports::analysis_pdf(&report)?;
    let interview = &report.detail.interview;
    let millis = (hours * 3_600_000.0).round() as i64;
    let expires = ctx.state.now() + chrono::Duration::milliseconds(millis);
    let signer = Signer::load(&ctx.state).await?.until(expires);
    Ok(Json(ShareLink {
        signed_url: signer.links().url(&pdf_path(interview.number), company),
        expires_at: naive_utc(expires),
        expiration_hours: hours,
        response_id: interview.number,
        ai_interview_id: report.job.as_ref().map(|j| j.number),
    }))
}

/// Download the report PDF.
#[utoipa::path(
    post,
    path = "/ai-interviews/report/{response_id}/download",
    operation_id = "downloadReport",
    tag = "AI interviews",
    params(("response_id" = i64, Path, minimum = 1)),
    request_body(content = Option<ShareBody>, description = "Optional; `expiration_hours` is checked and otherwise unused."),
    responses(
        (status = 200, description = "The report.", content_type = "application/pdf", body = Vec<u8>),
        (status = 400, description = "`response_id` is not a positive integer, or `expiration_hours` is out of range."),
        (status = 404, description = "No such response, or it has no report yet."),
    )
)]
async fn download(ctx: XbCtx, XbPath(raw): XbPath, body: Bytes) -> Result<Response, XbError> {
    let company = ctx.company(&[Scope::ReadInterviews])?;
    expiration_hours(&ctx, &body)?;
    let detail = response(&ctx.state, company, &raw).await?;
    let number = detail.interview.number;
    let bytes = reports::of_interview(&ctx.state, detail).await?;
    Ok(pdf_response(bytes, number, true))
}
