//! Every background loop of the server, in one shape.
//!
//! A [`Worker`] claims what is due in its queue and acts on it, one [`Worker::round`] at a
//! time; [`run`] repeats rounds while there is work and otherwise sleeps until its wake-up
//! ([`crate::app::Wakers`]), its poll interval or shutdown. Workers receive explicit handles
//! (a store, a clock, their settings) when [`Workers::new`] builds them, never the state of a
//! surface. [`Workers::run_pending`] runs every queue to completion now — what the tests do
//! instead of sleeping and hoping a worker has run.
//!
//! | worker | file | what it does |
//! |---|---|---|
//! | dispatcher | `dispatcher.rs` | claims due call attempts with a slot, starts the calls, reaps expired leases |
//! | heartbeat | `dispatcher.rs` | renews the leases of the calls this process holds |
//! | pipeline | `pipeline.rs` | analysis jobs not run at once (after a crash or a failure) |
//! | recordings | `recordings.rs` | deletes blobs queued for deletion (erasure, orphans) |
//! | carrier erasures | `carrier.rs` | deletes what the phone carrier keeps (removals, fetched recordings) |
//! | fan-out, delivery | `webhooks/` | events → signed webhook messages → attempts |
//! | mail | `mail.rs` | sends queued candidate e-mail |
//! | generations | `generations.rs` | Xobin interview-plan generations and their callbacks |
//! | idempotency sweep | `idempotency_sweep.rs` | forgets expired idempotency records |
//! | retention | `retention.rs` | erases expired candidates, media past retention; compacts after erasures |
//! | wake-ups | `wakeups.rs` | forwards other processes' announcements to the local workers |

pub mod carrier;
pub mod dispatcher;
pub mod generations;
pub mod idempotency_sweep;
pub mod mail;
pub mod pipeline;
pub mod recordings;
pub mod retention;
pub mod wakeups;
pub mod webhooks;

use crate::app::Wakers;
use crate::clock::Clock;
use crate::config::Config;
use crate::core::engine::Engine;
use crate::store::DynStore;
use interviewd_voice::BoxFuture;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;
use tokio::sync::Notify;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

/// Implements [`Worker`] for a queue worker with a `busy: Busy` field: its name, its round
/// (an async method returning how many items it claimed) and, optionally, what it does at
/// shutdown.
macro_rules! queue_worker {
    ($ty:ty, $name:literal, $round:ident $(, stop = $stop:ident)?) => {
        impl $crate::workers::Worker for $ty {
            fn name(&self) -> &'static str {
                $name
            }

            fn round(&self) -> interviewd_voice::BoxFuture<'_, usize> {
                Box::pin(self.$round())
            }

            fn settle(&self) -> interviewd_voice::BoxFuture<'_, ()> {
                Box::pin(self.busy.idle())
            }

            $(
                fn stop(&self) -> interviewd_voice::BoxFuture<'_, ()> {
                    Box::pin(self.$stop())
                }
            )?
        }
    };
}
pub(crate) use queue_worker;

/// How long shutdown lets a round under way finish.
pub const SHUTDOWN_GRACE: Duration = Duration::from_secs(2);

/// A background worker over one queue.
pub trait Worker: Send + Sync + 'static {
    /// Its name in logs.
    fn name(&self) -> &'static str;

    /// Claims what is due now and acts on it. Returns how many items it claimed; work it
    /// started may still be under way when it returns (see [`Worker::settle`]).
    fn round(&self) -> BoxFuture<'_, usize>;

    /// Resolves when nothing this worker started is still under way.
    fn settle(&self) -> BoxFuture<'_, ()> {
        Box::pin(async {})
    }

    /// Runs once at shutdown: finish, or hand back, what is under way.
    fn stop(&self) -> BoxFuture<'_, ()> {
        Box::pin(async {})
    }
}

/// Handles the items of a claimed batch one after another; how many there were. A claim that
/// failed is logged (`what` names the queue) and counts as none: whatever it would have
/// taken stays due, or comes back when its lease ends.
pub async fn each_claimed<T, F>(
    claimed: crate::store::StoreResult<Vec<T>>,
    what: &str,
    mut handle: impl FnMut(T) -> F,
) -> usize
where
    F: std::future::Future<Output = ()>,
{
    match claimed {
        Ok(items) => {
            let count = items.len();
            for item in items {
                handle(item).await;
            }
            count
        }
        Err(e) => {
            tracing::warn!(error = %e, "claiming {what} failed");
            0
        }
    }
}

