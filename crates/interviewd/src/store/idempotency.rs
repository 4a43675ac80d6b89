//! Storage of `Idempotency-Key` records. The rules (what is stored, what a retry gets) live
//! in `crate::http::idempotency`; backends only claim, complete, free and sweep rows.
//!
//! The contract every backend implements:
//! - [`IdempotencyStore::claim_idempotency_key`] first deletes the `(scope, key)` row if it
//!   has expired (`expires_at <= now`) or is an abandoned claim (`IN_PROGRESS` with
//!   `locked_until <= now`), then inserts the claim unless a row exists, all in one
//!   transaction. It returns [`ClaimOutcome::Claimed`] or the row that was already there.
//! - Completing and releasing are conditioned on the claim's `token`, so a request whose
//!   abandoned claim was taken over cannot overwrite or free the new claim.

use crate::store::StoreResult;
use async_trait::async_trait;
use chrono::{DateTime, Utc};

/// A request asking to own `(scope, key)`.
#[derive(Clone, Debug)]
pub struct IdempotencyClaim {
    /// `company:<uuid>` or `key:<uuid>`.
    pub scope: String,
    /// The `Idempotency-Key` header value.
    pub key: String,
    /// Random token identifying this claim.
    pub token: String,
    pub method: String,
    pub path: String,
    /// Hex SHA-256 of the request (see `crate::http::idempotency::fingerprint`).
    pub fingerprint: String,
    pub now: DateTime<Utc>,
    /// When an unfinished claim counts as abandoned.
    pub locked_until: DateTime<Utc>,
    /// When the record is forgotten.
    pub expires_at: DateTime<Utc>,
}

/// A response kept for replays.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredResponse {
    pub status: u16,
    /// The replayed headers (`content-type`, `location`), lower-case names.
    pub headers: Vec<(String, String)>,
    pub body: String,
}

/// A record found in place of a new claim.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IdempotencyRecord {
    pub fingerprint: String,
    /// `None` while the first request is still running.
    pub response: Option<StoredResponse>,
    pub created_at: DateTime<Utc>,
}

/// What a claim found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ClaimOutcome {
    /// The caller owns the key and must complete or release it.
    Claimed,
    /// A live record exists (running or done).
    Existing(IdempotencyRecord),
}

/// Idempotency-key storage.
#[async_trait]
pub trait IdempotencyStore {
    /// Claims `(claim.scope, claim.key)` or returns the live record already there.
    async fn claim_idempotency_key(&self, claim: &IdempotencyClaim) -> StoreResult<ClaimOutcome>;

    /// Stores the response of a claimed request; false when the claim was lost.
    async fn complete_idempotency_key(
        &self,
        scope: &str,
        key: &str,
        token: &str,
        response: &StoredResponse,
    ) -> StoreResult<bool>;

    /// Frees a claim whose response is not kept, so the client may retry.
    async fn release_idempotency_key(&self, scope: &str, key: &str, token: &str)
    -> StoreResult<()>;

    /// Deletes records that expired at or before `now`; returns how many.
    async fn sweep_idempotency_keys(&self, now: DateTime<Utc>) -> StoreResult<u64>;
}

/// The ids a stored response mentions: every UUID in its body (as text, lower case, once),
/// wherever it stands — a field value, inside a URL. They are stored beside the response so
/// that an erasure finds the responses it must forget by index (`idempotency_refs`).
pub fn mentioned_ids(body: &str) -> Vec<String> {
    const LEN: usize = 36;
    let bytes = body.as_bytes();
    let mut ids = std::collections::BTreeSet::new();
    let mut at = 0;
    while at + LEN <= bytes.len() {
        let window = &bytes[at..at + LEN];
        let starts_clean = at == 0 || !bytes[at - 1].is_ascii_hexdigit();
        let ends_clean = bytes.get(at + LEN).is_none_or(|b| !b.is_ascii_hexdigit());
        if starts_clean && ends_clean && is_uuid_text(window) {
            ids.insert(String::from_utf8_lossy(window).to_ascii_lowercase());
            at += LEN;
        } else {
            at += 1;
        }
    }
    ids.into_iter().collect()
}

/// `8-4-4-4-12` hex digits.
fn is_uuid_text(window: &[u8]) -> bool {
    window.iter().enumerate().all(|(i, b)| match i {
        8 | 13 | 18 | 23 => *b == b'-',
        _ => b.is_ascii_hexdigit(),
    })
}

#[cfg(test)]
mod tests {
    use super::mentioned_ids;

    #[test]
    fn every_uuid_in_a_body_is_found_once_in_lower_case() {
        let body = r#"{"id":"0192F3A4-1B2C-7D3E-8F40-123456789ABC","links":
            ["https://x.test/interviews/0192f3a4-1b2c-7d3e-8f40-123456789abc?a=1",
             "0192f3a4-1b2c-7d3e-8f40-000000000001"],"n":42}"#;
        assert_eq!(
            mentioned_ids(body),
            [
                "0192f3a4-1b2c-7d3e-8f40-000000000001",
                "0192f3a4-1b2c-7d3e-8f40-123456789abc"
            ]
        );
    }

    #[test]
    fn near_misses_are_not_ids() {
        assert!(mentioned_ids("").is_empty());
        assert!(mentioned_ids("0192f3a4-1b2c-7d3e-8f40-123456789ab").is_empty());
        assert!(mentioned_ids("a0192f3a4-1b2c-7d3e-8f40-123456789abc").is_empty());
        assert!(mentioned_ids("0192f3a4-1b2c-7d3e-8f40-123456789abcd").is_empty());
        assert!(mentioned_ids("0192f3a4_1b2c-7d3e-8f40-123456789abc").is_empty());
        assert!(mentioned_ids("ünïcödé 0192f3a4-1b2c-7d3e-8f40-123456789abc").len() == 1);
    }
}
