//! Idempotency keys (`Idempotency-Key` on POST, PATCH and DELETE): a request's outcome is
//! stored for 24 hours and replayed to a retry with the same key. The HTTP layer decides what
//! to keep (`http::idempotency`); these are the store operations it needs.

use super::CoreError;
use crate::app::AppState;

pub use crate::store::idempotency::{
    ClaimOutcome, IdempotencyClaim, IdempotencyRecord, StoredResponse,
};

/// Claims a key for a request, or finds the record of an earlier one.
pub async fn claim(state: &AppState, claim: &IdempotencyClaim) -> Result<ClaimOutcome, CoreError> {
    Ok(state.store.claim_idempotency_key(claim).await?)
}

/// Stores the outcome of a claimed request; `false` when the claim was lost meanwhile.
pub async fn complete(
    state: &AppState,
    claim: &IdempotencyClaim,
    response: &StoredResponse,
) -> Result<bool, CoreError> {
    Ok(state
        .store
        .complete_idempotency_key(&claim.scope, &claim.key, &claim.token, response)
        .await?)
}

/// Frees a claim whose outcome is not kept, so a retry runs again.
pub async fn release(state: &AppState, claim: &IdempotencyClaim) -> Result<(), CoreError> {
    Ok(state
        .store
        .release_idempotency_key(&claim.scope, &claim.key, &claim.token)
        .await?)
}
