//! The idempotency sweeper: forgets stored idempotent responses (and their locks) once their
//! 24 hours are over, every [`EVERY`].

use super::Worker;
use crate::clock::Clock;
use crate::store::DynStore;
use interviewd_voice::BoxFuture;
use std::time::Duration;

/// How often expired records are deleted.
pub const EVERY: Duration = Duration::from_secs(600);

pub struct Sweep {
    store: DynStore,
    clock: Clock,
}

impl Sweep {
    pub fn new(store: DynStore, clock: Clock) -> Self {
        Self { store, clock }
    }

    async fn sweep(&self) -> usize {
        if let Err(e) = self.store.sweep_idempotency_keys(self.clock.now()).await {
            tracing::warn!(error = %e, "sweeping idempotency keys failed");
        }
        // Nothing to repeat at once: the next sweep is due in `EVERY`.
        0
    }
}

impl Worker for Sweep {
    fn name(&self) -> &'static str {
        "idempotency sweep"
    }

    fn round(&self) -> BoxFuture<'_, usize> {
        Box::pin(self.sweep())
    }
}
