//! The recruiter console's people and how they sign in: the rules, in one place.
//!
//! - An operator creates a user (`interviewd users create`), which prints a one-time sign-in
//!   link valid for [`LINK_TTL`]. Opening it lets the user choose a password (argon2id,
//!   [`PASSWORD_MIN`] characters or more) and signs them in; the link is spent.
//! - Afterwards a user signs in with e-mail and password. Failures are counted per e-mail
//!   address ([`EMAIL_RULE`]) and per client address ([`ADDRESS_RULE`]); a locked key is
//!   refused before any password is checked. Messages never tell whether an address has an
//!   account, and an unknown address costs the same argon2 work as a known one.
//! - A session lives in the database (the cookie holds a random token, the table its
//!   SHA-256). It ends after [`SESSION_IDLE`] without a request, [`SESSION_ABSOLUTE`] after
//!   it began, on sign-out, and when its user is disabled or sets a new password.
//!
//! Every token compared here is compared by hash in constant time.

use crate::core::error::CoreError;
use crate::core::keys;
use crate::store::Store;
use crate::store::users::{NewSession, NewSignInLink, Redemption, ThrottleRule};
use argon2::Argon2;
use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use chrono::{DateTime, Duration, Utc};
use interviewd_domain::{CompanyId, Email};
use std::net::IpAddr;
use std::sync::OnceLock;
use uuid::Uuid;

pub use crate::store::users::{ConsoleUser, Role};

/// How long a sign-in link works.
pub const LINK_TTL: Duration = Duration::hours(24);
/// A session without a request for this long is over.
pub const SESSION_IDLE: Duration = Duration::hours(12);
/// A session is over this long after it began, however active.
pub const SESSION_ABSOLUTE: Duration = Duration::days(7);
/// Activity is written at most this often per session (a write per page would be waste).
pub const TOUCH_EVERY: Duration = Duration::minutes(1);
/// Shortest password accepted, in characters.
pub const PASSWORD_MIN: usize = 10;
/// Longest password accepted, in characters (argon2 hashes anything; this bounds the work).
pub const PASSWORD_MAX: usize = 256;
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

/// Characters of a link or session token (base62, about 256 bits).
const TOKEN_LEN: usize = 43;

/// A new sign-in link, shown once.
#[derive(Clone, Debug)]
pub struct IssuedLink {
    pub user: ConsoleUser,
    pub url: String,
    pub expires_at: DateTime<Utc>,
}

/// A session just opened: the token goes into the cookie, and nowhere else.
#[derive(Clone, Debug)]
pub struct Opened {
    pub token: String,
    pub user: ConsoleUser,
    pub expires_at: DateTime<Utc>,
}

/// The signed-in user of a request.
#[derive(Clone, Debug)]
pub struct SignedIn {
    pub session_id: Uuid,
    pub user: ConsoleUser,
    /// When the session ends at the latest.
    pub expires_at: DateTime<Utc>,
}

/// Why a sign-in was refused.
#[derive(Debug, thiserror::Error)]
pub enum SignInError {
    /// Wrong e-mail or password, or no usable account: one message for all.
    #[error("The e-mail address or the password is not right.")]
    Invalid,
    /// Too many failures for this address or from this client.
    #[error("Too many failed sign-ins. Try again in {minutes} minutes.")]
    Throttled { minutes: i64 },
    #[error(transparent)]
    Failed(#[from] CoreError),
}

/// Why a password could not be set through a link.
#[derive(Debug, thiserror::Error)]
pub enum SetPasswordError {
    /// The link is unknown, used, expired or its user disabled.
    #[error(
        "This sign-in link has expired or was already used. Ask your administrator for a new one."
    )]
    LinkInvalid,
    /// The password breaks a rule; the message says which.
    #[error("{0}")]
    Rejected(String),
    #[error(transparent)]
    Failed(#[from] CoreError),
}

