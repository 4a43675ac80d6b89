//! The delivery worker: keeps up to [`MAX_IN_FLIGHT`] attempts going, each on a message
//! claimed with a lease.
//!
//! A lease lasts the endpoint's timeout plus [`LEASE_MARGIN_MS`], so it outlives the
//! attempt; if the process dies mid-attempt the message becomes due again when the lease
//! expires, and the late report of a worker that lost its lease is ignored. On a graceful
//! shutdown, attempts under way get [`SHUTDOWN_GRACE`] to finish; the leases of those that
//! do not are released, so a restart sends them at once.
//!
//! After a removal no attempt about a removed interview starts (docs/webhooks.md, "After a
//! removal"): each attempt starts with [`DeliveryStore::start_webhook_attempt`], one statement that
//! the removal's transaction is ordered against (it deletes the pending messages it makes
//! moot), and attempts this process has under way are registered in
//! [`WebhookAttempts`], which the removal stops before it answers.
//!
//! [`DeliveryStore::start_webhook_attempt`]: crate::store::delivery::DeliveryStore::start_webhook_attempt

use super::Settings;
use super::circuit::{self, Attempt, Policy};
use crate::app::WebhookAttempts;
use crate::clock::Clock;
use crate::store::DynStore;
use crate::store::delivery::{AttemptRecord, ClaimedMessage};
use crate::store::events::kinds;
use crate::wire::payload::webhook_id;
use crate::workers::Busy;
use interviewd_notify::schedule::SeededRandom;
use interviewd_notify::{OutgoingWebhook, SenderConfig, SigningSecret, WebhookSender};
use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;
use tokio::sync::Notify;
use tokio::task::JoinSet;

/// Attempts in flight at once.
pub const MAX_IN_FLIGHT: usize = 32;
/// How much longer than the endpoint's timeout a lease lasts.
pub const LEASE_MARGIN_MS: i64 = 5_000;
/// How long a graceful shutdown waits for attempts under way.
pub const SHUTDOWN_GRACE: Duration = Duration::from_secs(2);

/// What an attempt needs, shared by the attempts under way.
struct Sending {
    store: DynStore,
    clock: Clock,
    sender: WebhookSender,
    policy: Policy,
}

/// The delivery worker. Each round claims as many due messages as there are free places
/// and starts their attempts; an attempt that ends wakes the worker, so a freed place is
/// used at once.
pub struct Deliverer {
    sending: Arc<Sending>,
    in_flight: Mutex<JoinSet<()>>,
    /// Leases of the attempts under way, by message id.
    leases: Arc<Mutex<HashMap<uuid::Uuid, String>>>,
    /// The worker's own wake-up, notified when an attempt ends.
    wake: Arc<Notify>,
    /// Attempts under way by interview, shared with the removals of this process.
    attempts: WebhookAttempts,
    busy: Busy,
}

/// Ends the bookkeeping of one attempt however its task ends (finished, or stopped by a
/// removal): its lease is forgotten, its registration removed, the worker woken.
struct AttemptDone {
    id: uuid::Uuid,
    interview: Option<interviewd_domain::InterviewId>,
    leases: Arc<Mutex<HashMap<uuid::Uuid, String>>>,
    attempts: WebhookAttempts,
    wake: Arc<Notify>,
    _busy: crate::workers::BusyGuard,
}

impl Drop for AttemptDone {
    fn drop(&mut self) {
        self.leases
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(&self.id);
        if let Some(interview) = self.interview {
            self.attempts.forget(interview, self.id);
        }
        self.wake.notify_one();
    }
}

impl Deliverer {
    /// The delivery worker, or `None` (logged) when no webhook client can be built.
    pub fn new(
        store: DynStore,
        clock: Clock,
        settings: Settings,
        wake: Arc<Notify>,
        attempts: WebhookAttempts,
    ) -> Option<Self> {
        let sender = match WebhookSender::new(SenderConfig {
            allow_private: settings.allow_private,
            ..Default::default()
        }) {
            Ok(sender) => sender,
            Err(error) => {
                tracing::error!(%error, "webhook delivery is disabled; messages are kept");
                return None;
            }
        };
        Some(Self {
            sending: Arc::new(Sending {
                store,
                clock,
                sender,
                policy: settings.policy,
            }),
            in_flight: Mutex::new(JoinSet::new()),
            leases: Arc::default(),
            wake,
            attempts,
            busy: Busy::default(),
        })
    }

