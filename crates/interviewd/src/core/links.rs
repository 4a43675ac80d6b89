//! Links to a company's assets — recordings and report PDFs — handed out in the dialects'
//! objects and webhooks: each is the asset's own route of the dialect (fetchable with that
//! dialect's credential at any time) with a signature that lets it be fetched without one
//! until it expires (`interviewd_domain::assets`). The signing key is the deployment's
//! (`server_keys`), created on first use and shared by every node.

use super::CoreError;
use crate::app::AppState;
use crate::store::Store;
use crate::store::server_keys::ASSET_LINKS;
use chrono::{DateTime, Duration, Utc};
use interviewd_domain::CompanyId;
use interviewd_domain::assets::{LinkError, LinkKey};

/// The deployment's link key, created on first use.
pub async fn link_key(store: &dyn Store, now: DateTime<Utc>) -> crate::store::StoreResult<LinkKey> {
    let mut fresh = [0u8; 32];
    getrandom::fill(&mut fresh).map_err(|e| {
        crate::store::StoreError::Internal(format!("could not generate a link key: {e}"))
    })?;
    let key = store.server_key(ASSET_LINKS, &fresh, now).await?;
    Ok(LinkKey::new(key))
}

/// The key and expiry to sign links made now with.
pub async fn signer(state: &AppState) -> Result<(LinkKey, DateTime<Utc>), CoreError> {
    let key = link_key(state.store.as_ref(), state.now()).await?;
    Ok((key, link_expiry(state)))
}

/// When links made now expire.
pub fn link_expiry(state: &AppState) -> DateTime<Utc> {
    let secs = i64::try_from(state.config.asset_link_ttl_secs).unwrap_or(i64::MAX);
    state.now() + Duration::seconds(secs)
}

/// A signed request for the asset at `path`: its `company`, `expires` and `signature`
/// query parameters, as given.
#[derive(Clone, Copy, Debug)]
pub struct Signed<'a> {
    pub company: &'a str,
    pub expires: &'a str,
    pub signature: &'a str,
}

/// The company a signed request for `path` may read for, or why the link is refused (a
/// signature this deployment never made, or an expired link); `Err` only when the key cannot
/// be read.
pub async fn verify(
    state: &AppState,
    path: &str,
    signed: Signed<'_>,
) -> Result<Result<CompanyId, LinkError>, CoreError> {
    let (Ok(company), Ok(expires)) = (
        signed.company.parse::<CompanyId>(),
        signed.expires.parse::<i64>(),
    ) else {
        return Ok(Err(LinkError::Invalid));
    };
    let key = link_key(state.store.as_ref(), state.now()).await?;
    Ok(key
        .verify(path, company, expires, signed.signature, state.now())
        .map(|()| company))
}
