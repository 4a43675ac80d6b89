//! Webhook endpoints and their delivery log.

use super::{Conn, Db, Pool};
use crate::store::delivery::{
    DeliveryLogEntry, EndpointState, PayloadFormat, Webhook, WebhookHeader, WebhookSecret,
};
use crate::store::rows::to_json;
use crate::store::{Page, StoreError, StoreResult};
use interviewd_domain::time::{from_millis, to_millis};
use interviewd_domain::{CompanyId, JobId, KeyId, PageRequest, WebhookId};
use uuid::Uuid;

/// The columns [`WebhookRow`] reads (a macro so that queries stay `&'static str`).
macro_rules! webhook_cols {
    () => {
        "id, company_id, global_key_id, api_key_id, url, name, description, headers, events, \
         secret, format, is_active, max_retries, timeout_ms, consecutive_failures, \
         circuit_opened_at, created_at, updated_at, job_id, managed"
    };
}

#[derive(sqlx::FromRow)]
pub struct WebhookRow {
    id: Uuid,
    company_id: Uuid,
    global_key_id: Option<Uuid>,
    api_key_id: Option<Uuid>,
    url: String,
    name: Option<String>,
    description: Option<String>,
    headers: String,
    events: String,
    secret: String,
    format: String,
    is_active: bool,
    max_retries: i64,
    timeout_ms: i64,
    consecutive_failures: i64,
    circuit_opened_at: Option<i64>,
    created_at: i64,
    updated_at: i64,
    job_id: Option<Uuid>,
    managed: bool,
}

fn bad(column: &str) -> StoreError {
    StoreError::Internal(format!("bad value in webhooks.{column}"))
}

fn small(n: i64, column: &str) -> StoreResult<u32> {
    u32::try_from(n).map_err(|_| bad(column))
}

impl TryFrom<WebhookRow> for Webhook {
    type Error = StoreError;

    fn try_from(r: WebhookRow) -> StoreResult<Self> {
        Ok(Webhook {
            id: r.id.into(),
            company_id: r.company_id.into(),
            global_for: r.global_key_id.map(Into::into),
            api_key_id: r.api_key_id.map(Into::into),
            url: r.url,
            name: r.name,
            description: r.description,
            headers: serde_json::from_str(&r.headers).map_err(|_| bad("headers"))?,
            events: serde_json::from_str(&r.events).map_err(|_| bad("events"))?,
            secret: WebhookSecret(r.secret),
            format: PayloadFormat::parse(&r.format).ok_or_else(|| bad("format"))?,
            is_active: r.is_active,
            max_retries: small(r.max_retries, "max_retries")?,
            timeout_ms: small(r.timeout_ms, "timeout_ms")?,
            consecutive_failures: small(r.consecutive_failures, "consecutive_failures")?,
            circuit_opened_at: r.circuit_opened_at.map(from_millis),
            created_at: from_millis(r.created_at),
            updated_at: from_millis(r.updated_at),
            job_id: r.job_id.map(Into::into),
            managed: r.managed,
        })
    }
}

fn headers_json(headers: &[WebhookHeader]) -> String {
    to_json(&headers)
}

pub async fn insert<'e, E: sqlx::Executor<'e, Database = Db>>(
    exec: E,
    w: &Webhook,
) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO webhooks (id, company_id, api_key_id, url, name, description, headers, events, \
         secret, format, is_active, max_retries, timeout_ms, consecutive_failures, circuit_opened_at, \
         created_at, updated_at, global_key_id, job_id, managed) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, \
         $19, $20)",
    )
    .bind(w.id.uuid())
    .bind(w.company_id.uuid())
    .bind(w.api_key_id.map(|k| k.uuid()))
    .bind(&w.url)
    .bind(&w.name)
    .bind(&w.description)
    .bind(headers_json(&w.headers))
    .bind(to_json(&w.events))
    .bind(&w.secret.0)
    .bind(w.format.as_str())
    .bind(w.is_active)
    .bind(i64::from(w.max_retries))
    .bind(i64::from(w.timeout_ms))
    .bind(i64::from(w.consecutive_failures))
    .bind(w.circuit_opened_at.map(to_millis))
    .bind(to_millis(w.created_at))
    .bind(to_millis(w.updated_at))
    .bind(w.global_for.map(|k| k.uuid()))
    .bind(w.job_id.map(|j| j.uuid()))
    .bind(w.managed)
    .execute(exec)
    .await?;
    Ok(())
}

