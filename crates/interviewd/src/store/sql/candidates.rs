//! Candidates and their job links.

use super::numbers::{Numbered, next};
use super::{Conn, Db, Pool};
use crate::store::rows::candidate_cols;
use crate::store::rows::{CandidateRow, to_json};
use crate::store::{CandidateCounts, CandidateFilter, ContactKey, StoreResult};
use interviewd_domain::model::Candidate;
use interviewd_domain::time::to_millis;
use interviewd_domain::{CandidateId, CompanyId, PageRequest};
use std::collections::HashMap;
use uuid::Uuid;

async fn job_links<'e, E: sqlx::Executor<'e, Database = Db>>(
    exec: E,
    id: Uuid,
) -> StoreResult<Vec<Uuid>> {
    Ok(sqlx::query_scalar(
        "SELECT job_id FROM candidate_jobs WHERE candidate_id = $1 ORDER BY created_at, job_id",
    )
    .bind(id)
    .fetch_all(exec)
    .await?)
}

/// The job links of a page of candidates, with one query, in link order.
async fn job_links_of(pool: &Pool, rows: &[CandidateRow]) -> StoreResult<HashMap<Uuid, Vec<Uuid>>> {
    let mut links: HashMap<Uuid, Vec<Uuid>> = HashMap::with_capacity(rows.len());
    if rows.is_empty() {
        return Ok(links);
    }
    let pairs: Vec<(Uuid, Uuid)> = super::in_list(
        "SELECT candidate_id, job_id FROM candidate_jobs WHERE candidate_id IN (",
        rows.iter().map(|row| row.id),
        ") ORDER BY candidate_id, created_at, job_id",
    )
    .build_query_as()
    .fetch_all(pool)
    .await?;
    for (candidate, job) in pairs {
        links.entry(candidate).or_default().push(job);
    }
    Ok(links)
}

/// Candidates of a page with their job links.
async fn with_links(pool: &Pool, rows: Vec<CandidateRow>) -> StoreResult<Vec<Candidate>> {
    let mut links = job_links_of(pool, &rows).await?;
    rows.into_iter()
        .map(|row| {
            let jobs = links.remove(&row.id).unwrap_or_default();
            row.into_candidate(jobs)
        })
        .collect()
}

