//! The statements of each scenario's request, in the server's order, compiled per backend
//! (`Db`, `begin_write`, `ROW_LOCKS` and `for_update!` come from `sqlite.rs` /
//! `postgres.rs`): authentication, the reads, and the creation; the removals and the revoke
//! are in `removal.rs`. The source of each is named in its doc comment (paths under
//! `interviewd/src/`).

use super::removal::{alpharun_remove, delete, revoke};
use super::{Conn, Db, begin_write};
use crate::raw::{RawCtx, Timer, step};
use crate::scenarios::Scenario;
use crate::seed::Seeded;
use interviewd::store::events::kinds;
use serde_json::{Value, json};
use sqlx::Row;
use uuid::Uuid;

/// One operation of `scenario`: the statements the server runs before and after its write
/// transaction run on one reader connection, outside it, as in the server; the transaction
/// runs where the server runs it (`begin_write`: SQLite's one writer connection, the same
/// connection on PostgreSQL).
pub async fn run(
    scenario: Scenario,
    read: &sqlx::Pool<Db>,
    write: &sqlx::Pool<Db>,
    ctx: &RawCtx,
    target: &Seeded,
    t: &mut Timer,
) -> Result<(), String> {
    let mut conn = step!(t, "acquire", read.acquire());
    let c: &mut Conn = &mut conn;
    authenticate(c, ctx, t).await?;
    match scenario {
        Scenario::Get => get(c, ctx, &target.interview, t).await,
        Scenario::Create => create(c, write, ctx, &target.candidate, t).await,
        Scenario::Delete => delete(c, write, ctx, &target.interview, t).await,
        Scenario::AlpharunRemove => alpharun_remove(c, write, ctx, &target.email, t).await,
        Scenario::XobinRevoke => revoke(c, write, ctx, target.number, t).await,
    }
}

/// The server's write transaction (see [`run`]).
pub(super) async fn write_tx<'c>(
    c: &'c mut Conn,
    pool: &sqlx::Pool<Db>,
    t: &mut Timer,
) -> Result<sqlx::Transaction<'c, Db>, String> {
    Ok(step!(t, "BEGIN", begin_write(c, pool)))
}

pub(super) fn uuid(text: &str) -> Result<Uuid, String> {
    text.parse().map_err(|e| format!("{text}: {e}"))
}

pub(super) fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

pub(super) fn col<'r, T: sqlx::Decode<'r, Db> + sqlx::Type<Db>>(
    row: &'r <Db as sqlx::Database>::Row,
    name: &str,
) -> Result<T, String> {
    row.try_get(name).map_err(|e| format!("{name}: {e}"))
}

/// `store/sql/tenants.rs` `find_key`, once: the rate-limit layer (`http/ratelimit.rs`)
/// authenticates, and the request context (`http/context.rs`) takes its key.
async fn authenticate(c: &mut Conn, ctx: &RawCtx, t: &mut Timer) -> Result<(), String> {
    let key = step!(
        t,
        "SELECT api_keys",
        sqlx::query(concat!(
            "SELECT ",
            key_cols!(),
            " FROM api_keys WHERE secret_hash = $1"
        ))
        .bind(&ctx.key_hash)
        .fetch_optional(&mut *c)
    );
    key.ok_or("unknown key")?;
    Ok(())
}

/// `store/sql/interviews.rs` `get`: the interview and its attempts.
pub(super) async fn interview(
    c: &mut Conn,
    ctx: &RawCtx,
    id: Uuid,
    t: &mut Timer,
) -> Result<<Db as sqlx::Database>::Row, String> {
    let row = step!(
        t,
        "SELECT interviews",
        sqlx::query(concat!(
            "SELECT ",
            interview_cols!(),
            " FROM interviews WHERE id = $1 AND company_id = $2"
        ))
        .bind(id)
        .bind(ctx.company)
        .fetch_optional(&mut *c)
    )
    .ok_or("no such interview")?;
    attempts(c, id, t).await?;
    Ok(row)
}