pub async fn get<'e, E: sqlx::Executor<'e, Database = Db>>(
    exec: E,
    company: CompanyId,
    id: WebhookId,
) -> StoreResult<Option<Webhook>> {
    let row: Option<WebhookRow> = sqlx::query_as(concat!(
        "SELECT ",
        webhook_cols!(),
        " FROM webhooks WHERE id = $1 AND company_id = $2 AND managed = $3"
    ))
    .bind(id.uuid())
    .bind(company.uuid())
    .bind(false)
    .fetch_optional(exec)
    .await?;
    row.map(Webhook::try_from).transpose()
}

/// An endpoint by id alone, for the delivery worker (which acts for every company).
pub async fn get_any(conn: &mut Conn, id: Uuid) -> StoreResult<Option<Webhook>> {
    let row: Option<WebhookRow> = sqlx::query_as(concat!(
        "SELECT ",
        webhook_cols!(),
        " FROM webhooks WHERE id = $1"
    ))
    .bind(id)
    .fetch_optional(conn)
    .await?;
    row.map(Webhook::try_from).transpose()
}

/// The company's own endpoints (not the global ones of its ATS keys).
pub async fn list(pool: &Pool, company: CompanyId, p: PageRequest) -> StoreResult<Page<Webhook>> {
    let rows: Vec<WebhookRow> = sqlx::query_as(concat!(
        "SELECT ",
        webhook_cols!(),
        " FROM webhooks WHERE company_id = $1 AND global_key_id IS NULL AND managed = $4 \
         ORDER BY created_at, id LIMIT $2 OFFSET $3"
    ))
    .bind(company.uuid())
    .bind(i64::from(p.limit))
    .bind(p.offset())
    .bind(false)
    .fetch_all(pool)
    .await?;
    let total: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM webhooks WHERE company_id = $1 AND global_key_id IS NULL \
         AND managed = $2",
    )
    .bind(company.uuid())
    .bind(false)
    .fetch_one(pool)
    .await?;
    let items = rows
        .into_iter()
        .map(Webhook::try_from)
        .collect::<StoreResult<Vec<_>>>()?;
    Ok(Page { items, total })
}

/// What an ATS key sees without naming a company: its global endpoints, and those of every
/// company it manages.
fn of_key(select: &str, key: KeyId, companies: &[CompanyId]) -> sqlx::QueryBuilder<Db> {
    let mut query = sqlx::QueryBuilder::<Db>::new(select);
    query
        .push(" FROM webhooks WHERE global_key_id = ")
        .push_bind(key.uuid());
    if !companies.is_empty() {
        query
            .push(" OR (global_key_id IS NULL AND managed = ")
            .push_bind(false)
            .push(" AND company_id IN (");
        let mut list = query.separated(", ");
        for company in companies {
            list.push_bind(company.uuid());
        }
        query.push("))");
    }
    query
}

pub async fn list_of_key(
    pool: &Pool,
    key: KeyId,
    companies: &[CompanyId],
    p: PageRequest,
) -> StoreResult<Page<Webhook>> {
    let mut select = of_key(concat!("SELECT ", webhook_cols!()), key, companies);
    select
        .push(" ORDER BY created_at, id LIMIT ")
        .push_bind(i64::from(p.limit))
        .push(" OFFSET ")
        .push_bind(p.offset());
    let rows: Vec<WebhookRow> = select.build_query_as().fetch_all(pool).await?;
    let total: i64 = of_key("SELECT COUNT(*)", key, companies)
        .build_query_scalar()
        .fetch_one(pool)
        .await?;
    let items = rows
        .into_iter()
        .map(Webhook::try_from)
        .collect::<StoreResult<Vec<_>>>()?;
    Ok(Page { items, total })
}

/// Endpoints that take new messages about `company`: active, or with an open circuit — its
/// own, and the global ones of the ATS keys that manage it.
pub async fn receiving(pool: &Pool, company: CompanyId) -> StoreResult<Vec<Webhook>> {
    let rows: Vec<WebhookRow> = sqlx::query_as(concat!(
        "SELECT ",
        webhook_cols!(),
        " FROM webhooks WHERE ((company_id = $1 AND global_key_id IS NULL) \
           OR global_key_id IN (SELECT key_id FROM ats_key_companies WHERE company_id = $1)) \
         AND (is_active = $2 OR circuit_opened_at IS NOT NULL) ORDER BY created_at, id"
    ))
    .bind(company.uuid())
    .bind(true)
    .fetch_all(pool)
    .await?;
    rows.into_iter().map(Webhook::try_from).collect()
}

