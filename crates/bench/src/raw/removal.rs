//! The removals (the delete, the Alpharun removal) and the revoke, compiled per backend like
//! `statements.rs`: the reads before the write transaction, then the store's transaction
//! (`store/sql/removal.rs`) statement by statement.

use super::statements::{attempts, col, insert_event, now_ms, uuid, write_tx};
use super::{Conn, Db, ROW_LOCKS};
use crate::raw::{RawCtx, Timer, step};
use interviewd::store::events::kinds;
use serde_json::{Value, json};
use uuid::Uuid;

/// `DELETE /v1/interviews/{id}`: the removal transaction (no read before it: the removal
/// finds the interview under its lock).
pub(super) async fn delete(
    c: &mut Conn,
    pool: &sqlx::Pool<Db>,
    ctx: &RawCtx,
    id: &str,
    t: &mut Timer,
) -> Result<(), String> {
    let id = uuid(id)?;
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

/// `DELETE /api/v1/job-openings/{job}/interviews` `{"email"}`: the removal transaction, which
/// first finds the contact's id by e-mail (`candidates.rs` `find_id`, as the server's single
/// path does), then runs the scope's own statements (the job link,
/// `candidate.removed_from_job`). The server reads the opening only when the removal fails.
pub(super) async fn alpharun_remove(
    c: &mut Conn,
    pool: &sqlx::Pool<Db>,
    ctx: &RawCtx,
    email: &str,
    t: &mut Timer,
) -> Result<(), String> {
    let mut tx = write_tx(c, pool, t).await?;
    let contact: Uuid = step!(
        t,
        "SELECT candidates (id by e-mail)",
        sqlx::query_scalar(
            "SELECT id FROM candidates WHERE company_id = $1 AND email = $2 AND deleted_at IS NULL"
        )
        .bind(ctx.company)
        .bind(email)
        .fetch_optional(&mut *tx)
    )
    .ok_or("no such contact")?;
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

/// `store/sql/interviews.rs` `lock_with_attempts`: the attempts locked and read (PostgreSQL),
/// then the interview row (and on SQLite the attempts after it).
async fn lock_with_attempts(
    c: &mut Conn,
    id: Uuid,
    t: &mut Timer,
) -> Result<Option<<Db as sqlx::Database>::Row>, String> {
    if ROW_LOCKS {
        step!(
            t,
            "SELECT call_attempts FOR UPDATE",
            sqlx::query(concat!(
                "SELECT ",
                attempt_cols!(),
                " FROM call_attempts WHERE interview_id = $1 ORDER BY id FOR UPDATE"
            ))
            .bind(id)
            .fetch_all(&mut *c)
        );
    }
    let row = step!(
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
    );
    if row.is_some() && !ROW_LOCKS {
        attempts(c, id, t).await?;
    }
    Ok(row)
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
        if let Some(row) = lock_with_attempts(c, id, t).await? {
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

/// `store/sql/removal.rs` `remove_one`: one statement that queues the outbox copies of sent
/// mail and the carrier's copies of calls for erasure, frees web slots, queues the recordings,
/// drops pending events and invite mail, records `interview.deleted` and deletes the row
/// (attempts, transcript, analysis, jobs and sessions cascade); on SQLite it also blanks the
/// delivered webhook messages, which on PostgreSQL the removal's last statement does.
async fn remove_one(
    c: &mut Conn,
    ctx: &RawCtx,
    interview: &<Db as sqlx::Database>::Row,
    t: &mut Timer,
) -> Result<(), String> {
    let id: Uuid = col(interview, "id")?;
    let now = now_ms();
    let data = json!({
        "interviewId": id.to_string(),
        "candidateId": col::<Uuid>(interview, "candidate_id")?.to_string(),
        "jobId": col::<Option<Uuid>>(interview, "job_id")?.map(|j| j.to_string()),
        "status": col::<String>(interview, "status")?,
        "deletedAt": chrono::Utc::now().to_rfc3339(),
    });
    step!(
        t,
        "remove the interview (one statement)",
        sqlx::query_scalar::<_, i64>(per_backend!(
            sqlite: "SELECT (SELECT count(*) FROM events WHERE interview_id = $1 AND event_type <> $3 \
                       AND dispatched_at IS NULL) \
                     + (SELECT count(*) FROM mail_queue WHERE interview_id = $1 AND kind = 'INVITE' \
                       AND status = 'PENDING') \
                     + (SELECT count(*) FROM webhook_messages WHERE interview_id = $1 \
                       AND event_type <> $3 AND status = 'PENDING'); \
                     INSERT INTO outbox_erasures (mail_id, created_at) \
                     SELECT id, $2 FROM mail_queue WHERE interview_id = $1 AND status = 'SENT' \
                     ON CONFLICT (mail_id) DO NOTHING; \
                     UPDATE company_slots SET holder_attempt_id = NULL, holder_fence = NULL, \
                     owner = NULL, kind = NULL, lease_until = NULL WHERE holder_attempt_id IN \
                     (SELECT id FROM call_attempts WHERE interview_id = $1 AND direction = 'WEB'); \
                     INSERT INTO blob_deletions (key, run_at, created_at) \
                     SELECT recording_key, $2, $2 FROM call_attempts \
                     WHERE interview_id = $1 AND recording_key IS NOT NULL \
                     ON CONFLICT (key) DO NOTHING; \
                     INSERT INTO carrier_erasures (kind, sid, carrier, company_id, run_at, created_at) \
                     SELECT $4, call_sid, carrier, company_id, $2, $2 FROM carrier_calls \
                     WHERE interview_id = $1 ON CONFLICT (kind, sid) DO NOTHING; \
                     DELETE FROM events WHERE interview_id = $1 AND event_type <> $3; \
                     DELETE FROM webhook_messages WHERE interview_id = $1 AND event_type <> $3 \
                     AND status = 'PENDING'; \
                     UPDATE webhook_messages SET payload = '' WHERE interview_id = $1 AND event_type <> $3; \
                     DELETE FROM mail_queue WHERE interview_id = $1 AND kind = 'INVITE' \
                     AND status = 'PENDING'; \
                     INSERT INTO events (id, company_id, interview_id, event_type, data, created_at) \
                     VALUES ($5, $6, $1, $3, $7, $2); \
                     DELETE FROM interviews WHERE id = $1",
            postgres: "WITH mail AS (INSERT INTO outbox_erasures (mail_id, created_at) \
                       SELECT id, $2 FROM mail_queue WHERE interview_id = $1 AND status = 'SENT' \
                       ON CONFLICT (mail_id) DO NOTHING), \
                       slots AS (UPDATE company_slots SET holder_attempt_id = NULL, holder_fence = NULL, \
                       owner = NULL, kind = NULL, lease_until = NULL WHERE holder_attempt_id IN \
                       (SELECT id FROM call_attempts WHERE interview_id = $1 AND direction = 'WEB')), \
                       blobs AS (INSERT INTO blob_deletions (key, run_at, created_at) \
                       SELECT recording_key, $2, $2 FROM call_attempts \
                       WHERE interview_id = $1 AND recording_key IS NOT NULL \
                       ON CONFLICT (key) DO NOTHING), \
                       calls AS (INSERT INTO carrier_erasures (kind, sid, carrier, company_id, run_at, created_at) \
                       SELECT $4, call_sid, carrier, company_id, $2, $2 FROM carrier_calls \
                       WHERE interview_id = $1 ON CONFLICT (kind, sid) DO NOTHING), \
                       events_gone AS (DELETE FROM events WHERE interview_id = $1 AND event_type <> $3 \
                       RETURNING dispatched_at), \
                       messages_gone AS (DELETE FROM webhook_messages WHERE interview_id = $1 \
                       AND event_type <> $3 AND status = 'PENDING' RETURNING id), \
                       mails_gone AS (DELETE FROM mail_queue WHERE interview_id = $1 AND kind = 'INVITE' \
                       AND status = 'PENDING' RETURNING id), \
                       recorded AS (INSERT INTO events (id, company_id, interview_id, event_type, data, created_at) \
                       VALUES ($5, $6, $1, $3, $7, $2)), \
                       gone AS (DELETE FROM interviews WHERE id = $1) \
                       SELECT (SELECT count(*) FROM events_gone WHERE dispatched_at IS NULL) \
                       + (SELECT count(*) FROM mails_gone) + (SELECT count(*) FROM messages_gone)",
        ))
        .bind(id)
        .bind(now)
        .bind(kinds::INTERVIEW_DELETED)
        .bind(interviewd::store::carrier::ERASE_CALL)
        .bind(Uuid::now_v7())
        .bind(ctx.company)
        .bind(data.to_string())
        .fetch_all(&mut *c)
    );
    Ok(())
}

/// The end of `store/sql/removal.rs` `remove` (`forget_and_audit`): stored idempotent
/// responses that mention a removed id forgotten and the audit record written, in one round
/// trip.
async fn finish_removal(
    c: &mut Conn,
    ctx: &RawCtx,
    action: &str,
    removed: &Removed,
    target: Value,
    t: &mut Timer,
) -> Result<(), String> {
    let refs: Vec<String> = (removed.ids.iter().cloned())
        .chain(removed.numbers.iter().map(|n| format!("response_id:{n}")))
        .collect();
    let counts = json!({
        "interviews": removed.ids.len(), "cancelledAttempts": 0, "liveSessions": 0,
        "recordings": removed.ids.len(), "droppedDeliveries": 0,
    });
    let mut query = sqlx::query(per_backend!(
        sqlite: "DELETE FROM idempotency_keys WHERE scope = $1 AND idem_key IN \
                 (SELECT idem_key FROM idempotency_refs WHERE scope = $1 \
                 AND ref_id IN (SELECT value FROM json_each($2))); \
                 INSERT INTO audit_log (id, company_id, key_id, action, target, counts, created_at) \
                 VALUES ($3, $4, $5, $6, $7, $8, $9)",
        postgres: "WITH blanked AS (UPDATE webhook_messages SET payload = '' WHERE interview_id IN \
                   (SELECT CAST(jsonb_array_elements_text($10::jsonb) AS uuid)) AND event_type <> $11), \
                   forgotten AS (DELETE FROM idempotency_keys WHERE scope = $1 AND idem_key IN \
                   (SELECT idem_key FROM idempotency_refs WHERE scope = $1 \
                   AND ref_id IN (SELECT jsonb_array_elements_text($2::jsonb)))) \
                   INSERT INTO audit_log (id, company_id, key_id, action, target, counts, created_at) \
                   VALUES ($3, $4, $5, $6, $7, $8, $9)",
    ))
    .bind(format!("company:{}", ctx.company))
    .bind(serde_json::to_string(&refs).map_err(|e| e.to_string())?)
    .bind(Uuid::now_v7())
    .bind(ctx.company)
    .bind(Some(ctx.key_id))
    .bind(action)
    .bind(target.to_string())
    .bind(counts.to_string())
    .bind(now_ms());
    if per_backend!(sqlite: false, postgres: true) {
        query = query
            .bind(serde_json::to_string(&removed.ids).map_err(|e| e.to_string())?)
            .bind(kinds::INTERVIEW_DELETED);
    }
    step!(
        t,
        "forget responses, INSERT audit_log",
        query.execute(&mut *c)
    );
    Ok(())
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

/// `PATCH /api/v2/ai-interviews/invite/revoke` with `notify_candidate: true`:
/// `store/sql/removal.rs` `revoke_in`, the notice's content (`recipient`: the candidate, the
/// job's title and the company's name) read under the interview's lock.
pub(super) async fn revoke(
    c: &mut Conn,
    pool: &sqlx::Pool<Db>,
    ctx: &RawCtx,
    number: i64,
    t: &mut Timer,
) -> Result<(), String> {
    // The revoke transaction (`revoke_in`): the interview locked by its number with the plan
    // change read alongside (`lock_by_number`), the notice's content, then one round trip for
    // the writes.
    let mut tx = write_tx(c, pool, t).await?;
    let w: &mut Conn = &mut tx;
    if ROW_LOCKS {
        step!(
            t,
            "SELECT call_attempts FOR UPDATE",
            sqlx::query(
                "SELECT id FROM call_attempts WHERE interview_id = \
                 (SELECT id FROM interviews WHERE company_id = $1 AND number = $2) ORDER BY id FOR UPDATE"
            )
            .bind(ctx.company)
            .bind(number)
            .execute(&mut *w)
        );
    }
    let interview = step!(
        t,
        "SELECT interviews (lock, plan change)",
        sqlx::query(concat!(
            "SELECT ",
            interview_cols!(),
            ", (SELECT plan_changed_at FROM companies WHERE id = $1) AS plan_changed_at \
             FROM interviews WHERE company_id = $1 AND number = $2",
            for_update!(of interviews)
        ))
        .bind(ctx.company)
        .bind(number)
        .fetch_optional(&mut *w)
    )
    .ok_or("interview gone")?;
    let id: Uuid = col(&interview, "id")?;
    let recipient = step!(
        t,
        "SELECT candidates (notice)",
        sqlx::query(concat!(
            "SELECT ",
            candidate_cols!(),
            ", (SELECT title FROM jobs WHERE id = $2 AND company_id = $3 AND deleted_at IS NULL) \
             AS job_title, (SELECT name FROM companies WHERE id = $3) AS company_name \
             FROM candidates WHERE id = $1 AND company_id = $3 AND deleted_at IS NULL"
        ))
        .bind(col::<Uuid>(&interview, "candidate_id")?)
        .bind(col::<Option<Uuid>>(&interview, "job_id")?)
        .bind(ctx.company)
        .fetch_optional(&mut *w)
    )
    .ok_or("no candidate")?;
    let candidate_id: Uuid = col(&recipient, "id")?;
    let name = format!(
        "{} {}",
        col::<Option<String>>(&recipient, "first_name")?.unwrap_or_default(),
        col::<Option<String>>(&recipient, "last_name")?.unwrap_or_default()
    );
    let (title, company_name) = (
        col::<Option<String>>(&recipient, "job_title")?.unwrap_or_default(),
        col::<Option<String>>(&recipient, "company_name")?.unwrap_or_default(),
    );
    let mail = interviewd::core::notices::revocation(&interviewd::core::notices::Revocation {
        candidate_name: Some(name.as_str()),
        job_title: Some(title.as_str()),
        company_name: &company_name,
    });

    let now = now_ms();
    let data = json!({
        "interviewId": id.to_string(),
        "candidateId": candidate_id.to_string(),
        "jobId": col::<Option<Uuid>>(&interview, "job_id")?.map(|j| j.to_string()),
        "status": "CANCELED", "responseId": number, "notifyCandidate": true,
    });
    let target = json!({ "interviewId": id.to_string(), "responseId": number });
    let changed = step!(
        t,
        "revoke (one statement)",
        sqlx::query_scalar::<_, i64>(per_backend!(
            sqlite: "UPDATE interviews SET status = $2, invite_revoked_at = $3, finished_at = $3, updated_at = $3 \
                     WHERE id = $1 AND status = 'SCHEDULED' AND invite_revoked_at IS NULL; \
                     SELECT changes(); \
                     UPDATE call_attempts SET status = 'CANCELLED', reason_code = 'REVOKED', updated_at = $3 \
                     WHERE interview_id = $1 AND status = 'SCHEDULED'; \
                     INSERT INTO events (id, company_id, interview_id, event_type, data, created_at) \
                     VALUES ($4, $6, $1, $7, $9, $3), ($5, $6, $1, $8, $9, $3); \
                     INSERT INTO audit_log (id, company_id, key_id, action, target, counts, created_at) \
                     VALUES ($10, $6, $11, 'invite.revoke', $12, $13, $3)",
            postgres: "WITH changed AS (UPDATE interviews SET status = $2, invite_revoked_at = $3, \
                       finished_at = $3, updated_at = $3 \
                       WHERE id = $1 AND status = 'SCHEDULED' AND invite_revoked_at IS NULL RETURNING id), \
                       cancelled AS (UPDATE call_attempts SET status = 'CANCELLED', reason_code = 'REVOKED', \
                       updated_at = $3 WHERE interview_id = $1 AND status = 'SCHEDULED'), \
                       recorded AS (INSERT INTO events (id, company_id, interview_id, event_type, data, created_at) \
                       VALUES ($4, $6, $1, $7, $9, $3), ($5, $6, $1, $8, $9, $3)), \
                       audited AS (INSERT INTO audit_log (id, company_id, key_id, action, target, counts, created_at) \
                       VALUES ($10, $6, $11, 'invite.revoke', $12, $13, $3)) \
                       SELECT count(*) FROM changed",
        ))
        .bind(id)
        .bind("CANCELED")
        .bind(now)
        .bind(Uuid::now_v7())
        .bind(Uuid::now_v7())
        .bind(ctx.company)
        .bind(kinds::INVITE_REVOKED)
        .bind(kinds::INTERVIEW_CANCELED)
        .bind(data.to_string())
        .bind(Uuid::now_v7())
        .bind(Some(ctx.key_id))
        .bind(target.to_string())
        .bind(json!({ "notices": 1 }).to_string())
        .fetch_all(&mut *w)
    );
    if changed != [1] {
        return Err("the interview was not revocable".into());
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
        .bind(col::<Option<String>>(&recipient, "email")?.unwrap_or_default())
        .bind(mail.subject)
        .bind(mail.body)
        .bind(now)
        .execute(&mut *w)
    );
    step!(t, "COMMIT", tx.commit());
    Ok(())
}
