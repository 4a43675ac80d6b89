//! The engine's statements for one zero-length call, from claim to COMPLETED, compiled per
//! backend like `statements.rs`, in the engine's transactions (sources under
//! `interviewd/src/store/sql/`):
//!
//! 1. the claim (`engine_queue.rs` `claim`, one attempt): on PostgreSQL the company's row
//!    `SKIP LOCKED`, the company's oldest due attempt, `take_slot`, `move_to_in_progress`;
//! 2. the call details (`engine_brief.rs` `of_attempt`);
//! 3. answered (`start`): the attempt, the interview to IN_PROGRESS, `interview.started`;
//! 4. the upload's deletion queued for later (`enqueue_blobs`), then the end
//!    (`engine_end.rs` `end`): the attempt COMPLETED with its recording key, the upload taken
//!    off the deletion queue, the analysis job, the slot given back;
//! 5. the job claim (`engine_jobs.rs` `claim_jobs`) and its source (`engine_brief.rs`
//!    `of_interview`);
//! 6. completion (`complete`): the job deleted, the interview COMPLETED, the analysis,
//!    `interview.completed` and `analysis.completed`.
//!
//! Left out, as they are not SQL: the provider call, the 44-byte recording upload (the key is
//! written, the file is not) and the scorer. On SQLite, transactions run on the one writer
//! connection and the rest on the readers, as in the server. Left out as amortised over a batch: the
//! dispatcher's scan of companies with due work.

use super::{Db, ROW_LOCKS, begin_pool_write};

/// `engine_brief.rs`'s query of an interview's brief, with `$tail` after its joins.
macro_rules! brief_query {
    ($tail:literal) => {
        concat!(
            "SELECT c.phone, c.first_name, c.last_name, g.language, g.questions, \
             g.duration_minutes, g.instructions, g.attrs, j.title, j.description, \
             j.required_skills, j.nice_to_have_skills \
             FROM interviews i LEFT JOIN candidates c ON c.id = i.candidate_id \
             JOIN agents g ON g.id = i.agent_id LEFT JOIN jobs j ON j.id = i.job_id ",
            $tail
        )
    };
}
use crate::raw::{Timer, step};
use interviewd::store::events::kinds;
use serde_json::json;
use sqlx::Row;
use uuid::Uuid;

/// Tries before a claim gives up (the company's slots were all taken meanwhile).
const CLAIM_TRIES: u32 = 100_000;

fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

/// The read of the ids events carry (`engine_snapshot.rs` `event_ids`).
const EVENT_IDS: &str = "SELECT company_id, candidate_id, job_id FROM interviews WHERE id = $1";

/// One call of `company` (limit `limit`) from claim to COMPLETED: reads (and the job claim,
/// an autocommit `UPDATE` on the server's pool) on `read`, transactions on `write`.
pub async fn drain_one(
    read: &sqlx::Pool<Db>,
    write: &sqlx::Pool<Db>,
    company: Uuid,
    limit: i64,
    owner: &str,
    t: &mut Timer,
) -> Result<(), String> {
    let (attempt, interview, fence) = claim(write, company, limit, owner, t).await?;
    step!(
        t,
        "SELECT call details",
        sqlx::query(brief_query!(
            "JOIN call_attempts a ON a.interview_id = i.id WHERE a.id = $1"
        ))
        .bind(attempt)
        .fetch_optional(read)
    );
    answered(write, company, attempt, interview, fence, t).await?;
    let key = upload(write, company, t).await?;
    let job = end(write, company, attempt, interview, fence, &key, t).await?;
    complete(read, write, company, attempt, interview, job, t).await
}

/// `engine_jobs.rs` `enqueue_blobs`: before the upload, the new recording's key is queued for
/// deletion after a grace period (`pipeline.rs` `upload_recording`).
async fn upload(write: &sqlx::Pool<Db>, company: Uuid, t: &mut Timer) -> Result<String, String> {
    let key = format!("{company}/{}.wav", Uuid::new_v4().simple());
    let mut tx = step!(t, "BEGIN", begin_pool_write(write));
    step!(
        t,
        "INSERT blob_deletions (upload)",
        sqlx::query(
            "INSERT INTO blob_deletions (key, run_at, created_at) VALUES ($1, $2, $2) \
             ON CONFLICT (key) DO NOTHING"
        )
        .bind(&key)
        .bind(now_ms() + 24 * 3_600_000)
        .execute(&mut *tx)
    );
    step!(t, "COMMIT", tx.commit());
    Ok(key)
}

