//! The call-attempt queue: claims, slots, leases and fencing, shared by every process on the
//! database.
//!
//! A claim works company by company, the longest-waiting first. On PostgreSQL it locks the
//! company's row `FOR NO KEY UPDATE SKIP LOCKED` — a company another process is claiming for
//! (or opening a web session of) is skipped, so claimers never wait for each other — then
//! takes due attempts and free slot rows `FOR UPDATE SKIP LOCKED`. On SQLite the claim runs
//! inside `BEGIN IMMEDIATE`, which holds the database's only write lock from its first read,
//! so nothing it read can change before it takes a slot. Either way, the statement that takes
//! a slot re-checks the company's count of held slots against its limit, so "held slots ≤
//! limit" holds by construction, even while a lowered limit drains. Every write after the
//! claim is conditioned on `id = ? AND fence = ?`.

use super::Conn;
use super::DbStore;
use super::engine_snapshot::event_ids;
use super::{events, tenants};
use crate::store::engine::{CallDetails, ClaimRequest, ClaimedAttempt, Lease, Touch};
use crate::store::{StoreError, StoreResult};
use chrono::{DateTime, Utc};
use interviewd_domain::events as payload;
use interviewd_domain::time::to_millis;
use interviewd_domain::{AttemptId, CompanyId};
use uuid::Uuid;

