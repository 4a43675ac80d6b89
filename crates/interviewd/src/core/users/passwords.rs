//! Console passwords: what a new one must be, and argon2id hashing and checking, on a
//! blocking thread (a hash takes tens of milliseconds of CPU). An unknown account is checked
//! against a dummy hash so that it costs the same time as a known one.

use crate::core::error::CoreError;
use argon2::Argon2;
use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use std::sync::OnceLock;

/// Shortest password accepted, in characters.
pub const PASSWORD_MIN: usize = 10;
/// Longest password accepted, in characters (argon2 hashes anything; this bounds the work).
pub const PASSWORD_MAX: usize = 256;

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

/// argon2id with the crate's defaults (m = 19 MiB, t = 2, p = 1: OWASP's first choice), on
/// a blocking thread: a hash takes tens of milliseconds of CPU.
pub(super) async fn hash_password(password: String) -> Result<String, CoreError> {
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
pub(super) async fn verify_password(password: String, hash: String) -> Result<bool, CoreError> {
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
pub(super) async fn dummy_hash() -> Result<String, CoreError> {
    static DUMMY: OnceLock<String> = OnceLock::new();
    if let Some(hash) = DUMMY.get() {
        return Ok(hash.clone());
    }
    let random = crate::core::keys::random_token(43)
        .map_err(|e| CoreError::Internal(format!("random token: {e}")))?;
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
}
