//! The Xobin error shape. Xobin's v2 errors are ad hoc per endpoint; the common form is
//! `{"error": "<message>"}` with the HTTP status saying what kind of failure it is, and a
//! few endpoints document bodies of their own (the invite quota's `limit_exceed`). Every
//! core error is mapped here, in one place.

use crate::core::error::CoreError;
pub use crate::wire::xobin::ErrorBody;
use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::Value;

/// An error rendered as the Xobin dialect renders errors.
#[derive(Debug)]
pub enum XbError {
    /// A core error, mapped by [`classify`].
    Core(CoreError),
    /// A documented body with its own status.
    Body(StatusCode, Value),
}

impl From<CoreError> for XbError {
    fn from(e: CoreError) -> Self {
        Self::Core(e)
    }
}

impl XbError {
    /// A 400 `{"error": message}`.
    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::Core(CoreError::invalid("body", message))
    }

    /// A 404 `{"error": "<what> not found"}`.
    pub fn not_found(what: &'static str, id: impl ToString) -> Self {
        Self::Core(CoreError::not_found(what, id))
    }

    /// The invite quota of the company's plan is used up (documented body).
    pub fn invites_exhausted() -> Self {
        Self::body(
            StatusCode::FORBIDDEN,
            &ErrorBody {
                error: "limit_exceed".into(),
                message: Some("Invites Exhausted. Please contact support.".into()),
            },
        )
    }

    /// A documented body of an endpoint's own, typed in `wire::xobin`.
    pub fn body(status: StatusCode, body: &impl serde::Serialize) -> Self {
        Self::Body(status, serde_json::to_value(body).unwrap_or_default())
    }
}

/// Status and message of a core error.
pub fn classify(err: &CoreError) -> (StatusCode, String) {
    match err {
        // Xobin documents one message for every key problem; the reason stays in the logs.
        CoreError::Unauthorized(_) => (StatusCode::UNAUTHORIZED, "Invalid API key".into()),
        CoreError::MissingScope(_) | CoreError::Forbidden(_) => {
            (StatusCode::FORBIDDEN, err.to_string())
        }
        CoreError::NotFound { .. } => (StatusCode::NOT_FOUND, err.to_string()),
        CoreError::Validation { .. } => (StatusCode::BAD_REQUEST, err.to_string()),
        CoreError::Unprocessable { .. } => (StatusCode::UNPROCESSABLE_ENTITY, err.to_string()),
        CoreError::Conflict { .. } | CoreError::InvalidState(_) => {
            (StatusCode::CONFLICT, err.to_string())
        }
        CoreError::Unavailable => (
            StatusCode::SERVICE_UNAVAILABLE,
            "Service temporarily unavailable. Please try again later.".into(),
        ),
        CoreError::Internal(_) => (
            StatusCode::INTERNAL_SERVER_ERROR,
            "Internal server error. Please contact support.".into(),
        ),
    }
}

impl IntoResponse for XbError {
    fn into_response(self) -> Response {
        match self {
            XbError::Body(status, body) => (status, Json(body)).into_response(),
            XbError::Core(err) => {
                if let CoreError::Internal(detail) = &err {
                    tracing::error!(error = %detail, "internal error");
                }
                let (status, message) = classify(&err);
                (
                    status,
                    Json(ErrorBody {
                        error: message,
                        message: None,
                    }),
                )
                    .into_response()
            }
        }
    }
}
