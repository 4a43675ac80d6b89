//! The pipeline worker: analysis jobs that were not run at once by the task that recorded
//! the conversation (it died, or the analysis failed and was deferred with backoff). What a
//! job does is [`crate::core::engine::Engine::process_job`].

use super::Busy;
use crate::core::engine::Engine;
use std::sync::Arc;

/// Jobs claimed per round.
const BATCH: usize = 16;

pub struct Pipeline {
    engine: Arc<Engine>,
    busy: Busy,
}

impl Pipeline {
    pub fn new(engine: Arc<Engine>) -> Self {
        Self {
            engine,
            busy: Busy::default(),
        }
    }

    async fn claim_and_run(&self) -> usize {
        let _busy = self.busy.start();
        let engine = &self.engine;
        let claimed = engine
            .store
            .claim_pipeline_jobs(
                &engine.owner,
                engine.now(),
                engine.job_lease_end(),
                BATCH,
                None,
            )
            .await;
        super::each_claimed(claimed, "pipeline jobs", |job| engine.process_job(job)).await
    }
}

crate::workers::queue_worker!(Pipeline, "pipeline", claim_and_run);
