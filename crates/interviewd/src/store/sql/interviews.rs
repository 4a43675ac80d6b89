//! Interviews and their call attempts, and [`lock`], the lock order every transaction follows.

use super::numbers::{Numbered, next};
use super::{Conn, Db, Pool, ROW_LOCKS};
use super::{DbStore, candidates, catalog, tenants};
use crate::store::rows::{AttemptRow, InterviewRow, to_json};
use crate::store::rows::{attempt_cols, interview_cols};
use crate::store::{Created, InterviewDetail, InterviewFilter, NewInterview, StoreResult};
use interviewd_domain::model::{CallAttempt, Interview};
use interviewd_domain::time::to_millis;
use interviewd_domain::{AttemptId, CandidateId, CompanyId, InterviewId, JobId, PageRequest};
use std::collections::HashMap;
use uuid::Uuid;

pub async fn insert_attempt(conn: &mut Conn, a: &CallAttempt) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO call_attempts (id, interview_id, company_id, status, direction, reason_code, notes, retry_number, \
         scheduled_at, called_at, ended_at, duration_ms, recording_key, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)",
    )
    .bind(a.id.uuid())
    .bind(a.interview_id.uuid())
    .bind(a.company_id.uuid())
    .bind(a.status.as_str())
    .bind(&a.direction)
    .bind(&a.reason_code)
    .bind(&a.notes)
    .bind(i64::from(a.retry_number))
    .bind(to_millis(a.scheduled_at))
    .bind(a.called_at.map(to_millis))
    .bind(a.ended_at.map(to_millis))
    .bind(a.duration_ms)
    .bind(&a.recording_key)
    .bind(to_millis(a.created_at))
    .bind(to_millis(a.updated_at))
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn insert_interview(conn: &mut Conn, i: &Interview) -> StoreResult<i64> {
    let number = next(&mut *conn, i.company_id, Numbered::Interview).await?;
    sqlx::query(
        "INSERT INTO interviews (id, company_id, candidate_id, job_id, agent_id, channel, status, scheduled_at, \
         started_at, finished_at, is_test, metadata, invite_token, invite_sent_at, invite_starts_at, invite_expires_at, \
         invite_revoked_at, custom_field_id, created_at, updated_at, number) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21)",
    )
    .bind(i.id.uuid())
    .bind(i.company_id.uuid())
    .bind(i.candidate_id.uuid())
    .bind(i.job_id.map(|j| j.uuid()))
    .bind(i.agent_id.uuid())
    .bind(i.channel.as_str())
    .bind(i.status.as_str())
    .bind(to_millis(i.scheduled_at))
    .bind(i.started_at.map(to_millis))
    .bind(i.finished_at.map(to_millis))
    .bind(i.is_test)
    .bind(to_json(&i.metadata))
    .bind(&i.invite.token)
    .bind(to_millis(i.invite.sent_at))
    .bind(i.invite.starts_at.map(to_millis))
    .bind(i.invite.expires_at.map(to_millis))
    .bind(i.invite.revoked_at.map(to_millis))
    .bind(&i.invite.custom_field_id)
    .bind(to_millis(i.created_at))
    .bind(to_millis(i.updated_at))
    .bind(number)
    .execute(conn)
    .await?;
    Ok(number)
}

pub async fn create(store: &DbStore, plan: &NewInterview) -> StoreResult<Created> {
    let mut tx = store.write_tx().await?;
    let company = plan.interview.company_id;
    if plan.quota.is_some() || plan.unless_open_on_job {
        // Interviews of one company are created one at a time (across processes), so two
        // cannot both pass a check below.
        tenants::lock_company(&mut tx, company).await?;
    }
    if let Some(quota) = plan.quota
        && open_invites(&mut *tx, company).await? >= quota
    {
        return Ok(Created::QuotaExhausted);
    }
    if let Some(job) = &plan.new_job {
        catalog::insert_job(&mut tx, job).await?;
    }
    if let Some(agent) = &plan.new_agent {
        catalog::insert_agent(&mut tx, agent).await?;
    }
    if let Some(candidate) = &plan.new_candidate {
        candidates::insert(&mut tx, candidate).await?;
    }
    if let Some(candidate) = &plan.changed_candidate {
        candidates::update(&mut tx, candidate).await?;
    }
    if let Some((candidate, job)) = plan.link_candidate_to_job {
        sqlx::query(
            "INSERT INTO candidate_jobs (candidate_id, job_id, company_id, created_at) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (candidate_id, job_id) DO NOTHING",
        )
        .bind(candidate.uuid())
        .bind(job.uuid())
        .bind(company.uuid())
        .bind(to_millis(plan.interview.created_at))
        .execute(&mut *tx)
        .await?;
    }
    if plan.unless_open_on_job
        && let Some(job) = plan.interview.job_id
        && has_open_interview(&mut tx, company, plan.interview.candidate_id, job).await?
    {
        tx.commit().await?;
        return Ok(Created::AlreadyOpen);
    }
    let number = insert_interview(&mut tx, &plan.interview).await?;
    if let Some(attempt) = &plan.first_attempt {
        insert_attempt(&mut tx, attempt).await?;
    }
    for event in &plan.events {
        super::events::insert(&mut tx, event).await?;
    }
    if let Some(mail) = &plan.mail {
        super::delivery::enqueue_mail(&mut tx, mail).await?;
    }
    tx.commit().await?;
    Ok(Created::Interview(Interview {
        number,
        ..plan.interview.clone()
    }))
}

