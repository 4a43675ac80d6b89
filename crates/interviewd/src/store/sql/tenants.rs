//! Companies and API keys.

use super::{Conn, DbStore, Pool, ROW_LOCKS};
use crate::store::rows::{CompanyRow, KeyRow, to_json};
use crate::store::rows::{company_cols, key_cols};
use crate::store::{CompanyScope, Page, StoreResult};
use chrono::{DateTime, Utc};
use interviewd_domain::model::{ApiKey, Company, KeyKind};
use interviewd_domain::time::to_millis;
use interviewd_domain::{CompanyId, KeyId, PageRequest, Plan};
use uuid::Uuid;

pub async fn create_company(
    store: &DbStore,
    c: &Company,
    managed_by: Option<KeyId>,
) -> StoreResult<Company> {
    let mut tx = store.write_tx().await?;
    let number: i64 = sqlx::query_scalar(
        "INSERT INTO companies (id, name, description, owner_email, metadata, plan, plan_changed_at, \
         concurrency_limit, created_by_key, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING number",
    )
    .bind(c.id.uuid())
    .bind(&c.name)
    .bind(&c.description)
    .bind(c.owner_email.as_ref().map(|e| e.as_str().to_owned()))
    .bind(to_json(&c.metadata))
    .bind(c.plan.as_str())
    .bind(c.plan_changed_at.map(to_millis))
    .bind(i64::from(c.concurrency_limit))
    .bind(managed_by.map(KeyId::uuid))
    .bind(to_millis(c.created_at))
    .bind(to_millis(c.updated_at))
    .fetch_one(&mut *tx)
    .await?;
    if let Some(key) = managed_by {
        sqlx::query("INSERT INTO ats_key_companies (key_id, company_id) VALUES ($1, $2)")
            .bind(key.uuid())
            .bind(c.id.uuid())
            .execute(&mut *tx)
            .await?;
    }
    tx.commit().await?;
    Ok(Company {
        number,
        ..c.clone()
    })
}

pub async fn get_company(pool: &Pool, id: CompanyId) -> StoreResult<Option<Company>> {
    let row: Option<CompanyRow> = sqlx::query_as(concat!(
        "SELECT ",
        company_cols!(),
        " FROM companies WHERE id = $1"
    ))
    .bind(id.uuid())
    .fetch_optional(pool)
    .await?;
    row.map(Company::try_from).transpose()
}

pub async fn list_companies(
    pool: &Pool,
    scope: &CompanyScope,
    p: PageRequest,
) -> StoreResult<Page<Company>> {
    let (rows, total): (Vec<CompanyRow>, i64) = match scope {
        CompanyScope::One(id) => {
            let rows = sqlx::query_as(concat!(
                "SELECT ",
                company_cols!(),
                " FROM companies WHERE id = $1 LIMIT $2 OFFSET $3"
            ))
            .bind(id.uuid())
            .bind(i64::from(p.limit))
            .bind(p.offset())
            .fetch_all(pool)
            .await?;
            let total = sqlx::query_scalar("SELECT COUNT(*) FROM companies WHERE id = $1")
                .bind(id.uuid())
                .fetch_one(pool)
                .await?;
            (rows, total)
        }
        CompanyScope::ManagedBy(key) => {
            let rows = sqlx::query_as(concat!(
                "SELECT ",
                company_cols!(),
                " FROM companies WHERE id IN (SELECT company_id FROM ats_key_companies WHERE key_id = $1) \
                 ORDER BY number LIMIT $2 OFFSET $3"
            ))
            .bind(key.uuid())
            .bind(i64::from(p.limit))
            .bind(p.offset())
            .fetch_all(pool)
            .await?;
            let total =
                sqlx::query_scalar("SELECT COUNT(*) FROM ats_key_companies WHERE key_id = $1")
                    .bind(key.uuid())
                    .fetch_one(pool)
                    .await?;
            (rows, total)
        }
    };
    let items = rows
        .into_iter()
        .map(Company::try_from)
        .collect::<StoreResult<Vec<_>>>()?;
    Ok(Page { items, total })
}

pub async fn list_all_companies(pool: &Pool, p: PageRequest) -> StoreResult<Page<Company>> {
    let rows: Vec<CompanyRow> = sqlx::query_as(concat!(
        "SELECT ",
        company_cols!(),
        " FROM companies ORDER BY number LIMIT $1 OFFSET $2"
    ))
    .bind(i64::from(p.limit))
    .bind(p.offset())
    .fetch_all(pool)
    .await?;
    let total = sqlx::query_scalar("SELECT COUNT(*) FROM companies")
        .fetch_one(pool)
        .await?;
    let items = rows
        .into_iter()
        .map(Company::try_from)
        .collect::<StoreResult<Vec<_>>>()?;
    Ok(Page { items, total })
}

