//! The single deletion path and the revoke transaction. Each request is one transaction:
//! load, let the domain decide, apply, commit — so a crash or an error at any point leaves
//! either everything or nothing.
//!
//! Another process may be claiming, answering or ending the same interview's calls at the
//! same moment. Each interview is therefore locked (its attempts first, then its row, the
//! order every transaction follows — [`super::interviews::lock`]) and read again under the lock before the
//! domain decides; a claim skips attempts locked here, and a call that ends meanwhile waits
//! for this transaction. On SQLite the write transaction excludes them all from its start.

use super::Conn;
use super::DbStore;
use super::candidates;
use super::interviews::lock_with_attempts;
use crate::store::carrier::ERASE_CALL;
use crate::store::events::kinds;
use crate::store::idempotency::{email_ref, number_ref, phone_ref};
use crate::store::removal::{
    self, OpeningOutcome, OpeningRemoval, RemovalReport, RemovalRequest, RemovalScope,
    RenderNotice, RevocationRecipient, RevokeOutcome, RevokeRequest, Takes,
};
use crate::store::rows::to_json;
use crate::store::rows::{CandidateRow, InterviewRow, candidate_cols, interview_cols};
use crate::store::{StoreError, StoreResult};
use interviewd_domain::model::{CallAttempt, Interview};
use interviewd_domain::removal::{decide_revoke, plan_deletion};
use interviewd_domain::time::{from_millis, to_millis};
use interviewd_domain::{CompanyId, InterviewStatus};
use uuid::Uuid;

/// The ids of the interviews a scope covers, in the company.
async fn targets(
    conn: &mut Conn,
    company: CompanyId,
    scope: &RemovalScope,
) -> StoreResult<Vec<Uuid>> {
    let (sql, a, b): (&'static str, Uuid, Option<Uuid>) = match scope {
        RemovalScope::Interview(id) => (
            "SELECT id FROM interviews WHERE company_id = $1 AND id = $2",
            id.uuid(),
            None,
        ),
        RemovalScope::CandidateOnJob { candidate, job } => (
            "SELECT id FROM interviews WHERE company_id = $1 AND candidate_id = $2 AND job_id = $3",
            candidate.uuid(),
            Some(job.uuid()),
        ),
        RemovalScope::Candidate(id) => (
            "SELECT id FROM interviews WHERE company_id = $1 AND candidate_id = $2",
            id.uuid(),
            None,
        ),
        RemovalScope::Job(id) => (
            "SELECT id FROM interviews WHERE company_id = $1 AND job_id = $2",
            id.uuid(),
            None,
        ),
    };
    let mut query = sqlx::query_scalar(sql).bind(company.uuid()).bind(a);
    if let Some(b) = b {
        query = query.bind(b);
    }
    Ok(query.fetch_all(&mut *conn).await?)
}

