//! Sign-in throttling: failures counted per e-mail address and per client address in the
//! database (so every node counts), and the lock they lead to. A locked key is refused
//! before any password is checked.

use super::SignInError;
use crate::core::error::CoreError;
use crate::store::Store;
use crate::store::users::ThrottleRule;
use chrono::{DateTime, Utc};
use interviewd_domain::Email;
use std::net::IpAddr;

/// Failures per e-mail address: 5 within 15 minutes lock it for 15 minutes.
pub const EMAIL_RULE: ThrottleRule = ThrottleRule {
    window_ms: 15 * 60 * 1000,
    max_failures: 5,
    lock_ms: 15 * 60 * 1000,
};
/// Failures per client address: more, since people behind one address share it.
pub const ADDRESS_RULE: ThrottleRule = ThrottleRule {
    window_ms: 15 * 60 * 1000,
    max_failures: 20,
    lock_ms: 15 * 60 * 1000,
};

/// The throttle keys of a sign-in: the e-mail as typed (normalised when it parses) and the
/// client address (an IPv6 client by its /64, which one machine usually holds whole).
pub(super) fn throttle_keys(email: &str, client: Option<IpAddr>) -> (String, Option<String>) {
    let email = Email::parse(email)
        .map(|e| e.as_str().to_owned())
        .unwrap_or_else(|_| email.trim().to_lowercase());
    let address = client.map(|ip| match ip {
        IpAddr::V4(v4) => format!("addr:{v4}"),
        IpAddr::V6(v6) => {
            let s = v6.segments();
            format!("addr:{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
        }
    });
    (format!("email:{email}"), address)
}

/// Minutes (rounded up, at least 1) until the later lock of `keys` ends, if any is locked.
pub(super) async fn locked_minutes(
    store: &dyn Store,
    keys: &[&str],
    now: DateTime<Utc>,
) -> Result<Option<i64>, CoreError> {
    let mut until = None;
    for key in keys {
        let state = store.throttle_state(key).await?;
        if let Some(at) = state.locked_until.filter(|at| *at > now) {
            until = until.max(Some(at));
        }
    }
    Ok(until.map(|at| ((at - now).num_seconds() + 59).div_euclid(60).max(1)))
}

/// Counts a failed sign-in; the error to show (locked now, or just wrong).
pub(super) async fn record_failure(
    store: &dyn Store,
    email_key: &str,
    address_key: Option<&str>,
    now: DateTime<Utc>,
) -> SignInError {
    let mut keys = vec![(email_key, EMAIL_RULE)];
    keys.extend(address_key.map(|k| (k, ADDRESS_RULE)));
    for (key, rule) in keys {
        if let Err(e) = store.record_sign_in_failure(key, rule, now).await {
            return SignInError::Failed(e.into());
        }
    }
    let keys: Vec<&str> = [Some(email_key), address_key]
        .into_iter()
        .flatten()
        .collect();
    match locked_minutes(store, &keys, now).await {
        Ok(Some(minutes)) => SignInError::Throttled { minutes },
        Ok(None) => SignInError::Invalid,
        Err(e) => SignInError::Failed(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn throttle_keys_normalise_the_address_and_group_ipv6_by_64() {
        let (email, addr) = throttle_keys(" Ann@Example.COM ", "10.0.0.7".parse().ok());
        assert_eq!(email, "email:ann@example.com");
        assert_eq!(addr.as_deref(), Some("addr:10.0.0.7"));
        let (_, v6) = throttle_keys("x", "2001:db8:1:2:aaaa::1".parse().ok());
        assert_eq!(v6.as_deref(), Some("addr:2001:db8:1:2::/64"));
        let (bad, none) = throttle_keys("Not An Email", None);
        assert_eq!((bad.as_str(), none), ("email:not an email", None));
    }
}
