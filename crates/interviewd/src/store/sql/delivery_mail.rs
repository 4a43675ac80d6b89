//! The mail queue. Claims lease rows under the write lock (`BEGIN IMMEDIATE` on SQLite) or
//! selected `FOR UPDATE SKIP LOCKED` (PostgreSQL), so processes claiming at once take
//! different mail; completions are fenced on the lease token. Recipient and body are erased
//! once a mail is finished.

use super::{Conn, Pool};
use crate::store::StoreResult;
use crate::store::delivery::{MailFate, MailKind, MailStatus, NewMail, QueuedMail};
use chrono::{DateTime, Utc};
use interviewd_domain::time::to_millis;
use uuid::Uuid;

/// Queues `mail` on `conn`, which may be inside the transaction of the mail's cause (an
/// invite created, an invite revoked), so the mail exists exactly when its cause does.
pub async fn enqueue_mail(conn: &mut Conn, mail: &NewMail) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO mail_queue (id, company_id, interview_id, kind, to_addr, subject, body, status, \
         attempts, next_attempt_at, created_at, updated_at, candidate_id) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, 'PENDING', 0, $8, $8, $8, \
                 (SELECT candidate_id FROM interviews WHERE id = $3))",
    )
    .bind(mail.id)
    .bind(mail.company_id.map(|c| c.uuid()))
    .bind(mail.interview_id.map(|i| i.uuid()))
    .bind(mail.kind.as_str())
    .bind(&mail.to)
    .bind(&mail.subject)
    .bind(&mail.body)
    .bind(to_millis(mail.created_at))
    .execute(conn)
    .await?;
    Ok(())
}

#[derive(sqlx::FromRow)]
struct MailRow {
    id: Uuid,
    interview_id: Option<Uuid>,
    kind: String,
    to_addr: String,
    subject: String,
    body: String,
    attempts: i64,
}

pub async fn claim(
    conn: &mut Conn,
    now: DateTime<Utc>,
    limit: u32,
    lease_ms: i64,
) -> StoreResult<Vec<QueuedMail>> {
    let now_ms = to_millis(now);
    let rows: Vec<MailRow> = sqlx::query_as(concat!(
        "SELECT id, interview_id, kind, to_addr, subject, body, attempts FROM mail_queue \
         WHERE status = 'PENDING' AND next_attempt_at <= $1 \
           AND (lease_until IS NULL OR lease_until <= $1) \
         ORDER BY next_attempt_at, id LIMIT $2",
        for_update!(skip_locked)
    ))
    .bind(now_ms)
    .bind(i64::from(limit))
    .fetch_all(&mut *conn)
    .await?;
    let mut claimed = Vec::with_capacity(rows.len());
    for row in rows {
        let lease = Uuid::new_v4().simple().to_string();
        sqlx::query("UPDATE mail_queue SET lease_owner = $2, lease_until = $3 WHERE id = $1")
            .bind(row.id)
            .bind(&lease)
            .bind(now_ms + lease_ms)
            .execute(&mut *conn)
            .await?;
        claimed.push(QueuedMail {
            id: row.id,
            lease,
            interview_id: row.interview_id.map(Into::into),
            kind: MailKind::from_stored(&row.kind),
            to: row.to_addr,
            subject: row.subject,
            body: row.body,
            attempts: u32::try_from(row.attempts).unwrap_or(u32::MAX),
        });
    }
    Ok(claimed)
}

pub async fn finish(
    pool: &Pool,
    id: Uuid,
    lease: &str,
    fate: &MailFate,
    at: DateTime<Utc>,
) -> StoreResult<bool> {
    let at = to_millis(at);
    // Finished mail keeps its subject and outcome, not who it went to or what it said.
    let (sql, error, next) = match fate {
        MailFate::Sent => (
            "UPDATE mail_queue SET status = 'SENT', attempts = attempts + 1, sent_at = $3, \
             to_addr = '', body = '', last_error = $4, lease_owner = NULL, lease_until = NULL, \
             updated_at = $3, next_attempt_at = COALESCE($5, next_attempt_at) \
             WHERE id = $1 AND lease_owner = $2",
            None,
            None,
        ),
        MailFate::Retry { at: when, error } => (
            "UPDATE mail_queue SET attempts = attempts + 1, last_error = $4, \
             next_attempt_at = COALESCE($5, next_attempt_at), lease_owner = NULL, \
             lease_until = NULL, updated_at = $3 WHERE id = $1 AND lease_owner = $2",
            Some(error.as_str()),
            Some(to_millis(*when)),
        ),
        MailFate::Failed { error } => (
            "UPDATE mail_queue SET status = 'FAILED', attempts = attempts + 1, to_addr = '', \
             body = '', last_error = $4, lease_owner = NULL, lease_until = NULL, updated_at = $3, \
             next_attempt_at = COALESCE($5, next_attempt_at) WHERE id = $1 AND lease_owner = $2",
            Some(error.as_str()),
            None,
        ),
        MailFate::Dropped { reason } => (
            "UPDATE mail_queue SET status = 'DROPPED', to_addr = '', body = '', last_error = $4, \
             lease_owner = NULL, lease_until = NULL, updated_at = $3, \
             next_attempt_at = COALESCE($5, next_attempt_at) WHERE id = $1 AND lease_owner = $2",
            Some(reason.as_str()),
            None,
        ),
    };
    let done = sqlx::query(sql)
        .bind(id)
        .bind(lease)
        .bind(at)
        .bind(error)
        .bind(next)
        .execute(pool)
        .await?;
    Ok(done.rows_affected() > 0)
}

/// Clears a mail's lease if it is still `lease`.
pub async fn release(conn: &mut Conn, id: Uuid, lease: &str) -> StoreResult<()> {
    sqlx::query(
        "UPDATE mail_queue SET lease_owner = NULL, lease_until = NULL \
         WHERE id = $1 AND lease_owner = $2",
    )
    .bind(id)
    .bind(lease)
    .execute(conn)
    .await?;
    Ok(())
}

/// Moves a mail's lease end to `until` if the lease is still `lease`.
pub async fn renew(
    conn: &mut Conn,
    id: Uuid,
    lease: &str,
    until: DateTime<Utc>,
) -> StoreResult<()> {
    sqlx::query("UPDATE mail_queue SET lease_until = $3 WHERE id = $1 AND lease_owner = $2")
        .bind(id)
        .bind(lease)
        .bind(to_millis(until))
        .execute(conn)
        .await?;
    Ok(())
}

#[derive(sqlx::FromRow)]
struct StatusRow {
    id: Uuid,
    kind: String,
    status: String,
    attempts: i64,
    last_error: Option<String>,
}

pub async fn status(pool: &Pool, id: Uuid) -> StoreResult<Option<MailStatus>> {
    let row: Option<StatusRow> = sqlx::query_as(
        "SELECT id, kind, status, attempts, last_error FROM mail_queue WHERE id = $1",
    )
    .bind(id)
    .fetch_optional(pool)
    .await?;
    Ok(row.map(|r| MailStatus {
        id: r.id,
        kind: MailKind::from_stored(&r.kind),
        status: r.status,
        attempts: u32::try_from(r.attempts).unwrap_or(u32::MAX),
        last_error: r.last_error,
    }))
}
