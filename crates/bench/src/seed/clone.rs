//! The copy statements, written once and compiled per backend (`sqlite.rs`, `postgres.rs`
//! provide `Db`, `begin`, the id-map statements and `new_uuid!`). The map table
//! `bench_clone` holds one row per copy with its new ids, token, key, e-mail and phone; each
//! table is then filled by one `INSERT … SELECT` from the template's rows crossed with it.

use super::super::{CloneSpec, Seeded, now_ms};
use super::{Db, JOBS_DDL, JOBS_DROP, MAP_DDL, MAP_DROP, MAP_FILL, begin};

/// Template candidate → copies (new id, e-mail, phone; the rest as the template).
/// Numbers continue the company's counter (`company_numbers`), raised by [`RAISE`] after.
const CANDIDATES: &str = "INSERT INTO candidates (id, company_id, first_name, last_name, email, phone, \
     ext_id, status, gdpr_expiry_date, metadata, custom_fields, created_at, updated_at, number) \
     SELECT m.candidate_id, c.company_id, c.first_name, c.last_name, m.email, m.phone, NULL, c.status, \
     c.gdpr_expiry_date, c.metadata, c.custom_fields, c.created_at, c.updated_at, \
     (SELECT n.candidates FROM company_numbers n WHERE n.company_id = c.company_id) + m.k + 1 \
     FROM bench_clone m CROSS JOIN candidates c WHERE c.id = $1 ORDER BY m.k";

/// Raises a company's counters past the copies' numbers (`$1` company, `$2` copies).
const RAISE: &str = "UPDATE company_numbers SET candidates = candidates + $2, \
     interviews = interviews + $2 WHERE company_id = $1";

const CANDIDATE_JOBS: &str = "INSERT INTO candidate_jobs (candidate_id, job_id, company_id, created_at) \
     SELECT m.candidate_id, COALESCE(m.job_id, cj.job_id), cj.company_id, cj.created_at \
     FROM bench_clone m CROSS JOIN candidate_jobs cj WHERE cj.candidate_id = $1 ORDER BY m.k";

const INTERVIEWS: &str = "INSERT INTO interviews (id, company_id, candidate_id, job_id, agent_id, channel, \
     status, scheduled_at, started_at, finished_at, is_test, metadata, invite_token, invite_sent_at, \
     invite_starts_at, invite_expires_at, invite_revoked_at, custom_field_id, created_at, updated_at, number) \
     SELECT m.interview_id, i.company_id, m.candidate_id, COALESCE(m.job_id, i.job_id), i.agent_id, i.channel, i.status, \
     i.scheduled_at, i.started_at, i.finished_at, i.is_test, i.metadata, m.invite_token, i.invite_sent_at, \
     i.invite_starts_at, i.invite_expires_at, i.invite_revoked_at, i.custom_field_id, i.created_at, i.updated_at, \
     (SELECT n.interviews FROM company_numbers n WHERE n.company_id = i.company_id) + m.k + 1 \
     FROM bench_clone m CROSS JOIN interviews i WHERE i.id = $1 ORDER BY m.k";

/// The template has one attempt (checked before copying), so each copy gets one.
const ATTEMPTS: &str = "INSERT INTO call_attempts (id, interview_id, company_id, status, direction, \
     reason_code, notes, retry_number, scheduled_at, called_at, ended_at, duration_ms, recording_key, fence, \
     lease_owner, lease_until, created_at, updated_at, answered_at) \
     SELECT m.attempt_id, m.interview_id, a.company_id, a.status, a.direction, a.reason_code, a.notes, \
     a.retry_number, a.scheduled_at, a.called_at, a.ended_at, a.duration_ms, \
     CASE WHEN a.recording_key IS NULL THEN NULL ELSE m.recording_key END, a.fence, a.lease_owner, \
     a.lease_until, a.created_at, a.updated_at, a.answered_at \
     FROM bench_clone m CROSS JOIN call_attempts a WHERE a.interview_id = $1 ORDER BY m.k";

