//! The HTTP scenarios on one backend, each against its raw-SQL baseline.
//!
//! One fresh database and one server per backend. The seeding runs before each scenario
//! (copies of the templates, enough for every cell to consume distinct targets), then for
//! each concurrency the HTTP cell and the raw cell. After each HTTP cell of a writing
//! scenario the row counts are checked against the operations that succeeded, and after the
//! removal scenarios the blob worker runs for a moment to show that the queued recordings
//! really are deleted.

use crate::client::Api;
use crate::db::{Backend, BenchDb, RawPool};
use crate::fixtures::{self, TRANSCRIPT_TURNS, Templates, Tenant};
use crate::memory::Process;
use crate::pg::PgServer;
use crate::raw::{Profile, RawCtx, minimal_op, raw_op};
use crate::report::{Cell, Check, ProfileResult, Results, ScenarioCell, SeedTime};
use crate::runner::{Budget, Turns, measure_turn, warm_up};
use crate::scenarios::{Scenario, Targets, http_op};
use crate::seed::{CloneSpec, Seeded, Seeder};
use crate::server::{self, Server};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// What the scenario runs measure.
#[derive(Clone, Debug)]
pub struct Plan {
    pub scenarios: Vec<Scenario>,
    pub clients: Vec<usize>,
    pub budget: Budget,
    /// Run the server's event fan-out during the cells (see [`crate::server`]).
    pub event_fanout: bool,
    /// Turns a removal's three cells take (see [`measure`]).
    pub turns: usize,
}

/// COMPLETED interviews the read scenarios cycle through (and whose candidates `create` uses).
const READ_POOL: u64 = 1_000;

/// The order scenarios run in.
fn ordered(scenarios: &[Scenario]) -> Vec<Scenario> {
    let order = [
        Scenario::Get,
        Scenario::Delete,
        Scenario::AlpharunRemove,
        Scenario::XobinRevoke,
        Scenario::Create,
    ];
    order
        .into_iter()
        .filter(|s| scenarios.contains(s))
        .collect()
}

/// A backend's database with its server, tenant, templates and seeder.
pub struct Setup {
    pub backend: Backend,
    pub db: BenchDb,
    pub server: Server,
    pub tenant: Tenant,
    pub templates: Templates,
    pub seeder: Seeder,
    pub pool: RawPool,
}

impl Setup {
    /// A fresh database, its server (with the event fan-out when asked), the tenant and the
    /// templates.
    pub async fn new(
        backend: Backend,
        pg: Option<&PgServer>,
        event_fanout: bool,
    ) -> anyhow::Result<Self> {
        let db = BenchDb::create(backend, pg).await?;
        let config = server::config(&db.url, db.data_dir.clone());
        let server = Server::start(config, event_fanout).await?;
        let tenant = fixtures::tenant(&server).await?;
        let templates = fixtures::templates(&server, &tenant).await?;
        let pool = RawPool::connect(backend, &db.url).await?;
        let seeder = Seeder::new(pool.clone(), tenant.company, &db.data_dir)?;
        Ok(Self {
            backend,
            db,
            server,
            tenant,
            templates,
            seeder,
            pool,
        })
    }

    /// Copies a template and records how long it took.
    pub async fn seed(
        &mut self,
        results: &mut Results,
        what: &str,
        completed: bool,
        count: u64,
        light: bool,
    ) -> anyhow::Result<Vec<Seeded>> {
        let started = Instant::now();
        let template = if completed {
            &self.templates.completed
        } else {
            &self.templates.scheduled
        };
        let spec = CloneSpec {
            template,
            count,
            light,
            read_back: !light,
            // The background spreads over the company's other openings.
            spread_jobs: light.then_some(self.tenant.job),
        };
        let seeded = self.seeder.clone(&spec).await?;
        self.pool.settle().await?;
        results.seeding.push(SeedTime {
            backend: self.backend.name(),
            what: what.to_owned(),
            interviews: count,
            seconds: started.elapsed().as_secs_f64(),
        });
        Ok(seeded)
    }

    /// Stops the server and drops the database.
    pub async fn teardown(self) -> anyhow::Result<()> {
        self.pool.close().await;
        self.server.stop().await?;
        self.db.drop_database().await;
        Ok(())
    }
}

