//! Signed links to assets (recordings, report PDFs) handed out in the dialects' objects and
//! webhooks. A link is the asset's own API route with three query parameters —
//! `company`, `expires` (unix seconds) and `signature` — so it can be fetched with the
//! dialect's own credential at any time, and without one until it expires.
//!
//! `signature` is the lowercase hex of the first 16 bytes of HMAC-SHA256 over
//! `"{path}\n{company}\n{expires}"` with the deployment's link key (kept in the database,
//! `docs/webhooks.md` "Asset links"). Only the path is signed, not the host: the same link
//! works behind any public URL of the deployment.

use crate::CompanyId;
use chrono::{DateTime, Utc};
use hmac::{Hmac, Mac};
use sha2::Sha256;
use std::fmt;

/// Bytes of the HMAC kept in a signature (128 bits).
const SIGNATURE_BYTES: usize = 16;

/// The deployment's key for signing asset links. `Debug` never prints it.
#[derive(Clone)]
pub struct LinkKey(Vec<u8>);

impl fmt::Debug for LinkKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("LinkKey(<redacted>)")
    }
}

/// Why a signed request is refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum LinkError {
    #[error("the link has expired")]
    Expired,
    #[error("the link's signature is not valid")]
    Invalid,
}

impl LinkKey {
    /// A key from its stored bytes.
    pub fn new(bytes: Vec<u8>) -> Self {
        Self(bytes)
    }

    fn mac(&self, path: &str, company: CompanyId, expires: i64) -> Hmac<Sha256> {
        // HMAC takes keys of any length.
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&self.0)
            .unwrap_or_else(|_| unreachable!("HMAC accepts every key length"));
        mac.update(format!("{path}\n{company}\n{expires}").as_bytes());
        mac
    }

    /// The signature of `path` for `company` until `expires` (unix seconds).
    pub fn signature(&self, path: &str, company: CompanyId, expires: i64) -> String {
        let tag = self.mac(path, company, expires).finalize().into_bytes();
        tag[..SIGNATURE_BYTES]
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    }

    /// `{base}{path}?company=…&expires=…&signature=…`: the asset at `path` of `company`,
    /// fetchable without credentials until `expires`.
    pub fn url(
        &self,
        base: &str,
        path: &str,
        company: CompanyId,
        expires: DateTime<Utc>,
    ) -> String {
        let at = expires.timestamp();
        let signature = self.signature(path, company, at);
        format!("{base}{path}?company={company}&expires={at}&signature={signature}")
    }

    /// Checks a signed request for `path` at `now` (in constant time).
    pub fn verify(
        &self,
        path: &str,
        company: CompanyId,
        expires: i64,
        signature: &str,
        now: DateTime<Utc>,
    ) -> Result<(), LinkError> {
        let given = decode_hex(signature).ok_or(LinkError::Invalid)?;
        if given.len() != SIGNATURE_BYTES {
            return Err(LinkError::Invalid);
        }
        self.mac(path, company, expires)
            .verify_truncated_left(&given)
            .map_err(|_| LinkError::Invalid)?;
        if now.timestamp() >= expires {
            return Err(LinkError::Expired);
        }
        Ok(())
    }
}

fn decode_hex(s: &str) -> Option<Vec<u8>> {
    if !s.len().is_multiple_of(2) {
        return None;
    }
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok())
        .collect()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use chrono::{Duration, TimeZone};

    #[test]
    fn links_verify_until_they_expire() {
        let key = LinkKey::new(vec![7; 32]);
        let company = CompanyId::new();
        let now = Utc.with_ymd_and_hms(2025, 7, 5, 4, 42, 45).unwrap();
        let path = "/api/v2/ai-interviews/report/17/pdf";
        let url = key.url("http://h", path, company, now + Duration::hours(1));
        let query = url.split_once('?').unwrap().1;
        let param = |name: &str| {
            query
                .split('&')
                .find_map(|p| p.strip_prefix(&format!("{name}=")))
                .unwrap()
                .to_owned()
        };
        let expires: i64 = param("expires").parse().unwrap();
        let sig = param("signature");
        assert_eq!(sig.len(), 32);
        assert_eq!(key.verify(path, company, expires, &sig, now), Ok(()));
        let later = now + Duration::hours(2);
        assert_eq!(
            key.verify(path, company, expires, &sig, later),
            Err(LinkError::Expired)
        );
        let other = "/api/v2/ai-interviews/report/18/pdf";
        assert_eq!(
            key.verify(other, company, expires, &sig, now),
            Err(LinkError::Invalid)
        );
        let stranger = CompanyId::new();
        assert_eq!(
            key.verify(path, stranger, expires, &sig, now),
            Err(LinkError::Invalid)
        );
        assert_eq!(
            key.verify(path, company, expires + 1, &sig, now),
            Err(LinkError::Invalid)
        );
        assert_eq!(
            key.verify(path, company, expires, "zz", now),
            Err(LinkError::Invalid)
        );
        let wrong_key = LinkKey::new(vec![8; 32]);
        assert_eq!(
            wrong_key.verify(path, company, expires, &sig, now),
            Err(LinkError::Invalid)
        );
    }
}
