//! The minimal-erasure baseline: the fewest statements that erase one interview — its
//! recordings queued for deletion, its row deleted (attempts, transcript, analysis and the
//! rest cascade), an audit row — in one write transaction, with no authentication and no
//! read before it. Not the server's statements (the `drift` check leaves this file out):
//! the floor a removal over HTTP is measured against.

use super::{Conn, Db, begin_write};
use crate::raw::{RawCtx, Timer, step};
use crate::seed::Seeded;
use uuid::Uuid;

/// Erases `target`'s interview.
pub async fn minimal_erasure(
    read: &sqlx::Pool<Db>,
    write: &sqlx::Pool<Db>,
    ctx: &RawCtx,
    target: &Seeded,
    t: &mut Timer,
) -> Result<(), String> {
    let id: Uuid = target
        .interview
        .parse()
        .map_err(|e| format!("{}: {e}", target.interview))?;
    let now = chrono::Utc::now().timestamp_millis();
    let mut conn = step!(t, "acquire", read.acquire());
    let c: &mut Conn = &mut conn;
    let mut tx = step!(t, "BEGIN", begin_write(c, write));
    step!(
        t,
        "INSERT blob_deletions",
        sqlx::query(
            "INSERT INTO blob_deletions (key, run_at, created_at) \
             SELECT recording_key, $2, $2 FROM call_attempts \
             WHERE interview_id = $1 AND recording_key IS NOT NULL \
             ON CONFLICT (key) DO NOTHING"
        )
        .bind(id)
        .bind(now)
        .execute(&mut *tx)
    );
    let gone = step!(
        t,
        "DELETE interviews (cascade)",
        sqlx::query("DELETE FROM interviews WHERE id = $1 AND company_id = $2")
            .bind(id)
            .bind(ctx.company)
            .execute(&mut *tx)
    );
    if gone.rows_affected() != 1 {
        return Err("nothing removed".into());
    }
    let target = serde_json::json!({ "interviewId": id.to_string() });
    let counts = serde_json::json!({ "interviews": 1 });
    super::removal::audit(&mut tx, ctx, "interview.delete", &target, &counts, t).await?;
    step!(t, "COMMIT", tx.commit());
    Ok(())
}
