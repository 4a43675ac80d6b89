//! Online (web) sessions. A session is an attempt with direction `WEB` plus an
//! `online_sessions` row holding its questions and the conversation so far. It takes a slot
//! like a call (kind `web`, owner `web`); its lease is the idle deadline, pushed back by every
//! turn appended.

use super::engine_queue::{miss, provision_slots, take_slot};
use super::engine_snapshot::event_ids;
use super::{DbStore, events, interviews};
use crate::store::StoreResult;
use crate::store::engine::{
    Lease, LiveSession, NewSession, SessionCheck, SessionStart, SessionView, Touch,
};
use crate::store::rows::interview_cols;
use crate::store::rows::{InterviewRow, parse, to_json};
use chrono::{DateTime, Utc};
use interviewd_domain::events as payload;
use interviewd_domain::model::Interview;
use interviewd_domain::time::{from_millis, to_millis};
use interviewd_voice::{Role, Turn};
use uuid::Uuid;

/// The slot owner of web sessions (no worker heartbeats them).
pub const WEB_OWNER: &str = "web";

#[derive(sqlx::FromRow)]
struct LiveRow {
    id: Uuid,
    fence: i64,
    lease_until: Option<i64>,
    questions: String,
    answers: String,
    turns: String,
    started_at: i64,
}

impl LiveRow {
    /// The stored conversation. A session live across the upgrade that introduced `turns`
    /// has only `answers`: its conversation is rebuilt in the shape it was then held in.
    fn turns(&self) -> Vec<Turn> {
        let turns: Vec<Turn> = serde_json::from_str(&self.turns).unwrap_or_default();
        if !turns.is_empty() {
            return turns;
        }
        let questions: Vec<String> = serde_json::from_str(&self.questions).unwrap_or_default();
        let answers: Vec<String> = serde_json::from_str(&self.answers).unwrap_or_default();
        let mut lines = Vec::new();
        for (i, question) in questions.iter().enumerate().take(answers.len() + 1) {
            lines.push((Role::Agent, question.clone()));
            if let Some(answer) = answers.get(i) {
                lines.push((Role::Participant, answer.clone()));
            }
        }
        lines
            .into_iter()
            .map(|(role, text)| Turn {
                role,
                text,
                start_ms: 0,
                end_ms: 0,
            })
            .collect()
    }
}

pub async fn by_token(store: &DbStore, token: &str) -> StoreResult<Option<SessionView>> {
    let row: Option<InterviewRow> = sqlx::query_as(concat!(
        "SELECT ",
        interview_cols!(),
        " FROM interviews WHERE invite_token = $1"
    ))
    .bind(token)
    .fetch_optional(store.pool())
    .await?;
    let Some(row) = row else { return Ok(None) };
    let interview = Interview::try_from(row)?;
    let mut conn = store.pool().acquire().await?;
    let Some(details) = super::engine_brief::of_interview(&mut conn, interview.id).await? else {
        return Ok(None);
    };
    let live: Option<LiveRow> = sqlx::query_as(
        "SELECT a.id, a.fence, a.lease_until, s.questions, s.answers, s.turns, s.started_at \
         FROM call_attempts a JOIN online_sessions s ON s.attempt_id = a.id \
         WHERE a.interview_id = $1 AND a.status = 'IN_PROGRESS' AND a.direction = 'WEB'",
    )
    .bind(interview.id.uuid())
    .fetch_optional(&mut *conn)
    .await?;
    Ok(Some(SessionView {
        brief: details.brief,
        phone: details.phone,
        live: live.map(|l| LiveSession {
            lease: Lease {
                attempt_id: l.id.into(),
                fence: l.fence,
            },
            turns: l.turns(),
            questions: serde_json::from_str(&l.questions).unwrap_or_default(),
            started_at: from_millis(l.started_at),
            lease_until: from_millis(l.lease_until.unwrap_or(0)),
        }),
        interview,
    }))
}

