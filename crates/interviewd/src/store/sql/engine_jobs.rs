//! The post-call pipeline jobs and the blob-deletion outbox. Both are claimed with a lease and
//! a fence (`UPDATE … RETURNING`; on PostgreSQL over rows selected `FOR UPDATE SKIP LOCKED`,
//! so processes claiming at the same time take different rows); a job is finished by deleting
//! its row under the fence, so a worker whose lease ran out cannot finish it twice.

use super::Conn;
use super::DbStore;
use super::engine_snapshot::{attempt_transcript, event_ids};
use super::events;
use crate::store::StoreResult;
use crate::store::engine::{AnalysisSource, BlobDeletion, PipelineJob, Touch};
use crate::store::rows::to_json;
use chrono::{DateTime, Utc};
use interviewd_domain::events as payload;
use interviewd_domain::time::to_millis;
use interviewd_voice::analysis::Analysis;
use uuid::Uuid;

fn limit(max: usize) -> i64 {
    i64::try_from(max).unwrap_or(i64::MAX)
}

#[derive(sqlx::FromRow)]
struct JobRow {
    id: Uuid,
    kind: String,
    interview_id: Uuid,
    attempt_id: Uuid,
    company_id: Uuid,
    fence: i64,
    tries: i64,
}

pub async fn claim_jobs(
    store: &DbStore,
    owner: &str,
    now: DateTime<Utc>,
    lease_until: DateTime<Utc>,
    max: usize,
    only: Option<Uuid>,
) -> StoreResult<Vec<PipelineJob>> {
    let rows: Vec<JobRow> = sqlx::query_as(per_backend!(
        sqlite: "UPDATE pipeline_jobs SET lease_owner = $1, lease_until = $2, fence = fence + 1, \
         tries = tries + 1 WHERE id IN (SELECT id FROM pipeline_jobs \
           WHERE (lease_until IS NULL OR lease_until < $3) \
           AND (id = $4 OR ($4 IS NULL AND run_at <= $3)) \
           ORDER BY run_at LIMIT $5) \
         RETURNING id, kind, interview_id, attempt_id, company_id, fence, tries",
        postgres: "WITH due AS MATERIALIZED (SELECT ctid FROM pipeline_jobs \
           WHERE (lease_until IS NULL OR lease_until < $3) \
           AND (id = $4 OR ($4::uuid IS NULL AND run_at <= $3)) \
           ORDER BY run_at LIMIT $5 FOR UPDATE SKIP LOCKED) \
         UPDATE pipeline_jobs j SET lease_owner = $1, lease_until = $2, fence = j.fence + 1, \
         tries = j.tries + 1 WHERE j.ctid = ANY(ARRAY(SELECT ctid FROM due)) \
         RETURNING j.id, j.kind, j.interview_id, j.attempt_id, j.company_id, j.fence, j.tries",
    ))
    .bind(owner)
    .bind(to_millis(lease_until))
    .bind(to_millis(now))
    .bind(only)
    .bind(limit(max))
    .fetch_all(store.pool())
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| PipelineJob {
            id: r.id,
            kind: r.kind,
            interview_id: r.interview_id.into(),
            attempt_id: r.attempt_id.into(),
            company_id: r.company_id.into(),
            fence: r.fence,
            tries: r.tries,
        })
        .collect())
}

pub async fn analysis_source(
    store: &DbStore,
    job: &PipelineJob,
) -> StoreResult<Option<AnalysisSource>> {
    let mut conn = store.pool().acquire().await?;
    let Some(details) = super::engine_brief::of_interview(&mut conn, job.interview_id).await?
    else {
        return Ok(None);
    };
    Ok(Some(AnalysisSource {
        brief: details.brief,
        turns: attempt_transcript(&mut conn, job.attempt_id).await?,
    }))
}

pub async fn complete(
    store: &DbStore,
    job: &PipelineJob,
    analysis: &Analysis,
    at: DateTime<Utc>,
) -> StoreResult<Touch> {
    let at_ms = to_millis(at);
    let interview = job.interview_id.uuid();
    let mut tx = store.write_tx().await?;
    // The interview first: the deletion path locks it before its jobs go with it.
    let exists: Option<i64> = sqlx::query_scalar(concat!(
        "SELECT number FROM interviews WHERE id = $1",
        for_update!()
    ))
    .bind(interview)
    .fetch_optional(&mut *tx)
    .await?;
    if exists.is_none() {
        return Ok(Touch::Gone);
    }
    let removed = sqlx::query("DELETE FROM pipeline_jobs WHERE id = $1 AND fence = $2")
        .bind(job.id)
        .bind(job.fence)
        .execute(&mut *tx)
        .await?;
    if removed.rows_affected() != 1 {
        return Ok(Touch::Stale);
    }
    let completed = sqlx::query(
        "UPDATE interviews SET status = 'COMPLETED', finished_at = $1, updated_at = $1 \
         WHERE id = $2 AND status IN ('SCHEDULED', 'IN_PROGRESS')",
    )
    .bind(at_ms)
    .bind(interview)
    .execute(&mut *tx)
    .await?;
    if completed.rows_affected() == 1 {
        sqlx::query(
            "INSERT INTO analyses (interview_id, id, attempt_id, company_id, score, summary, \
             strengths, weaknesses, criteria, created_at, method, model, usage, education, \
             experience) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15) \
             ON CONFLICT (interview_id) DO NOTHING",
        )
        .bind(interview)
        .bind(Uuid::now_v7())
        .bind(job.attempt_id.uuid())
        .bind(job.company_id.uuid())
        .bind(i64::from(analysis.score))
        .bind(&analysis.summary)
        .bind(to_json(&analysis.strengths))
        .bind(to_json(&analysis.weaknesses))
        .bind(to_json(&analysis.criteria))
        .bind(at_ms)
        .bind(analysis.method.as_str())
        .bind(&analysis.model)
        .bind(to_json(&analysis.usage))
        .bind(&analysis.education)
        .bind(&analysis.experience)
        .execute(&mut *tx)
        .await?;
        if let Some(ids) = event_ids(&mut tx, job.interview_id).await? {
            for event in payload::completed(&ids, job.attempt_id, at) {
                events::insert(&mut tx, &event).await?;
            }
        }
    }
    tx.commit().await?;
    Ok(Touch::Applied)
}

