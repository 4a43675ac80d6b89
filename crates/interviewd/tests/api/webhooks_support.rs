//! Helpers shared by the webhook and mail tests: configuration, direct event writes (for
//! events no API produces yet), endpoint creation and two independent signature checks.

pub use crate::support::db;
use crate::support::{Client, Db, on_db};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use chrono::Utc;
use hmac::{Hmac, Mac};
use interviewd::config::Config;
use interviewd::core::webhooks::WebhookSecret;
use interviewd::store::delivery::{PayloadFormat, Webhook};
use interviewd::store::events::NewEvent;
use interviewd_domain::{CompanyId, WebhookId};
use interviewd_notify::testing::ReceivedRequest;
use serde_json::{Value, json};
use std::time::{Duration, Instant};

/// Generous bound for anything the workers do.
pub const WAIT: Duration = Duration::from_secs(10);

/// Loopback receivers allowed, a compressed retry schedule, fast polling.
pub fn fast(config: &mut Config) {
    config.webhook_allow_private = true;
    config.webhook_retry_scale = 0.0001;
    config.delivery_poll_ms = 20;
    config.mail_retry_scale = 0.0001;
}

/// An active InstaView-format endpoint of `company` at `url` for `events`, signing with
/// `secret`, with nine retries, as the store keeps it (for tests that write it directly).
pub fn endpoint(
    company: CompanyId,
    url: String,
    events: &[&str],
    secret: String,
    timeout_ms: u32,
) -> Webhook {
    let now = Utc::now();
    Webhook {
        id: WebhookId::new(),
        company_id: company,
        global_for: None,
        api_key_id: None,
        url,
        name: None,
        description: None,
        headers: Vec::new(),
        events: events.iter().map(|e| (*e).to_owned()).collect(),
        secret: WebhookSecret(secret),
        format: PayloadFormat::InstaView,
        is_active: true,
        max_retries: 9,
        timeout_ms,
        consecutive_failures: 0,
        circuit_opened_at: None,
        created_at: now,
        updated_at: now,
        job_id: None,
        managed: false,
    }
}

/// Writes an event as a state change would, and wakes the workers.
pub async fn insert_event(
    db: &Db,
    company: &str,
    interview: Option<&str>,
    kind: &'static str,
    data: Value,
) {
    let event = NewEvent::new(
        company.parse().unwrap(),
        interview.map(|i| i.parse().unwrap()),
        kind,
        data,
        Utc::now(),
    );
    on_db!(db, |store, backend| {
        let mut tx = store.write_tx().await.unwrap();
        backend::events::insert(&mut tx, &event).await.unwrap();
        tx.commit().await.unwrap();
    });
    crate::support::wake_all();
}

/// An interview with an ONLINE agent (the engine places no call for it).
/// Deletes an interview's row alone, as if it went while its messages or mail were being
/// sent (the deletion path would have dropped them first).
pub async fn delete_row(db: &Db, id: &str) {
    on_db!(db, |store| sqlx::query(
        "DELETE FROM interviews WHERE id = $1"
    )
    .bind(id.parse::<uuid::Uuid>().unwrap())
    .execute(store.pool())
    .await
    .map(|_| ())
    .unwrap());
}

pub async fn online_interview(client: &Client, email: &str) -> (String, String) {
    let job = client.new_job(json!({ "title": "Backend Engineer" })).await;
    let agent = client
        .new_agent(json!({ "name": "Web screener", "type": "ONLINE", "questions": ["Why Rust?"] }))
        .await;
    let candidate = client
        .new_candidate(
            json!({ "firstName": "Ann", "lastName": "Lee", "email": email, "jobId": job }),
        )
        .await;
    let interview = client
        .new_interview(json!({ "candidateId": candidate, "agentId": agent, "jobId": job }))
        .await;
    (interview, job)
}

/// Creates an endpoint and returns its object (with `signingSecret`).
pub async fn create_webhook(client: &Client, url: &str, events: Value, extra: Value) -> Value {
    let mut body = json!({ "url": url, "events": events, "name": "test hook" });
    if let (Some(body), Some(extra)) = (body.as_object_mut(), extra.as_object()) {
        body.extend(extra.clone());
    }
    client.post("/v1/webhooks", body).await.expect(201).body
}

/// Polls the endpoint object until `done` holds or [`WAIT`] passes.
pub async fn wait_for_webhook(client: &Client, id: &str, done: impl Fn(&Value) -> bool) -> Value {
    let deadline = Instant::now() + WAIT;
    loop {
        let w = client
            .get(&format!("/v1/webhooks/{id}"))
            .await
            .expect(200)
            .body;
        if done(&w) || Instant::now() > deadline {
            return w;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// The JSON body of a delivery.
pub fn body(request: &ReceivedRequest) -> Value {
    serde_json::from_slice(&request.body).unwrap()
}

/// The key of a `signingSecret` as shown (64 hex digits) in the Standard Webhooks form.
pub fn standard_secret(shown: &str) -> String {
    if shown.starts_with("whsec_") {
        return shown.to_owned();
    }
    assert_eq!(shown.len(), 64, "{shown}");
    let bytes: Vec<u8> = (0..64)
        .step_by(2)
        .map(|i| u8::from_str_radix(&shown[i..i + 2], 16).unwrap())
        .collect();
    format!("whsec_{}", BASE64.encode(bytes))
}

/// A Standard Webhooks signature computed here, independently of the server's signer.
pub fn hand_signature(secret: &str, id: &str, timestamp: &str, body: &[u8]) -> String {
    let secret = standard_secret(secret);
    let key = BASE64
        .decode(secret.strip_prefix("whsec_").unwrap())
        .unwrap();
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(&key).unwrap();
    mac.update(format!("{id}.{timestamp}.").as_bytes());
    mac.update(body);
    format!("v1,{}", BASE64.encode(mac.finalize().into_bytes()))
}

/// Asserts a delivery verifies with two independent implementations.
pub fn assert_signed(request: &ReceivedRequest, secret: &str) {
    let mut headers = reqwest::header::HeaderMap::new();
    for (name, value) in &request.headers {
        headers.append(
            reqwest::header::HeaderName::from_bytes(name.as_bytes()).unwrap(),
            value.parse().unwrap(),
        );
    }
    standardwebhooks::Webhook::new(&standard_secret(secret))
        .unwrap()
        .verify(&request.body, &headers)
        .expect("the reference implementation verifies the signature");
    let expected = hand_signature(
        secret,
        request.header("webhook-id").unwrap(),
        request.header("webhook-timestamp").unwrap(),
        &request.body,
    );
    let signatures: Vec<&str> = request
        .header("webhook-signature")
        .unwrap()
        .split(' ')
        .collect();
    assert!(signatures.contains(&expected.as_str()), "{signatures:?}");
}
