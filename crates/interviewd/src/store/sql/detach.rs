//! Detaching deletions of candidates and jobs (see [`crate::store::detach`]): one transaction
//! each — lock the row, tombstone it, unlink it from its jobs or candidates, cancel what can no
//! longer happen, forget stored responses that name it, write the audit record.

use super::audit;
use super::interviews::lock;
use super::{Conn, DbStore};
use crate::store::detach::{self, DetachReport, DetachRequest, DetachStore, DetachTarget};
use crate::store::rows::{CandidateRow, JobRow};
use crate::store::rows::{candidate_cols, job_cols};
use crate::store::{StoreError, StoreResult};
use async_trait::async_trait;
use interviewd_domain::events::{EventIds, InterviewEvent, NewEvent, kinds};
use interviewd_domain::model::{Candidate, Interview, Job};
use interviewd_domain::time::to_millis;
use interviewd_domain::{CandidateId, CompanyId, InterviewStatus, JobId};
use uuid::Uuid;

#[async_trait]
impl DetachStore for DbStore {
    async fn detach(&self, req: &DetachRequest) -> StoreResult<Option<DetachReport>> {
        let mut tx = self.write_tx().await?;
        let report = match req.target {
            DetachTarget::Candidate(id) => candidate(&mut tx, req, id).await?,
            DetachTarget::Job(id) => job(&mut tx, req, id).await?,
        };
        let Some(report) = report else {
            return Ok(None);
        };
        let (target, counts) = detach::audit(req, &report);
        let subject = match req.target {
            DetachTarget::Candidate(id) => id.uuid(),
            DetachTarget::Job(id) => id.uuid(),
        };
        forget_stored_responses(&mut tx, req.company, subject).await?;
        let entry = audit::Entry {
            company: req.company,
            actor: req.actor,
            action: detach::action(req.target),
            target,
            counts,
            at: req.now,
        };
        audit::insert(&mut tx, entry).await?;
        tx.commit().await?;
        Ok(Some(report))
    }

    async fn candidate_any(
        &self,
        company: CompanyId,
        id: CandidateId,
    ) -> StoreResult<Option<Candidate>> {
        let row: Option<CandidateRow> = sqlx::query_as(concat!(
            "SELECT ",
            candidate_cols!(),
            " FROM candidates WHERE id = $1 AND company_id = $2"
        ))
        .bind(id.uuid())
        .bind(company.uuid())
        .fetch_optional(self.pool())
        .await?;
        let Some(row) = row else { return Ok(None) };
        let links: Vec<Uuid> = sqlx::query_scalar(
            "SELECT job_id FROM candidate_jobs WHERE candidate_id = $1 ORDER BY created_at, job_id",
        )
        .bind(id.uuid())
        .fetch_all(self.pool())
        .await?;
        row.into_candidate(links).map(Some)
    }

    async fn job_any(&self, company: CompanyId, id: JobId) -> StoreResult<Option<Job>> {
        let row: Option<JobRow> = sqlx::query_as(concat!(
            "SELECT ",
            job_cols!(),
            " FROM jobs WHERE id = $1 AND company_id = $2"
        ))
        .bind(id.uuid())
        .bind(company.uuid())
        .fetch_optional(self.pool())
        .await?;
        row.map(Job::try_from).transpose()
    }
}

/// Locks a live row of `table` in the company; false when there is none.
async fn lock_live(
    conn: &mut Conn,
    table: &'static str,
    company: CompanyId,
    id: Uuid,
) -> StoreResult<bool> {
    let sql = match table {
        "candidates" => concat!(
            "SELECT number FROM candidates WHERE id = $1 AND company_id = $2 AND deleted_at IS NULL",
            for_update!()
        ),
        _ => concat!(
            "SELECT number FROM jobs WHERE id = $1 AND company_id = $2 AND deleted_at IS NULL",
            for_update!()
        ),
    };
    let found: Option<i64> = sqlx::query_scalar(sql)
        .bind(id)
        .bind(company.uuid())
        .fetch_optional(&mut *conn)
        .await?;
    Ok(found.is_some())
}

