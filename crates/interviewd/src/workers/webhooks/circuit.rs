//! What one attempt's outcome does to its message and its endpoint: the retry schedule and
//! the circuit breaker, as a pure decision (the store applies it atomically).
//!
//! * 2xx: delivered; the endpoint's failure streak resets.
//! * Any other answer, a timeout or a network error: retried on the Standard Webhooks
//!   schedule (immediately, 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 14 h, 20 h, 24 h, ±10 %
//!   jitter, multiplied by the `webhook_retry_scale` knob), or later if the receiver's
//!   `Retry-After` asks for more (never scaled, capped at 24 h); at most `maxRetries`
//!   retries, then the message fails.
//! * 410 Gone: the message fails and the endpoint is deactivated.
//! * A refused destination (private address, bad URL or header): the message fails.
//! * Every failed attempt lengthens the endpoint's streak (`consecutiveFailures`); at
//!   `webhook_circuit_threshold` the circuit opens: `isActive=false`, `circuitOpenedAt`
//!   set. While the circuit is open, messages (old and new) are held, not dropped, until
//!   `reset-circuit`; an endpoint paused by hand or disabled by 410 gets no new messages.
//! * A test `ping` gets one attempt, and when its endpoint is inactive it changes nothing.

use crate::store::delivery::{EndpointEffect, MessageFate};
use crate::store::events::kinds;
use chrono::{DateTime, Utc};
use interviewd_notify::schedule::{MAX_RETRY_AFTER, RandomSource, has_next_attempt, next_delay};
use interviewd_notify::{DeliveryResult, Outcome};
use std::time::Duration;

/// Default and maximum of an endpoint's `maxRetries` (the full schedule).
pub use crate::core::webhooks::MAX_RETRIES;

/// The tunables of the policy.
#[derive(Clone, Copy, Debug)]
pub struct Policy {
    /// Multiplies the retry schedule (1.0 in production; small in tests).
    pub retry_scale: f64,
    /// Consecutive failed attempts that open an endpoint's circuit.
    pub circuit_threshold: u32,
}

/// The endpoint facts the decision needs.
#[derive(Clone, Copy, Debug)]
pub struct Attempt<'a> {
    pub event_type: &'a str,
    /// 1-based number of the attempt just made.
    pub number: u32,
    pub max_retries: u32,
    pub endpoint_active: bool,
}

/// The decision for one attempt.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Decision {
    pub fate: MessageFate,
    pub effect: EndpointEffect,
    /// The log's word for the outcome.
    pub outcome: &'static str,
}

/// Scales a delay, leaving it alone when the factor is unusable.
pub fn scaled(delay: Duration, scale: f64) -> Duration {
    if !scale.is_finite() || scale < 0.0 {
        return delay;
    }
    Duration::try_from_secs_f64(delay.as_secs_f64() * scale).unwrap_or(delay)
}

/// The wait before the next attempt after attempt `number` failed.
pub fn retry_delay(
    number: u32,
    retry_after: Option<Duration>,
    scale: f64,
    rng: &mut impl RandomSource,
) -> Duration {
    let scheduled = scaled(next_delay(number, None, rng), scale);
    match retry_after {
        Some(asked) => scheduled.max(asked.min(MAX_RETRY_AFTER)),
        None => scheduled,
    }
}

