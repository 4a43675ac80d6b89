//! The SQL side of [`crate::store::idempotency::IdempotencyStore`]. Portable SQL: `$N`
//! placeholders, millisecond integers, JSON as text, `INSERT … ON CONFLICT DO NOTHING`.

use super::{Db, DbStore};
use crate::store::idempotency::{
    ClaimOutcome, IdempotencyClaim, IdempotencyRecord, IdempotencyStore, StoredResponse,
    mentioned_refs,
};
use crate::store::{StoreError, StoreResult};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use interviewd_domain::time::{from_millis, to_millis};

/// Ids written per `INSERT` (three parameters each, well under either database's limit).
const REFS_PER_STATEMENT: usize = 500;

#[derive(sqlx::FromRow)]
struct RecordRow {
    fingerprint: String,
    state: String,
    response_status: Option<i64>,
    response_headers: Option<String>,
    response_body: Option<String>,
    created_at: i64,
}

impl TryFrom<RecordRow> for IdempotencyRecord {
    type Error = StoreError;
    fn try_from(r: RecordRow) -> StoreResult<Self> {
        let response = match (r.state.as_str(), r.response_status) {
            ("IN_PROGRESS", _) => None,
            ("DONE", Some(status)) => Some(StoredResponse {
                status: u16::try_from(status).map_err(|_| {
                    StoreError::Internal(format!("bad idempotency_keys.response_status {status}"))
                })?,
                headers: serde_json::from_str(r.response_headers.as_deref().unwrap_or("[]"))
                    .map_err(|e| {
                        StoreError::Internal(format!("bad idempotency_keys.response_headers: {e}"))
                    })?,
                body: r.response_body.unwrap_or_default(),
            }),
            (state, _) => {
                return Err(StoreError::Internal(format!(
                    "bad idempotency_keys.state {state}"
                )));
            }
        };
        Ok(IdempotencyRecord {
            fingerprint: r.fingerprint,
            response,
            created_at: from_millis(r.created_at),
        })
    }
}

#[async_trait]
impl IdempotencyStore for DbStore {
    async fn claim_idempotency_key(&self, claim: &IdempotencyClaim) -> StoreResult<ClaimOutcome> {
        let now = to_millis(claim.now);
        let mut tx = self.write_tx().await?;
        sqlx::query(
            "DELETE FROM idempotency_keys WHERE scope = $1 AND idem_key = $2 \
             AND (expires_at <= $3 OR (state = 'IN_PROGRESS' AND locked_until <= $3))",
        )
        .bind(&claim.scope)
        .bind(&claim.key)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        let inserted = sqlx::query(
            "INSERT INTO idempotency_keys (scope, idem_key, token, method, path, fingerprint, \
             state, locked_until, created_at, expires_at) \
             VALUES ($1, $2, $3, $4, $5, $6, 'IN_PROGRESS', $7, $8, $9) \
             ON CONFLICT (scope, idem_key) DO NOTHING",
        )
        .bind(&claim.scope)
        .bind(&claim.key)
        .bind(&claim.token)
        .bind(&claim.method)
        .bind(&claim.path)
        .bind(&claim.fingerprint)
        .bind(to_millis(claim.locked_until))
        .bind(now)
        .bind(to_millis(claim.expires_at))
        .execute(&mut *tx)
        .await?
        .rows_affected();
        let outcome = if inserted == 1 {
            ClaimOutcome::Claimed
        } else {
            let row: RecordRow = sqlx::query_as(
                "SELECT fingerprint, state, response_status, response_headers, response_body, \
                 created_at FROM idempotency_keys WHERE scope = $1 AND idem_key = $2",
            )
            .bind(&claim.scope)
            .bind(&claim.key)
            .fetch_one(&mut *tx)
            .await?;
            ClaimOutcome::Existing(row.try_into()?)
        };
        tx.commit().await?;
        Ok(outcome)
    }

    async fn complete_idempotency_key(
        &self,
        scope: &str,
        key: &str,
        token: &str,
        response: &StoredResponse,
    ) -> StoreResult<bool> {
        let headers = serde_json::to_string(&response.headers)
            .map_err(|e| StoreError::Internal(format!("encoding stored headers: {e}")))?;
        let mut tx = self.write_tx().await?;
        let done = sqlx::query(
            "UPDATE idempotency_keys SET state = 'DONE', response_status = $1, \
             response_headers = $2, response_body = $3 \
             WHERE scope = $4 AND idem_key = $5 AND token = $6 AND state = 'IN_PROGRESS'",
        )
        .bind(i64::from(response.status))
        .bind(headers)
        .bind(&response.body)
        .bind(scope)
        .bind(key)
        .bind(token)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if done != 1 {
            return Ok(false);
        }
        // What an erasure looks the response up by (see `removal::forget_stored_responses`).
        for ids in mentioned_refs(&response.body).chunks(REFS_PER_STATEMENT) {
            let mut insert = sqlx::QueryBuilder::<Db>::new(
                "INSERT INTO idempotency_refs (scope, ref_id, idem_key) ",
            );
            insert.push_values(ids, |mut row, id| {
                row.push_bind(scope).push_bind(id).push_bind(key);
            });
            insert.push(" ON CONFLICT DO NOTHING");
            insert.build().execute(&mut *tx).await?;
        }
        tx.commit().await?;
        Ok(true)
    }

    async fn release_idempotency_key(
        &self,
        scope: &str,
        key: &str,
        token: &str,
    ) -> StoreResult<()> {
        sqlx::query(
            "DELETE FROM idempotency_keys WHERE scope = $1 AND idem_key = $2 AND token = $3 \
             AND state = 'IN_PROGRESS'",
        )
        .bind(scope)
        .bind(key)
        .bind(token)
        .execute(self.pool())
        .await?;
        Ok(())
    }

    async fn sweep_idempotency_keys(&self, now: DateTime<Utc>) -> StoreResult<u64> {
        Ok(
            sqlx::query("DELETE FROM idempotency_keys WHERE expires_at <= $1")
                .bind(to_millis(now))
                .execute(self.pool())
                .await?
                .rows_affected(),
        )
    }
}
