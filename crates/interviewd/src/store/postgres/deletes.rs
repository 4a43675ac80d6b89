//! Deletes of one interview each, written together ([`super::batch`]): five statements for
//! a batch whatever its size — the attempts locked, the rows locked, the removal, the
//! forgetting and audit, the COMMIT — where one at a time takes five each. Each statement is
//! the single path's (`sql::removal`) with `= ANY($1)` for `= $1`.

use super::PgStore;
use super::batch::AuditRows;
use super::sql::removal::{BEFORE_COMMIT, INTERVIEW_FAULT, Job, Outcome, Pending};
use crate::store::carrier::ERASE_CALL;
use crate::store::events::kinds;
use crate::store::idempotency::number_ref;
use crate::store::removal::{self, RemovalReport, RemovalRequest, RemovalScope};
use crate::store::rows::{AttemptRow, InterviewRow, attempt_cols, interview_cols, to_json};
use crate::store::{StoreError, StoreResult};
use interviewd_domain::model::{CallAttempt, Interview};
use interviewd_domain::removal::plan_deletion;
use interviewd_domain::time::to_millis;
use std::collections::HashMap;
use uuid::Uuid;

/// One interview's deletion, decided under the locks.
struct Deletion {
    interview: Interview,
    event: crate::store::events::NewEvent,
}

/// The deletes of `batch` in one transaction; each one's outcome, in order. The queue rows
/// and events written take the first request's time: a batch's requests arrive within
/// milliseconds of each other.
pub(super) async fn write_together(
    store: &PgStore,
    batch: &[Pending],
) -> StoreResult<Vec<Outcome>> {
    let mut requests = Vec::with_capacity(batch.len());
    for pending in batch {
        match &pending.job {
            Job::Remove(req) => match req.scope {
                RemovalScope::Interview(id) => {
                    store.faults.check_on(INTERVIEW_FAULT, id)?;
                    requests.push((req, id.uuid()));
                }
                _ => return Err(StoreError::Internal("not a delete of one interview".into())),
            },
            Job::Revoke(..) => return Err(StoreError::Internal("a revoke among deletes".into())),
        }
    }
    let mut ids: Vec<Uuid> = requests.iter().map(|(_, id)| *id).collect();
    ids.sort_unstable();
    ids.dedup();

    // A generic plan for each statement, made once per connection: a statement over an array
    // of ids is otherwise planned again at every call (the server prefers custom plans for
    // it), and planning the removal statement cost as much as running it.
    let mut tx = store
        .pool
        .begin_with("BEGIN; SET LOCAL plan_cache_mode = force_generic_plan")
        .await?;
    let (mut interviews, mut attempts) = lock(&mut tx, &ids).await?;
    // Under the locks, each request in turn: its interview if it is there and its company's
    // (a second request for the same interview finds it taken by the first, as it would
    // after the first's COMMIT).
    let mut reports = Vec::with_capacity(requests.len());
    let mut deletions = Vec::new();
    for (req, id) in &requests {
        let mut report = RemovalReport::default();
        // Another company's interview stays in the map for a later request of its own.
        let mine = interviews
            .get(id)
            .is_some_and(|i| i.company_id == req.company);
        if let Some(interview) = mine.then(|| interviews.remove(id)).flatten() {
            let attempts = attempts.remove(id).unwrap_or_default();
            let plan = plan_deletion(&interview, &attempts);
            let event = removal::deleted_event(&interview, &plan, req.now);
            report.interviews.push(interview.id);
            report.cancelled_attempts += plan.cancelled_attempts;
            report.live_sessions += usize::from(plan.live);
            report.recordings += plan.recording_keys.len();
            deletions.push(Deletion { interview, event });
        }
        reports.push(report);
    }
    if deletions.is_empty() {
        // Nothing to delete: nothing written, every request answered 404 by its caller.
        return Ok(reports.into_iter().map(Outcome::Removed).collect());
    }
    let dropped = delete(&mut tx, &deletions, requests[0].0.now).await?;
    for ((_, id), report) in requests.iter().zip(&mut reports) {
        if !report.interviews.is_empty() {
            report.dropped_deliveries = dropped.get(id).copied().unwrap_or(0);
        }
    }
    forget_and_audit(&mut tx, &requests, &deletions, &mut reports).await?;
    store.faults.check(BEFORE_COMMIT)?;
    tx.commit().await?;
    Ok(reports.into_iter().map(Outcome::Removed).collect())
}

