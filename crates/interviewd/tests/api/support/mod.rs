//! Test support: a real server on an ephemeral loopback port and a small HTTP client.

use interviewd::config::{Config, sqlite_url};
use interviewd::store::DynStore;
use interviewd_domain::Plan;
use reqwest::Method;
use serde_json::Value;
use tempfile::TempDir;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

/// A running server with its own data directory and database.
pub struct TestServer {
    pub base: String,
    pub store: DynStore,
    pub config: Config,
    pub dir: TempDir,
    shutdown: CancellationToken,
    handle: Option<JoinHandle<anyhow::Result<()>>>,
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
        let dir = tempfile::tempdir().expect("temp dir");
        let mut config = Config {
            data_dir: dir.path().join("data"),
            ..Config::default()
        };
        config.database_url = Some(sqlite_url(&config.data_dir.join("interviewd.db")));
        // Tests poll; the plan limits are exercised by the rate-limit tests, which set their own.
        config.rate_limit_per_minute = 1_000_000;
        config.rate_limit_per_hour = 10_000_000;
        adjust(&mut config);
        Self::boot(config, dir).await
    }

    /// Boots (or reboots) a server on `config` with data in `dir`.
    pub async fn boot(mut config: Config, dir: TempDir) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("addr");
        config.listen = addr.to_string();
        config.public_url = Some(format!("http://{addr}"));
        let store = interviewd::open_store(&config).await.expect("open store");
        let shutdown = CancellationToken::new();
        let handle = tokio::spawn(interviewd::run(
            config.clone(),
            store.clone(),
            listener,
            shutdown.clone(),
        ));
        Self {
            base: format!("http://{addr}"),
            store,
            config,
            dir,
            shutdown,
            handle: Some(handle),
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
        let company = interviewd::admin::create_company(&self.store, name, plan, concurrency)
            .await
            .expect("company");
        let key = self.key(&company.id.to_string(), "all").await;
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
        let args = interviewd::admin::NewKeyArgs {
            company,
            ats,
            scopes: scopes.into(),
            name: None,
            expires_at,
        };
        interviewd::admin::create_key(&self.store, args)
            .await
            .expect("key")
            .1
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
        .post(
            "/v1/jobs",
            serde_json::json!({ "title": "Backend Engineer", "requiredSkills": ["Rust", "SQL"] }),
        )
        .await
        .expect(201)
        .str("/data/id");
    let agent = client
        .post(
            "/v1/agents",
            serde_json::json!({ "name": "Screener", "questions": ["Tell me about Rust."] }),
        )
        .await
        .expect(201)
        .str("/id");
    let candidate = client
        .post(
            "/v1/candidates",
            serde_json::json!({ "firstName": "Ann", "lastName": "Lee", "email": email, "phoneNumber": phone, "jobId": job }),
        )
        .await
        .expect(201)
        .str("/id");
    let interview = client
        .post(
            "/v1/interviews",
            serde_json::json!({ "candidateId": candidate, "agentId": agent }),
        )
        .await
        .expect(201)
        .str("/id");
    Fixture {
        job,
        agent,
        candidate,
        interview,
    }
}
