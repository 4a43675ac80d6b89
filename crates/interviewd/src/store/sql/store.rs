//! [`Store`] on either backend: each operation delegates to the shared statement modules.

use super::{DbStore, MIGRATOR, candidates, catalog, interviews, removal, tenants};
use crate::store::removal::RemovalScope;
use crate::store::retry::{retrying, retrying_removal};
use crate::store::{
    CandidateCounts, CandidateFilter, CompanyScope, ContactKey, Created, InterviewDetail,
    InterviewFilter, JobFilter, NewInterview, Page, ResourceKind, Store, StoreResult, WakeUp,
};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use interviewd_domain::model::{Agent, ApiKey, Candidate, Company, Job};
use interviewd_domain::{
    AgentId, CandidateId, CompanyId, InterviewId, JobId, KeyId, PageRequest, Plan,
};

fn page<T>(items: Vec<T>, total: i64) -> Page<T> {
    Page { items, total }
}

#[async_trait]
impl Store for DbStore {
    async fn migrate(&self) -> StoreResult<()> {
        // On PostgreSQL sqlx holds an advisory lock while migrating, so nodes starting
        // together are safe.
        MIGRATOR
            .run(&self.pool)
            .await
            .map_err(|e| crate::store::StoreError::Internal(format!("migration failed: {e}")))?;
        self.after_migrate().await
    }

    fn faults(&self) -> &crate::store::removal::FaultInjector {
        &self.faults
    }

    async fn remove_interviews(
        &self,
        req: &crate::store::removal::RemovalRequest,
    ) -> StoreResult<crate::store::removal::RemovalReport> {
        let report = retrying_removal("removal", || removal::remove(self, req)).await?;
        if !report.interviews.is_empty() || matches!(req.scope, RemovalScope::Candidate(_)) {
            self.erased();
        }
        Ok(report)
    }

    async fn remove_from_opening(
        &self,
        req: &crate::store::removal::OpeningRemoval,
    ) -> StoreResult<crate::store::removal::OpeningOutcome> {
        let outcome = retrying_removal("removal from an opening", || {
            removal::remove_from_opening(self, req)
        })
        .await?;
        if outcome
            .as_ref()
            .is_some_and(|(_, report)| !report.interviews.is_empty())
        {
            self.erased();
        }
        Ok(outcome)
    }

    async fn revoke_invite(
        &self,
        req: &crate::store::removal::RevokeRequest,
        notice: Option<crate::store::removal::RenderNotice>,
    ) -> StoreResult<crate::store::removal::RevokeOutcome> {
        retrying_removal("revoke", || removal::revoke(self, req, notice)).await
    }

    fn wake_ups(&self) -> Option<tokio::sync::broadcast::Receiver<WakeUp>> {
        self.subscribe_wake_ups()
    }

    fn listen(&self, keep_keys: std::time::Duration) {
        self.keys.keep_for(keep_keys);
        self.start_listening();
    }

    fn describe(&self) -> String {
        self.describe_backend()
    }

    async fn compact(&self, force: bool) -> StoreResult<bool> {
        DbStore::compact(self, force).await
    }

    async fn backup(&self, target: &std::path::Path) -> StoreResult<()> {
        self.backup_to(target).await
    }

    async fn close(&self) {
        self.close_backend().await;
    }