impl From<crate::store::StoreError> for SignInError {
    fn from(e: crate::store::StoreError) -> Self {
        Self::Failed(e.into())
    }
}

impl From<crate::store::StoreError> for SetPasswordError {
    fn from(e: crate::store::StoreError) -> Self {
        Self::Failed(e.into())
    }
}

/// The link a user opens: `{public_url}/app/sign-in/{token}`.
pub fn link_url(public_url: &str, token: &str) -> String {
    format!("{}/app/sign-in/{token}", public_url.trim_end_matches('/'))
}

fn new_token() -> Result<(String, Vec<u8>), CoreError> {
    let token = keys::random_token(TOKEN_LEN)
        .map_err(|e| CoreError::Internal(format!("random token: {e}")))?;
    let hash = keys::hash(&token);
    Ok((token, hash))
}

/// Whether a presented token has the shape of one of ours (cheap refusal of anything else).
fn plausible(token: &str) -> bool {
    token.len() == TOKEN_LEN && token.bytes().all(|b| b.is_ascii_alphanumeric())
}

/// Creates a user of `company` and their first sign-in link.
pub async fn create(
    store: &dyn Store,
    public_url: &str,
    company: CompanyId,
    email: &str,
    role: Role,
    now: DateTime<Utc>,
) -> Result<IssuedLink, CoreError> {
    let email = Email::parse(email).map_err(|e| CoreError::invalid_value("email", e))?;
    if store.get_company(company).await?.is_none() {
        return Err(CoreError::not_found("company", company));
    }
    let user = ConsoleUser {
        id: Uuid::now_v7(),
        company_id: company,
        email,
        role,
        has_password: false,
        disabled_at: None,
        last_sign_in_at: None,
        created_at: now,
    };
    let (token, token_hash) = new_token()?;
    let link = NewSignInLink {
        token_hash,
        user_id: user.id,
        expires_at: now + LINK_TTL,
        created_at: now,
    };
    store.create_user(&user, &link, now).await?;
    Ok(IssuedLink {
        url: link_url(public_url, &token),
        expires_at: link.expires_at,
        user,
    })
}

/// A new sign-in link for an existing, enabled user (a forgotten password); the older
/// unused links stop working.
pub async fn new_link(
    store: &dyn Store,
    public_url: &str,
    user: Uuid,
    now: DateTime<Utc>,
) -> Result<IssuedLink, CoreError> {
    let user = store
        .get_user(user)
        .await?
        .ok_or_else(|| CoreError::not_found("user", user))?;
    if user.disabled_at.is_some() {
        return Err(CoreError::InvalidState("the user is disabled".into()));
    }
    let (token, token_hash) = new_token()?;
    let link = NewSignInLink {
        token_hash,
        user_id: user.id,
        expires_at: now + LINK_TTL,
        created_at: now,
    };
    store.add_sign_in_link(&link).await?;
    Ok(IssuedLink {
        url: link_url(public_url, &token),
        expires_at: link.expires_at,
        user,
    })
}

/// The users of one company, or of all.
pub async fn list(
    store: &dyn Store,
    company: Option<CompanyId>,
) -> Result<Vec<ConsoleUser>, CoreError> {
    Ok(store.list_users(company).await?)
}

/// Disables a user: their sessions end at once and their links stop working.
pub async fn disable(store: &dyn Store, user: Uuid, now: DateTime<Utc>) -> Result<(), CoreError> {
    if store.disable_user(user, now).await? {
        Ok(())
    } else {
        Err(CoreError::not_found("user", user))
    }
}

/// The user a sign-in link is for, while it can be used.
pub async fn link_user(
    store: &dyn Store,
    token: &str,
    now: DateTime<Utc>,
) -> Result<Option<ConsoleUser>, CoreError> {
    if !plausible(token) {
        return Ok(None);
    }
    let presented = keys::hash(token);
    let found = store.sign_in_link(&presented, now).await?;
    Ok(found
        .filter(|l| keys::hashes_equal(&presented, &l.token_hash))
        .map(|l| l.user))
}

