//! The SQL side of [`crate::store::xobin::XobinStore`].

use super::Conn;
use super::{DbStore, catalog};
use crate::store::xobin::{
    Generation, GenerationOutcome, GenerationStatus, InviteSummary, XobinStore,
};
use crate::store::{StoreError, StoreResult};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use interviewd_domain::time::{from_millis, to_millis};
use interviewd_domain::{CompanyId, JobId};
use uuid::Uuid;

const GENERATION_COLS: &str = "id, company_id, job_role, job_description, notification_url, status, attempts, \
     ai_interview_id, ai_interview_name, error, notify_attempts, created_at, updated_at";

#[derive(sqlx::FromRow)]
struct GenerationRow {
    id: Uuid,
    company_id: Uuid,
    job_role: String,
    job_description: String,
    notification_url: Option<String>,
    status: String,
    attempts: i64,
    ai_interview_id: Option<i64>,
    ai_interview_name: Option<String>,
    error: Option<String>,
    notify_attempts: i64,
    created_at: i64,
    updated_at: i64,
}

impl TryFrom<GenerationRow> for Generation {
    type Error = StoreError;
    fn try_from(r: GenerationRow) -> StoreResult<Self> {
        let status = GenerationStatus::parse(&r.status).ok_or_else(|| {
            StoreError::Internal(format!("bad xobin_generations.status {}", r.status))
        })?;
        Ok(Generation {
            id: r.id,
            company_id: r.company_id.into(),
            job_role: r.job_role,
            job_description: r.job_description,
            notification_url: r.notification_url,
            status,
            attempts: r.attempts,
            ai_interview_id: r.ai_interview_id,
            ai_interview_name: r.ai_interview_name,
            error: r.error,
            notify_attempts: r.notify_attempts,
            created_at: from_millis(r.created_at),
            updated_at: from_millis(r.updated_at),
        })
    }
}

fn generation(row: Option<GenerationRow>) -> StoreResult<Option<Generation>> {
    row.map(Generation::try_from).transpose()
}

async fn generation_by_id(conn: &mut Conn, id: Uuid) -> StoreResult<Option<Generation>> {
    let row: Option<GenerationRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {GENERATION_COLS} FROM xobin_generations WHERE id = $1"
    )))
    .bind(id)
    .fetch_optional(conn)
    .await?;
    generation(row)
}

#[async_trait]
impl XobinStore for DbStore {
    async fn insert_generation(&self, g: &Generation) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO xobin_generations (id, company_id, job_role, job_description, notification_url, status, \
             created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(g.id)
        .bind(g.company_id.uuid())
        .bind(&g.job_role)
        .bind(&g.job_description)
        .bind(&g.notification_url)
        .bind(g.status.as_str())
        .bind(to_millis(g.created_at))
        .bind(to_millis(g.updated_at))
        .execute(self.pool())
        .await?;
        Ok(())
    }

