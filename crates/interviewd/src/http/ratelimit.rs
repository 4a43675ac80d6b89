//! Rate limits per API key, as InstaView documents them: a per-minute and a per-hour budget,
//! six `X-RateLimit-*` headers on every authenticated response, and a 429 with
//! `Retry-After` once either budget is spent.
//!
//! - By default (`rate_limit_mode = "guard"`) every key gets the same abuse guard, [`GUARD`]:
//!   a self-hosted server has no price tiers to enforce, and the guard is far above what one
//!   integration sends (a bulk import, a poller, a backfill), while still stopping a runaway
//!   loop. With `rate_limit_mode = "plans"` the budgets come from the plan of the key's
//!   company ([`plan_limits`], the vendor's tiers); ATS keys, which act for many companies,
//!   get the Enterprise tier. `rate_limit_per_minute` and `rate_limit_per_hour` override
//!   either for every key when non-zero.
//! - Windows are fixed and aligned to the clock (the minute, the hour); a refused request is
//!   not counted. Counters live in this process only: N nodes allow N times the budget.
//! - Memory is bounded by the keys used in the current hour (only keys that authenticate
//!   are counted); idle entries are dropped once a minute.
//!
//! The layer authenticates the key itself and leaves the [`AuthenticatedKey`] in the
//! request's extensions for the idempotency layer. A request whose key does not
//! authenticate passes untouched and untracked: its handler answers 401.

use crate::app::AppState;
use crate::core::auth::Principal;
use crate::core::{auth, ops};
use crate::http::dialect::Dialect;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use interviewd_domain::Plan;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

/// The key a request authenticated with, for the layers inside this one.
#[derive(Clone, Debug)]
pub struct AuthenticatedKey(pub Principal);

/// Requests allowed per window.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    pub per_minute: u32,
    pub per_hour: u32,
}

/// The default budget of every key: an abuse guard, not a price tier (`docs/operations.md`).
pub const GUARD: Limits = Limits {
    per_minute: 6_000,
    per_hour: 200_000,
};

/// Where a key's budget comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// [`GUARD`] for every key.
    Guard,
    /// The InstaView tier of the key's company's plan.
    Plans,
}

impl Mode {
    /// Parses `rate_limit_mode` (`guard` or `plans`).
    pub fn parse(raw: &str) -> Result<Self, String> {
        match raw.trim().to_ascii_lowercase().as_str() {
            "guard" | "" => Ok(Self::Guard),
            "plans" => Ok(Self::Plans),
            other => Err(format!(
                "rate_limit_mode must be guard or plans, not {other:?}"
            )),
        }
    }
}

/// The documented tiers; Enterprise ("custom" upstream) gets twice Scale.
pub fn plan_limits(plan: Plan) -> Limits {
    let (per_minute, per_hour) = match plan {
        Plan::Trial => (30, 500),
        Plan::Starter => (120, 5_000),
        Plan::Business => (300, 15_000),
        Plan::Scale => (600, 30_000),
        Plan::Enterprise => (1_200, 60_000),
    };
    Limits {
        per_minute,
        per_hour,
    }
}

/// How long a key's plan is trusted before it is read again, in seconds.
const PLAN_TTL_SECS: i64 = 60;

/// Where one key stands in the current windows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Verdict {
    pub limits: Limits,
    pub remaining_minute: u32,
    pub remaining_hour: u32,
    /// Unix seconds at which each window restarts.
    pub reset_minute: i64,
    pub reset_hour: i64,
    /// Set when the request is refused.
    pub exceeded: Option<Exceeded>,
}

/// The budget that refused a request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Exceeded {
    pub limit: u32,
    pub reset: i64,
    pub retry_after: i64,
}

#[derive(Clone, Copy, Debug)]
struct Entry {
    limits: Limits,
    limits_at: i64,
    minute_start: i64,
    minute_count: u32,
    hour_start: i64,
    hour_count: u32,
}

/// The in-process counters of every key.
#[derive(Debug)]
pub struct RateLimiter {
    mode: Mode,
    overrides: Option<Limits>,
    inner: Mutex<Counters>,
}

impl Default for RateLimiter {
    fn default() -> Self {
        Self {
            mode: Mode::Guard,
            overrides: None,
            inner: Mutex::default(),
        }
    }
}

#[derive(Debug, Default)]
struct Counters {
    entries: HashMap<interviewd_domain::KeyId, Entry>,
    last_sweep: i64,
}

