//! Test support: a real server on an ephemeral loopback port and a small HTTP client, on the
//! backend this test binary exercises (see [`backend`]).

use crate::pg_cluster::TestDatabase;
use interviewd::config::{Config, sqlite_url};
use interviewd::store::DynStore;
use interviewd::store::postgres::PgStore;
use interviewd::store::sqlite::SqliteStore;
use interviewd_domain::Plan;
use reqwest::Method;
use serde_json::Value;
use std::collections::HashMap;
use std::path::Path;
use std::sync::{LazyLock, Mutex};
use tempfile::TempDir;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

/// A running server with its own data directory and database.
pub struct TestServer {
    pub base: String,
    pub store: DynStore,
    /// The server itself: its state (engine, clock, wake-ups) and its workers.
    pub server: interviewd::Server,
    pub config: Config,
    pub dir: TempDir,
    shutdown: CancellationToken,
    handle: Option<JoinHandle<anyhow::Result<()>>>,
    /// The test's database, when this server made it.
    db: Option<TestDb>,
}

/// A company with a key holding every scope.
pub struct TestCompany {
    pub id: String,
    pub key: String,
}

impl TestServer {
    /// Starts a server with the default test configuration.
    pub async fn start() -> Self {
        Self::start_with(|_| {}).await
    }

    /// Starts a server after letting the test adjust the configuration.
    pub async fn start_with(adjust: impl FnOnce(&mut Config)) -> Self {
        Self::start_with_parts(adjust, interviewd::Parts::default()).await
    }

    /// [`TestServer::start_with`] with parts other than the configured ones.
    pub async fn start_with_parts(
        adjust: impl FnOnce(&mut Config),
        parts: interviewd::Parts,
    ) -> Self {
        let (dir, mut config, db) = scratch().await;
        // Tests poll; the plan limits are exercised by the rate-limit tests, which set their own.
        config.rate_limit_per_minute = 1_000_000;
        config.rate_limit_per_hour = 10_000_000;
        adjust(&mut config);
        let mut server = Self::boot_with(config, dir, parts).await;
        server.db.get_or_insert(db);
        server
    }

    /// Boots (or reboots) a server on `config` with data in `dir`.
    pub async fn boot(config: Config, dir: TempDir) -> Self {
        Self::boot_with(config, dir, interviewd::Parts::default()).await
    }

    /// [`TestServer::boot`] with parts other than the configured ones.
    pub async fn boot_with(mut config: Config, dir: TempDir, parts: interviewd::Parts) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("addr");
        config.listen = addr.to_string();
        config.public_url = Some(format!("http://{addr}"));
        let store = interviewd::open_store(&config).await.expect("open store");
        let shutdown = CancellationToken::new();
        let server =
            interviewd::Server::with_parts(config.clone(), store.clone(), parts).expect("server");
        live_wakers().push(server.state.wakers.clone());
        let handle = tokio::spawn(server.clone().serve(listener, shutdown.clone()));
        let db = parked().remove(&config.database_url());
        Self {
            base: format!("http://{addr}"),
            store,
            server,
            config,
            dir,
            shutdown,
            handle: Some(handle),
            db,
        }
    }

    /// Stops the server gracefully and returns its data directory for a restart.
    pub async fn stop(mut self) -> (Config, TempDir) {
        self.shutdown.cancel();
        if let Some(handle) = self.handle.take() {
            let _ = handle.await;
        }
        let dir = tempfile::tempdir().expect("temp dir");
        let dir = std::mem::replace(&mut self.dir, dir);
        // The database outlives this server: a reboot on the same configuration takes it back.
        if let Some(db) = self.db.take() {
            parked().insert(db.url.clone(), db);
        }
        (self.config.clone(), dir)
    }

    /// Creates a company (through the admin layer) with an all-scopes key.
    pub async fn company(&self, name: &str) -> TestCompany {
        self.company_on(name, Plan::Business, None).await
    }

    /// Creates a company on `plan` with an optional concurrency limit.
    pub async fn company_on(
        &self,
        name: &str,
        plan: Plan,
        concurrency: Option<u32>,
    ) -> TestCompany {
        let (company, key) = company_with_key(&self.store, name, plan, concurrency).await;
        TestCompany {
            id: company.id.to_string(),
            key,
        }
    }

    /// A company key with `scopes` (comma-separated, or `all`).
    pub async fn key(&self, company: &str, scopes: &str) -> String {
        self.key_with(vec![company.to_owned()], false, scopes, None)
            .await
    }

    /// An ATS key managing `companies`.
    pub async fn ats_key(&self, companies: &[&str], scopes: &str) -> String {
        self.key_with(
            companies.iter().map(|c| (*c).to_owned()).collect(),
            true,
            scopes,
            None,
        )
        .await
    }

    /// Any key.
    pub async fn key_with(
        &self,
        company: Vec<String>,
        ats: bool,
        scopes: &str,
        expires_at: Option<String>,
    ) -> String {
        new_key(&self.store, company, ats, scopes, expires_at).await
    }

    /// The server's interview engine.
    pub fn engine(&self) -> std::sync::Arc<interviewd::core::engine::Engine> {
        self.server.state.engine.clone()
    }

    /// The server's clock, which a test may advance.
    pub fn clock(&self) -> &interviewd::clock::Clock {
        &self.server.state.clock
    }

    /// Runs every background queue of the server until nothing is due, and waits for the
    /// work that started (see `interviewd::workers::Workers::run_pending`).
    pub async fn run_pending_background_jobs(&self) {
        self.server.workers.run_pending().await;
    }

    /// A client authenticating with `key`.
    pub fn client(&self, key: &str) -> Client {
        Client {
            http: reqwest::Client::new(),
            base: self.base.clone(),
            auth: Some(format!("Bearer {key}")),
        }
    }

    /// A client sending no credentials.
    pub fn anonymous(&self) -> Client {
        Client {
            http: reqwest::Client::new(),
            base: self.base.clone(),
            auth: None,
        }
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        self.shutdown.cancel();
    }
}

