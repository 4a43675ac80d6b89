//! The Alpharun error shape: `{"error": <status>, "message": "…"}` (the `Error` schema of the
//! vendor's OpenAPI: both fields required).

use crate::core::error::CoreError;
pub use crate::wire::alpharun::ErrorBody;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

/// A core error rendered as Alpharun renders errors.
#[derive(Debug)]
pub struct ArError(pub CoreError);

impl From<CoreError> for ArError {
    fn from(e: CoreError) -> Self {
        Self(e)
    }
}

impl IntoResponse for ArError {
    fn into_response(self) -> Response {
        let status = match &self.0 {
            CoreError::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            CoreError::MissingScope(_) | CoreError::Forbidden(_) => StatusCode::FORBIDDEN,
            CoreError::NotFound { .. } => StatusCode::NOT_FOUND,
            // Alpharun documents 400 for every invalid payload, duplicates included.
            CoreError::Validation { .. }
            | CoreError::Unprocessable { .. }
            | CoreError::Conflict { .. }
            | CoreError::InvalidState(_) => StatusCode::BAD_REQUEST,
            CoreError::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
            CoreError::Internal(detail) => {
                tracing::error!(error = %detail, "internal error");
                StatusCode::INTERNAL_SERVER_ERROR
            }
        };
        let message = match &self.0 {
            CoreError::Unauthorized(_) => "Unauthorized - Invalid or missing API key".to_owned(),
            other => other.to_string(),
        };
        (
            status,
            axum::Json(ErrorBody {
                error: status.as_u16(),
                message,
            }),
        )
            .into_response()
    }
}
