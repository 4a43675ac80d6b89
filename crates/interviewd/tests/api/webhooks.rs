//! The webhook API (InstaView shape, validation, isolation) and signed delivery, checked
//! against a real local receiver with independent Standard Webhooks verifiers.

use crate::support::TestServer;
use crate::webhooks_support::{
    WAIT, assert_signed, body, create_webhook, db, endpoint, fast, hand_signature, insert_event,
    online_interview,
};
use chrono::Utc;
use interviewd_domain::CompanyId;
use interviewd_notify::SigningSecret;
use interviewd_notify::testing::TestWebhookReceiver;
use serde_json::{Value, json};

#[tokio::test]
async fn crud_follows_the_instaview_object() {
    let server = TestServer::start_with(fast).await;
    let acme = server.company("Acme").await;
    let client = server.client(&acme.key);
    let created = create_webhook(
        &client,
        "http://127.0.0.1:9/hooks",
        json!([
            "interview.completed",
            0,
            "5",
            "INTERVIEW_FAILED",
            "interview.cancelled"
        ]),
        json!({
            "description": "all the things",
            "headers": [{ "name": "Authorization", "value": "Bearer s3cret" }],
            "maxRetries": 4,
            "format": "xobin"
        }),
    )
    .await;
    let id = created["id"].as_str().unwrap().to_owned();
    assert_eq!(created["companyId"], acme.id.as_str());
    assert_eq!(
        created["events"],
        json!([
            "interview.completed",
            "analysis.completed",
            "interview.started",
            "interview.failed",
            "interview.canceled"
        ])
    );
    assert_eq!(
        created["headers"],
        json!([{ "name": "Authorization", "isMasked": true }])
    );
    assert!(!created.to_string().contains("s3cret"));
    assert_eq!(created["isActive"], true);
    assert_eq!(created["maxRetries"], 4);
    assert_eq!(created["timeoutMs"], 15000);
    assert_eq!(created["consecutiveFailures"], 0);
    assert_eq!(created["circuitOpenedAt"], Value::Null);
    assert_eq!(created["format"], "xobin");
    assert!(created["apiKeyId"].is_string());
    let secret = created["signingSecret"].as_str().unwrap();
    assert!(
        secret.len() == 64 && secret.chars().all(|c| c.is_ascii_hexdigit()),
        "{secret}"
    );
    let standard = created["standardWebhooksSecret"].as_str().unwrap();
    assert!(SigningSecret::parse(standard).is_ok(), "{standard}");
    assert_eq!(crate::webhooks_support::standard_secret(secret), standard);

    let shown = client
        .get(&format!("/v1/webhooks/{id}"))
        .await
        .expect(200)
        .body;
    assert!(shown.get("signingSecret").is_none());
    assert_eq!(shown["description"], "all the things");
    // Both documented forms: the bare object (API reference) and the success envelope
    // (the get and reset-circuit pages' examples), for the create answer too.
    for answer in [&created, &shown] {
        assert_eq!(answer["success"], true);
        assert_eq!(answer["error"], Value::Null);
        assert!(answer["timestamp"].is_string());
        assert_eq!(answer["data"]["id"], id.as_str());
        assert_eq!(answer["data"]["events"], answer["events"]);
    }
    assert_eq!(created["data"]["signingSecret"], created["signingSecret"]);
    let reset = client
        .post(&format!("/v1/webhooks/{id}/reset-circuit"), json!({}))
        .await
        .expect(200)
        .body;
    assert_eq!(reset["data"]["consecutiveFailures"], 0);
    assert_eq!(reset["isActive"], true);
    let listed = client.get("/webhooks?limit=5").await.expect(200).body;
    assert_eq!(listed["total"], 1);
    assert_eq!(listed["limit"], 5);
    assert_eq!(listed["data"][0]["id"], id.as_str());

    let patched = client
        .patch(
            &format!("/v1/webhooks/{id}"),
            json!({ "name": "renamed", "description": null, "events": ["PING"],
                    "timeoutMs": 30000, "format": "alpharun", "isActive": false }),
        )
        .await
        .expect(200)
        .body;
    assert_eq!(patched["name"], "renamed");
    assert_eq!(patched["description"], Value::Null);
    assert_eq!(patched["events"], json!(["ping"]));
    assert_eq!(patched["timeoutMs"], 30000);
    assert_eq!(patched["format"], "alpharun");
    assert_eq!(patched["isActive"], false);
    assert_eq!(patched["headers"][0]["name"], "Authorization");
    assert_eq!(patched["data"]["name"], "renamed");

    let deleted = client
        .delete(&format!("/v1/webhooks/{id}"))
        .await
        .expect(204);
    assert!(deleted.text.is_empty());
    let gone = client.get(&format!("/v1/webhooks/{id}")).await.expect(404);
    assert_eq!(gone.code(), "RESOURCE_NOT_FOUND");
}