/// Whether the candidate has a SCHEDULED or IN_PROGRESS interview on the job.
async fn has_open_interview(
    conn: &mut Conn,
    company: CompanyId,
    candidate: CandidateId,
    job: JobId,
) -> StoreResult<bool> {
    let found: Option<i64> = sqlx::query_scalar(
        "SELECT CAST(1 AS BIGINT) FROM interviews WHERE company_id = $1 AND candidate_id = $2 AND job_id = $3 \
         AND status IN ('SCHEDULED', 'IN_PROGRESS') LIMIT 1",
    )
    .bind(company.uuid())
    .bind(candidate.uuid())
    .bind(job.uuid())
    .fetch_optional(&mut *conn)
    .await?;
    Ok(found.is_some())
}

pub async fn attempts_of<'e, E: sqlx::Executor<'e, Database = Db>>(
    exec: E,
    id: Uuid,
) -> StoreResult<Vec<CallAttempt>> {
    let rows: Vec<AttemptRow> = sqlx::query_as(concat!(
        "SELECT ",
        attempt_cols!(),
        " FROM call_attempts WHERE interview_id = $1 ORDER BY created_at, id"
    ))
    .bind(id)
    .fetch_all(exec)
    .await?;
    rows.into_iter().map(CallAttempt::try_from).collect()
}

/// The call attempts of a page of interviews, with one query, each interview's in order.
async fn attempts_of_page(
    pool: &Pool,
    rows: &[InterviewRow],
) -> StoreResult<HashMap<Uuid, Vec<CallAttempt>>> {
    let mut attempts: HashMap<Uuid, Vec<CallAttempt>> = HashMap::with_capacity(rows.len());
    if rows.is_empty() {
        return Ok(attempts);
    }
    let found: Vec<AttemptRow> = super::in_list(
        concat!(
            "SELECT ",
            attempt_cols!(),
            " FROM call_attempts WHERE interview_id IN ("
        ),
        rows.iter().map(|row| row.id),
        ") ORDER BY interview_id, created_at, id",
    )
    .build_query_as()
    .fetch_all(pool)
    .await?;
    for row in found {
        let attempt = CallAttempt::try_from(row)?;
        attempts
            .entry(attempt.interview_id.uuid())
            .or_default()
            .push(attempt);
    }
    Ok(attempts)
}

/// Locks an interview for the rest of the caller's transaction and reads it: its attempts
/// first, then its row — the order every transaction takes them in, so two that touch the
/// same interview cannot deadlock. `None` when it is gone. On SQLite, where the write
/// transaction excludes every other writer, this is the read alone.
pub async fn lock(conn: &mut Conn, id: Uuid) -> StoreResult<Option<Interview>> {
    if ROW_LOCKS {
        sqlx::query("SELECT id FROM call_attempts WHERE interview_id = $1 ORDER BY id FOR UPDATE")
            .bind(id)
            .execute(&mut *conn)
            .await?;
    }
    lock_row(conn, id)
        .await?
        .map(Interview::try_from)
        .transpose()
}

/// The interview's row, locked on PostgreSQL (its attempts must be locked before).
async fn lock_row(conn: &mut Conn, id: Uuid) -> StoreResult<Option<InterviewRow>> {
    Ok(sqlx::query_as(concat!(
        "SELECT ",
        interview_cols!(),
        " FROM interviews WHERE id = $1",
        for_update!()
    ))
    .bind(id)
    .fetch_optional(&mut *conn)
    .await?)
}

/// [`lock`], with the interview's attempts as they are under the lock (on PostgreSQL read
/// by the statement that locks them).
pub async fn lock_with_attempts(
    conn: &mut Conn,
    id: Uuid,
) -> StoreResult<Option<(Interview, Vec<CallAttempt>)>> {
    let attempts: Vec<CallAttempt> = if ROW_LOCKS {
        let rows: Vec<AttemptRow> = sqlx::query_as(concat!(
            "SELECT ",
            attempt_cols!(),
            " FROM call_attempts WHERE interview_id = $1 ORDER BY id FOR UPDATE"
        ))
        .bind(id)
        .fetch_all(&mut *conn)
        .await?;
        rows.into_iter()
            .map(CallAttempt::try_from)
            .collect::<StoreResult<_>>()?
    } else {
        Vec::new()
    };
    let Some(row) = lock_row(&mut *conn, id).await? else {
        return Ok(None);
    };
    let attempts = match ROW_LOCKS {
        true => attempts,
        false => attempts_of(&mut *conn, id).await?,
    };
    Ok(Some((Interview::try_from(row)?, attempts)))
}

