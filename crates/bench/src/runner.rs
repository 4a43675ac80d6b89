//! Runs one cell: a number of concurrent clients issuing one kind of operation until the
//! cell's operation count or its time budget is spent, whichever comes first.
//!
//! Each client is a task that issues operations back to back (a closed loop: a client waits
//! for its answer before the next request), records the latency of each successful one, and
//! counts failures. A short warm-up at the same concurrency comes first and is not recorded:
//! it opens the connections (HTTP keep-alive, database pool) the measured part reuses. The
//! peak memory of the process that does the work (the server child for HTTP cells, this one
//! for the raw baseline) is reset before the measured part and read after it.
//!
//! Cells compared with each other can instead be measured in turns ([`Turns`]): warmed up
//! once, then run in several shorter stretches that alternate with the others'.

use crate::memory::Process;
use crate::stats::Summary;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// One operation's outcome: `Err` carries what was wrong (status, body, error).
pub type OpFuture = Pin<Box<dyn Future<Output = Result<(), String>> + Send>>;

/// A source of operations; each call issues one (taking its own target, if it needs one).
pub type Op = Arc<dyn Fn() -> OpFuture + Send + Sync>;

/// The bounds of a cell.
#[derive(Clone, Copy, Debug)]
pub struct Budget {
    /// Operations measured at most.
    pub max_ops: u64,
    /// Time after which no new operation starts.
    pub max_time: Duration,
    /// Operations issued, unmeasured, before the measured part.
    pub warmup: u64,
}

impl Budget {
    /// Operations (and so targets) a cell with this budget may consume.
    pub fn ops_needed(&self) -> u64 {
        self.max_ops + self.warmup
    }
}

/// A measured cell.
#[derive(Clone, Debug)]
pub struct CellRun {
    pub summary: Summary,
    /// Warm-up operations that succeeded (not measured, but they changed the database too).
    pub warmup_ok: u64,
    /// Peak resident set of the measured process during the measured part, in KiB.
    pub peak_kib: Option<u64>,
}

/// What one client saw.
#[derive(Default)]
struct ClientLog {
    latencies: Vec<Duration>,
    errors: u64,
    messages: Vec<String>,
}

/// Runs `op` from `clients` concurrent clients within `budget`; `process` is the one whose
/// peak memory the cell reports.
pub async fn run_cell(clients: usize, budget: &Budget, op: &Op, process: Process) -> CellRun {
    let mut turns = Turns::after_warm_up(warm_up(clients, budget, op).await);
    turns.add(measure_turn(clients, budget, op, process).await);
    turns.finish()
}

/// Runs `budget.warmup` operations, unmeasured; returns how many succeeded.
pub async fn warm_up(clients: usize, budget: &Budget, op: &Op) -> u64 {
    if budget.warmup == 0 {
        return 0;
    }
    let warmup = Budget {
        max_ops: budget.warmup,
        max_time: budget.max_time.min(Duration::from_secs(2)),
        warmup: 0,
    };
    drive(clients, &warmup, op)
        .await
        .iter()
        .map(|log| log.latencies.len() as u64)
        .sum()
}

/// What one measured stretch of a cell saw (no warm-up).
pub struct Turn {
    logs: Vec<ClientLog>,
    elapsed: Duration,
    peak_kib: Option<u64>,
}

impl Turn {
    /// Successful operations per second of this stretch.
    pub fn throughput(&self) -> f64 {
        let ok: usize = self.logs.iter().map(|log| log.latencies.len()).sum();
        crate::stats::per_second(ok as u64, self.elapsed)
    }
}

/// Runs `op` within `budget` (its warm-up left out), reading `process`'s peak memory.
pub async fn measure_turn(clients: usize, budget: &Budget, op: &Op, process: Process) -> Turn {
    let reset = process.reset_peak();
    let started = Instant::now();
    let logs = drive(clients, budget, op).await;
    let elapsed = started.elapsed();
    Turn {
        logs,
        elapsed,
        peak_kib: if reset { process.peak_kib() } else { None },
    }
}

