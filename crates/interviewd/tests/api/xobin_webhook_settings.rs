//! Xobin's AI-interview webhook settings, delivered to a real receiver on loopback:
//! <https://app.xobin.com/api/docs/ai-interviews/settings/add-webhook.html> (global, with
//! `updateAll`) and
//! <https://app.xobin.com/api/docs/ai-interviews/settings/add-specific-webhook.html> (one AI
//! interview's own, which replace the global ones for it), with both kinds of authentication.

use crate::support::TestServer;
use crate::xobin::{ai_interview, invited, xb};
use crate::xobin_report::{report_when_completed, take_interview};
use base64::Engine;
use interviewd_notify::testing::{ReceivedRequest, TestWebhookReceiver};
use reqwest::Method;
use serde_json::{Value, json};
use std::time::{Duration, Instant};

/// Invites `email` to AI interview `ai` and takes the interview to its end.
async fn taken(server: &TestServer, key: &str, ai: i64, email: &str) -> i64 {
    let invited = invited(server, key, email, ai).await;
    let response = invited.body["response_id"].as_i64().unwrap();
    take_interview(server, &invited.str("/invite_link")).await;
    report_when_completed(server, key, response).await;
    response
}

/// What arrived at `path` about `response`, once `count` such requests are in (bounded; only
/// ever used to wait for something that must arrive).
async fn arrived(
    server: &TestServer,
    receiver: &TestWebhookReceiver,
    path: &str,
    response: i64,
    count: usize,
) -> Vec<ReceivedRequest> {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        server.run_pending_background_jobs().await;
        let got: Vec<ReceivedRequest> = receiver
            .requests()
            .into_iter()
            .filter(|r| r.path == path && body(r)["response_id"] == response)
            .collect();
        if got.len() >= count || Instant::now() > deadline {
            return got;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

fn body(r: &ReceivedRequest) -> Value {
    serde_json::from_slice(&r.body).unwrap_or(Value::Null)
}

#[tokio::test]
async fn settings_reach_the_receiver_with_their_authentication() {
    let server = TestServer::start_with(|c| {
        crate::engine::fast(c);
        crate::webhooks_support::fast(c);
    })
    .await;
    let receiver = TestWebhookReceiver::start().await.unwrap();
    let acme = server.company("Acme").await;
    let other = server.company("Other").await;
    let a = ai_interview(&server, &acme.key, "Backend Engineer").await;
    let b = ai_interview(&server, &acme.key, "Data Engineer").await;
    let settings = |method: Method, path: String, body: Value| {
        let (server, key) = (&server, acme.key.clone());
        async move { xb(server, &key, method, &path, Some(body)).await }
    };

    let global = settings(
        Method::POST,
        "/ai-interviews/settings/webhooks".into(),
        json!({ "webhooks": {
            "start": { "status": true, "url": receiver.url("/start") },
            "submission": { "status": true, "url": receiver.url("/submission") },
            "auth": { "type": "apikey", "apikey": { "header": "X-Webhook-Key", "apikey": "k-123" } },
        } }),
    )
    .await
    .expect(200);
    assert_eq!(global.body["webhooks"]["start"]["status"], true);
    assert_eq!(global.body["webhooks"]["auth"]["type"], "apikey");
    assert_eq!(
        global.body["webhooks"]["auth"]["apikey"],
        json!({ "header": "X-Webhook-Key", "apikey": null })
    );
    let own = settings(
        Method::PUT,
        format!("/ai-interviews/settings/webhooks/{b}"),
        json!({ "webhooks": {
            "start": { "status": false },
            "submission": { "status": true, "url": receiver.url("/b-submission") },
            "auth": { "type": "basic", "status": true, "basic": { "username": "ats", "password": "s3cret" } },
        } }),
    )
    .await
    .expect(200);
    assert_eq!(
        own.body["webhooks"]["auth"]["basic"],
        json!({ "username": "ats", "password": null, "hasPassword": true })
    );
    // Managed by these routes alone: the webhook API does not list them.
    let listed = server
        .client(&acme.key)
        .get("/v1/webhooks")
        .await
        .expect(200);
    assert_eq!(listed.body["total"], 0, "{}", listed.text);

    // AI interview A follows the global settings: both webhooks, with the API-key header.
    let on_a = taken(&server, &acme.key, a, "ann@example.com").await;
    let started = arrived(&server, &receiver, "/start", on_a, 1).await;
    assert_eq!(started.len(), 1);
    assert_eq!(body(&started[0])["invite_status"], "Started");
    assert_eq!(body(&started[0])["ai_interview_id"], a);
    assert_eq!(started[0].header("x-webhook-key"), Some("k-123"));
    let submitted = arrived(&server, &receiver, "/submission", on_a, 1).await;
    assert_eq!(submitted.len(), 1);
    assert_eq!(body(&submitted[0])["invite_status"], "Completed");

    // AI interview B has its own: no start webhook, the submission elsewhere, Basic auth.
    let on_b = taken(&server, &acme.key, b, "bob@example.com").await;
    let submitted = arrived(&server, &receiver, "/b-submission", on_b, 1).await;
    assert_eq!(submitted.len(), 1);
    let basic = base64::engine::general_purpose::STANDARD.encode("ats:s3cret");
    assert_eq!(
        submitted[0].header("authorization"),
        Some(format!("Basic {basic}").as_str())
    );
    assert!(submitted[0].header("x-webhook-key").is_none());
    // Every event of B's interview has been fanned out and delivered by now (run to
    // completion, not waited for): none went to the global webhooks.
    server.run_pending_background_jobs().await;
    let elsewhere = receiver
        .requests()
        .into_iter()
        .filter(|r| r.path != "/b-submission" && body(r)["response_id"] == on_b)
        .count();
    assert_eq!(elsewhere, 0);

    // `updateAll`: every AI interview follows the global settings again; a webhook left out
    // of the update and the stored authentication are kept.
    let all = settings(
        Method::POST,
        "/ai-interviews/settings/webhooks".into(),
        json!({ "webhooks": { "start": { "status": true, "url": receiver.url("/start") } }, "updateAll": true }),
    )
    .await
    .expect(200);
    assert_eq!(
        all.body["webhooks"]["submission"]["url"],
        receiver.url("/submission")
    );
    assert_eq!(all.body["webhooks"]["auth"]["type"], "apikey");
    let again = taken(&server, &acme.key, b, "cy@example.com").await;
    assert_eq!(
        arrived(&server, &receiver, "/start", again, 1).await.len(),
        1
    );
    assert_eq!(
        arrived(&server, &receiver, "/submission", again, 1)
            .await
            .len(),
        1
    );

    // Refusals, in Xobin's error shape.
    let bad = [
        json!({ "webhooks": { "start": { "status": true } } }),
        json!({ "webhooks": { "start": { "status": true, "url": "ftp://example.com/x" } } }),
        json!({ "webhooks": { "auth": { "type": "digest" } } }),
        json!({ "webhooks": { "auth": { "type": "apikey", "apikey": { "key": "Bad Header" , "value": "v" } } } }),
        json!({ "webhooks": { "auth": { "type": "basic" } } }),
        json!({ "webhooks": "none" }),
        json!({ "webhooks": [null, null] }),
        json!({ "webhooks": { "start": [true] } }),
        json!({ "webhooks": { "auth": { "status": false, "apikey": [] } } }),
        json!({}),
    ];
    for body in bad {
        let res = settings(
            Method::POST,
            "/ai-interviews/settings/webhooks".into(),
            body.clone(),
        )
        .await;
        assert_eq!(res.status, 400, "{body}: {}", res.text);
    }
    settings(
        Method::PUT,
        "/ai-interviews/settings/webhooks/999999".into(),
        json!({ "webhooks": {} }),
    )
    .await
    .expect(404);
    settings(
        Method::PUT,
        "/ai-interviews/settings/webhooks/x".into(),
        json!({ "webhooks": {} }),
    )
    .await
    .expect(400);
    // Another company's AI interview is not found; a key without write:webhooks is refused.
    xb(
        &server,
        &other.key,
        Method::PUT,
        &format!("/ai-interviews/settings/webhooks/{a}"),
        Some(json!({ "webhooks": {} })),
    )
    .await
    .expect(404);
    let reader = server.key(&acme.id, "read:webhooks").await;
    xb(
        &server,
        &reader,
        Method::POST,
        "/ai-interviews/settings/webhooks",
        Some(json!({ "webhooks": {} })),
    )
    .await
    .expect(403);
}

/// An AI interview deleted through the InstaView API keeps its interviews (as that API
/// documents), and its own settings keep reporting them; its id is then 404 on the settings
/// route.
#[tokio::test]
async fn a_deleted_ai_interviews_own_settings_keep_reporting_its_responses() {
    let server = TestServer::start_with(|c| {
        crate::engine::fast(c);
        crate::webhooks_support::fast(c);
    })
    .await;
    let receiver = TestWebhookReceiver::start().await.unwrap();
    let acme = server.company("Acme").await;
    let ai = ai_interview(&server, &acme.key, "Backend Engineer").await;
    let put = |hook: &str| {
        let body = json!({ "webhooks": {
            "submission": { "status": true, "url": receiver.url(hook) },
        } });
        let (server, key, path) = (
            &server,
            acme.key.clone(),
            format!("/ai-interviews/settings/webhooks/{ai}"),
        );
        async move { xb(server, &key, Method::PUT, &path, Some(body)).await }
    };
    put("/own").await.expect(200);
    let invited = invited(&server, &acme.key, "ann@example.com", ai).await;
    let response = invited.body["response_id"].as_i64().unwrap();

    let api = server.client(&acme.key);
    let jobs = api.get("/v1/jobs").await.expect(200);
    let job = jobs.body["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|j| j["title"] == "Backend Engineer")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    api.delete(&format!("/v1/jobs/{job}")).await.expect(200);
    assert_eq!(put("/changed").await.status, 404);

    take_interview(&server, &invited.str("/invite_link")).await;
    report_when_completed(&server, &acme.key, response).await;
    let submitted = arrived(&server, &receiver, "/own", response, 1).await;
    assert_eq!(submitted.len(), 1, "the job's own settings still report");
    assert_eq!(body(&submitted[0])["invite_status"], "Completed");
}
