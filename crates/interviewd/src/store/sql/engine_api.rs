//! The engine's API-facing reads and writes: slot usage, invoking and rescheduling call
//! attempts, and the results of an interview. Every statement is scoped by company; the
//! writes lock what they decide on.

use super::engine_snapshot::interview_transcript;
use super::{DbStore, interviews};
use crate::store::detach;
use crate::store::engine::{
    AttemptDeletion, Concurrency, InterviewResults, InvokeResult, RescheduleResult, StoredAnalysis,
};
use crate::store::{StoreError, StoreResult};
use chrono::{DateTime, Utc};
use interviewd_domain::model::CallAttempt;
use interviewd_domain::page::PageRequest;
use interviewd_domain::time::{from_millis, to_millis};
use interviewd_domain::views::Page;
use interviewd_domain::{
    AttemptId, AttemptStatus, CandidateId, CompanyId, InterviewId, InterviewStatus, KeyId,
};
use interviewd_voice::analysis::{Analysis, AnalysisMethod};
use uuid::Uuid;

fn count(n: i64) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

pub async fn concurrency(
    store: &DbStore,
    company: CompanyId,
    now: DateTime<Utc>,
) -> StoreResult<Concurrency> {
    let row: Option<(i64, i64, i64)> = sqlx::query_as(
        "SELECT c.concurrency_limit, \
           (SELECT COUNT(*) FROM company_slots s WHERE s.company_id = c.id \
             AND s.holder_attempt_id IS NOT NULL), \
           (SELECT COUNT(*) FROM call_attempts a WHERE a.company_id = c.id \
             AND a.status = 'SCHEDULED' AND a.scheduled_at <= $2) \
         FROM companies c WHERE c.id = $1",
    )
    .bind(company.uuid())
    .bind(to_millis(now))
    .fetch_optional(store.pool())
    .await?;
    let (limit, in_use, queued) = row.unwrap_or_default();
    Ok(Concurrency {
        limit: count(limit),
        in_use: count(in_use),
        queued: count(queued),
    })
}

pub async fn invoke(
    store: &DbStore,
    company: CompanyId,
    attempt: &CallAttempt,
) -> StoreResult<InvokeResult> {
    let now = to_millis(attempt.created_at);
    let interview = attempt.interview_id.uuid();
    let mut tx = store.write_tx().await?;
    let owned: Option<i64> =
        sqlx::query_scalar("SELECT number FROM interviews WHERE id = $1 AND company_id = $2")
            .bind(interview)
            .bind(company.uuid())
            .fetch_optional(&mut *tx)
            .await?;
    if owned.is_none() {
        return Ok(InvokeResult::Missing);
    }
    // Under the lock a dispatcher cannot start one of its calls between the check for a live
    // call and the write (it skips locked attempts; one it holds is waited for).
    let Some(locked) = interviews::lock(&mut tx, interview).await? else {
        return Ok(InvokeResult::Missing);
    };
    let status = locked.status.as_str();
    let live: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM call_attempts WHERE interview_id = $1 AND status = 'IN_PROGRESS'",
    )
    .bind(interview)
    .fetch_one(&mut *tx)
    .await?;
    if live > 0 {
        return Ok(InvokeResult::InProgress);
    }
    if !matches!(status, "SCHEDULED" | "FAILED") {
        return Ok(InvokeResult::NotAllowed);
    }
    let replaced = sqlx::query(
        "UPDATE call_attempts SET status = 'CANCELLED', reason_code = 'REPLACED', ended_at = $1, \
         updated_at = $1 WHERE interview_id = $2 AND status = 'SCHEDULED'",
    )
    .bind(now)
    .bind(interview)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    interviews::insert_attempt(&mut tx, attempt).await?;
    sqlx::query(
        "UPDATE interviews SET status = 'SCHEDULED', finished_at = NULL, updated_at = $1 WHERE id = $2",
    )
    .bind(now)
    .bind(interview)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(InvokeResult::Scheduled { replaced })
}

