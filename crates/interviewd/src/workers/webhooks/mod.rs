//! Webhooks: from the `events` outbox to signed HTTP deliveries, losing nothing.
//!
//! 1. Whoever changes state writes an event row in the same transaction
//!    ([`crate::store::events`]).
//! 2. The fan-out worker ([`fanout`]) turns each undispatched event into one message per
//!    active endpoint of the company that subscribes to it, rendering the endpoint's
//!    payload format (`crate::wire::payload`), and marks the event dispatched, in one transaction.
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
pub mod fanout;

use crate::config::Config;

/// The delivery knobs, from [`Config`].
#[derive(Clone, Copy, Debug)]
pub struct Settings {
    pub allow_private: bool,
    pub policy: circuit::Policy,
}

impl Settings {
    /// The settings in `config`.
    pub fn from_config(config: &Config) -> Self {
        Self {
            allow_private: config.webhook_allow_private,
            policy: circuit::Policy {
                retry_scale: config.webhook_retry_scale,
                circuit_threshold: config.webhook_circuit_threshold.max(1),
            },
        }
    }
}
