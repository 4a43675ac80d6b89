//! Storage of the recruiter console's people: users of one company, their one-time sign-in
//! links, their sessions and the sign-in throttle. The rules (lifetimes, hashing, limits)
//! live in `crate::core::users`; backends store and compare what they are given.
//!
//! The contract every backend implements:
//! - Secrets are stored as hashes only: a link or session is found by the SHA-256 of its
//!   token, and a password is an argon2id PHC string made above this layer.
//! - An e-mail address names at most one user in the deployment (a `Conflict` on `email`).
//! - [`UserStore::redeem_sign_in_link`] consumes the link, sets the password, ends the user's
//!   other sessions and opens the new one in one transaction, or does nothing.
//! - [`UserStore::disable_user`] ends every session and unused link of the user with it.
//! - [`UserStore::record_sign_in_failure`] counts and locks in one statement, so concurrent
//!   failures on several nodes are all counted.

use crate::store::StoreResult;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use interviewd_domain::{CompanyId, Email};
use uuid::Uuid;

/// What a console user may do.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    /// Everything, including settings (API keys, webhooks) and deletions.
    Admin,
    /// The daily work: jobs, candidates, interviews, invites; no settings, no deletions.
    Member,
}

impl Role {
    /// Storage and command-line spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Admin => "admin",
            Self::Member => "member",
        }
    }
}

impl std::str::FromStr for Role {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s.trim().to_ascii_lowercase().as_str() {
            "admin" => Ok(Self::Admin),
            "member" => Ok(Self::Member),
            other => Err(format!("unknown role `{other}` (admin or member)")),
        }
    }
}

/// A person who signs in to the console.
#[derive(Clone, Debug, PartialEq)]
pub struct ConsoleUser {
    pub id: Uuid,
    pub company_id: CompanyId,
    pub email: Email,
    pub role: Role,
    /// Whether a password was set (through a sign-in link).
    pub has_password: bool,
    pub disabled_at: Option<DateTime<Utc>>,
    pub last_sign_in_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

/// A one-time sign-in link to store (its token's hash only).
#[derive(Clone, Debug)]
pub struct NewSignInLink {
    pub token_hash: Vec<u8>,
    pub user_id: Uuid,
    pub expires_at: DateTime<Utc>,
    pub created_at: DateTime<Utc>,
}

/// A session to store (its token's hash only).
#[derive(Clone, Debug)]
pub struct NewSession {
    pub id: Uuid,
    pub token_hash: Vec<u8>,
    pub user_id: Uuid,
    pub created_at: DateTime<Utc>,
    /// The absolute end, however active the user is.
    pub expires_at: DateTime<Utc>,
}

/// A stored session with its user.
#[derive(Clone, Debug)]
pub struct SessionRecord {
    pub id: Uuid,
    /// As stored, for a constant-time comparison with the presented token's hash.
    pub token_hash: Vec<u8>,
    pub user: ConsoleUser,
    pub created_at: DateTime<Utc>,
    pub last_seen_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

/// The user of a link that can still be used, with the link's stored hash.
#[derive(Clone, Debug)]
pub struct LinkRecord {
    pub token_hash: Vec<u8>,
    pub user: ConsoleUser,
    pub expires_at: DateTime<Utc>,
}

/// A password set through a link, and the session it opens.
#[derive(Clone, Debug)]
pub struct Redemption {
    pub token_hash: Vec<u8>,
    pub password_hash: String,
    pub session: NewSession,
    pub now: DateTime<Utc>,
}

/// The throttle's numbers for one kind of key.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ThrottleRule {
    /// Failures counted from the first one in this window…
    pub window_ms: i64,
    /// …up to this many lock the key…
    pub max_failures: i64,
    /// …for this long.
    pub lock_ms: i64,
}

/// Where a throttle key stands.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ThrottleState {
    pub failures: i64,
    pub locked_until: Option<DateTime<Utc>>,
}

/// Console-user persistence (implemented per backend).
#[async_trait]
pub trait UserStore: Send + Sync {
    /// Stores a new user with their first sign-in link.
    async fn create_user(
        &self,
        user: &ConsoleUser,
        link: &NewSignInLink,
        now: DateTime<Utc>,
    ) -> StoreResult<()>;

    /// One user by id (any company: the operator's commands).
    async fn get_user(&self, id: Uuid) -> StoreResult<Option<ConsoleUser>>;

    /// Users of one company, or of every company, by e-mail.
    async fn list_users(&self, company: Option<CompanyId>) -> StoreResult<Vec<ConsoleUser>>;

    /// The user with this e-mail, with their password hash if one was set.
    async fn user_by_email(
        &self,
        email: &Email,
    ) -> StoreResult<Option<(ConsoleUser, Option<String>)>>;

    /// Stores another sign-in link for a user (older unused ones stop working).
    async fn add_sign_in_link(&self, link: &NewSignInLink) -> StoreResult<()>;

    /// The link with this token hash, if it is unused and unexpired at `now`.
    async fn sign_in_link(
        &self,
        token_hash: &[u8],
        now: DateTime<Utc>,
    ) -> StoreResult<Option<LinkRecord>>;

    /// Consumes the link and sets the password, ends the user's sessions and opens
    /// `session`, in one transaction; false (nothing written) when the link cannot be used
    /// any more or its user is disabled.
    async fn redeem_sign_in_link(&self, redemption: &Redemption) -> StoreResult<bool>;

    /// Marks a user disabled and ends their sessions and links; false when unknown.
    async fn disable_user(&self, id: Uuid, now: DateTime<Utc>) -> StoreResult<bool>;

    /// Opens a session after a sign-in, removes expired sessions (`expires_at` passed, or
    /// idle since `idle_before`) and records the sign-in time.
    async fn open_session(
        &self,
        session: &NewSession,
        idle_before: DateTime<Utc>,
    ) -> StoreResult<()>;

    /// The session with this token hash, with its user.
    async fn console_session(&self, token_hash: &[u8]) -> StoreResult<Option<SessionRecord>>;

    /// Records activity on a session.
    async fn touch_session(&self, id: Uuid, at: DateTime<Utc>) -> StoreResult<()>;

    /// Ends a session.
    async fn end_session(&self, id: Uuid) -> StoreResult<()>;

    /// Where a throttle key stands.
    async fn throttle_state(&self, key: &str) -> StoreResult<ThrottleState>;

    /// Counts one failure on `key` under `rule` and returns where it stands now.
    async fn record_sign_in_failure(
        &self,
        key: &str,
        rule: ThrottleRule,
        now: DateTime<Utc>,
    ) -> StoreResult<ThrottleState>;

    /// Forgets the failures of `key` (a successful sign-in).
    async fn clear_sign_in_failures(&self, key: &str) -> StoreResult<()>;
}
