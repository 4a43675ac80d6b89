//! Xobin revokes written together ([`super::batch`]): six statements for a batch whatever its
//! size — the attempts locked, the rows locked, the notices' content read, one statement for
//! every write (the interviews CANCELED, their scheduled attempts CANCELLED, the events, the
//! audit records, the notices), the COMMIT — where one at a time takes as many each. Each is
//! the single path's (`sql::removal::revoke_in`) over arrays, and each revoke is still decided
//! by the domain under the locks, in the order the requests queued: a second revoke of the
//! same interview finds it revoked, as it would after the first's COMMIT.

use super::PgStore;
use super::batch::{AuditRows, EventRows};
use super::sql::removal::{
    Job, Outcome, Pending, REVOKE_BEFORE_COMMIT, REVOKE_BEFORE_MAIL, WithPlanChange,
};
use crate::store::delivery::NewMail;
use crate::store::removal::{self, RevocationRecipient, RevokeOutcome, RevokeRequest};
use crate::store::rows::{CandidateRow, candidate_cols, interview_cols};
use crate::store::{StoreError, StoreResult};
use interviewd_domain::model::Interview;
use interviewd_domain::removal::decide_revoke;
use interviewd_domain::time::{from_millis, to_millis};
use interviewd_domain::{InterviewId, InterviewStatus};
use std::collections::HashMap;
use uuid::Uuid;

/// An interview as its revoke found it under the lock, with its company's latest plan change.
type Found = (Interview, Option<chrono::DateTime<chrono::Utc>>);

/// The revokes of `batch` in one transaction; each one's outcome, in order.
pub(super) async fn write_together(
    store: &PgStore,
    batch: &[Pending],
) -> StoreResult<Vec<Outcome>> {
    let mut requests = Vec::with_capacity(batch.len());
    for pending in batch {
        match &pending.job {
            Job::Revoke(req, notice) => requests.push((req, *notice)),
            Job::Remove(_) | Job::RemoveFromOpening(_) => {
                return Err(StoreError::Internal("a removal among revokes".into()));
            }
        }
    }
    let companies: Vec<Uuid> = requests.iter().map(|(r, _)| r.company.uuid()).collect();
    let numbers: Vec<i64> = requests.iter().map(|(r, _)| r.response_id).collect();

    // Generic plans, as for the deletes (`super::removals`).
    let mut tx = store
        .pool
        .begin_with("BEGIN; SET LOCAL plan_cache_mode = force_generic_plan")
        .await?;
    let mut found = lock(&mut tx, &companies, &numbers).await?;
    // Under the locks, each request in turn, on the interview as the requests before it in
    // the batch left it.
    let mut outcomes = Vec::with_capacity(requests.len());
    let mut revoked: Vec<(&RevokeRequest, Option<removal::RenderNotice>, Interview)> = Vec::new();
    for (req, notice) in &requests {
        let outcome = match found.get_mut(&(req.company.uuid(), req.response_id)) {
            None => RevokeOutcome::NotFound,
            Some((interview, plan_changed)) => {
                let outcome = RevokeOutcome::from(decide_revoke(interview, *plan_changed));
                if outcome == RevokeOutcome::Revoked {
                    revoked.push((req, notice.filter(|_| req.notify), interview.clone()));
                    interview.invite.revoked_at = Some(req.now);
                    interview.status = InterviewStatus::Canceled;
                }
                outcome
            }
        };
        outcomes.push(Outcome::Revoked(outcome));
    }
    if revoked.is_empty() {
        // Nothing to revoke: nothing written.
        return Ok(outcomes);
    }
    let wanted: Vec<&Interview> = revoked
        .iter()
        .filter(|(_, notice, _)| notice.is_some())
        .map(|(_, _, interview)| interview)
        .collect();
    let recipients = recipients(&mut tx, &wanted).await?;
    let mut writes = Writes::default();
    for (req, notice, interview) in &revoked {
        let mail = notice.and_then(|render| {
            let to = recipients.get(&interview.id)?;
            render(req.company, to, req.now)
        });
        writes.push(req, interview, mail);
    }
    write(&mut tx, &writes).await?;
    store.faults.check(REVOKE_BEFORE_MAIL)?;
    store.faults.check(REVOKE_BEFORE_COMMIT)?;
    tx.commit().await?;
    Ok(outcomes)
}

