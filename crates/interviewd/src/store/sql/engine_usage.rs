//! Language-model calls recorded per interview (`model_calls`): what each turn and analysis
//! cost. The rows go with their interview.

use super::super::Db;
use super::DbStore;
use crate::store::StoreResult;
use crate::store::engine::ModelCall;
use chrono::{DateTime, Utc};
use interviewd_domain::time::{from_millis, to_millis};
use interviewd_domain::{CompanyId, InterviewId};
use interviewd_voice::analysis::ModelUsage;
use uuid::Uuid;

fn opt(n: Option<impl Into<i64>>) -> Option<i64> {
    n.map(Into::into)
}

pub async fn record(
    store: &DbStore,
    interview: InterviewId,
    company: CompanyId,
    purpose: &str,
    usage: &[ModelUsage],
    at: DateTime<Utc>,
) -> StoreResult<()> {
    match usage {
        [] => {}
        // One row, one statement: atomic alone, and it holds the writer for one round trip
        // where a transaction takes three (a turn records one call).
        [call] => {
            insert(interview, company, purpose, call, at)
                .execute(store.writer())
                .await?;
        }
        calls => {
            let mut tx = store.write_tx().await?;
            for call in calls {
                insert(interview, company, purpose, call, at)
                    .execute(&mut *tx)
                    .await?;
            }
            tx.commit().await?;
        }
    }
    Ok(())
}

/// The row of one call; nothing when the interview is gone (the row would outlive an
/// erasure).
fn insert<'q>(
    interview: InterviewId,
    company: CompanyId,
    purpose: &'q str,
    call: &'q ModelUsage,
    at: DateTime<Utc>,
) -> sqlx::query::Query<'q, Db, <Db as sqlx::Database>::Arguments> {
    sqlx::query(
        "INSERT INTO model_calls (id, interview_id, company_id, purpose, model, \
         prompt_tokens, completion_tokens, first_token_ms, total_ms, fell_back, failure, \
         created_at) SELECT $1, id, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12 \
         FROM interviews WHERE id = $2",
    )
    .bind(Uuid::new_v4())
    .bind(interview.uuid())
    .bind(company.uuid())
    .bind(purpose)
    .bind(&call.model)
    .bind(opt(call.prompt_tokens))
    .bind(opt(call.completion_tokens))
    .bind(call.first_token_ms.and_then(|ms| i64::try_from(ms).ok()))
    .bind(i64::try_from(call.total_ms).unwrap_or(i64::MAX))
    .bind(call.fell_back)
    .bind(call.failure.as_deref())
    .bind(to_millis(at))
}

#[derive(sqlx::FromRow)]
struct CallRow {
    purpose: String,
    model: String,
    prompt_tokens: Option<i64>,
    completion_tokens: Option<i64>,
    first_token_ms: Option<i64>,
    total_ms: i64,
    fell_back: bool,
    failure: Option<String>,
    created_at: i64,
}

pub async fn list(store: &DbStore, interview: InterviewId) -> StoreResult<Vec<ModelCall>> {
    let rows: Vec<CallRow> = sqlx::query_as(
        "SELECT purpose, model, prompt_tokens, completion_tokens, first_token_ms, total_ms, \
         fell_back, failure, created_at FROM model_calls WHERE interview_id = $1 \
         ORDER BY created_at, id",
    )
    .bind(interview.uuid())
    .fetch_all(store.pool())
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| ModelCall {
            purpose: r.purpose,
            usage: ModelUsage {
                model: r.model,
                prompt_tokens: r.prompt_tokens.and_then(|n| u32::try_from(n).ok()),
                completion_tokens: r.completion_tokens.and_then(|n| u32::try_from(n).ok()),
                first_token_ms: r.first_token_ms.and_then(|n| u64::try_from(n).ok()),
                total_ms: u64::try_from(r.total_ms).unwrap_or(0),
                fell_back: r.fell_back,
                failure: r.failure,
            },
            at: from_millis(r.created_at),
        })
        .collect())
}
