//! Who is calling and what they may do, in InstaView's order: key → not revoked or expired →
//! scope → company. Standard company keys act for their own company and ignore `companyId`;
//! ATS keys must name a company they manage with `companyId` on company-scoped routes.

use crate::core::error::CoreError;
use crate::core::keys;
use crate::store::Store;
use chrono::{DateTime, Utc};
use interviewd_domain::model::{ApiKey, KeyKind};
use interviewd_domain::{CompanyId, Scope};

/// An authenticated key.
#[derive(Clone, Debug)]
pub struct Principal {
    pub key: ApiKey,
}

impl Principal {
    /// Looks up a presented secret and checks it is usable at `now`.
    pub async fn authenticate(
        store: &dyn Store,
        secret: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<Self, CoreError> {
        let secret = secret.ok_or(CoreError::Unauthorized("Missing API key"))?;
        if !keys::looks_valid(secret) {
            return Err(CoreError::Unauthorized("Invalid API key"));
        }
        let presented = keys::hash(secret);
        let (key, stored) = store
            .find_key(&presented)
            .await?
            .ok_or(CoreError::Unauthorized("Invalid API key"))?;
        if !keys::hashes_equal(&presented, &stored) {
            return Err(CoreError::Unauthorized("Invalid API key"));
        }
        if key.revoked_at.is_some() {
            return Err(CoreError::Unauthorized("API key has been revoked"));
        }
        if key.expires_at.is_some_and(|at| at <= now) {
            return Err(CoreError::Unauthorized("API key has expired"));
        }
        Ok(Self { key })
    }

    /// Fails with the first missing scope.
    pub fn require(&self, scopes: &[Scope]) -> Result<(), CoreError> {
        match self.key.scopes.first_missing(scopes) {
            Some(missing) => Err(CoreError::MissingScope(missing)),
            None => Ok(()),
        }
    }

    /// Whether this is an ATS partner key.
    pub fn is_ats(&self) -> bool {
        self.key.kind == KeyKind::Ats
    }

    /// Whether the key may act for `company`.
    pub fn may_access(&self, company: CompanyId) -> bool {
        match self.key.kind {
            KeyKind::Company => self.key.company_id == Some(company),
            KeyKind::Ats => self.key.managed_companies.contains(&company),
        }
    }

    /// The company a company-scoped request acts for. `company_id_param` is the raw
    /// `companyId` query value (ignored for company keys).
    pub fn acting_company(&self, company_id_param: Option<&str>) -> Result<CompanyId, CoreError> {
        match self.key.kind {
            KeyKind::Company => self
                .key
                .company_id
                .ok_or_else(|| CoreError::Internal("company key without a company".into())),
            KeyKind::Ats => {
                let raw = company_id_param.ok_or_else(|| {
                    CoreError::invalid(
                        "companyId",
                        "companyId query parameter is required for ATS API keys",
                    )
                })?;
                let id: CompanyId = raw
                    .parse()
                    .map_err(|_| CoreError::invalid("companyId", "companyId must be a UUID"))?;
                if self.may_access(id) {
                    Ok(id)
                } else {
                    Err(CoreError::Forbidden(
                        "This API key may not access the requested company".into(),
                    ))
                }
            }
        }
    }

    /// Scope check, then company resolution: the documented order.
    pub fn acting(
        &self,
        scopes: &[Scope],
        company_id_param: Option<&str>,
    ) -> Result<CompanyId, CoreError> {
        self.require(scopes)?;
        self.acting_company(company_id_param)
    }
}

pub use crate::store::ResourceKind;

/// Which company owns the resource `id` of `kind`, if any. The one unscoped read: it tells
/// "another company's" from "nobody's", which InstaView answers with 403 and 404.
pub async fn owner_of(
    state: &crate::app::AppState,
    kind: ResourceKind,
    id: uuid::Uuid,
) -> Result<Option<CompanyId>, CoreError> {
    Ok(state.store.owner_of(kind, id).await?)
}

/// Authenticates a presented key secret at the server's current time.
pub async fn authenticate(
    state: &crate::app::AppState,
    secret: Option<&str>,
) -> Result<Principal, CoreError> {
    Principal::authenticate(state.store.as_ref(), secret, state.now()).await
}
