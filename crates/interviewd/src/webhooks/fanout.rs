//! Fan-out: each undispatched event becomes one message per subscribed endpoint of its
//! company that takes messages (active, or with an open circuit: its messages wait for the
//! reset), and is marked dispatched in the same transaction.
//!
//! Endpoints are read just before the transaction; the insert re-checks that each endpoint
//! still exists and takes messages, and marking the event is conditional on it being
//! undispatched, so two fan-out workers never create a message twice. An event about an
//! interview that no longer exists (other than `interview.deleted`) creates no message.

use super::events::subscribes;
use super::pause;
use super::payload::{EventView, render};
use crate::store::delivery::{NewMessage, StoredEvent, Webhook};
use crate::store::events::kinds;
use crate::store::{DynStore, StoreResult};
use chrono::Utc;
use interviewd_domain::CompanyId;
use std::collections::HashMap;
use std::collections::hash_map::Entry;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

/// Events read per round.
const BATCH: u32 = 100;

/// The messages `event` becomes for `endpoints` (its company's receiving ones).
pub fn plan(event: &StoredEvent, endpoints: &[Webhook]) -> Vec<NewMessage> {
    let mut messages = Vec::new();
    for endpoint in endpoints {
        let receiving = endpoint.is_active || endpoint.circuit_opened_at.is_some();
        if !receiving || !subscribes(&endpoint.events, &event.event_type) {
            continue;
        }
        let id = Uuid::now_v7();
        let view = EventView {
            event_type: &event.event_type,
            data: &event.data,
            occurred_at: event.created_at,
            delivery_id: id,
        };
        let Some(payload) = render(endpoint.format, &view) else {
            continue;
        };
        messages.push(NewMessage {
            id,
            webhook_id: endpoint.id,
            company_id: event.company_id,
            event_id: Some(event.id),
            interview_id: event.interview_id,
            event_type: event.event_type.clone(),
            payload,
            created_at: event.created_at,
        });
    }
    messages
}

pub struct FanOut {
    pub store: DynStore,
    pub poll: Duration,
    /// Notified when messages were created, to wake the delivery worker.
    pub fanned_out: Arc<Notify>,
}

impl FanOut {
    pub async fn run(self, shutdown: CancellationToken) {
        let idle = Notify::new();
        loop {
            let round = tokio::select! {
                _ = shutdown.cancelled() => return,
                round = self.round() => round,
            };
            match round {
                Ok((events, messages)) => {
                    if messages > 0 {
                        self.fanned_out.notify_one();
                    }
                    if events >= BATCH as usize {
                        continue;
                    }
                }
                Err(error) => tracing::warn!(%error, "webhook fan-out failed; will retry"),
            }
            if !pause(&shutdown, &idle, self.poll).await {
                return;
            }
        }
    }

    /// One batch; returns how many events were read and messages created.
    async fn round(&self) -> StoreResult<(usize, usize)> {
        let events = self.store.undispatched_events(BATCH).await?;
        let mut endpoints: HashMap<CompanyId, Vec<Webhook>> = HashMap::new();
        let mut created = 0;
        for event in &events {
            let messages = if self.is_about_a_deleted_interview(event).await? {
                Vec::new()
            } else {
                let of_company = match endpoints.entry(event.company_id) {
                    Entry::Occupied(known) => known.into_mut(),
                    Entry::Vacant(slot) => {
                        slot.insert(self.store.receiving_webhooks(event.company_id).await?)
                    }
                };
                plan(event, of_company)
            };
            if self
                .store
                .dispatch_event(event.id, &messages, Utc::now())
                .await?
            {
                created += messages.len();
            }
        }
        Ok((events.len(), created))
    }

    async fn is_about_a_deleted_interview(&self, event: &StoredEvent) -> StoreResult<bool> {
        match event.interview_id {
            Some(id) if event.event_type != kinds::INTERVIEW_DELETED => {
                Ok(!self.store.interview_exists(id).await?)
            }
            _ => Ok(false),
        }
    }
}
