//! Webhooks: from the `events` outbox to signed HTTP deliveries, losing nothing.
//!
//! 1. Whoever changes state writes an event row in the same transaction
//!    ([`crate::store::events`]).
//! 2. The fan-out worker ([`fanout`]) turns each undispatched event into one message per
//!    active endpoint of the company that subscribes to it, rendering the endpoint's
//!    payload format ([`payload`]), and marks the event dispatched, in one transaction.
//! 3. The delivery worker ([`deliver`]) claims due messages with a lease, checks that the
//!    interview still exists (except for `interview.deleted`), signs and sends each attempt
//!    through [`interviewd_notify::WebhookSender`] (egress guard, no redirects, the
//!    endpoint's timeout), and records the outcome ([`circuit`]) with the attempt's log row.
//!
//! All state is in the database: a restart resumes where the last process stopped, and a
//! message whose worker died becomes due again when its lease expires. Delivery is at least
//! once; receivers de-duplicate on `webhook-id`, which is the same on every attempt.

pub mod circuit;
pub mod deliver;
pub mod events;
pub mod fanout;
pub mod payload;

use crate::config::Config;
use crate::http::AppState;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Notify;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

/// Default request timeout of an endpoint, in ms.
pub const DEFAULT_TIMEOUT_MS: u32 = 15_000;
/// Longest request timeout an endpoint may ask for, in ms.
pub const MAX_TIMEOUT_MS: u32 = 30_000;
/// Shortest request timeout an endpoint may ask for, in ms.
pub const MIN_TIMEOUT_MS: u32 = 1_000;

static WAKE: Notify = Notify::const_new();

/// Asks the webhook workers to look for work now (after committing events or messages).
pub fn wake() {
    WAKE.notify_waiters();
}

/// The workers' settings, from the configuration.
#[derive(Clone, Copy, Debug)]
pub struct Settings {
    pub allow_private: bool,
    pub policy: circuit::Policy,
    pub poll: Duration,
}

impl Settings {
    /// Reads the `webhook_*` and `delivery_poll_ms` fields.
    pub fn from_config(config: &Config) -> Self {
        Self {
            allow_private: config.webhook_allow_private,
            policy: circuit::Policy {
                retry_scale: config.webhook_retry_scale,
                circuit_threshold: config.webhook_circuit_threshold.max(1),
            },
            poll: Duration::from_millis(config.delivery_poll_ms.max(1)),
        }
    }
}

/// Waits for a wake-up, the poll interval or shutdown; false on shutdown.
async fn pause(shutdown: &CancellationToken, local: &Notify, poll: Duration) -> bool {
    tokio::select! {
        _ = shutdown.cancelled() => false,
        _ = local.notified() => true,
        _ = WAKE.notified() => true,
        _ = tokio::time::sleep(poll) => true,
    }
}

/// Starts the fan-out and delivery workers.
pub fn spawn(state: &AppState, shutdown: CancellationToken) -> Vec<JoinHandle<()>> {
    let settings = Settings::from_config(&state.config);
    let sender = match interviewd_notify::WebhookSender::new(interviewd_notify::SenderConfig {
        allow_private: settings.allow_private,
        ..Default::default()
    }) {
        Ok(sender) => sender,
        Err(error) => {
            tracing::error!(%error, "webhook delivery is disabled; messages are kept");
            return Vec::new();
        }
    };
    let fanned_out = Arc::new(Notify::new());
    let fanout = fanout::FanOut {
        store: state.store.clone(),
        poll: settings.poll,
        fanned_out: fanned_out.clone(),
    };
    let deliverer = deliver::Deliverer {
        store: state.store.clone(),
        sender,
        policy: settings.policy,
    };
    vec![
        tokio::spawn(fanout.run(shutdown.clone())),
        tokio::spawn(deliver::run(
            Arc::new(deliverer),
            fanned_out,
            settings.poll,
            shutdown,
        )),
    ]
}