pub async fn check(store: &DbStore, token: &str) -> StoreResult<Option<SessionCheck>> {
    type Row = (String, Option<i64>, Option<i64>, Option<i64>, Option<i64>);
    let row: Option<Row> = sqlx::query_as(
        "SELECT i.status, i.invite_expires_at, i.invite_revoked_at, a.lease_until, s.started_at \
         FROM interviews i \
         LEFT JOIN call_attempts a ON a.interview_id = i.id AND a.status = 'IN_PROGRESS' \
           AND a.direction = 'WEB' \
         LEFT JOIN online_sessions s ON s.attempt_id = a.id \
         WHERE i.invite_token = $1 \
         ORDER BY s.started_at DESC LIMIT 1",
    )
    .bind(token)
    .fetch_optional(store.pool())
    .await?;
    let Some((status, expires_at, revoked_at, lease_until, started_at)) = row else {
        return Ok(None);
    };
    Ok(Some(SessionCheck {
        status: parse(&status, "interviews.status")?,
        expires_at: expires_at.map(from_millis),
        revoked: revoked_at.is_some(),
        live_until: started_at.map(|_| from_millis(lease_until.unwrap_or(0))),
    }))
}

pub async fn start(store: &DbStore, s: &NewSession) -> StoreResult<SessionStart> {
    let now = to_millis(s.now);
    let interview = s.attempt.interview_id.uuid();
    let mut tx = store.write_tx().await?;
    // The interview and its attempts stay as read until commit (two tabs opening the same
    // link at once: one session starts, the other finds it live).
    let state = interviews::lock(&mut tx, interview)
        .await?
        .map(|i| (i.status.as_str().to_owned(), i.invite.revoked_at));
    let live: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM call_attempts WHERE interview_id = $1 AND status = 'IN_PROGRESS'",
    )
    .bind(interview)
    .fetch_one(&mut *tx)
    .await?;
    if !matches!(state, Some((ref status, None)) if status == "SCHEDULED") || live > 0 {
        return Ok(SessionStart::NotStartable);
    }
    let company = s.attempt.company_id.uuid();
    // Every taker of the company's slots holds this row lock (claims skip it meanwhile).
    let (limit, provisioned): (i64, i64) = sqlx::query_as(concat!(
        "SELECT c.concurrency_limit, (SELECT COUNT(*) FROM company_slots s WHERE s.company_id = c.id) \
         FROM companies c WHERE c.id = $1",
        for_update!(no_key of c)
    ))
    .bind(company)
    .fetch_one(&mut *tx)
    .await?;
    provision_slots(&mut tx, company, limit, provisioned).await?;
    let lease = Lease {
        attempt_id: s.attempt.id,
        fence: 1,
    };
    if !take_slot(
        &mut tx,
        company,
        limit,
        lease,
        WEB_OWNER,
        "web",
        s.idle_until,
    )
    .await?
    {
        return Ok(SessionStart::NoSlot);
    }
    interviews::insert_attempt(&mut tx, &s.attempt).await?;
    sqlx::query(
        "UPDATE call_attempts SET fence = $1, lease_owner = $2, lease_until = $3, answered_at = $4 \
         WHERE id = $5",
    )
    .bind(lease.fence)
    .bind(WEB_OWNER)
    .bind(to_millis(s.idle_until))
    .bind(now)
    .bind(s.attempt.id.uuid())
    .execute(&mut *tx)
    .await?;
    sqlx::query(
        "INSERT INTO online_sessions (attempt_id, interview_id, questions, answers, turns, \
         started_at, updated_at) VALUES ($1, $2, $3, '[]', $4, $5, $5)",
    )
    .bind(s.attempt.id.uuid())
    .bind(interview)
    .bind(to_json(&s.questions))
    .bind(to_json(&s.turns))
    .bind(now)
    .execute(&mut *tx)
    .await?;
    sqlx::query(
        "UPDATE interviews SET status = 'IN_PROGRESS', started_at = COALESCE(started_at, $1), \
         updated_at = $1 WHERE id = $2",
    )
    .bind(now)
    .bind(interview)
    .execute(&mut *tx)
    .await?;
    if let Some(ids) = event_ids(&mut tx, s.attempt.interview_id).await? {
        events::insert(&mut tx, &payload::started(&ids, s.attempt.id, s.now)).await?;
    }
    tx.commit().await?;
    Ok(SessionStart::Started(lease))
}

