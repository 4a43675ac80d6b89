//! A server for one live cell: a fresh SQLite database (the embedded default), the server
//! process with the instant model (and the instant speech engines for voice), a company
//! whose concurrency limit admits every session, an online agent with more questions than a
//! session answers, and one invite per session.
//!
//! A fresh server per cell: an abandoned live session keeps its slot until it idles out, and
//! the memory of a cell is read from a process that served nothing before it.

use crate::client::{Api, string_at};
use crate::db::{Backend, BenchDb};
use crate::memory::Process;
use crate::server::{self, Child, ChildArgs};
use anyhow::Context;
use futures_util::{StreamExt, TryStreamExt};
use interviewd_domain::Plan;
use reqwest::Method;
use serde_json::json;

/// Questions of the agent: a session answers at most one fewer, so none reaches the closing.
pub const QUESTIONS: usize = 40;

/// How a cell's server runs.
#[derive(Clone, Debug)]
pub struct Options {
    /// The instant model's API base.
    pub llm_url: String,
    /// Instant speech engines (voice cells).
    pub speech: bool,
    /// Invites to create.
    pub interviews: usize,
}

/// The server process of a cell and the invites of its sessions.
pub struct LiveServer {
    /// `http://127.0.0.1:<port>`.
    pub base: String,
    /// The invite tokens, one per session.
    pub tokens: Vec<String>,
    child: Child,
    _db: BenchDb,
}

impl LiveServer {
    /// A fresh database and server, the tenant, and `options.interviews` online invites.
    pub async fn start(options: &Options) -> anyhow::Result<Self> {
        let db = BenchDb::create(Backend::Sqlite, None).await?;
        let config = server::config(&db.url, db.data_dir.clone());
        let store = interviewd::open_store(&config).await?;
        let child = Child::start(&ChildArgs {
            database_url: config.database_url(),
            data_dir: config.data_dir.clone(),
            http: true,
            event_fanout: false,
            engine_live_calls: None,
            llm_url: Some(options.llm_url.clone()),
            instant_speech: options.speech,
            blob_url: None,
            env: Vec::new(),
        })
        .await?;
        let base = child
            .base
            .clone()
            .context("the server process did not serve HTTP")?;
        let company =
            interviewd::admin::create_company(&store, "Live Bench", Plan::Business, Some(1000))
                .await?;
        let args = interviewd::admin::NewKeyArgs {
            company: vec![company.id.to_string()],
            ats: false,
            scopes: "all".into(),
            name: Some("live bench".into()),
            expires_at: None,
        };
        let (_, key) = interviewd::admin::create_key(&store, args).await?;
        drop(store);
        let api = Api::new(&base, &key)?;
        let tokens = invites(&api, options.interviews).await?;
        Ok(Self {
            base,
            tokens,
            child,
            _db: db,
        })
    }

    /// The server process, for memory and CPU readings.
    pub fn process(&self) -> Process {
        self.child.process()
    }

    /// Stops the server process (the database goes with the temporary directory).
    pub async fn stop(self) -> anyhow::Result<()> {
        self.child.stop().await
    }
}

/// A job, an online agent of [`QUESTIONS`] short questions, and `count` candidates with an
/// interview each; returns the invite tokens.
async fn invites(api: &Api, count: usize) -> anyhow::Result<Vec<String>> {
    let job = json!({ "title": "Backend Engineer", "requiredSkills": ["Rust", "SQL"] });
    let job = api.call(Method::POST, "/v1/jobs", Some(&job), 201).await?;
    let job = string_at(&job, "/data/id")?;
    let questions: Vec<String> = (1..=QUESTIONS)
        .map(|i| format!("Question {i}: what did you build?"))
        .collect();
    let agent = json!({ "name": "Live", "type": "ONLINE", "questions": questions });
    let agent = api
        .call(Method::POST, "/v1/agents", Some(&agent), 201)
        .await?;
    let agent = string_at(&agent, "/id")?;
    futures_util::stream::iter(0..count)
        .map(|i| invite(api, &job, &agent, i))
        .buffered(8)
        .try_collect()
        .await
}

async fn invite(api: &Api, job: &str, agent: &str, i: usize) -> anyhow::Result<String> {
    let candidate =
        json!({ "firstName": "Uma", "email": format!("live{i}@example.com"), "jobId": job });
    let candidate = api
        .call(Method::POST, "/v1/candidates", Some(&candidate), 201)
        .await?;
    let body = json!({ "candidateId": string_at(&candidate, "/id")?, "agentId": agent });
    let created = api
        .call(Method::POST, "/v1/interviews", Some(&body), 201)
        .await?;
    let url = string_at(&created, "/inviteUrl")?;
    url.rsplit('/')
        .next()
        .map(str::to_owned)
        .context("an invite URL without a token")
}
