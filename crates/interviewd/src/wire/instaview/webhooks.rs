//! The webhook endpoint and delivery-log objects of the InstaView dialect (plus the `format`
//! extension). Header values and the signing secret are never shown, except the secret once,
//! in the create response.

use crate::wire::payload::webhook_id;
use interviewd_domain::time::rfc3339;
use interviewd_domain::views::{DeliveryLogEntry, Webhook};
use serde::Serialize;
use utoipa::ToSchema;

/// A custom header of an endpoint; its value is never shown.
#[derive(Serialize, ToSchema, Clone)]
#[serde(rename_all = "camelCase")]
#[schema(as = WebhookHeader)]
pub struct HeaderDto {
    name: String,
    /// Always `true`.
    is_masked: bool,
}

/// A webhook endpoint.
#[derive(Serialize, ToSchema, Clone)]
#[serde(rename_all = "camelCase")]
#[schema(as = Webhook)]
pub struct WebhookDto {
    #[schema(format = "uuid")]
    id: String,
    /// The key that created it.
    #[schema(required = true, format = "uuid")]
    api_key_id: Option<String>,
    /// `null` for a global endpoint of an ATS key (it receives the events of every company
    /// the key manages).
    #[schema(required = true, format = "uuid")]
    company_id: Option<String>,
    url: String,
    #[schema(required = true)]
    name: Option<String>,
    #[schema(required = true)]
    description: Option<String>,
    headers: Vec<HeaderDto>,
    /// Dotted event names.
    events: Vec<String>,
    is_active: bool,
    max_retries: u32,
    timeout_ms: u32,
    /// Failed attempts since the last success.
    consecutive_failures: u32,
    /// Set while the circuit is open (deliveries paused).
    #[schema(required = true, format = DateTime)]
    circuit_opened_at: Option<String>,
    /// `instaview`, `alpharun` or `xobin`: the payload shape.
    format: &'static str,
    #[schema(format = DateTime)]
    created_at: String,
    #[schema(format = DateTime)]
    updated_at: String,
}

impl From<&Webhook> for WebhookDto {
    fn from(w: &Webhook) -> Self {
        Self {
            id: w.id.to_string(),
            api_key_id: w.api_key_id.map(|k| k.to_string()),
            company_id: w.global_for.is_none().then(|| w.company_id.to_string()),
            url: w.url.clone(),
            name: w.name.clone(),
            description: w.description.clone(),
            headers: w
                .headers
                .iter()
                .map(|h| HeaderDto {
                    name: h.name.clone(),
                    is_masked: true,
                })
                .collect(),
            events: w.events.clone(),
            is_active: w.is_active,
            max_retries: w.max_retries,
            timeout_ms: w.timeout_ms,
            consecutive_failures: w.consecutive_failures,
            circuit_opened_at: w.circuit_opened_at.map(rfc3339),
            format: w.format.as_str(),
            created_at: rfc3339(w.created_at),
            updated_at: rfc3339(w.updated_at),
        }
    }
}

/// A new endpoint: the endpoint and, this once, its signing secret.
#[derive(Serialize, ToSchema, Clone)]
#[serde(rename_all = "camelCase")]
#[schema(as = CreatedWebhook)]
pub struct CreatedDto {
    #[serde(flatten)]
    pub webhook: WebhookDto,
    /// The HMAC key that signs deliveries, as 64 hexadecimal digits (32 bytes), as the vendor
    /// documents it. Shown only here.
    #[schema(pattern = "^[0-9a-f]{64}$")]
    pub signing_secret: String,
    /// The same key in the Standard Webhooks form (`whsec_` + Base64), for Standard Webhooks
    /// libraries. Shown only here.
    pub standard_webhooks_secret: String,
}

impl CreatedDto {
    /// The answer for `webhook`, whose signing key is `key`.
    pub fn new(webhook: &Webhook, key: &[u8]) -> Self {
        Self {
            webhook: WebhookDto::from(webhook),
            signing_secret: key.iter().map(|b| format!("{b:02x}")).collect(),
            standard_webhooks_secret: webhook.secret.0.clone(),
        }
    }
}

/// One delivery attempt.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = Delivery)]
pub struct DeliveryDto {
    #[schema(format = "uuid")]
    id: String,
    #[schema(format = "uuid")]
    delivery_id: String,
    /// The `webhook-id` header of the delivery.
    webhook_message_id: String,
    event: String,
    attempt_number: u32,
    #[schema(format = DateTime)]
    attempted_at: String,
    /// The receiver's status, if it answered.
    #[schema(required = true)]
    status_code: Option<u16>,
    duration_ms: u64,
    success: bool,
    /// DELIVERED, FAILED, …
    outcome: String,
    #[schema(required = true)]
    error: Option<String>,
}

impl From<&DeliveryLogEntry> for DeliveryDto {
    fn from(e: &DeliveryLogEntry) -> Self {
        Self {
            id: e.id.to_string(),
            delivery_id: e.message_id.to_string(),
            webhook_message_id: webhook_id(e.message_id),
            event: e.event_type.clone(),
            attempt_number: e.attempt_number,
            attempted_at: rfc3339(e.attempted_at),
            status_code: e.status_code,
            duration_ms: e.duration_ms,
            success: e.outcome == "DELIVERED",
            outcome: e.outcome.clone(),
            error: e.error.clone(),
        }
    }
}

/// The result of a test delivery, as the vendor's schema lists it.
#[derive(Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = TestDeliveryResult)]
pub struct TestResult {
    /// Whether the endpoint answered 2xx.
    pub success: bool,
    /// The message sent (absent when nothing was sent).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(format = "uuid")]
    pub delivery_id: Option<String>,
    /// The endpoint's status, when it answered.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub http_status: Option<u16>,
    /// How long the attempt took, when one was made.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub duration_ms: Option<u64>,
    pub message: String,
}

/// The answer to a test delivery: the result as the vendor's schema shows it, and again in
/// `data`, as the vendor's examples show it (`docs/webhooks.md`).
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = TestDelivery)]
pub struct TestDto {
    #[serde(flatten)]
    pub result: TestResult,
    pub data: TestResult,
}