pub async fn append(
    store: &DbStore,
    lease: Lease,
    after: usize,
    new: &[Turn],
    now: DateTime<Utc>,
    idle_until: DateTime<Utc>,
) -> StoreResult<Touch> {
    let mut tx = store.write_tx().await?;
    // The attempt, then its session row, stay as read until commit (attempts are locked
    // first everywhere): two requests moving the conversation on cannot both append.
    interviews::lock_attempt(&mut tx, lease.attempt_id).await?;
    // The candidate's answer is stored only while the invite stands (a live connection
    // answers from its own copy of the session, which a revoke does not reach); the reply
    // to a stored answer always is.
    let answering = new.iter().any(|t| t.role == Role::Participant);
    let row: Option<LiveRow> = sqlx::query_as(concat!(
        "SELECT a.id, a.fence, a.lease_until, s.questions, s.answers, s.turns, s.started_at \
         FROM call_attempts a JOIN online_sessions s ON s.attempt_id = a.id \
         JOIN interviews i ON i.id = a.interview_id \
         WHERE a.id = $1 AND a.fence = $2 AND a.status = 'IN_PROGRESS' AND a.lease_until >= $3 \
         AND ($4 = 0 OR (i.invite_revoked_at IS NULL \
           AND (i.invite_expires_at IS NULL OR i.invite_expires_at > $3)))",
        for_update!(of s)
    ))
    .bind(lease.attempt_id.uuid())
    .bind(lease.fence)
    .bind(to_millis(now))
    .bind(i64::from(answering))
    .fetch_optional(&mut *tx)
    .await?;
    let Some(row) = row else {
        return miss(&mut tx, lease.attempt_id).await;
    };
    let mut turns = row.turns();
    if turns.len() != after {
        return Ok(Touch::Stale);
    }
    turns.extend_from_slice(new);
    // The conversation, the attempt's and the slot's idle deadline: three writes in one
    // round trip to the database, as the writer is held until commit (on SQLite one
    // connection that every write queues for).
    sqlx::query(per_backend!(
        sqlite: "UPDATE online_sessions SET turns = $1, updated_at = $2 WHERE attempt_id = $3; \
                 UPDATE call_attempts SET lease_until = $4 WHERE id = $3; \
                 UPDATE company_slots SET lease_until = $4 \
                 WHERE holder_attempt_id = $3 AND holder_fence = $5",
        postgres: "WITH s AS (UPDATE online_sessions SET turns = $1, updated_at = $2 \
                   WHERE attempt_id = $3 RETURNING 1), \
                   a AS (UPDATE call_attempts SET lease_until = $4 WHERE id = $3 RETURNING 1) \
                   UPDATE company_slots SET lease_until = $4 \
                   WHERE holder_attempt_id = $3 AND holder_fence = $5",
    ))
    .bind(to_json(&turns))
    .bind(to_millis(now))
    .bind(lease.attempt_id.uuid())
    .bind(to_millis(idle_until))
    .bind(lease.fence)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(Touch::Applied)
}

pub async fn paused(
    store: &DbStore,
    interview: interviewd_domain::InterviewId,
) -> StoreResult<Option<(Vec<String>, Vec<Turn>)>> {
    let row: Option<LiveRow> = sqlx::query_as(
        "SELECT a.id, a.fence, a.lease_until, s.questions, s.answers, s.turns, s.started_at \
         FROM online_sessions s JOIN call_attempts a ON a.id = s.attempt_id \
         WHERE s.interview_id = $1 AND a.status = 'FAILED' AND a.reason_code = 'IDLE_TIMEOUT' \
         ORDER BY s.updated_at DESC LIMIT 1",
    )
    .bind(interview.uuid())
    .fetch_optional(store.pool())
    .await?;
    Ok(row.map(|r| {
        let questions = serde_json::from_str(&r.questions).unwrap_or_default();
        (questions, r.turns())
    }))
}

/// The job whose opening's public link is `slug`. Every request for an unknown `/i/{token}`
/// asks this, unauthenticated, so it is an index lookup: the expression is word for word the
/// one `jobs_link_slug` indexes (migration `0023`), or the database would read every job.
pub const JOB_BY_LINK: &str = per_backend!(
    sqlite: concat!("SELECT ", crate::store::rows::job_cols!(), " FROM jobs WHERE json_extract(attrs, '$.opening.linkSlug') = $1 LIMIT 1"),
    postgres: concat!("SELECT ", crate::store::rows::job_cols!(), " FROM jobs WHERE (attrs::jsonb -> 'opening' ->> 'linkSlug') = $1 LIMIT 1"),
);

pub async fn job_by_link(
    store: &DbStore,
    slug: &str,
) -> StoreResult<Option<interviewd_domain::model::Job>> {
    use crate::store::rows::JobRow;
    let row: Option<JobRow> = sqlx::query_as(JOB_BY_LINK)
        .bind(slug)
        .fetch_optional(store.pool())
        .await?;
    row.map(interviewd_domain::model::Job::try_from).transpose()
}
