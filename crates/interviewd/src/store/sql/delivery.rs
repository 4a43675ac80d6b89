//! The SQL side of [`crate::store::delivery::DeliveryStore`], plus the function other write
//! paths call inside their own transactions: [`enqueue_mail`] (invites and the revocation
//! path). What a deleted interview leaves queued is dropped by the deletion path's own
//! statement (`removal.rs`, `remove_one`).

#[path = "delivery_mail.rs"]
mod mail;
#[path = "delivery_queue.rs"]
mod queue;
#[path = "delivery_webhooks.rs"]
mod webhooks;

pub use mail::enqueue_mail;

use super::{Conn, Db, DbStore, Pool};
use crate::store::delivery::{
    AttemptRecord, ClaimedMessage, DeliveryLogEntry, DeliveryStore, EndpointState, MailFate,
    MailStatus, NewMail, NewMessage, QueuedMail, StoredEvent, Webhook,
};
use crate::store::{Page, StoreResult};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use interviewd_domain::{CompanyId, InterviewId, JobId, PageRequest, WebhookId};
use uuid::Uuid;

#[async_trait]
impl DeliveryStore for DbStore {
    async fn insert_webhook(&self, webhook: &Webhook) -> StoreResult<()> {
        webhooks::insert(self.pool(), webhook).await
    }

    async fn xobin_settings(
        &self,
        company: CompanyId,
        job: Option<JobId>,
    ) -> StoreResult<Option<String>> {
        webhooks::xobin_settings(self.pool(), company, job).await
    }