/// Work under way, counted so that [`Worker::settle`] can wait for it to end. Cloning
/// shares the count.
#[derive(Clone, Default)]
pub struct Busy(Arc<BusyInner>);

#[derive(Default)]
struct BusyInner {
    count: AtomicUsize,
    idle: Notify,
}

/// Counts one piece of work as under way until dropped.
pub struct BusyGuard(Busy);

impl Busy {
    /// Marks one piece of work as started.
    pub fn start(&self) -> BusyGuard {
        self.0.count.fetch_add(1, Ordering::SeqCst);
        BusyGuard(self.clone())
    }

    /// Resolves when no work is under way.
    pub async fn idle(&self) {
        loop {
            let idle = self.0.idle.notified();
            tokio::pin!(idle);
            idle.as_mut().enable();
            if self.0.count.load(Ordering::SeqCst) == 0 {
                return;
            }
            idle.await;
        }
    }
}

impl Drop for BusyGuard {
    fn drop(&mut self) {
        if self.0.0.count.fetch_sub(1, Ordering::SeqCst) == 1 {
            self.0.0.idle.notify_waiters();
        }
    }
}

/// When a worker looks at its queue besides after a busy round.
#[derive(Clone)]
pub struct Schedule {
    pub wake: Arc<Notify>,
    pub poll: Duration,
}

/// Repeats `worker`'s rounds until `shutdown`: at once after a round that claimed
/// something, otherwise after a wake-up or the poll interval.
pub async fn run(worker: Arc<dyn Worker>, schedule: Schedule, shutdown: CancellationToken) {
    loop {
        let round = worker.round();
        tokio::pin!(round);
        let claimed = tokio::select! {
            claimed = &mut round => claimed,
            () = shutdown.cancelled() => {
                // The round under way gets a short grace to record what it did.
                let _ = tokio::time::timeout(SHUTDOWN_GRACE, &mut round).await;
                break;
            }
        };
        if claimed > 0 {
            continue;
        }
        tokio::select! {
            () = shutdown.cancelled() => break,
            () = schedule.wake.notified() => {}
            () = tokio::time::sleep(schedule.poll) => {}
        }
    }
    worker.stop().await;
    tracing::debug!(worker = worker.name(), "stopped");
}

/// Which part of the server a worker serves (to run some of them alone, as the benchmarks
/// do).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Group {
    /// The call dispatcher with its heartbeat, the pipeline and the recordings worker.
    Engine,
    /// Webhook fan-out and delivery.
    Webhooks,
    /// Candidate e-mail.
    Mail,
    /// Plan generations and the idempotency sweep.
    Other,
}

/// Every worker of one process, built once and shared by the background loops and
/// [`Workers::run_pending`].
pub struct Workers {
    queues: Vec<(Arc<dyn Worker>, Schedule, Group)>,
    engine: Arc<Engine>,
    store: DynStore,
    wakers: Wakers,
}

