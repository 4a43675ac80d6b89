//! The InstaView request context: the authenticated key and the query string. Extracting it
//! performs the first two checks (key present and known, not revoked or expired); handlers
//! then call [`Ctx::company`] with the scopes they need, which performs the last two.

use super::error::IvError;
use crate::auth::Principal;
use crate::error::CoreError;
use crate::http::AppState;
use crate::http::extract::{QueryParams, bearer, json_body};
use crate::store::ResourceKind;
use axum::extract::{FromRequestParts, Path};
use axum::http::request::Parts;
use interviewd_domain::{CompanyId, Scope};
use serde::de::DeserializeOwned;
use uuid::Uuid;

/// Authenticated InstaView request context.
pub struct Ctx {
    pub principal: Principal,
    pub query: QueryParams,
    pub state: AppState,
}

impl FromRequestParts<AppState> for Ctx {
    type Rejection = IvError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let principal =
            Principal::authenticate(state.store.as_ref(), bearer(&parts.headers), state.now())
                .await?;
        Ok(Self {
            principal,
            query: QueryParams::parse(parts.uri.query()),
            state: state.clone(),
        })
    }
}

impl Ctx {
    /// Checks `scopes`, then resolves the acting company (`companyId` for ATS keys).
    pub fn company(&self, scopes: &[Scope]) -> Result<CompanyId, IvError> {
        Ok(self
            .principal
            .acting(scopes, self.query.non_empty("companyId"))?)
    }

    /// The error for an id that is not the acting company's: 403 when another company owns
    /// it, 404 when nobody does.
    pub async fn missing(
        &self,
        kind: ResourceKind,
        resource: &'static str,
        id: Uuid,
        company: CompanyId,
    ) -> IvError {
        match self.state.store.owner_of(kind, id).await {
            Ok(Some(owner)) if owner != company => IvError(CoreError::Forbidden(format!(
                "The {resource} belongs to a different company"
            ))),
            Ok(_) => IvError(CoreError::not_found(resource, id)),
            Err(e) => e.into(),
        }
    }

    /// Parses a JSON body.
    pub fn body<T: DeserializeOwned>(&self, bytes: &[u8]) -> Result<T, IvError> {
        Ok(json_body(bytes)?)
    }
}

/// Parses a path id as a UUID (400 otherwise), naming the field in the error.
pub fn path_uuid(raw: &str, field: &str) -> Result<Uuid, IvError> {
    interviewd_domain::ids::parse_uuid(raw).map_err(|_| {
        IvError(CoreError::invalid(
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
            .map_err(|e| IvError(CoreError::invalid("path", e.body_text())))
    }
}