async fn write_links(conn: &mut Conn, c: &Candidate) -> StoreResult<()> {
    sqlx::query("DELETE FROM candidate_jobs WHERE candidate_id = $1")
        .bind(c.id.uuid())
        .execute(&mut *conn)
        .await?;
    for (i, job) in c.job_ids.iter().enumerate() {
        sqlx::query("INSERT INTO candidate_jobs (candidate_id, job_id, company_id, created_at) VALUES ($1, $2, $3, $4)")
            .bind(c.id.uuid())
            .bind(job.uuid())
            .bind(c.company_id.uuid())
            // Keep the caller's order stable: links are read back ordered by created_at.
            .bind(to_millis(c.updated_at) + i as i64)
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

pub async fn insert(conn: &mut Conn, c: &Candidate) -> StoreResult<Candidate> {
    let number = next(&mut *conn, c.company_id, Numbered::Candidate).await?;
    sqlx::query(
        "INSERT INTO candidates (id, company_id, first_name, last_name, email, phone, ext_id, status, gdpr_expiry_date, \
         metadata, custom_fields, created_at, updated_at, number) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)",
    )
    .bind(c.id.uuid())
    .bind(c.company_id.uuid())
    .bind(&c.first_name)
    .bind(&c.last_name)
    .bind(c.email.as_ref().map(|e| e.as_str().to_owned()))
    .bind(c.phone.as_ref().map(|p| p.as_str().to_owned()))
    .bind(c.ext_id.as_ref().map(|e| e.as_str().to_owned()))
    .bind(&c.status)
    .bind(c.gdpr_expiry_date.map(|d| d.format("%Y-%m-%d").to_string()))
    .bind(to_json(&c.metadata))
    .bind(to_json(&c.custom_fields))
    .bind(to_millis(c.created_at))
    .bind(to_millis(c.updated_at))
    .bind(number)
    .execute(&mut *conn)
    .await?;
    write_links(conn, c).await?;
    Ok(Candidate {
        number,
        ..c.clone()
    })
}

pub async fn get(
    pool: &Pool,
    company: CompanyId,
    id: CandidateId,
) -> StoreResult<Option<Candidate>> {
    let row: Option<CandidateRow> = sqlx::query_as(concat!(
        "SELECT ",
        candidate_cols!(),
        " FROM candidates WHERE id = $1 AND company_id = $2 AND deleted_at IS NULL"
    ))
    .bind(id.uuid())
    .bind(company.uuid())
    .fetch_optional(pool)
    .await?;
    match row {
        None => Ok(None),
        Some(row) => {
            let links = job_links(pool, row.id).await?;
            row.into_candidate(links).map(Some)
        }
    }
}

/// Escapes LIKE wildcards so a search for `50%` matches literally.
fn like_pattern(term: &str) -> String {
    let escaped = term
        .to_lowercase()
        .replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_");
    format!("%{escaped}%")
}

pub async fn list(
    pool: &Pool,
    company: CompanyId,
    f: &CandidateFilter,
    p: PageRequest,
) -> StoreResult<(Vec<Candidate>, i64)> {
    let search = f.search.as_deref().map(like_pattern);
    // Only the filters given, so each lookup can use its index.
    let filtered = |select: &str| {
        let mut query = sqlx::QueryBuilder::<Db>::new(select);
        query
            .push(" FROM candidates c WHERE c.deleted_at IS NULL AND c.company_id = ")
            .push_bind(company.uuid());
        if let Some(job) = f.job_id {
            query
                .push(" AND EXISTS (SELECT 1 FROM candidate_jobs cj WHERE cj.candidate_id = c.id AND cj.job_id = ")
                .push_bind(job.uuid())
                .push(")");
        }
        if let Some(status) = &f.status {
            query.push(" AND c.status = ").push_bind(status.clone());
        }
        if let Some(pattern) = &search {
            // One parameter per comparison: `$n` cannot be repeated through the builder.
            let mut any = query.separated(" OR ");
            any.push_unseparated(" AND (");
            for column in [
                "lower(coalesce(c.first_name, ''))",
                "lower(coalesce(c.last_name, ''))",
                "lower(coalesce(c.first_name, '') || ' ' || coalesce(c.last_name, ''))",
                "coalesce(c.email, '')",
            ] {
                any.push(column)
                    .push_unseparated(" LIKE ")
                    .push_bind_unseparated(pattern.clone())
                    .push_unseparated(" ESCAPE '\\'");
            }
            any.push_unseparated(")");
        }
        query
    };
    let columns = candidate_cols!()
        .split(", ")
        .map(|c| format!("c.{c}"))
        .collect::<Vec<_>>()
        .join(", ");
    let mut select = filtered(&format!("SELECT {columns}"));
    select
        .push(" ORDER BY c.number LIMIT ")
        .push_bind(i64::from(p.limit))
        .push(" OFFSET ")
        .push_bind(p.offset());
    let rows: Vec<CandidateRow> = select.build_query_as().fetch_all(pool).await?;
    let total: i64 = filtered("SELECT COUNT(*)")
        .build_query_scalar()
        .fetch_one(pool)
        .await?;
    Ok((with_links(pool, rows).await?, total))
}

pub async fn update(conn: &mut Conn, c: &Candidate) -> StoreResult<()> {
    let done = sqlx::query(
        "UPDATE candidates SET first_name = $3, last_name = $4, email = $5, phone = $6, ext_id = $7, status = $8, \
         gdpr_expiry_date = $9, metadata = $10, custom_fields = $11, updated_at = $12 \
         WHERE id = $1 AND company_id = $2 AND deleted_at IS NULL",
    )
    .bind(c.id.uuid())
    .bind(c.company_id.uuid())
    .bind(&c.first_name)
    .bind(&c.last_name)
    .bind(c.email.as_ref().map(|e| e.as_str().to_owned()))
    .bind(c.phone.as_ref().map(|p| p.as_str().to_owned()))
    .bind(c.ext_id.as_ref().map(|e| e.as_str().to_owned()))
    .bind(&c.status)
    .bind(c.gdpr_expiry_date.map(|d| d.format("%Y-%m-%d").to_string()))
    .bind(to_json(&c.metadata))
    .bind(to_json(&c.custom_fields))
    .bind(to_millis(c.updated_at))
    .execute(&mut *conn)
    .await?;
    super::catalog::gone_unless_changed(done.rows_affected(), "candidate")?;
    write_links(conn, c).await
}

pub async fn counts(
    pool: &Pool,
    company: CompanyId,
    id: CandidateId,
) -> StoreResult<CandidateCounts> {
    // One round trip: both counters and the newest analysis' score.
    let (interviews, analyses, latest): (i64, i64, Option<i64>) = sqlx::query_as(
        "SELECT \
           (SELECT COUNT(*) FROM interviews WHERE candidate_id = $1 AND company_id = $2), \
           (SELECT COUNT(*) FROM interviews WHERE candidate_id = $1 AND company_id = $2 \
              AND status = 'COMPLETED'), \
           (SELECT a.score FROM analyses a JOIN interviews i ON i.id = a.interview_id \
              WHERE i.candidate_id = $1 AND i.company_id = $2 \
              ORDER BY a.created_at DESC, a.id DESC LIMIT 1)",
    )
    .bind(id.uuid())
    .bind(company.uuid())
    .fetch_one(pool)
    .await?;
    Ok(CandidateCounts {
        interviews,
        analyses,
        latest_score: latest.and_then(|s| u8::try_from(s).ok()),
    })
}

/// The id of the live candidate `key` names in the company, without reading the rest (what
/// a removal needs to name its contact).
pub async fn find_id<'e>(
    on: impl sqlx::Executor<'e, Database = Db>,
    company: CompanyId,
    key: &ContactKey,
) -> StoreResult<Option<CandidateId>> {
    let (sql, value): (&'static str, &str) = match key {
        ContactKey::Id(id) => {
            let id: Option<Uuid> = sqlx::query_scalar(
                "SELECT id FROM candidates WHERE id = $1 AND company_id = $2 AND deleted_at IS NULL",
            )
            .bind(id.uuid())
            .bind(company.uuid())
            .fetch_optional(on)
            .await?;
            return Ok(id.map(CandidateId::from));
        }
        ContactKey::ExtId(v) => (
            "SELECT id FROM candidates WHERE company_id = $1 AND ext_id = $2 AND deleted_at IS NULL",
            v.as_str(),
        ),
        ContactKey::Email(v) => (
            "SELECT id FROM candidates WHERE company_id = $1 AND email = $2 AND deleted_at IS NULL",
            v.as_str(),
        ),
        ContactKey::Phone(v) => (
            "SELECT id FROM candidates WHERE company_id = $1 AND phone = $2 AND deleted_at IS NULL",
            v.as_str(),
        ),
    };
    let id: Option<Uuid> = sqlx::query_scalar(sql)
        .bind(company.uuid())
        .bind(value)
        .fetch_optional(on)
        .await?;
    Ok(id.map(CandidateId::from))
}

pub async fn find(
    pool: &Pool,
    company: CompanyId,
    key: &ContactKey,
) -> StoreResult<Option<Candidate>> {
    let (sql, value): (&'static str, String) = match key {
        ContactKey::Id(id) => return get(pool, company, *id).await,
        ContactKey::ExtId(v) => (
            concat!(
                "SELECT ",
                candidate_cols!(),
                " FROM candidates WHERE company_id = $1 AND ext_id = $2 AND deleted_at IS NULL"
            ),
            v.as_str().to_owned(),
        ),
        ContactKey::Email(v) => (
            concat!(
                "SELECT ",
                candidate_cols!(),
                " FROM candidates WHERE company_id = $1 AND email = $2 AND deleted_at IS NULL"
            ),
            v.as_str().to_owned(),
        ),
        ContactKey::Phone(v) => (
            concat!(
                "SELECT ",
                candidate_cols!(),
                " FROM candidates WHERE company_id = $1 AND phone = $2 AND deleted_at IS NULL"
            ),
            v.as_str().to_owned(),
        ),
    };
    let row: Option<CandidateRow> = sqlx::query_as(sql)
        .bind(company.uuid())
        .bind(value)
        .fetch_optional(pool)
        .await?;
    match row {
        None => Ok(None),
        Some(row) => {
            let links = job_links(pool, row.id).await?;
            row.into_candidate(links).map(Some)
        }
    }
}

pub async fn after(
    pool: &Pool,
    company: CompanyId,
    after: i64,
    limit: u32,
) -> StoreResult<Vec<Candidate>> {
    let rows: Vec<CandidateRow> = sqlx::query_as(concat!(
        "SELECT ",
        candidate_cols!(),
        " FROM candidates WHERE company_id = $1 AND number > $2 AND deleted_at IS NULL ORDER BY number LIMIT $3"
    ))
    .bind(company.uuid())
    .bind(after)
    .bind(i64::from(limit))
    .fetch_all(pool)
    .await?;
    with_links(pool, rows).await
}

/// Newest first, below `before` (every candidate when `None`).
pub async fn before(
    pool: &Pool,
    company: CompanyId,
    before: Option<i64>,
    limit: u32,
) -> StoreResult<Vec<Candidate>> {
    let rows: Vec<CandidateRow> = sqlx::query_as(concat!(
        "SELECT ",
        candidate_cols!(),
        " FROM candidates WHERE company_id = $1 AND number < $2 AND deleted_at IS NULL \
         ORDER BY number DESC LIMIT $3"
    ))
    .bind(company.uuid())
    .bind(before.unwrap_or(i64::MAX))
    .bind(i64::from(limit))
    .fetch_all(pool)
    .await?;
    with_links(pool, rows).await
}
