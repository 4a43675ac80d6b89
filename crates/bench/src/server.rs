//! The server under test, in a process of its own: this binary started again as
//! `interviewd-bench serve` (a hidden subcommand), so that its memory is measured without the
//! clients, the seeding or the raw baseline, and so a backend's run starts from a fresh heap.
//!
//! - With `--http` the child serves the real router on a listener bound to 127.0.0.1:0, with
//!   no background workers: the engine, webhook, mail and Xobin workers are off, so what is
//!   measured is the request alone. With `--event-fanout` it also runs the webhook workers,
//!   which mark each new event dispatched (no endpoint is subscribed, so nothing is sent),
//!   keeping the event outbox drained as a deployment does (`--event-fanout` of the
//!   measuring commands; see `BENCHMARKS.md` for what it changes).
//! - With `--engine-live-calls N` it runs the engine's workers instead, with the instant
//!   voice provider of [`crate::engine`] (the drain benchmark).
//! - For the live benchmark ([`crate::live`]): `--llm-url` points the interviewer at a
//!   language model (the instant one), `--instant-speech` gives it the instant speech engines
//!   (`interviewd_speech::testing`).
//!
//! HTTP is served by `interviewd::serve::serve`, the accept loop of `interviewd serve` with
//! the default limits: `TCP_NODELAY` on every connection, the header-read timeout and the
//! connection limit.
//!
//! The child says `http <addr>` and `ready` on stdout and runs until its stdin closes; it is
//! killed if its handle is dropped. The parent opens its own store on the same database (it
//! migrates it first) for the fixtures, and runs the engine's workers itself when a scenario
//! needs them briefly ([`Server::engine_workers`]).
//!
//! Logging is on as `interviewd serve` has it (`info,sqlx=warn`), written to a sink: the
//! formatting is paid for, the terminal is not.

use crate::memory::Process;
use anyhow::{Context, bail};
use interviewd::config::Config;
use interviewd::store::DynStore;
use std::path::PathBuf;
use std::process::Stdio;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, BufReader};
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

/// The configuration of a benchmarked server: the defaults, with the simulator's real-time
/// pauses off and the per-key rate limits out of reach (a benchmark is one key sending as
/// fast as it can; the limiter still counts every request).
pub fn config(url: &str, data_dir: PathBuf) -> Config {
    Config {
        data_dir,
        database_url: Some(url.to_owned()),
        simulator_turn_ms: 0,
        engine_poll_ms: 50,
        rate_limit_per_minute: 1_000_000_000,
        rate_limit_per_hour: 1_000_000_000,
        ..Config::default()
    }
}

/// Installs the log subscriber once per process (see the module doc).
pub fn init_logging() {
    let filter = tracing_subscriber::EnvFilter::new("info,sqlx=warn");
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::sink)
        .try_init();
}

/// What a child runs.
#[derive(Clone, Debug, clap::Args)]
pub struct ChildArgs {
    #[arg(long)]
    pub database_url: String,
    #[arg(long)]
    pub data_dir: PathBuf,
    /// Serve HTTP.
    #[arg(long)]
    pub http: bool,
    /// Run the webhook workers (the event fan-out) beside HTTP.
    #[arg(long)]
    pub event_fanout: bool,
    /// Run the engine's workers with the instant provider, holding at most this many calls.
    #[arg(long)]
    pub engine_live_calls: Option<usize>,
    /// The language model's API base (`http://…/v1`), model `mock`.
    #[arg(long)]
    pub llm_url: Option<String>,
    /// Instant speech engines: scripted speech-to-text, a tone for text-to-speech.
    #[arg(long)]
    pub instant_speech: bool,
    /// Where recordings live (`blob_url`; unset: the data directory).
    #[arg(long)]
    pub blob_url: Option<String>,
    /// Environment variables the child gets besides this process's (the `AWS_*` settings of
    /// an S3-compatible store).
    #[arg(skip)]
    pub env: Vec<(String, String)>,
}

/// The child's side: serve and/or run the engine until stdin closes.
pub async fn child_main(args: ChildArgs) -> anyhow::Result<()> {
    init_logging();
    let mut config = config(&args.database_url, args.data_dir.clone());
    config.blob_url = args.blob_url.clone();
    if let Some(live) = args.engine_live_calls {
        config.engine_max_live_calls = u32::try_from(live)?.max(1);
    }
    if let Some(url) = &args.llm_url {
        config.llm_base_url = Some(url.clone());
        config.llm_model = Some("mock".into());
    }
    let store = interviewd::open_store(&config).await?;
    let shutdown = CancellationToken::new();
    let mut tasks: Vec<JoinHandle<()>> = Vec::new();
    if args.http {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        config.listen = addr.to_string();
        config.public_url = Some(format!("http://{addr}"));
        let parts = interviewd::Parts {
            speech: args.instant_speech.then(crate::live::instant_speech),
            ..interviewd::Parts::default()
        };
        let server = interviewd::Server::with_parts(config.clone(), store.clone(), parts)?;
        if args.event_fanout {
            tasks.extend(
                server
                    .workers
                    .spawn_groups(&[interviewd::workers::Group::Webhooks], &shutdown),
            );
        }
        let app = interviewd::http::router(server.state);
        let limits = interviewd::serve::Limits::from_config(&config);
        tasks.push(tokio::spawn(interviewd::serve::serve(
            listener,
            app,
            limits,
            shutdown.clone(),
        )));
        println!("http {addr}");
    }
    if args.engine_live_calls.is_some() {
        tasks.extend(crate::engine::spawn_instant_engine(
            &config, store, &shutdown,
        )?);
    }
    println!("ready");
    // Until the parent closes our stdin (or dies).
    let mut sink = Vec::new();
    let _ = tokio::io::stdin().read_to_end(&mut sink).await;
    shutdown.cancel();
    for task in tasks {
        let _ = task.await;
    }
    Ok(())
}

