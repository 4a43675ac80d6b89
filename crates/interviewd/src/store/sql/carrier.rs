//! The SQL side of [`crate::store::carrier::CarrierStore`], and the statement the deletion
//! path runs inside its own transaction ([`enqueue_interview_erasures`]).

use super::{Conn, DbStore};
use crate::store::StoreResult;
use crate::store::carrier::{
    CarrierErasure, CarrierStore, ERASE_CALL, ERASE_RECORDING, RecordingOwner,
};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use interviewd_domain::time::to_millis;
use interviewd_domain::{AttemptId, CompanyId};
use uuid::Uuid;

/// Queues, inside the caller's transaction, the deletion at the carrier of the call of one
/// attempt (its recordings, then its log). Idempotent. (A removal queues its interview's
/// calls in its own statement, `removal.rs` `remove_one`.)
pub async fn enqueue_attempt_erasures(
    conn: &mut Conn,
    attempt: AttemptId,
    at: DateTime<Utc>,
) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO carrier_erasures (kind, sid, carrier, company_id, run_at, created_at) \
         SELECT $1, call_sid, carrier, company_id, $2, $2 FROM carrier_calls WHERE attempt_id = $3 \
         ON CONFLICT (kind, sid) DO NOTHING",
    )
    .bind(ERASE_CALL)
    .bind(to_millis(at))
    .bind(attempt.uuid())
    .execute(conn)
    .await?;
    Ok(())
}

async fn enqueue(
    conn: &mut Conn,
    kind: &str,
    sid: &str,
    carrier: &str,
    company: Option<Uuid>,
    at: DateTime<Utc>,
) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO carrier_erasures (kind, sid, carrier, company_id, run_at, created_at) \
         VALUES ($1, $2, $3, $4, $5, $5) ON CONFLICT (kind, sid) DO NOTHING",
    )
    .bind(kind)
    .bind(sid)
    .bind(carrier)
    .bind(company)
    .bind(to_millis(at))
    .execute(conn)
    .await?;
    Ok(())
}

/// The attempt's interview and company, locked for the transaction; `None` when it is gone.
async fn attempt_owner(conn: &mut Conn, attempt: AttemptId) -> StoreResult<Option<(Uuid, Uuid)>> {
    Ok(sqlx::query_as(concat!(
        "SELECT interview_id, company_id FROM call_attempts WHERE id = $1",
        for_update!()
    ))
    .bind(attempt.uuid())
    .fetch_optional(conn)
    .await?)
}

#[async_trait]
impl CarrierStore for DbStore {
    async fn carrier_call_placed(
        &self,
        attempt: AttemptId,
        carrier: &str,
        call_sid: &str,
        at: DateTime<Utc>,
    ) -> StoreResult<()> {
        // The attempt is locked first, as a removal locks it: either the removal sees this
        // row and queues the call's erasure, or this finds the attempt gone and queues it.
        let mut tx = self.write_tx().await?;
        match attempt_owner(&mut tx, attempt).await? {
            Some((interview, company)) => {
                sqlx::query(
                    "INSERT INTO carrier_calls (attempt_id, interview_id, company_id, carrier, call_sid, created_at) \
                     VALUES ($1, $2, $3, $4, $5, $6) \
                     ON CONFLICT (attempt_id) DO UPDATE SET call_sid = excluded.call_sid, carrier = excluded.carrier",
                )
                .bind(attempt.uuid())
                .bind(interview)
                .bind(company)
                .bind(carrier)
                .bind(call_sid)
                .bind(to_millis(at))
                .execute(&mut *tx)
                .await?;
            }
            None => enqueue(&mut tx, ERASE_CALL, call_sid, carrier, None, at).await?,
        }
        tx.commit().await?;
        Ok(())
    }

    async fn carrier_attempt_exists(&self, attempt: AttemptId) -> StoreResult<bool> {
        let found: Option<i64> = sqlx::query_scalar("SELECT 1 FROM call_attempts WHERE id = $1")
            .bind(attempt.uuid())
            .fetch_optional(self.pool())
            .await?;
        Ok(found.is_some())
    }

