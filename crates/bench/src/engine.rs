//! The engine benchmarks' common ground, and the burst of `docs/engine.md`.
//!
//! The database is fresh (SQLite file or PostgreSQL database). Companies, each with a job, an
//! agent and a candidate, are made through the store; their due calls are seeded set-based
//! (`seed::due`) before the engine starts. The voice provider answers and hangs up at once
//! with an empty conversation (a zero-length call); everything else is the real engine:
//! claims with slots, the answer write, the end transaction with its 44-byte recording
//! upload, and the analysis job that completes the interview. A sampler reads the slot table
//! every 5 ms.

use crate::db::{Backend, BenchDb, RawPool};
use crate::pg::PgServer;
use crate::seed::{self, DueIds};
use crate::server::{Child, ChildArgs};
use chrono::Utc;
use interviewd::config::Config;
use interviewd_domain::model::{Agent, Candidate, Job};
use interviewd_domain::{AgentChannel, AgentId, CandidateId, CompanyId, JobId, Plan};
use interviewd_voice::{BoxFuture, CallOutcome, CallRequest, Conversation, VoiceProvider, wav};
use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

/// What the burst runs.
pub struct Params {
    pub companies: u64,
    pub per_company: u64,
    pub limit: u64,
    pub timeout_secs: u64,
}

/// What the burst measured.
pub struct Report {
    pub backend: Backend,
    pub interviews: u64,
    pub companies: u64,
    pub limit: u64,
    pub seed: Duration,
    pub all_started: Option<Duration>,
    pub drain: Option<Duration>,
    pub drained: bool,
    /// The highest in-use count seen for any one company.
    pub max_in_use: i64,
    /// Companies whose in-use count reached their limit.
    pub companies_at_limit: usize,
    /// Samples in which a company was above its limit.
    pub violations: u64,
    pub samples: u64,
    pub peak_rss_kib: Option<u64>,
    pub cpus: usize,
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let secs =
            |d: Option<Duration>| d.map_or("-".to_owned(), |d| format!("{:.2} s", d.as_secs_f64()));
        let rate = |d: Option<Duration>| {
            d.map_or("-".to_owned(), |d| {
                format!("{:.0}/s", self.interviews as f64 / d.as_secs_f64())
            })
        };
        writeln!(
            f,
            "engine benchmark ({}): {} interviews due at once, {} companies, limit {} each, zero-length calls, {} CPUs",
            self.backend.name(),
            self.interviews,
            self.companies,
            self.limit,
            self.cpus
        )?;
        writeln!(
            f,
            "  seeding                        {:.2} s",
            self.seed.as_secs_f64()
        )?;
        writeln!(
            f,
            "  all attempts started after     {}  ({} attempts started)",
            secs(self.all_started),
            rate(self.all_started)
        )?;
        writeln!(
            f,
            "  queue drained (all COMPLETED)  {}  ({} interviews completed)",
            secs(self.drain),
            rate(self.drain)
        )?;
        writeln!(
            f,
            "  highest in-use per company     {} (limit {}; {} of {} companies reached it)",
            self.max_in_use, self.limit, self.companies_at_limit, self.companies
        )?;
        writeln!(
            f,
            "  samples above the limit        {} of {}",
            self.violations, self.samples
        )?;
        match self.peak_rss_kib {
            Some(kib) => write!(
                f,
                "  peak memory (VmHWM, engine)    {:.1} MiB",
                kib as f64 / 1024.0
            ),
            None => write!(f, "  peak memory (VmHWM, engine)    unavailable"),
        }
    }
}

/// Answers and hangs up at once with nothing said.
struct InstantProvider;

impl VoiceProvider for InstantProvider {
    fn call(&self, mut req: CallRequest, _cancel: CancellationToken) -> BoxFuture<'_, CallOutcome> {
        Box::pin(async move {
            req.notify_answered();
            CallOutcome::Completed(Conversation {
                turns: Vec::new(),
                recording_wav: wav::synthesize(&[], 0),
                duration_ms: 0,
            })
        })
    }
}

