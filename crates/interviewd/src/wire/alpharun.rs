//! The Alpharun dialect's wire objects.

use serde::Serialize;
use utoipa::ToSchema;

/// The body of every Alpharun error (the OpenAPI `Error` schema).
#[derive(Serialize, ToSchema)]
#[schema(as = Error)]
pub struct ErrorBody {
    /// The HTTP status, repeated.
    #[schema(minimum = 400, maximum = 599)]
    pub error: u16,
    pub message: String,
}
