//! The results of a run: everything measured, the machine, and the targets of issue #8
//! judged against the numbers. Written as JSON (`results.json`, every number) and as
//! markdown tables (`results.md`, what `BENCHMARKS.md` quotes).

use crate::machine::Machine;
use crate::memory;
use crate::plans::PlanResult;
use crate::raw::StatementShare;
use crate::runner::CellRun;
use crate::stats::{Summary, median, ratio};
use serde::Serialize;
use std::fmt::Write as _;
use std::path::Path;

/// One measured cell as reported.
#[derive(Clone, Debug, Serialize)]
pub struct Cell {
    #[serde(flatten)]
    pub summary: Summary,
    /// Peak resident set during the cell, MiB: of the server process for HTTP cells and of
    /// the engine process for the drain; of the benchmark process (clients, raw pool) for raw
    /// cells.
    pub peak_mib: Option<f64>,
}

impl From<CellRun> for Cell {
    fn from(run: CellRun) -> Self {
        Self {
            summary: run.summary,
            peak_mib: run.peak_kib.map(memory::mib),
        }
    }
}

/// A scenario at one concurrency: over HTTP and as raw SQL.
#[derive(Clone, Debug, Serialize)]
pub struct ScenarioCell {
    pub backend: &'static str,
    pub scenario: &'static str,
    pub clients: usize,
    pub http: Cell,
    pub raw: Cell,
    /// HTTP throughput / raw throughput.
    pub ratio: Option<f64>,
    /// The removals' second baseline: the fewest statements that erase one interview
    /// (`raw/minimal.rs`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub minimal: Option<Cell>,
    /// HTTP throughput / minimal-erasure throughput: the median of the turns' shares when
    /// the cells took turns, else of the whole cells.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub minimal_ratio: Option<f64>,
    /// Each turn's HTTP throughput / minimal-erasure throughput, in the order they ran.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub minimal_ratio_turns: Vec<f64>,
}

impl ScenarioCell {
    pub fn new(
        backend: &'static str,
        scenario: &'static str,
        clients: usize,
        http: Cell,
        raw: Cell,
    ) -> Self {
        let ratio = ratio(http.summary.throughput, raw.summary.throughput).map(round3);
        Self {
            backend,
            scenario,
            clients,
            http,
            raw,
            ratio,
            minimal: None,
            minimal_ratio: None,
            minimal_ratio_turns: Vec::new(),
        }
    }

    /// The HTTP p99 over the raw baseline's p99, when both were measured.
    pub fn p99_over_raw(&self) -> Option<f64> {
        match (self.http.summary.p99_ms, self.raw.summary.p99_ms) {
            (Some(h), Some(r)) if r > 0.0 => Some(h / r),
            _ => None,
        }
    }

    /// With the minimal-erasure cell of a removal, and the HTTP share of it in each turn the
    /// two took (none when they ran once each).
    pub fn with_minimal(mut self, minimal: Cell, turns: Vec<f64>) -> Self {
        self.minimal_ratio = match median(&turns) {
            Some(m) => Some(round3(m)),
            None => ratio(self.http.summary.throughput, minimal.summary.throughput).map(round3),
        };
        self.minimal_ratio_turns = turns.into_iter().map(round3).collect();
        self.minimal = Some(minimal);
        self
    }
}

/// Where the raw baseline's time goes, per statement (every raw cell is profiled; the tables
/// show one client).
#[derive(Clone, Debug, Serialize)]
pub struct ProfileResult {
    pub backend: &'static str,
    pub scenario: &'static str,
    pub clients: usize,
    pub statements: Vec<StatementShare>,
}

/// How long a seeding took.
#[derive(Clone, Debug, Serialize)]
pub struct SeedTime {
    pub backend: &'static str,
    pub what: String,
    pub interviews: u64,
    pub seconds: f64,
}

/// A check that the operations did what they claim (rows gone, files deleted, …).
#[derive(Clone, Debug, Serialize)]
pub struct Check {
    pub backend: &'static str,
    pub what: String,
    pub expected: i64,
    pub found: i64,
    pub ok: bool,
}

