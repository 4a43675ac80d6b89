//! Storage for outbound delivery: webhook endpoints, the fan-out of events into per-endpoint
//! messages, the delivery log, and the mail queue.
//!
//! The rules (which endpoints get an event, what a payload looks like, when to retry, when
//! the circuit opens) live in the workers and `core::webhooks`; this trait only
//! persists their decisions. Claiming is the one place a backend matters: a claim takes a
//! lease (owner token + expiry) so that a crashed worker's messages become due again, and
//! every completion is fenced on that token.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use interviewd_domain::{CompanyId, InterviewId, JobId, KeyId, PageRequest, WebhookId};
use serde_json::Value;
use std::fmt;
use uuid::Uuid;

use super::{Page, StoreResult};

pub use interviewd_domain::views::{
    DeliveryLogEntry, PayloadFormat, Webhook, WebhookHeader, WebhookSecret,
};

/// A change of an endpoint's state asked for by its owner.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EndpointState {
    /// Active, circuit closed, failure streak reset; held messages become due at once
    /// (`reset-circuit`, or re-enabling).
    Resume,
    /// Inactive by hand, not an open circuit: nothing is queued or sent until resumed.
    Pause,
}

/// An event row not yet fanned out. `Debug` leaves out the data (it may hold personal data).
#[derive(Clone)]
pub struct StoredEvent {
    pub id: Uuid,
    pub company_id: CompanyId,
    pub interview_id: Option<InterviewId>,
    pub event_type: String,
    pub data: Value,
    pub created_at: DateTime<Utc>,
}

/// A message to create: one event (or ping) for one endpoint, payload already rendered.
/// `Debug` leaves out the payload.
#[derive(Clone)]
pub struct NewMessage {
    pub id: Uuid,
    pub webhook_id: WebhookId,
    pub company_id: CompanyId,
    pub event_id: Option<Uuid>,
    pub interview_id: Option<InterviewId>,
    /// Our dotted event type (not the format's wire name).
    pub event_type: String,
    pub payload: String,
    pub created_at: DateTime<Utc>,
}

/// A message claimed for one attempt, with its endpoint as it is now. `Debug` leaves out
/// the payload.
#[derive(Clone)]
pub struct ClaimedMessage {
    pub id: Uuid,
    /// The lease token; completions must present it.
    pub lease: String,
    pub webhook: Webhook,
    pub interview_id: Option<InterviewId>,
    pub event_type: String,
    pub payload: String,
    /// Attempts made before this one.
    pub attempts: u32,
}

impl fmt::Debug for StoredEvent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StoredEvent")
            .field("id", &self.id)
            .field("event_type", &self.event_type)
            .field("interview_id", &self.interview_id)
            .finish_non_exhaustive()
    }
}

impl fmt::Debug for NewMessage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NewMessage")
            .field("id", &self.id)
            .field("webhook_id", &self.webhook_id)
            .field("event_type", &self.event_type)
            .finish_non_exhaustive()
    }
}

impl fmt::Debug for ClaimedMessage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClaimedMessage")
            .field("id", &self.id)
            .field("webhook_id", &self.webhook.id)
            .field("event_type", &self.event_type)
            .field("attempts", &self.attempts)
            .finish_non_exhaustive()
    }
}

/// What happens to a message after an attempt.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MessageFate {
    Delivered,
    /// Pending again, due at this time.
    Retry(DateTime<Utc>),
    /// No further attempt (retries exhausted, 410, or refused).
    Failed,
}

/// What an attempt does to its endpoint.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EndpointEffect {
    /// Leave the endpoint alone.
    None,
    /// A success: `consecutive_failures` back to 0.
    Succeeded,
    /// A failure: count it, and open the circuit (inactive, `circuit_opened_at`) once the
    /// count reaches `circuit_threshold`.
    Failed { circuit_threshold: u32 },
    /// 410 Gone: deactivate the endpoint.
    Disable,
}

/// One finished attempt, applied atomically: log row, message state, endpoint state.
#[derive(Clone, Debug)]
pub struct AttemptRecord {
    pub message_id: Uuid,
    pub lease: String,
    pub webhook_id: WebhookId,
    pub company_id: CompanyId,
    pub event_type: String,
    /// 1-based.
    pub attempt_number: u32,
    pub attempted_at: DateTime<Utc>,
    pub status_code: Option<u16>,
    pub duration_ms: u64,
    /// `DELIVERED`, `RETRY`, `GONE` or `REFUSED`.
    pub outcome: &'static str,
    pub error: Option<String>,
    pub fate: MessageFate,
    pub effect: EndpointEffect,
}

