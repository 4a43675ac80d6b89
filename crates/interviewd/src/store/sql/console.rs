//! The SQL side of [`crate::store::console::ConsoleStore`], for both backends.

use super::{Db, DbStore};
use crate::store::console::{
    ConsoleStore, Decided, InterviewDelivery, InterviewLine, InterviewQuery, QueuedCall,
    StoredDecision,
};
use crate::store::rows::{InterviewRow, KeyRow};
use crate::store::rows::{interview_cols, key_cols};
use crate::store::{Page, StoreError, StoreResult};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use interviewd_domain::events::{self, EventIds};
use interviewd_domain::model::{ApiKey, Interview};
use interviewd_domain::time::{from_millis, to_millis};
use interviewd_domain::{CompanyId, Decision, InterviewId, InterviewStatus, KeyId, PageRequest};
use uuid::Uuid;

#[derive(sqlx::FromRow)]
struct LineRow {
    #[sqlx(flatten)]
    interview: InterviewRow,
    candidate_first_name: Option<String>,
    candidate_last_name: Option<String>,
    candidate_email: Option<String>,
    job_title: Option<String>,
    decision: Option<String>,
}

#[derive(sqlx::FromRow)]
struct DeliveryRow {
    id: Uuid,
    webhook_id: Uuid,
    url: String,
    name: Option<String>,
    event_type: String,
    status: String,
    attempts: i64,
    last_error: Option<String>,
    delivered_at: Option<i64>,
    created_at: i64,
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

/// `FROM …` with the joins and the filters of `q` (only those given, so indexes apply).
fn filtered(select: &str, company: CompanyId, q: &InterviewQuery) -> sqlx::QueryBuilder<Db> {
    let mut query = sqlx::QueryBuilder::<Db>::new(select);
    query
        .push(
            " FROM interviews i LEFT JOIN candidates c ON c.id = i.candidate_id \
             LEFT JOIN jobs j ON j.id = i.job_id \
             LEFT JOIN interview_decisions d ON d.interview_id = i.id WHERE i.company_id = ",
        )
        .push_bind(company.uuid());
    if let Some(status) = q.status {
        query.push(" AND i.status = ").push_bind(status.as_str());
    }
    if let Some(job) = q.job_id {
        query.push(" AND i.job_id = ").push_bind(job.uuid());
    }
    if let Some(candidate) = q.candidate_id {
        query
            .push(" AND i.candidate_id = ")
            .push_bind(candidate.uuid());
    }
    if let Some(from) = q.from {
        query
            .push(" AND i.scheduled_at >= ")
            .push_bind(to_millis(from));
    }
    if let Some(until) = q.until {
        query
            .push(" AND i.scheduled_at < ")
            .push_bind(to_millis(until));
    }
    if let Some(term) = q.search.as_deref() {
        let pattern = like_pattern(term);
        let mut any = query.separated(" OR ");
        any.push_unseparated(" AND (");
        for column in [
            "lower(coalesce(c.first_name, '') || ' ' || coalesce(c.last_name, ''))",
            "lower(coalesce(c.email, ''))",
            "lower(coalesce(j.title, ''))",
        ] {
            any.push(column)
                .push_unseparated(" LIKE ")
                .push_bind_unseparated(pattern.clone())
                .push_unseparated(" ESCAPE '\\'");
        }
        any.push_unseparated(")");
    }
    query
}

#[async_trait]
impl ConsoleStore for DbStore {
    async fn interview_counts(
        &self,
        company: CompanyId,
    ) -> StoreResult<Vec<(InterviewStatus, i64)>> {
        let rows: Vec<(String, i64)> = sqlx::query_as(
            "SELECT status, COUNT(*) FROM interviews WHERE company_id = $1 GROUP BY status",
        )
        .bind(company.uuid())
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter()
            .map(|(status, n)| {
                let status = status
                    .parse()
                    .map_err(|e| StoreError::Internal(format!("bad interviews.status: {e}")))?;
                Ok((status, n))
            })
            .collect()
    }