pub async fn defer_job(
    store: &DbStore,
    job: &PipelineJob,
    run_at: DateTime<Utc>,
    error: &str,
) -> StoreResult<()> {
    sqlx::query(
        "UPDATE pipeline_jobs SET run_at = $1, lease_owner = NULL, lease_until = NULL, last_error = $2 \
         WHERE id = $3 AND fence = $4",
    )
    .bind(to_millis(run_at))
    .bind(error)
    .bind(job.id)
    .bind(job.fence)
    .execute(store.pool())
    .await?;
    Ok(())
}

pub async fn drop_job(store: &DbStore, job: &PipelineJob) -> StoreResult<()> {
    sqlx::query("DELETE FROM pipeline_jobs WHERE id = $1")
        .bind(job.id)
        .execute(store.pool())
        .await?;
    Ok(())
}

/// Queues one blob key for deletion inside the caller's transaction (idempotent).
pub async fn enqueue_blob(conn: &mut Conn, key: &str, at: DateTime<Utc>) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO blob_deletions (key, run_at, created_at) VALUES ($1, $2, $2) \
         ON CONFLICT (key) DO NOTHING",
    )
    .bind(key)
    .bind(to_millis(at))
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn enqueue_blobs(store: &DbStore, keys: &[String], at: DateTime<Utc>) -> StoreResult<()> {
    let mut tx = store.write_tx().await?;
    for key in keys {
        enqueue_blob(&mut tx, key, at).await?;
    }
    tx.commit().await?;
    Ok(())
}

pub async fn claim_blobs(
    store: &DbStore,
    owner: &str,
    now: DateTime<Utc>,
    lease_until: DateTime<Utc>,
    max: usize,
) -> StoreResult<Vec<BlobDeletion>> {
    let rows: Vec<(String, i64, i64)> = sqlx::query_as(per_backend!(
        sqlite: "UPDATE blob_deletions SET lease_owner = $1, lease_until = $2, fence = fence + 1, \
         tries = tries + 1 WHERE key IN (SELECT key FROM blob_deletions WHERE run_at <= $3 \
           AND (lease_until IS NULL OR lease_until < $3) ORDER BY run_at LIMIT $4) \
         RETURNING key, fence, tries",
        postgres: "WITH due AS MATERIALIZED (SELECT ctid FROM blob_deletions WHERE run_at <= $3 \
           AND (lease_until IS NULL OR lease_until < $3) ORDER BY run_at LIMIT $4 \
           FOR UPDATE SKIP LOCKED) \
         UPDATE blob_deletions b SET lease_owner = $1, lease_until = $2, fence = b.fence + 1, \
         tries = b.tries + 1 WHERE b.ctid = ANY(ARRAY(SELECT ctid FROM due)) \
         RETURNING b.key, b.fence, b.tries",
    ))
    .bind(owner)
    .bind(to_millis(lease_until))
    .bind(to_millis(now))
    .bind(limit(max))
    .fetch_all(store.pool())
    .await?;
    Ok(rows
        .into_iter()
        .map(|(key, fence, tries)| BlobDeletion { key, fence, tries })
        .collect())
}

pub async fn finish_blob(store: &DbStore, d: &BlobDeletion) -> StoreResult<bool> {
    let done = sqlx::query("DELETE FROM blob_deletions WHERE key = $1 AND fence = $2")
        .bind(&d.key)
        .bind(d.fence)
        .execute(store.pool())
        .await?;
    Ok(done.rows_affected() == 1)
}

pub async fn defer_blob(
    store: &DbStore,
    d: &BlobDeletion,
    run_at: DateTime<Utc>,
    error: &str,
) -> StoreResult<()> {
    sqlx::query(
        "UPDATE blob_deletions SET run_at = $1, lease_owner = NULL, lease_until = NULL, \
         last_error = $2 WHERE key = $3 AND fence = $4",
    )
    .bind(to_millis(run_at))
    .bind(error)
    .bind(&d.key)
    .bind(d.fence)
    .execute(store.pool())
    .await?;
    Ok(())
}
