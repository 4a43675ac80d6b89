//! `GET /ai-interviews/report/{response_id}` and `GET /ai-interviews/report?custom_field_id=`:
//! the report of one response. Until the interview is COMPLETED the short form is returned
//! (ids, candidate, `invite_status`); after, the full report built from the stored
//! transcript, analysis and recordings. Its links are this dialect's routes
//! (`super::assets`), fetchable with the `apiKey` header; `pdf_link` and `report_link` are
//! also signed, and the recordings too with `is_downloadable=true`.

use super::ctx::{XbCtx, XbPath, int_id};
use super::error::XbError;
use crate::app::AppState;
use crate::core::interviews;
use crate::http::signed::Signer;
use crate::wire::xobin::report::{RecordingKeys, Recordings, Report};
use axum::Json;
use interviewd_domain::views::InterviewDetail;
use interviewd_domain::{InterviewStatus, Scope};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(by_custom_field))
        .routes(routes!(by_response))
}

/// `is_downloadable=true` makes the recording links downloadable without the key (signed,
/// until they expire); without it they are the routes the `apiKey` header fetches.
fn downloadable(ctx: &XbCtx) -> Result<bool, XbError> {
    match ctx.query.non_empty("is_downloadable") {
        None => Ok(false),
        Some(v) if v.eq_ignore_ascii_case("true") => Ok(true),
        Some(v) if v.eq_ignore_ascii_case("false") => Ok(false),
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
        ("is_downloadable" = Option<bool>, Query, description = "`true`: recording links that work without the key until they expire."),
    ),
    responses(
        (status = 200, description = "The short form until the interview is completed, then the full report.", body = Report),
        (status = 400, description = "`response_id` is not a positive integer, or `is_downloadable` is not `true`/`false`."),
        (status = 404, description = "No such response in the company."),
    )
)]
async fn by_response(ctx: XbCtx, XbPath(raw): XbPath) -> Result<Json<Report>, XbError> {
    let company = ctx.company(&[Scope::ReadInterviews])?;
    let signed = downloadable(&ctx)?;
    let number = int_id(&raw, "response_id")?;
    let detail = interviews::by_number(&ctx.state, company, number)
        .await?
        .ok_or_else(|| XbError::not_found("Response", number))?;
    Ok(Json(report(&ctx, detail, signed).await?))
}

/// The report of the newest response carrying a `custom_field_id`.
#[utoipa::path(
    get,
    path = "/ai-interviews/report",
    operation_id = "getReportByCustomField",
    tag = "AI interviews",
    params(
        ("custom_field_id" = String, Query, min_length = 1, pattern = "\\S", description = "The `custom_field_id` given at invite time."),
        ("is_downloadable" = Option<bool>, Query, description = "As for `getReport`."),
    ),
    responses(
        (status = 200, description = "As for `getReport`.", body = Report),
        (status = 400, description = "No `custom_field_id`, or `is_downloadable` is not `true`/`false`."),
        (status = 404, description = "No response carries this `custom_field_id` in the company."),
    )
)]
async fn by_custom_field(ctx: XbCtx) -> Result<Json<Report>, XbError> {
    let company = ctx.company(&[Scope::ReadInterviews])?;
    let signed = downloadable(&ctx)?;
    let custom_field_id = ctx
        .query
        .non_empty("custom_field_id")
        .ok_or_else(|| XbError::bad_request("custom_field_id or a response_id is required"))?;
    let detail = interviews::by_custom_field(&ctx.state, company, custom_field_id)
        .await?
        .ok_or_else(|| XbError::not_found("Response", custom_field_id))?;
    Ok(Json(report(&ctx, detail, signed).await?))
}

async fn report(ctx: &XbCtx, detail: InterviewDetail, signed: bool) -> Result<Report, XbError> {
    let completed = detail.interview.status == InterviewStatus::Completed;
    let report = interviews::report(&ctx.state, detail, completed).await?;
    let signer = Signer::load(&ctx.state).await?;
    let recordings = Recordings {
        keys: RecordingKeys::Sessions,
        signed,
    };
    Ok(Report::new(
        &report,
        &signer.links(),
        ctx.state.now(),
        recordings,
    ))
}
