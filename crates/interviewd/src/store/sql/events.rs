//! Writing domain events inside a caller's transaction.

use super::Conn;
use crate::store::StoreResult;
use crate::store::events::NewEvent;
use crate::store::rows::to_json;
use interviewd_domain::time::to_millis;

/// Records `event` on `conn` (which must be inside the transaction of the state change).
pub async fn insert(conn: &mut Conn, event: &NewEvent) -> StoreResult<()> {
    sqlx::query("INSERT INTO events (id, company_id, interview_id, event_type, data, created_at) VALUES ($1, $2, $3, $4, $5, $6)")
        .bind(event.id)
        .bind(event.company_id.uuid())
        .bind(event.interview_id.map(|i| i.uuid()))
        .bind(event.event_type)
        .bind(to_json(&event.data))
        .bind(to_millis(event.created_at))
        .execute(conn)
        .await?;
    Ok(())
}