/// Checks a new password: length only, as NIST SP 800-63B advises (no composition rules).
pub fn check_password(password: &str, confirmation: &str) -> Result<(), String> {
    let chars = password.chars().count();
    if chars < PASSWORD_MIN {
        return Err(format!(
            "Choose a password of at least {PASSWORD_MIN} characters."
        ));
    }
    if chars > PASSWORD_MAX {
        return Err(format!(
            "Choose a password of at most {PASSWORD_MAX} characters."
        ));
    }
    if password != confirmation {
        return Err("The two passwords are not the same.".into());
    }
    Ok(())
}

/// Sets the password of the link's user, spends the link and signs the user in.
pub async fn set_password(
    store: &dyn Store,
    token: &str,
    password: &str,
    confirmation: &str,
    now: DateTime<Utc>,
) -> Result<Opened, SetPasswordError> {
    let user = link_user(store, token, now)
        .await?
        .ok_or(SetPasswordError::LinkInvalid)?;
    check_password(password, confirmation).map_err(SetPasswordError::Rejected)?;
    let password_hash = hash_password(password.to_owned()).await?;
    let (session, token_out) = new_session(&user, now)?;
    let redemption = Redemption {
        token_hash: keys::hash(token),
        password_hash,
        session,
        now,
    };
    if !store.redeem_sign_in_link(&redemption).await? {
        return Err(SetPasswordError::LinkInvalid);
    }
    Ok(Opened {
        token: token_out,
        expires_at: redemption.session.expires_at,
        user,
    })
}

fn new_session(user: &ConsoleUser, now: DateTime<Utc>) -> Result<(NewSession, String), CoreError> {
    let (token, token_hash) = new_token()?;
    let session = NewSession {
        id: Uuid::now_v7(),
        token_hash,
        user_id: user.id,
        created_at: now,
        expires_at: now + SESSION_ABSOLUTE,
    };
    Ok((session, token))
}