/// Why an e-mail is sent; decides what happens when its interview is deleted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MailKind {
    /// An interview invite: dropped when its interview is deleted.
    Invite,
    /// An invite revocation notice: sent even if the interview is deleted afterwards.
    RevocationNotice,
    /// Anything else: sent regardless.
    Other,
}

impl MailKind {
    /// Storage spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Invite => "INVITE",
            Self::RevocationNotice => "REVOCATION",
            Self::Other => "OTHER",
        }
    }

    /// Reads the storage spelling (unknown values are `Other`).
    pub fn from_stored(raw: &str) -> Self {
        match raw {
            "INVITE" => Self::Invite,
            "REVOCATION" => Self::RevocationNotice,
            _ => Self::Other,
        }
    }

    /// Whether a pending mail of this kind is dropped with its interview.
    pub fn dies_with_interview(self) -> bool {
        self == Self::Invite
    }
}

/// An e-mail to queue. `Debug` hides the recipient and body.
#[derive(Clone)]
pub struct NewMail {
    pub id: Uuid,
    pub company_id: Option<CompanyId>,
    pub interview_id: Option<InterviewId>,
    pub kind: MailKind,
    /// The recipient address.
    pub to: String,
    pub subject: String,
    pub body: String,
    pub created_at: DateTime<Utc>,
}

impl fmt::Debug for NewMail {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NewMail")
            .field("id", &self.id)
            .field("interview_id", &self.interview_id)
            .field("kind", &self.kind)
            .finish_non_exhaustive()
    }
}

/// A queued e-mail claimed for one attempt. `Debug` hides the recipient and body.
#[derive(Clone)]
pub struct QueuedMail {
    pub id: Uuid,
    pub lease: String,
    pub interview_id: Option<InterviewId>,
    pub kind: MailKind,
    pub to: String,
    pub subject: String,
    pub body: String,
    /// Attempts made before this one.
    pub attempts: u32,
}

impl fmt::Debug for QueuedMail {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("QueuedMail")
            .field("id", &self.id)
            .field("kind", &self.kind)
            .field("attempts", &self.attempts)
            .finish_non_exhaustive()
    }
}

/// What happens to a mail after an attempt.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum MailFate {
    Sent,
    /// Pending again, due at this time.
    Retry {
        at: DateTime<Utc>,
        error: String,
    },
    /// Given up (permanent failure or retries exhausted).
    Failed {
        error: String,
    },
    /// Not sent on purpose (its interview was deleted).
    Dropped {
        reason: String,
    },
}

/// A queued mail as the operator sees it (no recipient, no body).
#[derive(Clone, Debug)]
pub struct MailStatus {
    pub id: Uuid,
    pub kind: MailKind,
    pub status: String,
    pub attempts: u32,
    pub last_error: Option<String>,
}

/// Delivery persistence (implemented per backend).
#[async_trait]
pub trait DeliveryStore: Send + Sync {
    // ---- endpoints ----------------------------------------------------------------------

    /// Stores a new endpoint.
    async fn insert_webhook(&self, webhook: &Webhook) -> StoreResult<()>;

    /// One endpoint whose home is the company (its own, or a global one homed there).
    async fn get_webhook(&self, company: CompanyId, id: WebhookId) -> StoreResult<Option<Webhook>>;

    /// The company's own endpoints, oldest first.
    async fn list_webhooks(
        &self,
        company: CompanyId,
        page: PageRequest,
    ) -> StoreResult<Page<Webhook>>;

    /// What an ATS key sees without naming a company: its global endpoints and those of the
    /// `companies` it manages, oldest first.
    async fn list_key_webhooks(
        &self,
        key: KeyId,
        companies: &[CompanyId],
        page: PageRequest,
    ) -> StoreResult<Page<Webhook>>;

    /// Replaces the settings (url, name, description, headers, events, format, retries,
    /// timeout, `updated_at`) and, in the same transaction, applies `state`. The counters
    /// and the circuit change only through `state`. False when unknown.
    async fn update_webhook(
        &self,
        webhook: &Webhook,
        state: Option<EndpointState>,
    ) -> StoreResult<bool>;

    /// Deletes an endpoint with its messages and log. False when unknown.
    async fn delete_webhook(&self, company: CompanyId, id: WebhookId) -> StoreResult<bool>;

    /// Xobin's webhook settings (JSON) of one AI interview (`job`), or the company's global
    /// ones (`None`).
    async fn xobin_settings(
        &self,
        company: CompanyId,
        job: Option<JobId>,
    ) -> StoreResult<Option<String>>;

    /// In one transaction: stores the settings of one scope and replaces the managed
    /// endpoints they deliver to with `endpoints`; with `reset_jobs` (a global update for
    /// every AI interview), every AI interview's own settings and endpoints go too.
    async fn put_xobin_settings(
        &self,
        company: CompanyId,
        job: Option<JobId>,
        settings: &str,
        endpoints: &[Webhook],
        reset_jobs: bool,
        at: DateTime<Utc>,
    ) -> StoreResult<()>;

