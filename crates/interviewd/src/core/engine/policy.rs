//! What follows each way a session can end, decided without I/O.
//!
//! | reason (`reasonCode`) | attempt | what follows |
//! |---|---|---|
//! | completed | COMPLETED | analysis job, then the interview is COMPLETED |
//! | `NO_ANSWER`, `BUSY`, `PROVIDER_ERROR` | FAILED | retry after the retry delay, while retries remain; then the interview FAILS |
//! | `INTERRUPTED` (shutdown), `LEASE_EXPIRED` (worker died) | FAILED | retry at once, while retries remain; then the interview FAILS |
//! | `MAX_DURATION` (watchdog), `IDLE_TIMEOUT` (online), `NO_PHONE_NUMBER`, `CANCELED` | FAILED | the interview FAILS |
//! | `INTERVIEW_CLOSED` (closed while ringing) | CANCELLED | nothing |

use super::Cause;
use super::Settings;
use crate::store::engine::{AttemptEnd, Lease, NextStep};
use chrono::{DateTime, Utc};
use interviewd_domain::AttemptStatus;
use interviewd_voice::CallOutcome;

/// Why a session ended without a conversation to analyse.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum EndReason {
    NoAnswer,
    Busy,
    /// The provider failed; its own reason is kept for the logs.
    ProviderError(String),
    MaxDuration,
    Interrupted,
    LeaseExpired,
    IdleTimeout,
    NoPhoneNumber,
    Canceled,
    InterviewClosed,
}

impl EndReason {
    /// The `reasonCode` stored on the attempt.
    pub fn code(&self) -> &'static str {
        match self {
            Self::NoAnswer => "NO_ANSWER",
            Self::Busy => "BUSY",
            Self::ProviderError(_) => "PROVIDER_ERROR",
            Self::MaxDuration => "MAX_DURATION",
            Self::Interrupted => "INTERRUPTED",
            Self::LeaseExpired => "LEASE_EXPIRED",
            Self::IdleTimeout => "IDLE_TIMEOUT",
            Self::NoPhoneNumber => "NO_PHONE_NUMBER",
            Self::Canceled => "CANCELED",
            Self::InterviewClosed => "INTERVIEW_CLOSED",
        }
    }

    /// How long to wait before a retry; `None` when this reason is never retried.
    fn retry_delay(&self, settings: &Settings) -> Option<chrono::Duration> {
        match self {
            Self::NoAnswer | Self::Busy | Self::ProviderError(_) => {
                Some(chrono::Duration::from_std(settings.retry_delay).unwrap_or_default())
            }
            Self::Interrupted | Self::LeaseExpired => Some(chrono::Duration::zero()),
            _ => None,
        }
    }

    /// The reason a provider outcome other than a completed conversation stands for.
    /// `None` for [`CallOutcome::Completed`].
    pub fn of_outcome(outcome: &CallOutcome, cause: Cause) -> Option<Self> {
        Some(match outcome {
            CallOutcome::Completed(_) => return None,
            CallOutcome::NoAnswer => Self::NoAnswer,
            CallOutcome::Busy => Self::Busy,
            CallOutcome::Failed { reason } => Self::ProviderError(reason.clone()),
            CallOutcome::Canceled => match cause {
                Cause::Watchdog => Self::MaxDuration,
                Cause::Shutdown | Cause::LostLease => Self::Interrupted,
                Cause::Closed => Self::InterviewClosed,
                Cause::Canceled | Cause::None => Self::Canceled,
            },
        })
    }
}

