//! Fan-out: each undispatched event becomes one message per subscribed endpoint of its
//! company that takes messages (active, or with an open circuit: its messages wait for the
//! reset), and is marked dispatched in the same transaction.
//!
//! Endpoints are read just before the transaction; the insert re-checks that each endpoint
//! still exists and takes messages, and marking the event is conditional on it being
//! undispatched, so two fan-out workers never create a message twice. An event about an
//! interview that no longer exists (other than `interview.deleted`) creates no message.

use crate::app::Wakers;
use crate::clock::Clock;
use crate::core::event_catalogue::subscribes;
use crate::store::delivery::{NewMessage, StoredEvent, Webhook};
use crate::store::events::kinds;
use crate::store::{DynStore, StoreResult};
use crate::wire::payload::{EventView, render};
use crate::workers::{Busy, Worker};
use interviewd_domain::CompanyId;
use interviewd_voice::BoxFuture;
use std::collections::HashMap;
use std::collections::hash_map::Entry;
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
    store: DynStore,
    clock: Clock,
    /// Woken when messages were created: the delivery worker.
    wakers: Wakers,
    busy: Busy,
}

impl FanOut {
    pub fn new(store: DynStore, clock: Clock, wakers: Wakers) -> Self {
        Self {
            store,
            clock,
            wakers,
            busy: Busy::default(),
        }
    }

    async fn fan_out(&self) -> usize {
        let _busy = self.busy.start();
        match self.round().await {
            Ok((events, messages)) => {
                if messages > 0 {
                    self.wakers.delivery.notify_one();
                }
                events
            }
            Err(error) => {
                tracing::warn!(%error, "webhook fan-out failed; will retry");
                0
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
                .dispatch_event(event.id, &messages, self.clock.now())
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

impl Worker for FanOut {
    fn name(&self) -> &'static str {
        "webhook fan-out"
    }

    fn round(&self) -> BoxFuture<'_, usize> {
        Box::pin(self.fan_out())
    }

    fn settle(&self) -> BoxFuture<'_, ()> {
        Box::pin(self.busy.idle())
    }
}
