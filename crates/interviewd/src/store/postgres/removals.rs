//! Deletes of one interview and Alpharun removals of a contact from a job opening, written
//! together ([`super::batch`]): a handful of statements for a batch whatever its size — the
//! contacts locked and their interviews on the openings found (only when the batch has an
//! Alpharun removal), the attempts locked, the rows locked, the removal, the unlinking,
//! forgetting and audit, the COMMIT — where one at a time takes as many each. Each statement
//! is the single path's (`sql::removal`) with `= ANY($1)` for `= $1`.

use super::PgStore;
use super::batch::{AuditRows, EventRows};
use super::sql::removal::{BEFORE_COMMIT, INTERVIEW_FAULT, Job, Outcome, Pending};
use crate::store::carrier::ERASE_CALL;
use crate::store::events::kinds;
use crate::store::idempotency::number_ref;
use crate::store::removal::{self, RemovalReport, RemovalRequest, RemovalScope};
use crate::store::rows::{AttemptRow, InterviewRow, attempt_cols, interview_cols, to_json};
use crate::store::{ContactKey, StoreError, StoreResult};
use interviewd_domain::model::{CallAttempt, Interview};
use interviewd_domain::removal::plan_deletion;
use interviewd_domain::time::to_millis;
use interviewd_domain::{CandidateId, CompanyId};
use std::collections::HashMap;
use uuid::Uuid;

/// One interview's deletion, decided under the locks.
struct Deletion {
    interview: Interview,
    event: crate::store::events::NewEvent,
}

/// The contacts on job openings of a batch's Alpharun removals, a column each.
#[derive(Default)]
struct OnJobs {
    companies: Vec<Uuid>,
    candidates: Vec<Uuid>,
    jobs: Vec<Uuid>,
}

/// Where a job of the batch finds its answer.
enum Slot {
    /// A removal: its report is the `n`th.
    Removal(usize),
    /// A removal from an opening whose key named no contact.
    NoContact,
    /// A removal from an opening, of this contact: its report is the `n`th.
    FromOpening(CandidateId, usize),
}

/// The removals of `batch` in one transaction; each one's outcome, in order. The queue rows
/// and `interview.deleted` events written take the first request's time: a batch's requests
/// arrive within milliseconds of each other.
pub(super) async fn write_together(
    store: &PgStore,
    batch: &[Pending],
) -> StoreResult<Vec<Outcome>> {
    // A generic plan for each statement, made once per connection: a statement over an array
    // of ids is otherwise planned again at every call (the server prefers custom plans for
    // it), and planning the removal statement cost as much as running it.
    let mut tx = store
        .pool
        .begin_with("BEGIN; SET LOCAL plan_cache_mode = force_generic_plan")
        .await?;
    let contacts = contacts(&mut tx, batch).await?;
    let mut requests = Vec::with_capacity(batch.len());
    let mut slots = Vec::with_capacity(batch.len());
    for (pending, contact) in batch.iter().zip(contacts) {
        let (req, slot) = match (&pending.job, contact) {
            (Job::Remove(req), _) => (req.clone(), Slot::Removal(requests.len())),
            (Job::RemoveFromOpening(_), None) => {
                slots.push(Slot::NoContact);
                continue;
            }
            (Job::RemoveFromOpening(req), Some(candidate)) => (
                req.of(candidate),
                Slot::FromOpening(candidate, requests.len()),
            ),
            (Job::Revoke(..), _) => {
                return Err(StoreError::Internal("a revoke among removals".into()));
            }
        };
        requests.push(req);
        slots.push(slot);
    }
    let mut ids = Vec::new();
    let mut on_jobs = OnJobs::default();
    for req in &requests {
        match req.scope {
            RemovalScope::Interview(id) => ids.push(id.uuid()),
            RemovalScope::CandidateOnJob { candidate, job } => {
                on_jobs.companies.push(req.company.uuid());
                on_jobs.candidates.push(candidate.uuid());
                on_jobs.jobs.push(job.uuid());
            }
            _ => return Err(StoreError::Internal("a wider removal in a batch".into())),
        }
    }
    if !on_jobs.candidates.is_empty() {
        ids.extend(on_the_jobs(&mut tx, &on_jobs).await?);
    }
    ids.sort_unstable();
    ids.dedup();
    let (mut interviews, mut attempts) = lock(&mut tx, &ids).await?;
    // Under the locks, each request in turn takes what is there of its company's (a second
    // request for the same interview finds it taken by the first, as it would after the
    // first's COMMIT; another company's interview stays for a request of its own).
    let mut reports = Vec::with_capacity(requests.len());
    let mut deletions: Vec<(usize, Deletion)> = Vec::new();
    for (n, req) in requests.iter().enumerate() {
        let mut report = RemovalReport::default();
        let mut mine: Vec<Uuid> = interviews
            .values()
            .filter(|i| i.company_id == req.company)
            .filter(|i| match req.scope {
                RemovalScope::Interview(id) => i.id == id,
                RemovalScope::CandidateOnJob { candidate, job } => {
                    i.candidate_id == candidate && i.job_id == Some(job)
                }
                _ => false,
            })
            .map(|i| i.id.uuid())
            .collect();
        mine.sort_unstable();
        for id in mine {
            let Some(interview) = interviews.remove(&id) else {
                continue;
            };
            store.faults.check_on(INTERVIEW_FAULT, interview.id)?;
            let attempts = attempts.remove(&id).unwrap_or_default();
            let plan = plan_deletion(&interview, &attempts);
            let event = removal::deleted_event(&interview, &plan, req.now);
            report.interviews.push(interview.id);
            report.cancelled_attempts += plan.cancelled_attempts;
            report.live_sessions += usize::from(plan.live);
            report.recordings += plan.recording_keys.len();
            deletions.push((n, Deletion { interview, event }));
        }
        reports.push(report);
    }
    if deletions.is_empty() {
        // Nothing to remove: nothing written, every request answered 404 by its caller.
        return Ok(answers(slots, reports));
    }
    let dropped = delete(&mut tx, &deletions, requests[0].now).await?;
    for (n, deletion) in &deletions {
        reports[*n].dropped_deliveries += dropped
            .get(&deletion.interview.id.uuid())
            .copied()
            .unwrap_or(0);
    }
    finish(&mut tx, &requests, &deletions, &mut reports).await?;
    store.faults.check(BEFORE_COMMIT)?;
    tx.commit().await?;
    Ok(answers(slots, reports))
}

