//! The engine benchmark: a burst of due interviews across many companies.
//!
//! The database is a fresh SQLite file in a temporary directory. Every interview is inserted
//! (with its due call attempt) before the engine starts, in one transaction, so all of them
//! are due at once. The voice provider answers and hangs up at once with an empty
//! conversation (a zero-length call); everything else is the real engine: claims with
//! slots, the answer write, the end transaction with its 44-byte recording upload, and the
//! analysis job that completes the interview. A sampler reads the slot table every 5 ms.

use anyhow::Context;
use chrono::Utc;
use interviewd::config::{Config, sqlite_url};
use interviewd::engine::Engine;
use interviewd::http::AppState;
use interviewd::store::sqlite::{SqliteStore, interviews};
use interviewd_domain::model::{Agent, CallAttempt, Candidate, Interview, Invite, Job};
use interviewd_domain::{
    AgentChannel, AgentId, AttemptId, AttemptStatus, CandidateId, CompanyId, InterviewId,
    InterviewStatus, JobId, Plan,
};
use interviewd_voice::{BoxFuture, CallOutcome, CallRequest, Conversation, VoiceProvider, wav};
use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio_util::sync::CancellationToken;

/// What to run.
pub struct Params {
    pub companies: u64,
    pub per_company: u64,
    pub limit: u64,
    pub timeout_secs: u64,
}

impl Default for Params {
    fn default() -> Self {
        Self {
            companies: 100,
            per_company: 100,
            limit: 5,
            timeout_secs: 110,
        }
    }
}

/// What was measured.
pub struct Report {
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
            "engine benchmark: {} interviews due at once, {} companies, limit {} each, zero-length calls, {} CPUs",
            self.interviews, self.companies, self.limit, self.cpus
        )?;
        writeln!(
            f,
            "  seeding (one transaction)      {:.2} s",
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
                "  peak memory (VmHWM)            {:.1} MiB",
                kib as f64 / 1024.0
            ),
            None => write!(f, "  peak memory (VmHWM)            unavailable"),
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

/// Peak resident set size of this process, from `/proc/self/status`.
fn peak_rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

pub async fn run(p: &Params) -> anyhow::Result<Report> {
    let dir = tempfile::tempdir()?;
    let mut config = Config {
        data_dir: dir.path().join("data"),
        ..Config::default()
    };
    config.database_url = Some(sqlite_url(&config.data_dir.join("interviewd.db")));
    config.engine_poll_ms = 50;
    config.engine_max_live_calls = u32::try_from(p.companies * p.limit)
        .unwrap_or(u32::MAX)
        .max(1);
    let store = interviewd::open_store(&config).await?;
    let seeded = Instant::now();
    let companies = seed(&config, &store, p).await?;
    let seed = seeded.elapsed();
    let total = p.companies * p.per_company;

    let engine = Engine::with_provider(&config, store.clone(), Arc::new(InstantProvider))?;
    let state = AppState {
        store,
        config: Arc::new(config.clone()),
        engine,
    };
    let db = SqliteStore::connect(&config.database_url()).await?;
    let shutdown = CancellationToken::new();
    let started = Instant::now();
    let workers = interviewd::engine::spawn(&state, shutdown.clone());

    let limit = i64::try_from(p.limit).unwrap_or(i64::MAX);
    let mut peak: HashMap<uuid::Uuid, i64> = HashMap::new();
    let (mut samples, mut violations) = (0_u64, 0_u64);
    let (mut all_started, mut drain) = (None, None);
    let deadline = started + Duration::from_secs(p.timeout_secs);
    while Instant::now() < deadline {
        let held: Vec<(uuid::Uuid, i64)> = sqlx::query_as(
            "SELECT company_id, COUNT(*) FROM company_slots WHERE holder_attempt_id IS NOT NULL GROUP BY company_id",
        )
        .fetch_all(db.pool())
        .await?;
        samples += 1;
        for (company, n) in held {
            violations += u64::from(n > limit);
            let p = peak.entry(company).or_default();
            *p = (*p).max(n);
        }
        if all_started.is_none() {
            let waiting: i64 =
                sqlx::query_scalar("SELECT COUNT(*) FROM call_attempts WHERE status = 'SCHEDULED'")
                    .fetch_one(db.pool())
                    .await?;
            if waiting == 0 {
                all_started = Some(started.elapsed());
            }
        }
        let done: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM interviews WHERE status = 'COMPLETED'")
                .fetch_one(db.pool())
                .await?;
        if u64::try_from(done).unwrap_or(0) >= total {
            drain = Some(started.elapsed());
            break;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    shutdown.cancel();
    for worker in workers {
        let _ = worker.await;
    }
    let max_in_use = peak.values().copied().max().unwrap_or(0);
    Ok(Report {
        interviews: total,
        companies: p.companies,
        limit: p.limit,
        seed,
        all_started,
        drain,
        drained: drain.is_some(),
        max_in_use,
        companies_at_limit: companies
            .iter()
            .filter(|c| peak.get(&c.uuid()) == Some(&limit))
            .count(),
        violations,
        samples,
        peak_rss_kib: peak_rss_kib(),
        cpus: std::thread::available_parallelism().map_or(1, usize::from),
    })
}

/// Creates the companies, one job, agent and candidate each, and every interview with its
/// due attempt.
async fn seed(
    config: &Config,
    store: &interviewd::store::DynStore,
    p: &Params,
) -> anyhow::Result<Vec<CompanyId>> {
    let now = Utc::now();
    let limit = u32::try_from(p.limit).context("--limit")?;
    let mut plans = Vec::new();
    for n in 0..p.companies {
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
        plans.push((company.id, job.id, agent.id, candidate.id));
    }
    let db = SqliteStore::connect(&config.database_url()).await?;
    let mut tx = db.write_tx().await?;
    for _ in 0..p.per_company {
        for (company, job, agent, candidate) in &plans {
            let interview = interview(*company, *candidate, *job, *agent, now);
            interviews::insert_interview(&mut tx, &interview).await?;
            interviews::insert_attempt(&mut tx, &attempt(&interview, now)).await?;
        }
    }
    tx.commit().await?;
    Ok(plans.into_iter().map(|(c, ..)| c).collect())
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

fn interview(
    company: CompanyId,
    candidate: CandidateId,
    job: JobId,
    agent: AgentId,
    now: chrono::DateTime<Utc>,
) -> Interview {
    let id = InterviewId::new();
    Interview {
        id,
        number: 0,
        company_id: company,
        candidate_id: candidate,
        job_id: Some(job),
        agent_id: agent,
        channel: AgentChannel::Phone,
        status: InterviewStatus::Scheduled,
        scheduled_at: now,
        started_at: None,
        finished_at: None,
        is_test: false,
        metadata: Default::default(),
        invite: Invite {
            token: id.uuid().simple().to_string(),
            sent_at: now,
            starts_at: None,
            expires_at: None,
            revoked_at: None,
            custom_field_id: None,
        },
        created_at: now,
        updated_at: now,
    }
}

fn attempt(interview: &Interview, now: chrono::DateTime<Utc>) -> CallAttempt {
    CallAttempt {
        id: AttemptId::new(),
        interview_id: interview.id,
        company_id: interview.company_id,
        status: AttemptStatus::Scheduled,
        direction: "OUTBOUND".into(),
        reason_code: None,
        notes: None,
        retry_number: 0,
        scheduled_at: now,
        called_at: None,
        ended_at: None,
        duration_ms: None,
        recording_key: None,
        created_at: now,
        updated_at: now,
    }
}