/// Runs `plan` on `backend`, adding to `results`: each scenario on a fresh database and a
/// fresh server process, holding the two templates, [`READ_POOL`] COMPLETED interviews and
/// the scenario's own targets.
pub async fn run(
    backend: Backend,
    pg: Option<&PgServer>,
    plan: &Plan,
    results: &mut Results,
) -> anyhow::Result<()> {
    for (n, scenario) in ordered(&plan.scenarios).into_iter().enumerate() {
        eprintln!("  {} / {}", backend.name(), scenario.name());
        let mut setup = Setup::new(backend, pg, plan.event_fanout).await?;
        if n == 0 {
            if let Some(kib) = setup.server.process().rss_kib() {
                results
                    .idle_server_rss_mib
                    .push((backend.name(), crate::memory::mib(kib)));
            }
            results.settings["recordingBytes"] = serde_json::json!(setup.seeder.recording_bytes());
            check_copy(&mut setup, results).await?;
        }
        run_scenario(&mut setup, scenario, plan, results).await?;
        setup.teardown().await?;
    }
    Ok(())
}

/// The cells of one scenario, at each concurrency: HTTP and raw.
async fn run_scenario(
    setup: &mut Setup,
    scenario: Scenario,
    plan: &Plan,
    results: &mut Results,
) -> anyhow::Result<()> {
    let what = format!("{}: read pool (COMPLETED copies)", scenario.name());
    let pool = setup.seed(results, &what, true, READ_POOL, false).await?;
    let mut source = if scenario.consumes_targets() {
        let per_cell = plan.budget.ops_needed();
        // HTTP and raw, and for a removal the minimal erasure.
        let kinds = if scenario.is_removal() { 3 } else { 2 };
        let cells = plan.clients.len() as u64 * kinds;
        let what = format!("{} targets", scenario.name());
        let completed = !scenario.needs_scheduled();
        let targets = setup
            .seed(results, &what, completed, per_cell * cells, false)
            .await?;
        TargetSource::Consumed(
            targets
                .chunks(per_cell as usize)
                .map(<[_]>::to_vec)
                .collect(),
        )
    } else {
        TargetSource::Reused(pool)
    };
    for &clients in &plan.clients {
        measure(setup, scenario, clients, plan, &mut source, results).await?;
    }
    if matches!(scenario, Scenario::Delete | Scenario::AlpharunRemove) {
        let plans = crate::plans::read(&setup.pool, setup.backend.name(), scenario.name());
        results.plans.extend(plans.await?);
        results.checks.push(blob_worker(setup, scenario).await?);
    }
    Ok(())
}

/// Where each cell's targets come from.
enum TargetSource {
    /// A batch per cell, used up by it (in the order the cells run).
    Consumed(Vec<Vec<Seeded>>),
    /// The same interviews for every cell, round-robin.
    Reused(Vec<Seeded>),
}

impl TargetSource {
    fn next(&mut self) -> Arc<Targets> {
        match self {
            TargetSource::Consumed(batches) => {
                let batch = if batches.is_empty() {
                    Vec::new()
                } else {
                    batches.remove(0)
                };
                Targets::new(batch, false)
            }
            TargetSource::Reused(pool) => Targets::new(pool.clone(), true),
        }
    }
}

