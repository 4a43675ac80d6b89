//! Webhook endpoints as the companies manage them (InstaView's webhook routes, the
//! console): their settings and the rules on them, the test delivery, the circuit reset and
//! the delivery log. Delivery itself is the workers' (`workers::webhooks`); the payload
//! formats are the wire's (`wire::payload`). Refusals name the field; values are not echoed
//! (header values and URLs may hold credentials).

use super::CoreError;
use super::event_catalogue as events;
use crate::app::AppState;
use crate::store::delivery::{AttemptRecord, EndpointEffect, MessageFate, NewMessage};
use crate::store::events::kinds;
use interviewd_domain::views::Page;
use interviewd_domain::{CompanyId, KeyId, PageRequest, WebhookId};
use interviewd_notify::SigningSecret;
use reqwest::header::{HeaderName, HeaderValue};
use serde_json::Value;
use uuid::Uuid;

pub use crate::store::delivery::{
    DeliveryLogEntry, EndpointState, PayloadFormat, Webhook, WebhookHeader, WebhookSecret,
};

/// Default timeout of one attempt, in milliseconds.
pub const DEFAULT_TIMEOUT_MS: u32 = 15_000;
/// Longest timeout an endpoint may set, in milliseconds.
pub const MAX_TIMEOUT_MS: u32 = 30_000;
/// Shortest timeout an endpoint may set, in milliseconds.
pub const MIN_TIMEOUT_MS: u32 = 1_000;
/// Most retries an endpoint may ask for: every attempt of the retry schedule but the first.
pub const MAX_RETRIES: u32 = interviewd_notify::schedule::MAX_ATTEMPTS - 1;

/// An endpoint's settings as its owner gives them (already parsed and checked with the
/// functions below).
#[derive(Clone, Debug)]
pub struct Settings {
    pub url: String,
    pub name: Option<String>,
    pub description: Option<String>,
    pub headers: Vec<WebhookHeader>,
    pub events: Vec<String>,
    pub format: PayloadFormat,
    pub is_active: bool,
    pub max_retries: u32,
    pub timeout_ms: u32,
}

/// Who manages endpoints in a request: one company, or an ATS key acting for no company in
/// particular (InstaView: an ATS key without `companyId`).
#[derive(Clone, Debug)]
pub enum Manager {
    /// The company's own endpoints.
    Company(CompanyId),
    /// The key's global endpoints, and the endpoints of every company it manages.
    Key {
        key: KeyId,
        companies: Vec<CompanyId>,
    },
}

/// A page of the company's own endpoints.
pub async fn list(
    state: &AppState,
    company: CompanyId,
    page: PageRequest,
) -> Result<Page<Webhook>, CoreError> {
    Ok(state.store.list_webhooks(company, page).await?)
}

/// A page of the endpoints `manager` sees.
pub async fn list_for(
    state: &AppState,
    manager: &Manager,
    page: PageRequest,
) -> Result<Page<Webhook>, CoreError> {
    match manager {
        Manager::Company(company) => list(state, *company, page).await,
        Manager::Key { key, companies } => {
            Ok(state.store.list_key_webhooks(*key, companies, page).await?)
        }
    }
}

/// One of the company's own endpoints.
pub async fn get(
    state: &AppState,
    company: CompanyId,
    id: WebhookId,
) -> Result<Option<Webhook>, CoreError> {
    let found = state.store.get_webhook(company, id).await?;
    Ok(found.filter(|w| w.global_for.is_none()))
}

/// One endpoint `manager` sees.
pub async fn get_for(
    state: &AppState,
    manager: &Manager,
    id: WebhookId,
) -> Result<Option<Webhook>, CoreError> {
    match manager {
        Manager::Company(company) => get(state, *company, id).await,
        Manager::Key { key, companies } => {
            // Its global endpoints are homed at one of its companies.
            for company in companies {
                if let Some(w) = state.store.get_webhook(*company, id).await? {
                    let mine = w.global_for.is_none_or(|owner| owner == *key);
                    return Ok(Some(w).filter(|_| mine));
                }
            }
            Ok(None)
        }
    }
}

/// Creates an endpoint with a new signing secret (shown to its creator once): the company's
/// own, or, with `global_for`, a global endpoint of that ATS key (homed at `company`, one of
/// the key's companies) that receives the events of every company the key manages.
pub async fn create(
    state: &AppState,
    company: CompanyId,
    created_by: Option<KeyId>,
    settings: Settings,
) -> Result<Webhook, CoreError> {
    create_in(state, company, None, created_by, settings).await
}