/// The wake-ups of every server this test binary started, for helpers that write rows
/// through their own connection and then wake the workers, as a state change would.
fn live_wakers() -> std::sync::MutexGuard<'static, Vec<interviewd::app::Wakers>> {
    static WAKERS: LazyLock<Mutex<Vec<interviewd::app::Wakers>>> = LazyLock::new(Mutex::default);
    WAKERS
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Wakes every worker of every server this test binary started.
pub fn wake_all() {
    for wakers in live_wakers().iter() {
        wakers.all();
    }
}

/// A response with its JSON body (or `Value::Null` when the body is not JSON).
#[derive(Debug)]
pub struct Resp {
    pub status: u16,
    pub headers: reqwest::header::HeaderMap,
    pub body: Value,
    pub text: String,
}

impl Resp {
    /// Asserts the status, printing the body when it differs.
    #[track_caller]
    pub fn expect(self, status: u16) -> Self {
        assert_eq!(
            self.status, status,
            "unexpected status; body: {}",
            self.text
        );
        self
    }

    /// A string field of the body.
    #[track_caller]
    pub fn str(&self, pointer: &str) -> String {
        self.body
            .pointer(pointer)
            .and_then(Value::as_str)
            .unwrap_or_else(|| panic!("no string at {pointer} in {}", self.text))
            .to_owned()
    }

    /// The InstaView error code.
    pub fn code(&self) -> &str {
        self.body
            .pointer("/error/code")
            .and_then(Value::as_str)
            .unwrap_or("")
    }
}

/// A small HTTP client bound to one server and one credential.
#[derive(Clone)]
pub struct Client {
    http: reqwest::Client,
    pub base: String,
    auth: Option<String>,
}

impl Client {
    /// A client of the server at `base` (for example another process) sending `key` as a
    /// bearer token.
    #[allow(dead_code)] // Used by the PostgreSQL run's multi-process tests.
    pub fn bearer(base: &str, key: &str) -> Self {
        Client {
            http: reqwest::Client::new(),
            base: base.to_owned(),
            auth: Some(format!("Bearer {key}")),
        }
    }

    /// Uses a custom header instead of `Authorization` (e.g. Xobin's `apiKey`).
    pub fn with_header_auth(mut self, value: Option<String>) -> Self {
        self.auth = value;
        self
    }