/// Claims the company's oldest due call under a slot; returns attempt, interview, fence.
async fn claim(
    write: &sqlx::Pool<Db>,
    company: Uuid,
    limit: i64,
    owner: &str,
    t: &mut Timer,
) -> Result<(Uuid, Uuid, i64), String> {
    for _ in 0..CLAIM_TRIES {
        let now = now_ms();
        let mut tx = step!(t, "BEGIN", begin_pool_write(write));
        if ROW_LOCKS {
            let locked: Option<Uuid> = step!(
                t,
                "SELECT companies FOR NO KEY UPDATE SKIP LOCKED",
                sqlx::query_scalar(
                    "SELECT id FROM companies WHERE id = $1 FOR NO KEY UPDATE SKIP LOCKED"
                )
                .bind(company)
                .fetch_optional(&mut *tx)
            );
            if locked.is_none() {
                drop(tx);
                tokio::task::yield_now().await;
                continue;
            }
        }
        let due = step!(
            t,
            "SELECT call_attempts (due)",
            sqlx::query(concat!(
                "SELECT a.id, a.interview_id, a.company_id, a.fence, a.retry_number, a.direction, \
                 i.is_test FROM call_attempts a JOIN interviews i ON i.id = a.interview_id \
                 WHERE a.company_id = $1 AND a.status = 'SCHEDULED' AND a.scheduled_at <= $2 \
                 AND (i.is_test = FALSE OR a.created_at <= $3) \
                 ORDER BY a.scheduled_at, a.id LIMIT $4",
                for_update!(of a skip_locked)
            ))
            .bind(company)
            .bind(now)
            .bind(now - 30_000)
            .bind(1_i64)
            .fetch_optional(&mut *tx)
        )
        .ok_or("no due call left")?;
        let attempt: Uuid = due.try_get("id").map_err(|e| e.to_string())?;
        let interview: Uuid = due.try_get("interview_id").map_err(|e| e.to_string())?;
        let fence: i64 = due.try_get("fence").map_err(|e| e.to_string())?;
        let taken = step!(
            t,
            "UPDATE company_slots (take)",
            sqlx::query(concat!(
                "UPDATE company_slots SET holder_attempt_id = $1, holder_fence = $2, owner = $3, kind = $4, \
                 lease_until = $5 \
                 WHERE company_id = $6 AND holder_attempt_id IS NULL AND slot_no = (SELECT slot_no \
                   FROM company_slots WHERE company_id = $6 AND holder_attempt_id IS NULL AND slot_no <= $7 \
                   ORDER BY slot_no LIMIT 1",
                for_update!(skip_locked),
                ") AND (SELECT COUNT(*) FROM company_slots WHERE company_id = $6 \
                   AND holder_attempt_id IS NOT NULL) < $7"
            ))
            .bind(attempt)
            .bind(fence + 1)
            .bind(owner)
            .bind("call")
            .bind(now + 30_000)
            .bind(company)
            .bind(limit)
            .execute(&mut *tx)
        );
        if taken.rows_affected() != 1 {
            // Every slot is held: the dispatcher would leave the company for its next round.
            drop(tx);
            tokio::task::yield_now().await;
            continue;
        }
        step!(
            t,
            "UPDATE call_attempts (claim)",
            sqlx::query(
                "UPDATE call_attempts SET status = 'IN_PROGRESS', fence = $1, lease_owner = $2, \
                 lease_until = $3, called_at = $4, updated_at = $4 \
                 WHERE id = $5 AND status = 'SCHEDULED' AND fence = $6"
            )
            .bind(fence + 1)
            .bind(owner)
            .bind(now + 30_000)
            .bind(now)
            .bind(attempt)
            .bind(fence)
            .execute(&mut *tx)
        );
        step!(t, "COMMIT", tx.commit());
        return Ok((attempt, interview, fence + 1));
    }
    Err("no free slot after many tries".into())
}

