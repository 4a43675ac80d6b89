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

/// What a stored response mentions, as the references an erasure looks it up by
/// (`idempotency_refs`), once each:
/// - every UUID in its body, lower case, wherever it stands — a field value, inside a URL;
/// - in a JSON body, every e-mail address and E.164 phone number among its string values
///   ([`email_ref`], [`phone_ref`]: hashed, so the index holds no contact details), and the
///   integer ids of the Xobin dialect by their field names ([`number_ref`]).
///
/// Whatever id scheme a dialect uses, a response that names a person is found when the
/// person, or the interview it is about, is erased.
pub fn mentioned_refs(body: &str) -> Vec<String> {
    let mut refs: std::collections::BTreeSet<String> = mentioned_ids(body).into_iter().collect();
    if let Ok(json) = serde_json::from_str::<serde_json::Value>(body) {
        collect_refs(&json, None, &mut refs);
    }
    refs.into_iter().collect()
}

/// The integer fields that name a numbered row (Xobin's ids).
pub const NUMBER_FIELDS: [&str; 3] = ["response_id", "candidate_id", "ai_interview_id"];

/// The reference of a normalised (lower-case) e-mail address.
pub fn email_ref(email: &str) -> String {
    format!("email:{}", hex_sha256(&email.trim().to_ascii_lowercase()))
}

/// The reference of an E.164 phone number.
pub fn phone_ref(e164: &str) -> String {
    format!("phone:{}", hex_sha256(e164.trim()))
}

/// The reference of a numbered row named by `field` (one of [`NUMBER_FIELDS`]).
pub fn number_ref(field: &str, number: i64) -> String {
    format!("{field}:{number}")
}

fn hex_sha256(text: &str) -> String {
    use sha2::Digest as _;
    sha2::Sha256::digest(text.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn collect_refs(
    value: &serde_json::Value,
    field: Option<&str>,
    refs: &mut std::collections::BTreeSet<String>,
) {
    use serde_json::Value;
    match value {
        Value::Object(map) => {
            for (key, inner) in map {
                collect_refs(inner, Some(key), refs);
            }
        }
        Value::Array(items) => items
            .iter()
            .for_each(|item| collect_refs(item, field, refs)),
        Value::Number(n) => {
            if let (Some(field), Some(n)) = (field, n.as_i64())
                && NUMBER_FIELDS.contains(&field)
            {
                refs.insert(number_ref(field, n));
            }
        }
        Value::String(text) => {
            let text = text.trim();
            if looks_like_email(text) {
                refs.insert(email_ref(text));
            } else if looks_like_e164(text) {
                refs.insert(phone_ref(text));
            }
        }
        Value::Bool(_) | Value::Null => {}
    }
}

fn looks_like_email(text: &str) -> bool {
    text.split_once('@').is_some_and(|(local, domain)| {
        !local.is_empty() && domain.contains('.') && !text.contains(char::is_whitespace)
    })
}

fn looks_like_e164(text: &str) -> bool {
    text.strip_prefix('+').is_some_and(|digits| {
        (8..=15).contains(&digits.len()) && digits.bytes().all(|b| b.is_ascii_digit())
    })
}

/// Every UUID in `body` (as text, lower case, once), wherever it stands.
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
    fn a_xobin_invite_is_found_by_its_person_and_its_numbers() {
        use super::{email_ref, mentioned_refs, number_ref, phone_ref};
        let body = r#"{"email":"Ann.Lee@Example.com","name":"Ann Lee","response_id":42,
            "ai_interview_id":7,"invite_link":"https://x.test/i/tok","status":"Pending",
            "other":{"phone":"+14155550100","n":[{"candidate_id":9}]},"score":3}"#;
        let refs = mentioned_refs(body);
        for expected in [
            email_ref("ann.lee@example.com"),
            phone_ref("+14155550100"),
            number_ref("response_id", 42),
            number_ref("ai_interview_id", 7),
            number_ref("candidate_id", 9),
        ] {
            assert!(refs.contains(&expected), "{expected} missing from {refs:?}");
        }
        assert_eq!(refs.len(), 5, "{refs:?}");
        assert!(
            !refs.iter().any(|r| r.contains("example.com")),
            "no address in clear"
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
