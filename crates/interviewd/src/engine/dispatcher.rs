//! The queue's workers: the dispatcher, the lease heartbeat and the reaper.
//!
//! - The **dispatcher** claims due attempts (as many as this process has room for), each
//!   with a slot of its company, and starts a [`super::call`] task per claim. It sleeps until
//!   woken ([`Engine::wake`]: an API route added work, or a call ended and freed a slot) or
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

use super::policy::{self, EndReason};
use super::{Cause, Engine, call};
use crate::store::engine::{ClaimRequest, EndResult, ExpiredAttempt};
use chrono::Utc;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

/// Most attempts claimed in one transaction.
const CLAIM_BATCH: usize = 64;

/// How long shutdown waits for live calls to record their end.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(10);

/// The dispatcher loop (with the reaper on its own cadence).
pub async fn run(engine: Arc<Engine>, shutdown: CancellationToken) {
    let mut calls = JoinSet::new();
    let reap_every =
        (engine.settings.lease / 4).clamp(Duration::from_millis(50), engine.settings.poll * 4);
    let mut last_reap: Option<Instant> = None;
    loop {
        if last_reap.is_none_or(|at| at.elapsed() >= reap_every) {
            reap(&engine).await;
            last_reap = Some(Instant::now());
        }
        dispatch(&engine, &mut calls, &shutdown).await;
        while calls.try_join_next().is_some() {}
        tokio::select! {
            () = shutdown.cancelled() => break,
            () = engine.wake.notified() => {}
            () = tokio::time::sleep(engine.settings.poll.min(reap_every)) => {}
        }
    }
    // Live calls see the shutdown, hang up and record `INTERRUPTED` (retried at once by the
    // next process); give them a moment to write that.
    let drained = tokio::time::timeout(SHUTDOWN_GRACE, async {
        while calls.join_next().await.is_some() {}
    })
    .await;
    if drained.is_err() {
        tracing::warn!("live calls did not end in time; their leases will expire");
    }
}

/// Claims and starts calls while there is room and due work.
async fn dispatch(engine: &Arc<Engine>, calls: &mut JoinSet<()>, shutdown: &CancellationToken) {
    loop {
        let room = engine.capacity.available_permits().min(CLAIM_BATCH);
        if room == 0 || shutdown.is_cancelled() {
            return;
        }
        let now = Utc::now();
        let req = ClaimRequest {
            owner: engine.owner.clone(),
            now,
            lease_until: now
                + chrono::Duration::from_std(engine.settings.lease).unwrap_or_default(),
            max: room,
            only_test_interview: None,
        };
        let claimed = match engine.store.claim_due_attempts(&req).await {
            Ok(claimed) => claimed,
            Err(e) => {
                tracing::warn!(error = %e, "claiming due attempts failed");
                return;
            }
        };
        let full = claimed.len() == room;
        for attempt in claimed {
            let Ok(permit) = engine.capacity.clone().try_acquire_owned() else {
                // Cannot happen (room was counted above); the lease expires and it is retried.
                tracing::error!("claimed a call without room for it");
                break;
            };
            let engine = engine.clone();
            let shutdown = shutdown.clone();
            calls.spawn(async move {
                call::run(engine, attempt, shutdown).await;
                drop(permit);
            });
        }
        if !full {
            return;
        }
    }
}

/// Ends expired attempts and frees expired slots.
pub async fn reap(engine: &Engine) {
    let now = Utc::now();
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
    now: chrono::DateTime<Utc>,
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
        let until =
            Utc::now() + chrono::Duration::from_std(engine.settings.lease).unwrap_or_default();
        match engine.store.extend_leases(&engine.owner, until).await {
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