/// `engine_queue.rs` `start`: the candidate answered.
async fn answered(
    write: &sqlx::Pool<Db>,
    company: Uuid,
    attempt: Uuid,
    interview: Uuid,
    fence: i64,
    t: &mut Timer,
) -> Result<(), String> {
    let now = now_ms();
    let mut tx = step!(t, "BEGIN", begin_pool_write(write));
    step!(
        t,
        "UPDATE call_attempts (answered)",
        sqlx::query_scalar::<_, Uuid>(
            "UPDATE call_attempts SET answered_at = $1, updated_at = $1 \
             WHERE id = $2 AND fence = $3 AND status = 'IN_PROGRESS' RETURNING interview_id"
        )
        .bind(now)
        .bind(attempt)
        .bind(fence)
        .fetch_optional(&mut *tx)
    )
    .ok_or("the claim went stale")?;
    status(&mut tx, interview, t).await?;
    step!(
        t,
        "UPDATE interviews (IN_PROGRESS)",
        sqlx::query(
            "UPDATE interviews SET status = 'IN_PROGRESS', started_at = COALESCE(started_at, $1), \
             updated_at = $1 WHERE id = $2"
        )
        .bind(now)
        .bind(interview)
        .execute(&mut *tx)
    );
    step!(
        t,
        "SELECT event ids",
        sqlx::query(EVENT_IDS)
            .bind(interview)
            .fetch_optional(&mut *tx)
    );
    let data = json!({ "interviewId": interview.to_string(), "callAttemptId": attempt.to_string(), "status": "IN_PROGRESS" });
    event(
        &mut tx,
        company,
        interview,
        kinds::INTERVIEW_STARTED,
        &data,
        now,
        t,
    )
    .await?;
    step!(t, "COMMIT", tx.commit());
    Ok(())
}

/// The interview's status, locked (`start`, `follow_up`).
async fn status(
    tx: &mut sqlx::Transaction<'static, Db>,
    interview: Uuid,
    t: &mut Timer,
) -> Result<(), String> {
    step!(
        t,
        "SELECT interviews (status)",
        sqlx::query_scalar::<_, String>(concat!(
            "SELECT status FROM interviews WHERE id = $1",
            for_update!()
        ))
        .bind(interview)
        .fetch_optional(&mut **tx)
    );
    Ok(())
}

/// `store/sql/events.rs` `insert`.
async fn event(
    tx: &mut sqlx::Transaction<'static, Db>,
    company: Uuid,
    interview: Uuid,
    kind: &str,
    data: &serde_json::Value,
    now: i64,
    t: &mut Timer,
) -> Result<(), String> {
    step!(
        t,
        "INSERT events",
        sqlx::query(
            "INSERT INTO events (id, company_id, interview_id, event_type, data, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6)"
        )
        .bind(Uuid::now_v7())
        .bind(company)
        .bind(Some(interview))
        .bind(kind)
        .bind(data.to_string())
        .bind(now)
        .execute(&mut **tx)
    );
    Ok(())
}

/// `engine_end.rs` `end` (and `follow_up`'s analysis job); returns the job id.
async fn end(
    write: &sqlx::Pool<Db>,
    company: Uuid,
    attempt: Uuid,
    interview: Uuid,
    fence: i64,
    key: &str,
    t: &mut Timer,
) -> Result<Uuid, String> {
    let now = now_ms();
    let mut tx = step!(t, "BEGIN", begin_pool_write(write));
    step!(
        t,
        "UPDATE call_attempts (end)",
        sqlx::query(
            "UPDATE call_attempts SET status = $1, reason_code = $2, ended_at = $3, duration_ms = $4, \
             recording_key = COALESCE($5, recording_key), lease_owner = NULL, lease_until = NULL, \
             fence = fence + 1, updated_at = $3 \
             WHERE id = $6 AND fence = $7 AND status = 'IN_PROGRESS' AND ($8 IS NULL OR lease_until < $8) \
             RETURNING interview_id, company_id, retry_number, direction"
        )
        .bind("COMPLETED")
        .bind(None::<String>)
        .bind(now)
        .bind(Some(0_i64))
        .bind(Some(key))
        .bind(attempt)
        .bind(fence)
        .bind(None::<i64>)
        .fetch_optional(&mut *tx)
    )
    .ok_or("the claim went stale")?;
    step!(
        t,
        "DELETE blob_deletions (claimed upload)",
        sqlx::query("DELETE FROM blob_deletions WHERE key = $1")
            .bind(key)
            .execute(&mut *tx)
    );
    status(&mut tx, interview, t).await?;
    let job = Uuid::now_v7();
    step!(
        t,
        "INSERT pipeline_jobs",
        sqlx::query(
            "INSERT INTO pipeline_jobs (id, kind, interview_id, attempt_id, company_id, run_at, \
             created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)"
        )
        .bind(job)
        .bind("analyse")
        .bind(interview)
        .bind(attempt)
        .bind(company)
        .bind(now + 30_000)
        .bind(now)
        .execute(&mut *tx)
    );
    step!(
        t,
        "UPDATE company_slots (free)",
        sqlx::query(
            "UPDATE company_slots SET holder_attempt_id = NULL, holder_fence = NULL, owner = NULL, \
             kind = NULL, lease_until = NULL WHERE holder_attempt_id = $1 AND holder_fence = $2"
        )
        .bind(attempt)
        .bind(fence)
        .execute(&mut *tx)
    );
    step!(t, "COMMIT", tx.commit());
    Ok(job)
}