/// Removal latency with a given number of interviews in the database.
#[derive(Clone, Debug, Serialize)]
pub struct GrowthCell {
    pub backend: &'static str,
    /// Interviews in the database when the cell ran.
    pub interviews: u64,
    pub scenario: &'static str,
    /// `http` or `raw`.
    pub mode: &'static str,
    pub clients: usize,
    pub cell: Cell,
}

/// The engine's drain at one live-call limit.
#[derive(Clone, Debug, Serialize)]
pub struct DrainResult {
    pub backend: &'static str,
    /// `engine_max_live_calls`: the calls the process holds at once.
    pub live_calls: usize,
    pub interviews: u64,
    pub companies: u64,
    pub limit_per_company: u64,
    /// Interviews COMPLETED per second, and the latency of each from claim to COMPLETED.
    pub engine: Cell,
    /// The engine's per-interview statements run directly by as many workers.
    pub raw: Cell,
    pub ratio: Option<f64>,
    /// The highest number of held slots seen for one company, and samples above a limit.
    pub max_in_use: i64,
    pub violations: u64,
}

/// One target of the issue, judged.
#[derive(Clone, Debug, Serialize)]
pub struct TargetResult {
    pub target: &'static str,
    pub backend: &'static str,
    pub measured: String,
    pub met: bool,
}

/// Everything a run produced.
#[derive(Debug, Default, Serialize)]
pub struct Results {
    pub date: String,
    pub command: String,
    pub machine: Machine,
    pub settings: serde_json::Value,
    /// Resident set of each backend's server process once started, before any request, MiB.
    pub idle_server_rss_mib: Vec<(&'static str, f64)>,
    pub wall_seconds: f64,
    pub scenarios: Vec<ScenarioCell>,
    pub profiles: Vec<ProfileResult>,
    pub plans: Vec<PlanResult>,
    pub growth: Vec<GrowthCell>,
    pub drain: Vec<DrainResult>,
    pub seeding: Vec<SeedTime>,
    pub checks: Vec<Check>,
    pub targets: Vec<TargetResult>,
}

fn round3(v: f64) -> f64 {
    (v * 1000.0).round() / 1000.0
}

impl Results {
    /// Judges the targets: the delete at ≥ 50% of the raw rate (every concurrency),
    /// p99 under 10 ms at 16 clients on SQLite (every scenario), and peak memory under
    /// 150 MB in every cell under load.
    pub fn judge(&mut self) {
        let mut targets = Vec::new();
        for backend in ["sqlite", "postgres"] {
            let deletes: Vec<&ScenarioCell> = self
                .scenarios
                .iter()
                .filter(|c| c.backend == backend && c.scenario == "delete")
                .collect();
            if !deletes.is_empty() {
                let worst = deletes
                    .iter()
                    .filter_map(|c| c.ratio.map(|r| (c.clients, r)))
                    .min_by(|a, b| a.1.total_cmp(&b.1));
                targets.push(TargetResult {
                    target: "delete at >= 50% of the raw-SQL rate",
                    backend,
                    measured: deletes
                        .iter()
                        .map(|c| format!("{} clients: {}", c.clients, pct(c.ratio)))
                        .collect::<Vec<_>>()
                        .join(", "),
                    met: worst.is_some_and(|(_, r)| r >= 0.5),
                });
            }
            // The server's (or the engine's) process in every cell under load.
            let peak = self
                .scenarios
                .iter()
                .filter(|c| c.backend == backend)
                .map(|c| c.http.peak_mib)
                .chain(
                    self.growth
                        .iter()
                        .filter(|g| g.backend == backend && g.mode == "http")
                        .map(|g| g.cell.peak_mib),
                )
                .chain(
                    self.drain
                        .iter()
                        .filter(|d| d.backend == backend)
                        .map(|d| d.engine.peak_mib),
                )
                .flatten()
                .fold(None, |m: Option<f64>, v| Some(m.map_or(v, |m| m.max(v))));
            if let Some(peak) = peak {
                targets.push(TargetResult {
                    target: "peak memory < 150 MB under load",
                    backend,
                    measured: format!("{peak:.1} MiB (server process, highest cell)"),
                    met: peak * 1.048_576 < 150.0,
                });
            }
        }
        for backend in ["sqlite", "postgres"] {
            let removals: Vec<&ScenarioCell> = self
                .scenarios
                .iter()
                .filter(|c| c.backend == backend && c.clients == 16 && c.minimal.is_some())
                .collect();
            if !removals.is_empty() {
                targets.push(TargetResult {
                    target: "removals at >= 60% of the minimal-erasure rate, 16 clients",
                    backend,
                    measured: removals
                        .iter()
                        .map(|c| format!("{}: {}{}", c.scenario, pct(c.minimal_ratio), turns(c)))
                        .collect::<Vec<_>>()
                        .join(", "),
                    met: removals
                        .iter()
                        .all(|c| c.minimal_ratio.is_some_and(|r| r >= 0.6)),
                });
            }
        }
        let at16: Vec<&ScenarioCell> = self
            .scenarios
            .iter()
            .filter(|c| c.backend == "sqlite" && c.clients == 16)
            .collect();
        let removals16: Vec<&&ScenarioCell> = at16.iter().filter(|c| c.minimal.is_some()).collect();
        if !removals16.is_empty() {
            targets.push(TargetResult {
                target: "removal p99 <= 1.5x the raw baseline's p99, 16 clients on SQLite",
                backend: "sqlite",
                measured: removals16
                    .iter()
                    .map(|c| {
                        let x = c.p99_over_raw().map_or("–".into(), |x| format!("{x:.2}x"));
                        format!("{}: {x}", c.scenario)
                    })
                    .collect::<Vec<_>>()
                    .join(", "),
                met: removals16
                    .iter()
                    .all(|c| c.p99_over_raw().is_some_and(|x| x <= 1.5)),
            });
        }
        if !at16.is_empty() {
            targets.push(TargetResult {
                target: "p99 < 10 ms at 16 clients on SQLite",
                backend: "sqlite",
                measured: at16
                    .iter()
                    .map(|c| format!("{}: {}", c.scenario, opt_ms(c.http.summary.p99_ms)))
                    .collect::<Vec<_>>()
                    .join(", "),
                met: at16
                    .iter()
                    .all(|c| c.http.summary.p99_ms.is_some_and(|p| p < 10.0)),
            });
        }
        self.targets = targets;
    }

