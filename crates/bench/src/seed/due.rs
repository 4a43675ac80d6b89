//! Due calls for the engine benchmarks, compiled per backend like `clone.rs`: interviews of
//! one candidate, SCHEDULED now, each with its call attempt due now — the rows
//! `POST /v1/interviews` writes (`store/sql/interviews.rs` `insert_interview`,
//! `insert_attempt`), made set-based with a recursive CTE (both backends run it).

use super::Db;

const INTERVIEWS: &str = concat!(
    "WITH RECURSIVE n(k) AS (SELECT 0 UNION ALL SELECT k + 1 FROM n WHERE k + 1 < $1) \
     INSERT INTO interviews (id, company_id, candidate_id, job_id, agent_id, channel, status, \
     scheduled_at, is_test, metadata, invite_token, invite_sent_at, created_at, updated_at, number) SELECT ",
    new_uuid!("$6 + k"),
    ", $2, $3, $4, $5, 'PHONE', 'SCHEDULED', $6, FALSE, '{}', ",
    random_token!(),
    ", $6, $6, $6, (SELECT c.interviews FROM company_numbers c WHERE c.company_id = $2) + k + 1 FROM n"
);

/// Raises the company's interview counter past the `$2` new interviews.
const RAISE: &str = "UPDATE company_numbers SET interviews = interviews + $2 WHERE company_id = $1";

const ATTEMPTS: &str = concat!(
    "INSERT INTO call_attempts (id, interview_id, company_id, status, direction, retry_number, \
     scheduled_at, created_at, updated_at) SELECT ",
    new_uuid!("i.created_at"),
    ", i.id, i.company_id, 'SCHEDULED', 'OUTBOUND', 0, i.scheduled_at, i.created_at, i.created_at \
     FROM interviews i WHERE i.company_id = $1 AND i.status = 'SCHEDULED' \
     AND NOT EXISTS (SELECT 1 FROM call_attempts a WHERE a.interview_id = i.id)"
);

/// `count` due phone interviews of `candidate` (on `job`, with `agent`) in `company`.
pub async fn due(
    pool: &sqlx::Pool<Db>,
    ids: &super::super::DueIds,
    count: u64,
) -> anyhow::Result<()> {
    let now = chrono::Utc::now().timestamp_millis();
    let mut tx = pool.begin().await?;
    sqlx::query(INTERVIEWS)
        .bind(i64::try_from(count)?)
        .bind(ids.company)
        .bind(ids.candidate)
        .bind(ids.job)
        .bind(ids.agent)
        .bind(now)
        .execute(&mut *tx)
        .await?;
    sqlx::query(ATTEMPTS)
        .bind(ids.company)
        .execute(&mut *tx)
        .await?;
    sqlx::query(RAISE)
        .bind(ids.company)
        .bind(i64::try_from(count)?)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(())
}
