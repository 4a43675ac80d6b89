//! Jobs and agents.

use super::numbers::{Numbered, next};
use super::{Conn, Db, Pool};
use crate::store::rows::{AgentRow, JobRow, job_attrs, to_json};
use crate::store::rows::{agent_cols, job_cols};
use crate::store::{JobFilter, StoreResult};
use chrono::{DateTime, Utc};
use interviewd_domain::model::{Agent, Job};
use interviewd_domain::time::to_millis;
use interviewd_domain::{AgentId, CompanyId, JobId, PageRequest};

pub async fn insert_job(conn: &mut Conn, j: &Job) -> StoreResult<Job> {
    let number = next(&mut *conn, j.company_id, Numbered::Job).await?;
    sqlx::query(
        "INSERT INTO jobs (id, company_id, title, description, status, required_skills, nice_to_have_skills, attrs, \
         created_at, updated_at, number) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
    )
    .bind(j.id.uuid())
    .bind(j.company_id.uuid())
    .bind(&j.title)
    .bind(&j.description)
    .bind(&j.status)
    .bind(to_json(&j.required_skills))
    .bind(to_json(&j.nice_to_have_skills))
    .bind(to_json(&job_attrs(j)))
    .bind(to_millis(j.created_at))
    .bind(to_millis(j.updated_at))
    .bind(number)
    .execute(conn)
    .await?;
    Ok(Job {
        number,
        ..j.clone()
    })
}

pub async fn get_job<'e, E: sqlx::Executor<'e, Database = Db>>(
    exec: E,
    company: CompanyId,
    id: JobId,
) -> StoreResult<Option<Job>> {
    let row: Option<JobRow> = sqlx::query_as(concat!(
        "SELECT ",
        job_cols!(),
        " FROM jobs WHERE id = $1 AND company_id = $2 AND deleted_at IS NULL"
    ))
    .bind(id.uuid())
    .bind(company.uuid())
    .fetch_optional(exec)
    .await?;
    row.map(Job::try_from).transpose()
}

pub async fn list_jobs(
    pool: &Pool,
    company: CompanyId,
    filter: &JobFilter,
    p: PageRequest,
) -> StoreResult<(Vec<Job>, i64)> {
    let rows: Vec<JobRow> = sqlx::query_as(concat!(
        "SELECT ",
        job_cols!(),
        " FROM jobs WHERE company_id = $1 AND deleted_at IS NULL AND ($2 IS NULL OR status = $2) ORDER BY number LIMIT $3 OFFSET $4"
    ))
    .bind(company.uuid())
    .bind(&filter.status)
    .bind(i64::from(p.limit))
    .bind(p.offset())
    .fetch_all(pool)
    .await?;
    let total: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM jobs WHERE company_id = $1 AND deleted_at IS NULL AND ($2 IS NULL OR status = $2)",
    )
    .bind(company.uuid())
    .bind(&filter.status)
    .fetch_one(pool)
    .await?;
    let items = rows
        .into_iter()
        .map(Job::try_from)
        .collect::<StoreResult<Vec<_>>>()?;
    Ok((items, total))
}

pub async fn update_job(pool: &Pool, j: &Job) -> StoreResult<()> {
    let done = sqlx::query(
        "UPDATE jobs SET title = $3, description = $4, status = $5, required_skills = $6, nice_to_have_skills = $7, \
         attrs = $8, updated_at = $9 WHERE id = $1 AND company_id = $2 AND deleted_at IS NULL",
    )
    .bind(j.id.uuid())
    .bind(j.company_id.uuid())
    .bind(&j.title)
    .bind(&j.description)
    .bind(&j.status)
    .bind(to_json(&j.required_skills))
    .bind(to_json(&j.nice_to_have_skills))
    .bind(to_json(&job_attrs(j)))
    .bind(to_millis(j.updated_at))
    .execute(pool)
    .await?;
    gone_unless_changed(done.rows_affected(), "job")
}

/// An update that changed no row lost a race with a removal: the row is gone.
pub fn gone_unless_changed(rows: u64, resource: &'static str) -> StoreResult<()> {
    if rows == 0 {
        return Err(crate::store::StoreError::Gone(resource));
    }
    Ok(())
}

