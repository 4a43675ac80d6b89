//! Removals written a batch at a time on PostgreSQL: deletes of one interview and Alpharun
//! removals of a contact from a job opening ([`super::removals`]), and Xobin revokes
//! ([`super::revokes`]).
//!
//! Concurrent requests queue in the store's [`RemovalGroup`]; the removals of a batch are
//! written together, then its revokes, each set by a handful of statements whatever its size,
//! where one at a time takes as many each. What this saves is each statement's fixed cost on
//! the server (starting the executor, opening and locking the tables and indexes it touches),
//! which is most of a removal's cost there (BENCHMARKS.md, "Batched deletes on PostgreSQL").
//!
//! Each batched statement is the single path's ([`sql::removal`]) over arrays; the decisions
//! are still the domain's, request by request, under the locks. Locks are taken as every
//! transaction takes them — attempts before rows — each set in id order. Batches are written
//! one at a time; against a removal that locks interview by interview (a candidate's
//! erasure) a batch can deadlock, and the server then aborts one of the two: a failed batch
//! runs again as below, the other removal runs again by itself.
//!
//! When anything fails — a statement, an injected fault, the COMMIT — nothing of the batch
//! stays, and the single path writes it again, so that only a failing request is answered
//! with its error. Each request is answered only after the COMMIT that holds it.

use super::PgStore;
use super::sql;
use super::sql::removal::{Job, Outcome, Pending, RemovalGroup};
use crate::store::StoreResult;
use crate::store::removal::Takes;
use uuid::Uuid;

/// The group of a PostgreSQL store: deletes of one interview, Alpharun removals and revokes,
/// a batch at a time. One batch at a time makes the batches larger; two at once were slower
/// at 16 clients (BENCHMARKS.md).
pub(super) fn group() -> RemovalGroup {
    RemovalGroup::new(Takes::Narrow, |store, batch| {
        Box::pin(write_batch(store, batch))
    })
}

/// Writes the removals of `batch` together, then its revokes.
async fn write_batch(store: PgStore, batch: Vec<Pending>) {
    let (removals, revokes): (Vec<_>, Vec<_>) = batch
        .into_iter()
        .partition(|pending| !matches!(pending.job, Job::Revoke(..)));
    if !removals.is_empty() {
        let written = match removals.len() {
            1 => None,
            _ => Some(super::removals::write_together(&store, &removals).await),
        };
        settle(&store, removals, written).await;
    }
    if !revokes.is_empty() {
        let written = match revokes.len() {
            1 => None,
            _ => Some(super::revokes::write_together(&store, &revokes).await),
        };
        settle(&store, revokes, written).await;
    }
}

/// Answers each of `batch` with what the batched statements `written`; when they failed, or
/// were not run (`None`: a batch of one, whose single-path statements are as many and
/// cheaper), the single path writes it ([`sql::removal::write_batch`]: the jobs in one
/// transaction, each in a savepoint when one of them fails, so that only a failing one is
/// answered with its error).
async fn settle(store: &PgStore, batch: Vec<Pending>, written: Option<StoreResult<Vec<Outcome>>>) {
    match written {
        Some(Ok(outcomes)) => {
            for (pending, outcome) in batch.into_iter().zip(outcomes) {
                let _ = pending.answer.send(Ok(outcome));
            }
        }
        Some(Err(error)) => {
            tracing::debug!(%error, jobs = batch.len(), "a batch goes the single path");
            sql::removal::write_batch(store.clone(), batch).await;
        }
        None => sql::removal::write_batch(store.clone(), batch).await,
    }
}

/// The audit records of a batch, a column each, for one `INSERT … SELECT * FROM unnest(…)`.
#[derive(Default)]
pub(super) struct AuditRows {
    pub ids: Vec<Uuid>,
    pub companies: Vec<Uuid>,
    pub keys: Vec<Option<Uuid>>,
    pub actions: Vec<String>,
    pub targets: Vec<String>,
    pub counts: Vec<String>,
    pub times: Vec<i64>,
}

impl AuditRows {
    /// One record of `company`'s `actor` doing `action`; its id.
    pub fn push(
        &mut self,
        company: interviewd_domain::CompanyId,
        actor: Option<interviewd_domain::KeyId>,
        action: &str,
        (target, counts): (serde_json::Value, serde_json::Value),
        at: chrono::DateTime<chrono::Utc>,
    ) -> Uuid {
        let id = Uuid::now_v7();
        self.ids.push(id);
        self.companies.push(company.uuid());
        self.keys.push(actor.map(|k| k.uuid()));
        self.actions.push(action.to_owned());
        self.targets.push(crate::store::rows::to_json(&target));
        self.counts.push(crate::store::rows::to_json(&counts));
        self.times.push(interviewd_domain::time::to_millis(at));
        id
    }
}

/// The events of a batch, a column each.
#[derive(Default)]
pub(super) struct EventRows {
    pub ids: Vec<Uuid>,
    pub companies: Vec<Uuid>,
    pub interviews: Vec<Option<Uuid>>,
    pub kinds: Vec<&'static str>,
    pub data: Vec<String>,
    pub times: Vec<i64>,
}

impl EventRows {
    pub fn push(&mut self, event: &crate::store::events::NewEvent) {
        self.ids.push(event.id);
        self.companies.push(event.company_id.uuid());
        self.interviews.push(event.interview_id.map(|i| i.uuid()));
        self.kinds.push(event.event_type);
        self.data.push(crate::store::rows::to_json(&event.data));
        self.times
            .push(interviewd_domain::time::to_millis(event.created_at));
    }
}
