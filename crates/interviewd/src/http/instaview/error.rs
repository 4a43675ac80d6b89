//! The InstaView error shape: the envelope of the error-handling guide
//! (`{success:false, data:null, error:{code,message,details}, timestamp}`) plus NestJS-style
//! `statusCode` and `message` at the top level, so clients written against either of the
//! documented forms find what they read.

use crate::core::error::CoreError;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use serde_json::{Value, json};
use utoipa::ToSchema;

/// A core error rendered as InstaView renders errors.
#[derive(Debug)]
pub struct IvError(pub CoreError);

impl From<CoreError> for IvError {
    fn from(e: CoreError) -> Self {
        Self(e)
    }
}

impl From<crate::store::StoreError> for IvError {
    fn from(e: crate::store::StoreError) -> Self {
        Self(e.into())
    }
}

/// Status, stable code and details for a core error.
pub fn classify(err: &CoreError) -> (StatusCode, &'static str, Value) {
    match err {
        CoreError::Unauthorized(_) => (StatusCode::UNAUTHORIZED, "INVALID_API_KEY", Value::Null),
        CoreError::MissingScope(scope) => (
            StatusCode::FORBIDDEN,
            "INSUFFICIENT_PERMISSIONS",
            json!({ "requiredScope": scope.as_str() }),
        ),
        CoreError::Forbidden(_) => (StatusCode::FORBIDDEN, "COMPANY_MISMATCH", Value::Null),
        CoreError::NotFound { resource, id } => (
            StatusCode::NOT_FOUND,
            "RESOURCE_NOT_FOUND",
            json!({ "resourceType": resource, "resourceId": id }),
        ),
        CoreError::Validation { field, .. } => (
            StatusCode::BAD_REQUEST,
            "VALIDATION_ERROR",
            json!({ "field": field }),
        ),
        CoreError::Conflict { field, .. } => (
            StatusCode::CONFLICT,
            "RESOURCE_CONFLICT",
            json!({ "field": field }),
        ),
        CoreError::InvalidState(_) => (
            StatusCode::CONFLICT,
            "INVALID_STATE_TRANSITION",
            Value::Null,
        ),
        CoreError::Unavailable => (
            StatusCode::SERVICE_UNAVAILABLE,
            "SERVICE_UNAVAILABLE",
            Value::Null,
        ),
        CoreError::Internal(_) => (
            StatusCode::INTERNAL_SERVER_ERROR,
            "INTERNAL_ERROR",
            Value::Null,
        ),
    }
}

/// The body of every InstaView error (the OpenAPI `Error` schema).
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = Error)]
pub struct ErrorBody {
    /// Always `false`.
    pub success: bool,
    /// The HTTP status, repeated.
    #[schema(minimum = 400, maximum = 599)]
    pub status_code: u16,
    /// The human message (the same as `error.message`).
    pub message: String,
    /// Always `null`.
    #[schema(schema_with = crate::http::openapi::null_schema)]
    pub data: Option<Value>,
    pub error: ErrorDetail,
    /// When the error was produced (RFC 3339, UTC).
    #[schema(format = DateTime)]
    pub timestamp: String,
}

/// The machine-readable part of an InstaView error.
#[derive(Serialize, ToSchema)]
pub struct ErrorDetail {
    /// A stable code: `INVALID_API_KEY`, `INSUFFICIENT_PERMISSIONS`, `COMPANY_MISMATCH`,
    /// `RESOURCE_NOT_FOUND`, `VALIDATION_ERROR`, `RESOURCE_CONFLICT`,
    /// `INVALID_STATE_TRANSITION`, `IDEMPOTENCY_KEY_IN_USE`, `IDEMPOTENCY_KEY_REUSED`,
    /// `PAYLOAD_TOO_LARGE`, `REQUEST_TIMEOUT`, `SERVICE_UNAVAILABLE` or `INTERNAL_ERROR`.
    pub code: String,
    pub message: String,
    /// What the error is about (`field`, `requiredScope`, `resourceType`/`resourceId`), or
    /// `null`.
    #[schema(value_type = Value)]
    pub details: Value,
}

impl ErrorBody {
    /// The body of an error with `status`, `code`, `message` and `details`.
    pub fn new(status: StatusCode, code: &str, message: String, details: Value) -> Self {
        Self {
            success: false,
            status_code: status.as_u16(),
            message: message.clone(),
            data: None,
            error: ErrorDetail {
                code: code.to_owned(),
                message,
                details,
            },
            timestamp: interviewd_domain::time::rfc3339(chrono::Utc::now()),
        }
    }
}

impl IntoResponse for IvError {
    fn into_response(self) -> Response {
        if let CoreError::Internal(detail) = &self.0 {
            tracing::error!(error = %detail, "internal error");
        }
        let (status, code, details) = classify(&self.0);
        let body = ErrorBody::new(status, code, self.0.to_string(), details);
        (status, axum::Json(body)).into_response()
    }
}

/// A 400 with an explicit status (for documented 400s that are not field validation).
pub fn bad_request(field: &str, message: impl Into<String>) -> IvError {
    IvError(CoreError::invalid(field, message))
}