#[tokio::test]
async fn invalid_input_is_a_400_naming_the_field() {
    let server = TestServer::start_with(fast).await;
    let acme = server.company("Acme").await;
    let client = server.client(&acme.key);
    let ok = json!({ "url": "https://example.com/h", "events": ["ping"] });
    let cases = [
        ("url", json!({ "url": "ftp://example.com/h" })),
        (
            "url",
            json!({ "url": format!("https://example.com/{}", "a".repeat(2048)) }),
        ),
        ("events", json!({ "events": [] })),
        ("events", json!({ "events": ["interview.exploded"] })),
        ("events", json!({ "events": [6] })),
        ("events", json!({ "events": ["SOURCING_STARTED"] })),
        ("name", json!({ "name": "n".repeat(256) })),
        ("maxRetries", json!({ "maxRetries": 10 })),
        ("maxRetries", json!({ "maxRetries": -1 })),
        ("timeoutMs", json!({ "timeoutMs": 30001 })),
        ("format", json!({ "format": "soap" })),
        (
            "headers[0].name",
            json!({ "headers": [{ "name": "webhook-id", "value": "x" }] }),
        ),
        (
            "headers[0].value",
            json!({ "headers": [{ "name": "X-A", "value": "" }] }),
        ),
    ];
    for (field, change) in cases {
        let mut body = ok.clone();
        body.as_object_mut()
            .unwrap()
            .extend(change.as_object().unwrap().clone());
        let res = client.post("/v1/webhooks", body).await.expect(400);
        assert_eq!(res.code(), "VALIDATION_ERROR");
        assert_eq!(res.body["error"]["details"]["field"], field, "{}", res.text);
    }
    let many: Vec<Value> = (0..51)
        .map(|i| json!({ "name": format!("x-{i}"), "value": "v" }))
        .collect();
    let mut body = ok.clone();
    body["headers"] = json!(many);
    client.post("/v1/webhooks", body).await.expect(400);
    assert_eq!(
        client.get("/v1/webhooks").await.expect(200).body["total"],
        0
    );
}

#[tokio::test]
async fn private_destinations_are_refused_by_default() {
    let server = TestServer::start().await;
    let acme = server.company("Acme").await;
    let client = server.client(&acme.key);
    for url in [
        "http://127.0.0.1:8080/h",
        "http://localhost/h",
        "http://10.1.2.3/h",
        "http://192.168.0.1/h",
        "http://169.254.169.254/latest/meta-data",
        "http://[::1]/h",
    ] {
        let res = client
            .post("/v1/webhooks", json!({ "url": url, "events": ["ping"] }))
            .await
            .expect(400);
        assert_eq!(res.body["error"]["details"]["field"], "url", "{url}");
        // The refusal names the setting that would allow it.
        assert!(res.text.contains("webhook_allow_private"), "{}", res.text);
    }
    client
        .post(
            "/v1/webhooks",
            json!({ "url": "https://hooks.example.com/h", "events": ["ping"] }),
        )
        .await
        .expect(201);
}

