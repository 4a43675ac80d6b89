//! The request context every dialect's handlers take: the authenticated key, the query string
//! and the application state. Extracting it performs the first two checks of every route (a
//! key is present and known; it is not revoked or expired); handlers then call
//! [`Context::company`] with the scopes they need, which performs the last two (scope, then
//! the acting company — `companyId` for ATS keys). A dialect says only where its key comes
//! from and what shape its errors take.

use crate::app::AppState;
use crate::core::auth::Principal;
use crate::core::error::CoreError;
use crate::http::dialect::Dialect;
use crate::http::extract::{QueryParams, json_body_reporting, json_value_reporting};
use crate::http::fields::IgnoredFields;
use crate::http::ratelimit::AuthenticatedKey;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::response::IntoResponse;
use interviewd_domain::{CompanyId, Scope};
use serde::de::DeserializeOwned;
use std::marker::PhantomData;

/// What sets one dialect's context apart from another's.
pub trait KeyedDialect: Send + Sync + 'static {
    /// The dialect's error, which every check's failure becomes.
    type Error: From<CoreError> + IntoResponse + Send;

    /// The dialect: where its key comes from.
    const DIALECT: Dialect;
}

/// An authenticated request of dialect `D`.
pub struct Context<D> {
    pub principal: Principal,
    pub query: QueryParams,
    pub state: AppState,
    /// Where the body's ignored members are noted (reported in the response's headers).
    pub ignored: IgnoredFields,
    dialect: PhantomData<fn() -> D>,
}

impl<D: KeyedDialect> FromRequestParts<AppState> for Context<D> {
    type Rejection = D::Error;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let principal = match parts.extensions.get::<AuthenticatedKey>() {
            // The rate-limit layer authenticated this request's key a moment ago.
            Some(AuthenticatedKey(principal)) => principal.clone(),
            None => {
                let key = D::DIALECT.api_key(&parts.headers);
                crate::core::auth::authenticate(state, key).await?
            }
        };
        Ok(Self {
            principal,
            query: QueryParams::parse(parts.uri.query()),
            state: state.clone(),
            ignored: parts
                .extensions
                .get::<IgnoredFields>()
                .cloned()
                .unwrap_or_default(),
            dialect: PhantomData,
        })
    }
}

impl<D: KeyedDialect> Context<D> {
    /// Checks `scopes`, then resolves the acting company (`companyId` for ATS keys).
    pub fn company(&self, scopes: &[Scope]) -> Result<CompanyId, D::Error> {
        Ok(self
            .principal
            .acting(scopes, self.query.non_empty("companyId"))?)
    }

    /// Parses a JSON object body; members no field takes are ignored and reported.
    pub fn body<T: DeserializeOwned>(&self, bytes: &[u8]) -> Result<T, D::Error> {
        Ok(json_body_reporting(bytes, &mut |p| self.ignored.record(p))?)
    }

    /// Parses a JSON body of any shape (an object or an array), as [`Context::body`].
    pub fn value<T: DeserializeOwned>(&self, bytes: &[u8]) -> Result<T, D::Error> {
        Ok(json_value_reporting(bytes, &mut |p| {
            self.ignored.record(p)
        })?)
    }
}