/// Creates slot rows `1..=limit` that do not exist yet.
pub(super) async fn provision_slots(
    conn: &mut Conn,
    company: Uuid,
    limit: i64,
    provisioned: i64,
) -> StoreResult<()> {
    for slot_no in (provisioned + 1)..=limit {
        sqlx::query(
            "INSERT INTO company_slots (company_id, slot_no) VALUES ($1, $2) \
             ON CONFLICT (company_id, slot_no) DO NOTHING",
        )
        .bind(company)
        .bind(slot_no)
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

/// Takes the lowest free usable slot of `company` for `lease`; false when none is free.
pub(super) async fn take_slot(
    conn: &mut Conn,
    company: Uuid,
    limit: i64,
    lease: Lease,
    owner: &str,
    kind: &str,
    until: DateTime<Utc>,
) -> StoreResult<bool> {
    let taken = sqlx::query(concat!(
        "UPDATE company_slots SET holder_attempt_id = $1, holder_fence = $2, owner = $3, kind = $4, \
         lease_until = $5 \
         WHERE company_id = $6 AND holder_attempt_id IS NULL AND slot_no = (SELECT slot_no \
           FROM company_slots WHERE company_id = $6 AND holder_attempt_id IS NULL AND slot_no <= $7 \
           ORDER BY slot_no LIMIT 1",
        for_update!(skip_locked),
        ") AND (SELECT COUNT(*) FROM company_slots WHERE company_id = $6 \
           AND holder_attempt_id IS NOT NULL) < $7"
    ))
    .bind(lease.attempt_id.uuid())
    .bind(lease.fence)
    .bind(owner)
    .bind(kind)
    .bind(to_millis(until))
    .bind(company)
    .bind(limit)
    .execute(conn)
    .await?;
    Ok(taken.rows_affected() == 1)
}

/// Frees the slot this claim holds.
pub(super) async fn free_slot(conn: &mut Conn, lease: Lease) -> StoreResult<bool> {
    let freed = sqlx::query(
        "UPDATE company_slots SET holder_attempt_id = NULL, holder_fence = NULL, owner = NULL, \
         kind = NULL, lease_until = NULL WHERE holder_attempt_id = $1 AND holder_fence = $2",
    )
    .bind(lease.attempt_id.uuid())
    .bind(lease.fence)
    .execute(conn)
    .await?;
    Ok(freed.rows_affected() > 0)
}

#[derive(sqlx::FromRow)]
struct CompanyDue {
    id: Uuid,
    concurrency_limit: i64,
    used: i64,
    provisioned: i64,
}

#[derive(sqlx::FromRow)]
struct DueAttempt {
    id: Uuid,
    interview_id: Uuid,
    company_id: Uuid,
    fence: i64,
    retry_number: i64,
    direction: String,
    is_test: bool,
}

pub async fn claim(store: &DbStore, req: &ClaimRequest) -> StoreResult<Vec<ClaimedAttempt>> {
    let now = to_millis(req.now);
    let mut tx = store.write_tx().await?;
    if let Some(interview) = req.only_test_interview {
        let due: Vec<DueAttempt> = sqlx::query_as(concat!(
            "SELECT a.id, a.interview_id, a.company_id, a.fence, a.retry_number, a.direction, i.is_test \
             FROM call_attempts a JOIN interviews i ON i.id = a.interview_id \
             WHERE a.interview_id = $1 AND a.status = 'SCHEDULED' AND a.scheduled_at <= $2 \
             AND i.is_test = TRUE LIMIT 1",
            for_update!(of a skip_locked)
        ))
        .bind(interview.uuid())
        .bind(now)
        .fetch_all(&mut *tx)
        .await?;
        let mut claimed = Vec::new();
        for a in due {
            claimed.push(move_to_in_progress(&mut tx, req, a).await?);
        }
        tx.commit().await?;
        return Ok(claimed);
    }
    // Companies with due work and a free slot, the longest-waiting first.
    let companies: Vec<CompanyDue> = sqlx::query_as(
        "SELECT id, concurrency_limit, used, provisioned FROM (SELECT c.id, c.concurrency_limit, \
           d.oldest, \
           (SELECT COUNT(*) FROM company_slots s WHERE s.company_id = c.id \
             AND s.holder_attempt_id IS NOT NULL) AS used, \
           (SELECT COUNT(*) FROM company_slots s WHERE s.company_id = c.id) AS provisioned \
         FROM (SELECT company_id, MIN(scheduled_at) AS oldest FROM call_attempts \
               WHERE status = 'SCHEDULED' AND scheduled_at <= $1 GROUP BY company_id) AS d \
         JOIN companies c ON c.id = d.company_id) AS due \
         WHERE used < concurrency_limit ORDER BY oldest",
    )
    .bind(now)
    .fetch_all(&mut *tx)
    .await?;
    // A test interview is run by the request that created it; the dispatcher takes over only
    // if that request died (its attempt is older than a lease).
    let orphaned_before = now - (to_millis(req.lease_until) - now).max(0);
    let mut claimed = Vec::new();
    for company in companies {
        if claimed.len() >= req.max {
            break;
        }
        if !tenants::try_lock_company(&mut tx, company.id.into()).await? {
            // Another process is claiming for it (or opening one of its web sessions).
            continue;
        }
        let free = (company.concurrency_limit - company.used).max(0);
        let want = free.min(i64::try_from(req.max - claimed.len()).unwrap_or(i64::MAX));
        provision_slots(
            &mut tx,
            company.id,
            company.concurrency_limit,
            company.provisioned,
        )
        .await?;
        let due: Vec<DueAttempt> = sqlx::query_as(concat!(
            "SELECT a.id, a.interview_id, a.company_id, a.fence, a.retry_number, a.direction, \
             i.is_test FROM call_attempts a JOIN interviews i ON i.id = a.interview_id \
             WHERE a.company_id = $1 AND a.status = 'SCHEDULED' AND a.scheduled_at <= $2 \
             AND (i.is_test = FALSE OR a.created_at <= $3) \
             ORDER BY a.scheduled_at, a.id LIMIT $4",
            for_update!(of a skip_locked)
        ))
        .bind(company.id)
        .bind(now)
        .bind(orphaned_before)
        .bind(want)
        .fetch_all(&mut *tx)
        .await?;
        for a in due {
            let lease = Lease {
                attempt_id: a.id.into(),
                fence: a.fence + 1,
            };
            if !a.is_test {
                let slot = take_slot(
                    &mut tx,
                    company.id,
                    company.concurrency_limit,
                    lease,
                    &req.owner,
                    "call",
                    req.lease_until,
                )
                .await?;
                if !slot {
                    break;
                }
            }
            claimed.push(move_to_in_progress(&mut tx, req, a).await?);
        }
    }
    tx.commit().await?;
    Ok(claimed)
}

/// Moves a due attempt to IN_PROGRESS under a new fence and this worker's lease.
async fn move_to_in_progress(
    conn: &mut Conn,
    req: &ClaimRequest,
    a: DueAttempt,
) -> StoreResult<ClaimedAttempt> {
    let now = to_millis(req.now);
    let moved = sqlx::query(
        "UPDATE call_attempts SET status = 'IN_PROGRESS', fence = $1, lease_owner = $2, \
         lease_until = $3, called_at = $4, updated_at = $4 \
         WHERE id = $5 AND status = 'SCHEDULED' AND fence = $6",
    )
    .bind(a.fence + 1)
    .bind(&req.owner)
    .bind(to_millis(req.lease_until))
    .bind(now)
    .bind(a.id)
    .bind(a.fence)
    .execute(conn)
    .await?;
    if moved.rows_affected() != 1 {
        return Err(StoreError::Internal(
            "a due attempt changed inside the claim transaction".into(),
        ));
    }
    Ok(ClaimedAttempt {
        lease: Lease {
            attempt_id: a.id.into(),
            fence: a.fence + 1,
        },
        interview_id: a.interview_id.into(),
        company_id: CompanyId::from(a.company_id),
        retry_number: u32::try_from(a.retry_number).unwrap_or(0),
        is_test: a.is_test,
        direction: a.direction,
    })
}

pub async fn call_details(store: &DbStore, attempt: AttemptId) -> StoreResult<Option<CallDetails>> {
    let mut conn = store.pool().acquire().await?;
    super::engine_brief::of_attempt(&mut conn, attempt).await
}

/// Whether a fenced write that matched nothing hit a deleted attempt or a stale claim.
pub(super) async fn miss(conn: &mut Conn, attempt: AttemptId) -> StoreResult<Touch> {
    let exists: Option<i64> = sqlx::query_scalar("SELECT fence FROM call_attempts WHERE id = $1")
        .bind(attempt.uuid())
        .fetch_optional(conn)
        .await?;
    Ok(if exists.is_some() {
        Touch::Stale
    } else {
        Touch::Gone
    })
}

pub async fn start(store: &DbStore, lease: Lease, at: DateTime<Utc>) -> StoreResult<Touch> {
    let at_ms = to_millis(at);
    let mut tx = store.write_tx().await?;
    let interview: Option<Uuid> = sqlx::query_scalar(
        "UPDATE call_attempts SET answered_at = $1, updated_at = $1 \
         WHERE id = $2 AND fence = $3 AND status = 'IN_PROGRESS' RETURNING interview_id",
    )
    .bind(at_ms)
    .bind(lease.attempt_id.uuid())
    .bind(lease.fence)
    .fetch_optional(&mut *tx)
    .await?;
    let Some(interview) = interview else {
        return miss(&mut tx, lease.attempt_id).await;
    };
    // Locked (after the attempt, as everywhere): a revoke cannot close it in between.
    let status: Option<String> = sqlx::query_scalar(concat!(
        "SELECT status FROM interviews WHERE id = $1",
        for_update!()
    ))
    .bind(interview)
    .fetch_optional(&mut *tx)
    .await?;
    match status.as_deref() {
        Some("SCHEDULED") => {}
        Some("IN_PROGRESS") => {
            tx.commit().await?;
            return Ok(Touch::Applied);
        }
        // Closed (canceled) while ringing: the call must not go on.
        _ => return Ok(Touch::Stale),
    }
    sqlx::query(
        "UPDATE interviews SET status = 'IN_PROGRESS', started_at = COALESCE(started_at, $1), \
         updated_at = $1 WHERE id = $2",
    )
    .bind(at_ms)
    .bind(interview)
    .execute(&mut *tx)
    .await?;
    if let Some(ids) = event_ids(&mut tx, interview.into()).await? {
        events::insert(&mut tx, &payload::started(&ids, lease.attempt_id, at)).await?;
    }
    tx.commit().await?;
    Ok(Touch::Applied)
}

pub async fn extend(
    store: &DbStore,
    owner: &str,
    until: DateTime<Utc>,
) -> StoreResult<Vec<AttemptId>> {
    let mut tx = store.write_tx().await?;
    sqlx::query(
        "UPDATE call_attempts SET lease_until = $1 WHERE lease_owner = $2 AND status = 'IN_PROGRESS'",
    )
    .bind(to_millis(until))
    .bind(owner)
    .execute(&mut *tx)
    .await?;
    let held: Vec<Option<Uuid>> = sqlx::query_scalar(
        "UPDATE company_slots SET lease_until = $1 WHERE owner = $2 RETURNING holder_attempt_id",
    )
    .bind(to_millis(until))
    .bind(owner)
    .fetch_all(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(held.into_iter().flatten().map(Into::into).collect())
}