    /// Writes `results.json` and `results.md` into `dir`.
    pub fn write(&self, dir: &Path) -> anyhow::Result<()> {
        std::fs::create_dir_all(dir)?;
        std::fs::write(
            dir.join("results.json"),
            serde_json::to_string_pretty(self)?,
        )?;
        std::fs::write(dir.join("results.md"), self.markdown())?;
        Ok(())
    }

    /// The tables.
    pub fn markdown(&self) -> String {
        let mut out = String::new();
        let m = &self.machine;
        let _ = writeln!(out, "# interviewd benchmark results ({})\n", self.date);
        let _ = writeln!(
            out,
            "Command: `{}`; wall time {:.0} s.\n",
            self.command, self.wall_seconds
        );
        let _ = writeln!(
            out,
            "Machine: {} ({} CPUs), {} MiB RAM, Linux {}, {}; {}; {}; {}. PostgreSQL: {}. Processes under {}.\n",
            m.cpu_model,
            m.cpus,
            m.memory_mib,
            m.kernel,
            m.os,
            m.rustc,
            m.sqlite,
            m.postgres,
            m.postgres_server,
            m.scheduling
        );
        for (backend, idle) in &self.idle_server_rss_mib {
            let _ = writeln!(
                out,
                "Idle resident set of the {backend} server process before the first request: {idle:.1} MiB.\n"
            );
        }
        self.scenario_tables(&mut out);
        self.profile_tables(&mut out);
        self.plan_table(&mut out);
        self.growth_table(&mut out);
        self.drain_table(&mut out);
        self.seeding_table(&mut out);
        self.check_table(&mut out);
        self.target_table(&mut out);
        out
    }

