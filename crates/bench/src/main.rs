//! Benchmarks of interviewd. Not tests: they measure and report numbers.
//!
//! One command runs everything, on SQLite and on PostgreSQL, bounded in time, on loopback:
//!
//! ```sh
//! cargo run --release -p interviewd-bench -- all
//! ```
//!
//! - `http`: the HTTP scenarios (get, create, delete, Alpharun removal, Xobin revoke) at 1,
//!   16 and 64 clients, each against the same SQL statements run directly ([`raw`]);
//! - `growth`: the delete and the Alpharun removal with 10 thousand and 1 million interviews
//!   in the database;
//! - `drain`: the engine draining a queue of due calls at 1, 16 and 64 live calls, against
//!   its statements run directly;
//! - `engine`: the engine burst of `docs/engine.md` (10,000 interviews due at once);
//! - `live` (not part of `all`): live interview sessions over the candidate's WebSocket —
//!   what the server adds to a turn, and 500 voice sessions streaming at once ([`live`]).
//!
//! Results go to `target/bench/results.json` and `results.md` (`--out`), and the tables are
//! printed. See `BENCHMARKS.md` for what each scenario does and the numbers of a full run.

mod client;
mod db;
mod drain;
mod engine;
mod fixtures;
mod growth;
mod live;
mod machine;
mod memory;
mod pg;
mod plans;
mod raw;
mod recording;
mod report;
mod runner;
mod scenarios;
mod sched;
mod seed;
mod server;
mod stats;
mod suite;

use clap::{Args, Parser, Subcommand};
use db::Backend;
use pg::PgServer;
use report::Results;
use runner::Budget;
use scenarios::Scenario;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, Instant};

#[derive(Parser)]
#[command(
    name = "interviewd-bench",
    about = "Benchmarks of interviewd (see BENCHMARKS.md)"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Everything: the HTTP scenarios, growth and the engine drain, on both backends.
    All(Common),
    /// The HTTP scenarios against the raw-SQL baseline.
    Http {
        #[command(flatten)]
        common: Common,
        /// Scenarios to run (default: all).
        #[arg(long, value_enum, value_delimiter = ',')]
        scenario: Vec<Scenario>,
    },
    /// Removal latency with growing tables.
    Growth(Common),
    /// The engine draining due calls at 1, 16 and 64 live calls.
    Drain(Common),
    /// The engine burst: many interviews due at once across many companies.
    Engine {
        #[arg(long, value_enum, default_value = "sqlite")]
        backend: Backend,
        #[arg(long, default_value_t = 100)]
        companies: u64,
        #[arg(long, default_value_t = 100)]
        per_company: u64,
        #[arg(long, default_value_t = 5)]
        limit: u64,
        #[arg(long, default_value_t = 110)]
        timeout_secs: u64,
    },
    /// Live interview sessions: turn latency and many voice sessions at once.
    Live(live::LiveArgs),
    /// A 1 MiB recording fetched through the API from the data directory and from an
    /// S3-compatible store (moto_server), against reading it directly.
    Recording(recording::RecordingArgs),
    /// The server under test, started by the other commands in a process of its own.
    #[command(hide = true)]
    Serve(server::ChildArgs),
    /// The live benchmark's instant language model, in a process of its own.
    #[command(hide = true)]
    MockLlm,
}

/// Options shared by the measuring commands.
#[derive(Args, Clone)]
struct Common {
    /// Backends to run on (default: both).
    #[arg(long, value_enum, value_delimiter = ',')]
    backend: Vec<Backend>,
    /// Concurrent clients (or live calls) per cell.
    #[arg(long, value_delimiter = ',', default_value = "1,16,64")]
    clients: Vec<usize>,
    /// Operations measured per cell at most.
    #[arg(long, default_value_t = 5_000)]
    max_ops: u64,
    /// Seconds after which a cell starts no new operation.
    #[arg(long, default_value_t = 4.0)]
    cell_secs: f64,
    /// Unmeasured operations before each cell.
    #[arg(long, default_value_t = 100)]
    warmup: u64,
    /// Interviews in the database for each growth round.
    #[arg(long, value_delimiter = ',', default_value = "10000,1000000")]
    growth_sizes: Vec<u64>,
    /// Run the server's event fan-out (the webhook workers) during the HTTP cells.
    #[arg(long)]
    event_fanout: bool,
    /// Turns the three cells of a removal (HTTP, raw, minimal erasure) take, each with that
    /// share of the cell's operations and time.
    #[arg(long, default_value_t = 3)]
    turns: usize,
    /// Where results.json and results.md go.
    #[arg(long, default_value = "target/bench")]
    out: PathBuf,
}

impl Common {
    fn backends(&self) -> Vec<Backend> {
        if self.backend.is_empty() {
            vec![Backend::Sqlite, Backend::Postgres]
        } else {
            self.backend.clone()
        }
    }

    fn budget(&self) -> Budget {
        Budget {
            max_ops: self.max_ops,
            max_time: Duration::from_secs_f64(self.cell_secs),
            warmup: self.warmup,
        }
    }

