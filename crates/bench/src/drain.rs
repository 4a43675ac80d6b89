//! The engine's drain at 1, 16 and 64 live calls (`engine_max_live_calls`, the engine's own
//! concurrency), against its statements run directly by as many workers.
//!
//! Per live-call count, a fresh database with 100 companies of limit 5 (500 slots, so the
//! companies' limits are not what bounds the drain): first the raw baseline drains one batch
//! of due calls ([`crate::raw::drain_op`]); then a second batch is seeded, the engine (see
//! [`crate::engine`]) is started and drains it until done or the time budget is spent.
//! Throughput is completions per second; the latency of each interview is the time from its
//! claim (`called_at`) to COMPLETED (`finished_at`), from the database's millisecond stamps.

use crate::db::Backend;
use crate::engine::EngineDb;
use crate::memory::{self, Process};
use crate::pg::PgServer;
use crate::raw::{Profile, drain_op};
use crate::report::{Cell, DrainResult, ProfileResult, Results};
use crate::runner::{Budget, run_cell};
use crate::stats::{Summary, ratio};
use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};
use uuid::Uuid;

/// What the drain runs measure.
#[derive(Clone, Debug)]
pub struct Plan {
    pub live_calls: Vec<usize>,
    pub budget: Budget,
}

const COMPANIES: u64 = 100;
const LIMIT: u64 = 5;

/// Runs `plan` on `backend`, adding to `results`.
pub async fn run(
    backend: Backend,
    pg: Option<&PgServer>,
    plan: &Plan,
    results: &mut Results,
) -> anyhow::Result<()> {
    for &live in &plan.live_calls {
        eprintln!("  {} / drain at {live} live calls", backend.name());
        let edb = EngineDb::create(backend, pg, COMPANIES, LIMIT, live).await?;
        let per_company = plan.budget.ops_needed().div_ceil(COMPANIES);
        let budget = Budget {
            max_time: plan.budget.max_time * 2,
            ..plan.budget
        };

        edb.seed_due(per_company).await?;
        edb.provision_slots().await?;
        edb.pool.settle().await?;
        let companies: Arc<Vec<Uuid>> = Arc::new(edb.companies.iter().map(|c| c.company).collect());
        let profile = (live == 1).then(|| Arc::new(Profile::default()));
        let op = drain_op(&edb.pool, companies, i64::try_from(LIMIT)?, profile.clone());
        let raw = run_cell(live, &budget, &op, Process::This).await;
        if let Some(profile) = profile {
            results.profiles.push(ProfileResult {
                backend: backend.name(),
                scenario: "drain (engine statements per call)",
                clients: live,
                statements: profile.shares(raw.summary.ok + raw.warmup_ok),
            });
        }
        // What the raw workers left due (the budget may end first) must not reach the engine.
        edb.pool
            .execute("DELETE FROM call_attempts WHERE status = 'SCHEDULED'")
            .await?;

        let engine = engine_cell(&edb, per_company, budget.max_time).await?;
        let ratio = ratio(engine.cell.summary.throughput, raw.summary.throughput);
        results.drain.push(DrainResult {
            backend: backend.name(),
            live_calls: live,
            interviews: per_company * COMPANIES,
            companies: COMPANIES,
            limit_per_company: LIMIT,
            engine: engine.cell,
            raw: Cell::from(raw),
            ratio: ratio.map(|r| (r * 1000.0).round() / 1000.0),
            max_in_use: engine.max_in_use,
            violations: engine.violations,
        });
        edb.teardown().await;
    }
    Ok(())
}

/// What the engine's run measured.
struct EngineRun {
    cell: Cell,
    max_in_use: i64,
    violations: u64,
}

/// Seeds `per_company` due calls per company, runs the engine until they are COMPLETED or
/// `max_time` passes, sampling the slots every 5 ms.
async fn engine_cell(
    edb: &EngineDb,
    per_company: u64,
    max_time: Duration,
) -> anyhow::Result<EngineRun> {
    let since = chrono::Utc::now().timestamp_millis();
    edb.seed_due(per_company).await?;
    edb.pool.settle().await?;
    let total = i64::try_from(per_company * COMPANIES)?;
    let fresh = format!("interviews WHERE created_at >= {since}");
    let done_sql = format!("{fresh} AND status = 'COMPLETED'");
    let started = Instant::now();
    let engine = edb.start_engine().await?;
    let process = engine.process();
    let reset = process.reset_peak();
    let limit = i64::try_from(edb.limit)?;
    let mut peak: HashMap<Uuid, i64> = HashMap::new();
    let mut violations = 0;
    let mut elapsed = max_time;
    while started.elapsed() < max_time {
        for (company, n) in edb.held_slots().await? {
            violations += u64::from(n > limit);
            let p = peak.entry(company).or_default();
            *p = (*p).max(n);
        }
        if edb.pool.count(&done_sql).await? >= total {
            elapsed = started.elapsed();
            break;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let peak_kib = if reset { process.peak_kib() } else { None };
    engine.stop().await?;
    let latencies = completion_latencies(edb, since).await?;
    let failed = edb
        .pool
        .count(&format!("{fresh} AND status = 'FAILED'"))
        .await?;
    let summary = Summary::new(latencies, u64::try_from(failed)?, elapsed, Vec::new());
    Ok(EngineRun {
        cell: Cell {
            summary,
            peak_mib: peak_kib.map(memory::mib),
        },
        max_in_use: peak.values().copied().max().unwrap_or(0),
        violations,
    })
}

/// Claim-to-COMPLETED time of each interview created since `since` (ms since the epoch).
async fn completion_latencies(edb: &EngineDb, since: i64) -> anyhow::Result<Vec<Duration>> {
    const SQL: &str = "SELECT i.finished_at - a.called_at FROM interviews i \
         JOIN call_attempts a ON a.interview_id = i.id \
         WHERE i.created_at >= $1 AND i.status = 'COMPLETED' AND a.status = 'COMPLETED'";
    let ms: Vec<i64> = match &edb.pool {
        crate::db::RawPool::Sqlite { read: pool, .. } => {
            sqlx::query_scalar(SQL).bind(since).fetch_all(pool).await?
        }
        crate::db::RawPool::Pg(pool) => sqlx::query_scalar(SQL).bind(since).fetch_all(pool).await?,
    };
    Ok(ms
        .into_iter()
        .map(|ms| Duration::from_millis(u64::try_from(ms).unwrap_or(0)))
        .collect())
}
