//! The webhook sender against a real HTTP receiver on loopback.
#![allow(clippy::unwrap_used)] // A panic is how a test reports failure.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use interviewd_notify::testing::{ScriptedResponse, TestWebhookReceiver};
use interviewd_notify::{
    Outcome, OutgoingWebhook, SenderConfig, SigningSecret, WebhookSender, sign,
};

fn sender(allow_private: bool) -> WebhookSender {
    WebhookSender::new(SenderConfig {
        allow_private,
        user_agent: "interviewd-test/1".into(),
    })
    .unwrap()
}

fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
        .try_into()
        .unwrap()
}

fn webhook(url: String, secret: &SigningSecret) -> OutgoingWebhook {
    OutgoingWebhook {
        url,
        msg_id: "msg_2d8Xb1".into(),
        timestamp: now(),
        body: br#"{"type":"interview.completed","timestamp":"2026-01-01T00:00:00Z","data":{"interview_id":"int_1"}}"#.to_vec(),
        secret: secret.clone(),
        headers: vec![
            ("Authorization".into(), "Bearer tenant-token".into()),
            ("webhook-id".into(), "forged".into()),
        ],
        timeout: Duration::from_secs(5),
    }
}

#[tokio::test]
async fn a_2xx_is_delivered_with_standard_webhooks_headers() {
    let receiver = TestWebhookReceiver::start().await.unwrap();
    receiver.respond_with([ScriptedResponse::status(204)]);
    let secret = SigningSecret::generate().unwrap();
    let req = webhook(receiver.url("/hooks?tenant=1"), &secret);
    let expected_signature = sign(&secret, &req.msg_id, req.timestamp, &req.body);

    let result = sender(true).send(req.clone()).await;
    assert_eq!(result.outcome, Outcome::Delivered, "{result:?}");
    assert_eq!(result.status, Some(204));
    assert_eq!(result.error, None);

    let got = receiver.requests();
    assert_eq!(got.len(), 1);
    let request = &got[0];
    assert_eq!(request.method, "POST");
    assert_eq!(request.path, "/hooks?tenant=1");
    assert_eq!(request.body, req.body);
    assert_eq!(request.header("content-type"), Some("application/json"));
    assert_eq!(request.header("webhook-id"), Some("msg_2d8Xb1"));
    assert_eq!(
        request.header("webhook-timestamp"),
        Some(req.timestamp.to_string().as_str())
    );
    assert_eq!(
        request.header("webhook-signature"),
        Some(expected_signature.as_str())
    );
    assert_eq!(request.header("authorization"), Some("Bearer tenant-token"));
    assert_eq!(request.header("user-agent"), Some("interviewd-test/1"));
    assert!(request.verify_signature(&secret));

    // An independent implementation agrees.
    let mut headers = reqwest::header::HeaderMap::new();
    for (name, value) in &request.headers {
        headers.append(
            reqwest::header::HeaderName::from_bytes(name.as_bytes()).unwrap(),
            value.parse().unwrap(),
        );
    }
    let reference = standardwebhooks::Webhook::new(&secret.to_string()).unwrap();
    reference.verify(&request.body, &headers).unwrap();
    let payload: serde_json::Value = serde_json::from_slice(&request.body).unwrap();
    assert_eq!(payload["type"], "interview.completed");
}

#[tokio::test]
async fn failures_map_to_retry_gone_and_retry_after() {
    let receiver = TestWebhookReceiver::start().await.unwrap();
    receiver.respond_with([
        ScriptedResponse::status(500),
        ScriptedResponse::status(429).with_retry_after("120"),
        ScriptedResponse::status(503).with_retry_after("soon"),
        ScriptedResponse::status(404),
        ScriptedResponse::status(410),
    ]);
    let secret = SigningSecret::generate().unwrap();
    let sender = sender(true);
    let mut results = Vec::new();
    for _ in 0..5 {
        results.push(sender.send(webhook(receiver.url("/h"), &secret)).await);
    }
    let summary: Vec<_> = results
        .iter()
        .map(|r| (r.status, r.outcome, r.retry_after))
        .collect();
    assert_eq!(
        summary,
        [
            (Some(500), Outcome::Retry, None),
            (Some(429), Outcome::Retry, Some(Duration::from_secs(120))),
            (Some(503), Outcome::Retry, None),
            (Some(404), Outcome::Retry, None),
            (Some(410), Outcome::Gone, None),
        ]
    );
    assert!(
        results[0]
            .error
            .as_deref()
            .is_some_and(|e| e.contains("500"))
    );
    assert_eq!(receiver.requests().len(), 5);
}

#[tokio::test]
async fn redirects_are_failures_and_are_not_followed() {
    let receiver = TestWebhookReceiver::start().await.unwrap();
    receiver
        .respond_with([ScriptedResponse::status(302).with_location(receiver.url("/elsewhere"))]);
    let secret = SigningSecret::generate().unwrap();
    let result = sender(true)
        .send(webhook(receiver.url("/h"), &secret))
        .await;
    assert_eq!(result.outcome, Outcome::Retry);
    assert_eq!(result.status, Some(302));
    assert!(
        result
            .error
            .as_deref()
            .is_some_and(|e| e.contains("redirect"))
    );
    tokio::time::sleep(Duration::from_millis(50)).await;
    let paths: Vec<_> = receiver.requests().into_iter().map(|r| r.path).collect();
    assert_eq!(paths, ["/h"]);
}

#[tokio::test]
async fn loopback_is_refused_unless_private_addresses_are_allowed() {
    let receiver = TestWebhookReceiver::start().await.unwrap();
    let secret = SigningSecret::generate().unwrap();
    let guarded = sender(false);
    for url in [receiver.url("/h"), receiver.localhost_url("/h")] {
        let result = guarded.send(webhook(url.clone(), &secret)).await;
        assert_eq!(result.outcome, Outcome::Refused, "{url}: {result:?}");
        assert_eq!(result.status, None);
        assert!(result.error.is_some());
    }
    assert!(receiver.requests().is_empty());

    let open = sender(true);
    for url in [receiver.url("/h"), receiver.localhost_url("/h")] {
        let result = open.send(webhook(url.clone(), &secret)).await;
        assert_eq!(result.outcome, Outcome::Delivered, "{url}: {result:?}");
    }
    assert_eq!(receiver.requests().len(), 2);
}

#[tokio::test]
async fn a_slow_receiver_times_out_into_a_retry() {
    let receiver = TestWebhookReceiver::start().await.unwrap();
    receiver.respond_with([ScriptedResponse::status(200).with_delay(Duration::from_secs(3))]);
    let secret = SigningSecret::generate().unwrap();
    let mut req = webhook(receiver.url("/slow"), &secret);
    req.timeout = Duration::from_millis(200);
    let result = sender(true).send(req).await;
    assert_eq!(result.outcome, Outcome::Retry, "{result:?}");
    assert_eq!(result.status, None);
    assert!(
        result
            .error
            .as_deref()
            .is_some_and(|e| e.contains("200 ms")),
        "{result:?}"
    );
    assert!(
        result.duration_ms >= 200 && result.duration_ms < 2_000,
        "{result:?}"
    );
    assert_eq!(receiver.requests().len(), 1);
}

#[tokio::test]
async fn a_closed_port_is_a_retry() {
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let secret = SigningSecret::generate().unwrap();
    let result = sender(true)
        .send(webhook(format!("http://127.0.0.1:{port}/h"), &secret))
        .await;
    assert_eq!(result.outcome, Outcome::Retry, "{result:?}");
    assert_eq!(result.status, None);
    assert!(result.error.is_some());
}