/// Replaces the settings, then applies `state`. Counters and the circuit are only ever
/// changed by a state transition, so an update never undoes a concurrent attempt's record.
pub async fn update(
    conn: &mut Conn,
    w: &Webhook,
    state: Option<EndpointState>,
) -> StoreResult<bool> {
    let at = to_millis(w.updated_at);
    let done = sqlx::query(
        "UPDATE webhooks SET url = $3, name = $4, description = $5, headers = $6, events = $7, \
         format = $8, max_retries = $9, timeout_ms = $10, updated_at = $11 \
         WHERE id = $1 AND company_id = $2",
    )
    .bind(w.id.uuid())
    .bind(w.company_id.uuid())
    .bind(&w.url)
    .bind(&w.name)
    .bind(&w.description)
    .bind(headers_json(&w.headers))
    .bind(to_json(&w.events))
    .bind(w.format.as_str())
    .bind(i64::from(w.max_retries))
    .bind(i64::from(w.timeout_ms))
    .bind(at)
    .execute(&mut *conn)
    .await?;
    if done.rows_affected() == 0 {
        return Ok(false);
    }
    match state {
        None => {}
        Some(EndpointState::Resume) => {
            sqlx::query(
                "UPDATE webhooks SET is_active = $2, consecutive_failures = 0, \
                 circuit_opened_at = NULL WHERE id = $1",
            )
            .bind(w.id.uuid())
            .bind(true)
            .execute(&mut *conn)
            .await?;
            // Held messages (and retries waiting on the schedule) go out now.
            sqlx::query(
                "UPDATE webhook_messages SET next_attempt_at = $2, updated_at = $2 \
                 WHERE webhook_id = $1 AND status = 'PENDING' AND next_attempt_at > $2",
            )
            .bind(w.id.uuid())
            .bind(at)
            .execute(&mut *conn)
            .await?;
        }
        Some(EndpointState::Pause) => {
            sqlx::query(
                "UPDATE webhooks SET is_active = $2, circuit_opened_at = NULL WHERE id = $1",
            )
            .bind(w.id.uuid())
            .bind(false)
            .execute(&mut *conn)
            .await?;
        }
    }
    Ok(true)
}

pub async fn delete(conn: &mut Conn, company: CompanyId, id: WebhookId) -> StoreResult<bool> {
    // Checked without a lock: the rows are then locked in the order a delivery takes them
    // (its message, then the endpoint's row), so the two cannot deadlock on PostgreSQL.
    let found: Option<Uuid> = sqlx::query_scalar(
        "SELECT id FROM webhooks WHERE id = $1 AND company_id = $2 AND managed = $3",
    )
    .bind(id.uuid())
    .bind(company.uuid())
    .bind(false)
    .fetch_optional(&mut *conn)
    .await?;
    if found.is_none() {
        return Ok(false);
    }
    // The log and messages would cascade; deleting them explicitly keeps the statement
    // portable to a schema without ON DELETE CASCADE. A global endpoint's messages carry the
    // companies of their events. A message queued meanwhile goes with the endpoint's row
    // (its foreign key cascades).
    sqlx::query("DELETE FROM webhook_attempts WHERE webhook_id = $1")
        .bind(id.uuid())
        .execute(&mut *conn)
        .await?;
    sqlx::query("DELETE FROM webhook_messages WHERE webhook_id = $1")
        .bind(id.uuid())
        .execute(&mut *conn)
        .await?;
    let done = sqlx::query("DELETE FROM webhooks WHERE id = $1 AND company_id = $2")
        .bind(id.uuid())
        .bind(company.uuid())
        .execute(&mut *conn)
        .await?;
    Ok(done.rows_affected() > 0)
}

#[derive(sqlx::FromRow)]
struct LogRow {
    id: Uuid,
    message_id: Uuid,
    event_type: String,
    attempt_number: i64,
    attempted_at: i64,
    status_code: Option<i64>,
    duration_ms: i64,
    outcome: String,
    error: Option<String>,
}

impl From<LogRow> for DeliveryLogEntry {
    fn from(r: LogRow) -> Self {
        DeliveryLogEntry {
            id: r.id,
            message_id: r.message_id,
            event_type: r.event_type,
            attempt_number: u32::try_from(r.attempt_number).unwrap_or(0),
            attempted_at: from_millis(r.attempted_at),
            status_code: r.status_code.and_then(|c| u16::try_from(c).ok()),
            duration_ms: u64::try_from(r.duration_ms).unwrap_or(0),
            outcome: r.outcome,
            error: r.error,
        }
    }
}

