//! The interview engine: what makes interviews happen.
//!
//! - [`dispatcher`] claims due call attempts (each with a slot of its company), heartbeats
//!   the leases of the calls this process holds, and reaps the leases of dead workers.
//! - [`call`] holds one call through the voice provider, with the maximum-duration watchdog.
//! - [`session`] runs online interviews taken through the invite link.
//! - [`pipeline`] turns a finished conversation into a completed interview (analysis jobs),
//!   and deletes blobs queued for deletion.
//! - [`policy`] decides, without I/O, what follows each way a session can end.
//! - [`wakeups`] wakes the local workers when another process on the same database
//!   announces work.
//!
//! Everything here talks to the database only through [`crate::store::engine::EngineStore`].
//! The workers run inside `interviewd serve` and alone in `interviewd worker`.

pub mod call;
pub mod dispatcher;
pub mod payload;
pub mod pipeline;
pub mod policy;
pub mod session;
pub mod wakeups;

use crate::config::Config;
use crate::http::AppState;
use crate::store::{DynStore, StoreError};
use anyhow::Context;
use interviewd_domain::AttemptId;
use interviewd_voice::{Simulator, VoiceProvider};
use object_store::ObjectStore;
use object_store::local::LocalFileSystem;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::{Notify, Semaphore};
use tokio::task::JoinHandle;
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
    pub blobs: Arc<dyn ObjectStore>,
    pub settings: Settings,
    /// This process's name in leases.
    pub owner: String,
    pub public_url: String,
    wake: Notify,
    pipeline_wake: Notify,
    live: Mutex<HashMap<AttemptId, LiveCall>>,
    capacity: Arc<Semaphore>,
}

impl Engine {
    /// An engine with the built-in simulator and recordings under `<data_dir>/recordings`.
    pub fn new(config: &Config, store: DynStore) -> anyhow::Result<Arc<Self>> {
        let provider = Arc::new(Simulator::new(config.simulator_turn_ms));
        Self::with_provider(config, store, provider)
    }

    /// An engine with another voice provider.
    pub fn with_provider(
        config: &Config,
        store: DynStore,
        provider: Arc<dyn VoiceProvider>,
    ) -> anyhow::Result<Arc<Self>> {
        let root = config.data_dir.join("recordings");
        std::fs::create_dir_all(&root)
            .with_context(|| format!("creating the recordings directory {}", root.display()))?;
        let blobs = LocalFileSystem::new_with_prefix(&root)
            .with_context(|| format!("opening the recordings directory {}", root.display()))?;
        let settings = Settings::from_config(config);
        let suffix = uuid::Uuid::new_v4().simple().to_string();
        Ok(Arc::new(Self {
            store,
            provider,
            blobs: Arc::new(blobs),
            capacity: Arc::new(Semaphore::new(settings.max_live_calls)),
            settings,
            owner: format!("worker-{}-{}", std::process::id(), &suffix[..8]),
            public_url: config.public_url(),
            wake: Notify::new(),
            pipeline_wake: Notify::new(),
            live: Mutex::new(HashMap::new()),
        }))
    }

    /// Wakes the dispatcher: work was added or a slot was freed.
    pub fn wake(&self) {
        self.wake.notify_one();
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

    fn register(&self, attempt: AttemptId, holds_slot: bool) -> LiveCall {
        let call = LiveCall {
            token: CancellationToken::new(),
            cause: Arc::new(AtomicU8::new(0)),
            holds_slot,
        };
        self.live_calls().insert(attempt, call.clone());
        call
    }

    fn unregister(&self, attempt: AttemptId) {
        self.live_calls().remove(&attempt);
    }

    /// The live calls that hold a slot (for the heartbeat).
    fn slot_holders(&self) -> Vec<(AttemptId, LiveCall)> {
        self.live_calls()
            .iter()
            .filter(|(_, c)| c.holds_slot)
            .map(|(id, c)| (*id, c.clone()))
            .collect()
    }
}

/// Starts the engine's workers: the dispatcher (with heartbeat and reaper), the pipeline
/// worker, the blob-deletion worker and the wake-up forwarder. Each stops when `shutdown`
/// fires.
pub fn spawn(state: &AppState, shutdown: CancellationToken) -> Vec<JoinHandle<()>> {
    let engine = state.engine.clone();
    vec![
        tokio::spawn(dispatcher::run(engine.clone(), shutdown.clone())),
        tokio::spawn(dispatcher::heartbeat(engine.clone(), shutdown.clone())),
        tokio::spawn(pipeline::run(engine.clone(), shutdown.clone())),
        tokio::spawn(pipeline::run_blob_deletions(
            engine.clone(),
            shutdown.clone(),
        )),
        tokio::spawn(wakeups::run(engine, shutdown)),
    ]
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
    state: &AppState,
    interview: interviewd_domain::InterviewId,
) -> Result<(), crate::store::StoreError> {
    let engine = &state.engine;
    let now = chrono::Utc::now();
    let req = crate::store::engine::ClaimRequest {
        owner: engine.owner.clone(),
        now,
        lease_until: now + chrono::Duration::from_std(engine.settings.lease).unwrap_or_default(),
        max: 1,
        only_test_interview: Some(interview),
    };
    for claimed in engine.store.claim_due_attempts(&req).await? {
        call::run(engine.clone(), claimed, CancellationToken::new()).await;
    }
    Ok(())
}