/// `engine_jobs.rs` `claim_jobs` (this job), `analysis_source`, then `complete`.
async fn complete(
    read: &sqlx::Pool<Db>,
    write: &sqlx::Pool<Db>,
    company: Uuid,
    attempt: Uuid,
    interview: Uuid,
    job: Uuid,
    t: &mut Timer,
) -> Result<(), String> {
    let now = now_ms();
    let claimed = step!(
        t,
        "UPDATE pipeline_jobs (claim)",
        sqlx::query(per_backend!(
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
        .bind("bench")
        .bind(now + 30_000)
        .bind(now)
        .bind(Some(job))
        .bind(1_i64)
        .fetch_optional(read)
    )
    .ok_or("the analysis job was not claimable")?;
    let fence: i64 = claimed.try_get("fence").map_err(|e| e.to_string())?;
    step!(
        t,
        "SELECT analysis source",
        sqlx::query(brief_query!("WHERE i.id = $1"))
            .bind(interview)
            .fetch_optional(read)
    );
    transcript(read, attempt, t).await?;
    let mut tx = step!(t, "BEGIN", begin_pool_write(write));
    step!(
        t,
        "SELECT interviews (lock)",
        sqlx::query_scalar::<_, i64>(concat!(
            "SELECT number FROM interviews WHERE id = $1",
            for_update!()
        ))
        .bind(interview)
        .fetch_optional(&mut *tx)
    )
    .ok_or("the interview is gone")?;
    step!(
        t,
        "DELETE pipeline_jobs",
        sqlx::query("DELETE FROM pipeline_jobs WHERE id = $1 AND fence = $2")
            .bind(job)
            .bind(fence)
            .execute(&mut *tx)
    );
    step!(
        t,
        "UPDATE interviews (COMPLETED)",
        sqlx::query(
            "UPDATE interviews SET status = 'COMPLETED', finished_at = $1, updated_at = $1 \
             WHERE id = $2 AND status IN ('SCHEDULED', 'IN_PROGRESS')"
        )
        .bind(now)
        .bind(interview)
        .execute(&mut *tx)
    );
    step!(
        t,
        "INSERT analyses",
        sqlx::query(
            "INSERT INTO analyses (interview_id, id, attempt_id, company_id, score, summary, \
             strengths, weaknesses, criteria, created_at, method, model, usage, education, \
             experience) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15) \
             ON CONFLICT (interview_id) DO NOTHING"
        )
        .bind(interview)
        .bind(Uuid::now_v7())
        .bind(attempt)
        .bind(company)
        .bind(1_i64)
        .bind("The candidate did not answer any question.")
        .bind("[]")
        .bind("[]")
        .bind("[]")
        .bind(now)
        .bind("builtin")
        .bind(None::<String>)
        .bind("[]")
        .bind(None::<String>)
        .bind(None::<String>)
        .execute(&mut *tx)
    );
    step!(
        t,
        "SELECT event ids",
        sqlx::query(EVENT_IDS)
            .bind(interview)
            .fetch_optional(&mut *tx)
    );
    let data = json!({
        "interviewId": interview.to_string(), "callAttemptId": attempt.to_string(),
        "status": "COMPLETED",
    });
    for kind in [kinds::INTERVIEW_COMPLETED, kinds::ANALYSIS_COMPLETED] {
        event(&mut tx, company, interview, kind, &data, now, t).await?;
    }
    step!(t, "COMMIT", tx.commit());
    Ok(())
}

/// `engine_snapshot.rs` `attempt_transcript`.
async fn transcript<'e, E: sqlx::Executor<'e, Database = Db>>(
    exec: E,
    attempt: Uuid,
    t: &mut Timer,
) -> Result<(), String> {
    step!(
        t,
        "SELECT transcript_turns",
        sqlx::query(
            "SELECT role, text, start_ms, end_ms FROM transcript_turns WHERE attempt_id = $1 ORDER BY seq"
        )
        .bind(attempt)
        .fetch_all(exec)
    );
    Ok(())
}