/// Starts the engine's workers on `store` with the instant provider (in the child process).
pub fn spawn_instant_engine(
    config: &Config,
    store: interviewd::store::DynStore,
    shutdown: &CancellationToken,
) -> anyhow::Result<Vec<tokio::task::JoinHandle<()>>> {
    let server =
        interviewd::Server::with_provider(config.clone(), store, Arc::new(InstantProvider))?;
    Ok(server
        .workers
        .spawn_groups(&[interviewd::workers::Group::Engine], shutdown))
}

/// A fresh database with companies ready for due calls.
pub struct EngineDb {
    pub db: BenchDb,
    pub config: Config,
    pub store: interviewd::store::DynStore,
    pub pool: RawPool,
    pub companies: Vec<DueIds>,
    pub limit: u64,
}

impl EngineDb {
    /// `companies` companies with concurrency `limit`, on a server configuration that holds
    /// at most `live_calls` calls.
    pub async fn create(
        backend: Backend,
        pg: Option<&PgServer>,
        companies: u64,
        limit: u64,
        live_calls: usize,
    ) -> anyhow::Result<Self> {
        let db = BenchDb::create(backend, pg).await?;
        let mut config = crate::server::config(&db.url, db.data_dir.clone());
        config.engine_max_live_calls = u32::try_from(live_calls)?.max(1);
        let store = interviewd::open_store(&config).await?;
        let pool = RawPool::connect(backend, &db.url).await?;
        let mut ids = Vec::new();
        for n in 0..companies {
            ids.push(company(&store, n, limit).await?);
        }
        Ok(Self {
            db,
            config,
            store,
            pool,
            companies: ids,
            limit,
        })
    }

    /// `per_company` due calls for every company.
    pub async fn seed_due(&self, per_company: u64) -> anyhow::Result<()> {
        for ids in &self.companies {
            seed::due(&self.pool, ids, per_company).await?;
        }
        Ok(())
    }

    /// Creates every company's slot rows up front (the dispatcher's claim does it on demand;
    /// the raw baseline's claim does not).
    pub async fn provision_slots(&self) -> anyhow::Result<()> {
        self.pool
            .execute(&format!(
                "WITH RECURSIVE s(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM s WHERE n < {}) \
                 INSERT INTO company_slots (company_id, slot_no) SELECT c.id, s.n FROM companies c \
                 CROSS JOIN s WHERE true ON CONFLICT (company_id, slot_no) DO NOTHING",
                self.limit
            ))
            .await
    }

    /// Starts the engine's workers with the instant provider, in a process of their own
    /// (see [`crate::server`]).
    pub async fn start_engine(&self) -> anyhow::Result<Child> {
        Child::start(&ChildArgs {
            database_url: self.config.database_url(),
            data_dir: self.config.data_dir.clone(),
            http: false,
            event_fanout: false,
            engine_live_calls: Some(self.config.engine_max_live_calls as usize),
            llm_url: None,
            instant_speech: false,
            blob_url: None,
            env: Vec::new(),
        })
        .await
    }

    /// Held slots per company now.
    pub async fn held_slots(&self) -> anyhow::Result<Vec<(Uuid, i64)>> {
        const SQL: &str = "SELECT company_id, COUNT(*) FROM company_slots \
             WHERE holder_attempt_id IS NOT NULL GROUP BY company_id";
        Ok(match &self.pool {
            RawPool::Sqlite { read, .. } => sqlx::query_as(SQL).fetch_all(read).await?,
            RawPool::Pg(pool) => sqlx::query_as(SQL).fetch_all(pool).await?,
        })
    }

    /// Closes the pools and drops the database.
    pub async fn teardown(self) {
        self.pool.close().await;
        drop(self.store);
        self.db.drop_database().await;
    }
}

/// A company with its job, agent and candidate, made through the store.
async fn company(
    store: &interviewd::store::DynStore,
    n: u64,
    limit: u64,
) -> anyhow::Result<DueIds> {
    let now = Utc::now();
    let limit = u32::try_from(limit)?;
    let company = interviewd::admin::create_company(
        store,
        &format!("Company {n}"),
        Plan::Business,
        Some(limit),
    )
    .await?;
    let job = store.insert_job(&job(company.id, now)).await?;
    let agent = store.insert_agent(&agent(company.id, now)).await?;
    let candidate = store
        .insert_candidate(&candidate(company.id, job.id, n, now)?)
        .await?;
    Ok(DueIds {
        company: company.id.uuid(),
        candidate: candidate.id.uuid(),
        job: job.id.uuid(),
        agent: agent.id.uuid(),
    })
}

