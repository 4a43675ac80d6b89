//! When to try a failed webhook delivery again.
//!
//! The schedule is the Standard Webhooks example: immediately, then 5 s,
//! 5 min, 30 min, 2 h, 5 h, 10 h, 14 h, 20 h and 24 h after each failure
//! (ten attempts, the last about 75 h after the first). Each delay gets
//! ±10 % jitter so that the retries of many messages that failed together
//! (one endpoint going down) do not arrive together. A receiver's
//! `Retry-After` can stretch a delay but never shorten it.
//!
//! Randomness comes through [`RandomSource`], so tests pass a fixed value
//! or a seeded generator and get exact answers.

use std::time::{Duration, SystemTime};

const MINUTE: u64 = 60;
const HOUR: u64 = 60 * MINUTE;

/// The delay before each attempt; entry `i` precedes attempt `i + 1`.
pub const SCHEDULE: [Duration; 10] = [
    Duration::ZERO,
    Duration::from_secs(5),
    Duration::from_secs(5 * MINUTE),
    Duration::from_secs(30 * MINUTE),
    Duration::from_secs(2 * HOUR),
    Duration::from_secs(5 * HOUR),
    Duration::from_secs(10 * HOUR),
    Duration::from_secs(14 * HOUR),
    Duration::from_secs(20 * HOUR),
    Duration::from_secs(24 * HOUR),
];

/// How many attempts a message gets in all.
pub const MAX_ATTEMPTS: u32 = SCHEDULE.len() as u32;

/// The most a receiver's `Retry-After` may push a retry out.
pub const MAX_RETRY_AFTER: Duration = Duration::from_secs(24 * HOUR);

/// The jitter: a delay is scaled by a factor in `[1 - JITTER, 1 + JITTER)`.
pub const JITTER: f64 = 0.10;

/// A source of uniform numbers in `[0, 1)`.
///
/// Any `FnMut() -> f64` is one, so a test can pass `&mut || 0.5`.
pub trait RandomSource {
    /// The next number, uniform in `[0, 1)`.
    fn next_unit(&mut self) -> f64;
}

impl<F: FnMut() -> f64> RandomSource for F {
    fn next_unit(&mut self) -> f64 {
        self()
    }
}

/// A small deterministic generator (SplitMix64) for jitter.
///
/// Seed it from the clock or from [`SeededRandom::from_os`] in production and
/// from a constant in tests. Not for secrets.
#[derive(Debug, Clone)]
pub struct SeededRandom {
    state: u64,
}

impl SeededRandom {
    /// A generator that replays the same sequence for the same seed.
    pub fn new(seed: u64) -> Self {
        Self { state: seed }
    }

    /// A generator seeded from the operating system (the clock if that fails).
    pub fn from_os() -> Self {
        let mut seed = [0u8; 8];
        if getrandom::fill(&mut seed).is_ok() {
            return Self::new(u64::from_le_bytes(seed));
        }
        let nanos = SystemTime::now()
            .duration_since(SystemTime::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos());
        Self::new(nanos as u64)
    }
}