    /// Growth cells are smaller: ten latencies a size are enough to see a trend, and each
    /// size needs its targets seeded.
    fn growth_plan(&self) -> growth::Plan {
        growth::Plan {
            sizes: self.growth_sizes.clone(),
            clients: vec![1, 16],
            budget: Budget {
                max_ops: (self.max_ops / 3).max(1),
                max_time: Duration::from_secs_f64(self.cell_secs * 2.0 / 3.0),
                warmup: self.warmup / 2,
            },
            event_fanout: self.event_fanout,
        }
    }
}

/// Which parts a run includes.
struct Parts {
    http: Option<Vec<Scenario>>,
    growth: bool,
    drain: bool,
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    server::init_logging();
    let outcome = match cli.command {
        Command::Serve(args) => server::child_main(args).await.map(|()| ExitCode::SUCCESS),
        Command::MockLlm => live::mock::child_main().await.map(|()| ExitCode::SUCCESS),
        Command::Live(args) => live::run(&args).await,
        Command::Recording(args) => recording::run(&args).await,
        Command::All(common) => {
            let parts = Parts {
                http: Some(Scenario::ALL.to_vec()),
                growth: true,
                drain: true,
            };
            measure(&common, &parts).await
        }
        Command::Http { common, scenario } => {
            let scenarios = if scenario.is_empty() {
                Scenario::ALL.to_vec()
            } else {
                scenario
            };
            let parts = Parts {
                http: Some(scenarios),
                growth: false,
                drain: false,
            };
            measure(&common, &parts).await
        }
        Command::Growth(common) => {
            let parts = Parts {
                http: None,
                growth: true,
                drain: false,
            };
            measure(&common, &parts).await
        }
        Command::Drain(common) => {
            let parts = Parts {
                http: None,
                growth: false,
                drain: true,
            };
            measure(&common, &parts).await
        }
        Command::Engine {
            backend,
            companies,
            per_company,
            limit,
            timeout_secs,
        } => {
            let params = engine::Params {
                companies,
                per_company,
                limit,
                timeout_secs,
            };
            burst(backend, &params).await
        }
    };
    match outcome {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

/// Runs the chosen parts on the chosen backends, writes and prints the results.
async fn measure(common: &Common, parts: &Parts) -> anyhow::Result<ExitCode> {
    let started = Instant::now();
    let mut results = Results {
        date: chrono::Utc::now().format("%Y-%m-%d %H:%M UTC").to_string(),
        command: std::env::args().skip(1).collect::<Vec<_>>().join(" "),
        machine: machine::Machine::probe(),
        settings: settings(common),
        ..Results::default()
    };
    let backends = common.backends();
    let pg = if backends.contains(&Backend::Postgres) {
        eprintln!("starting PostgreSQL …");
        let pg = PgServer::start().await?;
        let (version, settings) = pg.describe().await?;
        results.machine.postgres = version;
        results.machine.postgres_settings = settings;
        results.machine.postgres_server = pg.description().to_owned();
        Some(pg)
    } else {
        None
    };
    results.machine.sqlite = sqlite_version().await?;
    for backend in backends {
        if let Some(scenarios) = &parts.http {
            eprintln!("{}: HTTP scenarios", backend.name());
            let plan = suite::Plan {
                scenarios: scenarios.clone(),
                clients: common.clients.clone(),
                budget: common.budget(),
                event_fanout: common.event_fanout,
                turns: common.turns,
            };
            suite::run(backend, pg.as_ref(), &plan, &mut results).await?;
        }
        if parts.drain {
            eprintln!("{}: engine drain", backend.name());
            let plan = drain::Plan {
                live_calls: common.clients.clone(),
                budget: common.budget(),
            };
            drain::run(backend, pg.as_ref(), &plan, &mut results).await?;
        }
        if parts.growth {
            eprintln!("{}: growth", backend.name());
            growth::run(backend, pg.as_ref(), &common.growth_plan(), &mut results).await?;
        }
    }
    results.wall_seconds = started.elapsed().as_secs_f64();
    results.judge();
    results.write(&common.out)?;
    println!("{}", results.markdown());
    eprintln!(
        "wrote {} and {} ({:.0} s)",
        common.out.join("results.json").display(),
        common.out.join("results.md").display(),
        results.wall_seconds
    );
    let failed = results.checks.iter().any(|c| !c.ok)
        || results
            .scenarios
            .iter()
            .any(|c| c.http.summary.flagged() || c.raw.summary.flagged());
    Ok(if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}

/// The run's parameters, recorded with the results.
fn settings(common: &Common) -> serde_json::Value {
    serde_json::json!({
        "clients": common.clients,
        "maxOpsPerCell": common.max_ops,
        "cellSeconds": common.cell_secs,
        "warmupOps": common.warmup,
        "growthSizes": common.growth_sizes,
        "eventFanout": common.event_fanout,
        "removalTurns": common.turns,
    })
}

/// The SQLite library's version, from an in-memory database.
async fn sqlite_version() -> anyhow::Result<String> {
    let pool = db::RawPool::connect(Backend::Sqlite, "sqlite::memory:").await?;
    let version = pool.version().await;
    pool.close().await;
    version
}

/// The engine burst (`docs/engine.md`).
async fn burst(backend: Backend, params: &engine::Params) -> anyhow::Result<ExitCode> {
    let pg = match backend {
        Backend::Postgres => Some(PgServer::start().await?),
        Backend::Sqlite => None,
    };
    let report = engine::run(backend, pg.as_ref(), params).await?;
    println!("{report}");
    Ok(if report.violations == 0 && report.drained {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}