/// Locks the interviews `ids` (sorted) and their attempts, attempts first, each in id order;
/// returns them as they are under the locks.
async fn lock(
    tx: &mut sqlx::PgConnection,
    ids: &[Uuid],
) -> StoreResult<(HashMap<Uuid, Interview>, HashMap<Uuid, Vec<CallAttempt>>)> {
    let rows: Vec<AttemptRow> = sqlx::query_as(concat!(
        "SELECT ",
        attempt_cols!(),
        " FROM call_attempts WHERE interview_id = ANY($1) ORDER BY id FOR UPDATE"
    ))
    .bind(ids)
    .fetch_all(&mut *tx)
    .await?;
    let mut attempts: HashMap<Uuid, Vec<CallAttempt>> = HashMap::new();
    for row in rows {
        let interview = row.interview_id;
        attempts
            .entry(interview)
            .or_default()
            .push(CallAttempt::try_from(row)?);
    }
    let rows: Vec<InterviewRow> = sqlx::query_as(concat!(
        "SELECT ",
        interview_cols!(),
        " FROM interviews WHERE id = ANY($1) ORDER BY id FOR UPDATE"
    ))
    .bind(ids)
    .fetch_all(&mut *tx)
    .await?;
    let interviews = rows
        .into_iter()
        .map(|row| Ok((row.id, Interview::try_from(row)?)))
        .collect::<StoreResult<_>>()?;
    Ok((interviews, attempts))
}

/// The single path's removal statement for every interview of `deletions` at once (see
/// `sql::removal::remove_one` for what each part does and why); returns, by interview, the
/// deliveries it dropped.
async fn delete(
    tx: &mut sqlx::PgConnection,
    deletions: &[Deletion],
    now: chrono::DateTime<chrono::Utc>,
) -> StoreResult<HashMap<Uuid, u64>> {
    let ids: Vec<Uuid> = deletions.iter().map(|d| d.interview.id.uuid()).collect();
    let events: Vec<Uuid> = deletions.iter().map(|d| d.event.id).collect();
    let companies: Vec<Uuid> = deletions
        .iter()
        .map(|d| d.interview.company_id.uuid())
        .collect();
    let data: Vec<String> = deletions.iter().map(|d| to_json(&d.event.data)).collect();
    let dropped: Vec<(Uuid, i64)> = sqlx::query_as(
        "WITH mail AS (INSERT INTO outbox_erasures (mail_id, created_at) \
         SELECT id, $2 FROM mail_queue WHERE interview_id = ANY($1) AND status = 'SENT' \
         ON CONFLICT (mail_id) DO NOTHING), \
         slots AS (UPDATE company_slots SET holder_attempt_id = NULL, holder_fence = NULL, \
         owner = NULL, kind = NULL, lease_until = NULL WHERE holder_attempt_id IN \
         (SELECT id FROM call_attempts WHERE interview_id = ANY($1) AND direction = 'WEB')), \
         blobs AS (INSERT INTO blob_deletions (key, run_at, created_at) \
         SELECT recording_key, $2, $2 FROM call_attempts \
         WHERE interview_id = ANY($1) AND recording_key IS NOT NULL \
         ON CONFLICT (key) DO NOTHING), \
         calls AS (INSERT INTO carrier_erasures (kind, sid, carrier, company_id, run_at, created_at) \
         SELECT $4, call_sid, carrier, company_id, $2, $2 FROM carrier_calls \
         WHERE interview_id = ANY($1) ON CONFLICT (kind, sid) DO NOTHING), \
         events_gone AS (DELETE FROM events WHERE interview_id = ANY($1) AND event_type <> $3 \
         RETURNING interview_id, dispatched_at), \
         messages_gone AS (DELETE FROM webhook_messages WHERE interview_id = ANY($1) \
         AND event_type <> $3 AND status = 'PENDING' RETURNING interview_id), \
         mails_gone AS (DELETE FROM mail_queue WHERE interview_id = ANY($1) AND kind = 'INVITE' \
         AND status = 'PENDING' RETURNING interview_id), \
         recorded AS (INSERT INTO events (id, company_id, interview_id, event_type, data, created_at) \
         SELECT e.id, e.company_id, e.interview_id, $3, e.data, $2 \
         FROM unnest($5::uuid[], $6::uuid[], $1::uuid[], $7::text[]) \
         AS e (id, company_id, interview_id, data)), \
         gone AS (DELETE FROM interviews WHERE id = ANY($1)) \
         SELECT d.id, (SELECT count(*) FROM events_gone g WHERE g.interview_id = d.id \
         AND g.dispatched_at IS NULL) \
         + (SELECT count(*) FROM mails_gone m WHERE m.interview_id = d.id) \
         + (SELECT count(*) FROM messages_gone w WHERE w.interview_id = d.id) \
         FROM unnest($1::uuid[]) AS d (id)",
    )
    .bind(&ids)
    .bind(to_millis(now))
    .bind(kinds::INTERVIEW_DELETED)
    .bind(ERASE_CALL)
    .bind(&events)
    .bind(&companies)
    .bind(&data)
    .fetch_all(&mut *tx)
    .await?;
    Ok(dropped
        .into_iter()
        .map(|(id, n)| (id, n.max(0).unsigned_abs()))
        .collect())
}

