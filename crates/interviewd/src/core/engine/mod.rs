//! The interview engine: what happens in an interview and after it.
//!
//! - [`call`] holds one claimed call through the voice provider, with the maximum-duration
//!   watchdog, and records how it ended.
//! - [`session`] runs online interviews taken through the invite link.
//! - [`recording`] turns a finished conversation into a completed interview: the recording
//!   in the blob store, the transcript, the analysis job and its run.
//! - [`policy`] decides, without I/O, what follows each way a session can end.
//!
//! *When* these run is the workers' business (`crate::workers`: the dispatcher claims due
//! attempts and starts [`call::run`], the pipeline worker runs analysis jobs not run at once,
//! the recordings worker deletes queued blobs). Everything here talks to the database only
//! through [`crate::store::engine::EngineStore`].

pub mod blobs;
pub mod call;
pub mod conversation;
pub mod landing;
pub mod live;
pub mod live_audio;
pub mod models;
pub mod policy;
pub mod recording;
pub mod session;

use crate::app::Wakers;
use crate::clock::Clock;
use crate::config::Config;
use crate::store::{DynStore, StoreError};
use anyhow::Context;
use interviewd_domain::AttemptId;
use interviewd_voice::{Simulator, VoiceProvider};
use object_store::ObjectStore;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::Semaphore;
use tokio_util::sync::CancellationToken;

/// The engine's knobs, from [`Config`].
#[derive(Clone, Debug)]
pub struct Settings {
    pub max_retries: u32,
    pub retry_delay: Duration,
    pub max_call: Duration,
    pub lease: Duration,
    pub poll: Duration,
    pub max_live_calls: usize,
    pub idle_timeout: Duration,
}

impl Settings {
    /// The settings in `config`.
    pub fn from_config(config: &Config) -> Self {
        Self {
            max_retries: config.call_max_retries,
            retry_delay: Duration::from_millis(config.call_retry_delay_ms),
            max_call: Duration::from_millis(config.call_max_duration_ms.max(1)),
            lease: Duration::from_millis(config.engine_lease_ms.max(300)),
            poll: Duration::from_millis(config.engine_poll_ms.clamp(10, 60_000)),
            max_live_calls: usize::try_from(config.engine_max_live_calls.max(1)).unwrap_or(1),
            idle_timeout: Duration::from_millis(config.online_idle_timeout_ms.max(1)),
        }
    }

    /// The longest a call of an agent with this `duration` (minutes) may last.
    pub fn call_limit(&self, duration_minutes: u32) -> Duration {
        let agent = Duration::from_secs(u64::from(duration_minutes.max(1)) * 60);
        agent.min(self.max_call)
    }
}

/// Why the engine cut a live session short.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum Cause {
    /// Still running (or ended on its own).
    None = 0,
    /// The maximum duration was reached.
    Watchdog = 1,
    /// The process is shutting down.
    Shutdown = 2,
    /// The heartbeat found that this worker no longer holds the slot.
    LostLease = 3,
    /// The interview was closed or deleted before the candidate answered.
    Closed = 4,
    /// Canceled through [`Engine::cancel_live`].
    Canceled = 5,
}

impl Cause {
    fn from_u8(v: u8) -> Self {
        match v {
            1 => Self::Watchdog,
            2 => Self::Shutdown,
            3 => Self::LostLease,
            4 => Self::Closed,
            5 => Self::Canceled,
            _ => Self::None,
        }
    }
}

/// The in-process handle of a live call: its cancel token and why it fired.
#[derive(Clone)]
pub struct LiveCall {
    pub token: CancellationToken,
    cause: Arc<AtomicU8>,
    holds_slot: bool,
}

impl LiveCall {
    /// Cancels the call, recording the first cause given.
    pub fn stop(&self, cause: Cause) {
        let _ = self
            .cause
            .compare_exchange(0, cause as u8, Ordering::SeqCst, Ordering::SeqCst);
        self.token.cancel();
    }

    /// Why the call was cut short, if it was.
    pub fn cause(&self) -> Cause {
        Cause::from_u8(self.cause.load(Ordering::SeqCst))
    }
}

/// The engine's shared state: store, provider, blob store, wake-ups and live calls.
pub struct Engine {
    pub store: DynStore,
    pub provider: Arc<dyn VoiceProvider>,
    /// The interviewer, analyst and planner.
    pub models: models::Models,
    /// Where live voice sessions record (`<data_dir>/sessions`).
    pub scratch: std::path::PathBuf,
    /// The thread that writes those recordings.
    pub spool: interviewd_speech::spool::Spool,
    pub blobs: Arc<dyn ObjectStore>,
    pub settings: Settings,
    /// This process's name in leases.
    pub owner: String,
    pub public_url: String,
    pub clock: Clock,
    pub wakers: Wakers,
    live: Mutex<HashMap<AttemptId, LiveCall>>,
    /// Room for live calls in this process (`engine_max_live_calls`).
    pub capacity: Arc<Semaphore>,
}

impl Engine {
    /// An engine with the built-in simulator and recordings under `<data_dir>/recordings`.
    pub fn new(
        config: &Config,
        store: DynStore,
        clock: Clock,
        wakers: Wakers,
    ) -> anyhow::Result<Arc<Self>> {
        let provider = Arc::new(Simulator::new(config.simulator_turn_ms));
        Self::with_provider(config, store, clock, wakers, provider)
    }

