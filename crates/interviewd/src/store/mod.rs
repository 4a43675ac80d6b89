//! The storage seam: one domain-shaped interface, one implementation per backend.
//!
//! Every method that reads or writes tenant data takes the acting [`CompanyId`]; there is
//! no unscoped lookup by id except [`Store::owner_of`], which answers only *which company*
//! owns an id so the HTTP layer can tell "another company's resource" (403) from "no such
//! resource" (404), as the InstaView contract requires. Business rules live above this
//! trait; backends hold only SQL.
//!
//! The statements are written once, in `sql/`, against the type aliases `Db`, `Conn`, `Pool`
//! and `DbStore`, and compiled twice: each backend module includes `sql/` as its submodule
//! (`#[path = "../sql/mod.rs"] mod sql;`) after defining those aliases and the two things that
//! differ between the databases — the row-lock clauses (`for_update!`, empty on SQLite) and the few statements
//! written per backend side by side (`per_backend!`). A backend module itself holds only
//! connecting, its transaction start, and (PostgreSQL) `LISTEN/NOTIFY` and the version check.

pub mod carrier;
pub mod console;
pub mod delivery;
pub mod detach;
pub mod engine;
mod error;
pub mod events;
pub mod idempotency;
pub mod metrics;
pub mod model;
// Both backends compile the same files of `sql/`, on purpose (see the module doc).
pub mod key_cache;
#[allow(clippy::duplicate_mod)]
pub mod postgres;
pub mod removal;
pub mod retention;
pub mod retry;
mod rows;
pub mod server_keys;
pub mod sqlite;
pub mod users;
pub mod xobin;

pub use error::StoreError;
pub use model::*;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use interviewd_domain::model::{Agent, ApiKey, Candidate, Company, Job};
use interviewd_domain::{CompanyId, KeyId, PageRequest, Plan};
use std::sync::Arc;

/// Result of a store call.
pub type StoreResult<T> = Result<T, StoreError>;

/// A shared handle to the configured backend.
pub type DynStore = Arc<dyn Store>;

/// Which worker should look for work now (see [`Store::wake_ups`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WakeUp {
    /// The call dispatcher: an attempt is due or a slot was given back.
    Engine,
    /// The webhook fan-out and delivery workers.
    Webhooks,
    /// The mail worker.
    Mail,
    /// Everyone: notifications may have been missed (the listening connection was lost).
    All,
}