pub async fn reschedule(
    store: &DbStore,
    company: CompanyId,
    interview: InterviewId,
    attempt: AttemptId,
    at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> StoreResult<RescheduleResult> {
    let mut tx = store.write_tx().await?;
    let status: Option<String> = sqlx::query_scalar(concat!(
        "SELECT status FROM call_attempts WHERE id = $1 AND interview_id = $2 AND company_id = $3",
        for_update!()
    ))
    .bind(attempt.uuid())
    .bind(interview.uuid())
    .bind(company.uuid())
    .fetch_optional(&mut *tx)
    .await?;
    let Some(status) = status else {
        return Ok(RescheduleResult::Missing);
    };
    let status: AttemptStatus = status.parse().map_err(StoreError::Internal)?;
    if status != AttemptStatus::Scheduled {
        return Ok(RescheduleResult::NotScheduled(status));
    }
    sqlx::query(
        "UPDATE call_attempts SET scheduled_at = $1, updated_at = $2 WHERE id = $3 AND status = 'SCHEDULED'",
    )
    .bind(to_millis(at))
    .bind(to_millis(now))
    .bind(attempt.uuid())
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(RescheduleResult::Done)
}

/// Deletes one attempt (see `EngineStore::delete_attempt`). The interview and its attempts are
/// locked first, as everywhere, so a dispatcher cannot start the call meanwhile.
pub async fn delete_attempt(
    store: &DbStore,
    company: CompanyId,
    interview: InterviewId,
    attempt: AttemptId,
    actor: Option<KeyId>,
    now: DateTime<Utc>,
) -> StoreResult<AttemptDeletion> {
    let mut tx = store.write_tx().await?;
    let owned: Option<i64> =
        sqlx::query_scalar("SELECT number FROM interviews WHERE id = $1 AND company_id = $2")
            .bind(interview.uuid())
            .bind(company.uuid())
            .fetch_optional(&mut *tx)
            .await?;
    if owned.is_none() {
        return Ok(AttemptDeletion::Missing);
    }
    let Some(locked) = interviews::lock(&mut tx, interview.uuid()).await? else {
        return Ok(AttemptDeletion::Missing);
    };
    let row: Option<(String, String, Option<String>)> = sqlx::query_as(
        "SELECT status, direction, recording_key FROM call_attempts WHERE id = $1 AND interview_id = $2",
    )
    .bind(attempt.uuid())
    .bind(interview.uuid())
    .fetch_optional(&mut *tx)
    .await?;
    let Some((status, direction, recording)) = row else {
        return Ok(AttemptDeletion::Missing);
    };
    let status: AttemptStatus = status.parse().map_err(StoreError::Internal)?;
    if status == AttemptStatus::InProgress {
        return Ok(AttemptDeletion::InProgress);
    }
    if let Some(key) = &recording {
        super::enqueue_blob_deletion(&mut tx, key, now).await?;
    }
    if direction != "WEB" {
        super::super::carrier::enqueue_attempt_erasures(&mut tx, attempt, now).await?;
    }
    // The COMPLETED attempt's conversation is the interview's transcript, and its post-call
    // job (reading those turns) still writes the interview's analysis: both stay. Another
    // attempt's partial conversation, and any job of it, go with it.
    let owned_by_attempt: &[&'static str] = if status == AttemptStatus::Completed {
        &[]
    } else {
        &[
            "DELETE FROM transcript_turns WHERE attempt_id = $1",
            "DELETE FROM pipeline_jobs WHERE attempt_id = $1",
        ]
    };
    // The carrier's call row cascades.
    for statement in owned_by_attempt
        .iter()
        .chain(&["DELETE FROM call_attempts WHERE id = $1"])
    {
        sqlx::query(*statement)
            .bind(attempt.uuid())
            .execute(&mut *tx)
            .await?;
    }
    let pending: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM call_attempts WHERE interview_id = $1 AND status IN ('SCHEDULED', 'IN_PROGRESS')",
    )
    .bind(interview.uuid())
    .fetch_one(&mut *tx)
    .await?;
    let canceled = locked.status == InterviewStatus::Scheduled && pending == 0;
    if canceled {
        super::super::detach::cancel(&mut tx, &locked, detach::ATTEMPT_DELETED, now).await?;
    }
    let recordings = usize::from(recording.is_some());
    let entry = super::super::audit::Entry {
        company,
        actor,
        action: "call_attempt.delete",
        target: serde_json::json!({
            "interviewId": interview,
            "attemptId": attempt,
            "status": status,
        }),
        counts: serde_json::json!({
            "recordings": recordings,
            "interviewCanceled": canceled,
        }),
        at: now,
    };
    super::super::audit::insert(&mut tx, entry).await?;
    tx.commit().await?;
    Ok(AttemptDeletion::Deleted { canceled })
}

#[derive(sqlx::FromRow)]
struct AnalysisRow {
    interview_id: Uuid,
    id: Uuid,
    attempt_id: Uuid,
    score: i64,
    summary: String,
    strengths: String,
    weaknesses: String,
    criteria: String,
    created_at: i64,
    method: String,
    model: Option<String>,
    usage: String,
    education: Option<String>,
    experience: Option<String>,
}

fn stored(r: AnalysisRow) -> StoreResult<StoredAnalysis> {
    Ok(StoredAnalysis {
        id: r.id,
        attempt_id: r.attempt_id.into(),
        analysis: Analysis {
            score: u8::try_from(r.score).unwrap_or(1),
            summary: r.summary,
            strengths: json(&r.strengths, "analyses.strengths")?,
            weaknesses: json(&r.weaknesses, "analyses.weaknesses")?,
            criteria: json(&r.criteria, "analyses.criteria")?,
            education: r.education,
            experience: r.experience,
            method: if r.method == AnalysisMethod::Llm.as_str() {
                AnalysisMethod::Llm
            } else {
                AnalysisMethod::Builtin
            },
            model: r.model,
            usage: json(&r.usage, "analyses.usage")?,
        },
        created_at: from_millis(r.created_at),
    })
}

