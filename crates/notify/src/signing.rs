//! Standard Webhooks signatures.
//!
//! Each endpoint has its own random secret, shown once as `whsec_<base64>`.
//! A delivery carries `webhook-signature: v1,<base64 HMAC-SHA256>` over
//! `{webhook-id}.{webhook-timestamp}.{body}`, so receivers can check it with
//! any Standard Webhooks library. The header is a space-separated list, which
//! lets old and new secrets sign side by side during a rotation.

use std::fmt;
use std::str::FromStr;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use hmac::{Hmac, Mac};
use sha2::Sha256;

type HmacSha256 = Hmac<Sha256>;

/// The prefix of a symmetric secret in its text form.
pub const SECRET_PREFIX: &str = "whsec_";

/// Bytes in a freshly generated secret.
pub const GENERATED_SECRET_LEN: usize = 32;

/// The secret lengths the spec allows (24–64 bytes).
const SECRET_LEN_RANGE: std::ops::RangeInclusive<usize> = 24..=64;

/// Why a secret could not be made or read.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SecretError {
    /// The text does not start with `whsec_`.
    #[error("a signing secret starts with `whsec_`")]
    MissingPrefix,
    /// The part after the prefix is not standard base64.
    #[error("a signing secret is base64 after `whsec_`")]
    NotBase64,
    /// The decoded secret is shorter than 24 or longer than 64 bytes.
    #[error("a signing secret has 24 to 64 bytes, not {0}")]
    BadLength(usize),
    /// The operating system's random source failed.
    #[error("the system random source failed: {0}")]
    Random(String),
}

/// An endpoint's symmetric signing secret.
///
/// `Display` gives the `whsec_<base64>` form to store and show the customer;
/// `Debug` never prints the key.
#[derive(Clone)]
pub struct SigningSecret {
    bytes: Vec<u8>,
    /// The HMAC keyed once with `bytes`; cloned for each signature.
    mac: HmacSha256,
}

impl SigningSecret {
    /// Generates a new secret of [`GENERATED_SECRET_LEN`] random bytes from the OS.
    pub fn generate() -> Result<Self, SecretError> {
        let mut bytes = vec![0u8; GENERATED_SECRET_LEN];
        getrandom::fill(&mut bytes).map_err(|e| SecretError::Random(e.to_string()))?;
        Self::from_bytes(bytes)
    }

    /// Wraps raw key bytes (24 to 64 of them).
    pub fn from_bytes(bytes: Vec<u8>) -> Result<Self, SecretError> {
        if !SECRET_LEN_RANGE.contains(&bytes.len()) {
            return Err(SecretError::BadLength(bytes.len()));
        }
        let mac =
            HmacSha256::new_from_slice(&bytes).map_err(|_| SecretError::BadLength(bytes.len()))?;
        Ok(Self { bytes, mac })
    }

    /// Reads the `whsec_<base64>` form.
    pub fn parse(text: &str) -> Result<Self, SecretError> {
        let encoded = text
            .trim()
            .strip_prefix(SECRET_PREFIX)
            .ok_or(SecretError::MissingPrefix)?;
        let bytes = BASE64.decode(encoded).map_err(|_| SecretError::NotBase64)?;
        Self::from_bytes(bytes)
    }

    /// The raw key bytes.
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes
    }

    fn mac_over(&self, msg_id: &str, timestamp: i64, body: &[u8]) -> HmacSha256 {
        let mut mac = self.mac.clone();
        mac.update(msg_id.as_bytes());
        mac.update(b".");
        mac.update(timestamp.to_string().as_bytes());
        mac.update(b".");
        mac.update(body);
        mac
    }
}

impl FromStr for SigningSecret {
    type Err = SecretError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Self::parse(text)
    }
}

impl fmt::Display for SigningSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{SECRET_PREFIX}{}", BASE64.encode(&self.bytes))
    }
}

impl fmt::Debug for SigningSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SigningSecret(<redacted>)")
    }
}

impl PartialEq for SigningSecret {
    fn eq(&self, other: &Self) -> bool {
        self.bytes == other.bytes
    }
}

impl Eq for SigningSecret {}

/// Signs one delivery: returns `v1,<base64 HMAC-SHA256 of "{msg_id}.{timestamp}.{body}">`,
/// the value of the `webhook-signature` header.
pub fn sign(secret: &SigningSecret, msg_id: &str, timestamp: i64, body: &[u8]) -> String {
    let tag = secret
        .mac_over(msg_id, timestamp, body)
        .finalize()
        .into_bytes();
    format!("v1,{}", BASE64.encode(tag))
}

