//! The removals (the delete, the Alpharun removal) and the revoke, compiled per backend like
//! `statements.rs`: the reads before the write transaction, then the store's transaction
//! (`store/sql/removal.rs`) statement by statement.

use super::statements::{
    attempts, candidate, col, get_job, insert_event, interview, now_ms, uuid, write_tx,
};
use super::{Conn, Db, ROW_LOCKS};
use crate::raw::{RawCtx, Timer, step};
use interviewd::store::events::kinds;
use serde_json::{Value, json};
use uuid::Uuid;

/// `DELETE /v1/interviews/{id}`: the existence check (`interviews.rs` `get`), then the
/// removal transaction.
pub(super) async fn delete(
    c: &mut Conn,
    pool: &sqlx::Pool<Db>,
    ctx: &RawCtx,
    id: &str,
    t: &mut Timer,
) -> Result<(), String> {
    let id = uuid(id)?;
    interview(c, ctx, id, t).await?;
    let mut tx = write_tx(c, pool, t).await?;
    // One interview: its locked row is the target (no separate targets query).
    let removed = remove_all(&mut tx, ctx, &[id], t).await?;
    if removed.ids.is_empty() {
        return Err("nothing removed".into());
    }
    let target = json!({ "interviewId": id.to_string(), "interviewIds": removed.ids });
    finish_removal(&mut tx, ctx, "interview.delete", &removed, target, t).await?;
    step!(t, "COMMIT", tx.commit());
    Ok(())
}

/// `DELETE /api/v1/job-openings/{job}/interviews` `{"email"}`: the opening
/// (`catalog.rs` `get_job`), the contact by e-mail (`candidates.rs` `find`), then the removal
/// transaction with the scope's own statements (the job link, `candidate.removed_from_job`).
pub(super) async fn alpharun_remove(
    c: &mut Conn,
    pool: &sqlx::Pool<Db>,
    ctx: &RawCtx,
    email: &str,
    t: &mut Timer,
) -> Result<(), String> {
    get_job(c, ctx, t).await?;
    let (contact, _) = candidate(c, ctx, Some(email), None, t).await?;
    let contact: Uuid = col(&contact, "id")?;
    let mut tx = write_tx(c, pool, t).await?;
    let targets: Vec<Uuid> = step!(
        t,
        "SELECT interviews (targets)",
        sqlx::query_scalar(
            "SELECT id FROM interviews WHERE company_id = $1 AND candidate_id = $2 AND job_id = $3"
        )
        .bind(ctx.company)
        .bind(contact)
        .bind(ctx.job)
        .fetch_all(&mut *tx)
    );
    let removed = remove_all(&mut tx, ctx, &targets, t).await?;
    step!(
        t,
        "DELETE candidate_jobs",
        sqlx::query("DELETE FROM candidate_jobs WHERE candidate_id = $1 AND job_id = $2")
            .bind(contact)
            .bind(ctx.job)
            .execute(&mut *tx)
    );
    let data = json!({
        "candidateId": contact.to_string(), "jobId": ctx.job.to_string(), "interviewIds": removed.ids,
    });
    let kind = kinds::CANDIDATE_REMOVED_FROM_JOB;
    insert_event(&mut tx, ctx, None, kind, &data, now_ms(), t).await?;
    let target = json!({
        "candidateId": contact.to_string(), "jobId": ctx.job.to_string(), "interviewIds": removed.ids,
    });
    finish_removal(
        &mut tx,
        ctx,
        "candidate.remove_from_job",
        &removed,
        target,
        t,
    )
    .await?;
    step!(t, "COMMIT", tx.commit());
    Ok(())
}

/// `store/sql/interviews.rs` `lock`: the attempts (PostgreSQL), then the interview row.
async fn lock(
    c: &mut Conn,
    id: Uuid,
    t: &mut Timer,
) -> Result<Option<<Db as sqlx::Database>::Row>, String> {
    if ROW_LOCKS {
        step!(
            t,
            "SELECT call_attempts FOR UPDATE",
            sqlx::query(
                "SELECT id FROM call_attempts WHERE interview_id = $1 ORDER BY id FOR UPDATE"
            )
            .bind(id)
            .execute(&mut *c)
        );
    }
    Ok(step!(
        t,
        "SELECT interviews (lock)",
        sqlx::query(concat!(
            "SELECT ",
            interview_cols!(),
            " FROM interviews WHERE id = $1",
            for_update!()
        ))
        .bind(id)
        .fetch_optional(&mut *c)
    ))
}