/// [`create`] of a global endpoint of the ATS key `key`, which manages `companies`.
pub async fn create_global(
    state: &AppState,
    key: KeyId,
    companies: &[CompanyId],
    settings: Settings,
) -> Result<Webhook, CoreError> {
    let home = companies.first().copied().ok_or_else(|| {
        CoreError::invalid(
            "companyId",
            "this ATS key manages no company yet; create one first or pass companyId",
        )
    })?;
    create_in(state, home, Some(key), Some(key), settings).await
}

async fn create_in(
    state: &AppState,
    company: CompanyId,
    global_for: Option<KeyId>,
    created_by: Option<KeyId>,
    settings: Settings,
) -> Result<Webhook, CoreError> {
    let secret = SigningSecret::generate()
        .map_err(|e| CoreError::Internal(format!("could not generate a secret: {e}")))?;
    let now = state.now();
    let webhook = Webhook {
        id: WebhookId::new(),
        company_id: company,
        global_for,
        api_key_id: created_by,
        url: settings.url,
        name: settings.name,
        description: settings.description,
        headers: settings.headers,
        events: settings.events,
        secret: WebhookSecret(secret.to_string()),
        format: settings.format,
        is_active: settings.is_active,
        max_retries: settings.max_retries,
        timeout_ms: settings.timeout_ms,
        consecutive_failures: 0,
        circuit_opened_at: None,
        created_at: now,
        updated_at: now,
        job_id: None,
        managed: false,
    };
    state.store.insert_webhook(&webhook).await?;
    Ok(webhook)
}

/// Saves a changed endpoint (and `change` of its state) and returns it as stored.
/// Re-enabling an endpoint, like `reset-circuit`, closes its circuit.
pub async fn save(
    state: &AppState,
    mut webhook: Webhook,
    change: Option<EndpointState>,
) -> Result<Webhook, CoreError> {
    webhook.updated_at = state.now();
    if !state.store.update_webhook(&webhook, change).await? {
        return Err(CoreError::not_found("webhook", webhook.id));
    }
    state.wakers.webhooks();
    state
        .store
        .get_webhook(webhook.company_id, webhook.id)
        .await?
        .ok_or_else(|| CoreError::not_found("webhook", webhook.id))
}

/// The state change asked for by setting `is_active` on `webhook`.
pub fn activation(webhook: &Webhook, is_active: Option<bool>) -> Option<EndpointState> {
    match is_active {
        // Re-enabling closes the circuit, as reset-circuit does.
        Some(true) if !webhook.is_active => Some(EndpointState::Resume),
        // Paused by hand: not an open circuit, so nothing new is queued for it.
        Some(false) => Some(EndpointState::Pause),
        _ => None,
    }
}

/// Deletes an endpoint and what is queued for it.
pub async fn delete(state: &AppState, company: CompanyId, id: WebhookId) -> Result<(), CoreError> {
    if state.store.delete_webhook(company, id).await? {
        Ok(())
    } else {
        Err(CoreError::not_found("webhook", id))
    }
}

/// The data of a test delivery (`ping`) to `webhook`.
pub fn ping_data(webhook: &Webhook) -> Value {
    serde_json::json!({
        "webhookId": webhook.id.to_string(),
        "message": "This is a test delivery.",
    })
}

/// Queues a test delivery (`ping`) to `webhook` with `payload` (the ping rendered in the
/// endpoint's format) as message `message_id`; it shows in the delivery log.
pub async fn send_test(
    state: &AppState,
    webhook: &Webhook,
    message_id: Uuid,
    payload: String,
) -> Result<(), CoreError> {
    let message = NewMessage {
        id: message_id,
        webhook_id: webhook.id,
        company_id: webhook.company_id,
        event_id: None,
        interview_id: None,
        event_type: kinds::PING.to_owned(),
        payload,
        created_at: state.now(),
    };
    if !state.store.enqueue_message(&message).await? {
        return Err(CoreError::not_found("webhook", webhook.id));
    }
    state.wakers.webhooks();
    Ok(())
}

/// What a synchronous test delivery found, as InstaView's `POST /webhooks/{id}/test` reports it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TestOutcome {
    /// The endpoint answered 2xx.
    pub success: bool,
    /// The message sent (absent when nothing was sent).
    pub delivery_id: Option<Uuid>,
    /// The endpoint's status, when it answered.
    pub http_status: Option<u16>,
    /// How long the attempt took, when one was made.
    pub duration_ms: Option<u64>,
    /// The vendor's words for what happened.
    pub message: String,
}

impl TestOutcome {
    fn not_sent(message: &str) -> Self {
        Self {
            success: false,
            delivery_id: None,
            http_status: None,
            duration_ms: None,
            message: message.to_owned(),
        }
    }
}