/// A cell measured in one or more turns, summarised as one: the latencies of every turn, the
/// sum of their times, the highest peak; and each turn's own throughput.
#[derive(Default)]
pub struct Turns {
    latencies: Vec<Duration>,
    errors: u64,
    elapsed: Duration,
    messages: Vec<String>,
    peak_kib: Option<u64>,
    /// Warm-up operations that succeeded (before the first turn).
    pub warmup_ok: u64,
    /// Each turn's throughput, in the order they ran.
    pub throughputs: Vec<f64>,
}

impl Turns {
    /// No turn yet, after a warm-up in which `warmup_ok` operations succeeded.
    pub fn after_warm_up(warmup_ok: u64) -> Self {
        Self {
            warmup_ok,
            ..Self::default()
        }
    }

    pub fn add(&mut self, turn: Turn) {
        self.throughputs.push(turn.throughput());
        self.elapsed += turn.elapsed;
        self.peak_kib = self.peak_kib.max(turn.peak_kib);
        for log in turn.logs {
            self.latencies.extend(log.latencies);
            self.errors += log.errors;
            for m in log.messages {
                if self.messages.len() < 3 && !self.messages.contains(&m) {
                    self.messages.push(m);
                }
            }
        }
    }

    pub fn finish(self) -> CellRun {
        CellRun {
            summary: Summary::new(self.latencies, self.errors, self.elapsed, self.messages),
            warmup_ok: self.warmup_ok,
            peak_kib: self.peak_kib,
        }
    }
}

/// Runs the clients to the end of `budget` and returns their logs.
async fn drive(clients: usize, budget: &Budget, op: &Op) -> Vec<ClientLog> {
    let issued = Arc::new(AtomicU64::new(0));
    let started = Instant::now();
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..clients.max(1) {
        let (op, issued, budget) = (op.clone(), issued.clone(), *budget);
        tasks.spawn(async move {
            let mut log = ClientLog::default();
            while issued.fetch_add(1, Ordering::Relaxed) < budget.max_ops
                && started.elapsed() < budget.max_time
            {
                let t = Instant::now();
                match op().await {
                    Ok(()) => log.latencies.push(t.elapsed()),
                    Err(e) => {
                        log.errors += 1;
                        if log.messages.len() < 3 {
                            log.messages.push(e);
                        }
                    }
                }
            }
            log
        });
    }
    let mut logs = Vec::with_capacity(clients);
    while let Some(joined) = tasks.join_next().await {
        match joined {
            Ok(log) => logs.push(log),
            Err(e) => logs.push(ClientLog {
                errors: 1,
                messages: vec![format!("client task failed: {e}")],
                ..ClientLog::default()
            }),
        }
    }
    logs
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_cell_stops_at_its_operation_count_and_counts_errors() {
        let calls = Arc::new(AtomicU64::new(0));
        let counter = calls.clone();
        let op: Op = Arc::new(move || {
            let n = counter.fetch_add(1, Ordering::Relaxed);
            Box::pin(async move {
                if n % 10 == 9 {
                    Err("every tenth fails".into())
                } else {
                    Ok(())
                }
            })
        });
        let budget = Budget {
            max_ops: 100,
            max_time: Duration::from_secs(10),
            warmup: 20,
        };
        let run = run_cell(4, &budget, &op, Process::This).await;
        assert_eq!(calls.load(Ordering::Relaxed), 120);
        assert_eq!(run.warmup_ok, 18);
        assert_eq!(run.summary.ok + run.summary.errors, 100);
        assert_eq!(run.summary.errors, 10);
        assert_eq!(run.summary.sample_errors, vec!["every tenth fails"]);
        assert!(run.summary.flagged());
    }

    #[tokio::test]
    async fn a_cell_stops_at_its_time_budget() {
        let op: Op = Arc::new(|| {
            Box::pin(async {
                tokio::time::sleep(Duration::from_millis(20)).await;
                Ok(())
            })
        });
        let budget = Budget {
            max_ops: 1_000_000,
            max_time: Duration::from_millis(200),
            warmup: 0,
        };
        let run = run_cell(2, &budget, &op, Process::This).await;
        assert!(
            run.summary.ok >= 2 && run.summary.ok < 100,
            "{}",
            run.summary.ok
        );
        assert!(run.summary.elapsed_s < 1.0);
        assert!(!run.summary.flagged());
    }
}
