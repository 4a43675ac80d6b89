//! The recordings worker: deletes the blobs queued for deletion — a removed interview's
//! recordings (queued in the removal's transaction) and uploads no committed row ever
//! claimed (queued before the upload, due after a grace). A missing blob counts as deleted,
//! so a crash between deleting the blob and the bookkeeping only repeats the step.

use super::Busy;
use crate::core::engine::Engine;
use crate::core::engine::recording::backoff;
use crate::store::engine::BlobDeletion;
use std::sync::Arc;

/// Deletions claimed per round.
const BATCH: usize = 32;

pub struct Recordings {
    engine: Arc<Engine>,
    busy: Busy,
}

impl Recordings {
    pub fn new(engine: Arc<Engine>) -> Self {
        Self {
            engine,
            busy: Busy::default(),
        }
    }

    async fn claim_and_delete(&self) -> usize {
        let _busy = self.busy.start();
        let engine = &self.engine;
        let claimed = engine
            .store
            .claim_blob_deletions(&engine.owner, engine.now(), engine.lease_end(), BATCH)
            .await;
        super::each_claimed(claimed, "blob deletions", |deletion| {
            self.delete_one(deletion)
        })
        .await
    }

    async fn delete_one(&self, deletion: BlobDeletion) {
        let engine = &self.engine;
        let result = match engine.delete_blob(&deletion.key).await {
            Ok(()) => engine
                .store
                .finish_blob_deletion(&deletion)
                .await
                .map(|_| ()),
            Err(e) => {
                let run_at = engine.clock.after(backoff(deletion.tries));
                engine
                    .store
                    .defer_blob_deletion(&deletion, run_at, &e.to_string())
                    .await
            }
        };
        if let Err(e) = result {
            tracing::warn!(error = %e, key = deletion.key, "blob deletion bookkeeping failed");
        }
    }
}

crate::workers::queue_worker!(Recordings, "recordings", claim_and_delete);