/// Sends the test `ping` (`payload`, message `message_id`) to `webhook` now and waits for the
/// answer, within the endpoint's timeout. Nothing is sent when the endpoint does not subscribe
/// to `ping`, is paused or has an open circuit. The attempt is in the delivery log; it is not
/// retried and does not count towards the circuit breaker.
pub async fn test_now(
    state: &AppState,
    webhook: &Webhook,
    message_id: Uuid,
    payload: String,
) -> Result<TestOutcome, CoreError> {
    if !events::subscribes(&webhook.events, kinds::PING) {
        return Ok(TestOutcome::not_sent(
            "Webhook is not subscribed to ping events. Add the ping event to the webhook configuration.",
        ));
    }
    if !webhook.is_active || webhook.circuit_opened_at.is_some() {
        return Ok(TestOutcome::not_sent(
            "No delivery was created. This may indicate the webhook is disabled or circuit breaker is open.",
        ));
    }
    let now = state.now();
    let lease = format!("test-{}", Uuid::new_v4().simple());
    let until = now + chrono::Duration::milliseconds(i64::from(webhook.timeout_ms) + 5_000);
    let message = NewMessage {
        id: message_id,
        webhook_id: webhook.id,
        company_id: webhook.company_id,
        event_id: None,
        interview_id: None,
        event_type: kinds::PING.to_owned(),
        payload: payload.clone(),
        created_at: now,
    };
    if !state
        .store
        .enqueue_leased_message(&message, &lease, until)
        .await?
    {
        return Err(CoreError::not_found("webhook", webhook.id));
    }
    let result = send_once(state, webhook, message_id, payload).await?;
    let delivered = result.outcome == interviewd_notify::Outcome::Delivered;
    let record = AttemptRecord {
        message_id,
        lease,
        webhook_id: webhook.id,
        company_id: webhook.company_id,
        event_type: kinds::PING.to_owned(),
        attempt_number: 1,
        attempted_at: now,
        status_code: result.status,
        duration_ms: result.duration_ms,
        outcome: if delivered { "DELIVERED" } else { "FAILED" },
        error: result.error.clone(),
        fate: if delivered {
            MessageFate::Delivered
        } else {
            MessageFate::Failed
        },
        effect: EndpointEffect::None,
    };
    state.store.record_attempt(&record).await?;
    let message = match (&result.error, result.status) {
        _ if delivered => "Webhook test successful!".to_owned(),
        (_, Some(status)) => format!("Webhook test failed: the endpoint answered HTTP {status}"),
        (Some(error), None) => format!("Webhook test failed: {error}"),
        (None, None) => "Webhook test failed".to_owned(),
    };
    Ok(TestOutcome {
        success: delivered,
        delivery_id: Some(message_id),
        http_status: result.status,
        duration_ms: Some(result.duration_ms),
        message,
    })
}

/// One signed attempt of `payload` to `webhook`, as the delivery worker makes them.
async fn send_once(
    state: &AppState,
    webhook: &Webhook,
    message_id: Uuid,
    payload: String,
) -> Result<interviewd_notify::DeliveryResult, CoreError> {
    let sender = interviewd_notify::WebhookSender::new(interviewd_notify::SenderConfig {
        allow_private: state.config.webhook_allow_private,
        ..Default::default()
    })
    .map_err(|e| CoreError::Internal(e.to_string()))?;
    let secret = SigningSecret::parse(&webhook.secret.0)
        .map_err(|_| CoreError::Internal("webhook signing secret is unreadable".into()))?;
    let request = interviewd_notify::OutgoingWebhook {
        url: webhook.url.clone(),
        msg_id: interviewd_domain::events::webhook_id(message_id),
        timestamp: state.now().timestamp(),
        body: payload.into_bytes(),
        secret,
        headers: webhook
            .headers
            .iter()
            .map(|h| (h.name.clone(), h.value.clone()))
            .collect(),
        timeout: std::time::Duration::from_millis(u64::from(webhook.timeout_ms)),
    };
    Ok(sender.send(request).await)
}

/// A page of an endpoint's delivery attempts, newest first.
pub async fn deliveries(
    state: &AppState,
    webhook: &Webhook,
    page: PageRequest,
) -> Result<Page<DeliveryLogEntry>, CoreError> {
    Ok(state
        .store
        .list_deliveries(webhook.company_id, webhook.id, page)
        .await?)
}

/// Most custom headers an endpoint may have.
pub const MAX_HEADERS: usize = 50;

/// Headers the server sets itself.
const RESERVED: &[&str] = &[
    "content-type",
    "content-length",
    "host",
    "transfer-encoding",
    "connection",
];

/// An http(s) URL of at most 2048 characters whose host is allowed by the egress rule
/// (private addresses only with `webhook_allow_private`, named in the error).
pub fn check_url(url: &str, allow_private: bool) -> Result<String, CoreError> {
    let url = url.trim();
    interviewd_notify::validate_url(url, allow_private)
        .map_err(|e| CoreError::invalid("url", format!("url: {e}")))?;
    Ok(url.to_owned())
}

