//! Call attempts of an interview:
//!
//! - `POST /interviews/{id}/call-attempts` `{"scheduledAt": ISO | null}` (`write:interviews`):
//!   a new attempt (null = as soon as possible) replacing the scheduled ones; 201
//!   `{"success": true, "message"}`. 400 for ONLINE interviews, 409 while a call is in
//!   progress or when the interview is completed or canceled. A FAILED interview is scheduled
//!   again; a manual attempt starts a fresh retry budget (`retryNumber` 0).
//! - `PATCH /interviews/{id}/call-attempts/{attemptId}` `{"scheduledAt": ISO}`
//!   (`write:interviews`): moves a SCHEDULED attempt to a future time; 204. 400 for an
//!   attempt in any other status (IN_PROGRESS included) and for ONLINE interviews.
//! - `DELETE /interviews/{id}/call-attempts/{attemptId}` (`write:interviews`): cancels a
//!   scheduled attempt or removes a finished one from the history, its recording and the
//!   carrier's copies erased; 204 (the COMPLETED attempt's conversation stays the interview's
//!   transcript and analysis). 400 for an attempt IN_PROGRESS and for ONLINE interviews. A SCHEDULED
//!   interview left without a pending attempt is CANCELED (`interview.canceled`,
//!   `ATTEMPT_DELETED`). Decisions in docs/api-instaview.md.
//! - `GET /interviews/{id}/call-attempts/{attemptId}/recording` (`read:interviews`): the
//!   recording as `audio/wav`, to keys of the interview's company, or to anyone holding a
//!   valid signed link to it (the `recordingUrl` of the interview, of Alpharun's `calls`).

use super::{Ctx, IvError, IvPath, path_uuid};
use crate::app::AppState;
use crate::core::auth::ResourceKind;
use crate::core::calls;
use crate::core::error::CoreError;
use crate::http::signed::{asset_company, asset_file};
use crate::wire::instaview::SuccessMessage;
use axum::Json;
use axum::body::Bytes;
use axum::extract::{OriginalUri, State};
use axum::http::StatusCode;
use axum::response::Response;
use chrono::{DateTime, Duration, Utc};
use interviewd_domain::time::rfc3339;
use interviewd_domain::views::InterviewDetail;
use interviewd_domain::{CompanyId, Scope};
use serde::Deserialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(invoke))
        .routes(routes!(reschedule, delete))
        .routes(routes!(recording))
}

/// When to call.
#[derive(Deserialize, Default, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = CallSchedule)]
struct ScheduleBody {
    /// ISO 8601 with an offset, at most 30 days ahead. Placing a call: `null` or absent means
    /// now, at most 5 minutes past. Rescheduling: required, in the future.
    #[serde(default)]
    #[schema(nullable, format = DateTime)]
    scheduled_at: Option<String>,
}

/// How far ahead an attempt may be scheduled.
const MAX_AHEAD_DAYS: i64 = 30;

fn parse_time(raw: &str, now: DateTime<Utc>) -> Result<DateTime<Utc>, CoreError> {
    let at = DateTime::parse_from_rfc3339(raw.trim())
        .map_err(|e| {
            CoreError::invalid(
                "scheduledAt",
                format!("scheduledAt must be an ISO 8601 date-time with offset: {e}"),
            )
        })?
        .with_timezone(&Utc);
    if at > now + Duration::days(MAX_AHEAD_DAYS) {
        return Err(CoreError::invalid(
            "scheduledAt",
            "scheduledAt may be at most 30 days ahead",
        ));
    }
    Ok(at)
}

/// The interview of the acting company, or the 403/404 for `id`.
async fn interview_of(
    ctx: &Ctx,
    company: CompanyId,
    id: uuid::Uuid,
) -> Result<InterviewDetail, IvError> {
    match crate::core::interviews::get(&ctx.state, company, id.into()).await? {
        Some(detail) => Ok(detail),
        None => Err(ctx
            .missing(ResourceKind::Interview, "interview", id, company)
            .await),
    }
}

/// Place a call: a new attempt replacing the scheduled ones (PHONE interviews).
#[utoipa::path(
    post,
    path = "/interviews/{id}/call-attempts",
    operation_id = "placeCall",
    tag = "Interviews",
    params(("id" = String, Path, format = "uuid")),
    request_body(content = Option<ScheduleBody>, description = "Optional; an empty body means now."),
    responses(
        (status = 201, description = "Scheduled.", body = SuccessMessage),
        (status = 400, description = "`id` is not a UUID, an invalid `scheduledAt`, or an ONLINE interview."),
        (status = 403, description = "The interview belongs to another company."),
        (status = 404, description = "No such interview."),
        (status = 409, description = "A call is in progress, or the interview is completed or canceled."),
    )
)]
async fn invoke(
    ctx: Ctx,
    IvPath(id): IvPath<String>,
    body: Bytes,
) -> Result<(StatusCode, Json<SuccessMessage>), IvError> {
    let company = ctx.company(&[Scope::WriteInterviews])?;
    let id = path_uuid(&id, "id")?;
    let input: ScheduleBody = if body.iter().all(u8::is_ascii_whitespace) {
        ScheduleBody::default()
    } else {
        ctx.body(&body)?
    };
    let now = ctx.state.now();
    let at = match input.scheduled_at.as_deref() {
        // Slightly in the past (clock skew) means now; far in the past is a mistake.
        Some(raw) => {
            let at = parse_time(raw, now)?;
            if at < now - Duration::minutes(5) {
                return Err(CoreError::invalid(
                    "scheduledAt",
                    "scheduledAt must not be in the past",
                )
                .into());
            }
            at.max(now)
        }
        None => now,
    };
    let detail = interview_of(&ctx, company, id).await?;
    let placed = calls::place_call(&ctx.state, &detail, at).await?;
    let message = format!(
        "Call attempt {} scheduled for {}; {} scheduled attempt(s) replaced",
        placed.attempt,
        rfc3339(placed.at),
        placed.replaced
    );
    Ok((
        StatusCode::CREATED,
        Json(SuccessMessage {
            success: true,
            message,
        }),
    ))
}

