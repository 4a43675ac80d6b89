//! The audit log: one row for every erasure, detach, revoke and media expiry, written inside
//! the transaction it records. [`insert`] writes it everywhere but on the removal path,
//! where the row is a clause of the statement that does the rest (`removal.rs`,
//! `forget_and_audit` and the revoke), to save a round trip: the same columns, and the same
//! [`Entry`] fields.

use super::Conn;
use crate::store::StoreResult;
use crate::store::rows::to_json;
use chrono::{DateTime, Utc};
use interviewd_domain::time::to_millis;
use interviewd_domain::{CompanyId, KeyId};
use uuid::Uuid;

/// What one audit row says: who (`actor`, none for the server's own work) did what to which
/// target, with the counts of what went.
pub struct Entry<'a> {
    pub company: CompanyId,
    pub actor: Option<KeyId>,
    pub action: &'a str,
    pub target: serde_json::Value,
    pub counts: serde_json::Value,
    pub at: DateTime<Utc>,
}

/// Writes `entry` in the caller's transaction and returns the row's id.
pub async fn insert(conn: &mut Conn, entry: Entry<'_>) -> StoreResult<Uuid> {
    let id = Uuid::now_v7();
    sqlx::query(
        "INSERT INTO audit_log (id, company_id, key_id, action, target, counts, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(id)
    .bind(entry.company.uuid())
    .bind(entry.actor.map(|k| k.uuid()))
    .bind(entry.action)
    .bind(to_json(&entry.target))
    .bind(to_json(&entry.counts))
    .bind(to_millis(entry.at))
    .execute(conn)
    .await?;
    Ok(id)
}
