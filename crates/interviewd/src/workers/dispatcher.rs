//! The call queue's workers: the dispatcher (with the reaper) and the lease heartbeat.
//!
//! - The **dispatcher** claims due attempts (as many as this process has room for), each
//!   with a slot of its company, and starts a [`call::run`] task per claim. It sleeps until
//!   woken (`Wakers::engine`: an API route added work, or a call ended and freed a slot) or
//!   until the poll interval passes (work added by another process, scheduled times coming
//!   due, retry delays running out).
//! - The **heartbeat** renews, every third of the lease, the leases of every attempt and slot
//!   this process holds, in two statements. A live call whose slot is missing from the
//!   renewal lost its lease (this process stalled longer than the lease and a reaper took the
//!   slot back): it is hung up at once, so the company's limit holds.
//! - The **reaper** ends IN_PROGRESS attempts whose lease ran out (a worker crashed:
//!   `LEASE_EXPIRED`, retried while retries remain; an online session went quiet:
//!   `IDLE_TIMEOUT`) and frees slots whose lease ran out (a crashed worker's call of a
//!   deleted interview) or whose online session is over.

use super::Busy;
use crate::core::engine::policy::{self, EndReason};
use crate::core::engine::{Cause, Engine, call};
use crate::store::engine::{ClaimRequest, EndResult, ExpiredAttempt};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

/// Most attempts claimed in one transaction.
const CLAIM_BATCH: usize = 64;

/// How long shutdown waits for live calls to record their end.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(10);

/// The dispatcher: each round reaps (on its own cadence) and claims due attempts while this
/// process has room for calls.
pub struct Dispatcher {
    engine: Arc<Engine>,
    calls: Mutex<JoinSet<()>>,
    /// Fired at shutdown: live calls hang up and record `INTERRUPTED`.
    hang_up: CancellationToken,
    reap_every: Duration,
    last_reap: Mutex<Option<Instant>>,
    busy: Busy,
}

impl Dispatcher {
    pub fn new(engine: Arc<Engine>) -> Self {
        let reap_every =
            (engine.settings.lease / 4).clamp(Duration::from_millis(50), engine.settings.poll * 4);
        Self {
            engine,
            calls: Mutex::new(JoinSet::new()),
            hang_up: CancellationToken::new(),
            reap_every,
            last_reap: Mutex::new(None),
            busy: Busy::default(),
        }
    }

    /// How often the dispatcher looks for due work (and reaps) when not woken.
    pub fn poll(&self) -> Duration {
        self.engine.settings.poll.min(self.reap_every)
    }

    fn calls(&self) -> std::sync::MutexGuard<'_, JoinSet<()>> {
        self.calls.lock().unwrap_or_else(PoisonError::into_inner)
    }

    async fn dispatch_round(&self) -> usize {
        let _busy = self.busy.start();
        let reap_due = {
            let mut last = self
                .last_reap
                .lock()
                .unwrap_or_else(PoisonError::into_inner);
            let due = last.is_none_or(|at| at.elapsed() >= self.reap_every);
            if due {
                *last = Some(Instant::now());
            }
            due
        };
        if reap_due {
            reap(&self.engine).await;
        }
        let started = self.dispatch().await;
        while self.calls().try_join_next().is_some() {}
        started
    }

    /// Claims and starts calls while there is room and due work; returns how many.
    async fn dispatch(&self) -> usize {
        let engine = &self.engine;
        let mut started = 0;
        loop {
            let room = engine.capacity.available_permits().min(CLAIM_BATCH);
            if room == 0 || self.hang_up.is_cancelled() {
                return started;
            }
            let req = ClaimRequest {
                owner: engine.owner.clone(),
                now: engine.now(),
                lease_until: engine.lease_end(),
                max: room,
                only_test_interview: None,
            };
            let claimed = match engine.store.claim_due_attempts(&req).await {
                Ok(claimed) => claimed,
                Err(e) => {
                    tracing::warn!(error = %e, "claiming due attempts failed");
                    return started;
                }
            };
            let full = claimed.len() == room;
            for attempt in claimed {
                let Ok(permit) = engine.capacity.clone().try_acquire_owned() else {
                    // Cannot happen (room was counted above); the lease expires and it is retried.
                    tracing::error!("claimed a call without room for it");
                    break;
                };
                started += 1;
                let engine = engine.clone();
                let hang_up = self.hang_up.clone();
                self.calls().spawn(async move {
                    call::run(engine, attempt, hang_up).await;
                    drop(permit);
                });
            }
            if !full {
                return started;
            }
        }
    }

    async fn shut_down(&self) {
        // Live calls see the shutdown, hang up and record `INTERRUPTED` (retried at once by
        // the next process); give them a moment to write that.
        self.hang_up.cancel();
        let mut calls = std::mem::take(&mut *self.calls());
        let drained = tokio::time::timeout(SHUTDOWN_GRACE, async {
            while calls.join_next().await.is_some() {}
        })
        .await;
        if drained.is_err() {
            tracing::warn!("live calls did not end in time; their leases will expire");
        }
    }
}

crate::workers::queue_worker!(Dispatcher, "dispatcher", dispatch_round, stop = shut_down);

/// Ends expired attempts and frees expired slots.
pub async fn reap(engine: &Engine) {
    let now = engine.now();
    let expired = match engine.store.expired_attempts(now, 256).await {
        Ok(expired) => expired,
        Err(e) => {
            tracing::warn!(error = %e, "listing expired attempts failed");
            return;
        }
    };
    let mut freed = false;
    for attempt in expired {
        freed |= reap_attempt(engine, &attempt, now).await;
    }
    match engine.store.reap_slots(now).await {
        Ok(0) => {}
        Ok(n) => {
            tracing::info!(slots = n, "freed slots whose lease ran out");
            freed = true;
        }
        Err(e) => tracing::warn!(error = %e, "reaping slots failed"),
    }
    if freed {
        engine.wake();
    }
}

async fn reap_attempt(
    engine: &Engine,
    attempt: &ExpiredAttempt,
    now: chrono::DateTime<chrono::Utc>,
) -> bool {
    let reason = if attempt.direction == "WEB" {
        EndReason::IdleTimeout
    } else {
        EndReason::LeaseExpired
    };
    let mut end = policy::failure(
        attempt.lease,
        &reason,
        attempt.retry_number,
        &engine.settings,
        now,
    );
    end.only_if_expired_at = Some(now);
    match engine.store.end_attempt(&end).await {
        Ok(EndResult::Applied { .. }) => {
            tracing::warn!(attempt = %attempt.lease.attempt_id, reason = reason.code(), "reaped an attempt");
            true
        }
        Ok(_) => false,
        Err(e) => {
            tracing::warn!(error = %e, "reaping an attempt failed");
            false
        }
    }
}

/// Renews the leases this process holds; hangs up calls that lost their slot.
pub async fn heartbeat(engine: Arc<Engine>, shutdown: CancellationToken) {
    let every = engine.settings.lease / 3;
    loop {
        tokio::select! {
            () = shutdown.cancelled() => return,
            () = tokio::time::sleep(every) => {}
        }
        // Only calls registered before the renewal are judged by it.
        let live = engine.slot_holders();
        match engine
            .store
            .extend_leases(&engine.owner, engine.lease_end())
            .await
        {
            Ok(held) => {
                for (attempt, call) in live {
                    if !held.contains(&attempt) {
                        tracing::warn!(%attempt, "lost the slot of a live call; hanging up");
                        call.stop(Cause::LostLease);
                    }
                }
            }
            Err(e) => tracing::warn!(error = %e, "renewing leases failed"),
        }
    }
}
