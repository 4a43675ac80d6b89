//! Running a write transaction again when it lost a race.
//!
//! A PostgreSQL transaction can be chosen as a deadlock or serialization victim, and a
//! SQLite one can still find the database locked after its busy timeout; either way it was
//! rolled back whole and may simply run again. [`retrying`] does that a bounded number of
//! times, with a short, jittered backoff, so two removals of the same candidate, or a removal
//! and the writes racing it, both complete instead of one answering 503. Anything else —
//! including contention that outlasts the tries — is returned as it is.

use super::{StoreError, StoreResult};
use std::future::Future;
use std::time::Duration;

/// Tries of one transaction at most (the first included).
pub const MAX_TRIES: u32 = 6;

/// First backoff; it doubles per try (10, 20, 40, 80, 160 ms: under a third of a second in all).
const FIRST_BACKOFF: Duration = Duration::from_millis(10);

/// [`retrying_when`] for a removal or a revoke, which must complete: it runs again when it
/// lost a race (a deadlock, a row that appeared under what it deletes between its read and its
/// delete, or a shared transaction that did not commit, [`StoreError::Gone`]).
pub async fn retrying_removal<T, F, Fut>(what: &'static str, transaction: F) -> StoreResult<T>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = StoreResult<T>>,
{
    retrying_when(
        what,
        |e| e.is_contention() || matches!(e, StoreError::Gone(_)),
        transaction,
    )
    .await
}

/// Runs `transaction` until it succeeds, fails for another reason than `retry_on` accepts,
/// or has been tried [`MAX_TRIES`] times.
pub async fn retrying_when<T, F, Fut>(
    what: &'static str,
    retry_on: impl Fn(&StoreError) -> bool,
    mut transaction: F,
) -> StoreResult<T>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = StoreResult<T>>,
{
    let mut backoff = FIRST_BACKOFF;
    let mut tries = 1;
    loop {
        match transaction().await {
            Err(e) if tries < MAX_TRIES && retry_on(&e) => {
                tracing::debug!(what, tries, error = %e, "transaction lost a race; running it again");
                tokio::time::sleep(jittered(backoff)).await;
                backoff *= 2;
                tries += 1;
            }
            done => return done,
        }
    }
}

/// [`retrying_when`] for contention alone ([`StoreError::is_contention`]).
pub async fn retrying<T, F, Fut>(what: &'static str, transaction: F) -> StoreResult<T>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = StoreResult<T>>,
{
    retrying_when(what, StoreError::is_contention, transaction).await
}

/// `base` plus up to half of it again, so transactions that collided do not collide again.
fn jittered(base: Duration) -> Duration {
    let mut byte = [0u8; 1];
    let spread = match getrandom::fill(&mut byte) {
        Ok(()) => u32::from(byte[0]),
        Err(_) => 128,
    };
    base + base * spread / 512
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicU32, Ordering};

    #[tokio::test]
    async fn a_lost_race_runs_again_and_other_errors_do_not() {
        let runs = AtomicU32::new(0);
        let done = retrying_when(
            "test",
            |e| matches!(e, StoreError::Gone(_)),
            || async {
                match runs.fetch_add(1, Ordering::SeqCst) {
                    0 | 1 => Err(StoreError::Gone("candidate")),
                    _ => Ok(7),
                }
            },
        )
        .await;
        assert_eq!(done.ok(), Some(7));
        assert_eq!(runs.load(Ordering::SeqCst), 3);

        let runs = AtomicU32::new(0);
        let failed: StoreResult<()> = retrying_when(
            "test",
            |e| matches!(e, StoreError::Gone(_)),
            || async {
                runs.fetch_add(1, Ordering::SeqCst);
                Err(StoreError::Internal("bug".into()))
            },
        )
        .await;
        assert!(matches!(failed, Err(StoreError::Internal(_))));
        assert_eq!(runs.load(Ordering::SeqCst), 1, "a bug is not retried");
    }

    #[tokio::test]
    async fn tries_are_bounded() {
        let runs = AtomicU32::new(0);
        let failed: StoreResult<()> = retrying_when(
            "test",
            |_| true,
            || async {
                runs.fetch_add(1, Ordering::SeqCst);
                Err(StoreError::Gone("job"))
            },
        )
        .await;
        assert!(failed.is_err());
        assert_eq!(runs.load(Ordering::SeqCst), MAX_TRIES);
    }
}
