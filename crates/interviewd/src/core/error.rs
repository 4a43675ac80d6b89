//! The one error type of the core. Each dialect maps it to its own wire shape in one place
//! (`http::<dialect>::error`).

use crate::store::StoreError;
use interviewd_domain::{InvalidValue, Scope};

/// Why a request could not be served.
#[derive(Debug, thiserror::Error)]
pub enum CoreError {
    /// Missing, unknown, revoked or expired key.
    #[error("{0}")]
    Unauthorized(&'static str),
    /// The key lacks a scope.
    #[error("This API key does not have the required scope: {0}")]
    MissingScope(Scope),
    /// The caller may not act on this company or resource.
    #[error("{0}")]
    Forbidden(String),
    /// No such resource in the acting company.
    #[error("{resource} not found")]
    NotFound { resource: &'static str, id: String },
    /// A request value is invalid.
    #[error("{message}")]
    Validation { field: String, message: String },
    /// The request is well formed but what it points at cannot be used (a job posting's
    /// page that states no job).
    #[error("{message}")]
    Unprocessable { field: String, message: String },
    /// A uniqueness rule was violated.
    #[error("{message}")]
    Conflict { field: String, message: String },
    /// The resource's state does not allow the operation.
    #[error("{0}")]
    InvalidState(String),
    /// The database is unavailable; retrying later may succeed.
    #[error("service temporarily unavailable")]
    Unavailable,
    /// A bug or unexpected failure; details are logged, not returned.
    #[error("internal error")]
    Internal(String),
}

impl CoreError {
    /// A validation error on `field`.
    pub fn invalid(field: impl Into<String>, message: impl Into<String>) -> Self {
        CoreError::Validation {
            field: field.into(),
            message: message.into(),
        }
    }

    /// A validation error built from a value parser's refusal.
    pub fn invalid_value(field: impl Into<String>, err: InvalidValue) -> Self {
        let field = field.into();
        CoreError::Validation {
            message: format!("{field}: {}", err.0),
            field,
        }
    }

    /// Not found.
    pub fn not_found(resource: &'static str, id: impl ToString) -> Self {
        CoreError::NotFound {
            resource,
            id: id.to_string(),
        }
    }
}

impl From<StoreError> for CoreError {
    fn from(err: StoreError) -> Self {
        match err {
            StoreError::Conflict { field } => CoreError::Conflict {
                field: field.to_owned(),
                message: format!("a record with this {field} already exists in the company"),
            },
            StoreError::Unavailable(e) => {
                tracing::error!(error = %e, "database unavailable");
                CoreError::Unavailable
            }
            // Lost a race with a removal: what the request names is gone, as if it had
            // arrived a moment later. Nothing was written (the transaction rolled back).
            StoreError::Gone(resource) => CoreError::NotFound {
                resource,
                id: String::new(),
            },
            StoreError::Injected(point) => {
                tracing::error!(point, "injected storage fault");
                CoreError::Unavailable
            }
            StoreError::Internal(e) => CoreError::Internal(e),
        }
    }
}