/// Move a SCHEDULED call attempt to a future time.
#[utoipa::path(
    patch,
    path = "/interviews/{id}/call-attempts/{attempt_id}",
    operation_id = "rescheduleCall",
    tag = "Interviews",
    params(
        ("id" = String, Path, format = "uuid"),
        ("attempt_id" = String, Path, format = "uuid"),
    ),
    request_body = ScheduleBody,
    responses(
        (status = 204, description = "Rescheduled."),
        (status = 400, description = "An invalid id or `scheduledAt`, an attempt not SCHEDULED, or an ONLINE interview."),
        (status = 403, description = "The interview belongs to another company."),
        (status = 404, description = "No such interview or call attempt."),
    )
)]
async fn reschedule(
    ctx: Ctx,
    IvPath((id, attempt_id)): IvPath<(String, String)>,
    body: Bytes,
) -> Result<StatusCode, IvError> {
    let company = ctx.company(&[Scope::WriteInterviews])?;
    let id = path_uuid(&id, "id")?;
    let attempt_id = path_uuid(&attempt_id, "attemptId")?;
    let input: ScheduleBody = ctx.body(&body)?;
    let now = ctx.state.now();
    let raw = input
        .scheduled_at
        .ok_or_else(|| CoreError::invalid("scheduledAt", "scheduledAt is required"))?;
    let at = parse_time(&raw, now)?;
    let detail = interview_of(&ctx, company, id).await?;
    calls::reschedule(&ctx.state, &detail, attempt_id.into(), at).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Cancel and delete a call attempt.
#[utoipa::path(
    delete,
    path = "/interviews/{id}/call-attempts/{attempt_id}",
    operation_id = "deleteCallAttempt",
    tag = "Interviews",
    params(
        ("id" = String, Path, format = "uuid"),
        ("attempt_id" = String, Path, format = "uuid"),
    ),
    responses(
        (status = 204, description = "Call attempt deleted."),
        (status = 400, description = "An invalid id, an attempt IN_PROGRESS, or an ONLINE interview."),
        (status = 403, description = "The interview belongs to another company."),
        (status = 404, description = "No such interview or call attempt."),
    )
)]
async fn delete(
    ctx: Ctx,
    IvPath((id, attempt_id)): IvPath<(String, String)>,
) -> Result<StatusCode, IvError> {
    let company = ctx.company(&[Scope::WriteInterviews])?;
    let id = path_uuid(&id, "id")?;
    let attempt_id = path_uuid(&attempt_id, "attemptId")?;
    let detail = interview_of(&ctx, company, id).await?;
    let actor = Some(ctx.principal.key.id);
    calls::delete_attempt(&ctx.state, &detail, attempt_id.into(), actor).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The recording of a call attempt.
#[utoipa::path(
    get,
    path = "/interviews/{id}/call-attempts/{attempt_id}/recording",
    operation_id = "getRecording",
    tag = "Interviews",
    params(
        ("id" = String, Path, format = "uuid"),
        ("attempt_id" = String, Path, format = "uuid"),
        crate::http::openapi::SignedLinkParams,
    ),
    responses(
        (status = 200, description = "The recording.", content_type = "audio/wav", body = Vec<u8>),
        (status = 400, description = "An id is not a UUID."),
        (status = 403, description = "The interview belongs to another company, or the link's signature is invalid or expired."),
        (status = 404, description = "No such interview, call attempt or recording."),
    )
)]
async fn recording(
    State(state): State<AppState>,
    OriginalUri(uri): OriginalUri,
    ctx: Result<Ctx, IvError>,
    IvPath((id, attempt_id)): IvPath<(String, String)>,
) -> Result<Response, IvError> {
    let (company, ctx) = asset_company(&state, &uri, ctx, &[Scope::ReadInterviews]).await?;
    let id = path_uuid(&id, "id")?;
    let attempt_id = path_uuid(&attempt_id, "attemptId")?;
    let detail = match (
        &ctx,
        crate::core::interviews::get(&state, company, id.into()).await?,
    ) {
        (_, Some(detail)) => detail,
        (Some(ctx), None) => {
            return Err(ctx
                .missing(ResourceKind::Interview, "interview", id, company)
                .await);
        }
        (None, None) => return Err(CoreError::not_found("interview", id).into()),
    };
    let bytes = calls::recording(&state, company, detail.interview.id, attempt_id.into()).await?;
    let disposition = format!("inline; filename=\"{attempt_id}.wav\"");
    Ok(asset_file("audio/wav", disposition, bytes))
}