/// Checks a `webhook-signature` header value (a space-separated list of
/// `v1,<base64>` entries) in constant time; true when any `v1` entry matches.
///
/// The timestamp's freshness is the receiver's business and is not checked here.
pub fn verify(
    secret: &SigningSecret,
    msg_id: &str,
    timestamp: i64,
    body: &[u8],
    signature_header: &str,
) -> bool {
    signature_header.split_whitespace().any(|entry| {
        let Some(encoded) = entry.strip_prefix("v1,") else {
            return false;
        };
        let Ok(tag) = BASE64.decode(encoded) else {
            return false;
        };
        secret
            .mac_over(msg_id, timestamp, body)
            .verify_slice(&tag)
            .is_ok()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const SPEC_SECRET: &str = "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD";
    const SPEC_ID: &str = "msg_27UH4WbU6Z5A5EzD8u03UvzRbpk";
    const SPEC_TS: i64 = 1_649_367_553;
    const SPEC_BODY: &[u8] = br#"{"email":"test@example.com","username":"test_user"}"#;
    const SPEC_SIGNATURE: &str = "v1,tZ1I4/hDygAJgO5TYxiSd6Sd0kDW6hPenDe+bTa3Kkw=";

    #[test]
    fn matches_the_spec_known_answer() {
        let secret = SigningSecret::parse(SPEC_SECRET).unwrap();
        assert_eq!(sign(&secret, SPEC_ID, SPEC_TS, SPEC_BODY), SPEC_SIGNATURE);
    }

    #[test]
    fn verifies_its_own_signature_and_rejects_tampering() {
        let secret = SigningSecret::parse(SPEC_SECRET).unwrap();
        let other = SigningSecret::generate().unwrap();
        let rotated = format!(
            "{} {SPEC_SIGNATURE}",
            sign(&other, SPEC_ID, SPEC_TS, SPEC_BODY)
        );
        assert!(verify(&secret, SPEC_ID, SPEC_TS, SPEC_BODY, SPEC_SIGNATURE));
        assert!(verify(&secret, SPEC_ID, SPEC_TS, SPEC_BODY, &rotated));
        assert!(!verify(
            &secret,
            SPEC_ID,
            SPEC_TS + 1,
            SPEC_BODY,
            SPEC_SIGNATURE
        ));
        assert!(!verify(&secret, SPEC_ID, SPEC_TS, b"{}", SPEC_SIGNATURE));
        assert!(!verify(&other, SPEC_ID, SPEC_TS, SPEC_BODY, SPEC_SIGNATURE));
        assert!(!verify(
            &secret,
            SPEC_ID,
            SPEC_TS,
            SPEC_BODY,
            "v1a,xyz v2,abc"
        ));
    }

    #[test]
    fn generated_secrets_round_trip_through_text_and_differ() {
        let a = SigningSecret::generate().unwrap();
        let b = SigningSecret::generate().unwrap();
        assert_eq!(a.as_bytes().len(), GENERATED_SECRET_LEN);
        assert_ne!(a, b);
        let text = a.to_string();
        assert!(text.starts_with("whsec_"), "{text}");
        assert_eq!(text.parse::<SigningSecret>().unwrap(), a);
        assert_eq!(format!("{a:?}"), "SigningSecret(<redacted>)");
    }

    #[test]
    fn rejects_malformed_secrets() {
        assert_eq!(
            SigningSecret::parse("C2FVsBQIhrscChlQIMV+b5sSYspob7oD"),
            Err(SecretError::MissingPrefix)
        );
        assert_eq!(
            SigningSecret::parse("whsec_!!!"),
            Err(SecretError::NotBase64)
        );
        assert_eq!(
            SigningSecret::parse("whsec_AAAA"),
            Err(SecretError::BadLength(3))
        );
        assert_eq!(
            SigningSecret::from_bytes(vec![7; 65]),
            Err(SecretError::BadLength(65))
        );
    }

    #[test]
    fn the_reference_library_accepts_our_signature() {
        let secret = SigningSecret::generate().unwrap();
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs() as i64;
        let body = br#"{"type":"interview.completed","data":{"id":"int_1"}}"#;
        let mut headers = reqwest::header::HeaderMap::new();
        headers.insert("webhook-id", "msg_1".parse().unwrap());
        headers.insert("webhook-timestamp", now.to_string().parse().unwrap());
        headers.insert(
            "webhook-signature",
            sign(&secret, "msg_1", now, body).parse().unwrap(),
        );
        let reference = standardwebhooks::Webhook::new(&secret.to_string()).unwrap();
        reference.verify(body, &headers).unwrap();
        assert!(reference.verify(b"{}", &headers).is_err());
    }
}
