//! The plan-generation worker. It claims queued generations (a lease, fenced by the claim
//! count, so a restart or a second process resumes what was pending or left half done),
//! builds the plan with [`super::plan::generate`], and creates the agent and the job in the
//! same transaction that marks the generation `completed`. Then it posts the status object
//! to the generation's `notification_url`, if any: at most [`MAX_NOTICES`] attempts, spaced
//! by [`NOTICE_BACKOFF`], each failure logged; the callback is a courtesy, the status
//! endpoint is the record.

use super::generate::status_body;
use super::plan;
use crate::http::AppState;
use crate::store::xobin::{Generation, GenerationOutcome};
use chrono::{DateTime, Utc};
use interviewd_domain::model::{Agent, Job};
use interviewd_domain::{AgentChannel, AgentId, JobId};
use interviewd_notify::{Outcome, OutgoingWebhook, SenderConfig, SigningSecret, WebhookSender};
use serde_json::{Map, json};
use std::time::Duration;
use tokio::sync::Notify;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

/// How long a claim is held before another worker may take the generation over.
const LEASE: Duration = Duration::from_secs(60);
/// How often the queue is looked at when nobody wakes the worker.
const POLL: Duration = Duration::from_secs(1);
/// Claims of one generation before it is marked `failed`.
const MAX_ATTEMPTS: i64 = 3;
/// Callback attempts per generation.
pub const MAX_NOTICES: i64 = 3;
/// Wait before callback attempt n+1 is `NOTICE_BACKOFF * n`.
const NOTICE_BACKOFF: Duration = Duration::from_secs(10);
/// Timeout of one callback request.
const NOTICE_TIMEOUT: Duration = Duration::from_secs(10);

static WAKE: Notify = Notify::const_new();

/// Asks the worker to look at the queue now (call after committing a generation).
pub fn wake() {
    WAKE.notify_waiters();
}

/// Starts the generation worker; it stops when `shutdown` fires.
pub fn spawn(state: &AppState, shutdown: CancellationToken) -> Vec<JoinHandle<()>> {
    let notifier = Notifier::new(state.config.webhook_allow_private);
    vec![tokio::spawn(run(state.clone(), notifier, shutdown))]
}

async fn run(state: AppState, notifier: Option<Notifier>, shutdown: CancellationToken) {
    loop {
        let notified = WAKE.notified();
        tokio::pin!(notified);
        notified.as_mut().enable();
        drain(&state, notifier.as_ref()).await;
        tokio::select! {
            _ = shutdown.cancelled() => break,
            _ = &mut notified => {}
            _ = tokio::time::sleep(POLL) => {}
        }
    }
}

fn lease_end(now: DateTime<Utc>) -> DateTime<Utc> {
    now + chrono::Duration::from_std(LEASE).unwrap_or_else(|_| chrono::Duration::seconds(60))
}

/// Works through every due generation, then every due callback.
async fn drain(state: &AppState, notifier: Option<&Notifier>) {
    loop {
        let now = state.now();
        match state.store.claim_generation(now, lease_end(now)).await {
            Ok(Some(generation)) => process(state, generation).await,
            Ok(None) => break,
            Err(e) => {
                tracing::warn!(error = %e, "claiming a plan generation failed");
                break;
            }
        }
    }
    loop {
        let now = state.now();
        match state
            .store
            .claim_generation_notice(now, lease_end(now))
            .await
        {
            Ok(Some(generation)) => notify(state, notifier, &generation).await,
            Ok(None) => break,
            Err(e) => {
                tracing::warn!(error = %e, "claiming a generation callback failed");
                break;
            }
        }
    }
}

async fn process(state: &AppState, generation: Generation) {
    let now = state.now();
    let outcome = if generation.attempts > MAX_ATTEMPTS {
        GenerationOutcome::Failed {
            error: format!("gave up after {MAX_ATTEMPTS} attempts"),
        }
    } else {
        let (job, agent) = build(&generation, now);
        GenerationOutcome::Completed {
            job: Box::new(job),
            agent: Box::new(agent),
        }
    };
    match state
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
        Ok(None) => tracing::info!(generation = %generation.id, "plan generation claim was lost"),
        // The lease runs out and the generation is claimed again (up to MAX_ATTEMPTS).
        Err(e) => tracing::warn!(generation = %generation.id, error = %e, "plan generation failed"),
    }
}

/// The ONLINE agent and the job (linked by `attrs.agentId`) of a generation.
fn build(g: &Generation, now: DateTime<Utc>) -> (Job, Agent) {
    let plan = plan::generate(&g.job_role, &g.job_description);
    let mut agent_attrs = Map::new();
    agent_attrs.insert("generationId".into(), json!(g.id.to_string()));
    let agent = Agent {
        id: AgentId::new(),
        number: 0,
        company_id: g.company_id,
        name: g.job_role.clone(),
        channel: AgentChannel::Online,
        focus: "SCREENING".into(),
        language: "EN".into(),
        duration_minutes: 15,
        questions: plan.questions,
        instructions: Some(format!(
            "You are interviewing a candidate for the {} role. Ask the questions in order, one at a time, and follow up briefly when an answer is vague.",
            g.job_role
        )),
        attrs: agent_attrs,
        created_at: now,
        updated_at: now,
    };
    let mut job_attrs = Map::new();
    job_attrs.insert("agentId".into(), json!(agent.id.to_string()));
    job_attrs.insert("generationId".into(), json!(g.id.to_string()));
    let job = Job {
        id: JobId::new(),
        number: 0,
        company_id: g.company_id,
        title: g.job_role.clone(),
        description: Some(g.job_description.clone()),
        status: "OPEN".into(),
        required_skills: plan.must_haves,
        nice_to_have_skills: plan.nice_to_haves,
        attrs: job_attrs,
        created_at: now,
        updated_at: now,
    };
    (job, agent)
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

async fn notify(state: &AppState, notifier: Option<&Notifier>, g: &Generation) {
    let (retry_at, error) = match (notifier, &g.notification_url) {
        (Some(n), Some(url)) => attempt(n, url, g, state.now()).await,
        (None, Some(_)) => (None, Some("no HTTP client for callbacks".to_owned())),
        (_, None) => (None, None),
    };
    if let Some(error) = &error {
        tracing::warn!(generation = %g.id, attempt = g.notify_attempts, retry = retry_at.is_some(), error = %error, "generation callback failed");
    }
    let recorded = state
        .store
        .record_generation_notice(
            g.id,
            g.notify_attempts,
            retry_at,
            error.as_deref(),
            state.now(),
        )
        .await;
    if let Err(e) = recorded {
        tracing::warn!(generation = %g.id, error = %e, "recording a generation callback failed");
    }
}

/// One callback attempt: `(retry_at, error)`; both `None` when delivered.
async fn attempt(
    n: &Notifier,
    url: &str,
    g: &Generation,
    now: DateTime<Utc>,
) -> (Option<DateTime<Utc>>, Option<String>) {
    let body = serde_json::to_vec(&status_body(g)).unwrap_or_default();
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