#[tokio::test]
async fn scopes_companies_and_ats_keys() {
    let server = TestServer::start_with(fast).await;
    let acme = server.company("Acme").await;
    let other = server.company("Other").await;
    let hook = create_webhook(
        &server.client(&acme.key),
        "https://example.com/a",
        json!(["ping"]),
        json!({}),
    )
    .await;
    let id = hook["id"].as_str().unwrap();

    let reader = server.client(&server.key(&acme.id, "read:webhooks").await);
    reader.get(&format!("/v1/webhooks/{id}")).await.expect(200);
    let res = reader
        .post(
            "/v1/webhooks",
            json!({ "url": "https://example.com/b", "events": ["ping"] }),
        )
        .await
        .expect(403);
    assert_eq!(res.code(), "INSUFFICIENT_PERMISSIONS");
    reader
        .post(&format!("/v1/webhooks/{id}/reset-circuit"), json!({}))
        .await
        .expect(403);
    let none = server.client(&server.key(&acme.id, "read:jobs").await);
    none.get("/v1/webhooks").await.expect(403);
    server.anonymous().get("/v1/webhooks").await.expect(401);

    // Another company's configuration: 403 `RESOURCE_ACCESS_DENIED`, and an unknown one 404
    // with `resourceType: "WebhookConfig"`, as the webhook pages show
    // (https://docs.instaview.sk/api-reference/webhooks/get-webhook).
    let intruder = server.client(&other.key);
    for path in [
        format!("/v1/webhooks/{id}"),
        format!("/v1/webhooks/{id}/deliveries"),
    ] {
        let denied = intruder.get(&path).await.expect(403);
        assert_eq!(denied.code(), "RESOURCE_ACCESS_DENIED");
        assert_eq!(
            denied.body["error"]["message"],
            "Access denied to this webhook configuration"
        );
    }
    intruder
        .delete(&format!("/v1/webhooks/{id}"))
        .await
        .expect(403);
    intruder
        .post(&format!("/v1/webhooks/{id}/test"), json!({}))
        .await
        .expect(403);
    assert_eq!(
        intruder.get("/v1/webhooks").await.expect(200).body["total"],
        0
    );
    let unknown = intruder
        .get(&format!("/v1/webhooks/{}", uuid::Uuid::now_v7()))
        .await
        .expect(404);
    assert_eq!(
        unknown.body["error"]["details"]["resourceType"],
        "WebhookConfig"
    );
    intruder.get("/v1/webhooks/not-a-uuid").await.expect(400);
    // A company key cannot name another company in the body.
    intruder
        .post(
            "/v1/webhooks",
            json!({ "url": "https://example.com/c", "events": ["ping"], "companyId": acme.id }),
        )
        .await
        .expect(403);

    let ats = server.client(
        &server
            .ats_key(&[&acme.id], "read:webhooks,write:webhooks")
            .await,
    );
    // Without a company: a global endpoint of the key (the conformance suite, I27).
    let global = ats
        .post(
            "/v1/webhooks",
            json!({ "url": "https://example.com/d", "events": ["ping"] }),
        )
        .await
        .expect(201);
    assert_eq!(global.body["companyId"], Value::Null);
    let made = ats
        .post(
            "/v1/webhooks",
            json!({ "url": "https://example.com/d", "events": ["ping"], "companyId": acme.id }),
        )
        .await
        .expect(201);
    assert_eq!(made.body["companyId"], acme.id.as_str());
    ats.post(
        &format!("/v1/webhooks?companyId={}", other.id),
        json!({ "url": "https://example.com/e", "events": ["ping"] }),
    )
    .await
    .expect(403);
    let listed = ats
        .get(&format!("/v1/webhooks?companyId={}", acme.id))
        .await
        .expect(200);
    assert_eq!(listed.body["total"], 2);
    assert_eq!(ats.get("/v1/webhooks").await.expect(200).body["total"], 3);
}

#[tokio::test]
async fn deliveries_are_signed_per_standard_webhooks() {
    let server = TestServer::start_with(fast).await;
    let receiver = TestWebhookReceiver::start().await.unwrap();
    let acme = server.company("Acme").await;
    let client = server.client(&acme.key);
    let hook = create_webhook(
        &client,
        &receiver.url("/hooks?tenant=1"),
        json!(["interview.scheduled"]),
        json!({ "headers": [{ "name": "X-Tenant", "value": "acme" }] }),
    )
    .await;
    let secret = hook["signingSecret"].as_str().unwrap();
    // Creating an interview writes `interview.scheduled` in its transaction.
    let (interview, job) = online_interview(&client, "ann@example.com").await;
    let got = receiver.wait_for(1, WAIT).await;
    assert_eq!(got.len(), 1);
    let request = &got[0];
    assert_eq!(request.method, "POST");
    assert_eq!(request.path, "/hooks?tenant=1");
    assert_eq!(request.header("x-tenant"), Some("acme"));
    assert_eq!(request.header("content-type"), Some("application/json"));
    assert!(request.header("webhook-id").unwrap().starts_with("msg_"));
    let ts: i64 = request
        .header("webhook-timestamp")
        .unwrap()
        .parse()
        .unwrap();
    assert!((Utc::now().timestamp() - ts).abs() < 300);
    assert_signed(request, secret);
    let payload = body(request);
    assert_eq!(payload["event"], "interview.scheduled");
    assert_eq!(payload["data"]["interviewId"], interview.as_str());
    assert_eq!(payload["data"]["jobId"], job.as_str());
    assert_eq!(payload["data"]["status"], "SCHEDULED");
    assert!(payload["deliveryId"].is_string());
    assert!(payload["timestamp"].is_string());
    // Not subscribed: nothing else arrives.
    server.run_pending_background_jobs().await;
    assert_eq!(receiver.requests().len(), 1);
}

