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
use std::sync::Arc;
use tokio::sync::Notify;

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