/// Deletes one (locked) interview inside the caller's transaction, in one round trip: the
/// outbox copies of its sent mail and the carrier's copies of its calls queued for erasure,
/// a live web session's slot freed, its recordings queued for deletion, its undelivered
/// events, webhook messages and invite mail dropped, `interview.deleted` recorded and the
/// row deleted — transcript turns, analyses, pipeline jobs, sessions and attempts cascade.
/// Scheduled attempts leave the queue with the row (the interview is locked, so no claim
/// takes one meanwhile); a live call keeps its slot, keyed by attempt id, until the engine
/// sees the call end and releases it. Its delivered webhook messages stay in the delivery
/// log without their payload: blanked here on SQLite, and on PostgreSQL by
/// [`forget_and_audit`], a later statement: a fan-out committing while this statement waits
/// for the event rows it holds has added messages this statement does not see (its snapshot
/// is older), and only a later statement's snapshot does (docs/removal.md, step 4). Adds the
/// deliveries dropped to `report`.
async fn remove_one(
    conn: &mut Conn,
    store: &DbStore,
    i: &Interview,
    attempts: &[CallAttempt],
    now: chrono::DateTime<chrono::Utc>,
    report: &mut RemovalReport,
    forget: &mut Vec<String>,
) -> StoreResult<()> {
    store.faults.check_on(INTERVIEW_FAULT, i.id)?;
    forget.push(number_ref("response_id", i.number));
    let plan = plan_deletion(i, attempts);
    let deleted = removal::deleted_event(i, &plan, now);
    // On PostgreSQL one statement of data-modifying `WITH`s (all see the rows as they were
    // before it, so the counts are read from what they deleted); on SQLite the same
    // statements in order, counted first.
    let dropped: Vec<i64> = sqlx::query_scalar(per_backend!(
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
    .bind(i.id.uuid())
    .bind(to_millis(now))
    .bind(kinds::INTERVIEW_DELETED)
    .bind(ERASE_CALL)
    .bind(deleted.id)
    .bind(i.company_id.uuid())
    .bind(to_json(&deleted.data))
    // All of it: on SQLite the statements after the count run as its rows are drained.
    .fetch_all(&mut *conn)
    .await?;
    report.dropped_deliveries += dropped
        .iter()
        .map(|&n| n.max(0).unsigned_abs())
        .sum::<u64>();
    report.interviews.push(i.id);
    report.cancelled_attempts += plan.cancelled_attempts;
    report.live_sessions += usize::from(plan.live);
    report.recordings += plan.recording_keys.len();
    Ok(())
}

/// The references of the candidate or job a removal takes out, read before it goes: its
/// number and, for a person, their e-mail and phone (see `store::idempotency::mentioned_refs`).
async fn anchor_refs(conn: &mut Conn, req: &RemovalRequest) -> StoreResult<Vec<String>> {
    match &req.scope {
        RemovalScope::Candidate(id) => {
            let row: Option<(i64, Option<String>, Option<String>)> = sqlx::query_as(
                "SELECT number, email, phone FROM candidates WHERE id = $1 AND company_id = $2",
            )
            .bind(id.uuid())
            .bind(req.company.uuid())
            .fetch_optional(&mut *conn)
            .await?;
            Ok(row
                .map(|(number, email, phone)| {
                    let mut refs = vec![number_ref("candidate_id", number)];
                    refs.extend(email.as_deref().map(email_ref));
                    refs.extend(phone.as_deref().map(phone_ref));
                    refs
                })
                .unwrap_or_default())
        }
        RemovalScope::Job(id) => {
            let number: Option<i64> =
                sqlx::query_scalar("SELECT number FROM jobs WHERE id = $1 AND company_id = $2")
                    .bind(id.uuid())
                    .bind(req.company.uuid())
                    .fetch_optional(&mut *conn)
                    .await?;
            Ok(number
                .map(|n| vec![number_ref("ai_interview_id", n)])
                .unwrap_or_default())
        }
        RemovalScope::Interview(_) | RemovalScope::CandidateOnJob { .. } => Ok(Vec::new()),
    }
}

/// The end of a removal, in one round trip: stored idempotent responses that mention what was
/// removed go (a replayed response must not bring erased data back, and they may hold a
/// candidate's contact details; they are found by the removed rows' UUIDs and numbers and,
/// for an erasure, the person's e-mail and phone), on PostgreSQL the removed interviews'
/// delivered webhook messages lose their payload (see [`remove_one`]), and the audit record
/// is written. Returns the audit record's id.
async fn forget_and_audit(
    conn: &mut Conn,
    req: &RemovalRequest,
    report: &RemovalReport,
    refs: Vec<String>,
) -> StoreResult<Uuid> {
    let mut ids = removal::forgotten_ids(req, report);
    ids.extend(refs);
    let (target, counts) = removal::removal_audit(req, report);
    let id = Uuid::now_v7();
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
    .bind(format!("company:{}", req.company))
    .bind(to_json(&ids))
    .bind(id)
    .bind(req.company.uuid())
    .bind(req.actor.map(|k| k.uuid()))
    .bind(req.action)
    .bind(to_json(&target))
    .bind(to_json(&counts))
    .bind(to_millis(req.now));
    if per_backend!(sqlite: false, postgres: true) {
        let removed: Vec<String> = report.interviews.iter().map(|i| i.to_string()).collect();
        query = query.bind(to_json(&removed)).bind(kinds::INTERVIEW_DELETED);
    }
    query.execute(&mut *conn).await?;
    Ok(id)
}

/// Locks the candidate or job a removal takes out (or unlinks), before anything else: every
/// write that would add to it — an interview, a job link — needs a key-share lock on that row
/// for its foreign key, so it either committed before (and [`targets`] sees its rows) or waits
/// for this removal and then finds the row gone (a 404 for that request). On SQLite the write
/// transaction already excludes every other writer.
async fn lock_anchor(conn: &mut Conn, company: CompanyId, scope: &RemovalScope) -> StoreResult<()> {
    let (sql, id) = match scope {
        RemovalScope::Interview(_) => return Ok(()),
        RemovalScope::Candidate(id) | RemovalScope::CandidateOnJob { candidate: id, .. } => (
            concat!(
                "SELECT id FROM candidates WHERE id = $1 AND company_id = $2",
                for_update!()
            ),
            id.uuid(),
        ),
        RemovalScope::Job(id) => (
            concat!(
                "SELECT id FROM jobs WHERE id = $1 AND company_id = $2",
                for_update!()
            ),
            id.uuid(),
        ),
    };
    sqlx::query(sql)
        .bind(id)
        .bind(company.uuid())
        .execute(conn)
        .await?;
    Ok(())
}

/// One removal: through the store's [`RemovalGroup`] when it takes it (on SQLite every one;
/// on PostgreSQL all but the removals of a whole candidate or job), else in a transaction of
/// its own.
pub async fn remove(store: &DbStore, req: &RemovalRequest) -> StoreResult<RemovalReport> {
    let group = store.removal_group();
    if !group.takes.removal(&req.scope) {
        return remove_alone(store, req).await;
    }
    match group.run(store, Job::Remove(req.clone())).await? {
        Outcome::Removed(report) => Ok(report),
        _ => Err(StoreError::Internal(
            "a removal answered as another job".into(),
        )),
    }
}

/// An Alpharun removal from an opening: always through the store's [`RemovalGroup`], which
/// resolves its contact in the batch's transaction.
pub async fn remove_from_opening(
    store: &DbStore,
    req: &OpeningRemoval,
) -> StoreResult<OpeningOutcome> {
    let group = store.removal_group();
    match group
        .run(store, Job::RemoveFromOpening(req.clone()))
        .await?
    {
        Outcome::FromOpening(outcome) => Ok(outcome),
        _ => Err(StoreError::Internal(
            "a removal from an opening answered as another job".into(),
        )),
    }
}

/// One removal in a transaction of its own.
async fn remove_alone(store: &DbStore, req: &RemovalRequest) -> StoreResult<RemovalReport> {
    let mut tx = store.write_tx().await?;
    let done = remove_in(&mut tx, store, req).await?;
    store.faults.check(BEFORE_COMMIT)?;
    if done.keep {
        tx.commit().await?;
    }
    Ok(done.report)
}

/// The fault points between a removal's (a revoke's) statements and its COMMIT.
pub(crate) const BEFORE_COMMIT: &str = "remove.before_commit";
pub(crate) const REVOKE_BEFORE_COMMIT: &str = "revoke.before_commit";
/// The fault point between a revoke's writes and its notice's.
pub(crate) const REVOKE_BEFORE_MAIL: &str = "revoke.before_mail";
/// The fault point as one interview is removed, armed for that interview alone
/// ([`crate::store::removal::FaultInjector::check_on`]).
pub(crate) const INTERVIEW_FAULT: &str = "remove.interview";

/// What one removal did inside a transaction.
struct Done {
    report: RemovalReport,
    /// False when it changed nothing that should stay (rolled back).
    keep: bool,
}

/// Removals waiting to be written together, each answered after the COMMIT that holds it, so
/// a 200 still means the rows are gone. Whoever asks while no batch is being written takes
/// the lead: it writes every queued job as one batch, then the lead passes on. The batch runs
/// in a task of its own, so a request that goes away mid-batch leaves it running.
///
/// - On SQLite every removal and revoke joins, one batch at a time, in one transaction
///   ([`write_batch`]). SQLite has one writer anyway; what the
///   batch saves is a COMMIT (and its page writes) per removal.
/// - On PostgreSQL the deletes of one interview, the Alpharun removals and the revokes join,
///   each batch written by a handful of statements for all of its requests
///   (`store::postgres::batch`): what a batch saves there is each statement's fixed cost
///   (docs/removal.md). A batch that fails there is written again by [`write_batch`].
pub struct RemovalGroup {
    queue: std::sync::Mutex<Vec<Pending>>,
    lead: tokio::sync::Mutex<()>,
    takes: Takes,
    write: BatchWriter,
}

/// Writes a batch and answers each of its jobs.
pub type BatchWriter =
    fn(DbStore, Vec<Pending>) -> std::pin::Pin<Box<dyn Future<Output = ()> + Send>>;

/// What a batch writes.
pub(crate) enum Job {
    Remove(RemovalRequest),
    RemoveFromOpening(OpeningRemoval),
    Revoke(RevokeRequest, Option<RenderNotice>),
}

/// What it answers.
pub(crate) enum Outcome {
    Removed(RemovalReport),
    FromOpening(OpeningOutcome),
    Revoked(RevokeOutcome),
}

pub(crate) struct Pending {
    pub(crate) job: Job,
    pub(crate) answer: tokio::sync::oneshot::Sender<StoreResult<Outcome>>,
}

impl RemovalGroup {
    /// The jobs `takes` names, a batch at a time, each written by `write`.
    pub fn new(takes: Takes, write: BatchWriter) -> Self {
        Self {
            queue: std::sync::Mutex::default(),
            lead: tokio::sync::Mutex::default(),
            takes,
            write,
        }
    }

    async fn run(&self, store: &DbStore, job: Job) -> StoreResult<Outcome> {
        let (answer, mut answered) = tokio::sync::oneshot::channel();
        self.pending().push(Pending { job, answer });
        loop {
            tokio::select! {
                biased;
                result = &mut answered => {
                    return result.unwrap_or_else(|_| {
                        Err(StoreError::Gone("the removal's batch ended unanswered"))
                    });
                }
                _lead = self.lead.lock() => {
                    // One batch, then the lead passes on: a leader's own answer does not wait
                    // for the batches queued after it.
                    let batch = std::mem::take(&mut *self.pending());
                    if batch.is_empty() {
                        // Ours is in a batch still being written (its leader went away).
                        return answered.await.unwrap_or_else(|_| {
                            Err(StoreError::Gone("the removal's batch ended unanswered"))
                        });
                    }
                    let _ = tokio::spawn((self.write)(store.clone(), batch)).await;
                }
            }
        }
    }

    fn pending(&self) -> std::sync::MutexGuard<'_, Vec<Pending>> {
        self.queue
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// Writes `batch` in one transaction and answers each removal after its COMMIT. The
/// statements run straight in the transaction (a removal or revoke that changes nothing has
/// written nothing when it says so); only when one of them fails is the batch written again
/// with each in a savepoint, so that the failing one alone is answered with its error. When
/// the transaction cannot begin or commit, nothing of it stays and every removal is answered
/// `Gone`, which the caller's retry runs again.
pub(crate) async fn write_batch(store: DbStore, batch: Vec<Pending>) {
    tracing::debug!(removals = batch.len(), "removals share one COMMIT");
    let (jobs, answers): (Vec<Job>, Vec<_>) = batch.into_iter().map(|p| (p.job, p.answer)).unzip();
    let written = match write(&store, &jobs, false).await {
        Err(Failed::Job(e)) if jobs.len() == 1 => Ok(vec![Err(e)]),
        Err(Failed::Job(_)) => write(&store, &jobs, true).await,
        other => other,
    };
    let results = match written {
        Ok(results) => results,
        Err(failed) => {
            let e = match failed {
                Failed::Job(e) | Failed::Transaction(e) => e,
            };
            tracing::warn!(error = %e, "a removal batch did not commit");
            answers
                .iter()
                .map(|_| {
                    Err(match &e {
                        StoreError::Injected(point) => StoreError::Injected(point),
                        _ => StoreError::Gone("a shared removal transaction did not commit"),
                    })
                })
                .collect()
        }
    };
    for (answer, result) in answers.into_iter().zip(results) {
        let _ = answer.send(result);
    }
}

/// Why a batch's transaction did not commit.
enum Failed {
    /// One of its removals failed outside a savepoint.
    Job(StoreError),
    /// It could not begin or commit (or a fault was injected before its COMMIT).
    Transaction(StoreError),
}

/// One transaction for `jobs`, each in a savepoint when `savepoints`; their answers once it
/// committed.
async fn write(
    store: &DbStore,
    jobs: &[Job],
    savepoints: bool,
) -> Result<Vec<StoreResult<Outcome>>, Failed> {
    let mut tx = store.write_tx().await.map_err(Failed::Transaction)?;
    let mut results = Vec::with_capacity(jobs.len());
    let mut points = Vec::new();
    for job in jobs {
        #[cfg(debug_assertions)]
        let before = changes(&mut tx).await.map_err(Failed::Transaction)?;
        let written = if savepoints {
            in_savepoint(&mut tx, store, job).await
        } else {
            write_job(&mut tx, store, job).await
        };
        #[cfg(debug_assertions)]
        if !savepoints && matches!(written, Ok((_, false))) {
            // The batch commits whatever its jobs wrote: one that keeps nothing must have
            // written nothing.
            let after = changes(&mut tx).await.map_err(Failed::Transaction)?;
            if after != before {
                results.push(Err(StoreError::Internal(
                    "a removal that keeps nothing wrote rows".into(),
                )));
                continue;
            }
        }
        match written {
            Ok((outcome, keep)) => {
                let point = match job {
                    Job::Remove(_) | Job::RemoveFromOpening(_) => BEFORE_COMMIT,
                    Job::Revoke(..) => REVOKE_BEFORE_COMMIT,
                };
                if keep && !points.contains(&point) {
                    points.push(point);
                }
                results.push(Ok(outcome));
            }
            Err(e) if savepoints => results.push(Err(e)),
            Err(e) => return Err(Failed::Job(e)),
        }
    }
    for point in points {
        store.faults.check(point).map_err(Failed::Transaction)?;
    }
    tx.commit()
        .await
        .map_err(|e| Failed::Transaction(e.into()))?;
    Ok(results)
}

/// The rows written so far on this connection (SQLite's `total_changes()`; the batches run
/// only there), for the check in [`write`].
#[cfg(debug_assertions)]
async fn changes(tx: &mut Conn) -> StoreResult<i64> {
    let sql = per_backend!(
        sqlite: "SELECT total_changes()",
        postgres: "SELECT CAST(0 AS BIGINT)",
    );
    Ok(sqlx::query_scalar(sql).fetch_one(&mut *tx).await?)
}

/// One job in a savepoint of `tx`: what it wrote stays only when it succeeded and kept it.
async fn in_savepoint(tx: &mut Conn, store: &DbStore, job: &Job) -> StoreResult<(Outcome, bool)> {
    let mut savepoint = sqlx::Acquire::begin(&mut *tx).await?;
    match write_job(&mut savepoint, store, job).await {
        Ok((outcome, true)) => {
            savepoint.commit().await?;
            Ok((outcome, true))
        }
        Ok((outcome, false)) => {
            savepoint.rollback().await?;
            Ok((outcome, false))
        }
        Err(e) => {
            let _ = savepoint.rollback().await;
            Err(e)
        }
    }
}

async fn write_job(tx: &mut Conn, store: &DbStore, job: &Job) -> StoreResult<(Outcome, bool)> {
    match job {
        Job::Remove(req) => remove_in(tx, store, req)
            .await
            .map(|done| (Outcome::Removed(done.report), done.keep)),
        Job::RemoveFromOpening(req) => {
            let Some(candidate) = candidates::find_id(&mut *tx, req.company, &req.contact).await?
            else {
                return Ok((Outcome::FromOpening(None), false));
            };
            let done = remove_in(tx, store, &req.of(candidate)).await?;
            Ok((
                Outcome::FromOpening(Some((candidate, done.report))),
                done.keep,
            ))
        }
        Job::Revoke(req, notice) => revoke_in(tx, store, req, *notice)
            .await
            .map(|(outcome, keep)| (Outcome::Revoked(outcome), keep)),
    }
}

/// One removal's statements, in the caller's transaction.
async fn remove_in(tx: &mut Conn, store: &DbStore, req: &RemovalRequest) -> StoreResult<Done> {
    let mut report = RemovalReport::default();
    lock_anchor(&mut *tx, req.company, &req.scope).await?;
    let mut forget = anchor_refs(&mut *tx, req).await?;
    let ids = match &req.scope {
        // One interview: its locked row says whether it is there and the company's.
        RemovalScope::Interview(id) => vec![id.uuid()],
        scope => targets(&mut *tx, req.company, scope).await?,
    };
    for id in ids {
        // Gone meanwhile (another removal took it), or another company's: nothing to do.
        match lock_with_attempts(&mut *tx, id).await? {
            Some((interview, attempts)) if interview.company_id == req.company => {
                remove_one(
                    &mut *tx,
                    store,
                    &interview,
                    &attempts,
                    req.now,
                    &mut report,
                    &mut forget,
                )
                .await?;
            }
            _ => {}
        }
    }
    if report.interviews.is_empty()
        && matches!(
            req.scope,
            RemovalScope::Interview(_) | RemovalScope::CandidateOnJob { .. }
        )
    {
        // No such interview in the company (or gone meanwhile), or no interview of the
        // contact on the opening: nothing changes (rolled back), and the caller answers 404.
        return Ok(Done {
            report,
            keep: false,
        });
    }
    match &req.scope {
        RemovalScope::Interview(_) => {}
        RemovalScope::CandidateOnJob { candidate, job } => {
            sqlx::query("DELETE FROM candidate_jobs WHERE candidate_id = $1 AND job_id = $2")
                .bind(candidate.uuid())
                .bind(job.uuid())
                .execute(&mut *tx)
                .await?;
            let event = removal::removed_from_job_event(req, *candidate, *job, &report);
            super::events::insert(&mut *tx, &event).await?;
        }
        RemovalScope::Candidate(id) => {
            report.dropped_deliveries +=
                super::retention::erase_candidate_mail(&mut *tx, id.uuid(), req.now).await?;
            sqlx::query("DELETE FROM candidates WHERE id = $1 AND company_id = $2")
                .bind(id.uuid())
                .bind(req.company.uuid())
                .execute(&mut *tx)
                .await?;
        }
        RemovalScope::Job(id) => {
            sqlx::query("DELETE FROM candidate_jobs WHERE job_id = $1")
                .bind(id.uuid())
                .execute(&mut *tx)
                .await?;
            sqlx::query("DELETE FROM jobs WHERE id = $1 AND company_id = $2")
                .bind(id.uuid())
                .bind(req.company.uuid())
                .execute(&mut *tx)
                .await?;
        }
    };
    report.audit_id = Some(forget_and_audit(&mut *tx, req, &report, forget).await?);
    Ok(Done { report, keep: true })
}

/// What the notice of `interview`'s revoke names, read under the revoke's lock: its live
/// candidate, its job's title and the company's name. `None` when the candidate is gone.
async fn recipient(
    conn: &mut Conn,
    interview: &Interview,
) -> StoreResult<Option<RevocationRecipient>> {
    #[derive(sqlx::FromRow)]
    struct Row {
        #[sqlx(flatten)]
        candidate: CandidateRow,
        job_title: Option<String>,
        company_name: Option<String>,
    }
    let row: Option<Row> = sqlx::query_as(concat!(
        "SELECT ",
        candidate_cols!(),
        ", (SELECT title FROM jobs WHERE id = $2 AND company_id = $3 AND deleted_at IS NULL) \
         AS job_title, (SELECT name FROM companies WHERE id = $3) AS company_name \
         FROM candidates WHERE id = $1 AND company_id = $3 AND deleted_at IS NULL"
    ))
    .bind(interview.candidate_id.uuid())
    .bind(interview.job_id.map(|j| j.uuid()))
    .bind(interview.company_id.uuid())
    .fetch_optional(&mut *conn)
    .await?;
    row.map(|row| {
        Ok(RevocationRecipient {
            interview: interview.id,
            candidate: row.candidate.into_candidate(Vec::new())?,
            job_title: row.job_title,
            company_name: row.company_name.unwrap_or_default(),
        })
    })
    .transpose()
}

/// One revoke: queued in the store's removal group, written with the others queued (sharing
/// a COMMIT on SQLite, by batched statements on PostgreSQL).
pub async fn revoke(
    store: &DbStore,
    req: &RevokeRequest,
    notice: Option<RenderNotice>,
) -> StoreResult<RevokeOutcome> {
    let job = Job::Revoke(req.clone(), notice);
    match store.removal_group().run(store, job).await? {
        Outcome::Revoked(outcome) => Ok(outcome),
        _ => Err(StoreError::Internal(
            "a revoke answered as another job".into(),
        )),
    }
}

/// One revoke's statements, in the caller's transaction; `true` when it wrote what must stay.
async fn revoke_in(
    tx: &mut Conn,
    store: &DbStore,
    req: &RevokeRequest,
    notice: Option<RenderNotice>,
) -> StoreResult<(RevokeOutcome, bool)> {
    // Decided on the state under the lock: a dispatcher cannot start it in between.
    let Some((interview, plan_changed)) =
        lock_by_number(&mut *tx, req.company, req.response_id).await?
    else {
        return Ok((RevokeOutcome::NotFound, false));
    };
    let outcome = RevokeOutcome::from(decide_revoke(&interview, plan_changed));
    if outcome != RevokeOutcome::Revoked {
        return Ok((outcome, false));
    }
    let mail = match notice.filter(|_| req.notify) {
        Some(render) => recipient(&mut *tx, &interview)
            .await?
            .and_then(|to| render(req.company, &to, req.now)),
        None => None,
    };
    let [revoked, canceled] = removal::revoke_events(req, &interview);
    let (target, counts) = removal::revoke_audit(&interview, mail.is_some());
    // The interview CANCELED, its scheduled attempts CANCELLED, the two events and the audit
    // record in one round trip (on PostgreSQL one statement; on SQLite the same in order). It
    // answers how many interviews changed: one, as the row is locked.
    let changed: Vec<i64> = sqlx::query_scalar(per_backend!(
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
    .bind(interview.id.uuid())
    .bind(InterviewStatus::Canceled.as_str())
    .bind(to_millis(req.now))
    .bind(revoked.id)
    .bind(canceled.id)
    .bind(req.company.uuid())
    .bind(revoked.event_type)
    .bind(canceled.event_type)
    .bind(to_json(&revoked.data))
    .bind(Uuid::now_v7())
    .bind(req.actor.map(|k| k.uuid()))
    .bind(to_json(&target))
    .bind(to_json(&counts))
    .fetch_all(&mut *tx)
    .await?;
    if changed != [1] {
        return Err(StoreError::Internal(
            "interview changed during revoke".into(),
        ));
    }
    store.faults.check(REVOKE_BEFORE_MAIL)?;
    if let Some(mail) = &mail {
        super::delivery::enqueue_mail(&mut *tx, mail).await?;
    }
    Ok((RevokeOutcome::Revoked, true))
}

/// An interview's row read for a revoke, with its company's latest plan change.
#[derive(sqlx::FromRow)]
pub(crate) struct WithPlanChange {
    #[sqlx(flatten)]
    pub(crate) interview: InterviewRow,
    pub(crate) plan_changed_at: Option<i64>,
}

/// The interview numbered `number` in `company`, locked as [`super::interviews::lock`] locks it (its attempts
/// first on PostgreSQL), found by its number without a read before the locks; with the
/// company's latest plan change, read by the statement that locks the row.
async fn lock_by_number(
    conn: &mut Conn,
    company: CompanyId,
    number: i64,
) -> StoreResult<Option<(Interview, Option<chrono::DateTime<chrono::Utc>>)>> {
    if super::ROW_LOCKS {
        sqlx::query(
            "SELECT id FROM call_attempts WHERE interview_id = \
             (SELECT id FROM interviews WHERE company_id = $1 AND number = $2) ORDER BY id FOR UPDATE",
        )
        .bind(company.uuid())
        .bind(number)
        .execute(&mut *conn)
        .await?;
    }
    let row: Option<WithPlanChange> = sqlx::query_as(concat!(
        "SELECT ",
        interview_cols!(),
        ", (SELECT plan_changed_at FROM companies WHERE id = $1) AS plan_changed_at \
         FROM interviews WHERE company_id = $1 AND number = $2",
        for_update!(of interviews)
    ))
    .bind(company.uuid())
    .bind(number)
    .fetch_optional(&mut *conn)
    .await?;
    row.map(|row| {
        Ok((
            row.interview.try_into()?,
            row.plan_changed_at.map(from_millis),
        ))
    })
    .transpose()
}
