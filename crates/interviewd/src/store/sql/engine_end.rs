//! The end of a session: the fenced write that ends an attempt together with
//! what follows it (transcript, analysis job, retry or failure, events, the slot given back),
//! and the reaper's statements.

use super::Conn;
use super::DbStore;
use super::engine_queue::{free_slot, miss};
use super::engine_snapshot::{event_ids, insert_transcript, session_turns};
use super::events;
use crate::store::StoreResult;
use crate::store::engine::{
    AttemptEnd, EndResult, ExpiredAttempt, JOB_ANALYSE, Lease, NextStep, Touch,
};
use chrono::{DateTime, Utc};
use interviewd_domain::events as payload;
use interviewd_domain::time::to_millis;
use interviewd_voice::Role;
use uuid::Uuid;

#[derive(sqlx::FromRow)]
struct Ended {
    interview_id: Uuid,
    company_id: Uuid,
    retry_number: i64,
    direction: String,
}

pub async fn end(store: &DbStore, e: &AttemptEnd) -> StoreResult<EndResult> {
    let at = to_millis(e.at);
    let mut tx = store.write_tx().await?;
    let ended: Option<Ended> = sqlx::query_as(
        "UPDATE call_attempts SET status = $1, reason_code = $2, ended_at = $3, duration_ms = $4, \
         recording_key = COALESCE($5, recording_key), lease_owner = NULL, lease_until = NULL, \
         fence = fence + 1, updated_at = $3 \
         WHERE id = $6 AND fence = $7 AND status = 'IN_PROGRESS' AND ($8 IS NULL OR lease_until < $8) \
         RETURNING interview_id, company_id, retry_number, direction",
    )
    .bind(e.status.as_str())
    .bind(&e.reason_code)
    .bind(at)
    .bind(e.duration_ms)
    .bind(&e.recording_key)
    .bind(e.lease.attempt_id.uuid())
    .bind(e.lease.fence)
    .bind(e.only_if_expired_at.map(to_millis))
    .fetch_optional(&mut *tx)
    .await?;
    let Some(ended) = ended else {
        let touch = miss(&mut tx, e.lease.attempt_id).await?;
        // The reaper leaves a renewed lease alone; anyone else gives back its own slot.
        if e.only_if_expired_at.is_none() || touch == Touch::Gone {
            free_slot(&mut tx, e.lease).await?;
        }
        tx.commit().await?;
        return Ok(match touch {
            Touch::Gone => EndResult::Gone,
            _ => EndResult::Stale,
        });
    };
    if let Some(key) = &e.recording_key {
        // The attempt points at the recording now: it is no longer an upload awaiting its row.
        sqlx::query("DELETE FROM blob_deletions WHERE key = $1")
            .bind(key)
            .execute(&mut *tx)
            .await?;
    }
    insert_transcript(
        &mut tx,
        ended.interview_id,
        e.lease.attempt_id,
        &e.transcript,
    )
    .await?;
    let job = follow_up(&mut tx, e, &ended).await?;
    // Last: slot rows are locked after the interview's, as everywhere.
    free_slot(&mut tx, e.lease).await?;
    tx.commit().await?;
    Ok(EndResult::Applied { job })
}

/// Applies the [`NextStep`] of an ended attempt; returns the queued job, if any.
async fn follow_up(conn: &mut Conn, e: &AttemptEnd, ended: &Ended) -> StoreResult<Option<Uuid>> {
    let at = to_millis(e.at);
    // Locked (after the attempt, as everywhere): what follows is decided on this state.
    let status: Option<String> = sqlx::query_scalar(concat!(
        "SELECT status FROM interviews WHERE id = $1",
        for_update!()
    ))
    .bind(ended.interview_id)
    .fetch_optional(&mut *conn)
    .await?;
    let open = matches!(status.as_deref(), Some("SCHEDULED" | "IN_PROGRESS"));
    if open {
        call_ended(conn, e, ended).await?;
    }
    match e.next {
        NextStep::Analyse { worker_after } if open => {
            let id = Uuid::now_v7();
            sqlx::query(
                "INSERT INTO pipeline_jobs (id, kind, interview_id, attempt_id, company_id, run_at, \
                 created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
            )
            .bind(id)
            .bind(JOB_ANALYSE)
            .bind(ended.interview_id)
            .bind(e.lease.attempt_id.uuid())
            .bind(ended.company_id)
            .bind(to_millis(worker_after).max(at))
            .bind(at)
            .execute(&mut *conn)
            .await?;
            Ok(Some(id))
        }
        NextStep::Retry { at: retry_at } if open => {
            sqlx::query(
                "INSERT INTO call_attempts (id, interview_id, company_id, status, direction, \
                 retry_number, scheduled_at, created_at, updated_at) \
                 VALUES ($1, $2, $3, 'SCHEDULED', $4, $5, $6, $7, $7)",
            )
            .bind(Uuid::now_v7())
            .bind(ended.interview_id)
            .bind(ended.company_id)
            .bind(&ended.direction)
            .bind(ended.retry_number + 1)
            .bind(to_millis(retry_at))
            .bind(at)
            .execute(&mut *conn)
            .await?;
            sqlx::query(
                "UPDATE interviews SET status = 'SCHEDULED', updated_at = $1 \
                 WHERE id = $2 AND status = 'IN_PROGRESS'",
            )
            .bind(at)
            .bind(ended.interview_id)
            .execute(&mut *conn)
            .await?;
            Ok(None)
        }
        NextStep::Pause if open => {
            sqlx::query(
                "UPDATE interviews SET status = 'SCHEDULED', updated_at = $1 \
                 WHERE id = $2 AND status = 'IN_PROGRESS'",
            )
            .bind(at)
            .bind(ended.interview_id)
            .execute(&mut *conn)
            .await?;
            Ok(None)
        }
        NextStep::FailInterview if open => {
            sqlx::query(
                "UPDATE interviews SET status = 'FAILED', finished_at = $1, updated_at = $1 WHERE id = $2",
            )
            .bind(at)
            .bind(ended.interview_id)
            .execute(&mut *conn)
            .await?;
            if let Some(ids) = event_ids(&mut *conn, ended.interview_id.into()).await? {
                let reason = e.reason_code.as_deref().unwrap_or("FAILED");
                let event = payload::failed(&ids, e.lease.attempt_id, reason, e.at);
                events::insert(&mut *conn, &event).await?;
            }
            Ok(None)
        }
        _ => Ok(None),
    }
}