/// Locks the interviews numbered `numbers` in `companies` (pairwise) and their attempts,
/// attempts first, each in id order; returns them, by company and number, as they are under
/// the locks, with each company's latest plan change.
async fn lock(
    tx: &mut sqlx::PgConnection,
    companies: &[Uuid],
    numbers: &[i64],
) -> StoreResult<HashMap<(Uuid, i64), Found>> {
    sqlx::query(
        "SELECT a.id FROM call_attempts a WHERE a.interview_id IN \
         (SELECT i.id FROM interviews i JOIN unnest($1::uuid[], $2::bigint[]) AS r (company_id, number) \
         ON i.company_id = r.company_id AND i.number = r.number) ORDER BY a.id FOR UPDATE OF a",
    )
    .bind(companies)
    .bind(numbers)
    .execute(&mut *tx)
    .await?;
    let rows: Vec<WithPlanChange> = sqlx::query_as(concat!(
        "SELECT ",
        interview_cols!(),
        ", (SELECT plan_changed_at FROM companies c WHERE c.id = i.company_id) AS plan_changed_at \
         FROM interviews i WHERE (company_id, number) IN \
         (SELECT * FROM unnest($1::uuid[], $2::bigint[])) ORDER BY id FOR UPDATE OF i"
    ))
    .bind(companies)
    .bind(numbers)
    .fetch_all(&mut *tx)
    .await?;
    rows.into_iter()
        .map(|row| {
            let interview = Interview::try_from(row.interview)?;
            let key = (interview.company_id.uuid(), interview.number);
            Ok((key, (interview, row.plan_changed_at.map(from_millis))))
        })
        .collect()
}

/// What the notices of `interviews`' revokes name, read under the locks, by interview (as
/// `sql::removal::recipient` reads one): each one's live candidate, its job's title and its
/// company's name. An interview whose candidate is gone is missing.
async fn recipients(
    tx: &mut sqlx::PgConnection,
    interviews: &[&Interview],
) -> StoreResult<HashMap<InterviewId, RevocationRecipient>> {
    if interviews.is_empty() {
        return Ok(HashMap::new());
    }
    #[derive(sqlx::FromRow)]
    struct Row {
        #[sqlx(flatten)]
        candidate: CandidateRow,
        r_interview: Uuid,
        job_title: Option<String>,
        company_name: Option<String>,
    }
    let column = |f: fn(&Interview) -> Option<Uuid>| -> Vec<Option<Uuid>> {
        interviews.iter().map(|i| f(i)).collect()
    };
    let rows: Vec<Row> = sqlx::query_as(concat!(
        "SELECT ",
        candidate_cols!(),
        ", r.r_interview, (SELECT title FROM jobs j WHERE j.id = r.r_job \
         AND j.company_id = r.r_company AND j.deleted_at IS NULL) AS job_title, \
         (SELECT name FROM companies co WHERE co.id = r.r_company) AS company_name \
         FROM unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::uuid[]) \
         AS r (r_interview, r_candidate, r_job, r_company) \
         JOIN candidates ON candidates.id = r.r_candidate \
         AND candidates.company_id = r.r_company AND candidates.deleted_at IS NULL"
    ))
    .bind(column(|i| Some(i.id.uuid())))
    .bind(column(|i| Some(i.candidate_id.uuid())))
    .bind(column(|i| i.job_id.map(|j| j.uuid())))
    .bind(column(|i| Some(i.company_id.uuid())))
    .fetch_all(&mut *tx)
    .await?;
    rows.into_iter()
        .map(|row| {
            let interview = InterviewId::from(row.r_interview);
            let recipient = RevocationRecipient {
                interview,
                candidate: row.candidate.into_candidate(Vec::new())?,
                job_title: row.job_title,
                company_name: row.company_name.unwrap_or_default(),
            };
            Ok((interview, recipient))
        })
        .collect()
}

/// Every write of a batch's revokes, a column each.
#[derive(Default)]
struct Writes {
    interviews: Vec<Uuid>,
    times: Vec<i64>,
    events: EventRows,
    audit: AuditRows,
    mails: MailRows,
}

impl Writes {
    /// The writes of `req`, which revokes `interview` (as it was before), with `mail` its
    /// notice.
    fn push(&mut self, req: &RevokeRequest, interview: &Interview, mail: Option<NewMail>) {
        self.interviews.push(interview.id.uuid());
        self.times.push(to_millis(req.now));
        for event in removal::revoke_events(req, interview) {
            self.events.push(&event);
        }
        let record = removal::revoke_audit(interview, mail.is_some());
        self.audit
            .push(req.company, req.actor, "invite.revoke", record, req.now);
        if let Some(mail) = mail {
            self.mails.push(mail, interview);
        }
    }
}