impl Workers {
    /// Builds every worker from the configuration and the engine.
    pub fn new(config: &Config, engine: Arc<Engine>, clock: &Clock, wakers: &Wakers) -> Self {
        let store = engine.store.clone();
        let poll = Duration::from_millis(config.delivery_poll_ms.max(1));
        let mut queues: Vec<(Arc<dyn Worker>, Schedule, Group)> = Vec::new();
        let schedule = |wake: &Arc<Notify>, poll: Duration| Schedule {
            wake: wake.clone(),
            poll,
        };
        let dispatcher = dispatcher::Dispatcher::new(engine.clone());
        let dispatch_poll = dispatcher.poll();
        queues.push((
            Arc::new(dispatcher),
            schedule(&wakers.dispatcher, dispatch_poll),
            Group::Engine,
        ));
        queues.push((
            Arc::new(pipeline::Pipeline::new(engine.clone())),
            schedule(&wakers.pipeline, engine.settings.poll),
            Group::Engine,
        ));
        queues.push((
            Arc::new(recordings::Recordings::new(engine.clone())),
            schedule(&Arc::new(Notify::new()), engine.settings.poll),
            Group::Engine,
        ));
        let webhook_settings = webhooks::Settings::from_config(config);
        queues.push((
            Arc::new(webhooks::fanout::FanOut::new(
                store.clone(),
                clock.clone(),
                wakers.clone(),
                config.public_url(),
                config.asset_link_ttl_secs,
            )),
            schedule(&wakers.fanout, poll),
            Group::Webhooks,
        ));
        if let Some(delivery) = webhooks::deliver::Deliverer::new(
            store.clone(),
            clock.clone(),
            webhook_settings,
            wakers.delivery.clone(),
            wakers.webhook_attempts.clone(),
        ) {
            queues.push((
                Arc::new(delivery),
                schedule(&wakers.delivery, poll),
                Group::Webhooks,
            ));
        }
        if let Some(mail) = mail::MailWorker::new(config, store.clone(), clock.clone()) {
            queues.push((Arc::new(mail), schedule(&wakers.mail, poll), Group::Mail));
        }
        queues.push((
            Arc::new(generations::Generations::new(
                engine.clone(),
                clock.clone(),
                config.webhook_allow_private,
            )),
            schedule(&wakers.generations, generations::POLL),
            Group::Other,
        ));
        queues.push((
            Arc::new(retention::Retention::new(
                store.clone(),
                clock.clone(),
                wakers.clone(),
                config.media_retention_days,
            )),
            schedule(&Arc::new(Notify::new()), retention::POLL),
            Group::Other,
        ));
        queues.push((
            Arc::new(idempotency_sweep::Sweep::new(store.clone(), clock.clone())),
            schedule(&Arc::new(Notify::new()), idempotency_sweep::EVERY),
            Group::Other,
        ));
        Self {
            queues,
            engine,
            store,
            wakers: wakers.clone(),
        }
    }

    /// Adds the carrier erasure worker (with a phone carrier configured).
    pub fn add_carrier(&mut self, carrier: Arc<interviewd_carrier::Carrier>) {
        self.queues.push((
            Arc::new(carrier::CarrierErasures::new(self.engine.clone(), carrier)),
            Schedule {
                wake: Arc::new(Notify::new()),
                poll: self.engine.settings.poll,
            },
            Group::Engine,
        ));
    }

    /// Starts every background loop; each stops when `shutdown` fires.
    pub fn spawn(&self, shutdown: &CancellationToken) -> Vec<JoinHandle<()>> {
        let mut tasks = self.spawn_groups(
            &[Group::Engine, Group::Webhooks, Group::Mail, Group::Other],
            shutdown,
        );
        tasks.push(tokio::spawn(wakeups::run(
            self.store.clone(),
            self.wakers.clone(),
            shutdown.clone(),
        )));
        tasks
    }

    /// Starts the background loops of `groups` only.
    pub fn spawn_groups(
        &self,
        groups: &[Group],
        shutdown: &CancellationToken,
    ) -> Vec<JoinHandle<()>> {
        let mut tasks: Vec<JoinHandle<()>> = self
            .queues
            .iter()
            .filter(|(_, _, group)| groups.contains(group))
            .map(|(worker, schedule, _)| {
                tokio::spawn(run(worker.clone(), schedule.clone(), shutdown.clone()))
            })
            .collect();
        if groups.contains(&Group::Engine) {
            tasks.push(tokio::spawn(dispatcher::heartbeat(
                self.engine.clone(),
                shutdown.clone(),
            )));
        }
        tasks
    }

    /// Runs every queue until none has anything due, waiting for the work each round
    /// started (live calls excepted: a call lasts as long as the candidate talks). Bounded:
    /// gives up after `MAX_ROUNDS` rounds that all found work, which only a queue that keeps
    /// refilling itself reaches.
    pub async fn run_pending(&self) {
        const MAX_ROUNDS: usize = 1_000;
        for _ in 0..MAX_ROUNDS {
            let mut claimed = 0;
            for (worker, _, _) in &self.queues {
                claimed += worker.round().await;
                worker.settle().await;
            }
            if claimed == 0 {
                return;
            }
        }
        tracing::warn!("background work kept coming; run_pending gave up");
    }
}
