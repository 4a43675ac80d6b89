//! The query plans the database chooses for the deletion path's per-interview statements,
//! read after a removal scenario's cells (so with the tables as the cells left them): on
//! PostgreSQL the generic plan of the prepared statement (`plan_cache_mode =
//! force_generic_plan`: what a pooled, prepared statement runs after its fifth execution), on
//! SQLite `EXPLAIN QUERY PLAN`. Evidence for the profiles: a plan that walks an index other
//! than the interview's shows why a statement's cost grows with a table.

use crate::db::RawPool;
use serde::Serialize;
use sqlx::{Connection, Row};

/// One statement's plan.
#[derive(Clone, Debug, Serialize)]
pub struct PlanResult {
    pub backend: &'static str,
    pub scenario: &'static str,
    pub statement: &'static str,
    pub plan: String,
}

/// Two of the deletion path's statements (`store/sql/removal.rs` `remove_one`, where they
/// are clauses of one statement on PostgreSQL), with their parameter types on PostgreSQL.
const STATEMENTS: &[(&str, &str, &str)] = &[
    (
        "DELETE events",
        "uuid, text",
        "DELETE FROM events WHERE interview_id = $1 AND event_type <> $2 RETURNING dispatched_at",
    ),
    (
        "DELETE webhook_messages",
        "uuid, text",
        "DELETE FROM webhook_messages WHERE interview_id = $1 AND event_type <> $2 AND status = 'PENDING'",
    ),
];

/// Sample values for the generic plans' parameters (any value: a generic plan ignores them).
const SAMPLES: &[(&str, &str)] = &[(
    "uuid, text",
    "'00000000-0000-7000-8000-000000000000', 'interview.deleted'",
)];

/// The plans of [`STATEMENTS`] on `pool`, labelled with `backend` and `scenario`.
pub async fn read(
    pool: &RawPool,
    backend: &'static str,
    scenario: &'static str,
) -> anyhow::Result<Vec<PlanResult>> {
    let mut plans = Vec::new();
    for &(statement, types, sql) in STATEMENTS {
        let plan = match pool {
            RawPool::Sqlite { read, .. } => {
                let rows = sqlx::query(sqlx::AssertSqlSafe(format!("EXPLAIN QUERY PLAN {sql}")))
                    .fetch_all(read)
                    .await?;
                let details: Vec<String> = rows
                    .iter()
                    .filter_map(|r| r.try_get::<String, _>("detail").ok())
                    .collect();
                details.join("; ")
            }
            RawPool::Pg(pool) => {
                let values = SAMPLES
                    .iter()
                    .find(|(t, _)| *t == types)
                    .map_or("", |(_, v)| v);
                generic_plan(pool, types, sql, values).await?
            }
        };
        plans.push(PlanResult {
            backend,
            scenario,
            statement,
            plan,
        });
    }
    Ok(plans)
}

/// The generic plan of `sql` prepared with parameter `types`, executed with `values`, inside
/// a transaction that is rolled back.
async fn generic_plan(
    pool: &sqlx::PgPool,
    types: &str,
    sql: &str,
    values: &str,
) -> anyhow::Result<String> {
    let mut conn = pool.acquire().await?;
    let mut tx = conn.begin().await?;
    sqlx::raw_sql("SET LOCAL plan_cache_mode = force_generic_plan")
        .execute(&mut *tx)
        .await?;
    let name = "bench_plan";
    sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
        "PREPARE {name}({types}) AS {sql}"
    )))
    .execute(&mut *tx)
    .await?;
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "EXPLAIN EXECUTE {name}({values})"
    )))
    .fetch_all(&mut *tx)
    .await?;
    let lines: Vec<String> = rows
        .iter()
        .filter_map(|r| r.try_get::<String, _>(0).ok())
        .map(|l| l.trim().to_owned())
        .collect();
    sqlx::raw_sql(sqlx::AssertSqlSafe(format!("DEALLOCATE {name}")))
        .execute(&mut *tx)
        .await?;
    tx.rollback().await?;
    Ok(lines.join("; "))
}