    /// Whether the job has settings of its own (which then replace the global ones).
    async fn has_own_xobin_settings(&self, company: CompanyId, job: JobId) -> StoreResult<bool>;

    /// Queues one message directly (the test ping). False when the endpoint is unknown.
    async fn enqueue_message(&self, message: &NewMessage) -> StoreResult<bool>;

    /// Queues one message already leased by its caller with `lease` until `until`, so no
    /// worker sends it while the caller does (the synchronous test delivery). False when the
    /// endpoint is unknown.
    async fn enqueue_leased_message(
        &self,
        message: &NewMessage,
        lease: &str,
        until: DateTime<Utc>,
    ) -> StoreResult<bool>;

    /// The endpoint's delivery log, newest first.
    async fn list_deliveries(
        &self,
        company: CompanyId,
        id: WebhookId,
        page: PageRequest,
    ) -> StoreResult<Page<DeliveryLogEntry>>;

    // ---- fan-out ------------------------------------------------------------------------

    /// Events not yet fanned out, oldest first.
    async fn undispatched_events(&self, limit: u32) -> StoreResult<Vec<StoredEvent>>;

    /// The company's endpoints that take new messages: active ones, and those whose circuit
    /// is open (their messages are held until the circuit is reset).
    async fn receiving_webhooks(&self, company: CompanyId) -> StoreResult<Vec<Webhook>>;

    /// In one transaction: marks the event dispatched and creates `messages` (each only if
    /// its endpoint still takes new messages). False, creating nothing, when the event was already
    /// dispatched or deleted meanwhile.
    async fn dispatch_event(
        &self,
        event_id: Uuid,
        messages: &[NewMessage],
        at: DateTime<Utc>,
    ) -> StoreResult<bool>;

    // ---- delivery -----------------------------------------------------------------------

    /// Leases up to `limit` due messages whose endpoint is active (pings go regardless).
    /// A lease lasts the endpoint's timeout plus `lease_margin_ms`.
    async fn claim_messages(
        &self,
        now: DateTime<Utc>,
        limit: u32,
        lease_margin_ms: i64,
    ) -> StoreResult<Vec<ClaimedMessage>>;

    /// Applies an attempt. False (and nothing changed) when the lease was lost.
    async fn record_attempt(&self, record: &AttemptRecord) -> StoreResult<bool>;

    /// Gives up leases without recording an attempt (a worker shutting down): the messages
    /// are due again at once. Leases that changed hands are left alone.
    async fn release_messages(&self, leases: &[(Uuid, String)]) -> StoreResult<()>;

    /// Marks a leased message DROPPED and forgets its payload.
    async fn drop_message(&self, id: Uuid, lease: &str, at: DateTime<Utc>) -> StoreResult<()>;

    /// Whether the interview still exists.
    async fn interview_exists(&self, id: InterviewId) -> StoreResult<bool>;

    /// Marks the start of an attempt on a claimed message, in one statement ordered against
    /// removals: true when the message is still pending under `lease` and the interview it
    /// is about (unless it reports the deletion itself) still exists. A removal deletes the
    /// pending messages of what it removes in its transaction, so an attempt either started
    /// before the removal committed or is never made (docs/webhooks.md, "After a removal").
    async fn start_webhook_attempt(
        &self,
        id: Uuid,
        lease: &str,
        at: DateTime<Utc>,
    ) -> StoreResult<bool>;

    // ---- mail ---------------------------------------------------------------------------

    /// Queues one e-mail in its own transaction.
    async fn enqueue_mail(&self, mail: &NewMail) -> StoreResult<()>;

    /// Leases up to `limit` due e-mails for `lease_ms`.
    async fn claim_mail(
        &self,
        now: DateTime<Utc>,
        limit: u32,
        lease_ms: i64,
    ) -> StoreResult<Vec<QueuedMail>>;

    /// Applies an attempt's result. False when the lease was lost.
    async fn finish_mail(
        &self,
        id: Uuid,
        lease: &str,
        fate: &MailFate,
        at: DateTime<Utc>,
    ) -> StoreResult<bool>;

    /// Gives up mail leases without recording an attempt (a worker shutting down).
    async fn release_mail(&self, leases: &[(Uuid, String)]) -> StoreResult<()>;

    /// Renews mail leases still held to `until` (the worker is alive and working on them).
    async fn renew_mail(&self, leases: &[(Uuid, String)], until: DateTime<Utc>) -> StoreResult<()>;

    /// One queued mail's state (for operators and tests).
    async fn mail_status(&self, id: Uuid) -> StoreResult<Option<MailStatus>>;
}