/// Locks one call attempt for the rest of the caller's transaction (nothing to do on
/// SQLite). Attempts are locked before their interview's row, as in [`lock`].
pub async fn lock_attempt(conn: &mut Conn, id: AttemptId) -> StoreResult<()> {
    if ROW_LOCKS {
        sqlx::query("SELECT id FROM call_attempts WHERE id = $1 FOR UPDATE")
            .bind(id.uuid())
            .execute(conn)
            .await?;
    }
    Ok(())
}

pub async fn get(
    pool: &Pool,
    company: CompanyId,
    id: InterviewId,
) -> StoreResult<Option<InterviewDetail>> {
    let row: Option<InterviewRow> = sqlx::query_as(concat!(
        "SELECT ",
        interview_cols!(),
        " FROM interviews WHERE id = $1 AND company_id = $2"
    ))
    .bind(id.uuid())
    .bind(company.uuid())
    .fetch_optional(pool)
    .await?;
    match row {
        None => Ok(None),
        Some(row) => {
            let attempts = attempts_of(pool, row.id).await?;
            Ok(Some(InterviewDetail {
                interview: Interview::try_from(row)?,
                attempts,
            }))
        }
    }
}

pub async fn list(
    pool: &Pool,
    company: CompanyId,
    f: &InterviewFilter,
    p: PageRequest,
) -> StoreResult<(Vec<InterviewDetail>, i64)> {
    // Only the filters given, so each lookup can use its index (`col = $n` rather than
    // `($n IS NULL OR col = $n)`, which no planner can match to one).
    let filtered = |select: &str| {
        let mut query = sqlx::QueryBuilder::<Db>::new(select);
        query
            .push(" FROM interviews WHERE company_id = ")
            .push_bind(company.uuid());
        if let Some(candidate) = f.candidate_id {
            query
                .push(" AND candidate_id = ")
                .push_bind(candidate.uuid());
        }
        if let Some(agent) = f.agent_id {
            query.push(" AND agent_id = ").push_bind(agent.uuid());
        }
        if let Some(job) = f.job_id {
            query.push(" AND job_id = ").push_bind(job.uuid());
        }
        if let Some(status) = f.status {
            query.push(" AND status = ").push_bind(status.as_str());
        }
        query
    };
    let mut select = filtered(concat!("SELECT ", interview_cols!()));
    select
        .push(" ORDER BY number LIMIT ")
        .push_bind(i64::from(p.limit))
        .push(" OFFSET ")
        .push_bind(p.offset());
    let rows: Vec<InterviewRow> = select.build_query_as().fetch_all(pool).await?;
    let total: i64 = filtered("SELECT COUNT(*)")
        .build_query_scalar()
        .fetch_one(pool)
        .await?;
    let mut attempts = attempts_of_page(pool, &rows).await?;
    let items = rows
        .into_iter()
        .map(|row| {
            let attempts = attempts.remove(&row.id).unwrap_or_default();
            Ok(InterviewDetail {
                interview: Interview::try_from(row)?,
                attempts,
            })
        })
        .collect::<StoreResult<_>>()?;
    Ok((items, total))
}

async fn detail_of(pool: &Pool, row: Option<InterviewRow>) -> StoreResult<Option<InterviewDetail>> {
    match row {
        None => Ok(None),
        Some(row) => {
            let attempts = attempts_of(pool, row.id).await?;
            Ok(Some(InterviewDetail {
                interview: Interview::try_from(row)?,
                attempts,
            }))
        }
    }
}

pub async fn by_number(
    pool: &Pool,
    company: CompanyId,
    number: i64,
) -> StoreResult<Option<InterviewDetail>> {
    let row: Option<InterviewRow> = sqlx::query_as(concat!(
        "SELECT ",
        interview_cols!(),
        " FROM interviews WHERE number = $1 AND company_id = $2"
    ))
    .bind(number)
    .bind(company.uuid())
    .fetch_optional(pool)
    .await?;
    detail_of(pool, row).await
}

pub async fn by_custom_field(
    pool: &Pool,
    company: CompanyId,
    cf: &str,
) -> StoreResult<Option<InterviewDetail>> {
    let row: Option<InterviewRow> = sqlx::query_as(concat!(
        "SELECT ",
        interview_cols!(),
        " FROM interviews WHERE custom_field_id = $1 AND company_id = $2 ORDER BY number DESC LIMIT 1"
    ))
    .bind(cf)
    .bind(company.uuid())
    .fetch_optional(pool)
    .await?;
    detail_of(pool, row).await
}

/// Invites that count against the plan quota: not revoked, not finished.
pub async fn open_invites<'e, E: sqlx::Executor<'e, Database = Db>>(
    exec: E,
    company: CompanyId,
) -> StoreResult<i64> {
    Ok(sqlx::query_scalar(
        "SELECT COUNT(*) FROM interviews WHERE company_id = $1 AND invite_revoked_at IS NULL \
         AND status IN ('SCHEDULED', 'IN_PROGRESS')",
    )
    .bind(company.uuid())
    .fetch_one(exec)
    .await?)
}
