//! The webhook message queue: fan-out, claiming with a lease, recording attempts,
//! and purging what is about a deleted interview.
//!
//! Claims run under the write lock (`BEGIN IMMEDIATE` on SQLite) or select messages
//! `FOR UPDATE SKIP LOCKED` (PostgreSQL), so two workers (in any process) never lease the
//! same message; every completion is fenced on the lease token, so a worker whose lease
//! expired (and whose message another worker took over) changes nothing when it finally
//! reports.

use super::webhooks::get_any;
use super::{Conn, Pool};
use crate::store::StoreResult;
use crate::store::delivery::{
    AttemptRecord, ClaimedMessage, EndpointEffect, MessageFate, NewMessage, StoredEvent,
};
use crate::store::events::kinds;
use chrono::{DateTime, Utc};
use interviewd_domain::InterviewId;
use interviewd_domain::time::{from_millis, to_millis};
use std::collections::HashMap;
use std::collections::hash_map::Entry;
use uuid::Uuid;

#[derive(sqlx::FromRow)]
struct EventRow {
    id: Uuid,
    company_id: Uuid,
    interview_id: Option<Uuid>,
    event_type: String,
    data: String,
    created_at: i64,
}

pub async fn undispatched(pool: &Pool, limit: u32) -> StoreResult<Vec<StoredEvent>> {
    let rows: Vec<EventRow> = sqlx::query_as(
        "SELECT id, company_id, interview_id, event_type, data, created_at FROM events \
         WHERE dispatched_at IS NULL ORDER BY created_at, id LIMIT $1",
    )
    .bind(i64::from(limit))
    .fetch_all(pool)
    .await?;
    // One unreadable row must not hold up every later event: its data becomes null.
    Ok(rows
        .into_iter()
        .map(|r| StoredEvent {
            data: serde_json::from_str(&r.data).unwrap_or_else(|_| {
                tracing::error!(event_id = %r.id, "unreadable events.data; sent as null");
                serde_json::Value::Null
            }),
            id: r.id,
            company_id: r.company_id.into(),
            interview_id: r.interview_id.map(Into::into),
            event_type: r.event_type,
            created_at: from_millis(r.created_at),
        })
        .collect())
}

/// Inserts `m` if its endpoint exists and (unless `any_state`) takes new messages.
pub async fn insert_message(conn: &mut Conn, m: &NewMessage, any_state: bool) -> StoreResult<bool> {
    let done = sqlx::query(
        "INSERT INTO webhook_messages (id, webhook_id, company_id, event_id, interview_id, event_type, \
         payload, status, attempts, next_attempt_at, created_at, updated_at) \
         SELECT $1, $2, $3, $4, $5, $6, $7, 'PENDING', 0, $8, $8, $8 \
         WHERE EXISTS (SELECT 1 FROM webhooks WHERE id = $2 \
                       AND (company_id = $3 OR global_key_id IS NOT NULL) \
                       AND (is_active = $9 OR circuit_opened_at IS NOT NULL OR $10))",
    )
    .bind(m.id)
    .bind(m.webhook_id.uuid())
    .bind(m.company_id.uuid())
    .bind(m.event_id)
    .bind(m.interview_id.map(|i| i.uuid()))
    .bind(&m.event_type)
    .bind(&m.payload)
    .bind(to_millis(m.created_at))
    .bind(true)
    .bind(any_state)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() > 0)
}

pub async fn dispatch(
    conn: &mut Conn,
    event_id: Uuid,
    messages: &[NewMessage],
    at: DateTime<Utc>,
) -> StoreResult<bool> {
    let marked =
        sqlx::query("UPDATE events SET dispatched_at = $2 WHERE id = $1 AND dispatched_at IS NULL")
            .bind(event_id)
            .bind(to_millis(at))
            .execute(&mut *conn)
            .await?;
    if marked.rows_affected() == 0 {
        return Ok(false);
    }
    for message in messages {
        insert_message(conn, message, false).await?;
    }
    Ok(true)
}