    async fn get_generation(
        &self,
        company: CompanyId,
        id: Uuid,
    ) -> StoreResult<Option<Generation>> {
        let row: Option<GenerationRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT {GENERATION_COLS} FROM xobin_generations WHERE id = $1 AND company_id = $2"
        )))
        .bind(id)
        .bind(company.uuid())
        .fetch_optional(self.pool())
        .await?;
        generation(row)
    }

    async fn claim_generation(
        &self,
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
    ) -> StoreResult<Option<Generation>> {
        let row: Option<GenerationRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "UPDATE xobin_generations SET status = 'processing', attempts = attempts + 1, lease_until = $2, \
             updated_at = $1 WHERE id = (SELECT id FROM xobin_generations WHERE status = 'pending' \
             OR (status = 'processing' AND (lease_until IS NULL OR lease_until <= $1)) ORDER BY created_at, id LIMIT 1{lock}) \
             RETURNING {GENERATION_COLS}",
            lock = for_update!(skip_locked)
        )))
        .bind(to_millis(now))
        .bind(to_millis(lease_until))
        .fetch_optional(self.pool())
        .await?;
        generation(row)
    }

    async fn finish_generation(
        &self,
        id: Uuid,
        attempts: i64,
        outcome: &GenerationOutcome,
        now: DateTime<Utc>,
    ) -> StoreResult<Option<Generation>> {
        let mut tx = self.write_tx().await?;
        let (status, error) = match outcome {
            GenerationOutcome::Completed { .. } => (GenerationStatus::Completed, None),
            GenerationOutcome::Failed { error } => (GenerationStatus::Failed, Some(error)),
        };
        let fenced = sqlx::query(
            "UPDATE xobin_generations SET status = $3, error = $4, lease_until = NULL, updated_at = $5, \
             notify_due_at = CASE WHEN notification_url IS NULL THEN NULL ELSE $5 END \
             WHERE id = $1 AND attempts = $2 AND status = 'processing'",
        )
        .bind(id)
        .bind(attempts)
        .bind(status.as_str())
        .bind(error)
        .bind(to_millis(now))
        .execute(&mut *tx)
        .await?;
        if fenced.rows_affected() == 0 {
            return Ok(None);
        }
        if let GenerationOutcome::Completed { job, agent } = outcome {
            catalog::insert_agent(&mut tx, agent).await?;
            let job = catalog::insert_job(&mut tx, job).await?;
            sqlx::query(
                "UPDATE xobin_generations SET ai_interview_id = $2, ai_interview_name = $3 WHERE id = $1",
            )
            .bind(id)
            .bind(job.number)
            .bind(&job.title)
            .execute(&mut *tx)
            .await?;
        }
        let finished = generation_by_id(&mut tx, id).await?;
        tx.commit().await?;
        Ok(finished)
    }

    async fn claim_generation_notice(
        &self,
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
    ) -> StoreResult<Option<Generation>> {
        let row: Option<GenerationRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "UPDATE xobin_generations SET notify_due_at = $2, notify_attempts = notify_attempts + 1 \
             WHERE id = (SELECT id FROM xobin_generations WHERE notify_due_at IS NOT NULL AND notify_due_at <= $1 \
             ORDER BY notify_due_at, id LIMIT 1{lock}) RETURNING {GENERATION_COLS}",
            lock = for_update!(skip_locked)
        )))
        .bind(to_millis(now))
        .bind(to_millis(lease_until))
        .fetch_optional(self.pool())
        .await?;
        generation(row)
    }

    async fn record_generation_notice(
        &self,
        id: Uuid,
        notify_attempts: i64,
        retry_at: Option<DateTime<Utc>>,
        error: Option<&str>,
        now: DateTime<Utc>,
    ) -> StoreResult<()> {
        let delivered_at = (retry_at.is_none() && error.is_none()).then(|| to_millis(now));
        sqlx::query(
            "UPDATE xobin_generations SET notify_due_at = $3, notify_error = $4, \
             notified_at = COALESCE($5, notified_at) WHERE id = $1 AND notify_attempts = $2",
        )
        .bind(id)
        .bind(notify_attempts)
        .bind(retry_at.map(to_millis))
        .bind(error)
        .bind(delivered_at)
        .execute(self.pool())
        .await?;
        Ok(())
    }

    async fn invites_of_job(
        &self,
        company: CompanyId,
        job: JobId,
    ) -> StoreResult<Vec<InviteSummary>> {
        type Row = (i64, i64, String, Option<i64>, Option<i64>, Option<i64>, i64);
        let rows: Vec<Row> = sqlx::query_as(
            "SELECT i.number, c.number, i.status, i.invite_starts_at, i.invite_expires_at, i.invite_revoked_at, \
             i.updated_at FROM interviews i JOIN candidates c ON c.id = i.candidate_id \
             WHERE i.company_id = $1 AND i.job_id = $2 ORDER BY i.number",
        )
        .bind(company.uuid())
        .bind(job.uuid())
        .fetch_all(self.pool())
        .await?;
        rows.into_iter()
            .map(
                |(number, candidate, status, starts, expires, revoked, updated)| {
                    Ok(InviteSummary {
                        response_id: number,
                        candidate_number: candidate,
                        status: status.parse().map_err(StoreError::Internal)?,
                        starts_at: starts.map(from_millis),
                        expires_at: expires.map(from_millis),
                        revoked_at: revoked.map(from_millis),
                        updated_at: from_millis(updated),
                    })
                },
            )
            .collect()
    }
}
