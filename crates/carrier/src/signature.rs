//! `X-Twilio-Signature`: how interviewd knows a callback or a WebSocket upgrade comes from
//! the carrier, for this account.
//!
//! The algorithm (<https://www.twilio.com/docs/usage/security#validating-requests>): take the
//! full URL the carrier requested, scheme through query string; for a form POST append every
//! parameter, sorted by name (case-sensitive, byte order), as `name` + `value` with no
//! delimiter; HMAC-SHA1 the string with the auth token; base64. Details copied from the
//! official validators (twilio-python `request_validator.py`, twilio-node `webhooks.ts`):
//! values are the decoded form values, a repeated name contributes each distinct value once,
//! in sorted order, and the URL is tried with and without the scheme's default port because
//! the carrier is not consistent about it. A JSON body is covered by a `bodySHA256` query
//! parameter (lower-case hex SHA-256 of the raw body) and the URL is signed with no parameters.
//!
//! WebSocket upgrades (ConversationRelay, Media Streams) carry the same header over the
//! `wss://` URL exactly as written in the TwiML, with no parameters
//! (<https://www.twilio.com/docs/voice/conversationrelay/onboarding#websocket-security-with-signature-validation>);
//! the security page suggests also trying it with a trailing `/`
//! (<https://www.twilio.com/docs/usage/security>). An `https://` signature over the same host
//! and path is *not* accepted for an upgrade.
//!
//! The URL is always rebuilt from the configured public base URL, never from the `Host` or
//! `X-Forwarded-*` headers a proxy may rewrite. Comparisons are constant-time.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, Mac};
use sha1::Sha1;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

/// Signs and verifies with one account's auth token.
#[derive(Clone)]
pub struct Signer {
    token: Vec<u8>,
}

// By hand: the token never prints.
impl std::fmt::Debug for Signer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Signer(***)")
    }
}

impl Signer {
    /// A signer with the account's auth token (the HMAC key).
    pub fn new(auth_token: &str) -> Self {
        Self {
            token: auth_token.as_bytes().to_vec(),
        }
    }

    /// The signature of a request to `url` with form `params`.
    pub fn sign(&self, url: &str, params: &[(String, String)]) -> String {
        let mut data = url.to_owned();
        let mut sorted: Vec<&(String, String)> = params.iter().collect();
        sorted.sort();
        sorted.dedup();
        for (name, value) in sorted {
            data.push_str(name);
            data.push_str(value);
        }
        let mut mac = match Hmac::<Sha1>::new_from_slice(&self.token) {
            Ok(mac) => mac,
            // HMAC takes a key of any length; this branch cannot run.
            Err(_) => return String::new(),
        };
        mac.update(data.as_bytes());
        STANDARD.encode(mac.finalize().into_bytes())
    }

    /// Whether `header` signs a request to `url` with form `params` (or, when the URL carries
    /// `bodySHA256`, the raw `body`).
    pub fn verify(
        &self,
        url: &str,
        params: &[(String, String)],
        body: &[u8],
        header: &str,
    ) -> bool {
        let (params, body_ok) = match query_value(url, "bodySHA256") {
            Some(expected) => {
                let actual = hex(&Sha256::digest(body));
                (&[][..], same(&actual, &expected))
            }
            None => (params, true),
        };
        let matched = port_variants(url)
            .iter()
            .any(|candidate| same(&self.sign(candidate, params), header));
        body_ok && matched
    }

    /// Whether `header` signs a WebSocket upgrade of `ws_url` (the `wss://` URL of the
    /// TwiML), with or without a trailing `/` and the default port.
    pub fn verify_upgrade(&self, ws_url: &str, header: &str) -> bool {
        let trimmed = ws_url.trim_end_matches('/');
        [trimmed.to_owned(), format!("{trimmed}/")]
            .iter()
            .flat_map(|u| port_variants(u))
            .any(|candidate| same(&self.sign(&candidate, &[]), header))
    }
}

fn same(a: &str, b: &str) -> bool {
    a.len() == b.len() && bool::from(a.as_bytes().ct_eq(b.as_bytes()))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The value of `name` in the query string of `url`, decoded.
fn query_value(url: &str, name: &str) -> Option<String> {
    let query = url.split_once('?')?.1;
    form_urlencoded::parse(query.as_bytes())
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
}

/// `url` as given, and with its scheme's default port added or removed.
fn port_variants(url: &str) -> Vec<String> {
    let Some((scheme, rest)) = url.split_once("://") else {
        return vec![url.to_owned()];
    };
    let default = match scheme {
        "https" | "wss" => "443",
        "http" | "ws" => "80",
        _ => return vec![url.to_owned()],
    };
    let end = rest.find(['/', '?']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(end);
    // Credentials in a URL are not part of what the carrier signs.
    let host = authority.rsplit('@').next().unwrap_or(authority);
    let other = match host.rsplit_once(':') {
        Some((name, port)) if port == default => name.to_owned(),
        Some(_) => return vec![format!("{scheme}://{host}{tail}")],
        None => format!("{host}:{default}"),
    };
    vec![
        format!("{scheme}://{host}{tail}"),
        format!("{scheme}://{other}{tail}"),
    ]
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // A panic is how a test reports failure.
mod tests;