impl RandomSource for SeededRandom {
    fn next_unit(&mut self) -> f64 {
        self.state = self.state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^= z >> 31;
        // The top 53 bits give every f64 in [0, 1) with equal spacing.
        (z >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// Scales `delay` by `1 + JITTER * (2 * unit - 1)`; `unit` is clamped to `[0, 1]`.
pub fn jitter(delay: Duration, unit: f64) -> Duration {
    let unit = if unit.is_finite() {
        unit.clamp(0.0, 1.0)
    } else {
        0.5
    };
    delay.mul_f64(1.0 + JITTER * (2.0 * unit - 1.0))
}

/// Whether a message that has had `attempts_made` attempts may have another.
pub fn has_next_attempt(attempts_made: u32) -> bool {
    attempts_made < MAX_ATTEMPTS
}

/// The delay before the next attempt, after attempt number `attempt_number`
/// (1-based: 1 is the first, immediate attempt) has failed.
///
/// The result is the scheduled delay with jitter, or the receiver's
/// `Retry-After` (capped at [`MAX_RETRY_AFTER`]) when that is longer. Past the
/// end of the schedule the last delay repeats; call [`has_next_attempt`] to
/// know when to stop.
pub fn next_delay(
    attempt_number: u32,
    retry_after: Option<Duration>,
    rng: &mut impl RandomSource,
) -> Duration {
    let index = usize::try_from(attempt_number)
        .unwrap_or(usize::MAX)
        .clamp(1, SCHEDULE.len() - 1);
    let scheduled = jitter(SCHEDULE[index], rng.next_unit());
    match retry_after {
        Some(asked) => scheduled.max(asked.min(MAX_RETRY_AFTER)),
        None => scheduled,
    }
}

/// Reads a `Retry-After` header: delta-seconds (`120`) or an HTTP-date
/// (`Wed, 21 Oct 2015 07:28:00 GMT`, or the two obsolete forms).
///
/// A date in the past gives zero. Anything else gives `None`.
pub fn parse_retry_after(header_value: &str, now: SystemTime) -> Option<Duration> {
    let value = header_value.trim();
    if !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()) {
        // Too many digits to fit is still "a very long time".
        return Some(Duration::from_secs(value.parse().unwrap_or(u64::MAX)));
    }
    let date = httpdate::parse_http_date(value).ok()?;
    Some(date.duration_since(now).unwrap_or(Duration::ZERO))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secs(s: u64) -> Duration {
        Duration::from_secs(s)
    }

    #[test]
    fn follows_the_schedule_without_jitter_at_the_midpoint() {
        let mut mid = || 0.5;
        let delays: Vec<_> = (1..MAX_ATTEMPTS)
            .map(|n| next_delay(n, None, &mut mid))
            .collect();
        assert_eq!(delays, SCHEDULE[1..].to_vec());
        assert_eq!(delays[0], secs(5));
        assert_eq!(delays[8], secs(24 * HOUR));
        let total: Duration = SCHEDULE.iter().sum();
        assert_eq!(total, secs(75 * HOUR + 35 * MINUTE + 5));
    }

    #[test]
    fn stops_after_ten_attempts_and_clamps_out_of_range_numbers() {
        assert!(has_next_attempt(9));
        assert!(!has_next_attempt(10));
        let mut mid = || 0.5;
        assert_eq!(next_delay(0, None, &mut mid), secs(5));
        assert_eq!(next_delay(10, None, &mut mid), secs(24 * HOUR));
        assert_eq!(next_delay(u32::MAX, None, &mut mid), secs(24 * HOUR));
    }

    #[test]
    fn jitter_stays_within_ten_percent() {
        assert_eq!(jitter(secs(100), 0.0), secs(90));
        assert_eq!(jitter(secs(100), 1.0), secs(110));
        assert_eq!(jitter(secs(100), f64::NAN), secs(100));
        assert_eq!(jitter(Duration::ZERO, 0.9), Duration::ZERO);
        let mut rng = SeededRandom::new(7);
        for n in 1..MAX_ATTEMPTS {
            let base = SCHEDULE[n as usize];
            let got = next_delay(n, None, &mut rng);
            assert!(
                got >= base.mul_f64(0.9) && got <= base.mul_f64(1.1),
                "{n}: {got:?}"
            );
        }
    }

    #[test]
    fn seeded_random_is_repeatable_and_spread() {
        let a: Vec<f64> = (0..100)
            .scan(SeededRandom::new(42), |r, _| Some(r.next_unit()))
            .collect();
        let b: Vec<f64> = (0..100)
            .scan(SeededRandom::new(42), |r, _| Some(r.next_unit()))
            .collect();
        assert_eq!(a, b);
        assert!(a.iter().all(|u| (0.0..1.0).contains(u)));
        assert!(a.iter().any(|u| *u < 0.2) && a.iter().any(|u| *u > 0.8));
    }

    #[test]
    fn retry_after_only_lengthens_and_is_capped() {
        let mut mid = || 0.5;
        assert_eq!(next_delay(1, Some(secs(60)), &mut mid), secs(60));
        assert_eq!(next_delay(3, Some(secs(60)), &mut mid), secs(30 * MINUTE));
        assert_eq!(
            next_delay(1, Some(secs(7 * 24 * HOUR)), &mut mid),
            MAX_RETRY_AFTER
        );
    }

    #[test]
    fn parses_delta_seconds_and_http_dates() {
        let now = SystemTime::UNIX_EPOCH + secs(1_445_412_480); // 2015-10-21 07:28:00 UTC
        assert_eq!(parse_retry_after("120", now), Some(secs(120)));
        assert_eq!(parse_retry_after(" 0 ", now), Some(Duration::ZERO));
        assert_eq!(
            parse_retry_after("99999999999999999999999", now),
            Some(secs(u64::MAX))
        );
        assert_eq!(
            parse_retry_after("Wed, 21 Oct 2015 07:30:00 GMT", now),
            Some(secs(120))
        );
        assert_eq!(
            parse_retry_after("Wednesday, 21-Oct-15 07:29:00 GMT", now),
            Some(secs(60))
        );
        assert_eq!(
            parse_retry_after("Wed Oct 21 07:28:30 2015", now),
            Some(secs(30))
        );
        assert_eq!(
            parse_retry_after("Wed, 21 Oct 2015 07:00:00 GMT", now),
            Some(Duration::ZERO)
        );
        for junk in ["", "-5", "1.5", "soon", "Wed, 21 Oct 2015"] {
            assert_eq!(parse_retry_after(junk, now), None, "{junk:?}");
        }
    }
}
