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
use crate::core::{links, reports, webhook_settings};
use crate::store::delivery::{NewMessage, StoredEvent, Webhook};
use crate::store::events::kinds;
use crate::store::{DynStore, StoreError, StoreResult};
use crate::wire::Links;
use crate::wire::payload::{Assets, EventView, needs_pdf, needs_report, render_with};
use crate::workers::Busy;
use chrono::{DateTime, Duration, Utc};
use interviewd_domain::CompanyId;
use interviewd_domain::assets::LinkKey;
use interviewd_domain::views::InterviewReport;
use std::collections::hash_map::Entry;
use std::collections::{HashMap, HashSet};
use std::sync::Mutex;
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
/// and the `assets` (signed links, the report PDF) where a format needs them.
pub fn plan(
    event: &StoredEvent,
    recipients: &[&Webhook],
    report: Option<&InterviewReport>,
    public_url: &str,
    assets: &Assets<'_>,
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
        let Some(payload) = render_with(endpoint.format, &view, assets) else {
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

/// The report PDF of `event`'s interview, when a recipient's format embeds it.
fn pdf_if_needed(
    event: &StoredEvent,
    to: &[&Webhook],
    report: Option<&InterviewReport>,
) -> Option<Vec<u8>> {
    let wanted = to.iter().any(|w| needs_pdf(w.format, &event.event_type));
    let report = report.filter(|_| wanted)?;
    match reports::analysis_pdf(report) {
        Ok(pdf) => Some(pdf),
        Err(error) => {
            tracing::warn!(%error, "no report PDF for a webhook payload");
            None
        }
    }
}

pub struct FanOut {
    store: DynStore,
    clock: Clock,
    /// The server's public base URL, for links in payloads.
    public_url: String,
    /// How long signed links in payloads work, in seconds.
    link_ttl_secs: u64,
    /// Woken when messages were created: the delivery worker.
    wakers: Wakers,
    busy: Busy,
    /// Events that could not be rendered: how often they failed, and when they are tried
    /// again (backing off from 2 s to an hour). Read past, so they hold back nothing.
    held: Mutex<HashMap<Uuid, (u32, DateTime<Utc>)>>,
}

/// The longest a held event waits before it is tried again.
const HELD_AT_MOST: Duration = Duration::hours(1);

impl FanOut {
    pub fn new(
        store: DynStore,
        clock: Clock,
        wakers: Wakers,
        public_url: String,
        link_ttl_secs: u64,
    ) -> Self {
        Self {
            store,
            clock,
            public_url,
            link_ttl_secs,
            wakers,
            busy: Busy::default(),
            held: Mutex::default(),
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

    /// One batch; returns how many events were dispatched and messages created.
    async fn round(&self) -> StoreResult<(usize, usize)> {
        let now = self.clock.now();
        let waiting: HashSet<Uuid> = self
            .held()
            .iter()
            .filter(|(_, (_, next))| *next > now)
            .map(|(id, _)| *id)
            .collect();
        let read = u32::try_from(waiting.len()).unwrap_or(u32::MAX);
        let events = self
            .store
            .undispatched_events(BATCH.saturating_add(read))
            .await?;
        // A held event no longer queued was dispatched elsewhere (another node) or is gone.
        self.held()
            .retain(|id, _| events.iter().any(|e| e.id == *id));
        let mut endpoints: HashMap<CompanyId, Vec<Webhook>> = HashMap::new();
        let (mut dispatched, mut created) = (0, 0);
        for event in events.iter().filter(|e| !waiting.contains(&e.id)) {
            let messages = match self.messages_for(event, &mut endpoints).await {
                Ok(messages) => messages,
                // An outage ends the round; it is tried again whole.
                Err(e @ (StoreError::Unavailable(_) | StoreError::Injected(_))) => return Err(e),
                // One event that cannot be made into messages must not hold back the events
                // behind it: it stays undispatched and is tried again later, backing off.
                Err(error) => {
                    self.hold(event, &error, now);
                    continue;
                }
            };
            if self
                .store
                .dispatch_event(event.id, &messages, self.clock.now())
                .await?
            {
                created += messages.len();
            }
            self.held().remove(&event.id);
            dispatched += 1;
        }
        Ok((dispatched, created))
    }

    fn held(&self) -> std::sync::MutexGuard<'_, HashMap<Uuid, (u32, DateTime<Utc>)>> {
        self.held
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Puts `event` aside after it failed with `error`; logged once per try.
    fn hold(&self, event: &StoredEvent, error: &StoreError, now: DateTime<Utc>) {
        let mut held = self.held();
        let failures = held.get(&event.id).map_or(0, |(n, _)| *n) + 1;
        let wait = Duration::seconds(1i64 << failures.min(12)).min(HELD_AT_MOST);
        held.insert(event.id, (failures, now + wait));
        tracing::error!(event = %event.id, event_type = %event.event_type, failures,
            retry_in_secs = wait.num_seconds(), %error,
            "webhook fan-out could not render an event; the events behind it go on");
    }

    /// The messages `event` becomes for its company's receiving endpoints (read once a round
    /// per company into `endpoints`); none for an event about a removed interview.
    async fn messages_for(
        &self,
        event: &StoredEvent,
        endpoints: &mut HashMap<CompanyId, Vec<Webhook>>,
    ) -> StoreResult<Vec<NewMessage>> {
        if self.is_about_a_deleted_interview(event).await? {
            return Ok(Vec::new());
        }
        let of_company = match endpoints.entry(event.company_id) {
            Entry::Occupied(known) => known.into_mut(),
            Entry::Vacant(slot) => {
                slot.insert(self.store.receiving_webhooks(event.company_id).await?)
            }
        };
        let mut to = recipients(event, of_company);
        let report = self.report_if_needed(event, &to).await?;
        if to.iter().any(|w| w.managed) {
            to = self.of_its_job(event, to, report.as_ref()).await?;
        }
        let pdf = pdf_if_needed(event, &to, report.as_ref());
        let key = match &report {
            Some(_) => Some(self.link_key().await?),
            None => None,
        };
        let links = key.as_ref().map(|key| Links {
            base: &self.public_url,
            signer: Some((key, self.link_expiry())),
        });
        let assets = Assets {
            links,
            analysis_pdf: pdf.as_deref(),
        };
        Ok(plan(event, &to, report.as_ref(), &self.public_url, &assets))
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
        let report = interviews::report_from(self.store.as_ref(), detail, true).await?;
        Ok(Some(report))
    }

    /// `to` without the Xobin-settings endpoints that do not serve the job of the interview
    /// `event` is about (`core::webhook_settings::reaches`).
    async fn of_its_job<'w>(
        &self,
        event: &StoredEvent,
        to: Vec<&'w Webhook>,
        report: Option<&InterviewReport>,
    ) -> StoreResult<Vec<&'w Webhook>> {
        let job = match report {
            Some(report) => report.detail.interview.job_id,
            None => match event.interview_id {
                Some(id) => self
                    .store
                    .get_interview(event.company_id, id)
                    .await?
                    .and_then(|d| d.interview.job_id),
                None => None,
            },
        };
        // Asked once per event, and only when a global settings endpoint could take it.
        let job_has_own = match job {
            Some(job) if to.iter().any(|w| w.managed && w.job_id.is_none()) => {
                self.store
                    .has_own_xobin_settings(event.company_id, job)
                    .await?
            }
            _ => false,
        };
        Ok(to
            .into_iter()
            .filter(|endpoint| webhook_settings::reaches(endpoint, job, job_has_own))
            .collect())
    }

    /// The deployment's key for signed asset links.
    async fn link_key(&self) -> StoreResult<LinkKey> {
        links::link_key(self.store.as_ref(), self.clock.now()).await
    }

    /// When links signed now expire.
    fn link_expiry(&self) -> chrono::DateTime<chrono::Utc> {
        let secs = i64::try_from(self.link_ttl_secs).unwrap_or(i64::MAX);
        self.clock.now() + chrono::Duration::seconds(secs)
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