async fn candidate(
    conn: &mut Conn,
    req: &DetachRequest,
    id: CandidateId,
) -> StoreResult<Option<DetachReport>> {
    if !lock_live(conn, "candidates", req.company, id.uuid()).await? {
        return Ok(None);
    }
    let mut report = DetachReport::default();
    let scheduled: Vec<Uuid> = sqlx::query_scalar(
        "SELECT id FROM interviews WHERE company_id = $1 AND candidate_id = $2 AND status = $3 \
         ORDER BY number",
    )
    .bind(req.company.uuid())
    .bind(id.uuid())
    .bind(InterviewStatus::Scheduled.as_str())
    .fetch_all(&mut *conn)
    .await?;
    for interview in scheduled {
        // Read again under the lock: a dispatcher may have started it meanwhile.
        if let Some(i) = lock(conn, interview).await?
            && i.status == InterviewStatus::Scheduled
        {
            cancel(conn, &i, detach::CANDIDATE_DELETED, req.now).await?;
            report.canceled.push(i.id);
        }
    }
    report.dropped_mails = sqlx::query(
        "DELETE FROM mail_queue WHERE status = 'PENDING' AND interview_id IN \
         (SELECT id FROM interviews WHERE company_id = $1 AND candidate_id = $2)",
    )
    .bind(req.company.uuid())
    .bind(id.uuid())
    .execute(&mut *conn)
    .await?
    .rows_affected();
    report.unlinked = sqlx::query("DELETE FROM candidate_jobs WHERE candidate_id = $1")
        .bind(id.uuid())
        .execute(&mut *conn)
        .await?
        .rows_affected();
    // The tombstone keeps the ids its interviews name, and nothing of the person.
    sqlx::query(
        "UPDATE candidates SET first_name = NULL, last_name = NULL, email = NULL, phone = NULL, \
         ext_id = NULL, gdpr_expiry_date = NULL, metadata = '{}', custom_fields = '[]', \
         deleted_at = $3, updated_at = $3 WHERE id = $1 AND company_id = $2",
    )
    .bind(id.uuid())
    .bind(req.company.uuid())
    .bind(to_millis(req.now))
    .execute(&mut *conn)
    .await?;
    Ok(Some(report))
}

/// Cancels one SCHEDULED interview (its candidate deleted, or its last pending attempt): its
/// attempts leave the queue and an `interview.canceled` event with `reason` is recorded.
pub async fn cancel(
    conn: &mut Conn,
    i: &Interview,
    reason: &str,
    now: chrono::DateTime<chrono::Utc>,
) -> StoreResult<()> {
    let at = to_millis(now);
    sqlx::query(
        "UPDATE interviews SET status = $2, finished_at = $3, updated_at = $3 WHERE id = $1",
    )
    .bind(i.id.uuid())
    .bind(InterviewStatus::Canceled.as_str())
    .bind(at)
    .execute(&mut *conn)
    .await?;
    sqlx::query(
        "UPDATE call_attempts SET status = 'CANCELLED', reason_code = $2, ended_at = $3, \
         updated_at = $3 WHERE interview_id = $1 AND status = 'SCHEDULED'",
    )
    .bind(i.id.uuid())
    .bind(reason)
    .bind(at)
    .execute(&mut *conn)
    .await?;
    let ids = EventIds {
        company_id: i.company_id,
        interview_id: i.id,
        candidate_id: i.candidate_id,
        job_id: i.job_id,
    };
    let mut data = InterviewEvent::new(&ids, None, InterviewStatus::Canceled.as_str());
    data.reason_code = Some(reason.to_owned());
    let data = serde_json::to_value(&data).map_err(|e| StoreError::Internal(e.to_string()))?;
    let event = NewEvent::new(
        i.company_id,
        Some(i.id),
        kinds::INTERVIEW_CANCELED,
        data,
        now,
    );
    super::events::insert(conn, &event).await
}

async fn job(conn: &mut Conn, req: &DetachRequest, id: JobId) -> StoreResult<Option<DetachReport>> {
    if !lock_live(conn, "jobs", req.company, id.uuid()).await? {
        return Ok(None);
    }
    let unlinked = sqlx::query("DELETE FROM candidate_jobs WHERE job_id = $1")
        .bind(id.uuid())
        .execute(&mut *conn)
        .await?
        .rows_affected();
    sqlx::query(
        "UPDATE jobs SET deleted_at = $3, updated_at = $3 WHERE id = $1 AND company_id = $2",
    )
    .bind(id.uuid())
    .bind(req.company.uuid())
    .bind(to_millis(req.now))
    .execute(&mut *conn)
    .await?;
    Ok(Some(DetachReport {
        unlinked,
        ..DetachReport::default()
    }))
}

/// Stored idempotent responses that name the deleted record go: a replay must not bring back
/// a deleted candidate's contact details.
async fn forget_stored_responses(conn: &mut Conn, company: CompanyId, id: Uuid) -> StoreResult<()> {
    let scope = format!("company:{company}");
    sqlx::query(
        "DELETE FROM idempotency_keys WHERE scope = $1 AND idem_key IN \
         (SELECT idem_key FROM idempotency_refs WHERE scope = $1 AND ref_id = $2)",
    )
    .bind(&scope)
    .bind(id.to_string())
    .execute(&mut *conn)
    .await?;
    Ok(())
}