/// The interviews a removal took out: their ids and Xobin numbers (`response_id`).
struct Removed {
    ids: Vec<String>,
    numbers: Vec<i64>,
}

/// `store/sql/removal.rs` `remove`'s loop: each target locked and, when it is the company's,
/// removed.
async fn remove_all(
    c: &mut Conn,
    ctx: &RawCtx,
    targets: &[Uuid],
    t: &mut Timer,
) -> Result<Removed, String> {
    let (mut removed, mut numbers) = (Vec::new(), Vec::new());
    for &id in targets {
        if let Some(row) = lock(c, id, t).await? {
            if col::<Uuid>(&row, "company_id")? != ctx.company {
                continue;
            }
            let number: i64 = col(&row, "number")?;
            remove_one(c, ctx, &row, t).await?;
            removed.push(id.to_string());
            numbers.push(number);
        }
    }
    Ok(Removed {
        ids: removed,
        numbers,
    })
}

/// `store/sql/removal.rs` `remove_one`: queue the outbox copies of sent mail for erasure
/// (`retention.rs` `erase_interview_mail`), free web slots, queue the recordings
/// (`engine_jobs.rs` `enqueue_blob`), queue the carrier's copies of phone calls
/// (`carrier.rs`), purge pending deliveries (`delivery_queue.rs` `purge_interview`), record
/// `interview.deleted`, delete the row (attempts, transcript, analysis, jobs and sessions
/// cascade).
async fn remove_one(
    c: &mut Conn,
    ctx: &RawCtx,
    interview: &<Db as sqlx::Database>::Row,
    t: &mut Timer,
) -> Result<(), String> {
    let id: Uuid = col(interview, "id")?;
    let now = now_ms();
    step!(
        t,
        "INSERT outbox_erasures",
        sqlx::query(
            "INSERT INTO outbox_erasures (mail_id, created_at) \
             SELECT id, $2 FROM mail_queue WHERE interview_id = $1 AND status = 'SENT' \
             ON CONFLICT (mail_id) DO NOTHING"
        )
        .bind(id)
        .bind(now)
        .execute(&mut *c)
    );
    let attempts = attempts(c, id, t).await?;
    let mut phone = false;
    for attempt in &attempts {
        phone |= col::<String>(attempt, "direction")? != "WEB";
        if col::<String>(attempt, "direction")? == "WEB" {
            step!(
                t,
                "UPDATE company_slots",
                sqlx::query(
                    "UPDATE company_slots SET holder_attempt_id = NULL, holder_fence = NULL, owner = NULL, \
                     kind = NULL, lease_until = NULL WHERE holder_attempt_id = $1"
                )
                .bind(col::<Uuid>(attempt, "id")?)
                .execute(&mut *c)
            );
        }
        if let Some(key) = col::<Option<String>>(attempt, "recording_key")? {
            step!(
                t,
                "INSERT blob_deletions",
                sqlx::query(
                    "INSERT INTO blob_deletions (key, run_at, created_at) VALUES ($1, $2, $2) \
                     ON CONFLICT (key) DO NOTHING"
                )
                .bind(key)
                .bind(now)
                .execute(&mut *c)
            );
        }
    }
    if phone {
        step!(
            t,
            "INSERT carrier_erasures",
            sqlx::query(
                "INSERT INTO carrier_erasures (kind, sid, carrier, company_id, run_at, created_at) \
                 SELECT $1, call_sid, carrier, company_id, $2, $2 FROM carrier_calls WHERE interview_id = $3 \
                 ON CONFLICT (kind, sid) DO NOTHING"
            )
            .bind("call")
            .bind(now)
            .bind(id)
            .execute(&mut *c)
        );
    }
    purge_deliveries(c, id, t).await?;
    let data = json!({
        "interviewId": id.to_string(),
        "candidateId": col::<Uuid>(interview, "candidate_id")?.to_string(),
        "jobId": col::<Option<Uuid>>(interview, "job_id")?.map(|j| j.to_string()),
        "status": col::<String>(interview, "status")?,
        "deletedAt": chrono::Utc::now().to_rfc3339(),
    });
    insert_event(c, ctx, Some(id), kinds::INTERVIEW_DELETED, &data, now, t).await?;
    step!(
        t,
        "DELETE interviews (cascade)",
        sqlx::query("DELETE FROM interviews WHERE id = $1")
            .bind(id)
            .execute(&mut *c)
    );
    Ok(())
}