#[tokio::test]
async fn the_known_answer_vector_holds_through_the_server() {
    // The verifier of these tests reproduces the specification's vector...
    let kat_secret = "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD";
    assert_eq!(
        hand_signature(
            kat_secret,
            "msg_27UH4WbU6Z5A5EzD8u03UvzRbpk",
            "1649367553",
            br#"{"email":"test@example.com","username":"test_user"}"#
        ),
        "v1,tZ1I4/hDygAJgO5TYxiSd6Sd0kDW6hPenDe+bTa3Kkw="
    );
    // ...and accepts what the server signs with that very secret.
    let server = TestServer::start_with(fast).await;
    let receiver = TestWebhookReceiver::start().await.unwrap();
    let acme = server.company("Acme").await;
    let webhook = endpoint(
        acme.id.parse::<CompanyId>().unwrap(),
        receiver.url("/kat"),
        &["candidate.removed_from_job"],
        SigningSecret::parse(kat_secret).unwrap().to_string(),
        15_000,
    );
    server.store.insert_webhook(&webhook).await.unwrap();
    let db = db(&server).await;
    insert_event(
        &db,
        &acme.id,
        None,
        "candidate.removed_from_job",
        json!({ "candidateId": "c1", "jobId": "j1" }),
    )
    .await;
    let got = receiver.wait_for(1, WAIT).await;
    assert_eq!(got.len(), 1);
    assert_signed(&got[0], kat_secret);
    assert_eq!(
        body(&got[0])["data"],
        json!({ "candidateId": "c1", "jobId": "j1" })
    );
}

#[tokio::test]
async fn the_test_call_sends_a_logged_ping() {
    let server = TestServer::start_with(fast).await;
    let receiver = TestWebhookReceiver::start().await.unwrap();
    let acme = server.company("Acme").await;
    let client = server.client(&acme.key);
    let hook = create_webhook(
        &client,
        &receiver.url("/ping"),
        json!(["interview.completed", "ping"]),
        json!({}),
    )
    .await;
    let id = hook["id"].as_str().unwrap();
    // Synchronous: the answer reports the endpoint's.
    let res = client
        .post(&format!("/v1/webhooks/{id}/test"), json!({}))
        .await
        .expect(200);
    assert_eq!(res.body["success"], true, "{}", res.text);
    assert_eq!(res.body["httpStatus"], 200);
    assert_eq!(res.body["data"]["success"], true);
    let got = receiver.requests();
    assert_eq!(got.len(), 1);
    assert_signed(&got[0], hook["signingSecret"].as_str().unwrap());
    let payload = body(&got[0]);
    assert_eq!(payload["event"], "ping");
    assert_eq!(payload["deliveryId"], res.body["deliveryId"]);
    assert_eq!(payload["data"]["webhookId"], id);

    let log = crate::webhooks_delivery::wait_for_log(&client, id, 1).await;
    assert_eq!(log["total"], 1);
    let entry = &log["data"][0];
    assert_eq!(entry["event"], "ping");
    assert_eq!(entry["deliveryId"], res.body["deliveryId"]);
    assert_eq!(entry["attemptNumber"], 1);
    assert_eq!(entry["statusCode"], 200);
    assert_eq!(entry["success"], true);
    assert_eq!(entry["error"], Value::Null);
    assert!(entry["durationMs"].is_u64());
    assert!(entry["attemptedAt"].is_string());
    // Nothing more is sent for it.
    server.run_pending_background_jobs().await;
    assert_eq!(receiver.requests().len(), 1);
}