    /// Sends a request with an optional raw body.
    pub async fn send(
        &self,
        method: Method,
        path: &str,
        body: Option<String>,
        headers: &[(&str, &str)],
    ) -> Resp {
        let mut req = self.http.request(method, format!("{}{}", self.base, path));
        if let Some(auth) = &self.auth {
            req = req.header("authorization", auth);
        }
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        if let Some(body) = body {
            req = req.header("content-type", "application/json").body(body);
        }
        let res = req.send().await.expect("request");
        let status = res.status().as_u16();
        let headers = res.headers().clone();
        let text = res.text().await.expect("body");
        let body = serde_json::from_str(&text).unwrap_or(Value::Null);
        Resp {
            status,
            headers,
            body,
            text,
        }
    }

    pub async fn get(&self, path: &str) -> Resp {
        self.send(Method::GET, path, None, &[]).await
    }

    pub async fn post(&self, path: &str, body: Value) -> Resp {
        self.send(Method::POST, path, Some(body.to_string()), &[])
            .await
    }

    pub async fn patch(&self, path: &str, body: Value) -> Resp {
        self.send(Method::PATCH, path, Some(body.to_string()), &[])
            .await
    }

    pub async fn delete(&self, path: &str) -> Resp {
        self.send(Method::DELETE, path, None, &[]).await
    }

    pub async fn delete_json(&self, path: &str, body: Value) -> Resp {
        self.send(Method::DELETE, path, Some(body.to_string()), &[])
            .await
    }

    pub async fn raw(&self, method: Method, path: &str, body: &str) -> Resp {
        self.send(method, path, Some(body.to_owned()), &[]).await
    }

    /// Posts a job through InstaView's API; its id.
    pub async fn new_job(&self, body: Value) -> String {
        self.created("/v1/jobs", body, "/data/id").await
    }

    /// Posts an agent; its id.
    pub async fn new_agent(&self, body: Value) -> String {
        self.created("/v1/agents", body, "/id").await
    }

    /// Posts a candidate; its id.
    pub async fn new_candidate(&self, body: Value) -> String {
        self.created("/v1/candidates", body, "/id").await
    }

    /// Posts an interview; its id.
    pub async fn new_interview(&self, body: Value) -> String {
        self.created("/v1/interviews", body, "/id").await
    }

    async fn created(&self, path: &str, body: Value, id: &str) -> String {
        self.post(path, body).await.expect(201).str(id)
    }
}

/// A company on `store` (through the admin layer) and an all-scopes key of it.
pub async fn company_with_key(
    store: &DynStore,
    name: &str,
    plan: Plan,
    concurrency: Option<u32>,
) -> (interviewd_domain::model::Company, String) {
    let company = interviewd::admin::create_company(store, name, plan, concurrency)
        .await
        .expect("company");
    let key = new_key(store, vec![company.id.to_string()], false, "all", None).await;
    (company, key)
}

/// A key on `store` for `company` (several for an ATS key) with `scopes`.
pub async fn new_key(
    store: &DynStore,
    company: Vec<String>,
    ats: bool,
    scopes: &str,
    expires_at: Option<String>,
) -> String {
    let args = interviewd::admin::NewKeyArgs {
        company,
        ats,
        scopes: scopes.into(),
        name: None,
        expires_at,
    };
    interviewd::admin::create_key(store, args)
        .await
        .expect("key")
        .1
}

/// Every file below `dir` (none when it does not exist).
pub fn files_under(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else {
                out.push(path);
            }
        }
    }
    out
}

/// What the candidate said, turn by turn, in an interview object's `transcript`.
pub fn candidate_lines(interview: &Value) -> Vec<String> {
    interview["transcript"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|t| t["role"] == "participant")
        .filter_map(|t| t["text"].as_str().map(str::to_owned))
        .collect()
}

/// A default configuration on a new data directory, with this binary's own database.
pub async fn scratch() -> (TempDir, Config, TestDb) {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut config = Config {
        data_dir: dir.path().join("data"),
        ..Config::default()
    };
    let db = database(&config.data_dir).await;
    config.database_url = Some(db.url.clone());
    (dir, config, db)
}