/// `store/sql/delivery_queue.rs` `purge_interview`.
async fn purge_deliveries(c: &mut Conn, id: Uuid, t: &mut Timer) -> Result<(), String> {
    let deleted = kinds::INTERVIEW_DELETED;
    step!(
        t,
        "DELETE events",
        sqlx::query_scalar::<_, Option<i64>>(
            "DELETE FROM events WHERE interview_id = $1 AND event_type <> $2 RETURNING dispatched_at"
        )
        .bind(id)
        .bind(deleted)
        .fetch_all(&mut *c)
    );
    step!(
        t,
        "DELETE webhook_messages",
        sqlx::query(
            "DELETE FROM webhook_messages WHERE interview_id = $1 AND event_type <> $2 \
             AND status = 'PENDING'"
        )
        .bind(id)
        .bind(deleted)
        .execute(&mut *c)
    );
    step!(
        t,
        "UPDATE webhook_messages",
        sqlx::query(
            "UPDATE webhook_messages SET payload = '' WHERE interview_id = $1 AND event_type <> $2"
        )
        .bind(id)
        .bind(deleted)
        .execute(&mut *c)
    );
    step!(
        t,
        "DELETE mail_queue",
        sqlx::query(
            "DELETE FROM mail_queue WHERE interview_id = $1 AND kind = 'INVITE' AND status = 'PENDING'"
        )
        .bind(id)
        .execute(&mut *c)
    );
    Ok(())
}

/// The end of `store/sql/removal.rs` `remove`: forget stored idempotent responses that
/// mention a removed id (`forget_stored_responses`), then the audit record.
async fn finish_removal(
    c: &mut Conn,
    ctx: &RawCtx,
    action: &str,
    removed: &Removed,
    target: Value,
    t: &mut Timer,
) -> Result<(), String> {
    let scope = format!("company:{}", ctx.company);
    // One statement for every reference (the store chunks them by 256).
    let refs: Vec<String> = (removed.ids.iter().cloned())
        .chain(removed.numbers.iter().map(|n| format!("response_id:{n}")))
        .collect();
    let mut query = sqlx::QueryBuilder::<Db>::new("DELETE FROM idempotency_keys WHERE scope = ");
    query.push_bind(scope.clone());
    query.push(" AND idem_key IN (SELECT idem_key FROM idempotency_refs WHERE scope = ");
    query.push_bind(scope);
    query.push(" AND ref_id IN (");
    let mut list = query.separated(", ");
    for id in refs {
        list.push_bind(id);
    }
    query.push("))");
    step!(t, "DELETE idempotency_keys", query.build().execute(&mut *c));
    let counts = json!({
        "interviews": removed.ids.len(), "cancelledAttempts": 0, "liveSessions": 0,
        "recordings": removed.ids.len(), "droppedDeliveries": 0,
    });
    audit(c, ctx, action, &target, &counts, t).await
}

/// The audit insert of `store/sql/removal.rs` (`audit`, and the revoke's).
pub(super) async fn audit(
    c: &mut Conn,
    ctx: &RawCtx,
    action: &str,
    target: &Value,
    counts: &Value,
    t: &mut Timer,
) -> Result<(), String> {
    step!(
        t,
        "INSERT audit_log",
        sqlx::query(
            "INSERT INTO audit_log (id, company_id, key_id, action, target, counts, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)"
        )
        .bind(Uuid::now_v7())
        .bind(ctx.company)
        .bind(Some(ctx.key_id))
        .bind(action)
        .bind(target.to_string())
        .bind(counts.to_string())
        .bind(now_ms())
        .execute(&mut *c)
    );
    Ok(())
}

