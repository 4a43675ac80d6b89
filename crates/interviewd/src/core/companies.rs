//! Companies (the tenants) as the API manages them: listed for the key that asks, created by
//! ATS partner keys, changed, and their concurrency slots reported.

use super::CoreError;
use super::auth::Principal;
use crate::app::AppState;
use crate::store::CompanyScope;
use interviewd_domain::model::Company;
use interviewd_domain::views::Page;
use interviewd_domain::{CompanyId, PageRequest, Plan};

pub use crate::store::engine::Concurrency;

/// The companies `principal` may see: an ATS key's managed companies, a company key's own.
pub async fn list(
    state: &AppState,
    principal: &Principal,
    page: PageRequest,
) -> Result<Page<Company>, CoreError> {
    let scope = if principal.is_ats() {
        CompanyScope::ManagedBy(principal.key.id)
    } else {
        CompanyScope::One(principal.acting_company(None)?)
    };
    Ok(state.store.list_companies(&scope, page).await?)
}

/// Creates a company; an ATS key that creates one manages it from then on.
pub async fn create(
    state: &AppState,
    company: &Company,
    principal: &Principal,
) -> Result<Company, CoreError> {
    let managed_by = principal.is_ats().then_some(principal.key.id);
    Ok(state.store.create_company(company, managed_by).await?)
}

/// The company `id` if `principal` may see it: `Forbidden` when it exists but is not theirs.
pub async fn accessible(
    state: &AppState,
    principal: &Principal,
    id: CompanyId,
) -> Result<Company, CoreError> {
    match state.store.get_company(id).await? {
        Some(c) if principal.may_access(c.id) => Ok(c),
        Some(_) => Err(CoreError::Forbidden(
            "This API key may not access the requested company".into(),
        )),
        None => Err(CoreError::not_found("company", id)),
    }
}

/// The acting company itself.
pub async fn get(state: &AppState, id: CompanyId) -> Result<Company, CoreError> {
    state
        .store
        .get_company(id)
        .await?
        .ok_or_else(|| CoreError::not_found("company", id))
}

/// Moves `company` to `plan`. The change time is what Xobin's revoke compares invites
/// against, so re-sending the current plan is not a change.
pub fn change_plan(company: &mut Company, plan: Plan, now: chrono::DateTime<chrono::Utc>) {
    if plan != company.plan {
        company.plan = plan;
        company.plan_changed_at = Some(now);
    }
}

/// Stores a changed company.
pub async fn update(state: &AppState, company: &mut Company) -> Result<(), CoreError> {
    company.updated_at = state.now();
    Ok(state.store.update_company(company).await?)
}

/// The company's slots: limit, in use, queued.
pub async fn concurrency(state: &AppState, company: CompanyId) -> Result<Concurrency, CoreError> {
    Ok(state.store.concurrency(company, state.now()).await?)
}