pub async fn update_company(pool: &Pool, c: &Company) -> StoreResult<()> {
    sqlx::query(
        "UPDATE companies SET name = $2, description = $3, owner_email = $4, metadata = $5, plan = $6, \
         plan_changed_at = $7, concurrency_limit = $8, updated_at = $9 WHERE id = $1",
    )
    .bind(c.id.uuid())
    .bind(&c.name)
    .bind(&c.description)
    .bind(c.owner_email.as_ref().map(|e| e.as_str().to_owned()))
    .bind(to_json(&c.metadata))
    .bind(c.plan.as_str())
    .bind(c.plan_changed_at.map(to_millis))
    .bind(i64::from(c.concurrency_limit))
    .bind(to_millis(c.updated_at))
    .execute(pool)
    .await?;
    Ok(())
}

pub async fn set_plan(
    pool: &Pool,
    id: CompanyId,
    plan: Plan,
    at: DateTime<Utc>,
) -> StoreResult<Option<Company>> {
    sqlx::query(
        "UPDATE companies SET plan = $2, plan_changed_at = $3, updated_at = $3 WHERE id = $1",
    )
    .bind(id.uuid())
    .bind(plan.as_str())
    .bind(to_millis(at))
    .execute(pool)
    .await?;
    get_company(pool, id).await
}

pub async fn create_key(store: &DbStore, key: &ApiKey, secret_hash: &[u8]) -> StoreResult<()> {
    let mut tx = store.write_tx().await?;
    sqlx::query(
        "INSERT INTO api_keys (id, name, prefix, secret_hash, kind, company_id, scopes, expires_at, revoked_at, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
    )
    .bind(key.id.uuid())
    .bind(&key.name)
    .bind(&key.prefix)
    .bind(secret_hash.to_vec())
    .bind(key.kind.as_str())
    .bind(key.company_id.map(CompanyId::uuid))
    .bind(key.scopes.to_storage())
    .bind(key.expires_at.map(to_millis))
    .bind(key.revoked_at.map(to_millis))
    .bind(to_millis(key.created_at))
    .execute(&mut *tx)
    .await?;
    if key.kind == KeyKind::Ats {
        for company in &key.managed_companies {
            sqlx::query("INSERT INTO ats_key_companies (key_id, company_id) VALUES ($1, $2)")
                .bind(key.id.uuid())
                .bind(company.uuid())
                .execute(&mut *tx)
                .await?;
        }
    }
    tx.commit().await?;
    Ok(())
}

async fn managed(pool: &Pool, key: Uuid) -> StoreResult<Vec<Uuid>> {
    Ok(
        sqlx::query_scalar("SELECT company_id FROM ats_key_companies WHERE key_id = $1")
            .bind(key)
            .fetch_all(pool)
            .await?,
    )
}

pub async fn find_key(pool: &Pool, secret_hash: &[u8]) -> StoreResult<Option<(ApiKey, Vec<u8>)>> {
    let row: Option<KeyRow> = sqlx::query_as(concat!(
        "SELECT ",
        key_cols!(),
        " FROM api_keys WHERE secret_hash = $1"
    ))
    .bind(secret_hash.to_vec())
    .fetch_optional(pool)
    .await?;
    match row {
        None => Ok(None),
        Some(row) => {
            let companies = if row.kind == "ATS" {
                managed(pool, row.id).await?
            } else {
                Vec::new()
            };
            row.into_key(companies).map(Some)
        }
    }
}

pub async fn list_keys(pool: &Pool) -> StoreResult<Vec<ApiKey>> {
    let rows: Vec<KeyRow> = sqlx::query_as(concat!(
        "SELECT ",
        key_cols!(),
        " FROM api_keys ORDER BY created_at"
    ))
    .fetch_all(pool)
    .await?;
    let mut keys = Vec::with_capacity(rows.len());
    for row in rows {
        let companies = if row.kind == "ATS" {
            managed(pool, row.id).await?
        } else {
            Vec::new()
        };
        keys.push(row.into_key(companies)?.0);
    }
    Ok(keys)
}

pub async fn revoke_key(pool: &Pool, id: KeyId, at: DateTime<Utc>) -> StoreResult<bool> {
    let done =
        sqlx::query("UPDATE api_keys SET revoked_at = COALESCE(revoked_at, $2) WHERE id = $1")
            .bind(id.uuid())
            .bind(to_millis(at))
            .execute(pool)
            .await?;
    Ok(done.rows_affected() > 0)
}

/// Locks a company's row for the rest of the transaction, waiting for whoever holds it: the
/// transactions that must not interleave for one company (creating invites against its
/// quota, taking its slots) take this first. A no-op on SQLite, whose write transactions
/// exclude each other already.
pub async fn lock_company(conn: &mut Conn, company: CompanyId) -> StoreResult<()> {
    if ROW_LOCKS {
        sqlx::query("SELECT id FROM companies WHERE id = $1 FOR NO KEY UPDATE")
            .bind(company.uuid())
            .execute(conn)
            .await?;
    }
    Ok(())
}

/// Locks a company's row unless another transaction holds it (then false, at once).
/// Always true on SQLite.
pub async fn try_lock_company(conn: &mut Conn, company: CompanyId) -> StoreResult<bool> {
    if !ROW_LOCKS {
        return Ok(true);
    }
    let locked: Option<Uuid> =
        sqlx::query_scalar("SELECT id FROM companies WHERE id = $1 FOR NO KEY UPDATE SKIP LOCKED")
            .bind(company.uuid())
            .fetch_optional(conn)
            .await?;
    Ok(locked.is_some())
}
