//! A company's own API keys, as its administrators manage them in the console: listed,
//! created with chosen scopes (the secret is returned once and only its hash is kept) and
//! revoked. ATS keys, which act for several companies, are the operator's (`interviewd keys`)
//! and never appear here.

use crate::app::AppState;
use crate::core::error::CoreError;
use crate::core::{keys, validate};
use interviewd_domain::model::{ApiKey, KeyKind};
use interviewd_domain::{CompanyId, KeyId, ScopeSet};

/// The company's keys, newest first.
pub async fn list(state: &AppState, company: CompanyId) -> Result<Vec<ApiKey>, CoreError> {
    Ok(state.store.company_keys(company).await?)
}

/// Creates a key of the company with `scopes`; returns it with its secret (shown once).
pub async fn create(
    state: &AppState,
    company: CompanyId,
    name: &str,
    scopes: ScopeSet,
) -> Result<(ApiKey, String), CoreError> {
    let name = validate::text("name", name, 1, 100)?;
    if scopes.names().is_empty() {
        return Err(CoreError::invalid("scopes", "choose at least one scope"));
    }
    let secret =
        keys::generate().map_err(|e| CoreError::Internal(format!("generating a key: {e}")))?;
    let key = ApiKey {
        id: KeyId::new(),
        name: Some(name),
        prefix: secret.prefix.clone(),
        kind: KeyKind::Company,
        company_id: Some(company),
        scopes,
        expires_at: None,
        revoked_at: None,
        created_at: state.now(),
        managed_companies: Vec::new(),
    };
    state.store.create_key(&key, &secret.hash).await?;
    Ok((key, secret.secret))
}

/// Revokes one of the company's keys: requests with it are refused from now on.
pub async fn revoke(state: &AppState, company: CompanyId, id: KeyId) -> Result<(), CoreError> {
    if state
        .store
        .revoke_company_key(company, id, state.now())
        .await?
    {
        Ok(())
    } else {
        Err(CoreError::not_found("key", id))
    }
}