/// Each job's outcome, in the batch's order.
fn answers(slots: Vec<Slot>, reports: Vec<RemovalReport>) -> Vec<Outcome> {
    let mut reports: Vec<Option<RemovalReport>> = reports.into_iter().map(Some).collect();
    let mut take = |n: usize| reports[n].take().unwrap_or_default();
    slots
        .into_iter()
        .map(|slot| match slot {
            Slot::Removal(n) => Outcome::Removed(take(n)),
            Slot::NoContact => Outcome::FromOpening(None),
            Slot::FromOpening(candidate, n) => Outcome::FromOpening(Some((candidate, take(n)))),
        })
        .collect()
}

/// The contacts the batch's removals from openings name, in one statement, each resolved as
/// `sql::candidates::find_id` resolves one: the company's live candidate with that id,
/// external id, e-mail address or phone number. `None` for the other jobs.
async fn contacts(
    tx: &mut sqlx::PgConnection,
    batch: &[Pending],
) -> StoreResult<Vec<Option<CandidateId>>> {
    /// The keys of one kind, a column each, with the job's place in the batch.
    #[derive(Default)]
    struct Keys<T> {
        companies: Vec<Uuid>,
        values: Vec<T>,
        at: Vec<i32>,
    }
    impl<T> Keys<T> {
        fn push(&mut self, company: CompanyId, value: T, at: usize) -> StoreResult<()> {
            self.companies.push(company.uuid());
            self.values.push(value);
            self.at
                .push(i32::try_from(at).map_err(|e| StoreError::Internal(e.to_string()))?);
            Ok(())
        }
    }
    let mut found = vec![None; batch.len()];
    let (mut ids, mut ext_ids) = (Keys::<Uuid>::default(), Keys::<&str>::default());
    let (mut emails, mut phones) = (Keys::<&str>::default(), Keys::<&str>::default());
    for (n, pending) in batch.iter().enumerate() {
        let Job::RemoveFromOpening(req) = &pending.job else {
            continue;
        };
        match &req.contact {
            ContactKey::Id(id) => ids.push(req.company, id.uuid(), n)?,
            ContactKey::ExtId(v) => ext_ids.push(req.company, v.as_str(), n)?,
            ContactKey::Email(v) => emails.push(req.company, v.as_str(), n)?,
            ContactKey::Phone(v) => phones.push(req.company, v.as_str(), n)?,
        }
    }
    if [
        ids.at.len(),
        ext_ids.at.len(),
        emails.at.len(),
        phones.at.len(),
    ] == [0; 4]
    {
        return Ok(found);
    }
    let rows: Vec<(i32, Uuid)> = sqlx::query_as(
        "SELECT k.n, c.id FROM unnest($1::uuid[], $2::uuid[], $3::int4[]) AS k (company_id, v, n) \
         JOIN candidates c ON c.id = k.v AND c.company_id = k.company_id AND c.deleted_at IS NULL \
         UNION ALL \
         SELECT k.n, c.id FROM unnest($4::uuid[], $5::text[], $6::int4[]) AS k (company_id, v, n) \
         JOIN candidates c ON c.company_id = k.company_id AND c.ext_id = k.v AND c.deleted_at IS NULL \
         UNION ALL \
         SELECT k.n, c.id FROM unnest($7::uuid[], $8::text[], $9::int4[]) AS k (company_id, v, n) \
         JOIN candidates c ON c.company_id = k.company_id AND c.email = k.v AND c.deleted_at IS NULL \
         UNION ALL \
         SELECT k.n, c.id FROM unnest($10::uuid[], $11::text[], $12::int4[]) AS k (company_id, v, n) \
         JOIN candidates c ON c.company_id = k.company_id AND c.phone = k.v AND c.deleted_at IS NULL",
    )
    .bind(&ids.companies)
    .bind(&ids.values)
    .bind(&ids.at)
    .bind(&ext_ids.companies)
    .bind(&ext_ids.values)
    .bind(&ext_ids.at)
    .bind(&emails.companies)
    .bind(&emails.values)
    .bind(&emails.at)
    .bind(&phones.companies)
    .bind(&phones.values)
    .bind(&phones.at)
    .fetch_all(&mut *tx)
    .await?;
    for (n, id) in rows {
        if let Some(slot) = usize::try_from(n).ok().and_then(|n| found.get_mut(n)) {
            slot.get_or_insert(CandidateId::from(id));
        }
    }
    Ok(found)
}