    /// An engine with another voice provider.
    pub fn with_provider(
        config: &Config,
        store: DynStore,
        clock: Clock,
        wakers: Wakers,
        provider: Arc<dyn VoiceProvider>,
    ) -> anyhow::Result<Arc<Self>> {
        Self::with_parts(config, store, clock, wakers, provider, None)
    }

    /// An engine with another voice provider and, when given, other speech engines.
    pub fn with_parts(
        config: &Config,
        store: DynStore,
        clock: Clock,
        wakers: Wakers,
        provider: Arc<dyn VoiceProvider>,
        speech: Option<models::Speech>,
    ) -> anyhow::Result<Arc<Self>> {
        let blobs = blobs::open(config)?;
        let settings = Settings::from_config(config);
        let mut models = models::Models::from_config(config)?;
        if speech.is_some() {
            models.speech = speech;
        }
        let scratch = config.data_dir.join("sessions");
        live_audio::reset_scratch(&scratch).with_context(|| {
            format!(
                "emptying the live recordings directory {}",
                scratch.display()
            )
        })?;
        let spool = interviewd_speech::spool::Spool::start()
            .context("starting the thread that writes live recordings")?;
        let suffix = uuid::Uuid::new_v4().simple().to_string();
        Ok(Arc::new(Self {
            store,
            provider,
            models,
            scratch,
            spool,
            blobs,
            capacity: Arc::new(Semaphore::new(settings.max_live_calls)),
            settings,
            owner: format!("worker-{}-{}", std::process::id(), &suffix[..8]),
            public_url: config.public_url(),
            clock,
            wakers,
            live: Mutex::new(HashMap::new()),
        }))
    }

    /// Wakes the dispatcher: work was added or a slot was freed.
    pub fn wake(&self) {
        self.wakers.engine();
    }

    /// The current time on the server's clock.
    pub fn now(&self) -> chrono::DateTime<chrono::Utc> {
        self.clock.now()
    }

    /// The end of a lease taken now.
    pub fn lease_end(&self) -> chrono::DateTime<chrono::Utc> {
        self.clock.after(self.settings.lease)
    }

    /// The end of a pipeline job's lease taken now: long enough for the analysis to finish
    /// (a model's two tries at most, with room to spare), so no other worker takes the job
    /// over while it runs.
    pub fn job_lease_end(&self) -> chrono::DateTime<chrono::Utc> {
        let analysis = self.models.analysis_budget();
        self.clock.after(self.settings.lease.max(analysis))
    }

    /// Cancels the provider session of a live call held by this process. Returns false when
    /// the attempt is not live here. The call then ends as `CANCELED`.
    pub fn cancel_live(&self, attempt: AttemptId) -> bool {
        match self.live_calls().get(&attempt) {
            Some(call) => {
                call.stop(Cause::Canceled);
                true
            }
            None => false,
        }
    }

    /// How many calls this process holds right now.
    pub fn live_count(&self) -> usize {
        self.live_calls().len()
    }

    fn live_calls(&self) -> std::sync::MutexGuard<'_, HashMap<AttemptId, LiveCall>> {
        // A poisoned map is still a consistent map: every critical section is one call.
        self.live
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    pub(crate) fn register(&self, attempt: AttemptId, holds_slot: bool) -> LiveCall {
        let call = LiveCall {
            token: CancellationToken::new(),
            cause: Arc::new(AtomicU8::new(0)),
            holds_slot,
        };
        self.live_calls().insert(attempt, call.clone());
        call
    }

    pub(crate) fn unregister(&self, attempt: AttemptId) {
        self.live_calls().remove(&attempt);
    }

    /// The live calls that hold a slot (for the heartbeat).
    pub(crate) fn slot_holders(&self) -> Vec<(AttemptId, LiveCall)> {
        self.live_calls()
            .iter()
            .filter(|(_, c)| c.holds_slot)
            .map(|(id, c)| (*id, c.clone()))
            .collect()
    }
}

/// Runs `write` — one the end of a claimed session depends on — until it succeeds or fails
/// for a reason other than an unreachable database. While the database is down (restarting,
/// failing over) the write waits for it, so a call that ended meanwhile is recorded when it
/// is back, instead of leaving its attempt IN_PROGRESS under leases this process keeps
/// renewing. Also returns whether a try failed on the way: its outcome is unknown (the
/// connection may have dropped after the commit).
pub async fn until_available<T, F, Fut>(what: &str, mut write: F) -> (Result<T, StoreError>, bool)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<T, StoreError>>,
{
    let mut backoff = Duration::from_millis(100);
    let mut interrupted = false;
    loop {
        match write().await {
            Err(StoreError::Unavailable(e)) => {
                tracing::warn!(error = %e, what, "the database is unavailable; retrying");
                interrupted = true;
                tokio::time::sleep(backoff).await;
                backoff = (backoff * 2).min(Duration::from_secs(5));
            }
            done => return (done, interrupted),
        }
    }
}

/// Runs a test interview (`isTest: true`) to completion now, without a slot: a deterministic
/// simulated conversation, its recording, transcript and analysis. Idempotent: if another
/// worker already claimed the attempt, this does nothing.
pub async fn run_test_interview(
    engine: &Arc<Engine>,
    interview: interviewd_domain::InterviewId,
) -> Result<(), crate::store::StoreError> {
    let now = engine.now();
    let req = crate::store::engine::ClaimRequest {
        owner: engine.owner.clone(),
        now,
        lease_until: engine.lease_end(),
        max: 1,
        only_test_interview: Some(interview),
    };
    for claimed in engine.store.claim_due_attempts(&req).await? {
        call::run(engine.clone(), claimed, CancellationToken::new()).await;
    }
    Ok(())
}
