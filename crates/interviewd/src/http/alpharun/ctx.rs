//! The Alpharun request context ([`Context`] with a Bearer key and Alpharun's errors, so the
//! same check order as every dialect: key → not revoked or expired → scope → company), and
//! the parsing of contact references.

use super::error::ArError;
use crate::app::AppState;
use crate::core::candidates::ContactKey;
use crate::core::error::CoreError;
use crate::http::context::{Context, KeyedDialect};
use crate::http::dialect::Dialect;
use axum::extract::{FromRequestParts, Path};
use axum::http::request::Parts;
use interviewd_domain::{Email, ExtId, PhoneNumber};
use serde::de::DeserializeOwned;

/// The Alpharun dialect: a Bearer key, errors in Alpharun's shape.
pub enum Alpharun {}

impl KeyedDialect for Alpharun {
    type Error = ArError;

    const DIALECT: Dialect = Dialect::Alpharun;
}

/// Authenticated Alpharun request context.
pub type ArCtx = Context<Alpharun>;

/// Path parameters with the rejection in Alpharun's shape.
pub struct ArPath<T>(pub T);

impl<T: DeserializeOwned + Send> FromRequestParts<AppState> for ArPath<T> {
    type Rejection = ArError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        Path::<T>::from_request_parts(parts, state)
            .await
            .map(|Path(v)| ArPath(v))
            .map_err(|e| ArError(CoreError::invalid("path", e.body_text())))
    }
}

/// Parses a contact reference: a UUID, or `alt:ext_id:`, `alt:email:`, `alt:phone_number:`.
/// A reference that cannot name any contact is "not found" (ids are opaque strings to
/// clients), except a malformed e-mail or phone in an `alt:` form, which is a 400.
pub fn contact_key(raw: &str) -> Result<Option<ContactKey>, CoreError> {
    let raw = raw.trim();
    if let Some(v) = raw.strip_prefix("alt:ext_id:") {
        return Ok(ExtId::parse(v).ok().map(ContactKey::ExtId));
    }
    if let Some(v) = raw.strip_prefix("alt:email:") {
        return Email::parse(v)
            .map(|e| Some(ContactKey::Email(e)))
            .map_err(|e| CoreError::invalid_value("email", e));
    }
    if let Some(v) = raw.strip_prefix("alt:phone_number:") {
        return PhoneNumber::parse(v)
            .map(|p| Some(ContactKey::Phone(p)))
            .map_err(|e| CoreError::invalid_value("phone_number", e));
    }
    Ok(interviewd_domain::ids::parse_uuid(raw)
        .ok()
        .map(|u| ContactKey::Id(u.into())))
}

/// Parses a job-opening or job-type path id, which the vendor declares `format: uuid`: a value
/// that is not a UUID is a bad request.
pub fn path_uuid(raw: &str, field: &str) -> Result<uuid::Uuid, CoreError> {
    interviewd_domain::ids::parse_uuid(raw)
        .map_err(|_| CoreError::invalid(field, format!("{field} must be a UUID")))
}
