//! What the operational surfaces read: the database's liveness (`/healthz`), its gauges
//! (`/metrics`), and a key's plan (the rate limits).

use super::CoreError;
use super::auth::Principal;
use crate::app::AppState;
use interviewd_domain::Plan;
use interviewd_domain::model::KeyKind;

pub use crate::store::metrics::{OpsSnapshot, Usage};

/// Whether the database answers.
pub async fn ping(state: &AppState) -> Result<(), CoreError> {
    Ok(state.store.ping().await?)
}

/// The database's gauges (queues, slots, deliveries) now.
pub async fn snapshot(state: &AppState) -> Result<OpsSnapshot, CoreError> {
    Ok(state.store.ops_snapshot(state.now()).await?)
}

/// The plan whose budget a key spends: its company's, the top tier for ATS partner keys.
pub async fn key_plan(state: &AppState, principal: &Principal) -> Result<Option<Plan>, CoreError> {
    match (principal.key.kind, principal.key.company_id) {
        (KeyKind::Ats, _) => Ok(Some(Plan::Enterprise)),
        (KeyKind::Company, Some(company)) => {
            Ok(state.store.get_company(company).await?.map(|c| c.plan))
        }
        (KeyKind::Company, None) => Ok(None),
    }
}

/// A company's billable usage between `from` and `to`, and its name.
pub async fn usage(
    state: &AppState,
    company: interviewd_domain::CompanyId,
    from: chrono::DateTime<chrono::Utc>,
    to: chrono::DateTime<chrono::Utc>,
) -> Result<Usage, CoreError> {
    Ok(state.store.usage(company, from, to).await?)
}