/// The cells of one scenario at one concurrency: HTTP (with the row-count checks) and raw
/// (profiled), and for a removal the minimal erasure.
///
/// A removal's three cells take turns: each runs `plan.turns` times with that share of the
/// budget, in a rotated order (HTTP, raw, minimal; then raw, minimal, HTTP; …), so that a
/// slow spell of the machine — the minimal erasure waits on the disk's flush, whose time
/// varies from second to second — falls on all three rather than on one. The HTTP share of
/// the minimal erasure is then judged by the median of the turns' shares.
async fn measure(
    setup: &Setup,
    scenario: Scenario,
    clients: usize,
    plan: &Plan,
    source: &mut TargetSource,
    results: &mut Results,
) -> anyhow::Result<()> {
    let backend = setup.backend;
    let ctx = Arc::new(RawCtx::new(&setup.tenant));
    let api = Api::new(&setup.server.base, &setup.tenant.key)?;
    let profile = Arc::new(Profile::default());
    let mut ops = vec![
        (
            http_op(scenario, api, &setup.tenant, source.next()),
            setup.server.process(),
        ),
        (
            raw_op(
                scenario,
                &setup.pool,
                ctx.clone(),
                source.next(),
                Some(profile.clone()),
            ),
            Process::This,
        ),
    ];
    if scenario.is_removal() {
        ops.push((minimal_op(&setup.pool, ctx, source.next()), Process::This));
    }
    let turns = if scenario.is_removal() {
        plan.turns.max(1)
    } else {
        1
    };
    let share = Budget {
        max_ops: (plan.budget.max_ops / turns as u64).max(1),
        max_time: plan.budget.max_time / u32::try_from(turns)?,
        warmup: 0,
    };
    // The HTTP cell's row counts are taken around its warm-up and each of its turns.
    let mut changed = Watch {
        setup,
        scenario,
        changed: vec![0_i64; Counts::watched(scenario).len()],
    };
    let mut cells: Vec<Turns> = Vec::with_capacity(ops.len());
    for (i, (op, _)) in ops.iter().enumerate() {
        let warmup_ok = changed
            .around(i == 0, warm_up(clients, &plan.budget, op))
            .await?;
        cells.push(Turns::after_warm_up(warmup_ok));
    }
    for turn in 0..turns {
        for k in 0..ops.len() {
            let i = (k + turn) % ops.len();
            let (op, process) = &ops[i];
            let measured = changed
                .around(i == 0, measure_turn(clients, &share, op, *process))
                .await?;
            cells[i].add(measured);
        }
    }
    let mut cells = cells.into_iter();
    let (Some(http), Some(raw)) = (cells.next(), cells.next()) else {
        anyhow::bail!("a scenario measured without its HTTP and raw cells");
    };
    let minimal = cells.next();
    let http_turns = http.throughputs.clone();
    let (http, raw) = (http.finish(), raw.finish());
    let ok = i64::try_from(http.summary.ok + http.warmup_ok)?;
    results.checks.extend(Counts::verify_change(
        &changed.changed,
        scenario,
        ok,
        backend,
        clients,
    ));
    results.profiles.push(ProfileResult {
        backend: backend.name(),
        scenario: scenario.name(),
        clients,
        statements: profile.shares(raw.summary.ok + raw.warmup_ok),
    });
    let mut cell = ScenarioCell::new(
        backend.name(),
        scenario.name(),
        clients,
        Cell::from(http),
        Cell::from(raw),
    );
    if let Some(minimal) = minimal {
        let shares: Vec<f64> = http_turns
            .iter()
            .zip(&minimal.throughputs)
            .filter_map(|(h, m)| crate::stats::ratio(*h, *m))
            .collect();
        cell = cell.with_minimal(Cell::from(minimal.finish()), shares);
    }
    results.scenarios.push(cell);
    Ok(())
}

/// The change of a scenario's watched counts over the stretches of work it is asked to watch
/// (the HTTP cell's), leaving out what other cells change in between.
struct Watch<'a> {
    setup: &'a Setup,
    scenario: Scenario,
    changed: Vec<i64>,
}

impl Watch<'_> {
    /// Runs `work`, adding the change of the counts during it when `watched`.
    async fn around<T>(
        &mut self,
        watched: bool,
        work: impl std::future::Future<Output = T>,
    ) -> anyhow::Result<T> {
        if !watched {
            return Ok(work.await);
        }
        let before = Counts::take(&self.setup.pool, self.scenario).await?;
        let out = work.await;
        Counts::take(&self.setup.pool, self.scenario)
            .await?
            .add_change(&before, &mut self.changed);
        Ok(out)
    }
}

/// Checks that a copy reads back through the API exactly like its template: the same fields
/// everywhere, the same transcript and analysis.
async fn check_copy(setup: &mut Setup, results: &mut Results) -> anyhow::Result<()> {
    let spec = CloneSpec {
        template: &setup.templates.completed,
        count: 1,
        light: false,
        read_back: true,
        spread_jobs: None,
    };
    let copy = setup.seeder.clone(&spec).await?;
    let copy = copy
        .first()
        .ok_or_else(|| anyhow::anyhow!("no copy made"))?;
    let api = Api::new(&setup.server.base, &setup.tenant.key)?;
    let get = |id: String| {
        let api = api.clone();
        async move {
            api.call(
                reqwest::Method::GET,
                &format!("/v1/interviews/{id}"),
                None,
                200,
            )
            .await
        }
    };
    let original = get(setup.templates.completed.interview.to_string()).await?;
    let copied = get(copy.interview.clone()).await?;
    let same_shape = shape(&original) == shape(&copied);
    let same_content = original["transcript"] == copied["transcript"]
        && original["analysis"]["score"] == copied["analysis"]["score"]
        && original["analysis"]["criteria"] == copied["analysis"]["criteria"]
        && original["status"] == copied["status"];
    results.checks.push(Check {
        backend: setup.backend.name(),
        what: format!(
            "a copy reads back like its template (same fields, {TRANSCRIPT_TURNS} fragments, analysis)"
        ),
        expected: 1,
        found: i64::from(same_shape && same_content),
        ok: same_shape && same_content,
    });
    Ok(())
}