    async fn carrier_recording_fetched(
        &self,
        attempt: AttemptId,
        carrier: &str,
        recording_sid: &str,
        at: DateTime<Utc>,
    ) -> StoreResult<()> {
        let mut tx = self.write_tx().await?;
        let company = match attempt_owner(&mut tx, attempt).await? {
            Some((_, company)) => {
                sqlx::query("UPDATE carrier_calls SET recording_sid = $1 WHERE attempt_id = $2")
                    .bind(recording_sid)
                    .bind(attempt.uuid())
                    .execute(&mut *tx)
                    .await?;
                Some(company)
            }
            None => None,
        };
        enqueue(
            &mut tx,
            ERASE_RECORDING,
            recording_sid,
            carrier,
            company,
            at,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn carrier_recording_owner(&self, recording_sid: &str) -> StoreResult<RecordingOwner> {
        let row: Option<(String, Option<String>)> = sqlx::query_as(
            "SELECT a.status, a.recording_key FROM carrier_calls c \
             JOIN call_attempts a ON a.id = c.attempt_id WHERE c.recording_sid = $1",
        )
        .bind(recording_sid)
        .fetch_optional(self.pool())
        .await?;
        Ok(match row {
            Some((status, _)) if status == "IN_PROGRESS" => RecordingOwner::Live,
            Some((status, None)) if status == "COMPLETED" => RecordingOwner::Unstored,
            _ => RecordingOwner::Done,
        })
    }

    async fn claim_carrier_erasures(
        &self,
        owner: &str,
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
        max: usize,
    ) -> StoreResult<Vec<CarrierErasure>> {
        type Row = (String, String, String, Option<Uuid>, i64, i64);
        let rows: Vec<Row> = sqlx::query_as(per_backend!(
            sqlite: "UPDATE carrier_erasures SET lease_owner = $1, lease_until = $2, fence = fence + 1, \
             tries = tries + 1 WHERE (kind, sid) IN (SELECT kind, sid FROM carrier_erasures \
               WHERE run_at <= $3 AND (lease_until IS NULL OR lease_until < $3) ORDER BY run_at LIMIT $4) \
             RETURNING kind, sid, carrier, company_id, fence, tries",
            postgres: "WITH due AS MATERIALIZED (SELECT ctid FROM carrier_erasures WHERE run_at <= $3 \
               AND (lease_until IS NULL OR lease_until < $3) ORDER BY run_at LIMIT $4 \
               FOR UPDATE SKIP LOCKED) \
             UPDATE carrier_erasures e SET lease_owner = $1, lease_until = $2, fence = e.fence + 1, \
             tries = e.tries + 1 WHERE e.ctid = ANY(ARRAY(SELECT ctid FROM due)) \
             RETURNING e.kind, e.sid, e.carrier, e.company_id, e.fence, e.tries",
        ))
        .bind(owner)
        .bind(to_millis(lease_until))
        .bind(to_millis(now))
        .bind(i64::try_from(max).unwrap_or(i64::MAX))
        .fetch_all(self.pool())
        .await?;
        Ok(rows
            .into_iter()
            .map(
                |(kind, sid, carrier, company, fence, tries)| CarrierErasure {
                    kind,
                    sid,
                    carrier,
                    company: company.map(CompanyId::from),
                    fence,
                    tries,
                },
            )
            .collect())
    }

    async fn finish_carrier_erasure(
        &self,
        erasure: &CarrierErasure,
        counts: serde_json::Value,
        at: DateTime<Utc>,
    ) -> StoreResult<bool> {
        let mut tx = self.write_tx().await?;
        let done =
            sqlx::query("DELETE FROM carrier_erasures WHERE kind = $1 AND sid = $2 AND fence = $3")
                .bind(&erasure.kind)
                .bind(&erasure.sid)
                .bind(erasure.fence)
                .execute(&mut *tx)
                .await?
                .rows_affected()
                == 1;
        if let (true, Some(company)) = (done, erasure.company) {
            let target = serde_json::json!({
                "carrier": erasure.carrier,
                "kind": erasure.kind,
                "sid": erasure.sid,
            });
            let entry = super::audit::Entry {
                company,
                actor: None,
                action: "carrier.erase",
                target,
                counts,
                at,
            };
            super::audit::insert(&mut tx, entry).await?;
        }
        tx.commit().await?;
        Ok(done)
    }

    async fn defer_carrier_erasure(
        &self,
        erasure: &CarrierErasure,
        run_at: DateTime<Utc>,
        error: &str,
    ) -> StoreResult<()> {
        sqlx::query(
            "UPDATE carrier_erasures SET run_at = $1, lease_owner = NULL, lease_until = NULL, \
             last_error = $2 WHERE kind = $3 AND sid = $4 AND fence = $5",
        )
        .bind(to_millis(run_at))
        .bind(error)
        .bind(&erasure.kind)
        .bind(&erasure.sid)
        .bind(erasure.fence)
        .execute(self.pool())
        .await?;
        Ok(())
    }

    async fn pending_carrier_erasures(&self) -> StoreResult<i64> {
        Ok(sqlx::query_scalar("SELECT COUNT(*) FROM carrier_erasures")
            .fetch_one(self.pool())
            .await?)
    }
}
