//! The one source of "now" for everything the server stores or decides on: leases, due
//! times, expiries, timestamps of rows and events. It is the system clock, moved ahead by an
//! offset that tests can advance, so a test can make a lease or an invite expire without
//! waiting for it. Timers (sleeps, polls, timeouts) stay on tokio's clock.

use chrono::{DateTime, Utc};
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

/// A clock shared by every part of one server.
#[derive(Clone, Debug, Default)]
pub struct Clock {
    offset_ms: Arc<AtomicI64>,
}

impl Clock {
    /// The system clock.
    pub fn system() -> Self {
        Self::default()
    }

    /// The current time.
    pub fn now(&self) -> DateTime<Utc> {
        Utc::now() + chrono::Duration::milliseconds(self.offset_ms.load(Ordering::SeqCst))
    }

    /// Moves this clock (and every copy of it) ahead by `by`.
    pub fn advance(&self, by: std::time::Duration) {
        let ms = i64::try_from(by.as_millis()).unwrap_or(i64::MAX);
        self.offset_ms.fetch_add(ms, Ordering::SeqCst);
    }

    /// `now` plus `span`, saturating instead of overflowing.
    pub fn after(&self, span: std::time::Duration) -> DateTime<Utc> {
        let now = self.now();
        chrono::Duration::from_std(span)
            .ok()
            .and_then(|d| now.checked_add_signed(d))
            .unwrap_or(DateTime::<Utc>::MAX_UTC)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn advancing_moves_every_copy() {
        let clock = Clock::system();
        let copy = clock.clone();
        let before = copy.now();
        clock.advance(std::time::Duration::from_secs(3600));
        assert!(copy.now() - before >= chrono::Duration::minutes(59));
    }
}