/// The notices of a batch, a column each.
#[derive(Default)]
struct MailRows {
    ids: Vec<Uuid>,
    companies: Vec<Option<Uuid>>,
    interviews: Vec<Option<Uuid>>,
    kinds: Vec<&'static str>,
    to: Vec<String>,
    subjects: Vec<String>,
    bodies: Vec<String>,
    times: Vec<i64>,
    candidates: Vec<Uuid>,
}

impl MailRows {
    fn push(&mut self, mail: NewMail, interview: &Interview) {
        self.ids.push(mail.id);
        self.companies.push(mail.company_id.map(|c| c.uuid()));
        self.interviews.push(mail.interview_id.map(|i| i.uuid()));
        self.kinds.push(mail.kind.as_str());
        self.to.push(mail.to);
        self.subjects.push(mail.subject);
        self.bodies.push(mail.body);
        self.times.push(to_millis(mail.created_at));
        self.candidates.push(interview.candidate_id.uuid());
    }
}

/// The single path's write statement (`sql::removal::revoke_in`) for every revoke at once,
/// with each one's notice (`sql::delivery::enqueue_mail`) in it; fails unless every
/// interview changed (they are locked, so each does).
async fn write(tx: &mut sqlx::PgConnection, w: &Writes) -> StoreResult<()> {
    let (e, a, m) = (&w.events, &w.audit, &w.mails);
    let changed: i64 = sqlx::query_scalar(
        "WITH r AS (SELECT * FROM unnest($1::uuid[], $2::bigint[]) AS r (id, at)), \
         changed AS (UPDATE interviews i SET status = $3, invite_revoked_at = r.at, \
         finished_at = r.at, updated_at = r.at FROM r WHERE i.id = r.id \
         AND i.status = 'SCHEDULED' AND i.invite_revoked_at IS NULL RETURNING i.id), \
         cancelled AS (UPDATE call_attempts a SET status = 'CANCELLED', reason_code = 'REVOKED', \
         updated_at = r.at FROM r WHERE a.interview_id = r.id AND a.status = 'SCHEDULED'), \
         recorded AS (INSERT INTO events (id, company_id, interview_id, event_type, data, created_at) \
         SELECT * FROM unnest($4::uuid[], $5::uuid[], $6::uuid[], $7::text[], $8::text[], $9::bigint[])), \
         audited AS (INSERT INTO audit_log (id, company_id, key_id, action, target, counts, created_at) \
         SELECT * FROM unnest($10::uuid[], $11::uuid[], $12::uuid[], $13::text[], $14::text[], \
         $15::text[], $16::bigint[])), \
         mailed AS (INSERT INTO mail_queue (id, company_id, interview_id, kind, to_addr, subject, body, \
         status, attempts, next_attempt_at, created_at, updated_at, candidate_id) \
         SELECT m.id, m.company_id, m.interview_id, m.kind, m.to_addr, m.subject, m.body, \
         'PENDING', 0, m.at, m.at, m.at, m.candidate_id \
         FROM unnest($17::uuid[], $18::uuid[], $19::uuid[], $20::text[], $21::text[], $22::text[], \
         $23::text[], $24::bigint[], $25::uuid[]) \
         AS m (id, company_id, interview_id, kind, to_addr, subject, body, at, candidate_id)) \
         SELECT count(*) FROM changed",
    )
    .bind(&w.interviews)
    .bind(&w.times)
    .bind(InterviewStatus::Canceled.as_str())
    .bind(&e.ids)
    .bind(&e.companies)
    .bind(&e.interviews)
    .bind(&e.kinds)
    .bind(&e.data)
    .bind(&e.times)
    .bind(&a.ids)
    .bind(&a.companies)
    .bind(&a.keys)
    .bind(&a.actions)
    .bind(&a.targets)
    .bind(&a.counts)
    .bind(&a.times)
    .bind(&m.ids)
    .bind(&m.companies)
    .bind(&m.interviews)
    .bind(&m.kinds)
    .bind(&m.to)
    .bind(&m.subjects)
    .bind(&m.bodies)
    .bind(&m.times)
    .bind(&m.candidates)
    .fetch_one(&mut *tx)
    .await?;
    if usize::try_from(changed).ok() != Some(w.interviews.len()) {
        return Err(StoreError::Internal(
            "an interview changed during its revoke".into(),
        ));
    }
    Ok(())
}