/// `store/sql/interviews.rs` `attempts_of`.
pub(super) async fn attempts(
    c: &mut Conn,
    id: Uuid,
    t: &mut Timer,
) -> Result<Vec<<Db as sqlx::Database>::Row>, String> {
    Ok(step!(
        t,
        "SELECT call_attempts",
        sqlx::query(concat!(
            "SELECT ",
            attempt_cols!(),
            " FROM call_attempts WHERE interview_id = $1 ORDER BY created_at, id"
        ))
        .bind(id)
        .fetch_all(&mut *c)
    ))
}

/// `store/sql/engine_api.rs` `results`: ownership, analysis, transcript.
pub(super) async fn results(
    c: &mut Conn,
    ctx: &RawCtx,
    id: Uuid,
    t: &mut Timer,
) -> Result<(), String> {
    step!(
        t,
        "SELECT interviews (owner)",
        sqlx::query("SELECT number FROM interviews WHERE id = $1 AND company_id = $2")
            .bind(id)
            .bind(ctx.company)
            .fetch_optional(&mut *c)
    );
    step!(
        t,
        "SELECT analyses",
        sqlx::query(
            "SELECT interview_id, id, attempt_id, score, summary, strengths, weaknesses, criteria, \
             created_at, method, model, usage, education, experience FROM analyses \
             WHERE interview_id = $1"
        )
        .bind(id)
        .fetch_optional(&mut *c)
    );
    step!(
        t,
        "SELECT transcript_turns",
        sqlx::query(
            "SELECT role, text, start_ms, end_ms FROM transcript_turns WHERE interview_id = $1 \
             ORDER BY attempt_id, seq"
        )
        .bind(id)
        .fetch_all(&mut *c)
    );
    Ok(())
}

/// `GET /v1/interviews/{id}`: `get`, then `results`.
async fn get(c: &mut Conn, ctx: &RawCtx, id: &str, t: &mut Timer) -> Result<(), String> {
    let id = uuid(id)?;
    interview(c, ctx, id, t).await?;
    results(c, ctx, id, t).await
}

/// `store/sql/candidates.rs` `get` / `find`: the candidate, then its job links.
pub(super) async fn candidate(
    c: &mut Conn,
    ctx: &RawCtx,
    by_email: Option<&str>,
    id: Option<Uuid>,
    t: &mut Timer,
) -> Result<(<Db as sqlx::Database>::Row, Vec<Uuid>), String> {
    let row = match by_email {
        Some(email) => step!(
            t,
            "SELECT candidates",
            sqlx::query(concat!(
                "SELECT ",
                candidate_cols!(),
                " FROM candidates WHERE company_id = $1 AND email = $2"
            ))
            .bind(ctx.company)
            .bind(email)
            .fetch_optional(&mut *c)
        ),
        None => step!(
            t,
            "SELECT candidates",
            sqlx::query(concat!(
                "SELECT ",
                candidate_cols!(),
                " FROM candidates WHERE id = $1 AND company_id = $2"
            ))
            .bind(id)
            .bind(ctx.company)
            .fetch_optional(&mut *c)
        ),
    }
    .ok_or("no such candidate")?;
    let links: Vec<Uuid> = step!(
        t,
        "SELECT candidate_jobs",
        sqlx::query_scalar(
            "SELECT job_id FROM candidate_jobs WHERE candidate_id = $1 ORDER BY created_at, job_id"
        )
        .bind(col::<Uuid>(&row, "id")?)
        .fetch_all(&mut *c)
    );
    Ok((row, links))
}