/// Everything the server persists.
#[async_trait]
pub trait Store:
    engine::EngineStore
    + carrier::CarrierStore
    + delivery::DeliveryStore
    + detach::DetachStore
    + server_keys::KeyStore
    + xobin::XobinStore
    + idempotency::IdempotencyStore
    + retention::RetentionStore
    + metrics::MetricsStore
    + users::UserStore
    + console::ConsoleStore
    + Send
    + Sync
    + 'static
{
    /// Applies pending migrations.
    async fn migrate(&self) -> StoreResult<()>;

    /// The fault injector of this store (tests arm it; production never does).
    fn faults(&self) -> &removal::FaultInjector;

    /// Removes interviews (and what the scope says goes with them) in one transaction: the
    /// single deletion path of every dialect.
    async fn remove_interviews(
        &self,
        req: &removal::RemovalRequest,
    ) -> StoreResult<removal::RemovalReport>;

    /// Removes a contact, named by a key resolved in the removal's transaction, and all its
    /// interviews from a job opening, as [`Store::remove_interviews`] with
    /// `RemovalScope::CandidateOnJob`.
    async fn remove_from_opening(
        &self,
        req: &removal::OpeningRemoval,
    ) -> StoreResult<removal::OpeningOutcome>;

    /// Decides and applies a revoke in one transaction. When the outcome is `Revoked` and the
    /// request asks to notify, the candidate's notice is rendered by `notice` from what the
    /// transaction reads under its lock, and queued with it.
    async fn revoke_invite(
        &self,
        req: &removal::RevokeRequest,
        notice: Option<removal::RenderNotice>,
    ) -> StoreResult<removal::RevokeOutcome>;

    /// Cheap liveness check of the database.
    async fn ping(&self) -> StoreResult<()>;

    /// Which database this is (`SQLite <path>`, `PostgreSQL user@host:port/db`), for logs and
    /// the admin commands; never a password.
    fn describe(&self) -> String;

    /// Removes what erasures left in the database's files, if a removal committed since the
    /// last time (or always, with `force`): SQLite checkpoints and truncates its write-ahead
    /// log; PostgreSQL vacuums the tables holding personal data. True when it ran to the end.
    async fn compact(&self, force: bool) -> StoreResult<bool>;

    /// A consistent copy of the live database at `target` (SQLite; PostgreSQL answers that
    /// `pg_dump` is the tool).
    async fn backup(&self, target: &std::path::Path) -> StoreResult<()>;

    /// Checkpoints (SQLite) and closes every connection; the store is not used afterwards.
    async fn close(&self);

    /// Work announced by other processes sharing this database, as it commits (PostgreSQL's
    /// `LISTEN/NOTIFY`). `None` when the backend has no such signal: SQLite serves one
    /// machine, and the workers' polling covers everything.
    fn wake_ups(&self) -> Option<tokio::sync::broadcast::Receiver<WakeUp>> {
        None
    }

    /// Starts hearing what other processes announce, for as long as the store lives, whether
    /// or not any worker subscribes to [`Store::wake_ups`]: a server calls it so that it may
    /// keep the API keys it looks up for `keep_keys` at most ([`key_cache`]; zero: never).
    /// Nothing on SQLite.
    fn listen(&self, keep_keys: std::time::Duration) {
        let _ = keep_keys;
    }

    /// Which company owns the resource with this id, if any.
    async fn owner_of(&self, kind: ResourceKind, id: uuid::Uuid) -> StoreResult<Option<CompanyId>>;

    // ---- companies and keys -------------------------------------------------------------

    /// Creates a company; when `managed_by` is an ATS key, grants it the new company.
    async fn create_company(
        &self,
        company: &Company,
        managed_by: Option<KeyId>,
    ) -> StoreResult<Company>;

    /// One company by id.
    async fn get_company(&self, id: CompanyId) -> StoreResult<Option<Company>>;

    /// Companies matching `scope`, newest last.
    async fn list_companies(
        &self,
        scope: &CompanyScope,
        page: PageRequest,
    ) -> StoreResult<Page<Company>>;

    /// Every company (operator listing).
    async fn list_all_companies(&self, page: PageRequest) -> StoreResult<Page<Company>>;

    /// Replaces the mutable fields of a company.
    async fn update_company(&self, company: &Company) -> StoreResult<()>;

    /// Changes a company's plan and records when.
    async fn set_plan(
        &self,
        id: CompanyId,
        plan: Plan,
        at: DateTime<Utc>,
    ) -> StoreResult<Option<Company>>;

    /// Stores a new key (its hash only).
    async fn create_key(&self, key: &ApiKey, secret_hash: &[u8]) -> StoreResult<()>;

    /// The key whose secret hashes to `secret_hash`.
    async fn find_key(&self, secret_hash: &[u8]) -> StoreResult<Option<(ApiKey, Vec<u8>)>>;

    /// All keys.
    async fn list_keys(&self) -> StoreResult<Vec<ApiKey>>;

    /// Marks a key revoked; false when unknown.
    async fn revoke_key(&self, id: KeyId, at: DateTime<Utc>) -> StoreResult<bool>;

    // ---- jobs and agents ----------------------------------------------------------------

    /// Stores a new job.
    async fn insert_job(&self, job: &Job) -> StoreResult<Job>;

    /// Stores a new job and, when given, the new agent it names, in one transaction.
    async fn create_job_with_agent(&self, job: &Job, agent: Option<&Agent>) -> StoreResult<Job>;

    /// One job of the company.
    async fn get_job(
        &self,
        company: CompanyId,
        id: interviewd_domain::JobId,
    ) -> StoreResult<Option<Job>>;

    /// The company's jobs.
    async fn list_jobs(
        &self,
        company: CompanyId,
        filter: &JobFilter,
        page: PageRequest,
    ) -> StoreResult<Page<Job>>;

    /// Replaces a job's mutable fields.
    async fn update_job(&self, job: &Job) -> StoreResult<()>;

    /// The job with this per-deployment number.
    async fn job_by_number(&self, company: CompanyId, number: i64) -> StoreResult<Option<Job>>;

    /// The live agent with this exact name, if any (Alpharun job-type names are unique).
    async fn agent_by_name(&self, company: CompanyId, name: &str) -> StoreResult<Option<Agent>>;

    /// Stores a new agent.
    async fn insert_agent(&self, agent: &Agent) -> StoreResult<Agent>;

    /// One live (not deleted) agent of the company.
    async fn get_agent(
        &self,
        company: CompanyId,
        id: interviewd_domain::AgentId,
    ) -> StoreResult<Option<Agent>>;

    /// The company's live agents.
    async fn list_agents(&self, company: CompanyId, page: PageRequest) -> StoreResult<Page<Agent>>;

    /// Replaces an agent's mutable fields.
    async fn update_agent(&self, agent: &Agent) -> StoreResult<()>;

    /// Hides an agent from reads; interviews that use it keep working. False when unknown.
    async fn delete_agent(
        &self,
        company: CompanyId,
        id: interviewd_domain::AgentId,
        at: DateTime<Utc>,
    ) -> StoreResult<bool>;

    // ---- candidates ---------------------------------------------------------------------

    /// Stores a new candidate with its job links.
    async fn insert_candidate(&self, candidate: &Candidate) -> StoreResult<Candidate>;

    /// One candidate of the company.
    async fn get_candidate(
        &self,
        company: CompanyId,
        id: interviewd_domain::CandidateId,
    ) -> StoreResult<Option<Candidate>>;

    /// The company's candidates.
    async fn list_candidates(
        &self,
        company: CompanyId,
        filter: &CandidateFilter,
        page: PageRequest,
    ) -> StoreResult<Page<Candidate>>;

    /// Replaces a candidate's mutable fields and job links.
    async fn update_candidate(&self, candidate: &Candidate) -> StoreResult<()>;

    /// The candidate named by `key` in the company.
    async fn find_candidate(
        &self,
        company: CompanyId,
        key: &ContactKey,
    ) -> StoreResult<Option<Candidate>>;

    /// The id of the candidate named by `key` in the company, read alone.
    async fn find_candidate_id(
        &self,
        company: CompanyId,
        key: &ContactKey,
    ) -> StoreResult<Option<interviewd_domain::CandidateId>>;

    /// Candidates with `number < before` (all when `None`), newest first (cursor pagination,
    /// as Alpharun lists contacts).
    async fn candidates_before(
        &self,
        company: CompanyId,
        before: Option<i64>,
        limit: u32,
    ) -> StoreResult<Vec<Candidate>>;

    /// Candidates with `number > after`, oldest first (cursor pagination).
    async fn candidates_after(
        &self,
        company: CompanyId,
        after: i64,
        limit: u32,
    ) -> StoreResult<Vec<Candidate>>;

    /// Counts used by the candidate object (`interviewCount`, `analysisCount`).
    async fn candidate_counts(
        &self,
        company: CompanyId,
        id: interviewd_domain::CandidateId,
    ) -> StoreResult<CandidateCounts>;

    // ---- interviews ---------------------------------------------------------------------

    /// Writes a new interview and everything created with it, in one transaction (see
    /// [`NewInterview`] for the conditions checked in it).
    async fn create_interview(&self, plan: &NewInterview) -> StoreResult<Created>;

    /// One interview of the company, with its attempts.
    async fn get_interview(
        &self,
        company: CompanyId,
        id: interviewd_domain::InterviewId,
    ) -> StoreResult<Option<InterviewDetail>>;

    /// The interview with this per-deployment number (Xobin `response_id`).
    async fn interview_by_number(
        &self,
        company: CompanyId,
        number: i64,
    ) -> StoreResult<Option<InterviewDetail>>;

    /// The newest interview whose invite carries this `custom_field_id`.
    async fn interview_by_custom_field(
        &self,
        company: CompanyId,
        custom_field_id: &str,
    ) -> StoreResult<Option<InterviewDetail>>;

    /// Invites that still count against the plan quota: not revoked, not finished.
    async fn open_invites(&self, company: CompanyId) -> StoreResult<i64>;

    /// Replaces an interview's `metadata` (its custom fields live there); false when the
    /// interview is not the company's.
    async fn update_interview_metadata(
        &self,
        company: CompanyId,
        id: interviewd_domain::InterviewId,
        metadata: &interviewd_domain::model::Attrs,
        at: DateTime<Utc>,
    ) -> StoreResult<bool>;

    /// The company's interviews.
    async fn list_interviews(
        &self,
        company: CompanyId,
        filter: &InterviewFilter,
        page: PageRequest,
    ) -> StoreResult<Page<InterviewDetail>>;
}
