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

mod passwords;
mod throttle;

use crate::core::error::CoreError;
use crate::core::keys;
use crate::store::Store;
use crate::store::users::{NewSession, NewSignInLink, Redemption};
use chrono::{DateTime, Duration, Utc};
use interviewd_domain::{CompanyId, Email};
use passwords::{dummy_hash, hash_password, verify_password};
use std::net::IpAddr;
use throttle::{locked_minutes, record_failure, throttle_keys};
use uuid::Uuid;

pub use crate::store::users::{ConsoleUser, Role};
pub use passwords::{PASSWORD_MAX, PASSWORD_MIN, check_password};
pub use throttle::{ADDRESS_RULE, EMAIL_RULE};

/// How long a sign-in link works.
pub const LINK_TTL: Duration = Duration::hours(24);
/// A session without a request for this long is over.
pub const SESSION_IDLE: Duration = Duration::hours(12);
/// A session is over this long after it began, however active.
pub const SESSION_ABSOLUTE: Duration = Duration::days(7);
/// Activity is written at most this often per session (a write per page would be waste).
pub const TOUCH_EVERY: Duration = Duration::minutes(1);
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

#[cfg(test)]
mod tests {
    use super::*;

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