impl RateLimiter {
    /// A limiter in `mode`; a non-zero override replaces the mode's budget for every key.
    pub fn new(mode: Mode, per_minute: u32, per_hour: u32) -> Self {
        Self {
            mode,
            overrides: Some(Limits {
                per_minute,
                per_hour,
            }),
            inner: Mutex::default(),
        }
    }

    fn counters(&self) -> std::sync::MutexGuard<'_, Counters> {
        // The counters stay consistent whatever panicked while holding them.
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Applies the overrides to a plan's budget.
    pub fn effective(&self, plan: Limits) -> Limits {
        match self.overrides {
            Some(o) => Limits {
                per_minute: if o.per_minute > 0 {
                    o.per_minute
                } else {
                    plan.per_minute
                },
                per_hour: if o.per_hour > 0 {
                    o.per_hour
                } else {
                    plan.per_hour
                },
            },
            None => plan,
        }
    }

    /// The budget remembered for `key`, if read less than a minute ago.
    fn cached(&self, key: interviewd_domain::KeyId, now: i64) -> Option<Limits> {
        self.counters()
            .entries
            .get(&key)
            .filter(|e| now - e.limits_at < PLAN_TTL_SECS)
            .map(|e| e.limits)
    }

    /// Counts one request of `key` at unix second `now` against `limits`, unless a
    /// budget is spent. `fresh` says `limits` was just read (and restarts its TTL).
    pub fn hit(
        &self,
        key: interviewd_domain::KeyId,
        limits: Limits,
        fresh: bool,
        now: i64,
    ) -> Verdict {
        let minute_start = now - now.rem_euclid(60);
        let hour_start = now - now.rem_euclid(3_600);
        let mut counters = self.counters();
        if now - counters.last_sweep >= 60 {
            counters.entries.retain(|_, e| e.hour_start == hour_start);
            counters.last_sweep = now;
        }
        let entry = counters.entries.entry(key).or_insert(Entry {
            limits,
            limits_at: now,
            minute_start,
            minute_count: 0,
            hour_start,
            hour_count: 0,
        });
        if fresh {
            entry.limits = limits;
            entry.limits_at = now;
        }
        if entry.minute_start != minute_start {
            entry.minute_start = minute_start;
            entry.minute_count = 0;
        }
        if entry.hour_start != hour_start {
            entry.hour_start = hour_start;
            entry.hour_count = 0;
        }
        let (reset_minute, reset_hour) = (minute_start + 60, hour_start + 3_600);
        let exceeded = if entry.hour_count >= limits.per_hour {
            Some((limits.per_hour, reset_hour))
        } else if entry.minute_count >= limits.per_minute {
            Some((limits.per_minute, reset_minute))
        } else {
            entry.minute_count += 1;
            entry.hour_count += 1;
            None
        };
        Verdict {
            limits,
            remaining_minute: limits.per_minute.saturating_sub(entry.minute_count),
            remaining_hour: limits.per_hour.saturating_sub(entry.hour_count),
            reset_minute,
            reset_hour,
            exceeded: exceeded.map(|(limit, reset)| Exceeded {
                limit,
                reset,
                retry_after: (reset - now).max(1),
            }),
        }
    }
}

/// What the rate-limit layer needs.
#[derive(Clone)]
pub struct RateLimitState {
    pub app: AppState,
    pub limiter: Arc<RateLimiter>,
}

/// The budget of a key in `mode`: the guard, or its plan's tier (the Trial tier when its
/// company cannot be read).
async fn key_limits(app: &AppState, mode: Mode, principal: &Principal) -> Limits {
    if mode == Mode::Guard {
        return GUARD;
    }
    match ops::key_plan(app, principal).await {
        Ok(Some(plan)) => plan_limits(plan),
        Ok(None) => plan_limits(Plan::Trial),
        Err(e) => {
            tracing::warn!(error = %e, "reading a key's plan failed; the Trial budget applies");
            plan_limits(Plan::Trial)
        }
    }
}

/// The middleware: authenticate, count, add the headers, refuse with 429 when spent.
pub async fn enforce(
    State(state): State<RateLimitState>,
    mut req: Request,
    next: Next,
) -> Response {
    let dialect = Dialect::of(&req);
    let now = state.app.now();
    let secret = dialect.api_key(req.headers());
    if secret.is_none() {
        return next.run(req).await;
    }
    let Ok(principal) = auth::authenticate(&state.app, secret).await else {
        return next.run(req).await;
    };
    let secs = now.timestamp();
    let key_id = principal.key.id;
    let (limits, fresh) = match state.limiter.cached(key_id, secs) {
        Some(limits) => (limits, false),
        None => (
            state
                .limiter
                .effective(key_limits(&state.app, state.limiter.mode, &principal).await),
            true,
        ),
    };
    let verdict = state.limiter.hit(key_id, limits, fresh, secs);
    let mut res = match verdict.exceeded {
        Some(exceeded) => too_many(dialect, exceeded),
        None => {
            req.extensions_mut().insert(AuthenticatedKey(principal));
            next.run(req).await
        }
    };
    set_headers(res.headers_mut(), &verdict);
    res
}

