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
use crate::core::interviews;
use crate::store::delivery::{NewMessage, StoredEvent, Webhook};
use crate::store::events::kinds;
use crate::store::{DynStore, StoreError, StoreResult};
use crate::wire::payload::{EventView, needs_report, render};
use crate::workers::Busy;
use interviewd_domain::CompanyId;
use interviewd_domain::views::InterviewReport;
use std::collections::HashMap;
use std::collections::hash_map::Entry;
use uuid::Uuid;

/// Events read per round.
const BATCH: u32 = 100;

/// The endpoints of `endpoints` (its company's receiving ones) that `event` goes to.
fn recipients<'e>(event: &StoredEvent, endpoints: &'e [Webhook]) -> Vec<&'e Webhook> {
    endpoints
        .iter()
        .filter(|e| {
            let receiving = e.is_active || e.circuit_opened_at.is_some();
            receiving && subscribes(&e.events, &event.event_type)
        })
        .collect()
}

/// The messages `event` becomes for `recipients`, rendered with the interview's `report`
/// where a format needs it.
pub fn plan(
    event: &StoredEvent,
    recipients: &[&Webhook],
    report: Option<&InterviewReport>,
    public_url: &str,
) -> Vec<NewMessage> {
    let mut messages = Vec::new();
    for endpoint in recipients {
        let id = Uuid::now_v7();
        let view = EventView {
            event_type: &event.event_type,
            data: &event.data,
            occurred_at: event.created_at,
            delivery_id: id,
            report,
            public_url,
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
    /// The server's public base URL, for links in payloads.
    public_url: String,
    /// Woken when messages were created: the delivery worker.
    wakers: Wakers,
    busy: Busy,
}

impl FanOut {
    pub fn new(store: DynStore, clock: Clock, wakers: Wakers, public_url: String) -> Self {
        Self {
            store,
            clock,
            public_url,
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
                let to = recipients(event, of_company);
                let report = self.report_if_needed(event, &to).await?;
                plan(event, &to, report.as_ref(), &self.public_url)
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

    /// The interview `event` is about, read once when a recipient's format shows it.
    async fn report_if_needed(
        &self,
        event: &StoredEvent,
        to: &[&Webhook],
    ) -> StoreResult<Option<InterviewReport>> {
        let needed = to.iter().any(|w| needs_report(w.format, &event.event_type));
        let Some(id) = event.interview_id.filter(|_| needed) else {
            return Ok(None);
        };
        let Some(detail) = self.store.get_interview(event.company_id, id).await? else {
            return Ok(None);
        };
        let report = interviews::report_from(self.store.as_ref(), detail, true)
            .await
            .map_err(|e| StoreError::Internal(e.to_string()))?;
        Ok(Some(report))
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

crate::workers::queue_worker!(FanOut, "webhook fan-out", fan_out);
