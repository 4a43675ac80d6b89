//! Reads shared by the engine's statements: the ids an interview's events carry, and
//! transcripts.

use super::Conn;
use crate::store::{StoreError, StoreResult};
use interviewd_domain::events::EventIds;
use interviewd_domain::{AttemptId, InterviewId};
use interviewd_voice::{Role, Turn};
use uuid::Uuid;

/// The ids events carry; `None` when the interview is gone.
pub async fn event_ids(conn: &mut Conn, interview: InterviewId) -> StoreResult<Option<EventIds>> {
    let row: Option<(Uuid, Uuid, Option<Uuid>)> =
        sqlx::query_as("SELECT company_id, candidate_id, job_id FROM interviews WHERE id = $1")
            .bind(interview.uuid())
            .fetch_optional(conn)
            .await?;
    Ok(row.map(|(company, candidate, job)| EventIds {
        company_id: company.into(),
        interview_id: interview,
        candidate_id: candidate.into(),
        job_id: job.map(Into::into),
    }))
}

type TurnRow = (String, String, i64, i64);

fn turn(row: TurnRow) -> Turn {
    let (role, text, start, end) = row;
    Turn {
        role: if role == "agent" {
            Role::Agent
        } else {
            Role::Participant
        },
        text,
        start_ms: u64::try_from(start).unwrap_or(0),
        end_ms: u64::try_from(end).unwrap_or(0),
    }
}

/// The transcript of one attempt.
pub async fn attempt_transcript(conn: &mut Conn, attempt: AttemptId) -> StoreResult<Vec<Turn>> {
    let rows: Vec<TurnRow> = sqlx::query_as(
        "SELECT role, text, start_ms, end_ms FROM transcript_turns WHERE attempt_id = $1 ORDER BY seq",
    )
    .bind(attempt.uuid())
    .fetch_all(conn)
    .await?;
    Ok(rows.into_iter().map(turn).collect())
}

/// The transcript of an interview (its attempts in creation order), or the conversation so
/// far of its online session.
pub async fn interview_transcript(
    conn: &mut Conn,
    interview: InterviewId,
) -> StoreResult<Vec<Turn>> {
    let rows: Vec<TurnRow> = sqlx::query_as(
        "SELECT role, text, start_ms, end_ms FROM transcript_turns WHERE interview_id = $1 \
         ORDER BY attempt_id, seq",
    )
    .bind(interview.uuid())
    .fetch_all(&mut *conn)
    .await?;
    if !rows.is_empty() {
        return Ok(rows.into_iter().map(turn).collect());
    }
    // An online interview's conversation stays with its session until the session that
    // finishes it ends; while one runs or is paused (the interview still open), what was said
    // so far is read from there. An interview that ended otherwise shows none of it.
    let live: Option<String> = sqlx::query_scalar(
        "SELECT s.turns FROM online_sessions s \
         JOIN interviews i ON i.id = s.interview_id \
         JOIN call_attempts a ON a.id = s.attempt_id \
         WHERE s.interview_id = $1 AND i.status IN ('SCHEDULED', 'IN_PROGRESS') \
         ORDER BY s.started_at DESC, s.attempt_id DESC LIMIT 1",
    )
    .bind(interview.uuid())
    .fetch_optional(conn)
    .await?;
    live.map_or(Ok(Vec::new()), |turns| session_turns(&turns))
}

/// The conversation stored with an online session (`online_sessions.turns`).
pub fn session_turns(raw: &str) -> StoreResult<Vec<Turn>> {
    serde_json::from_str(raw)
        .map_err(|e| StoreError::Internal(format!("online_sessions.turns: {e}")))
}

/// Writes an attempt's transcript (idempotent).
pub async fn insert_transcript(
    conn: &mut Conn,
    interview: Uuid,
    attempt: AttemptId,
    turns: &[Turn],
) -> StoreResult<()> {
    for (seq, t) in turns.iter().enumerate() {
        let role = match t.role {
            Role::Agent => "agent",
            Role::Participant => "participant",
        };
        sqlx::query(
            "INSERT INTO transcript_turns (attempt_id, seq, interview_id, role, text, start_ms, end_ms) \
             VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (attempt_id, seq) DO NOTHING",
        )
        .bind(attempt.uuid())
        .bind(i64::try_from(seq).unwrap_or(i64::MAX))
        .bind(interview)
        .bind(role)
        .bind(&t.text)
        .bind(i64::try_from(t.start_ms).unwrap_or(i64::MAX))
        .bind(i64::try_from(t.end_ms).unwrap_or(i64::MAX))
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}
