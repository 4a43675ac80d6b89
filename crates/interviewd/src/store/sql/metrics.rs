//! The SQL side of [`crate::store::metrics::MetricsStore`]: aggregate counts only, each
//! served by an existing index.

use super::DbStore;
use crate::store::StoreResult;
use crate::store::metrics::{MetricsStore, OpsSnapshot, Usage};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use interviewd_domain::CompanyId;
use interviewd_domain::time::to_millis;
use uuid::Uuid;

#[async_trait]
impl MetricsStore for DbStore {
    async fn usage(
        &self,
        company: CompanyId,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> StoreResult<Usage> {
        let interviews: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM interviews WHERE company_id = $1 AND is_test = $2 \
             AND status = 'COMPLETED' AND finished_at >= $3 AND finished_at < $4",
        )
        .bind(company.uuid())
        .bind(false)
        .bind(to_millis(from))
        .bind(to_millis(to))
        .fetch_one(self.pool())
        .await?;
        let (with_minutes, duration_ms): (i64, Option<i64>) = sqlx::query_as(
            "SELECT COUNT(DISTINCT a.interview_id), CAST(SUM(a.duration_ms) AS BIGINT) \
             FROM call_attempts a \
             JOIN interviews i ON i.id = a.interview_id \
             WHERE a.company_id = $1 AND i.is_test = $2 AND a.duration_ms > 0 \
             AND a.ended_at >= $3 AND a.ended_at < $4",
        )
        .bind(company.uuid())
        .bind(false)
        .bind(to_millis(from))
        .bind(to_millis(to))
        .fetch_one(self.pool())
        .await?;
        Ok(Usage {
            interviews,
            with_minutes,
            duration_ms: duration_ms.unwrap_or(0),
        })
    }

    async fn ops_snapshot(&self, now: DateTime<Utc>) -> StoreResult<OpsSnapshot> {
        let (calls_due, calls_later): (Option<i64>, Option<i64>) = sqlx::query_as(
            "SELECT SUM(CASE WHEN scheduled_at <= $1 THEN 1 ELSE 0 END), \
                    SUM(CASE WHEN scheduled_at > $1 THEN 1 ELSE 0 END) \
             FROM call_attempts WHERE status = 'SCHEDULED'",
        )
        .bind(to_millis(now))
        .fetch_one(self.pool())
        .await?;
        let slots: Vec<(Uuid, i64)> = sqlx::query_as(
            "SELECT company_id, COUNT(*) FROM company_slots \
             WHERE holder_attempt_id IS NOT NULL GROUP BY company_id ORDER BY company_id",
        )
        .fetch_all(self.pool())
        .await?;
        let webhook_messages: Vec<(String, i64)> = sqlx::query_as(
            "SELECT status, COUNT(*) FROM webhook_messages GROUP BY status ORDER BY status",
        )
        .fetch_all(self.pool())
        .await?;
        let mail_messages: Vec<(String, i64)> = sqlx::query_as(
            "SELECT status, COUNT(*) FROM mail_queue GROUP BY status ORDER BY status",
        )
        .fetch_all(self.pool())
        .await?;
        Ok(OpsSnapshot {
            calls_due: calls_due.unwrap_or(0),
            calls_later: calls_later.unwrap_or(0),
            slots_in_use: slots.into_iter().map(|(c, n)| (c.into(), n)).collect(),
            webhook_messages,
            mail_messages,
        })
    }
}