#[derive(sqlx::FromRow)]
struct DueRow {
    id: Uuid,
    webhook_id: Uuid,
    interview_id: Option<Uuid>,
    event_type: String,
    payload: String,
    attempts: i64,
}

pub async fn claim(
    conn: &mut Conn,
    now: DateTime<Utc>,
    limit: u32,
    lease_margin_ms: i64,
) -> StoreResult<Vec<ClaimedMessage>> {
    let now_ms = to_millis(now);
    let due: Vec<DueRow> = sqlx::query_as(concat!(
        "SELECT m.id, m.webhook_id, m.interview_id, m.event_type, m.payload, m.attempts \
         FROM webhook_messages m JOIN webhooks w ON w.id = m.webhook_id \
         WHERE m.status = 'PENDING' AND m.next_attempt_at <= $1 \
           AND (m.lease_until IS NULL OR m.lease_until <= $1) \
           AND (w.is_active = $2 OR m.event_type = $3) \
         ORDER BY m.next_attempt_at, m.id LIMIT $4",
        for_update!(of m skip_locked)
    ))
    .bind(now_ms)
    .bind(true)
    .bind(kinds::PING)
    .bind(i64::from(limit))
    .fetch_all(&mut *conn)
    .await?;
    let mut endpoints = HashMap::new();
    let mut claimed = Vec::with_capacity(due.len());
    for row in due {
        let webhook = match endpoints.entry(row.webhook_id) {
            Entry::Occupied(known) => known.into_mut(),
            Entry::Vacant(slot) => slot.insert(get_any(conn, row.webhook_id).await?),
        };
        let Some(webhook) = webhook else {
            continue;
        };
        let lease = Uuid::new_v4().simple().to_string();
        let until = now_ms + i64::from(webhook.timeout_ms) + lease_margin_ms;
        sqlx::query("UPDATE webhook_messages SET lease_owner = $2, lease_until = $3 WHERE id = $1")
            .bind(row.id)
            .bind(&lease)
            .bind(until)
            .execute(&mut *conn)
            .await?;
        claimed.push(ClaimedMessage {
            id: row.id,
            lease,
            webhook: webhook.clone(),
            interview_id: row.interview_id.map(Into::into),
            event_type: row.event_type,
            payload: row.payload,
            attempts: u32::try_from(row.attempts).unwrap_or(u32::MAX),
        });
    }
    Ok(claimed)
}

pub async fn record(conn: &mut Conn, r: &AttemptRecord) -> StoreResult<bool> {
    let at = to_millis(r.attempted_at);
    let (status, next, delivered) = match r.fate {
        MessageFate::Delivered => ("DELIVERED", None, Some(at)),
        MessageFate::Retry(when) => ("PENDING", Some(to_millis(when)), None),
        MessageFate::Failed => ("FAILED", None, None),
    };
    let updated = sqlx::query(
        "UPDATE webhook_messages SET status = $3, attempts = $4, \
         next_attempt_at = COALESCE($5, next_attempt_at), lease_owner = NULL, lease_until = NULL, \
         last_error = $6, delivered_at = $7, updated_at = $8 WHERE id = $1 AND lease_owner = $2",
    )
    .bind(r.message_id)
    .bind(&r.lease)
    .bind(status)
    .bind(i64::from(r.attempt_number))
    .bind(next)
    .bind(&r.error)
    .bind(delivered)
    .bind(at)
    .execute(&mut *conn)
    .await?;
    if updated.rows_affected() == 0 {
        return Ok(false);
    }
    sqlx::query(
        "INSERT INTO webhook_attempts (id, message_id, webhook_id, company_id, event_type, \
         attempt_number, attempted_at, status_code, duration_ms, outcome, error) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
    )
    .bind(Uuid::now_v7())
    .bind(r.message_id)
    .bind(r.webhook_id.uuid())
    .bind(r.company_id.uuid())
    .bind(&r.event_type)
    .bind(i64::from(r.attempt_number))
    .bind(at)
    .bind(r.status_code.map(i64::from))
    .bind(i64::try_from(r.duration_ms).unwrap_or(i64::MAX))
    .bind(r.outcome)
    .bind(&r.error)
    .execute(&mut *conn)
    .await?;
    apply_effect(conn, r, at).await?;
    Ok(true)
}