/// The single path's last statement for every delete at once (see
/// `sql::removal::forget_and_audit`): the deleted interviews' delivered webhook messages lose
/// their payload, stored idempotent responses that mention them go, and each delete that
/// deleted something gets its audit record (its id set in its report).
async fn forget_and_audit(
    tx: &mut sqlx::PgConnection,
    requests: &[(&RemovalRequest, Uuid)],
    deletions: &[Deletion],
    reports: &mut [RemovalReport],
) -> StoreResult<()> {
    let numbers: HashMap<Uuid, i64> = deletions
        .iter()
        .map(|d| (d.interview.id.uuid(), d.interview.number))
        .collect();
    let mut scopes = Vec::new();
    let mut refs = Vec::new();
    let mut audit = AuditRows::default();
    for ((req, id), report) in requests.iter().zip(reports.iter_mut()) {
        let Some(&number) = numbers.get(id).filter(|_| !report.interviews.is_empty()) else {
            continue;
        };
        let scope = format!("company:{}", req.company);
        for reference in std::iter::once(number_ref("response_id", number))
            .chain(removal::forgotten_ids(req, report))
        {
            scopes.push(scope.clone());
            refs.push(reference);
        }
        let record = removal::removal_audit(req, report);
        report.audit_id = Some(audit.push(req.company, req.actor, req.action, record, req.now));
    }
    let deleted: Vec<Uuid> = deletions.iter().map(|d| d.interview.id.uuid()).collect();
    sqlx::query(
        "WITH blanked AS (UPDATE webhook_messages SET payload = '' \
         WHERE interview_id = ANY($1) AND event_type <> $2), \
         forgotten AS (DELETE FROM idempotency_keys WHERE (scope, idem_key) IN \
         (SELECT r.scope, r.idem_key FROM idempotency_refs r \
         JOIN unnest($3::text[], $4::text[]) AS f (scope, ref_id) \
         ON r.scope = f.scope AND r.ref_id = f.ref_id)) \
         INSERT INTO audit_log (id, company_id, key_id, action, target, counts, created_at) \
         SELECT * FROM unnest($5::uuid[], $6::uuid[], $7::uuid[], $8::text[], $9::text[], \
         $10::text[], $11::bigint[])",
    )
    .bind(&deleted)
    .bind(kinds::INTERVIEW_DELETED)
    .bind(&scopes)
    .bind(&refs)
    .bind(&audit.ids)
    .bind(&audit.companies)
    .bind(&audit.keys)
    .bind(&audit.actions)
    .bind(&audit.targets)
    .bind(&audit.counts)
    .bind(&audit.times)
    .execute(&mut *tx)
    .await?;
    Ok(())
}