pub async fn deliveries(
    pool: &Pool,
    company: CompanyId,
    id: WebhookId,
    p: PageRequest,
) -> StoreResult<Page<DeliveryLogEntry>> {
    // Counted first: an attempt logged between the two reads then shows in the page without
    // being counted, never counted without showing (the log only grows).
    let total: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM webhook_attempts WHERE webhook_id = $1 AND EXISTS \
         (SELECT 1 FROM webhooks WHERE id = $1 AND company_id = $2)",
    )
    .bind(id.uuid())
    .bind(company.uuid())
    .fetch_one(pool)
    .await?;
    let rows: Vec<LogRow> = sqlx::query_as(
        "SELECT id, message_id, event_type, attempt_number, attempted_at, status_code, duration_ms, \
         outcome, error FROM webhook_attempts WHERE webhook_id = $1 AND EXISTS \
         (SELECT 1 FROM webhooks WHERE id = $1 AND company_id = $2) \
         ORDER BY attempted_at DESC, id DESC LIMIT $3 OFFSET $4",
    )
    .bind(id.uuid())
    .bind(company.uuid())
    .bind(i64::from(p.limit))
    .bind(p.offset())
    .fetch_all(pool)
    .await?;
    Ok(Page {
        items: rows.into_iter().map(DeliveryLogEntry::from).collect(),
        total,
    })
}

/// The scope key of Xobin's webhook settings: `global` or the job's id.
fn scope_of(job: Option<JobId>) -> String {
    job.map_or_else(|| "global".to_owned(), |j| j.to_string())
}

pub async fn xobin_settings(
    pool: &Pool,
    company: CompanyId,
    job: Option<JobId>,
) -> StoreResult<Option<String>> {
    Ok(sqlx::query_scalar(
        "SELECT settings FROM xobin_webhook_settings WHERE company_id = $1 AND scope = $2",
    )
    .bind(company.uuid())
    .bind(scope_of(job))
    .fetch_optional(pool)
    .await?)
}

pub async fn has_own_xobin_settings(
    pool: &Pool,
    company: CompanyId,
    job: JobId,
) -> StoreResult<bool> {
    let found: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM xobin_webhook_settings WHERE company_id = $1 AND scope = $2",
    )
    .bind(company.uuid())
    .bind(scope_of(Some(job)))
    .fetch_one(pool)
    .await?;
    Ok(found > 0)
}

/// Removes the managed endpoints of one scope (`None`: the global ones; with `every_job`,
/// those of every AI interview instead), their messages and log with them.
async fn drop_managed(
    conn: &mut Conn,
    company: CompanyId,
    job: Option<JobId>,
    every_job: bool,
) -> StoreResult<()> {
    let (filter, job) = match (every_job, job) {
        (true, _) => ("job_id IS NOT NULL", None),
        (false, None) => ("job_id IS NULL", None),
        (false, Some(job)) => ("job_id = $3", Some(job.uuid())),
    };
    for head in [
        "DELETE FROM webhook_attempts WHERE webhook_id IN (SELECT id FROM webhooks \
         WHERE company_id = $1 AND managed = $2 AND ",
        "DELETE FROM webhook_messages WHERE webhook_id IN (SELECT id FROM webhooks \
         WHERE company_id = $1 AND managed = $2 AND ",
        "DELETE FROM webhooks WHERE id IN (SELECT id FROM webhooks \
         WHERE company_id = $1 AND managed = $2 AND ",
    ] {
        let mut query = sqlx::QueryBuilder::<Db>::new(head);
        query.push(filter).push(")");
        let mut query = query.build().bind(company.uuid()).bind(true);
        if let Some(job) = job {
            query = query.bind(job);
        }
        query.execute(&mut *conn).await?;
    }
    Ok(())
}

pub async fn put_xobin_settings(
    conn: &mut Conn,
    company: CompanyId,
    job: Option<JobId>,
    settings: &str,
    endpoints: &[Webhook],
    reset_jobs: bool,
    at: i64,
) -> StoreResult<()> {
    if reset_jobs {
        drop_managed(&mut *conn, company, None, true).await?;
        sqlx::query(
            "DELETE FROM xobin_webhook_settings WHERE company_id = $1 AND job_id IS NOT NULL",
        )
        .bind(company.uuid())
        .execute(&mut *conn)
        .await?;
    }
    drop_managed(&mut *conn, company, job, false).await?;
    sqlx::query(
        "INSERT INTO xobin_webhook_settings (company_id, scope, job_id, settings, updated_at) \
         VALUES ($1, $2, $3, $4, $5) ON CONFLICT (company_id, scope) \
         DO UPDATE SET settings = $4, updated_at = $5",
    )
    .bind(company.uuid())
    .bind(scope_of(job))
    .bind(job.map(|j| j.uuid()))
    .bind(settings)
    .bind(at)
    .execute(&mut *conn)
    .await?;
    for endpoint in endpoints {
        insert(&mut *conn, endpoint).await?;
    }
    Ok(())
}
