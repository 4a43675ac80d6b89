//! The carrier erasure worker: deletes at the carrier what the outbox of
//! [`crate::store::carrier`] lists — a removed interview's calls (their recordings, then
//! their logs) and the carrier's copies of recordings interviewd fetched — retrying with a
//! growing backoff until each is done. Something already gone at the carrier counts as
//! deleted; each erasure done is audited with SIDs and counts only.

use super::Busy;
use crate::core::engine::Engine;
use crate::core::engine::recording::backoff;
use crate::store::carrier::{CarrierErasure, ERASE_CALL, RecordingOwner};
use interviewd_carrier::{Carrier, erasure};
use std::sync::Arc;
use std::time::Duration;

/// Erasures claimed per round.
const BATCH: usize = 16;
/// How soon a recording whose call is still being held is looked at again.
const LIVE_RETRY: Duration = Duration::from_secs(2);

pub struct CarrierErasures {
    engine: Arc<Engine>,
    carrier: Arc<Carrier>,
    busy: Busy,
}

/// What one erasure came to.
enum Step {
    Done(serde_json::Value),
    Later(Duration, String),
}

impl CarrierErasures {
    pub fn new(engine: Arc<Engine>, carrier: Arc<Carrier>) -> Self {
        Self {
            engine,
            carrier,
            busy: Busy::default(),
        }
    }

    async fn claim_and_erase(&self) -> usize {
        let _busy = self.busy.start();
        let engine = &self.engine;
        let claimed = engine
            .store
            .claim_carrier_erasures(&engine.owner, engine.now(), engine.lease_end(), BATCH)
            .await;
        super::each_claimed(claimed, "carrier erasures", |erasure| self.erase(erasure)).await
    }

    async fn erase(&self, erasure: CarrierErasure) {
        let step = if erasure.kind == ERASE_CALL {
            self.call(&erasure).await
        } else {
            self.recording(&erasure).await
        };
        let store = &self.engine.store;
        let result = match step {
            Step::Done(counts) => store
                .finish_carrier_erasure(&erasure, counts, self.engine.now())
                .await
                .map(|_| ()),
            Step::Later(after, error) => {
                let run_at = self.engine.clock.after(after);
                store.defer_carrier_erasure(&erasure, run_at, &error).await
            }
        };
        if let Err(e) = result {
            tracing::warn!(error = %e, sid = erasure.sid, "carrier erasure bookkeeping failed");
        }
    }

    async fn call(&self, erasure: &CarrierErasure) -> Step {
        match erasure::erase_call(self.carrier.rest(), &erasure.sid).await {
            Ok(erased) => {
                tracing::info!(
                    sid = erasure.sid,
                    recordings = erased.recordings,
                    "a call erased at the carrier"
                );
                Step::Done(serde_json::json!({
                    "recordings": erased.recordings,
                    "callLog": u8::from(erased.call_log),
                }))
            }
            // A live call cannot be deleted yet; a recording may still be processing.
            Err(e) => Step::Later(backoff(erasure.tries), e.to_string()),
        }
    }

    async fn recording(&self, erasure: &CarrierErasure) -> Step {
        match self
            .engine
            .store
            .carrier_recording_owner(&erasure.sid)
            .await
        {
            Ok(RecordingOwner::Live) => return Step::Later(LIVE_RETRY, "the call is live".into()),
            Ok(RecordingOwner::Unstored) => {
                // interviewd holds no copy: the carrier's stays until the interview is removed.
                return Step::Done(serde_json::json!({"recordings": 0, "kept": 1}));
            }
            Ok(RecordingOwner::Done) => {}
            Err(e) => return Step::Later(backoff(erasure.tries), e.to_string()),
        }
        match erasure::erase_recording(self.carrier.rest(), &erasure.sid).await {
            Ok(deleted) => Step::Done(serde_json::json!({"recordings": u8::from(deleted)})),
            Err(e) => Step::Later(backoff(erasure.tries), e.to_string()),
        }
    }
}

crate::workers::queue_worker!(CarrierErasures, "carrier erasures", claim_and_erase);