/// The throttle keys of a sign-in: the e-mail as typed (normalised when it parses) and the
/// client address (an IPv6 client by its /64, which one machine usually holds whole).
fn throttle_keys(email: &str, client: Option<IpAddr>) -> (String, Option<String>) {
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
async fn locked_minutes(
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

/// Signs a user in with e-mail and password, from `client` when it is known.
pub async fn sign_in(
    store: &dyn Store,
    email: &str,
    password: &str,
    client: Option<IpAddr>,
    now: DateTime<Utc>,
) -> Result<Opened, SignInError> {
    let (email_key, address_key) = throttle_keys(email, client);
    let mut keys = vec![email_key.as_str()];
    keys.extend(address_key.as_deref());
    if let Some(minutes) = locked_minutes(store, &keys, now).await? {
        return Err(SignInError::Throttled { minutes });
    }
    let found = match Email::parse(email) {
        Ok(e) => store.user_by_email(&e).await?,
        Err(_) => None,
    };
    let (user, hash) = match found {
        Some((user, Some(hash))) if user.disabled_at.is_none() => (Some(user), hash),
        _ => (None, dummy_hash().await?),
    };
    let verified = verify_password(password.to_owned(), hash).await?;
    match user {
        Some(user) if verified => {
            store.clear_sign_in_failures(&email_key).await?;
            let (session, token) = new_session(&user, now)?;
            store.open_session(&session, now - SESSION_IDLE).await?;
            Ok(Opened {
                token,
                expires_at: session.expires_at,
                user,
            })
        }
        _ => Err(record_failure(store, &email_key, address_key.as_deref(), now).await),
    }
}

/// Counts a failed sign-in; the error to show (locked now, or just wrong).
async fn record_failure(
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

/// The signed-in user of a session token, if the session is still valid at `now`. An
/// expired session, or one of a disabled user, is removed.
pub async fn authenticate(
    store: &dyn Store,
    token: &str,
    now: DateTime<Utc>,
) -> Result<Option<SignedIn>, CoreError> {
    if !plausible(token) {
        return Ok(None);
    }
    let presented = keys::hash(token);
    let Some(session) = store.console_session(&presented).await? else {
        return Ok(None);
    };
    if !keys::hashes_equal(&presented, &session.token_hash) {
        return Ok(None);
    }
    let over = session.user.disabled_at.is_some()
        || now >= session.expires_at
        || now.signed_duration_since(session.last_seen_at) >= SESSION_IDLE;
    if over {
        store.end_session(session.id).await?;
        return Ok(None);
    }
    if now.signed_duration_since(session.last_seen_at) >= TOUCH_EVERY {
        store.touch_session(session.id, now).await?;
    }
    Ok(Some(SignedIn {
        session_id: session.id,
        user: session.user,
        expires_at: session.expires_at,
    }))
}

/// Ends a session (sign-out).
pub async fn sign_out(store: &dyn Store, session: Uuid) -> Result<(), CoreError> {
    Ok(store.end_session(session).await?)
}

/// argon2id with the crate's defaults (m = 19 MiB, t = 2, p = 1: OWASP's first choice), on
/// a blocking thread: a hash takes tens of milliseconds of CPU.
async fn hash_password(password: String) -> Result<String, CoreError> {
    tokio::task::spawn_blocking(move || {
        Argon2::default()
            .hash_password(password.as_bytes())
            .map(|h| h.to_string())
            .map_err(|e| CoreError::Internal(format!("hashing a password: {e}")))
    })
    .await
    .map_err(|e| CoreError::Internal(format!("hashing task: {e}")))?
}

/// Whether `password` matches the PHC string `hash` (argon2's comparison is constant-time).
async fn verify_password(password: String, hash: String) -> Result<bool, CoreError> {
    tokio::task::spawn_blocking(move || {
        let Ok(parsed) = PasswordHash::new(&hash) else {
            tracing::error!("a stored console password hash does not parse");
            return false;
        };
        Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok()
    })
    .await
    .map_err(|e| CoreError::Internal(format!("verifying task: {e}")))
}

/// A hash of a random password, checked when there is no real one, so that an unknown
/// address takes as long as a known one.
async fn dummy_hash() -> Result<String, CoreError> {
    static DUMMY: OnceLock<String> = OnceLock::new();
    if let Some(hash) = DUMMY.get() {
        return Ok(hash.clone());
    }
    let (random, _) = new_token()?;
    let hash = hash_password(random).await?;
    Ok(DUMMY.get_or_init(|| hash).clone())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // A panic is how a test reports failure.
mod tests {
    use super::*;

    #[test]
    fn passwords_are_checked_for_length_and_confirmation_only() {
        assert!(check_password("short", "short").is_err());
        assert!(check_password("long enough pass", "long enough pass").is_ok());
        assert!(check_password("long enough pass", "long enough pasS").is_err());
        let huge = "x".repeat(PASSWORD_MAX + 1);
        assert!(check_password(&huge, &huge).is_err());
        // Characters, not bytes: ten accented letters are ten.
        assert!(check_password("éééééééééé", "éééééééééé").is_ok());
    }

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

    #[tokio::test]
    async fn a_hash_verifies_its_password_only() {
        let hash = hash_password("correct horse battery".into()).await.unwrap();
        assert!(hash.starts_with("$argon2id$"));
        assert!(
            verify_password("correct horse battery".into(), hash.clone())
                .await
                .unwrap()
        );
        assert!(!verify_password("wrong".into(), hash).await.unwrap());
        assert!(!verify_password("x".into(), "garbage".into()).await.unwrap());
    }

    #[test]
    fn links_point_at_the_console() {
        assert_eq!(
            link_url("https://hire.example.com/", "abc"),
            "https://hire.example.com/app/sign-in/abc"
        );
        assert!(!plausible("short"));
        assert!(plausible(&"a".repeat(TOKEN_LEN)));
    }
}
