//! Helpers of the multi-process tests (`multinode.rs`, `multinode_crash.rs`,
//! `pg_restart.rs`): real `interviewd` processes ([`Node`]), a migrated database with
//! companies ([`Setup`]), and a [`Sampler`] that watches every company's slots.

use crate::support::{Client, company_with_key};
use interviewd::config::Config;
use interviewd::store::DynStore;
use interviewd_domain::Plan;
use reqwest::Method;
use serde_json::{Value, json};
use sqlx::PgPool;
use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};
use tempfile::TempDir;

/// Upper bound of every wait here.
pub const WAIT: Duration = Duration::from_secs(60);

/// Quick calls and polls; each node adds or overrides settings.
pub const FAST: &[(&str, &str)] = &[
    ("INTERVIEWD_SIMULATOR_TURN_MS", "30"),
    ("INTERVIEWD_ENGINE_LEASE_MS", "1500"),
    ("INTERVIEWD_ENGINE_POLL_MS", "50"),
    ("INTERVIEWD_CALL_RETRY_DELAY_MS", "50"),
    ("INTERVIEWD_CALL_MAX_RETRIES", "2"),
    ("INTERVIEWD_DELIVERY_POLL_MS", "50"),
    ("INTERVIEWD_RATE_LIMIT_PER_MINUTE", "1000000"),
    ("INTERVIEWD_RATE_LIMIT_PER_HOUR", "10000000"),
];

/// One `interviewd` process (the real binary), killed when dropped. Its log is printed when
/// the test fails.
pub struct Node {
    pub name: String,
    /// `http://127.0.0.1:<port>` for `serve`; `None` for `worker`.
    pub base: Option<String>,
    child: Child,
    log: PathBuf,
}

impl Node {
    /// Starts `interviewd serve` and waits until it answers `/healthz`.
    pub async fn serve(name: &str, db: &str, data: &Path, env: &[(&str, &str)]) -> Node {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let listen = format!("127.0.0.1:{port}");
        let mut node = Self::spawn(name, &["serve", "--listen", &listen], db, data, env);
        let base = format!("http://{listen}");
        let http = reqwest::Client::new();
        node.wait_until("answering /healthz", || {
            let req = http.get(format!("{base}/healthz")).send();
            async move { req.await.is_ok_and(|r| r.status() == 200) }
        })
        .await;
        node.base = Some(base);
        node
    }

    /// Starts `interviewd worker` and waits until its workers run.
    pub async fn worker(name: &str, db: &str, data: &Path, env: &[(&str, &str)]) -> Node {
        let node = Self::spawn(name, &["worker"], db, data, env);
        let log = node.log.clone();
        node.wait_until("running its workers", || {
            let text = std::fs::read_to_string(&log).unwrap_or_default();
            async move { text.contains("workers running") }
        })
        .await;
        node
    }