async fn apply_effect(conn: &mut Conn, r: &AttemptRecord, at: i64) -> StoreResult<()> {
    let id = r.webhook_id.uuid();
    match r.effect {
        EndpointEffect::None => {}
        EndpointEffect::Succeeded => {
            sqlx::query("UPDATE webhooks SET consecutive_failures = 0 WHERE id = $1")
                .bind(id)
                .execute(conn)
                .await?;
        }
        EndpointEffect::Failed { circuit_threshold } => {
            // Every right-hand side reads the row as it was before this statement.
            sqlx::query(
                "UPDATE webhooks SET consecutive_failures = consecutive_failures + 1, \
                 circuit_opened_at = CASE WHEN consecutive_failures + 1 >= $2 AND is_active = $3 \
                     THEN $4 ELSE circuit_opened_at END, \
                 updated_at = CASE WHEN consecutive_failures + 1 >= $2 AND is_active = $3 \
                     THEN $4 ELSE updated_at END, \
                 is_active = CASE WHEN consecutive_failures + 1 >= $2 THEN $5 ELSE is_active END \
                 WHERE id = $1",
            )
            .bind(id)
            .bind(i64::from(circuit_threshold))
            .bind(true)
            .bind(at)
            .bind(false)
            .execute(conn)
            .await?;
        }
        EndpointEffect::Disable => {
            sqlx::query("UPDATE webhooks SET is_active = $2, updated_at = $3 WHERE id = $1")
                .bind(id)
                .bind(false)
                .bind(at)
                .execute(conn)
                .await?;
        }
    }
    Ok(())
}

/// Clears a message's lease if it is still `lease`.
pub async fn release(conn: &mut Conn, id: Uuid, lease: &str) -> StoreResult<()> {
    sqlx::query(
        "UPDATE webhook_messages SET lease_owner = NULL, lease_until = NULL \
         WHERE id = $1 AND lease_owner = $2",
    )
    .bind(id)
    .bind(lease)
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn drop_message(
    pool: &Pool,
    id: Uuid,
    lease: &str,
    at: DateTime<Utc>,
) -> StoreResult<()> {
    sqlx::query(
        "UPDATE webhook_messages SET status = 'DROPPED', payload = '', lease_owner = NULL, \
         lease_until = NULL, last_error = 'the interview was deleted', updated_at = $3 \
         WHERE id = $1 AND lease_owner = $2",
    )
    .bind(id)
    .bind(lease)
    .bind(to_millis(at))
    .execute(pool)
    .await?;
    Ok(())
}

/// See [`crate::store::delivery::DeliveryStore::start_webhook_attempt`]. On PostgreSQL the update
/// waits for a removal that holds the row (it deletes it), then finds nothing to update.
pub async fn start_attempt(
    conn: &mut Conn,
    id: Uuid,
    lease: &str,
    at: DateTime<Utc>,
) -> StoreResult<bool> {
    let started = sqlx::query(
        "UPDATE webhook_messages SET updated_at = $3 \
         WHERE id = $1 AND lease_owner = $2 AND status = 'PENDING' \
           AND (interview_id IS NULL OR event_type = $4 \
                OR EXISTS (SELECT 1 FROM interviews i WHERE i.id = webhook_messages.interview_id))",
    )
    .bind(id)
    .bind(lease)
    .bind(to_millis(at))
    .bind(kinds::INTERVIEW_DELETED)
    .execute(conn)
    .await?;
    Ok(started.rows_affected() == 1)
}

pub async fn interview_exists(pool: &Pool, id: InterviewId) -> StoreResult<bool> {
    let found: Option<i64> = sqlx::query_scalar("SELECT number FROM interviews WHERE id = $1")
        .bind(id.uuid())
        .fetch_optional(pool)
        .await?;
    Ok(found.is_some())
}