/// `PATCH /api/v2/ai-interviews/invite/revoke` with `notify_candidate: true`: the notice's
/// reads (`http/xobin/revoke.rs` `notice`: the interview by number, its candidate, job and
/// company), then `store/sql/removal.rs` `revoke`.
pub(super) async fn revoke(
    c: &mut Conn,
    pool: &sqlx::Pool<Db>,
    ctx: &RawCtx,
    number: i64,
    t: &mut Timer,
) -> Result<(), String> {
    let detail = step!(
        t,
        "SELECT interviews (by number)",
        sqlx::query(concat!(
            "SELECT ",
            interview_cols!(),
            " FROM interviews WHERE number = $1 AND company_id = $2"
        ))
        .bind(number)
        .bind(ctx.company)
        .fetch_optional(&mut *c)
    )
    .ok_or("no such interview")?;
    let id: Uuid = col(&detail, "id")?;
    attempts(c, id, t).await?;
    let candidate_id: Uuid = col(&detail, "candidate_id")?;
    let (candidate, _) = candidate(c, ctx, None, Some(candidate_id), t).await?;
    let job = get_job(c, ctx, t).await?;
    let company = step!(
        t,
        "SELECT companies",
        sqlx::query(concat!(
            "SELECT ",
            company_cols!(),
            " FROM companies WHERE id = $1"
        ))
        .bind(ctx.company)
        .fetch_optional(&mut *c)
    )
    .ok_or("no such company")?;
    let name = format!(
        "{} {}",
        col::<Option<String>>(&candidate, "first_name")?.unwrap_or_default(),
        col::<Option<String>>(&candidate, "last_name")?.unwrap_or_default()
    );
    let (title, company_name) = (
        col::<String>(&job, "title")?,
        col::<String>(&company, "name")?,
    );
    let mail = interviewd::core::notices::revocation(&interviewd::core::notices::Revocation {
        candidate_name: Some(name.as_str()),
        job_title: Some(title.as_str()),
        company_name: &company_name,
    });

    // The revoke transaction.
    let mut tx = write_tx(c, pool, t).await?;
    let w: &mut Conn = &mut tx;
    let id: Uuid = step!(
        t,
        "SELECT interviews (by number)",
        sqlx::query_scalar("SELECT id FROM interviews WHERE company_id = $1 AND number = $2")
            .bind(ctx.company)
            .bind(number)
            .fetch_optional(&mut *w)
    )
    .ok_or("no such interview")?;
    let interview = lock(w, id, t).await?.ok_or("interview gone")?;
    step!(
        t,
        "SELECT companies (plan change)",
        sqlx::query("SELECT plan_changed_at FROM companies WHERE id = $1")
            .bind(ctx.company)
            .fetch_one(&mut *w)
    );
    let now = now_ms();
    let changed = step!(
        t,
        "UPDATE interviews",
        sqlx::query(
            "UPDATE interviews SET status = $2, invite_revoked_at = $3, finished_at = $3, updated_at = $3 \
             WHERE id = $1 AND status = 'SCHEDULED' AND invite_revoked_at IS NULL"
        )
        .bind(id)
        .bind("CANCELED")
        .bind(now)
        .execute(&mut *w)
    );
    if changed.rows_affected() != 1 {
        return Err("the interview was not revocable".into());
    }
    step!(
        t,
        "UPDATE call_attempts",
        sqlx::query(
            "UPDATE call_attempts SET status = 'CANCELLED', reason_code = 'REVOKED', updated_at = $2 \
             WHERE interview_id = $1 AND status = 'SCHEDULED'"
        )
        .bind(id)
        .bind(now)
        .execute(&mut *w)
    );
    let data = json!({
        "interviewId": id.to_string(),
        "candidateId": candidate_id.to_string(),
        "jobId": col::<Option<Uuid>>(&interview, "job_id")?.map(|j| j.to_string()),
        "status": "CANCELED", "responseId": number, "notifyCandidate": true,
    });
    for kind in [kinds::INVITE_REVOKED, kinds::INTERVIEW_CANCELED] {
        insert_event(w, ctx, Some(id), kind, &data, now, t).await?;
    }
    step!(
        t,
        "INSERT mail_queue",
        sqlx::query(
            "INSERT INTO mail_queue (id, company_id, interview_id, kind, to_addr, subject, body, status, \
             attempts, next_attempt_at, created_at, updated_at, candidate_id) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, 'PENDING', 0, $8, $8, $8, \
                     (SELECT candidate_id FROM interviews WHERE id = $3))"
        )
        .bind(Uuid::now_v7())
        .bind(Some(ctx.company))
        .bind(Some(id))
        .bind("REVOCATION")
        .bind(col::<Option<String>>(&candidate, "email")?.unwrap_or_default())
        .bind(mail.subject)
        .bind(mail.body)
        .bind(now)
        .execute(&mut *w)
    );
    let target = json!({ "interviewId": id.to_string(), "responseId": number });
    audit(
        w,
        ctx,
        "invite.revoke",
        &target,
        &json!({ "notices": 1 }),
        t,
    )
    .await?;
    step!(t, "COMMIT", tx.commit());
    Ok(())
}
