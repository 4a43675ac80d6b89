//! The InstaView error shape: the envelope of the error-handling guide
//! (`{success:false, data:null, error:{code,message,details}, timestamp}`) plus NestJS-style
//! `statusCode` and `message` at the top level, so clients written against either of the
//! documented forms find what they read.

use crate::core::error::CoreError;
pub use crate::wire::instaview::{ErrorBody, ErrorDetail};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

/// A core error rendered as InstaView renders errors, with the vendor's own code where one
/// of its pages names a different one for that case ([`IvError::coded`]).
#[derive(Debug)]
pub struct IvError(pub CoreError, Option<&'static str>);

impl From<CoreError> for IvError {
    fn from(e: CoreError) -> Self {
        Self(e, None)
    }
}

impl IvError {
    /// The same error under `code`: the webhook pages answer another company's webhook with
    /// `RESOURCE_ACCESS_DENIED` where the other resources' errors follow the guide.
    pub fn coded(self, code: &'static str) -> Self {
        Self(self.0, Some(code))
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
        CoreError::Unprocessable { field, .. } => (
            StatusCode::UNPROCESSABLE_ENTITY,
            "UNPROCESSABLE_ENTITY",
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

impl IntoResponse for IvError {
    fn into_response(self) -> Response {
        if let CoreError::Internal(detail) = &self.0 {
            tracing::error!(error = %detail, "internal error");
        }
        let (status, code, details) = classify(&self.0);
        let code = self.1.unwrap_or(code);
        let body = ErrorBody::new(status.as_u16(), code, self.0.to_string(), details);
        (status, axum::Json(body)).into_response()
    }
}

/// A 400 with an explicit status (for documented 400s that are not field validation).
pub fn bad_request(field: &str, message: impl Into<String>) -> IvError {
    IvError::from(CoreError::invalid(field, message))
}