/// Events in any of the three forms, stored dotted.
pub fn parse_events(items: &[Value]) -> Result<Vec<String>, CoreError> {
    events::parse_list(items).map_err(|e| CoreError::invalid("events", e))
}

/// `instaview`, `alpharun` or `xobin`.
pub fn parse_format(raw: &str) -> Result<PayloadFormat, CoreError> {
    PayloadFormat::parse(raw).ok_or_else(|| {
        CoreError::invalid("format", "format must be one of instaview, alpharun, xobin")
    })
}

/// 0 to 9 retries (the schedule has ten attempts).
pub fn max_retries(n: i64) -> Result<u32, CoreError> {
    u32::try_from(n)
        .ok()
        .filter(|n| *n <= MAX_RETRIES)
        .ok_or_else(|| {
            CoreError::invalid(
                "maxRetries",
                format!("maxRetries must be from 0 to {MAX_RETRIES}"),
            )
        })
}

/// 1000 to 30000 ms.
pub fn timeout_ms(n: i64) -> Result<u32, CoreError> {
    u32::try_from(n)
        .ok()
        .filter(|n| (MIN_TIMEOUT_MS..=MAX_TIMEOUT_MS).contains(n))
        .ok_or_else(|| {
            CoreError::invalid(
                "timeoutMs",
                format!("timeoutMs must be from {MIN_TIMEOUT_MS} to {MAX_TIMEOUT_MS}"),
            )
        })
}

/// At most 50 headers; names 1–255 characters, valid and not reserved; values 1–4096
/// characters without line breaks.
pub fn check_headers(items: &[WebhookHeader]) -> Result<Vec<WebhookHeader>, CoreError> {
    if items.len() > MAX_HEADERS {
        return Err(CoreError::invalid(
            "headers",
            format!("headers may hold at most {MAX_HEADERS} entries"),
        ));
    }
    items
        .iter()
        .enumerate()
        .map(|(i, h)| check_header(i, h))
        .collect()
}

fn check_header(i: usize, h: &WebhookHeader) -> Result<WebhookHeader, CoreError> {
    let field = format!("headers[{i}]");
    let name = h.name.trim();
    let name_len = name.chars().count();
    if !(1..=255).contains(&name_len) || HeaderName::from_bytes(name.as_bytes()).is_err() {
        return Err(CoreError::invalid(
            format!("{field}.name"),
            format!("{field}.name must be a valid header name of 1 to 255 characters"),
        ));
    }
    let lower = name.to_ascii_lowercase();
    if lower.starts_with("webhook-") || RESERVED.contains(&lower.as_str()) {
        return Err(CoreError::invalid(
            format!("{field}.name"),
            format!("{field}.name is set by the server and cannot be overridden"),
        ));
    }
    let value_len = h.value.chars().count();
    if !(1..=4096).contains(&value_len) || HeaderValue::from_str(&h.value).is_err() {
        return Err(CoreError::invalid(
            format!("{field}.value"),
            format!("{field}.value must be 1 to 4096 visible characters"),
        ));
    }
    Ok(WebhookHeader {
        name: name.to_owned(),
        value: h.value.clone(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header(name: &str, value: &str) -> WebhookHeader {
        WebhookHeader {
            name: name.into(),
            value: value.into(),
        }
    }

    #[test]
    fn headers_are_checked() {
        assert!(check_headers(&[header("Authorization", "Bearer x")]).is_ok());
        for (name, value) in [
            ("", "x"),
            ("bad name", "x"),
            ("Webhook-Id", "x"),
            ("Content-Type", "x"),
            ("X-Ok", ""),
            ("X-Ok", "a\nb"),
        ] {
            assert!(check_headers(&[header(name, value)]).is_err(), "{name:?}");
        }
        let many: Vec<_> = (0..51).map(|i| header(&format!("x-{i}"), "v")).collect();
        assert!(check_headers(&many).is_err());
        assert!(check_headers(&[header(&"x".repeat(256), "v")]).is_err());
        assert!(check_headers(&[header("x", &"v".repeat(4097))]).is_err());
    }

    #[test]
    fn limits() {
        assert_eq!(max_retries(0).unwrap(), 0);
        assert_eq!(max_retries(9).unwrap(), 9);
        assert!(max_retries(10).is_err() && max_retries(-1).is_err());
        assert_eq!(timeout_ms(30_000).unwrap(), 30_000);
        assert!(timeout_ms(30_001).is_err() && timeout_ms(999).is_err());
        assert!(check_url("http://127.0.0.1:9/x", false).is_err());
        assert!(check_url("http://127.0.0.1:9/x", true).is_ok());
        assert!(check_url("ftp://example.com/", true).is_err());
        assert!(check_url(&format!("https://example.com/{}", "a".repeat(2048)), true).is_err());
    }
}