/// The analyses of those of `interviews` that are the company's and have one.
pub async fn analyses_of(
    store: &DbStore,
    company: CompanyId,
    interviews: &[InterviewId],
) -> StoreResult<Vec<(InterviewId, StoredAnalysis)>> {
    if interviews.is_empty() {
        return Ok(Vec::new());
    }
    let mut q = sqlx::QueryBuilder::<super::super::Db>::new(
        "SELECT interview_id, id, attempt_id, score, summary, strengths, weaknesses, criteria, \
         created_at, method, model, usage, education, experience FROM analyses WHERE company_id = ",
    );
    q.push_bind(company.uuid()).push(" AND interview_id IN (");
    let mut ids = q.separated(", ");
    for id in interviews {
        ids.push_bind(id.uuid());
    }
    q.push(")");
    let rows: Vec<AnalysisRow> = q.build_query_as().fetch_all(store.pool()).await?;
    rows.into_iter()
        .map(|r| Ok((r.interview_id.into(), stored(r)?)))
        .collect()
}

/// A page of the analyses of the company's candidate, newest first.
pub async fn candidate_analyses(
    store: &DbStore,
    company: CompanyId,
    candidate: CandidateId,
    page: PageRequest,
) -> StoreResult<Page<(InterviewId, StoredAnalysis)>> {
    let total: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM analyses a JOIN interviews i ON i.id = a.interview_id \
         WHERE a.company_id = $1 AND i.candidate_id = $2",
    )
    .bind(company.uuid())
    .bind(candidate.uuid())
    .fetch_one(store.pool())
    .await?;
    let rows: Vec<AnalysisRow> = sqlx::query_as(
        "SELECT a.interview_id, a.id, a.attempt_id, a.score, a.summary, a.strengths, \
         a.weaknesses, a.criteria, a.created_at, a.method, a.model, a.usage, a.education, \
         a.experience FROM analyses a JOIN interviews i ON i.id = a.interview_id \
         WHERE a.company_id = $1 AND i.candidate_id = $2 \
         ORDER BY a.created_at DESC, a.id DESC LIMIT $3 OFFSET $4",
    )
    .bind(company.uuid())
    .bind(candidate.uuid())
    .bind(i64::from(page.limit))
    .bind(page.offset())
    .fetch_all(store.pool())
    .await?;
    let items = rows
        .into_iter()
        .map(|r| Ok((r.interview_id.into(), stored(r)?)))
        .collect::<StoreResult<_>>()?;
    Ok(Page { items, total })
}

fn json<T: serde::de::DeserializeOwned>(text: &str, column: &str) -> StoreResult<T> {
    serde_json::from_str(text)
        .map_err(|e| StoreError::Internal(format!("bad JSON in {column}: {e}")))
}

pub async fn results(
    store: &DbStore,
    company: CompanyId,
    interview: InterviewId,
) -> StoreResult<InterviewResults> {
    let mut conn = store.pool().acquire().await?;
    let owned: Option<i64> =
        sqlx::query_scalar("SELECT number FROM interviews WHERE id = $1 AND company_id = $2")
            .bind(interview.uuid())
            .bind(company.uuid())
            .fetch_optional(&mut *conn)
            .await?;
    if owned.is_none() {
        return Ok(InterviewResults::default());
    }
    let row: Option<AnalysisRow> = sqlx::query_as(
        "SELECT interview_id, id, attempt_id, score, summary, strengths, weaknesses, criteria, \
         created_at, method, model, usage, education, experience FROM analyses \
         WHERE interview_id = $1",
    )
    .bind(interview.uuid())
    .fetch_optional(&mut *conn)
    .await?;
    let analysis = row.map(stored).transpose()?;
    Ok(InterviewResults {
        transcript: interview_transcript(&mut conn, interview).await?,
        analysis,
    })
}

pub async fn recording_key(
    store: &DbStore,
    company: CompanyId,
    interview: InterviewId,
    attempt: AttemptId,
) -> StoreResult<Option<String>> {
    let key: Option<Option<String>> = sqlx::query_scalar(
        "SELECT a.recording_key FROM call_attempts a JOIN interviews i ON i.id = a.interview_id \
         WHERE a.id = $1 AND a.interview_id = $2 AND i.company_id = $3",
    )
    .bind(attempt.uuid())
    .bind(interview.uuid())
    .bind(company.uuid())
    .fetch_optional(store.pool())
    .await?;
    Ok(key.flatten())
}
