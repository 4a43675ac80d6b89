//! The InstaView request context ([`Context`] with a Bearer key and InstaView's errors), and
//! the lookups its handlers share.

use super::error::IvError;
use crate::app::AppState;
use crate::core::auth::{self, ResourceKind};
use crate::core::error::CoreError;
use crate::http::context::{Context, KeyedDialect};
use crate::http::dialect::Dialect;
use axum::extract::{FromRequestParts, Path};
use axum::http::request::Parts;
use interviewd_domain::CompanyId;
use serde::de::DeserializeOwned;
use uuid::Uuid;

/// The InstaView dialect: a Bearer key, errors in InstaView's envelope.
pub enum InstaView {}

impl KeyedDialect for InstaView {
    type Error = IvError;

    const DIALECT: Dialect = Dialect::InstaView;
}

/// Authenticated InstaView request context.
pub type Ctx = Context<InstaView>;

impl Context<InstaView> {
    /// The error for an id that is not the acting company's: 403 when another company owns
    /// it, 404 when nobody does.
    pub async fn missing(
        &self,
        kind: ResourceKind,
        resource: &'static str,
        id: Uuid,
        company: CompanyId,
    ) -> IvError {
        match auth::owner_of(&self.state, kind, id).await {
            Ok(Some(owner)) if owner != company => IvError::from(CoreError::Forbidden(format!(
                "The {resource} belongs to a different company"
            ))),
            Ok(_) => IvError::from(CoreError::not_found(resource, id)),
            Err(e) => e.into(),
        }
    }
}

/// Parses a path id as a UUID (400 otherwise), naming the field in the error.
pub fn path_uuid(raw: &str, field: &str) -> Result<Uuid, IvError> {
    interviewd_domain::ids::parse_uuid(raw).map_err(|_| {
        IvError::from(CoreError::invalid(
            field,
            format!("{field} must be a valid UUID"),
        ))
    })
}

/// Path parameters with the rejection in InstaView's shape.
pub struct IvPath<T>(pub T);

impl<T: DeserializeOwned + Send> FromRequestParts<AppState> for IvPath<T> {
    type Rejection = IvError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        Path::<T>::from_request_parts(parts, state)
            .await
            .map(|Path(v)| IvPath(v))
            .map_err(|e| IvError::from(CoreError::invalid("path", e.body_text())))
    }
}
