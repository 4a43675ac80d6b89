//! The InstaView error body.

use serde::Serialize;
use serde_json::Value;
use utoipa::ToSchema;

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
    #[schema(schema_with = crate::wire::null_schema)]
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
    pub fn new(status: u16, code: &str, message: String, details: Value) -> Self {
        Self {
            success: false,
            status_code: status,
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