    fn spawn(name: &str, args: &[&str], db: &str, data: &Path, env: &[(&str, &str)]) -> Node {
        let log = data.join(format!("{name}.log"));
        let child = Command::new(env!("CARGO_BIN_EXE_interviewd"))
            .args(args)
            .arg("--data-dir")
            .arg(data)
            .arg("--database-url")
            .arg(db)
            .env("INTERVIEWD_CONFIG", data.join("absent.toml"))
            .env("RUST_LOG", "info,sqlx=warn")
            .envs(FAST.iter().chain(env).copied())
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&log).unwrap())
            .spawn()
            .unwrap();
        Node {
            name: name.to_owned(),
            base: None,
            child,
            log,
        }
    }

    async fn wait_until<F, Fut>(&self, what: &str, mut ready: F)
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = bool>,
    {
        let deadline = Instant::now() + Duration::from_secs(30);
        while !ready().await {
            assert!(
                Instant::now() < deadline,
                "node {} is not {what}",
                self.name
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// The prefix of this process's lease owner (`worker-<pid>-…`).
    pub fn owner_prefix(&self) -> String {
        format!("worker-{}-", self.child.id())
    }

    /// A client of this node sending `key`.
    pub fn client(&self, key: &str) -> Client {
        Client::bearer(self.base.as_deref().expect("a serve node"), key)
    }

    /// `kill -9`: no shutdown path runs.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Node {
    fn drop(&mut self) {
        self.kill();
        if std::thread::panicking() {
            let text = std::fs::read_to_string(&self.log).unwrap_or_default();
            let tail: Vec<&str> = text.lines().rev().take(40).collect();
            eprintln!("--- last lines of node {} ---", self.name);
            for line in tail.into_iter().rev() {
                eprintln!("{line}");
            }
        }
    }
}

/// A migrated database with companies and keys, and a data directory the nodes share (so
/// recordings are shared storage, as a deployment of several nodes needs).
pub struct Setup {
    pub url: String,
    pub pool: PgPool,
    pub store: DynStore,
    pub data: PathBuf,
    _dir: TempDir,
}

/// A company of the test: its id, key and concurrency limit.
#[derive(Clone)]
pub struct Co {
    pub id: String,
    pub key: String,
    pub limit: i64,
}

impl Setup {
    pub async fn new(url: &str) -> Setup {
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("data");
        let config = Config {
            data_dir: data.clone(),
            database_url: Some(url.to_owned()),
            ..Config::default()
        };
        let store = interviewd::open_store(&config).await.unwrap();
        Setup {
            url: url.to_owned(),
            pool: PgPool::connect(url).await.unwrap(),
            store,
            data,
            _dir: dir,
        }
    }

    /// A company with this concurrency limit and an all-scopes key.
    pub async fn company(&self, name: &str, limit: u32) -> Co {
        let (company, key) = company_with_key(&self.store, name, Plan::Business, Some(limit)).await;
        Co {
            id: company.id.to_string(),
            key,
            limit: i64::from(limit),
        }
    }

    /// A scalar read of the database.
    pub async fn count(&self, sql: &'static str) -> i64 {
        sqlx::query_scalar(sql).fetch_one(&self.pool).await.unwrap()
    }

    /// Waits until no interview is open and no slot held.
    pub async fn wait_drained(&self) {
        let deadline = Instant::now() + WAIT;
        loop {
            let open = self
                .count("SELECT COUNT(*) FROM interviews WHERE status IN ('SCHEDULED', 'IN_PROGRESS') AND scheduled_at <= (extract(epoch from now()) * 1000)::bigint")
                .await;
            let held = self
                .count("SELECT COUNT(*) FROM company_slots WHERE holder_attempt_id IS NOT NULL")
                .await;
            let live = self
                .count("SELECT COUNT(*) FROM call_attempts WHERE status = 'IN_PROGRESS'")
                .await;
            if (open, held, live) == (0, 0, 0) {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "not drained: {open} open interviews, {held} held slots, {live} live attempts"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Every dialled attempt was claimed once and ended once (fence 2), and each started
    /// at most one interview (`interview.started` names it once).
    pub async fn assert_dialled_once(&self) {
        let fences: Vec<(uuid::Uuid, i64, String)> = sqlx::query_as(
            "SELECT id, fence, status FROM call_attempts WHERE called_at IS NOT NULL",
        )
        .fetch_all(&self.pool)
        .await
        .unwrap();
        assert!(!fences.is_empty());
        for (id, fence, status) in &fences {
            assert_eq!(
                *fence, 2,
                "attempt {id} ({status}) was claimed or ended more than once"
            );
        }
        let started: Vec<String> =
            sqlx::query_scalar("SELECT data FROM events WHERE event_type = 'interview.started'")
                .fetch_all(&self.pool)
                .await
                .unwrap();
        let mut seen = HashSet::new();
        for data in started {
            let data: Value = serde_json::from_str(&data).unwrap();
            let attempt = data["callAttemptId"].as_str().unwrap().to_owned();
            assert!(
                seen.insert(attempt.clone()),
                "attempt {attempt} started twice"
            );
        }
    }
}

/// What the sampler saw.
#[derive(Debug, Default)]
pub struct Samples {
    pub rounds: usize,
    /// Readings above a company's limit (empty when the limits held).
    pub violations: Vec<String>,
    /// Lease owners of live attempts (one per process that dialled).
    pub owners: HashSet<String>,
    /// Highest number of held slots seen per company.
    pub peak: HashMap<String, i64>,
}

/// Reads held slots and live attempts per company every few milliseconds.
pub struct Sampler {
    stop: Arc<AtomicBool>,
    task: tokio::task::JoinHandle<Samples>,
}

impl Sampler {
    pub fn start(pool: &PgPool, companies: &[Co]) -> Sampler {
        let limits: HashMap<String, i64> =
            companies.iter().map(|c| (c.id.clone(), c.limit)).collect();
        let (pool, stop) = (pool.clone(), Arc::new(AtomicBool::new(false)));
        let task = tokio::spawn(sample(pool, limits, stop.clone()));
        Sampler { stop, task }
    }

    pub async fn finish(self) -> Samples {
        self.stop.store(true, Ordering::SeqCst);
        self.task.await.unwrap()
    }
}

async fn sample(pool: PgPool, limits: HashMap<String, i64>, stop: Arc<AtomicBool>) -> Samples {
    let mut samples = Samples::default();
    while !stop.load(Ordering::SeqCst) {
        // One statement, so both counts come from one snapshot. A database restart makes a
        // round fail; the next one reads again.
        let rows: Result<Vec<(uuid::Uuid, i64, i64)>, _> = sqlx::query_as(
            "SELECT c.id, \
               (SELECT COUNT(*) FROM company_slots s WHERE s.company_id = c.id \
                 AND s.holder_attempt_id IS NOT NULL), \
               (SELECT COUNT(*) FROM call_attempts a WHERE a.company_id = c.id \
                 AND a.status = 'IN_PROGRESS') \
             FROM companies c",
        )
        .fetch_all(&pool)
        .await;
        let owners: Result<Vec<String>, _> = sqlx::query_scalar(
            "SELECT DISTINCT lease_owner FROM call_attempts WHERE status = 'IN_PROGRESS' \
             AND lease_owner IS NOT NULL",
        )
        .fetch_all(&pool)
        .await;
        if let (Ok(rows), Ok(owners)) = (rows, owners) {
            samples.rounds += 1;
            samples.owners.extend(owners);
            for (company, held, live) in rows {
                let company = company.to_string();
                let limit = limits.get(&company).copied().unwrap_or(i64::MAX);
                if held > limit || live > limit {
                    samples.violations.push(format!(
                        "{company}: {held} held, {live} live, limit {limit}"
                    ));
                }
                let peak = samples.peak.entry(company).or_default();
                *peak = (*peak).max(held);
            }
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    samples
}

/// A job, an agent and a candidate for the company, through `client`; returns the ids of
/// the agent and the candidate.
pub async fn fixture(client: &Client, n: usize) -> (String, String) {
    let job = client.new_job(json!({ "title": "Engineer" })).await;
    let agent = client.new_agent(json!({ "name": "Screener" })).await;
    let candidate = client
        .new_candidate(json!({ "firstName": "Kai", "phoneNumber": format!("+1415555{:04}", 4000 + n), "jobId": job })).await;
    (agent, candidate)
}

/// A phone interview due now (or at `at`), created through `client`; returns its id.
pub async fn interview(client: &Client, agent: &str, candidate: &str, at: Option<&str>) -> String {
    let mut body = json!({ "candidateId": candidate, "agentId": agent });
    if let Some(at) = at {
        body["scheduledAt"] = json!(at);
    }
    client.new_interview(body).await
}

/// A Xobin request with the `apiKey` header.
pub async fn xobin(
    base: &str,
    key: &str,
    method: Method,
    path: &str,
    body: Option<Value>,
) -> crate::support::Resp {
    Client::bearer(base, key)
        .with_header_auth(None)
        .send(
            method,
            &format!("/api/v2{path}"),
            body.map(|b| b.to_string()),
            &[("apiKey", key)],
        )
        .await
}