    async fn interview_lines(
        &self,
        company: CompanyId,
        q: &InterviewQuery,
        p: PageRequest,
    ) -> StoreResult<Page<InterviewLine>> {
        let columns = interview_cols!()
            .split(", ")
            .map(|c| format!("i.{c}"))
            .collect::<Vec<_>>()
            .join(", ");
        let select = format!(
            "SELECT {columns}, c.first_name AS candidate_first_name, \
             c.last_name AS candidate_last_name, c.email AS candidate_email, j.title AS job_title, \
             d.decision AS decision"
        );
        let order = if q.earliest_first {
            " ORDER BY i.scheduled_at, i.number LIMIT "
        } else {
            " ORDER BY i.scheduled_at DESC, i.number DESC LIMIT "
        };
        let mut query = filtered(&select, company, q);
        query
            .push(order)
            .push_bind(i64::from(p.limit))
            .push(" OFFSET ")
            .push_bind(p.offset());
        let rows: Vec<LineRow> = query.build_query_as().fetch_all(&self.pool).await?;
        let total: i64 = filtered("SELECT COUNT(*)", company, q)
            .build_query_scalar()
            .fetch_one(&self.pool)
            .await?;
        let items = rows
            .into_iter()
            .map(|r| {
                Ok(InterviewLine {
                    interview: Interview::try_from(r.interview)?,
                    candidate_first_name: r.candidate_first_name,
                    candidate_last_name: r.candidate_last_name,
                    candidate_email: r.candidate_email,
                    job_title: r.job_title,
                    decision: r
                        .decision
                        .map(|d| d.parse().map_err(StoreError::Internal))
                        .transpose()?,
                })
            })
            .collect::<StoreResult<_>>()?;
        Ok(Page { items, total })
    }

    async fn queued_calls(
        &self,
        company: CompanyId,
        now: DateTime<Utc>,
        limit: u32,
    ) -> StoreResult<Vec<QueuedCall>> {
        let rows: Vec<(Uuid, Uuid, i64, i64)> = sqlx::query_as(
            "SELECT id, interview_id, scheduled_at, retry_number FROM call_attempts \
             WHERE company_id = $1 AND status = 'SCHEDULED' AND scheduled_at <= $2 \
             ORDER BY scheduled_at LIMIT $3",
        )
        .bind(company.uuid())
        .bind(to_millis(now))
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(|(id, interview, at, retry)| QueuedCall {
                attempt_id: id.into(),
                interview_id: interview.into(),
                scheduled_at: from_millis(at),
                retry_number: u32::try_from(retry).unwrap_or(0),
            })
            .collect())
    }