const TURNS: &str = "INSERT INTO transcript_turns (attempt_id, seq, interview_id, role, text, start_ms, end_ms) \
     SELECT m.attempt_id, t.seq, m.interview_id, t.role, t.text, t.start_ms, t.end_ms \
     FROM bench_clone m CROSS JOIN transcript_turns t WHERE t.interview_id = $1 AND t.seq < $2 \
     ORDER BY m.k, t.seq";

const ANALYSES: &str = "INSERT INTO analyses (interview_id, id, attempt_id, company_id, score, summary, \
     strengths, weaknesses, criteria, created_at) \
     SELECT m.interview_id, m.analysis_id, m.attempt_id, a.company_id, a.score, a.summary, a.strengths, \
     a.weaknesses, a.criteria, a.created_at \
     FROM bench_clone m CROSS JOIN analyses a WHERE a.interview_id = $1 ORDER BY m.k";

/// Events as the webhook fan-out leaves them (dispatched), with the copy's ids, e-mail and
/// phone in their payloads. `$7`: every event, or only those of type `$8`.
const EVENTS: &str = concat!(
    "INSERT INTO events (id, company_id, interview_id, event_type, data, created_at, dispatched_at) SELECT ",
    new_uuid!("e.created_at"),
    ", e.company_id, m.interview_id, e.event_type, \
     replace(replace(replace(replace(replace(e.data, $2, m.interview_text), $3, m.candidate_text), \
     $4, m.attempt_text), $5, m.email), $6, m.phone), e.created_at, e.created_at \
     FROM bench_clone m CROSS JOIN events e WHERE e.interview_id = $1 AND ($7 OR e.event_type = $8) \
     ORDER BY m.k, e.created_at"
);

/// The company's other jobs, numbered from 0 (`$1` company, `$2` the template's job).
const JOBS_FILL: &str = "INSERT INTO bench_jobs (n, id) \
     SELECT ROW_NUMBER() OVER (ORDER BY number) - 1, id FROM jobs WHERE company_id = $1 AND id <> $2";

/// Each copy on job `k mod n`.
const JOBS_SPREAD: &str = "UPDATE bench_clone SET job_id = \
     (SELECT id FROM bench_jobs WHERE n = bench_clone.k % (SELECT COUNT(*) FROM bench_jobs))";

/// `$1` more jobs of the template's job's company, copies of it (`$2`), titled by number.
const JOBS: &str = concat!(
    "WITH RECURSIVE n(k) AS (SELECT 0 UNION ALL SELECT k + 1 FROM n WHERE k + 1 < $1) \
     INSERT INTO jobs (id, company_id, title, description, status, required_skills, \
     nice_to_have_skills, attrs, created_at, updated_at, number) SELECT ",
    new_uuid!("j.created_at + k"),
    ", j.company_id, j.title || ' ' || k, j.description, j.status, j.required_skills, \
     j.nice_to_have_skills, j.attrs, j.created_at, j.updated_at, \
     (SELECT c.jobs FROM company_numbers c WHERE c.company_id = j.company_id) + k + 1 \
     FROM n CROSS JOIN jobs j WHERE j.id = $2"
);

/// Raises the job counter of `$2`'s company past `$1` copies.
const RAISE_JOBS: &str = "UPDATE company_numbers SET jobs = jobs + $1 \
     WHERE company_id = (SELECT company_id FROM jobs WHERE id = $2)";

/// Creates `count` more jobs like `job` (the background's openings).
pub async fn jobs(pool: &sqlx::Pool<Db>, job: uuid::Uuid, count: u64) -> anyhow::Result<()> {
    let mut tx = pool.begin().await?;
    for sql in [JOBS, RAISE_JOBS] {
        sqlx::query(sql)
            .bind(i64::try_from(count)?)
            .bind(job)
            .execute(&mut *tx)
            .await?;
    }
    tx.commit().await?;
    Ok(())
}

