//! The plan-generation worker. It claims queued generations (a lease, fenced by the claim
//! count, so a restart or a second process resumes what was pending or left half done),
//! builds the plan with [`crate::core::plans::plan_for`] (the model's, when one is
//! configured, else the deterministic generator's), and creates the agent and the job in the
//! same transaction that marks the generation `completed`. Then it posts the status object
//! to the generation's `notification_url`, if any: at most [`MAX_NOTICES`] attempts, spaced
//! by [`NOTICE_BACKOFF`], each failure logged; the callback is a courtesy, the status
//! endpoint is the record.

use super::Busy;
use crate::clock::Clock;
use crate::core::engine::Engine;
use crate::core::plans;
use crate::store::DynStore;
use crate::store::xobin::{Generation, GenerationOutcome};
use crate::wire::xobin::GenerationStatus;
use chrono::{DateTime, Utc};
use interviewd_notify::{Outcome, OutgoingWebhook, SenderConfig, SigningSecret, WebhookSender};
use std::sync::Arc;
use std::time::Duration;

/// How long a claim is held before another worker may take the generation over.
const LEASE: Duration = Duration::from_secs(60);
/// How often the queue is looked at when nobody wakes the worker.
pub const POLL: Duration = Duration::from_secs(1);
/// Claims of one generation before it is marked `failed`.
const MAX_ATTEMPTS: i64 = 3;
/// Callback attempts per generation.
pub const MAX_NOTICES: i64 = 3;
/// Wait before callback attempt n+1 is `NOTICE_BACKOFF * n`.
const NOTICE_BACKOFF: Duration = Duration::from_secs(10);
/// Timeout of one callback request.
const NOTICE_TIMEOUT: Duration = Duration::from_secs(10);

pub struct Generations {
    engine: Arc<Engine>,
    store: DynStore,
    clock: Clock,
    notifier: Option<Notifier>,
    busy: Busy,
}

impl Generations {
    pub fn new(engine: Arc<Engine>, clock: Clock, allow_private: bool) -> Self {
        Self {
            store: engine.store.clone(),
            engine,
            clock,
            notifier: Notifier::new(allow_private),
            busy: Busy::default(),
        }
    }

    /// Works through every due generation, then every due callback; returns how many.
    async fn drain(&self) -> usize {
        let _busy = self.busy.start();
        let mut handled = 0;
        loop {
            let now = self.clock.now();
            match self
                .store
                .claim_generation(now, self.clock.after(LEASE))
                .await
            {
                Ok(Some(generation)) => {
                    handled += 1;
                    self.process(generation).await;
                }
                Ok(None) => break,
                Err(e) => {
                    tracing::warn!(error = %e, "claiming a plan generation failed");
                    break;
                }
            }
        }
        loop {
            let now = self.clock.now();
            match self
                .store
                .claim_generation_notice(now, self.clock.after(LEASE))
                .await
            {
                Ok(Some(generation)) => {
                    handled += 1;
                    self.notify(&generation).await;
                }
                Ok(None) => break,
                Err(e) => {
                    tracing::warn!(error = %e, "claiming a generation callback failed");
                    break;
                }
            }
        }
        handled
    }

    async fn process(&self, generation: Generation) {
        let now = self.clock.now();
        let outcome = if generation.attempts > MAX_ATTEMPTS {
            GenerationOutcome::Failed {
                error: format!("gave up after {MAX_ATTEMPTS} attempts"),
            }
        } else {
            let (plan, method) = plans::plan_for(
                &self.engine.models,
                &generation.job_role,
                &generation.job_description,
            )
            .await;
            let (job, agent) = plans::generated_job(&generation, plan, &method, now);
            GenerationOutcome::Completed {
                job: Box::new(job),
                agent: Box::new(agent),
            }
        };
        match self
            .store
            .finish_generation(generation.id, generation.attempts, &outcome, now)
            .await
        {
            Ok(Some(done)) => tracing::info!(
                generation = %done.id,
                status = done.status.as_str(),
                ai_interview_id = ?done.ai_interview_id,
                "plan generation finished"
            ),
            Ok(None) => {
                tracing::info!(generation = %generation.id, "plan generation claim was lost")
            }
            // The lease runs out and the generation is claimed again (up to MAX_ATTEMPTS).
            Err(e) => {
                tracing::warn!(generation = %generation.id, error = %e, "plan generation failed")
            }
        }
    }

    async fn notify(&self, g: &Generation) {
        let (retry_at, error) = match (&self.notifier, &g.notification_url) {
            (Some(n), Some(url)) => attempt(n, url, g, self.clock.now()).await,
            (None, Some(_)) => (None, Some("no HTTP client for callbacks".to_owned())),
            (_, None) => (None, None),
        };
        if let Some(error) = &error {
            tracing::warn!(generation = %g.id, attempt = g.notify_attempts, retry = retry_at.is_some(), error = %error, "generation callback failed");
        }
        let recorded = self
            .store
            .record_generation_notice(
                g.id,
                g.notify_attempts,
                retry_at,
                error.as_deref(),
                self.clock.now(),
            )
            .await;
        if let Err(e) = recorded {
            tracing::warn!(generation = %g.id, error = %e, "recording a generation callback failed");
        }
    }
}

/// Posts callbacks. Xobin defines no signature for them; the sender signs every request
/// (Standard Webhooks headers) with a per-process secret that no receiver knows, so the
/// headers carry no meaning here.
struct Notifier {
    sender: WebhookSender,
    secret: SigningSecret,
}

impl Notifier {
    fn new(allow_private: bool) -> Option<Self> {
        let built = SigningSecret::generate()
            .map_err(|e| e.to_string())
            .and_then(|secret| {
                let config = SenderConfig {
                    allow_private,
                    ..SenderConfig::default()
                };
                let sender = WebhookSender::new(config).map_err(|e| e.to_string())?;
                Ok(Self { sender, secret })
            });
        match built {
            Ok(n) => Some(n),
            Err(e) => {
                tracing::error!(error = %e, "generation callbacks disabled");
                None
            }
        }
    }
}

/// One callback attempt: `(retry_at, error)`; both `None` when delivered.
async fn attempt(
    n: &Notifier,
    url: &str,
    g: &Generation,
    now: DateTime<Utc>,
) -> (Option<DateTime<Utc>>, Option<String>) {
    let body = serde_json::to_vec(&GenerationStatus::of(g)).unwrap_or_default();
    let result = n
        .sender
        .send(OutgoingWebhook {
            url: url.to_owned(),
            msg_id: format!("msg_{}", g.id.simple()),
            timestamp: now.timestamp(),
            body,
            secret: n.secret.clone(),
            headers: Vec::new(),
            timeout: NOTICE_TIMEOUT,
        })
        .await;
    let error = result.error.unwrap_or_else(|| "not delivered".to_owned());
    match result.outcome {
        Outcome::Delivered => (None, None),
        Outcome::Retry if g.notify_attempts < MAX_NOTICES => {
            let wait = NOTICE_BACKOFF * u32::try_from(g.notify_attempts).unwrap_or(1);
            let wait = result
                .retry_after
                .unwrap_or(wait)
                .min(Duration::from_secs(600));
            let at = now + chrono::Duration::from_std(wait).unwrap_or_default();
            (Some(at), Some(error))
        }
        Outcome::Retry | Outcome::Gone | Outcome::Refused => (None, Some(error)),
    }
}

crate::workers::queue_worker!(Generations, "plan generations", drain);