    async fn interview_deliveries(
        &self,
        company: CompanyId,
        interview: InterviewId,
    ) -> StoreResult<Vec<InterviewDelivery>> {
        let rows: Vec<DeliveryRow> = sqlx::query_as(
            "SELECT m.id, m.webhook_id, w.url, w.name, m.event_type, m.status, m.attempts, \
             m.last_error, m.delivered_at, m.created_at FROM webhook_messages m \
             JOIN webhooks w ON w.id = m.webhook_id \
             WHERE m.company_id = $1 AND m.interview_id = $2 \
             ORDER BY m.created_at DESC LIMIT 200",
        )
        .bind(company.uuid())
        .bind(interview.uuid())
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(|r| InterviewDelivery {
                message_id: r.id,
                webhook_id: r.webhook_id.into(),
                webhook_url: r.url,
                webhook_name: r.name,
                event_type: r.event_type,
                status: r.status,
                attempts: u32::try_from(r.attempts).unwrap_or(0),
                last_error: r.last_error,
                delivered_at: r.delivered_at.map(from_millis),
                created_at: from_millis(r.created_at),
            })
            .collect())
    }

    async fn company_keys(&self, company: CompanyId) -> StoreResult<Vec<ApiKey>> {
        let rows: Vec<KeyRow> = sqlx::query_as(concat!(
            "SELECT ",
            key_cols!(),
            " FROM api_keys WHERE company_id = $1 AND kind = 'COMPANY' ORDER BY created_at DESC"
        ))
        .bind(company.uuid())
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter()
            .map(|r| r.into_key(Vec::new()).map(|(key, _)| key))
            .collect()
    }

    async fn revoke_company_key(
        &self,
        company: CompanyId,
        id: KeyId,
        at: DateTime<Utc>,
    ) -> StoreResult<bool> {
        let done = sqlx::query(
            "UPDATE api_keys SET revoked_at = COALESCE(revoked_at, $3) \
             WHERE id = $1 AND company_id = $2 AND kind = 'COMPANY'",
        )
        .bind(id.uuid())
        .bind(company.uuid())
        .bind(to_millis(at))
        .execute(&self.pool)
        .await;
        self.keys.forget_all();
        Ok(done?.rows_affected() > 0)
    }

    async fn decide(
        &self,
        company: CompanyId,
        interview: InterviewId,
        decision: Decision,
        user: Uuid,
        at: DateTime<Utc>,
    ) -> StoreResult<Decided> {
        let mut tx = self.write_tx().await?;
        // The company first, so another company's interview is never locked.
        let owned: Option<Uuid> =
            sqlx::query_scalar("SELECT id FROM interviews WHERE id = $1 AND company_id = $2")
                .bind(interview.uuid())
                .bind(company.uuid())
                .fetch_optional(&mut *tx)
                .await?;
        let Some(id) = owned else {
            return Ok(Decided::NotFound);
        };
        // Under the interview's lock, so a removal running meanwhile either comes first (and
        // nothing is decided) or after (and takes the decision with the interview).
        let Some(i) = super::interviews::lock(&mut tx, id).await? else {
            return Ok(Decided::NotFound);
        };
        let before: Option<String> =
            sqlx::query_scalar("SELECT decision FROM interview_decisions WHERE interview_id = $1")
                .bind(id)
                .fetch_optional(&mut *tx)
                .await?;
        if before.as_deref() == Some(decision.as_str()) {
            return Ok(Decided::Unchanged);
        }
        sqlx::query(
            "INSERT INTO interview_decisions (interview_id, company_id, decision, decided_by, decided_at) \
             VALUES ($1, $2, $3, $4, $5) ON CONFLICT (interview_id) DO UPDATE SET \
             decision = excluded.decision, decided_by = excluded.decided_by, decided_at = excluded.decided_at",
        )
        .bind(id)
        .bind(company.uuid())
        .bind(decision.as_str())
        .bind(user)
        .bind(to_millis(at))
        .execute(&mut *tx)
        .await?;
        let ids = EventIds {
            company_id: company,
            interview_id: i.id,
            candidate_id: i.candidate_id,
            job_id: i.job_id,
        };
        let event = events::decided(&ids, decision, i.status.as_str(), at);
        super::events::insert(&mut tx, &event).await?;
        tx.commit().await?;
        Ok(Decided::Made)
    }

    async fn decision(
        &self,
        company: CompanyId,
        interview: InterviewId,
    ) -> StoreResult<Option<StoredDecision>> {
        let row: Option<(String, Option<String>, i64)> = sqlx::query_as(
            "SELECT d.decision, u.email, d.decided_at FROM interview_decisions d \
             LEFT JOIN console_users u ON u.id = d.decided_by \
             WHERE d.interview_id = $1 AND d.company_id = $2",
        )
        .bind(interview.uuid())
        .bind(company.uuid())
        .fetch_optional(&self.pool)
        .await?;
        row.map(|(decision, by, at)| {
            Ok(StoredDecision {
                decision: decision.parse().map_err(StoreError::Internal)?,
                decided_by: by,
                decided_at: from_millis(at),
            })
        })
        .transpose()
    }
}