/// Every JSON pointer of a document, with array elements collapsed (`/transcript/*/text`).
fn shape(value: &serde_json::Value) -> std::collections::BTreeSet<String> {
    fn walk(v: &serde_json::Value, path: String, out: &mut std::collections::BTreeSet<String>) {
        match v {
            serde_json::Value::Object(map) => {
                for (k, v) in map {
                    walk(v, format!("{path}/{k}"), out);
                }
            }
            serde_json::Value::Array(items) => {
                for v in items {
                    walk(v, format!("{path}/*"), out);
                }
            }
            _ => {
                out.insert(path);
            }
        }
    }
    let mut out = std::collections::BTreeSet::new();
    walk(value, String::new(), &mut out);
    out
}

/// Row counts a scenario's operations change.
struct Counts(Vec<(&'static str, i64)>);

impl Counts {
    /// The tables (and filters) `scenario` changes, with the change one operation makes.
    fn watched(scenario: Scenario) -> &'static [(&'static str, i64)] {
        match scenario {
            Scenario::Get => &[],
            Scenario::Create => &[("interviews", 1), ("call_attempts", 1)],
            Scenario::Delete => &[
                ("interviews", -1),
                ("call_attempts", -1),
                ("transcript_turns", -(TRANSCRIPT_TURNS as i64)),
                ("analyses", -1),
                ("blob_deletions", 1),
                ("audit_log", 1),
            ],
            Scenario::AlpharunRemove => &[
                ("interviews", -1),
                ("call_attempts", -1),
                ("transcript_turns", -(TRANSCRIPT_TURNS as i64)),
                ("analyses", -1),
                ("candidate_jobs", -1),
                ("blob_deletions", 1),
                ("audit_log", 1),
            ],
            Scenario::XobinRevoke => &[
                ("interviews WHERE status = 'CANCELED'", 1),
                ("call_attempts WHERE reason_code = 'REVOKED'", 1),
                ("mail_queue WHERE kind = 'REVOCATION'", 1),
                ("audit_log", 1),
            ],
        }
    }

    async fn take(pool: &RawPool, scenario: Scenario) -> anyhow::Result<Self> {
        let mut counts = Vec::new();
        for (table, _) in Self::watched(scenario) {
            counts.push((*table, pool.count(table).await?));
        }
        Ok(Self(counts))
    }

    /// Adds the change of each watched count since `before` to `changed`.
    fn add_change(&self, before: &Counts, changed: &mut [i64]) {
        for (sum, ((_, after), (_, before))) in changed.iter_mut().zip(self.0.iter().zip(&before.0))
        {
            *sum += after - before;
        }
    }

    /// One check per watched count: it changed by `ops` times the change of one operation.
    fn verify_change(
        changed: &[i64],
        scenario: Scenario,
        ops: i64,
        backend: Backend,
        clients: usize,
    ) -> Vec<Check> {
        Self::watched(scenario)
            .iter()
            .zip(changed)
            .map(|((table, per_op), &found)| Check {
                backend: backend.name(),
                what: format!(
                    "{} over HTTP, {clients} clients: change of `{table}` = {per_op} x successful ops",
                    scenario.name()
                ),
                expected: per_op * ops,
                found,
                ok: found == per_op * ops,
            })
            .collect()
    }
}

/// Runs the blob-deletion worker for up to three seconds and checks that every deletion it
/// completed removed its recording file: the files gone equal the queue rows gone.
async fn blob_worker(setup: &Setup, scenario: Scenario) -> anyhow::Result<Check> {
    let files = || count_files(&setup.db.data_dir.join("recordings"));
    let (rows_before, files_before) = (setup.pool.count("blob_deletions").await?, files());
    let workers = setup.server.engine_workers()?;
    let deadline = Instant::now() + Duration::from_secs(3);
    while Instant::now() < deadline && setup.pool.count("blob_deletions").await? > 0 {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    workers.stop().await;
    let rows_done = rows_before - setup.pool.count("blob_deletions").await?;
    let files_gone = i64::try_from(files_before.saturating_sub(files()))?;
    Ok(Check {
        backend: setup.backend.name(),
        what: format!(
            "after {}: recording files the blob worker deleted = queue rows it completed (3 s run)",
            scenario.name()
        ),
        expected: rows_done,
        found: files_gone,
        ok: rows_done > 0 && rows_done == files_gone,
    })
}

/// Files under `dir`, recursively.
fn count_files(dir: &std::path::Path) -> usize {
    std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .map(|entry| match entry.file_type() {
            Ok(t) if t.is_dir() => count_files(&entry.path()),
            Ok(_) => 1,
            Err(_) => 0,
        })
        .sum()
}