    fn scenario_tables(&self, out: &mut String) {
        if self.scenarios.is_empty() {
            return;
        }
        self.minimal_table(out);
        let _ = writeln!(out, "## Scenarios: HTTP against the raw-SQL baseline\n");
        let _ = writeln!(
            out,
            "| backend | scenario | clients | HTTP ops/s | p50 ms | p99 ms | raw ops/s | raw p50 ms | raw p99 ms | HTTP/raw | server peak MiB | errors |"
        );
        let _ = writeln!(
            out,
            "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|"
        );
        for c in &self.scenarios {
            let (h, r) = (&c.http.summary, &c.raw.summary);
            let _ = writeln!(
                out,
                "| {} | {} | {} | {:.0} | {} | {} | {:.0} | {} | {} | {} | {} | {} |",
                c.backend,
                c.scenario,
                c.clients,
                h.throughput,
                opt_ms(h.p50_ms),
                opt_ms(h.p99_ms),
                r.throughput,
                opt_ms(r.p50_ms),
                opt_ms(r.p99_ms),
                pct(c.ratio),
                opt_mib(c.http.peak_mib),
                errors(h, r),
            );
        }
        out.push('\n');
    }

    /// The removals against the minimal erasure (`raw/minimal.rs`).
    fn minimal_table(&self, out: &mut String) {
        let cells: Vec<&ScenarioCell> = self
            .scenarios
            .iter()
            .filter(|c| c.minimal.is_some())
            .collect();
        if cells.is_empty() {
            return;
        }
        let _ = writeln!(
            out,
            "## Removals against the minimal erasure\n\n\
             The minimal erasure: recordings queued, the interview's row deleted (the rest \
             cascades), an audit row, one transaction; no authentication, no read. The three \
             cells of a removal take turns (`--turns`); HTTP/minimal is the median of the \
             turns' shares, listed after it when there were several.\n"
        );
        let _ = writeln!(
            out,
            "| backend | scenario | clients | HTTP ops/s | HTTP p99 ms | raw ops/s | raw p99 ms | minimal ops/s | minimal p99 ms | HTTP/minimal (turns) | HTTP p99 / raw p99 |"
        );
        let _ = writeln!(out, "|---|---|---:|---:|---:|---:|---:|---:|---:|---|---:|");
        for c in cells {
            let (h, r) = (&c.http.summary, &c.raw.summary);
            let Some(m) = c.minimal.as_ref().map(|m| &m.summary) else {
                continue;
            };
            let times = c.p99_over_raw().map_or("–".into(), |x| format!("{x:.2}x"));
            let _ = writeln!(
                out,
                "| {} | {} | {} | {:.0} | {} | {:.0} | {} | {:.0} | {} | {}{} | {} |",
                c.backend,
                c.scenario,
                c.clients,
                h.throughput,
                opt_ms(h.p99_ms),
                r.throughput,
                opt_ms(r.p99_ms),
                m.throughput,
                opt_ms(m.p99_ms),
                pct(c.minimal_ratio),
                turns(c),
                times,
            );
        }
        out.push('\n');
    }

    fn profile_tables(&self, out: &mut String) {
        if self.profiles.is_empty() {
            return;
        }
        let _ = writeln!(out, "## Where the raw baseline's time goes (1 client)\n");
        for p in self.profiles.iter().filter(|p| p.clients == 1) {
            let _ = writeln!(out, "**{} / {}**\n", p.backend, p.scenario);
            let _ = writeln!(out, "| statement | per op | mean ms | share |");
            let _ = writeln!(out, "|---|---:|---:|---:|");
            for s in &p.statements {
                let _ = writeln!(
                    out,
                    "| `{}` | {} | {:.3} | {:.1}% |",
                    s.statement, s.per_op, s.mean_ms, s.share_pct
                );
            }
            out.push('\n');
        }
    }

    fn plan_table(&self, out: &mut String) {
        if self.plans.is_empty() {
            return;
        }
        let _ = writeln!(
            out,
            "## Plans of the deletion path's per-interview statements (after the cells)\n"
        );
        let _ = writeln!(out, "| backend | after | statement | plan |");
        let _ = writeln!(out, "|---|---|---|---|");
        for p in &self.plans {
            let _ = writeln!(
                out,
                "| {} | {} | `{}` | {} |",
                p.backend,
                p.scenario,
                p.statement,
                p.plan.replace('|', "/")
            );
        }
        out.push('\n');
    }