/// The end of an attempt that produced no conversation: the attempt's status and what
/// follows, from the reason and how many retries came before.
pub fn failure(
    lease: Lease,
    reason: &EndReason,
    retry_number: u32,
    settings: &Settings,
    at: DateTime<Utc>,
) -> AttemptEnd {
    let (status, next) = match reason.retry_delay(settings) {
        _ if *reason == EndReason::InterviewClosed => (AttemptStatus::Cancelled, NextStep::Nothing),
        // An idle online session pauses: the link works again and resumes the conversation.
        _ if *reason == EndReason::IdleTimeout => (AttemptStatus::Failed, NextStep::Pause),
        Some(delay) if retry_number < settings.max_retries => {
            (AttemptStatus::Failed, NextStep::Retry { at: at + delay })
        }
        _ => (AttemptStatus::Failed, NextStep::FailInterview),
    };
    AttemptEnd {
        lease,
        at,
        status,
        reason_code: Some(reason.code().to_owned()),
        duration_ms: None,
        recording_key: None,
        transcript: Vec::new(),
        next,
        only_if_expired_at: None,
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use interviewd_domain::AttemptId;
    use std::time::Duration;

    fn settings(max_retries: u32) -> Settings {
        Settings {
            max_retries,
            retry_delay: Duration::from_secs(60),
            max_call: Duration::from_secs(600),
            lease: Duration::from_secs(30),
            poll: Duration::from_millis(500),
            max_live_calls: 10,
            idle_timeout: Duration::from_secs(60),
        }
    }

    fn lease() -> Lease {
        Lease {
            attempt_id: AttemptId::new(),
            fence: 1,
        }
    }

    #[test]
    fn no_answer_is_retried_after_the_delay_until_retries_run_out() {
        let at = Utc::now();
        let end = failure(lease(), &EndReason::NoAnswer, 0, &settings(2), at);
        assert_eq!(end.status, AttemptStatus::Failed);
        assert_eq!(end.reason_code.as_deref(), Some("NO_ANSWER"));
        assert_eq!(
            end.next,
            NextStep::Retry {
                at: at + chrono::Duration::seconds(60)
            }
        );
        let last = failure(lease(), &EndReason::Busy, 2, &settings(2), at);
        assert_eq!(last.next, NextStep::FailInterview);
        assert_eq!(last.reason_code.as_deref(), Some("BUSY"));
    }

    #[test]
    fn interruptions_retry_at_once_and_watchdog_fails() {
        let at = Utc::now();
        let end = failure(lease(), &EndReason::LeaseExpired, 0, &settings(1), at);
        assert_eq!(end.next, NextStep::Retry { at });
        let end = failure(lease(), &EndReason::MaxDuration, 0, &settings(5), at);
        assert_eq!(end.next, NextStep::FailInterview);
        let end = failure(lease(), &EndReason::IdleTimeout, 0, &settings(5), at);
        assert_eq!(end.next, NextStep::Pause);
        let end = failure(lease(), &EndReason::InterviewClosed, 0, &settings(5), at);
        assert_eq!(
            (end.status, end.next),
            (AttemptStatus::Cancelled, NextStep::Nothing)
        );
    }

    #[test]
    fn outcomes_map_to_reasons() {
        assert_eq!(
            EndReason::of_outcome(&CallOutcome::Canceled, Cause::Watchdog),
            Some(EndReason::MaxDuration)
        );
        assert_eq!(
            EndReason::of_outcome(&CallOutcome::Canceled, Cause::Shutdown),
            Some(EndReason::Interrupted)
        );
        let failed = CallOutcome::Failed {
            reason: "provider_error".into(),
        };
        assert_eq!(
            EndReason::of_outcome(&failed, Cause::None).unwrap().code(),
            "PROVIDER_ERROR"
        );
        assert_eq!(
            EndReason::of_outcome(&CallOutcome::NoAnswer, Cause::None)
                .unwrap()
                .code(),
            "NO_ANSWER"
        );
    }

    #[test]
    fn call_limit_is_the_agent_duration_capped_by_config() {
        let s = settings(0);
        assert_eq!(s.call_limit(5), Duration::from_secs(300));
        assert_eq!(s.call_limit(30), Duration::from_secs(600));
        assert_eq!(s.call_limit(0), Duration::from_secs(60));
    }
}