/// `POST /v1/interviews`: the agent and the candidate (`catalog.rs` `get_agent`,
/// `candidates.rs` `get`), the insert transaction (`interviews.rs` `create`: interview,
/// attempt, `interview.scheduled` event), then `get` and `results` for the answer.
async fn create(
    c: &mut Conn,
    pool: &sqlx::Pool<Db>,
    ctx: &RawCtx,
    candidate_id: &str,
    t: &mut Timer,
) -> Result<(), String> {
    let agent = step!(
        t,
        "SELECT agents",
        sqlx::query(concat!(
            "SELECT ",
            agent_cols!(),
            " FROM agents WHERE id = $1 AND company_id = $2 AND deleted_at IS NULL"
        ))
        .bind(ctx.agent)
        .bind(ctx.company)
        .fetch_optional(&mut *c)
    )
    .ok_or("no such agent")?;
    let candidate_id = uuid(candidate_id)?;
    let (_, jobs) = candidate(c, ctx, None, Some(candidate_id), t).await?;
    let job = jobs.first().copied();
    let (id, now) = (Uuid::now_v7(), now_ms());
    let token = interviewd::core::keys::random_token(24).map_err(|e| e.to_string())?;
    let mut tx = write_tx(c, pool, t).await?;
    let number = step!(
        t,
        "UPSERT company_numbers",
        sqlx::query_scalar::<_, i64>(
            // Written as the store writes it (store/sql/numbers.rs), piece by piece.
            concat!(
                "INSERT INTO company_numbers (company_id, ",
                "interviews",
                ") VALUES ($1, 1) ON CONFLICT (company_id) DO UPDATE SET ",
                "interviews",
                " = company_numbers.",
                "interviews",
                " + 1 RETURNING ",
                "interviews"
            )
        )
        .bind(ctx.company)
        .fetch_one(&mut *tx)
    );
    step!(
        t,
        "INSERT interviews",
        sqlx::query(
            "INSERT INTO interviews (id, company_id, candidate_id, job_id, agent_id, channel, status, scheduled_at, \
             started_at, finished_at, is_test, metadata, invite_token, invite_sent_at, invite_starts_at, invite_expires_at, \
             invite_revoked_at, custom_field_id, created_at, updated_at, number) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21)"
        )
        .bind(id)
        .bind(ctx.company)
        .bind(candidate_id)
        .bind(job)
        .bind(ctx.agent)
        .bind(col::<String>(&agent, "channel")?)
        .bind("SCHEDULED")
        .bind(now)
        .bind(None::<i64>)
        .bind(None::<i64>)
        .bind(false)
        .bind("{}")
        .bind(token)
        .bind(now)
        .bind(None::<i64>)
        .bind(None::<i64>)
        .bind(None::<i64>)
        .bind(None::<String>)
        .bind(now)
        .bind(now)
        .bind(number)
        .execute(&mut *tx)
    );
    step!(
        t,
        "INSERT call_attempts",
        sqlx::query(
            "INSERT INTO call_attempts (id, interview_id, company_id, status, direction, reason_code, notes, retry_number, \
             scheduled_at, called_at, ended_at, duration_ms, recording_key, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)"
        )
        .bind(Uuid::now_v7())
        .bind(id)
        .bind(ctx.company)
        .bind("SCHEDULED")
        .bind("OUTBOUND")
        .bind(None::<String>)
        .bind(None::<String>)
        .bind(0_i64)
        .bind(now)
        .bind(None::<i64>)
        .bind(None::<i64>)
        .bind(None::<i64>)
        .bind(None::<String>)
        .bind(now)
        .bind(now)
        .execute(&mut *tx)
    );
    let data = json!({
        "interviewId": id.to_string(), "candidateId": candidate_id.to_string(),
        "jobId": job.map(|j| j.to_string()), "status": "SCHEDULED",
        "scheduledAt": chrono::Utc::now().to_rfc3339(),
    });
    insert_event(
        &mut tx,
        ctx,
        Some(id),
        kinds::INTERVIEW_SCHEDULED,
        &data,
        now,
        t,
    )
    .await?;
    step!(t, "COMMIT", tx.commit());
    interview(c, ctx, id, t).await?;
    results(c, ctx, id, t).await
}

/// `store/sql/events.rs` `insert`.
pub(super) async fn insert_event(
    c: &mut Conn,
    ctx: &RawCtx,
    interview: Option<Uuid>,
    kind: &str,
    data: &Value,
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
        .bind(ctx.company)
        .bind(interview)
        .bind(kind)
        .bind(data.to_string())
        .bind(now)
        .execute(&mut *c)
    );
    Ok(())
}