fn set_headers(headers: &mut HeaderMap, v: &Verdict) {
    let pairs = [
        ("x-ratelimit-limit-minute", i64::from(v.limits.per_minute)),
        ("x-ratelimit-limit-hour", i64::from(v.limits.per_hour)),
        (
            "x-ratelimit-remaining-minute",
            i64::from(v.remaining_minute),
        ),
        ("x-ratelimit-remaining-hour", i64::from(v.remaining_hour)),
        ("x-ratelimit-reset-minute", v.reset_minute),
        ("x-ratelimit-reset-hour", v.reset_hour),
    ];
    for (name, value) in pairs {
        headers.insert(name, HeaderValue::from(value));
    }
    if let Some(e) = v.exceeded {
        headers.insert(header::RETRY_AFTER, HeaderValue::from(e.retry_after));
    }
}

/// The 429 of each dialect; InstaView's is the documented body, field for field.
fn too_many(dialect: Dialect, e: Exceeded) -> Response {
    const MESSAGE: &str = "Rate limit exceeded";
    let status = StatusCode::TOO_MANY_REQUESTS;
    match dialect {
        Dialect::InstaView => (
            status,
            axum::Json(serde_json::json!({
                "statusCode": 429,
                "message": MESSAGE,
                "error": "Too Many Requests",
                "retryAfter": e.retry_after,
                "limit": e.limit,
                "remaining": 0,
                "reset": e.reset,
            })),
        )
            .into_response(),
        other => other.error(status, "RATE_LIMIT_EXCEEDED", MESSAGE),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> interviewd_domain::KeyId {
        uuid::Uuid::now_v7().into()
    }

    #[test]
    fn minute_budget_refuses_then_resets_with_the_window() {
        let limiter = RateLimiter::new(Mode::Plans, 2, 100);
        let (k, limits) = (
            key(),
            Limits {
                per_minute: 2,
                per_hour: 100,
            },
        );
        let t = 1_705_320_000; // a minute boundary
        assert_eq!(limiter.hit(k, limits, true, t).remaining_minute, 1);
        assert_eq!(limiter.hit(k, limits, false, t + 1).remaining_minute, 0);
        let refused = limiter.hit(k, limits, false, t + 30);
        let e = refused.exceeded.expect("refused");
        assert_eq!((e.limit, e.reset, e.retry_after), (2, t + 60, 30));
        assert_eq!(refused.remaining_hour, 98, "refusals are not counted");
        let next = limiter.hit(k, limits, false, t + 60);
        assert!(next.exceeded.is_none());
        assert_eq!(next.remaining_minute, 1);
    }

    #[test]
    fn hour_budget_wins_and_keys_are_independent() {
        let limiter = RateLimiter::default();
        let limits = Limits {
            per_minute: 10,
            per_hour: 1,
        };
        let (a, b) = (key(), key());
        let t = 7_200;
        assert!(limiter.hit(a, limits, true, t).exceeded.is_none());
        let e = limiter
            .hit(a, limits, false, t + 100)
            .exceeded
            .expect("refused");
        assert_eq!((e.limit, e.reset), (1, t + 3_600));
        assert!(limiter.hit(b, limits, true, t + 100).exceeded.is_none());
    }

    #[test]
    fn modes_parse() {
        assert_eq!(Mode::parse("guard"), Ok(Mode::Guard));
        assert_eq!(Mode::parse(" Plans "), Ok(Mode::Plans));
        assert!(Mode::parse("tiers").is_err());
    }

    // One integration is never throttled by the default guard.
    const _: () = assert!(GUARD.per_minute >= 500);

    #[test]
    fn overrides_replace_only_what_is_set() {
        let limiter = RateLimiter::new(Mode::Plans, 5, 0);
        let got = limiter.effective(plan_limits(Plan::Starter));
        assert_eq!(
            got,
            Limits {
                per_minute: 5,
                per_hour: 5_000
            }
        );
    }
}
