//! The delivery worker: keeps up to [`MAX_IN_FLIGHT`] attempts going, each on a message
//! claimed with a lease.
//!
//! A lease lasts the endpoint's timeout plus [`LEASE_MARGIN_MS`], so it outlives the
//! attempt; if the process dies mid-attempt the message becomes due again when the lease
//! expires, and the late report of a worker that lost its lease is ignored. On a graceful
//! shutdown, attempts under way get [`SHUTDOWN_GRACE`] to finish; the leases of those that
//! do not are released, so a restart sends them at once. Before each
//! attempt the interview the message is about must still exist (except for
//! `interview.deleted`), otherwise the message is dropped unsent.

use super::circuit::{self, Attempt, Policy};
use super::pause;
use crate::store::DynStore;
use crate::store::delivery::{AttemptRecord, ClaimedMessage};
use crate::store::events::kinds;
use chrono::Utc;
use interviewd_notify::schedule::SeededRandom;
use interviewd_notify::{OutgoingWebhook, WebhookSender};
use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;
use tokio::sync::Notify;
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

/// Attempts in flight at once.
pub const MAX_IN_FLIGHT: usize = 32;
/// How much longer than the endpoint's timeout a lease lasts.
pub const LEASE_MARGIN_MS: i64 = 5_000;
/// How long a graceful shutdown waits for attempts under way.
pub const SHUTDOWN_GRACE: Duration = Duration::from_secs(2);

/// Leases of the attempts under way, by message id.
type Leases = Arc<Mutex<HashMap<uuid::Uuid, String>>>;

fn held(leases: &Leases) -> std::sync::MutexGuard<'_, HashMap<uuid::Uuid, String>> {
    leases.lock().unwrap_or_else(PoisonError::into_inner)
}

/// The `webhook-id` of a message: stable across its attempts.
pub fn webhook_id(message: uuid::Uuid) -> String {
    format!("msg_{}", message.simple())
}

pub struct Deliverer {
    pub store: DynStore,
    pub sender: WebhookSender,
    pub policy: Policy,
}

/// Runs until `shutdown`. While attempts are free, claims due messages; then waits for an
/// attempt to end, a wake-up or the poll interval.
pub async fn run(
    deliverer: Arc<Deliverer>,
    fanned_out: Arc<Notify>,
    poll: Duration,
    shutdown: CancellationToken,
) {
    let mut in_flight: JoinSet<()> = JoinSet::new();
    let leases: Leases = Arc::default();
    loop {
        let free = MAX_IN_FLIGHT.saturating_sub(in_flight.len());
        if free > 0 {
            let limit = u32::try_from(free).unwrap_or(1);
            match deliverer
                .store
                .claim_messages(Utc::now(), limit, LEASE_MARGIN_MS)
                .await
            {
                Ok(batch) => {
                    for message in batch {
                        held(&leases).insert(message.id, message.lease.clone());
                        let deliverer = Arc::clone(&deliverer);
                        let leases = Arc::clone(&leases);
                        in_flight.spawn(async move {
                            let id = message.id;
                            deliverer.attempt(message).await;
                            held(&leases).remove(&id);
                        });
                    }
                }
                Err(error) => tracing::warn!(%error, "could not claim webhook messages"),
            }
        }
        tokio::select! {
            _ = shutdown.cancelled() => break,
            Some(done) = in_flight.join_next(), if !in_flight.is_empty() => {
                if let Err(error) = done {
                    tracing::error!(%error, "a webhook attempt task failed");
                }
            }
            woke = pause(&shutdown, &fanned_out, poll) => if !woke { break },
        }
    }
    let drain = async { while in_flight.join_next().await.is_some() {} };
    let _ = tokio::time::timeout(SHUTDOWN_GRACE, drain).await;
    in_flight.abort_all();
    let abandoned: Vec<_> = held(&leases).drain().collect();
    if !abandoned.is_empty()
        && let Err(error) = deliverer.store.release_messages(&abandoned).await
    {
        tracing::warn!(%error, "could not release webhook leases; they will expire");
    }
}

impl Deliverer {
    async fn attempt(&self, message: ClaimedMessage) {
        if let Err(error) = self.try_attempt(&message).await {
            // The lease expires and the message is tried again.
            tracing::warn!(message_id = %message.id, %error, "could not record a webhook attempt");
        }
    }

    async fn try_attempt(&self, message: &ClaimedMessage) -> crate::store::StoreResult<()> {
        if let Some(interview) = message.interview_id
            && message.event_type != kinds::INTERVIEW_DELETED
            && !self.store.interview_exists(interview).await?
        {
            tracing::info!(message_id = %message.id, "interview deleted; message dropped");
            return self
                .store
                .drop_message(message.id, &message.lease, Utc::now())
                .await;
        }
        let webhook = &message.webhook;
        let attempted_at = Utc::now();
        let request = OutgoingWebhook {
            url: webhook.url.clone(),
            msg_id: webhook_id(message.id),
            timestamp: attempted_at.timestamp(),
            body: message.payload.clone().into_bytes(),
            secret: webhook.secret.clone(),
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
            Utc::now(),
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