/// Records `interview.call.ended` for an attempt in which the candidate answered that ends
/// without finishing the interview (a retry, a pause or a failure follows): Alpharun reports
/// every such call. An attempt nobody answered, or a session the candidate opened and left
/// without a word, has no event. (A call that ends in a failure keeps no conversation, so in
/// practice these are web sessions that pause.)
async fn call_ended(conn: &mut Conn, e: &AttemptEnd, ended: &Ended) -> StoreResult<()> {
    let after = match e.next {
        NextStep::Retry { .. } | NextStep::Pause => "SCHEDULED",
        NextStep::FailInterview => "FAILED",
        NextStep::Analyse { .. } | NextStep::Nothing => return Ok(()),
    };
    let spoke = e.transcript.iter().any(|t| t.role == Role::Participant)
        || answered_in_session(conn, ended.interview_id, e.lease.attempt_id.uuid()).await?;
    if !spoke {
        return Ok(());
    }
    if let Some(ids) = event_ids(&mut *conn, ended.interview_id.into()).await? {
        let event = payload::call_ended(&ids, e.lease.attempt_id, after, e.at);
        events::insert(&mut *conn, &event).await?;
    }
    Ok(())
}

/// Whether the candidate answered in web session `attempt`: its conversation (which carries on
/// that of the session it resumed) holds more of their turns than that earlier session's.
async fn answered_in_session(conn: &mut Conn, interview: Uuid, attempt: Uuid) -> StoreResult<bool> {
    let rows: Vec<(Uuid, String)> = sqlx::query_as(
        "SELECT attempt_id, turns FROM online_sessions WHERE interview_id = $1 \
         ORDER BY started_at DESC, attempt_id DESC",
    )
    .bind(interview)
    .fetch_all(&mut *conn)
    .await?;
    let answers = |turns: &str| -> StoreResult<usize> {
        let turns = session_turns(turns)?;
        Ok(turns.iter().filter(|t| t.role == Role::Participant).count())
    };
    let mut sessions = rows.iter().skip_while(|(id, _)| *id != attempt);
    let Some((_, now)) = sessions.next() else {
        return Ok(false);
    };
    let before = match sessions.next() {
        Some((_, turns)) => answers(turns)?,
        None => 0,
    };
    Ok(answers(now)? > before)
}

pub async fn release(store: &DbStore, lease: Lease) -> StoreResult<bool> {
    let mut tx = store.write_tx().await?;
    let freed = free_slot(&mut tx, lease).await?;
    tx.commit().await?;
    Ok(freed)
}

pub async fn expired(
    store: &DbStore,
    now: DateTime<Utc>,
    max: usize,
) -> StoreResult<Vec<ExpiredAttempt>> {
    let rows: Vec<(Uuid, i64, i64, String)> = sqlx::query_as(
        "SELECT id, fence, retry_number, direction FROM call_attempts \
         WHERE status = 'IN_PROGRESS' AND lease_until < $1 ORDER BY lease_until LIMIT $2",
    )
    .bind(to_millis(now))
    .bind(i64::try_from(max).unwrap_or(i64::MAX))
    .fetch_all(store.pool())
    .await?;
    Ok(rows
        .into_iter()
        .map(|(id, fence, retry, direction)| ExpiredAttempt {
            lease: Lease {
                attempt_id: id.into(),
                fence,
            },
            retry_number: u32::try_from(retry).unwrap_or(0),
            direction,
        })
        .collect())
}

pub async fn reap_slots(store: &DbStore, now: DateTime<Utc>) -> StoreResult<u64> {
    let mut tx = store.write_tx().await?;
    let freed = sqlx::query(
        "UPDATE company_slots SET holder_attempt_id = NULL, holder_fence = NULL, owner = NULL, \
         kind = NULL, lease_until = NULL \
         WHERE holder_attempt_id IS NOT NULL AND (lease_until < $1 OR (kind = 'web' AND NOT EXISTS \
           (SELECT 1 FROM call_attempts a WHERE a.id = company_slots.holder_attempt_id \
            AND a.status = 'IN_PROGRESS')))",
    )
    .bind(to_millis(now))
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(freed.rows_affected())
}
