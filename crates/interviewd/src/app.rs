//! The application's shared state: what every surface (the three API dialects, the
//! candidate's page, the console, the admin commands) hands to the core, and the wake-up
//! handles the core uses to tell the background workers that work was committed.
//!
//! Workers never receive this state: they get the explicit handles they need (a store, a
//! clock, their own wake-up) when [`crate::workers`] builds them.

use crate::clock::Clock;
use crate::config::Config;
use crate::core::engine::Engine;
use crate::store::DynStore;
use chrono::{DateTime, Utc};
use interviewd_domain::InterviewId;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use tokio::sync::Notify;
use tokio::task::AbortHandle;
use uuid::Uuid;

/// Shared state of every surface.
#[derive(Clone)]
pub struct AppState {
    pub store: DynStore,
    pub config: Arc<Config>,
    pub clock: Clock,
    pub wakers: Wakers,
    /// The interview engine: live calls and sessions, the blob store, the providers.
    pub engine: Arc<Engine>,
    /// The phone carrier, when one places the calls (its callbacks and sockets reach it).
    pub carrier: Option<Arc<interviewd_carrier::Carrier>>,
}

impl AppState {
    /// The current time.
    pub fn now(&self) -> DateTime<Utc> {
        self.clock.now()
    }
}

/// One wake-up per background worker. Waking stores a permit, so a wake-up that arrives
/// while the worker is busy is not lost: the worker looks again as soon as it is done.
#[derive(Clone, Debug, Default)]
pub struct Wakers {
    pub dispatcher: Arc<Notify>,
    pub pipeline: Arc<Notify>,
    pub fanout: Arc<Notify>,
    pub delivery: Arc<Notify>,
    pub mail: Arc<Notify>,
    pub generations: Arc<Notify>,
    /// Webhook attempts under way in this process, by interview (see [`Wakers::removed`]).
    pub webhook_attempts: WebhookAttempts,
}

/// The webhook attempts this process has under way, by the interview each is about. The
/// delivery worker registers an attempt when it starts one and forgets it when it ends.
#[derive(Clone, Debug, Default)]
pub struct WebhookAttempts(Arc<Mutex<AttemptsByInterview>>);

/// Each interview's attempts under way: the message and the task running the attempt.
type AttemptsByInterview = HashMap<InterviewId, Vec<(Uuid, AbortHandle)>>;

impl WebhookAttempts {
    fn lock(&self) -> MutexGuard<'_, AttemptsByInterview> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Registers the attempt on `message` about `interview`, run by the task of `handle`.
    pub fn register(&self, interview: InterviewId, message: Uuid, handle: AbortHandle) {
        self.lock()
            .entry(interview)
            .or_default()
            .push((message, handle));
    }

    /// Forgets the attempt on `message` (it ended).
    pub fn forget(&self, interview: InterviewId, message: Uuid) {
        let mut all = self.lock();
        if let Some(list) = all.get_mut(&interview) {
            list.retain(|(m, _)| *m != message);
            if list.is_empty() {
                all.remove(&interview);
            }
        }
    }

    /// Stops every attempt about `interview` that is still under way; returns how many.
    pub fn stop(&self, interview: InterviewId) -> usize {
        let stopped = self.lock().remove(&interview).unwrap_or_default();
        for (_, handle) in &stopped {
            handle.abort();
        }
        stopped.len()
    }
}

impl Wakers {
    /// The call dispatcher: an attempt became due or a slot was given back.
    pub fn engine(&self) {
        self.dispatcher.notify_one();
    }

    /// The webhook fan-out (and after it the delivery): an event was committed.
    pub fn webhooks(&self) {
        self.fanout.notify_one();
        self.delivery.notify_one();
    }

    /// Interviews were removed (committed): webhook attempts about them that this process
    /// still has under way are stopped before the removal answers, so none of them is sent
    /// from now on unless its request was already on the wire. Then the workers look at the
    /// events the removal wrote.
    pub fn removed(&self, interviews: &[InterviewId]) {
        let stopped: usize = interviews
            .iter()
            .map(|i| self.webhook_attempts.stop(*i))
            .sum();
        if stopped > 0 {
            tracing::info!(stopped, "webhook attempts about removed interviews stopped");
        }
        self.webhooks();
        self.engine();
    }

    /// The mail worker: a mail was queued.
    pub fn mail(&self) {
        self.mail.notify_one();
    }

    /// The plan-generation worker: a generation was queued.
    pub fn generations(&self) {
        self.generations.notify_one();
    }

    /// Every worker (after a lost notification channel, for instance).
    pub fn all(&self) {
        self.engine();
        self.pipeline.notify_one();
        self.webhooks();
        self.mail();
        self.generations();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_removal_stops_the_attempts_about_its_interviews_and_no_others() {
        let wakers = Wakers::default();
        let (gone, kept) = (InterviewId::new(), InterviewId::new());
        let mut tasks = tokio::task::JoinSet::new();
        let forever = || async { tokio::time::sleep(std::time::Duration::from_secs(3600)).await };
        for interview in [gone, kept] {
            let handle = tasks.spawn(forever());
            wakers
                .webhook_attempts
                .register(interview, Uuid::now_v7(), handle);
        }
        wakers.removed(&[gone]);
        let stopped = tasks.join_next().await.expect("a task ended");
        assert!(stopped.is_err_and(|e| e.is_cancelled()));
        assert_eq!(
            wakers.webhook_attempts.stop(gone),
            0,
            "forgotten once stopped"
        );
        assert_eq!(
            wakers.webhook_attempts.stop(kept),
            1,
            "the other one was still running"
        );
    }
}