/// Locks the contacts of `on_jobs` (as `sql::removal::lock_anchor` locks one: no interview
/// or job link of theirs can be added meanwhile), then finds their interviews on the
/// openings (as `sql::removal::targets`), in a statement of its own so that it sees what
/// committed while the lock waited.
async fn on_the_jobs(tx: &mut sqlx::PgConnection, on_jobs: &OnJobs) -> StoreResult<Vec<Uuid>> {
    sqlx::query(
        "SELECT id FROM candidates WHERE (id, company_id) IN \
         (SELECT * FROM unnest($1::uuid[], $2::uuid[])) ORDER BY id FOR UPDATE",
    )
    .bind(&on_jobs.candidates)
    .bind(&on_jobs.companies)
    .execute(&mut *tx)
    .await?;
    Ok(sqlx::query_scalar(
        "SELECT i.id FROM interviews i JOIN unnest($1::uuid[], $2::uuid[], $3::uuid[]) \
         AS r (company_id, candidate_id, job_id) ON i.company_id = r.company_id \
         AND i.candidate_id = r.candidate_id AND i.job_id = r.job_id",
    )
    .bind(&on_jobs.companies)
    .bind(&on_jobs.candidates)
    .bind(&on_jobs.jobs)
    .fetch_all(&mut *tx)
    .await?)
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
    deletions: &[(usize, Deletion)],
    now: chrono::DateTime<chrono::Utc>,
) -> StoreResult<HashMap<Uuid, u64>> {
    let ids: Vec<Uuid> = deletions
        .iter()
        .map(|(_, d)| d.interview.id.uuid())
        .collect();
    let events: Vec<Uuid> = deletions.iter().map(|(_, d)| d.event.id).collect();
    let companies: Vec<Uuid> = deletions
        .iter()
        .map(|(_, d)| d.interview.company_id.uuid())
        .collect();
    let data: Vec<String> = deletions
        .iter()
        .map(|(_, d)| to_json(&d.event.data))
        .collect();
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

/// The end of `finish`'s statement, after `WITH`: the delivered webhook messages of the
/// interviews `$1` blanked (`$2` the `interview.deleted` kind), the stored responses that
/// mention the references `$4` (in scopes `$3`) forgotten, the audit records `$5`–`$11`.
macro_rules! forget_and_audit {
    () => {
        "blanked AS (UPDATE webhook_messages SET payload = '' \
         WHERE interview_id = ANY($1) AND event_type <> $2), \
         forgotten AS (DELETE FROM idempotency_keys WHERE (scope, idem_key) IN \
         (SELECT r.scope, r.idem_key FROM idempotency_refs r \
         JOIN unnest($3::text[], $4::text[]) AS f (scope, ref_id) \
         ON r.scope = f.scope AND r.ref_id = f.ref_id)) \
         INSERT INTO audit_log (id, company_id, key_id, action, target, counts, created_at) \
         SELECT * FROM unnest($5::uuid[], $6::uuid[], $7::uuid[], $8::text[], $9::text[], \
         $10::text[], $11::bigint[])"
    };
}

/// The single path's last statements for every removal at once (see
/// `sql::removal::remove_in` and `forget_and_audit`): each Alpharun removal that removed
/// something unlinks its contact from the opening and records `candidate.removed_from_job`;
/// the removed interviews' delivered webhook messages lose their payload, stored idempotent
/// responses that mention them go, and each removal that removed something gets its audit
/// record (its id set in its report).
async fn finish(
    tx: &mut sqlx::PgConnection,
    requests: &[RemovalRequest],
    deletions: &[(usize, Deletion)],
    reports: &mut [RemovalReport],
) -> StoreResult<()> {
    let mut numbers: Vec<Vec<i64>> = vec![Vec::new(); requests.len()];
    for (n, d) in deletions {
        numbers[*n].push(d.interview.number);
    }
    let mut scopes = Vec::new();
    let mut refs = Vec::new();
    let mut audit = AuditRows::default();
    let mut unlinked = OnJobs::default();
    let mut announced = EventRows::default();
    for ((req, report), numbers) in requests.iter().zip(reports.iter_mut()).zip(numbers) {
        if report.interviews.is_empty() {
            continue;
        }
        if let RemovalScope::CandidateOnJob { candidate, job } = req.scope {
            unlinked.candidates.push(candidate.uuid());
            unlinked.jobs.push(job.uuid());
            announced.push(&removal::removed_from_job_event(
                req, candidate, job, report,
            ));
        }
        let scope = format!("company:{}", req.company);
        for reference in numbers
            .into_iter()
            .map(|number| number_ref("response_id", number))
            .chain(removal::forgotten_ids(req, report))
        {
            scopes.push(scope.clone());
            refs.push(reference);
        }
        let record = removal::removal_audit(req, report);
        report.audit_id = Some(audit.push(req.company, req.actor, req.action, record, req.now));
    }
    let deleted: Vec<Uuid> = deletions
        .iter()
        .map(|(_, d)| d.interview.id.uuid())
        .collect();
    // The unlinking and its events only when there is some: a statement pays for every
    // table it names, rows or not.
    let sql = match unlinked.candidates.is_empty() {
        true => concat!("WITH ", forget_and_audit!()),
        false => concat!(
            "WITH unlinked AS (DELETE FROM candidate_jobs WHERE (candidate_id, job_id) IN \
             (SELECT * FROM unnest($12::uuid[], $13::uuid[]))), \
             announced AS (INSERT INTO events (id, company_id, interview_id, event_type, data, \
             created_at) SELECT * FROM unnest($14::uuid[], $15::uuid[], $16::uuid[], $17::text[], \
             $18::text[], $19::bigint[])), ",
            forget_and_audit!()
        ),
    };
    let mut query = sqlx::query(sql)
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
        .bind(&audit.times);
    if !unlinked.candidates.is_empty() {
        let e = &announced;
        query = query
            .bind(&unlinked.candidates)
            .bind(&unlinked.jobs)
            .bind(&e.ids)
            .bind(&e.companies)
            .bind(&e.interviews)
            .bind(&e.kinds)
            .bind(&e.data)
            .bind(&e.times);
    }
    query.execute(&mut *tx).await?;
    Ok(())
}