/// The burst: every interview due at once; reports how fast the queue drains and whether a
/// company ever went above its limit.
pub async fn run(backend: Backend, pg: Option<&PgServer>, p: &Params) -> anyhow::Result<Report> {
    let live = usize::try_from(p.companies * p.limit)?.max(1);
    let seeded = Instant::now();
    let edb = EngineDb::create(backend, pg, p.companies, p.limit, live).await?;
    edb.seed_due(p.per_company).await?;
    let seed = seeded.elapsed();
    let total = p.companies * p.per_company;
    let started = Instant::now();
    let engine = edb.start_engine().await?;
    let limit = i64::try_from(p.limit)?;
    let mut peak: HashMap<Uuid, i64> = HashMap::new();
    let (mut samples, mut violations) = (0_u64, 0_u64);
    let (mut all_started, mut drain) = (None, None);
    let deadline = started + Duration::from_secs(p.timeout_secs);
    while Instant::now() < deadline {
        samples += 1;
        for (company, n) in edb.held_slots().await? {
            violations += u64::from(n > limit);
            let p = peak.entry(company).or_default();
            *p = (*p).max(n);
        }
        if all_started.is_none()
            && edb
                .pool
                .count("call_attempts WHERE status = 'SCHEDULED'")
                .await?
                == 0
        {
            all_started = Some(started.elapsed());
        }
        let done = edb
            .pool
            .count("interviews WHERE status = 'COMPLETED'")
            .await?;
        if u64::try_from(done).unwrap_or(0) >= total {
            drain = Some(started.elapsed());
            break;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let peak_rss_kib = engine.process().peak_kib();
    engine.stop().await?;
    let companies_at_limit = edb
        .companies
        .iter()
        .filter(|c| peak.get(&c.company) == Some(&limit))
        .count();
    edb.teardown().await;
    Ok(Report {
        backend,
        interviews: total,
        companies: p.companies,
        limit: p.limit,
        seed,
        all_started,
        drain,
        drained: drain.is_some(),
        max_in_use: peak.values().copied().max().unwrap_or(0),
        companies_at_limit,
        violations,
        samples,
        peak_rss_kib,
        cpus: std::thread::available_parallelism().map_or(1, usize::from),
    })
}

fn job(company: CompanyId, now: chrono::DateTime<Utc>) -> Job {
    Job {
        id: JobId::new(),
        number: 0,
        company_id: company,
        title: "Backend Engineer".into(),
        description: None,
        status: "OPEN".into(),
        required_skills: vec!["Rust".into(), "SQL".into()],
        nice_to_have_skills: vec![],
        agent_id: None,
        attrs: Default::default(),
        created_at: now,
        updated_at: now,
    }
}

fn agent(company: CompanyId, now: chrono::DateTime<Utc>) -> Agent {
    Agent {
        id: AgentId::new(),
        number: 0,
        company_id: company,
        name: "Screener".into(),
        channel: AgentChannel::Phone,
        focus: "SCREENING".into(),
        language: "EN".into(),
        duration_minutes: 10,
        questions: vec!["Tell me about Rust.".into()],
        instructions: None,
        attrs: Default::default(),
        created_at: now,
        updated_at: now,
    }
}

fn candidate(
    company: CompanyId,
    job: JobId,
    n: u64,
    now: chrono::DateTime<Utc>,
) -> anyhow::Result<Candidate> {
    let phone = interviewd_domain::PhoneNumber::parse(&format!("+1415555{:04}", n % 9_000))
        .map_err(|e| anyhow::anyhow!("phone: {}", e.0))?;
    Ok(Candidate {
        id: CandidateId::new(),
        number: 0,
        company_id: company,
        first_name: Some("Ann".into()),
        last_name: Some(format!("Lee {n}")),
        email: None,
        phone: Some(phone),
        ext_id: None,
        status: "APPLIED".into(),
        gdpr_expiry_date: None,
        metadata: Default::default(),
        custom_fields: vec![],
        job_ids: vec![job],
        created_at: now,
        updated_at: now,
    })
}
