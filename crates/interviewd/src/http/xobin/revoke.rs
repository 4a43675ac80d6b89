//! `PATCH /ai-interviews/invite/revoke` `{"response_id": int, "notify_candidate": bool}`.
//!
//! The decision is the domain's ([`interviewd_domain::removal::decide_revoke`]) and the store
//! applies it in one transaction ([`crate::store::Store::revoke_invite`]):
//! - `ALREADY_REVOKED` when revoked before;
//! - `NOT_ALLOWED` + `timestamp` (`YYYY-MM-DD HH:MM:SS`, UTC) when the invite was sent before
//!   the company's latest plan change; `NOT_ALLOWED` with its own message when the interview
//!   already started or finished;
//! - `REVOKED`: the link answers 410, the interview is CANCELED, its attempts CANCELLED, the
//!   invite returns to the quota, and with `notify_candidate: true` exactly one notice is
//!   queued in the same transaction;
//! - `FAILED` (HTTP 503) when the transaction could not complete: nothing half done, safe to
//!   retry. HTTP 200 for the other three; 404 for an unknown `response_id`; 400 for a
//!   malformed body.

use super::ctx::XbCtx;
use super::error::XbError;
use crate::app::AppState;
use crate::core::error::CoreError;
use crate::core::removal::{self, RevokeOutcome};
use axum::Json;
use axum::body::Bytes;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use interviewd_domain::Scope;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(revoke))
}

/// A revoke request.
#[derive(Deserialize, ToSchema)]
#[schema(as = RevokeRequest)]
struct Body {
    /// The response (invite) to revoke: a positive integer, or a string of its digits.
    #[schema(schema_with = crate::http::openapi::positive_int_or_digits)]
    response_id: Value,
    /// Whether to e-mail the candidate a notice (default `false`).
    #[serde(default)]
    notify_candidate: Option<bool>,
}

/// The outcome of a revoke.
#[derive(Serialize, ToSchema)]
struct RevokeStatus {
    /// `REVOKED`, `ALREADY_REVOKED` or `NOT_ALLOWED` (200), `FAILED` (503).
    #[schema(value_type = String, pattern = "^(REVOKED|ALREADY_REVOKED|NOT_ALLOWED|FAILED)$")]
    status: &'static str,
    message: &'static str,
    /// With `NOT_ALLOWED` after a plan change: the change time (`YYYY-MM-DD HH:MM:SS`, UTC).
    #[serde(skip_serializing_if = "Option::is_none")]
    timestamp: Option<String>,
}

/// A 503 of revoke: the `FAILED` status object, or the generic error of the layers in front.
#[derive(Serialize, ToSchema)]
#[serde(untagged)]
#[allow(dead_code)] // Schema only: the two bodies a 503 may carry.
enum RevokeUnavailable {
    Status(RevokeStatus),
    Error(super::error::ErrorBody),
}

fn response_id(v: &Value) -> Result<i64, XbError> {
    super::ctx::json_id(v)
        .ok_or_else(|| XbError::bad_request("response_id must be a positive integer"))
}

fn status(code: StatusCode, status: &'static str, message: &'static str) -> Response {
    let body = RevokeStatus {
        status,
        message,
        timestamp: None,
    };
    (code, Json(body)).into_response()
}

fn unavailable() -> Response {
    status(
        StatusCode::SERVICE_UNAVAILABLE,
        "FAILED",
        "Error in revoking the invite. Please contact support",
    )
}

/// Revoke an invite.
#[utoipa::path(
    patch,
    path = "/ai-interviews/invite/revoke",
    operation_id = "revokeInvite",
    tag = "AI interviews",
    request_body = Body,
    responses(
        (status = 200, description = "`REVOKED`, `ALREADY_REVOKED`, or `NOT_ALLOWED` (with `timestamp` when the invite predates the latest plan change).", body = RevokeStatus),
        (status = 400, description = "A malformed body or `response_id`."),
        (status = 404, description = "No such response in the company."),
        (status = 503, description = "`FAILED`: nothing was changed; safe to retry.", body = RevokeUnavailable),
    )
)]
async fn revoke(ctx: Result<XbCtx, XbError>, body: Bytes) -> Result<Response, XbError> {
    // The key is checked against the database too: when the database is unreachable the
    // revoke could not be completed, so the answer is FAILED rather than a generic 503.
    let ctx = match ctx {
        Ok(ctx) => ctx,
        Err(XbError::Core(CoreError::Unavailable)) => return Ok(unavailable()),
        Err(e) => return Err(e),
    };
    let company = ctx.company(&[Scope::WriteInterviews])?;
    let raw: Value = ctx.body(&body)?;
    if !raw.is_object() {
        return Err(XbError::bad_request("the body must be a JSON object"));
    }
    let input: Body = ctx.body(&body)?;
    let id = response_id(&input.response_id)?;
    let notify = input.notify_candidate.unwrap_or(false);
    let actor = Some(ctx.principal.key.id);
    let outcome = match removal::revoke(&ctx.state, company, actor, id, notify).await {
        Ok(outcome) => outcome,
        Err(CoreError::Unavailable | CoreError::Internal(_)) => return Ok(unavailable()),
        Err(e) => return Err(e.into()),
    };
    Ok(match outcome {
        RevokeOutcome::NotFound => return Err(XbError::not_found("Response", id)),
        RevokeOutcome::AlreadyRevoked => {
            status(StatusCode::OK, "ALREADY_REVOKED", "Invite already revoked")
        }
        RevokeOutcome::NotAllowedPlanChange(at) => {
            let body = RevokeStatus {
                status: "NOT_ALLOWED",
                message: "Invite was sent before the latest plan change",
                timestamp: Some(at.format("%Y-%m-%d %H:%M:%S").to_string()),
            };
            (StatusCode::OK, Json(body)).into_response()
        }
        RevokeOutcome::NotAllowedStarted => status(
            StatusCode::OK,
            "NOT_ALLOWED",
            "Invite cannot be revoked: the interview has already started or finished",
        ),
        RevokeOutcome::Revoked => status(StatusCode::OK, "REVOKED", "Invite Revoked successfully."),
    })
}