    async fn ping(&self) -> StoreResult<()> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }

    async fn owner_of(&self, kind: ResourceKind, id: uuid::Uuid) -> StoreResult<Option<CompanyId>> {
        let sql = match kind {
            ResourceKind::Job => "SELECT company_id FROM jobs WHERE id = $1 AND deleted_at IS NULL",
            ResourceKind::Agent => {
                "SELECT company_id FROM agents WHERE id = $1 AND deleted_at IS NULL"
            }
            ResourceKind::Candidate => {
                "SELECT company_id FROM candidates WHERE id = $1 AND deleted_at IS NULL"
            }
            ResourceKind::Interview => "SELECT company_id FROM interviews WHERE id = $1",
            ResourceKind::Webhook => "SELECT company_id FROM webhooks WHERE id = $1",
        };
        let owner: Option<uuid::Uuid> = sqlx::query_scalar(sql)
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        Ok(owner.map(CompanyId::from))
    }

    async fn create_company(
        &self,
        company: &Company,
        managed_by: Option<KeyId>,
    ) -> StoreResult<Company> {
        let created = retrying("create company", || {
            tenants::create_company(self, company, managed_by)
        })
        .await;
        if managed_by.is_some() {
            self.keys.forget_all();
        }
        created
    }
    async fn get_company(&self, id: CompanyId) -> StoreResult<Option<Company>> {
        tenants::get_company(&self.pool, id).await
    }
    async fn list_companies(
        &self,
        scope: &CompanyScope,
        p: PageRequest,
    ) -> StoreResult<Page<Company>> {
        tenants::list_companies(&self.pool, scope, p).await
    }
    async fn list_all_companies(&self, p: PageRequest) -> StoreResult<Page<Company>> {
        tenants::list_all_companies(&self.pool, p).await
    }
    async fn update_company(&self, company: &Company) -> StoreResult<()> {
        tenants::update_company(&self.pool, company).await
    }
    async fn set_plan(
        &self,
        id: CompanyId,
        plan: Plan,
        at: DateTime<Utc>,
    ) -> StoreResult<Option<Company>> {
        tenants::set_plan(&self.pool, id, plan, at).await
    }
    async fn create_key(&self, key: &ApiKey, secret_hash: &[u8]) -> StoreResult<()> {
        let created = tenants::create_key(self, key, secret_hash).await;
        self.keys.forget_all();
        created
    }
    async fn find_key(&self, secret_hash: &[u8]) -> StoreResult<Option<(ApiKey, Vec<u8>)>> {
        self.keys
            .find(secret_hash, || tenants::find_key(&self.pool, secret_hash))
            .await
    }
    async fn list_keys(&self) -> StoreResult<Vec<ApiKey>> {
        tenants::list_keys(&self.pool).await
    }
    async fn revoke_key(&self, id: KeyId, at: DateTime<Utc>) -> StoreResult<bool> {
        let revoked = tenants::revoke_key(&self.pool, id, at).await;
        self.keys.forget_all();
        revoked
    }

    async fn insert_job(&self, job: &Job) -> StoreResult<Job> {
        self.create_job_with_agent(job, None).await
    }
    async fn create_job_with_agent(&self, job: &Job, agent: Option<&Agent>) -> StoreResult<Job> {
        retrying("create job", || async {
            let mut tx = self.write_tx().await?;
            if let Some(agent) = agent {
                catalog::insert_agent(&mut tx, agent).await?;
            }
            let job = catalog::insert_job(&mut tx, job).await?;
            tx.commit().await?;
            Ok(job)
        })
        .await
    }
    async fn get_job(&self, company: CompanyId, id: JobId) -> StoreResult<Option<Job>> {
        catalog::get_job(&self.pool, company, id).await
    }
    async fn list_jobs(
        &self,
        company: CompanyId,
        filter: &JobFilter,
        p: PageRequest,
    ) -> StoreResult<Page<Job>> {
        let (items, total) = catalog::list_jobs(&self.pool, company, filter, p).await?;
        Ok(page(items, total))
    }
    async fn update_job(&self, job: &Job) -> StoreResult<()> {
        retrying("update job", || catalog::update_job(&self.pool, job)).await
    }
    async fn job_by_number(&self, company: CompanyId, number: i64) -> StoreResult<Option<Job>> {
        catalog::job_by_number(&self.pool, company, number).await
    }
    async fn agent_by_name(&self, company: CompanyId, name: &str) -> StoreResult<Option<Agent>> {
        catalog::agent_by_name(&self.pool, company, name).await
    }
    async fn insert_agent(&self, agent: &Agent) -> StoreResult<Agent> {
        retrying("create agent", || async {
            let mut tx = self.write_tx().await?;
            let agent = catalog::insert_agent(&mut tx, agent).await?;
            tx.commit().await?;
            Ok(agent)
        })
        .await
    }
    async fn get_agent(&self, company: CompanyId, id: AgentId) -> StoreResult<Option<Agent>> {
        catalog::get_agent(&self.pool, company, id).await
    }
    async fn list_agents(&self, company: CompanyId, p: PageRequest) -> StoreResult<Page<Agent>> {
        let (items, total) = catalog::list_agents(&self.pool, company, p).await?;
        Ok(page(items, total))
    }
    async fn update_agent(&self, agent: &Agent) -> StoreResult<()> {
        retrying("update agent", || catalog::update_agent(&self.pool, agent)).await
    }
    async fn delete_agent(
        &self,
        company: CompanyId,
        id: AgentId,
        at: DateTime<Utc>,
    ) -> StoreResult<bool> {
        catalog::delete_agent(&self.pool, company, id, at).await
    }

    async fn insert_candidate(&self, candidate: &Candidate) -> StoreResult<Candidate> {
        retrying("create candidate", || async {
            let mut tx = self.write_tx().await?;
            let candidate = candidates::insert(&mut tx, candidate).await?;
            tx.commit().await?;
            Ok(candidate)
        })
        .await
    }
    async fn get_candidate(
        &self,
        company: CompanyId,
        id: CandidateId,
    ) -> StoreResult<Option<Candidate>> {
        candidates::get(&self.pool, company, id).await
    }
    async fn list_candidates(
        &self,
        company: CompanyId,
        filter: &CandidateFilter,
        p: PageRequest,
    ) -> StoreResult<Page<Candidate>> {
        let (items, total) = candidates::list(&self.pool, company, filter, p).await?;
        Ok(page(items, total))
    }
    async fn update_candidate(&self, candidate: &Candidate) -> StoreResult<()> {
        retrying("update candidate", || async {
            let mut tx = self.write_tx().await?;
            candidates::update(&mut tx, candidate).await?;
            tx.commit().await?;
            Ok(())
        })
        .await
    }
    async fn find_candidate(
        &self,
        company: CompanyId,
        key: &ContactKey,
    ) -> StoreResult<Option<Candidate>> {
        candidates::find(&self.pool, company, key).await
    }
    async fn find_candidate_id(
        &self,
        company: CompanyId,
        key: &ContactKey,
    ) -> StoreResult<Option<CandidateId>> {
        candidates::find_id(&self.pool, company, key).await
    }
    async fn candidates_before(
        &self,
        company: CompanyId,
        before: Option<i64>,
        limit: u32,
    ) -> StoreResult<Vec<Candidate>> {
        candidates::before(&self.pool, company, before, limit).await
    }
    async fn candidates_after(
        &self,
        company: CompanyId,
        after: i64,
        limit: u32,
    ) -> StoreResult<Vec<Candidate>> {
        candidates::after(&self.pool, company, after, limit).await
    }
    async fn candidate_counts(
        &self,
        company: CompanyId,
        id: CandidateId,
    ) -> StoreResult<CandidateCounts> {
        candidates::counts(&self.pool, company, id).await
    }

    async fn create_interview(&self, plan: &NewInterview) -> StoreResult<Created> {
        retrying("create interview", || interviews::create(self, plan)).await
    }
    async fn get_interview(
        &self,
        company: CompanyId,
        id: InterviewId,
    ) -> StoreResult<Option<InterviewDetail>> {
        interviews::get(&self.pool, company, id).await
    }
    async fn interview_by_number(
        &self,
        company: CompanyId,
        number: i64,
    ) -> StoreResult<Option<InterviewDetail>> {
        interviews::by_number(&self.pool, company, number).await
    }
    async fn interview_by_custom_field(
        &self,
        company: CompanyId,
        cf: &str,
    ) -> StoreResult<Option<InterviewDetail>> {
        interviews::by_custom_field(&self.pool, company, cf).await
    }
    async fn open_invites(&self, company: CompanyId) -> StoreResult<i64> {
        interviews::open_invites(&self.pool, company).await
    }
    async fn update_interview_metadata(
        &self,
        company: CompanyId,
        id: InterviewId,
        metadata: &interviewd_domain::model::Attrs,
        at: DateTime<Utc>,
    ) -> StoreResult<bool> {
        let done = sqlx::query(
            "UPDATE interviews SET metadata = $3, updated_at = $4 WHERE id = $1 AND company_id = $2",
        )
        .bind(id.uuid())
        .bind(company.uuid())
        .bind(crate::store::rows::to_json(metadata))
        .bind(interviewd_domain::time::to_millis(at))
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() == 1)
    }
    async fn list_interviews(
        &self,
        company: CompanyId,
        filter: &InterviewFilter,
        p: PageRequest,
    ) -> StoreResult<Page<InterviewDetail>> {
        let (items, total) = interviews::list(&self.pool, company, filter, p).await?;
        Ok(page(items, total))
    }
}