    async fn put_xobin_settings(
        &self,
        company: CompanyId,
        job: Option<JobId>,
        settings: &str,
        endpoints: &[Webhook],
        reset_jobs: bool,
        at: DateTime<Utc>,
    ) -> StoreResult<()> {
        let mut tx = self.write_tx().await?;
        webhooks::put_xobin_settings(
            &mut tx,
            company,
            job,
            settings,
            endpoints,
            reset_jobs,
            interviewd_domain::time::to_millis(at),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn has_own_xobin_settings(&self, company: CompanyId, job: JobId) -> StoreResult<bool> {
        webhooks::has_own_xobin_settings(self.pool(), company, job).await
    }

    async fn get_webhook(&self, company: CompanyId, id: WebhookId) -> StoreResult<Option<Webhook>> {
        webhooks::get(self.pool(), company, id).await
    }

    async fn list_webhooks(
        &self,
        company: CompanyId,
        page: PageRequest,
    ) -> StoreResult<Page<Webhook>> {
        webhooks::list(self.pool(), company, page).await
    }

    async fn list_key_webhooks(
        &self,
        key: interviewd_domain::KeyId,
        companies: &[CompanyId],
        page: PageRequest,
    ) -> StoreResult<Page<Webhook>> {
        webhooks::list_of_key(self.pool(), key, companies, page).await
    }

    async fn update_webhook(
        &self,
        webhook: &Webhook,
        state: Option<EndpointState>,
    ) -> StoreResult<bool> {
        // Resuming locks the endpoint's row, then its held messages: the reverse of a
        // delivery recording its attempt, so on PostgreSQL the two can deadlock; the loser is
        // run again.
        crate::store::retry::retrying("update webhook", || async {
            let mut tx = self.write_tx().await?;
            let found = webhooks::update(&mut tx, webhook, state).await?;
            tx.commit().await?;
            Ok(found)
        })
        .await
    }

    async fn delete_webhook(&self, company: CompanyId, id: WebhookId) -> StoreResult<bool> {
        crate::store::retry::retrying("delete webhook", || async {
            let mut tx = self.write_tx().await?;
            let found = webhooks::delete(&mut tx, company, id).await?;
            tx.commit().await?;
            Ok(found)
        })
        .await
    }

    async fn enqueue_message(&self, message: &NewMessage) -> StoreResult<bool> {
        let mut tx = self.write_tx().await?;
        let queued = queue::insert_message(&mut tx, message, true).await?;
        tx.commit().await?;
        Ok(queued)
    }

    async fn enqueue_leased_message(
        &self,
        message: &NewMessage,
        lease: &str,
        until: DateTime<Utc>,
    ) -> StoreResult<bool> {
        let mut tx = self.write_tx().await?;
        if !queue::insert_message(&mut tx, message, true).await? {
            return Ok(false);
        }
        sqlx::query("UPDATE webhook_messages SET lease_owner = $2, lease_until = $3 WHERE id = $1")
            .bind(message.id)
            .bind(lease)
            .bind(interviewd_domain::time::to_millis(until))
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(true)
    }

    async fn list_deliveries(
        &self,
        company: CompanyId,
        id: WebhookId,
        page: PageRequest,
    ) -> StoreResult<Page<DeliveryLogEntry>> {
        webhooks::deliveries(self.pool(), company, id, page).await
    }

    async fn undispatched_events(&self, limit: u32) -> StoreResult<Vec<StoredEvent>> {
        queue::undispatched(self.pool(), limit).await
    }

    async fn receiving_webhooks(&self, company: CompanyId) -> StoreResult<Vec<Webhook>> {
        webhooks::receiving(self.pool(), company).await
    }

    async fn dispatch_event(
        &self,
        event_id: Uuid,
        messages: &[NewMessage],
        at: DateTime<Utc>,
    ) -> StoreResult<bool> {
        let mut tx = self.write_tx().await?;
        let dispatched = queue::dispatch(&mut tx, event_id, messages, at).await?;
        tx.commit().await?;
        Ok(dispatched)
    }

    async fn claim_messages(
        &self,
        now: DateTime<Utc>,
        limit: u32,
        lease_margin_ms: i64,
    ) -> StoreResult<Vec<ClaimedMessage>> {
        let mut tx = self.write_tx().await?;
        let claimed = queue::claim(&mut tx, now, limit, lease_margin_ms).await?;
        tx.commit().await?;
        Ok(claimed)
    }

    async fn record_attempt(&self, record: &AttemptRecord) -> StoreResult<bool> {
        let mut tx = self.write_tx().await?;
        let recorded = queue::record(&mut tx, record).await?;
        tx.commit().await?;
        Ok(recorded)
    }

    async fn release_messages(&self, leases: &[(Uuid, String)]) -> StoreResult<()> {
        let mut tx = self.write_tx().await?;
        for (id, lease) in leases {
            queue::release(&mut tx, *id, lease).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    async fn drop_message(&self, id: Uuid, lease: &str, at: DateTime<Utc>) -> StoreResult<()> {
        queue::drop_message(self.pool(), id, lease, at).await
    }

    async fn interview_exists(&self, id: InterviewId) -> StoreResult<bool> {
        queue::interview_exists(self.pool(), id).await
    }

    async fn start_webhook_attempt(
        &self,
        id: Uuid,
        lease: &str,
        at: DateTime<Utc>,
    ) -> StoreResult<bool> {
        let mut tx = self.write_tx().await?;
        let started = queue::start_attempt(&mut tx, id, lease, at).await?;
        tx.commit().await?;
        Ok(started)
    }

    async fn enqueue_mail(&self, mail: &NewMail) -> StoreResult<()> {
        let mut tx = self.write_tx().await?;
        enqueue_mail(&mut tx, mail).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn claim_mail(
        &self,
        now: DateTime<Utc>,
        limit: u32,
        lease_ms: i64,
    ) -> StoreResult<Vec<QueuedMail>> {
        let mut tx = self.write_tx().await?;
        let claimed = mail::claim(&mut tx, now, limit, lease_ms).await?;
        tx.commit().await?;
        Ok(claimed)
    }

    async fn finish_mail(
        &self,
        id: Uuid,
        lease: &str,
        fate: &MailFate,
        at: DateTime<Utc>,
    ) -> StoreResult<bool> {
        mail::finish(self.pool(), id, lease, fate, at).await
    }

    async fn release_mail(&self, leases: &[(Uuid, String)]) -> StoreResult<()> {
        let mut tx = self.write_tx().await?;
        for (id, lease) in leases {
            mail::release(&mut tx, *id, lease).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    async fn renew_mail(&self, leases: &[(Uuid, String)], until: DateTime<Utc>) -> StoreResult<()> {
        let mut tx = self.write_tx().await?;
        for (id, lease) in leases {
            mail::renew(&mut tx, *id, lease, until).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    async fn mail_status(&self, id: Uuid) -> StoreResult<Option<MailStatus>> {
        mail::status(self.pool(), id).await
    }
}
