//! [`RetentionStore`] in SQL: expired candidates, the media-retention sweep and the outbox
//! erasure queue. Media is erased one interview per transaction, under the interview's lock
//! (the order of [`super::interviews::lock`]), so a removal or the engine never meets half of
//! it.

use super::{Conn, DbStore};
use crate::store::StoreResult;
use crate::store::retention::RetentionStore;
use crate::store::retry::retrying;
use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use interviewd_domain::time::to_millis;
use interviewd_domain::{CandidateId, CompanyId};
use uuid::Uuid;

const DAY_MS: i64 = 86_400_000;

/// Erases one interview's recordings and transcript, if it is still due.
async fn erase_media(conn: &mut Conn, id: Uuid, now: DateTime<Utc>) -> StoreResult<bool> {
    let Some(interview) = super::interviews::lock(&mut *conn, id).await? else {
        return Ok(false);
    };
    let keys: Vec<String> = sqlx::query_scalar(
        "SELECT recording_key FROM call_attempts WHERE interview_id = $1 AND recording_key IS NOT NULL",
    )
    .bind(id)
    .fetch_all(&mut *conn)
    .await?;
    for key in &keys {
        super::engine::enqueue_blob_deletion(&mut *conn, key, now).await?;
    }
    let at = to_millis(now);
    sqlx::query(
        "UPDATE call_attempts SET recording_key = NULL, updated_at = $2 WHERE interview_id = $1",
    )
    .bind(id)
    .bind(at)
    .execute(&mut *conn)
    .await?;
    let turns = sqlx::query("DELETE FROM transcript_turns WHERE interview_id = $1")
        .bind(id)
        .execute(&mut *conn)
        .await?
        .rows_affected();
    sqlx::query(
        "UPDATE online_sessions SET answers = '[]', turns = '[]', updated_at = $2 \
         WHERE interview_id = $1",
    )
    .bind(id)
    .bind(at)
    .execute(&mut *conn)
    .await?;
    sqlx::query("UPDATE interviews SET media_erased_at = $2 WHERE id = $1")
        .bind(id)
        .bind(at)
        .execute(&mut *conn)
        .await?;
    let target = serde_json::json!({ "interviewId": id.to_string() });
    let counts = serde_json::json!({ "recordings": keys.len(), "transcriptTurns": turns });
    let entry = super::audit::Entry {
        company: interview.company_id,
        actor: None,
        action: "interview.media_retention",
        target,
        counts,
        at: now,
    };
    super::audit::insert(&mut *conn, entry).await?;
    Ok(true)
}

impl DbStore {
    async fn erase_media_of(&self, id: Uuid, now: DateTime<Utc>) -> StoreResult<bool> {
        let mut tx = self.write_tx().await?;
        let erased = erase_media(&mut tx, id, now).await?;
        tx.commit().await?;
        Ok(erased)
    }
}

#[async_trait]
impl RetentionStore for DbStore {
    async fn expired_candidates(
        &self,
        today: NaiveDate,
        limit: u32,
    ) -> StoreResult<Vec<(CompanyId, CandidateId)>> {
        let rows: Vec<(Uuid, Uuid)> = sqlx::query_as(
            "SELECT company_id, id FROM candidates \
             WHERE gdpr_expiry_date IS NOT NULL AND gdpr_expiry_date < $1 \
             ORDER BY gdpr_expiry_date LIMIT $2",
        )
        .bind(today.format("%Y-%m-%d").to_string())
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(|(company, id)| (company.into(), id.into()))
            .collect())
    }

    async fn expire_media(
        &self,
        now: DateTime<Utc>,
        default_days: Option<u32>,
        limit: u32,
    ) -> StoreResult<usize> {
        let due: Vec<Uuid> = sqlx::query_scalar(
            "SELECT i.id FROM interviews i JOIN companies c ON c.id = i.company_id \
             WHERE i.media_erased_at IS NULL AND i.finished_at IS NOT NULL \
               AND COALESCE(c.media_retention_days, $2) IS NOT NULL \
               AND i.finished_at < $1 - COALESCE(c.media_retention_days, $2) * $3 \
             ORDER BY i.finished_at LIMIT $4",
        )
        .bind(to_millis(now))
        .bind(default_days.map(i64::from))
        .bind(DAY_MS)
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await?;
        let mut erased = 0;
        for id in due {
            if retrying("erase media", || self.erase_media_of(id, now)).await? {
                erased += 1;
            }
        }
        if erased > 0 {
            self.erased();
        }
        Ok(erased)
    }

    async fn set_media_retention(
        &self,
        company: CompanyId,
        days: Option<u32>,
    ) -> StoreResult<bool> {
        let done = sqlx::query("UPDATE companies SET media_retention_days = $2 WHERE id = $1")
            .bind(company.uuid())
            .bind(days.map(i64::from))
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected() == 1)
    }

    async fn media_retention(&self, company: CompanyId) -> StoreResult<Option<u32>> {
        let days: Option<Option<i64>> =
            sqlx::query_scalar("SELECT media_retention_days FROM companies WHERE id = $1")
                .bind(company.uuid())
                .fetch_optional(&self.pool)
                .await?;
        Ok(days.flatten().and_then(|d| u32::try_from(d).ok()))
    }

    async fn outbox_erasures(&self, limit: u32) -> StoreResult<Vec<Uuid>> {
        Ok(
            sqlx::query_scalar("SELECT mail_id FROM outbox_erasures ORDER BY created_at LIMIT $1")
                .bind(i64::from(limit))
                .fetch_all(&self.pool)
                .await?,
        )
    }

    async fn finish_outbox_erasures(&self, mails: &[Uuid]) -> StoreResult<()> {
        if mails.is_empty() {
            return Ok(());
        }
        let mut tx = self.write_tx().await?;
        for id in mails {
            sqlx::query("DELETE FROM outbox_erasures WHERE mail_id = $1")
                .bind(id)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(())
    }
}

/// Inside an erasure's transaction: every mail to the candidate goes — pending ones are not
/// sent (a revocation notice included: the person asked to be forgotten), and the outbox
/// copies of sent ones are queued for erasure.
pub async fn erase_candidate_mail(
    conn: &mut Conn,
    candidate: Uuid,
    now: DateTime<Utc>,
) -> StoreResult<u64> {
    sqlx::query(
        "INSERT INTO outbox_erasures (mail_id, created_at) \
         SELECT id, $2 FROM mail_queue WHERE candidate_id = $1 AND status = 'SENT' \
         ON CONFLICT (mail_id) DO NOTHING",
    )
    .bind(candidate)
    .bind(to_millis(now))
    .execute(&mut *conn)
    .await?;
    let pending =
        sqlx::query("DELETE FROM mail_queue WHERE candidate_id = $1 AND status = 'PENDING'")
            .bind(candidate)
            .execute(&mut *conn)
            .await?
            .rows_affected();
    sqlx::query("DELETE FROM mail_queue WHERE candidate_id = $1")
        .bind(candidate)
        .execute(&mut *conn)
        .await?;
    Ok(pending)
}