/// Decides what `result` means for the message and its endpoint.
pub fn decide(
    result: &DeliveryResult,
    attempt: Attempt<'_>,
    policy: Policy,
    now: DateTime<Utc>,
    rng: &mut impl RandomSource,
) -> Decision {
    let is_ping = attempt.event_type == kinds::PING;
    let counts = attempt.endpoint_active;
    let failed = if counts {
        EndpointEffect::Failed {
            circuit_threshold: policy.circuit_threshold.max(1),
        }
    } else {
        EndpointEffect::None
    };
    match result.outcome {
        Outcome::Delivered => Decision {
            fate: MessageFate::Delivered,
            effect: if counts {
                EndpointEffect::Succeeded
            } else {
                EndpointEffect::None
            },
            outcome: "DELIVERED",
        },
        Outcome::Gone => Decision {
            fate: MessageFate::Failed,
            effect: EndpointEffect::Disable,
            outcome: "GONE",
        },
        Outcome::Refused => Decision {
            fate: MessageFate::Failed,
            effect: failed,
            outcome: "REFUSED",
        },
        Outcome::Retry => {
            let allowed = if is_ping {
                1
            } else {
                attempt.max_retries.min(MAX_RETRIES) + 1
            };
            let fate = if attempt.number < allowed && has_next_attempt(attempt.number) {
                let delay =
                    retry_delay(attempt.number, result.retry_after, policy.retry_scale, rng);
                let delay = chrono::Duration::from_std(delay).unwrap_or(chrono::Duration::MAX);
                MessageFate::Retry(now.checked_add_signed(delay).unwrap_or(now))
            } else {
                MessageFate::Failed
            };
            Decision {
                fate,
                effect: failed,
                outcome: "RETRY",
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn result(outcome: Outcome, retry_after: Option<Duration>) -> DeliveryResult {
        DeliveryResult {
            status: Some(500),
            duration_ms: 1,
            error: None,
            retry_after,
            outcome,
        }
    }

    fn attempt(number: u32, max_retries: u32) -> Attempt<'static> {
        Attempt {
            event_type: kinds::INTERVIEW_COMPLETED,
            number,
            max_retries,
            endpoint_active: true,
        }
    }

    const POLICY: Policy = Policy {
        retry_scale: 1.0,
        circuit_threshold: 5,
    };

    /// What [`decide`] says of `outcome` on `attempt` under [`POLICY`] at `now`, without jitter.
    fn decide_at(outcome: Outcome, attempt: Attempt<'static>, now: DateTime<Utc>) -> Decision {
        decide(&result(outcome, None), attempt, POLICY, now, &mut || 0.5)
    }

    #[test]
    fn failures_follow_the_schedule_until_max_retries() {
        let now = Utc::now();
        let d = decide_at(Outcome::Retry, attempt(1, 9), now);
        assert_eq!(
            d.fate,
            MessageFate::Retry(now + chrono::Duration::seconds(5))
        );
        assert_eq!(
            d.effect,
            EndpointEffect::Failed {
                circuit_threshold: 5
            }
        );
        let d = decide_at(Outcome::Retry, attempt(3, 9), now);
        assert_eq!(
            d.fate,
            MessageFate::Retry(now + chrono::Duration::minutes(30))
        );
        let d = decide_at(Outcome::Retry, attempt(3, 2), now);
        assert_eq!(d.fate, MessageFate::Failed);
        let d = decide_at(Outcome::Retry, attempt(10, 9), now);
        assert_eq!(d.fate, MessageFate::Failed);
    }

    #[test]
    fn retry_after_stretches_and_scale_shrinks() {
        let mut mid = || 0.5;
        let asked = Some(Duration::from_secs(60));
        assert_eq!(
            retry_delay(1, asked, 1.0, &mut mid),
            Duration::from_secs(60)
        );
        assert_eq!(
            retry_delay(1, None, 0.001, &mut mid),
            Duration::from_millis(5)
        );
        assert_eq!(
            retry_delay(1, asked, 0.001, &mut mid),
            Duration::from_secs(60)
        );
        assert_eq!(
            retry_delay(1, None, f64::NAN, &mut mid),
            Duration::from_secs(5)
        );
        assert_eq!(retry_delay(1, None, -1.0, &mut mid), Duration::from_secs(5));
    }

    #[test]
    fn success_gone_and_refused() {
        let now = Utc::now();
        let d = decide_at(Outcome::Delivered, attempt(4, 9), now);
        assert_eq!(
            (d.fate, d.effect),
            (MessageFate::Delivered, EndpointEffect::Succeeded)
        );
        let d = decide_at(Outcome::Gone, attempt(1, 9), now);
        assert_eq!(
            (d.fate, d.effect),
            (MessageFate::Failed, EndpointEffect::Disable)
        );
        let d = decide_at(Outcome::Refused, attempt(1, 9), now);
        assert_eq!(d.fate, MessageFate::Failed);
        assert_eq!(d.outcome, "REFUSED");
    }

    #[test]
    fn a_ping_gets_one_attempt_and_spares_an_inactive_endpoint() {
        let now = Utc::now();
        let ping = Attempt {
            event_type: kinds::PING,
            number: 1,
            max_retries: 9,
            endpoint_active: false,
        };
        let d = decide_at(Outcome::Retry, ping, now);
        assert_eq!(
            (d.fate, d.effect),
            (MessageFate::Failed, EndpointEffect::None)
        );
        let d = decide_at(Outcome::Delivered, ping, now);
        assert_eq!(d.effect, EndpointEffect::None);
    }
}