    fn in_flight(&self) -> std::sync::MutexGuard<'_, JoinSet<()>> {
        self.in_flight
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    fn held(&self) -> std::sync::MutexGuard<'_, HashMap<uuid::Uuid, String>> {
        self.leases.lock().unwrap_or_else(PoisonError::into_inner)
    }

    async fn top_up(&self) -> usize {
        let _busy = self.busy.start();
        let free = {
            let mut in_flight = self.in_flight();
            while let Some(done) = in_flight.try_join_next() {
                if let Err(error) = done {
                    tracing::error!(%error, "a webhook attempt task failed");
                }
            }
            MAX_IN_FLIGHT.saturating_sub(in_flight.len())
        };
        if free == 0 {
            return 0;
        }
        let limit = u32::try_from(free).unwrap_or(1);
        let sending = &self.sending;
        let batch = match sending
            .store
            .claim_messages(sending.clock.now(), limit, LEASE_MARGIN_MS)
            .await
        {
            Ok(batch) => batch,
            Err(error) => {
                tracing::warn!(%error, "could not claim webhook messages");
                return 0;
            }
        };
        let count = batch.len();
        for message in batch {
            self.held().insert(message.id, message.lease.clone());
            let interview = message
                .interview_id
                .filter(|_| message.event_type != kinds::INTERVIEW_DELETED);
            let done = AttemptDone {
                id: message.id,
                interview,
                leases: Arc::clone(&self.leases),
                attempts: self.attempts.clone(),
                wake: Arc::clone(&self.wake),
                _busy: self.busy.start(),
            };
            let id = message.id;
            let sending = Arc::clone(&self.sending);
            let handle = self.in_flight().spawn(async move {
                let _done = done;
                sending.attempt(message).await;
            });
            if let Some(interview) = interview {
                self.attempts.register(interview, id, handle);
            }
        }
        count
    }

    async fn shut_down(&self) {
        let mut in_flight = std::mem::take(&mut *self.in_flight());
        let drain = async { while in_flight.join_next().await.is_some() {} };
        let _ = tokio::time::timeout(SHUTDOWN_GRACE, drain).await;
        in_flight.abort_all();
        let abandoned: Vec<_> = self.held().drain().collect();
        if !abandoned.is_empty()
            && let Err(error) = self.sending.store.release_messages(&abandoned).await
        {
            tracing::warn!(%error, "could not release webhook leases; they will expire");
        }
    }
}

crate::workers::queue_worker!(Deliverer, "webhook delivery", top_up, stop = shut_down);

impl Sending {
    async fn attempt(&self, message: ClaimedMessage) {
        if let Err(error) = self.try_attempt(&message).await {
            // The lease expires and the message is tried again.
            tracing::warn!(message_id = %message.id, %error, "could not record a webhook attempt");
        }
    }

    async fn try_attempt(&self, message: &ClaimedMessage) -> crate::store::StoreResult<()> {
        let now = self.clock.now();
        if !self
            .store
            .start_webhook_attempt(message.id, &message.lease, now)
            .await?
        {
            // Removed with its interview, or the lease was lost; a message that is still
            // there (its interview gone) is dropped.
            tracing::info!(message_id = %message.id, "message or its interview gone; not sent");
            return self
                .store
                .drop_message(message.id, &message.lease, now)
                .await;
        }
        let webhook = &message.webhook;
        let Ok(secret) = SigningSecret::parse(&webhook.secret.0) else {
            // Secrets are made by the server; one that does not parse was damaged.
            tracing::error!(webhook = %webhook.id, "webhook signing secret is unreadable");
            return Ok(());
        };
        let attempted_at = self.clock.now();
        let request = OutgoingWebhook {
            url: webhook.url.clone(),
            msg_id: webhook_id(message.id),
            timestamp: attempted_at.timestamp(),
            body: message.payload.clone().into_bytes(),
            secret,
            headers: webhook
                .headers
                .iter()
                .map(|h| (h.name.clone(), h.value.clone()))
                .collect(),
            timeout: Duration::from_millis(u64::from(webhook.timeout_ms)),
        };
        let result = self.sender.send(request).await;
        let number = message.attempts.saturating_add(1);
        let attempt = Attempt {
            event_type: &message.event_type,
            number,
            max_retries: webhook.max_retries,
            endpoint_active: webhook.is_active,
        };
        let decision = circuit::decide(
            &result,
            attempt,
            self.policy,
            self.clock.now(),
            &mut SeededRandom::from_os(),
        );
        let record = AttemptRecord {
            message_id: message.id,
            lease: message.lease.clone(),
            webhook_id: webhook.id,
            company_id: webhook.company_id,
            event_type: message.event_type.clone(),
            attempt_number: number,
            attempted_at,
            status_code: result.status,
            duration_ms: result.duration_ms,
            outcome: decision.outcome,
            error: result.error.clone(),
            fate: decision.fate,
            effect: decision.effect,
        };
        if !self.store.record_attempt(&record).await? {
            tracing::warn!(message_id = %message.id, "webhook lease lost before recording");
        }
        Ok(())
    }
}