    fn growth_table(&self, out: &mut String) {
        if self.growth.is_empty() {
            return;
        }
        let _ = writeln!(out, "## Growth: removal latency by table size\n");
        let _ = writeln!(
            out,
            "| backend | interviews | scenario | mode | clients | ops/s | p50 ms | p99 ms | server peak MiB | errors |"
        );
        let _ = writeln!(out, "|---|---:|---|---|---:|---:|---:|---:|---:|---|");
        for g in &self.growth {
            let s = &g.cell.summary;
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} | {} | {:.0} | {} | {} | {} | {} |",
                g.backend,
                g.interviews,
                g.scenario,
                g.mode,
                g.clients,
                s.throughput,
                opt_ms(s.p50_ms),
                opt_ms(s.p99_ms),
                // A raw cell's peak is this process's, not a server's.
                if g.mode == "http" {
                    opt_mib(g.cell.peak_mib)
                } else {
                    "-".into()
                },
                if s.flagged() {
                    format!("**{}**", s.errors)
                } else {
                    "0".into()
                },
            );
        }
        out.push('\n');
    }

    fn drain_table(&self, out: &mut String) {
        if self.drain.is_empty() {
            return;
        }
        let _ = writeln!(out, "## Engine drain\n");
        let _ = writeln!(
            out,
            "| backend | live calls | interviews | completed/s | p50 ms | p99 ms | raw/s | raw p50 ms | raw p99 ms | engine/raw | max in use (limit) | above limit | engine peak MiB |"
        );
        let _ = writeln!(
            out,
            "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
        );
        for d in &self.drain {
            let s = &d.engine.summary;
            let _ = writeln!(
                out,
                "| {} | {} | {} | {:.0} | {} | {} | {:.0} | {} | {} | {} | {} ({}) | {} | {} |",
                d.backend,
                d.live_calls,
                s.ok,
                s.throughput,
                opt_ms(s.p50_ms),
                opt_ms(s.p99_ms),
                d.raw.summary.throughput,
                opt_ms(d.raw.summary.p50_ms),
                opt_ms(d.raw.summary.p99_ms),
                pct(d.ratio),
                d.max_in_use,
                d.limit_per_company,
                d.violations,
                opt_mib(d.engine.peak_mib),
            );
        }
        out.push('\n');
    }

    fn seeding_table(&self, out: &mut String) {
        if self.seeding.is_empty() {
            return;
        }
        let _ = writeln!(out, "## Seeding\n");
        let _ = writeln!(out, "| backend | what | interviews | seconds |");
        let _ = writeln!(out, "|---|---|---:|---:|");
        for s in &self.seeding {
            let _ = writeln!(
                out,
                "| {} | {} | {} | {:.1} |",
                s.backend, s.what, s.interviews, s.seconds
            );
        }
        out.push('\n');
    }

    fn check_table(&self, out: &mut String) {
        if self.checks.is_empty() {
            return;
        }
        let _ = writeln!(out, "## Checks\n");
        let _ = writeln!(out, "| backend | what | expected | found | ok |");
        let _ = writeln!(out, "|---|---|---:|---:|---|");
        for c in &self.checks {
            let ok = if c.ok { "yes" } else { "**NO**" };
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} | {ok} |",
                c.backend, c.what, c.expected, c.found
            );
        }
        out.push('\n');
    }

    fn target_table(&self, out: &mut String) {
        if self.targets.is_empty() {
            return;
        }
        let _ = writeln!(out, "## Targets\n");
        let _ = writeln!(out, "| target | backend | measured | met |");
        let _ = writeln!(out, "|---|---|---|---|");
        for t in &self.targets {
            let met = if t.met { "met" } else { "**missed**" };
            let _ = writeln!(
                out,
                "| {} | {} | {} | {met} |",
                t.target, t.backend, t.measured
            );
        }
        out.push('\n');
    }
}