pub async fn insert_agent(conn: &mut Conn, a: &Agent) -> StoreResult<Agent> {
    let number = next(&mut *conn, a.company_id, Numbered::Agent).await?;
    sqlx::query(
        "INSERT INTO agents (id, company_id, name, channel, focus, language, duration_minutes, questions, instructions, \
         attrs, created_at, updated_at, number) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
    )
    .bind(a.id.uuid())
    .bind(a.company_id.uuid())
    .bind(&a.name)
    .bind(a.channel.as_str())
    .bind(&a.focus)
    .bind(&a.language)
    .bind(i64::from(a.duration_minutes))
    .bind(to_json(&a.questions))
    .bind(&a.instructions)
    .bind(to_json(&a.attrs))
    .bind(to_millis(a.created_at))
    .bind(to_millis(a.updated_at))
    .bind(number)
    .execute(conn)
    .await?;
    Ok(Agent {
        number,
        ..a.clone()
    })
}

pub async fn get_agent<'e, E: sqlx::Executor<'e, Database = Db>>(
    exec: E,
    company: CompanyId,
    id: AgentId,
) -> StoreResult<Option<Agent>> {
    let row: Option<AgentRow> = sqlx::query_as(concat!(
        "SELECT ",
        agent_cols!(),
        " FROM agents WHERE id = $1 AND company_id = $2 AND deleted_at IS NULL"
    ))
    .bind(id.uuid())
    .bind(company.uuid())
    .fetch_optional(exec)
    .await?;
    row.map(Agent::try_from).transpose()
}

pub async fn list_agents(
    pool: &Pool,
    company: CompanyId,
    p: PageRequest,
) -> StoreResult<(Vec<Agent>, i64)> {
    let rows: Vec<AgentRow> = sqlx::query_as(concat!(
        "SELECT ",
        agent_cols!(),
        " FROM agents WHERE company_id = $1 AND deleted_at IS NULL ORDER BY number LIMIT $2 OFFSET $3"
    ))
    .bind(company.uuid())
    .bind(i64::from(p.limit))
    .bind(p.offset())
    .fetch_all(pool)
    .await?;
    let total: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM agents WHERE company_id = $1 AND deleted_at IS NULL",
    )
    .bind(company.uuid())
    .fetch_one(pool)
    .await?;
    let items = rows
        .into_iter()
        .map(Agent::try_from)
        .collect::<StoreResult<Vec<_>>>()?;
    Ok((items, total))
}

pub async fn update_agent(pool: &Pool, a: &Agent) -> StoreResult<()> {
    let done = sqlx::query(
        "UPDATE agents SET name = $3, channel = $4, focus = $5, language = $6, duration_minutes = $7, questions = $8, \
         instructions = $9, attrs = $10, updated_at = $11 WHERE id = $1 AND company_id = $2 AND deleted_at IS NULL",
    )
    .bind(a.id.uuid())
    .bind(a.company_id.uuid())
    .bind(&a.name)
    .bind(a.channel.as_str())
    .bind(&a.focus)
    .bind(&a.language)
    .bind(i64::from(a.duration_minutes))
    .bind(to_json(&a.questions))
    .bind(&a.instructions)
    .bind(to_json(&a.attrs))
    .bind(to_millis(a.updated_at))
    .execute(pool)
    .await?;
    gone_unless_changed(done.rows_affected(), "agent")
}

pub async fn delete_agent(
    pool: &Pool,
    company: CompanyId,
    id: AgentId,
    at: DateTime<Utc>,
) -> StoreResult<bool> {
    let done = sqlx::query("UPDATE agents SET deleted_at = $3 WHERE id = $1 AND company_id = $2 AND deleted_at IS NULL")
        .bind(id.uuid())
        .bind(company.uuid())
        .bind(to_millis(at))
        .execute(pool)
        .await?;
    Ok(done.rows_affected() > 0)
}

pub async fn job_by_number(
    pool: &Pool,
    company: CompanyId,
    number: i64,
) -> StoreResult<Option<Job>> {
    let row: Option<JobRow> = sqlx::query_as(concat!(
        "SELECT ",
        job_cols!(),
        " FROM jobs WHERE number = $1 AND company_id = $2 AND deleted_at IS NULL"
    ))
    .bind(number)
    .bind(company.uuid())
    .fetch_optional(pool)
    .await?;
    row.map(Job::try_from).transpose()
}

pub async fn agent_by_name(
    pool: &Pool,
    company: CompanyId,
    name: &str,
) -> StoreResult<Option<Agent>> {
    let row: Option<AgentRow> = sqlx::query_as(concat!(
        "SELECT ",
        agent_cols!(),
        " FROM agents WHERE company_id = $1 AND name = $2 AND deleted_at IS NULL ORDER BY number LIMIT 1"
    ))
    .bind(company.uuid())
    .bind(name)
    .fetch_optional(pool)
    .await?;
    row.map(Agent::try_from).transpose()
}