const READ_BACK: &str = "SELECT m.interview_text, m.candidate_text, m.email, i.number, a.recording_key \
     FROM bench_clone m JOIN interviews i ON i.id = m.interview_id \
     JOIN call_attempts a ON a.id = m.attempt_id ORDER BY m.k";

/// Copies `spec.template` `spec.count` times in one transaction; e-mails and phones are
/// numbered from `offset`.
pub async fn clone(
    pool: &sqlx::Pool<Db>,
    spec: &CloneSpec<'_>,
    company: &str,
    offset: u64,
) -> anyhow::Result<Vec<Seeded>> {
    let t = spec.template;
    let count = i64::try_from(spec.count)?;
    let offset = i64::try_from(offset)?;
    let mut tx = begin(pool).await?;
    let attempts: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM call_attempts WHERE interview_id = $1")
            .bind(t.interview)
            .fetch_one(&mut *tx)
            .await?;
    anyhow::ensure!(
        attempts == 1,
        "the template has {attempts} call attempts, not one"
    );
    let attempt: uuid::Uuid =
        sqlx::query_scalar("SELECT id FROM call_attempts WHERE interview_id = $1")
            .bind(t.interview)
            .fetch_one(&mut *tx)
            .await?;
    let smallest_event: Option<String> = sqlx::query_scalar(
        "SELECT event_type FROM events WHERE interview_id = $1 ORDER BY length(data), created_at LIMIT 1",
    )
    .bind(t.interview)
    .fetch_optional(&mut *tx)
    .await?;
    sqlx::raw_sql(MAP_DDL).execute(&mut *tx).await?;
    sqlx::query(MAP_FILL)
        .bind(count)
        .bind(now_ms() - count)
        .bind(company)
        .bind(offset)
        .execute(&mut *tx)
        .await?;
    if let Some(job) = spec.spread_jobs {
        sqlx::raw_sql(JOBS_DDL).execute(&mut *tx).await?;
        let company = uuid::Uuid::parse_str(company)?;
        sqlx::query(JOBS_FILL)
            .bind(company)
            .bind(job)
            .execute(&mut *tx)
            .await?;
        sqlx::query(JOBS_SPREAD).execute(&mut *tx).await?;
        if let Some(drop) = JOBS_DROP {
            sqlx::raw_sql(drop).execute(&mut *tx).await?;
        }
    }
    sqlx::query(CANDIDATES)
        .bind(t.candidate)
        .execute(&mut *tx)
        .await?;
    sqlx::query(CANDIDATE_JOBS)
        .bind(t.candidate)
        .execute(&mut *tx)
        .await?;
    for sql in [INTERVIEWS, ATTEMPTS, ANALYSES] {
        sqlx::query(sql).bind(t.interview).execute(&mut *tx).await?;
    }
    sqlx::query(RAISE)
        .bind(uuid::Uuid::parse_str(company)?)
        .bind(count)
        .execute(&mut *tx)
        .await?;
    let turns: i64 = if spec.light { 2 } else { i64::MAX };
    sqlx::query(TURNS)
        .bind(t.interview)
        .bind(turns)
        .execute(&mut *tx)
        .await?;
    sqlx::query(EVENTS)
        .bind(t.interview)
        .bind(t.interview.to_string())
        .bind(t.candidate.to_string())
        .bind(attempt.to_string())
        .bind(&t.email)
        .bind(&t.phone)
        .bind(!spec.light)
        .bind(smallest_event.unwrap_or_default())
        .execute(&mut *tx)
        .await?;
    let seeded = if spec.read_back {
        let rows: Vec<(String, String, String, i64, Option<String>)> =
            sqlx::query_as(READ_BACK).fetch_all(&mut *tx).await?;
        rows.into_iter()
            .map(
                |(interview, candidate, email, number, recording_key)| Seeded {
                    interview,
                    candidate,
                    email,
                    number,
                    recording_key,
                },
            )
            .collect()
    } else {
        Vec::new()
    };
    if let Some(drop) = MAP_DROP {
        sqlx::raw_sql(drop).execute(&mut *tx).await?;
    }
    tx.commit().await?;
    Ok(seeded)
}