/// A child process of this binary (see the module doc).
pub struct Child {
    child: tokio::process::Child,
    pid: u32,
    /// `http://127.0.0.1:<port>` when it serves HTTP.
    pub base: Option<String>,
}

impl Child {
    /// Starts `interviewd-bench serve` with `args` and waits until it is ready.
    pub async fn start(args: &ChildArgs) -> anyhow::Result<Self> {
        let exe = std::env::current_exe().context("finding this executable")?;
        let mut command = tokio::process::Command::new(exe);
        command
            .arg("serve")
            .arg("--database-url")
            .arg(&args.database_url)
            .arg("--data-dir")
            .arg(&args.data_dir);
        if args.http {
            command.arg("--http");
        }
        if args.event_fanout {
            command.arg("--event-fanout");
        }
        if let Some(live) = args.engine_live_calls {
            command.arg("--engine-live-calls").arg(live.to_string());
        }
        if let Some(url) = &args.llm_url {
            command.arg("--llm-url").arg(url);
        }
        if args.instant_speech {
            command.arg("--instant-speech");
        }
        if let Some(url) = &args.blob_url {
            command.arg("--blob-url").arg(url);
        }
        command.envs(args.env.iter().map(|(k, v)| (k, v)));
        let mut child = command
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .context("starting the server process")?;
        let pid = child.id().context("the server process has no id")?;
        let stdout = child.stdout.take().context("no stdout")?;
        let mut lines = BufReader::new(stdout).lines();
        let mut base = None;
        loop {
            match lines.next_line().await? {
                Some(line) if line == "ready" => break,
                Some(line) => {
                    if let Some(addr) = line.strip_prefix("http ") {
                        base = Some(format!("http://{addr}"));
                    }
                }
                None => bail!("the server process exited before it was ready"),
            }
        }
        Ok(Self { child, pid, base })
    }

    /// The child, for memory readings.
    pub fn process(&self) -> Process {
        Process::Pid(self.pid)
    }

    /// Closes the child's stdin and waits for it to finish.
    pub async fn stop(mut self) -> anyhow::Result<()> {
        drop(self.child.stdin.take());
        let status = self.child.wait().await?;
        if !status.success() {
            bail!("the server process ended with {status}");
        }
        Ok(())
    }
}

/// A running server: the HTTP child, and this process's store on its database.
pub struct Server {
    /// `http://127.0.0.1:<port>`.
    pub base: String,
    child: Child,
    store: DynStore,
    config: Config,
}

impl Server {
    /// Opens (and migrates) the database of `config` here, then starts the HTTP child on it,
    /// with the event fan-out when asked.
    pub async fn start(config: Config, event_fanout: bool) -> anyhow::Result<Self> {
        Self::start_with_env(config, event_fanout, Vec::new()).await
    }

    /// [`Self::start`], the child with `env` besides this process's environment (its
    /// `blob_url` is the config's).
    pub async fn start_with_env(
        config: Config,
        event_fanout: bool,
        env: Vec<(String, String)>,
    ) -> anyhow::Result<Self> {
        let store = interviewd::open_store(&config).await?;
        let args = ChildArgs {
            database_url: config.database_url(),
            data_dir: config.data_dir.clone(),
            http: true,
            event_fanout,
            engine_live_calls: None,
            llm_url: None,
            instant_speech: false,
            blob_url: config.blob_url.clone(),
            env,
        };
        let child = Child::start(&args).await?;
        let base = child
            .base
            .clone()
            .context("the server process did not serve HTTP")?;
        Ok(Self {
            base,
            child,
            store,
            config,
        })
    }

    /// A store on the server's database (this process's own).
    pub fn store(&self) -> &DynStore {
        &self.store
    }

    /// The server process, for memory readings.
    pub fn process(&self) -> Process {
        self.child.process()
    }

    /// Starts the engine's workers (dispatcher, heartbeat, pipeline, blob deletions) in this
    /// process, on the server's database, until the returned handle is stopped.
    pub fn engine_workers(&self) -> anyhow::Result<Workers> {
        let mut config = self.config.clone();
        config.public_url = Some(self.base.clone());
        let server = interviewd::Server::new(config, self.store.clone())?;
        let shutdown = CancellationToken::new();
        let tasks = server
            .workers
            .spawn_groups(&[interviewd::workers::Group::Engine], &shutdown);
        Ok(Workers::new(shutdown, tasks))
    }

    /// Stops the server process.
    pub async fn stop(self) -> anyhow::Result<()> {
        self.child.stop().await
    }
}

/// Background workers of this process.
pub struct Workers {
    shutdown: CancellationToken,
    tasks: Vec<JoinHandle<()>>,
}

impl Workers {
    /// Workers that stop when `shutdown` fires.
    pub fn new(shutdown: CancellationToken, tasks: Vec<JoinHandle<()>>) -> Self {
        Self { shutdown, tasks }
    }

    /// Stops the workers and waits for them.
    pub async fn stop(self) {
        self.shutdown.cancel();
        for task in self.tasks {
            let _ = task.await;
        }
    }
}