/// A recording fetched with the company's key, which must be served.
pub async fn recording(url: &str, key: &str) -> Vec<u8> {
    let res = reqwest::Client::new()
        .get(url)
        .bearer_auth(key)
        .send()
        .await
        .expect("recording request");
    assert_eq!(res.status(), 200);
    res.bytes().await.expect("recording body").to_vec()
}

/// Fixtures: a job, an agent, a candidate and an interview of one company.
pub struct Fixture {
    pub job: String,
    pub agent: String,
    pub candidate: String,
    pub interview: String,
}

/// Creates one of each resource through the API.
pub async fn fixture(client: &Client, phone: &str, email: &str) -> Fixture {
    let job = client
        .new_job(
            serde_json::json!({ "title": "Backend Engineer", "requiredSkills": ["Rust", "SQL"] }),
        )
        .await;
    let agent = client
        .new_agent(serde_json::json!({ "name": "Screener", "questions": ["Tell me about Rust."] }))
        .await;
    let candidate = client
        .new_candidate(serde_json::json!({ "firstName": "Ann", "lastName": "Lee", "email": email, "phoneNumber": phone, "jobId": job })).await;
    let interview = client
        .new_interview(serde_json::json!({ "candidateId": candidate, "agentId": agent }))
        .await;
    Fixture {
        job,
        agent,
        candidate,
        interview,
    }
}

// ---- backends -------------------------------------------------------------------------------

/// The database backend a test runs on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// The backend of this test binary: the suite is compiled twice, as `api` (SQLite) and as
/// `api_pg` (PostgreSQL, `tests/api_pg.rs`).
pub fn backend() -> Backend {
    if env!("CARGO_CRATE_NAME") == "api_pg" {
        Backend::Postgres
    } else {
        Backend::Sqlite
    }
}

/// A test's own database: a SQLite file in its data directory, or a fresh PostgreSQL
/// database (dropped when this is).
pub struct TestDb {
    pub url: String,
    _postgres: Option<TestDatabase>,
}

/// A new database for one test on this binary's backend.
pub async fn database(data_dir: &Path) -> TestDb {
    match backend() {
        Backend::Sqlite => TestDb {
            url: sqlite_url(&data_dir.join("interviewd.db")),
            _postgres: None,
        },
        Backend::Postgres => {
            let db = crate::pg_cluster::database().await;
            TestDb {
                url: db.url.clone(),
                _postgres: Some(db),
            }
        }
    }
}

/// Databases of stopped servers, by URL, until a server boots on them again.
fn parked() -> std::sync::MutexGuard<'static, HashMap<String, TestDb>> {
    static PARKED: LazyLock<Mutex<HashMap<String, TestDb>>> = LazyLock::new(Default::default);
    PARKED
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// A second connection to a database, for what no API does: direct reads, and writes done
/// the way a backend's write path does them. Use it through [`on_db!`].
pub enum Db {
    Sqlite(SqliteStore),
    Pg(PgStore),
}

/// Connects to the database at `url` (either backend).
pub async fn connect_db(url: &str) -> Db {
    if interviewd::store::postgres::is_postgres_url(url) {
        Db::Pg(
            PgStore::connect(url, 4)
                .await
                .expect("connecting to PostgreSQL"),
        )
    } else {
        Db::Sqlite(SqliteStore::connect(url).await.expect("opening SQLite"))
    }
}

/// A second connection to the server's database.
pub async fn db(server: &TestServer) -> Db {
    connect_db(&server.config.database_url()).await
}

/// Runs `$body` with `$store` bound to the backend's store (`&SqliteStore` or `&PgStore`),
/// and optionally `$backend` to its module (`interviewd::store::sqlite` or `…::postgres`):
/// the same code, compiled once per backend.
macro_rules! on_db {
    ($db:expr, |$store:ident| $body:expr) => {
        match $db {
            crate::support::Db::Sqlite($store) => $body,
            crate::support::Db::Pg($store) => $body,
        }
    };
    ($db:expr, |$store:ident, $backend:ident| $body:expr) => {
        match $db {
            crate::support::Db::Sqlite($store) => {
                use interviewd::store::sqlite as $backend;
                $body
            }
            crate::support::Db::Pg($store) => {
                use interviewd::store::postgres as $backend;
                $body
            }
        }
    };
}
pub(crate) use on_db;