fn opt_ms(v: Option<f64>) -> String {
    v.map_or("-".into(), |v| format!("{v:.2}"))
}

fn opt_mib(v: Option<f64>) -> String {
    v.map_or("-".into(), |v| format!("{v:.1}"))
}

/// A removal's HTTP share of the minimal erasure in each turn, as ` (41%, 45%, 39%)`; empty
/// when its cells ran once each.
fn turns(c: &ScenarioCell) -> String {
    if c.minimal_ratio_turns.len() < 2 {
        return String::new();
    }
    let shares: Vec<String> = c
        .minimal_ratio_turns
        .iter()
        .map(|&r| pct(Some(r)))
        .collect();
    format!(" ({})", shares.join(", "))
}

fn pct(v: Option<f64>) -> String {
    v.map_or("-".into(), |v| format!("{:.0}%", v * 100.0))
}

fn errors(http: &Summary, raw: &Summary) -> String {
    if http.flagged() || raw.flagged() {
        format!("**{} / {}**", http.errors, raw.errors)
    } else {
        "0".into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn cell(ops: u64, secs: f64, p99_ms: u64, peak: f64) -> Cell {
        let latencies = vec![Duration::from_millis(p99_ms); ops as usize];
        Cell {
            summary: Summary::new(latencies, 0, Duration::from_secs_f64(secs), vec![]),
            peak_mib: Some(peak),
        }
    }

    #[test]
    fn targets_are_judged_from_the_cells() {
        let mut results = Results::default();
        results.scenarios.push(ScenarioCell::new(
            "sqlite",
            "delete",
            16,
            cell(600, 1.0, 8, 90.0),
            cell(1000, 1.0, 3, 80.0),
        ));
        results.scenarios.push(ScenarioCell::new(
            "sqlite",
            "get",
            16,
            cell(100, 1.0, 12, 100.0),
            cell(100, 1.0, 1, 80.0),
        ));
        results.scenarios.push(ScenarioCell::new(
            "postgres",
            "delete",
            1,
            cell(400, 1.0, 2, 160.0),
            cell(1000, 1.0, 1, 80.0),
        ));
        results.judge();
        let find = |target: &str, backend: &str| {
            results
                .targets
                .iter()
                .find(|t| t.target.starts_with(target) && t.backend == backend)
                .map(|t| t.met)
        };
        assert_eq!(results.scenarios[0].ratio, Some(0.6));
        assert_eq!(find("delete", "sqlite"), Some(true));
        assert_eq!(find("delete", "postgres"), Some(false));
        assert_eq!(find("p99", "sqlite"), Some(false));
        assert_eq!(find("peak", "sqlite"), Some(true));
        assert_eq!(find("peak", "postgres"), Some(false));
        assert!(
            results
                .markdown()
                .contains("| sqlite | delete | 16 | 600 |")
        );
    }

    #[test]
    fn every_table_has_as_many_cells_in_each_row_as_in_its_header() {
        let mut results = Results::default();
        let c = || cell(10, 1.0, 1, 20.0);
        results
            .scenarios
            .push(ScenarioCell::new("sqlite", "delete", 1, c(), c()));
        results.growth.push(GrowthCell {
            backend: "sqlite",
            interviews: 10_000,
            scenario: "delete",
            mode: "raw",
            clients: 1,
            cell: c(),
        });
        results.drain.push(DrainResult {
            backend: "sqlite",
            live_calls: 16,
            interviews: 10,
            companies: 1,
            limit_per_company: 5,
            engine: c(),
            raw: c(),
            ratio: Some(0.5),
            max_in_use: 5,
            violations: 0,
        });
        results.seeding.push(SeedTime {
            backend: "sqlite",
            what: "targets".into(),
            interviews: 10,
            seconds: 0.1,
        });
        results.judge();
        let markdown = results.markdown();
        let mut header: Option<usize> = None;
        for line in markdown.lines() {
            if !line.starts_with('|') {
                header = None;
                continue;
            }
            let cells = line.matches('|').count();
            match header {
                None => header = Some(cells),
                Some(n) => assert_eq!(cells, n, "{line}"),
            }
        }
    }
}
