//! The Xobin request context: the key from the `apiKey` header and the query string.
//! Extracting it authenticates the key (401 otherwise); handlers then call
//! [`XbCtx::company`] with the scopes they need (403 otherwise). ATS keys name the company
//! with `?companyId=`, as on the other dialects.

use super::error::XbError;
use crate::auth::Principal;
use crate::http::AppState;
use crate::http::extract::{QueryParams, json_body};
use axum::extract::FromRequestParts;
use axum::http::HeaderMap;
use axum::http::request::Parts;
use interviewd_domain::{CompanyId, Scope};
use serde::de::DeserializeOwned;

/// The header Xobin clients send their key in (header names are case-insensitive).
pub const API_KEY_HEADER: &str = "apikey";

/// Authenticated Xobin request context.
pub struct XbCtx {
    pub principal: Principal,
    pub query: QueryParams,
    pub state: AppState,
}

/// The key of the `apiKey` header, if present and not blank.
fn api_key(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(API_KEY_HEADER)?
        .to_str()
        .ok()
        .map(str::trim)
        .filter(|k| !k.is_empty())
}

impl FromRequestParts<AppState> for XbCtx {
    type Rejection = XbError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let principal =
            Principal::authenticate(state.store.as_ref(), api_key(&parts.headers), state.now())
                .await?;
        Ok(Self {
            principal,
            query: QueryParams::parse(parts.uri.query()),
            state: state.clone(),
        })
    }
}

impl XbCtx {
    /// Checks `scopes`, then resolves the acting company (`companyId` for ATS keys).
    pub fn company(&self, scopes: &[Scope]) -> Result<CompanyId, XbError> {
        Ok(self
            .principal
            .acting(scopes, self.query.non_empty("companyId"))?)
    }

    /// Parses a JSON body.
    pub fn body<T: DeserializeOwned>(&self, bytes: &[u8]) -> Result<T, XbError> {
        Ok(json_body(bytes)?)
    }
}

/// Parses an integer id from the path or query (400 otherwise). Ids are positive.
pub fn int_id(raw: &str, field: &str) -> Result<i64, XbError> {
    raw.trim()
        .parse::<i64>()
        .ok()
        .filter(|n| *n > 0)
        .ok_or_else(|| XbError::bad_request(format!("{field} must be a positive integer")))
}

/// One path parameter, with the rejection in Xobin's shape.
pub struct XbPath(pub String);

impl FromRequestParts<AppState> for XbPath {
    type Rejection = XbError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        axum::extract::Path::<String>::from_request_parts(parts, state)
            .await
            .map(|axum::extract::Path(v)| XbPath(v))
            .map_err(|e| XbError::bad_request(e.body_text()))
    }
}
