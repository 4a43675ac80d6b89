//! The instaview dialect against the vendor's pages.

use crate::support::TestServer;
use crate::webhooks_support::{WAIT, body, create_webhook, fast, online_interview};
use interviewd_notify::testing::TestWebhookReceiver;
use serde_json::{Value, json};

/// An ATS key that names no company creates a global endpoint, which receives the events of
/// every company the key manages and of no other; `GET /webhooks` without `companyId` lists it
/// with the endpoints of the key's companies, with `companyId` only that company's own:
/// <https://docs.instaview.sk/api-reference/webhooks/create-webhook> ("If omitted, webhook
/// will receive events for all companies accessible by the API key"),
/// <https://docs.instaview.sk/api-reference/webhooks/list-webhooks>.
#[tokio::test]
async fn i27_global_endpoints_of_ats_keys() {
    let server = TestServer::start_with(fast).await;
    let receiver = TestWebhookReceiver::start().await.unwrap();
    let acme = server.company("Acme").await;
    let beta = server.company("Beta").await;
    let third = server.company("Third").await;
    let scopes = "read:webhooks,write:webhooks";
    let ats = server.client(&server.ats_key(&[&acme.id, &beta.id], scopes).await);
    let events = json!(["interview.scheduled"]);
    let global = create_webhook(&ats, &receiver.url("/global"), events.clone(), json!({})).await;
    assert_eq!(global["companyId"], Value::Null);
    assert!(global["signingSecret"].is_string());
    let id = global["id"].as_str().unwrap();
    let own = json!({ "companyId": acme.id });
    create_webhook(&ats, &receiver.url("/acme"), events, own).await;
    assert_eq!(ats.get("/v1/webhooks").await.expect(200).body["total"], 2);
    let of_acme = ats
        .get(&format!("/v1/webhooks?companyId={}", acme.id))
        .await;
    assert_eq!(of_acme.expect(200).body["total"], 1);
    assert_eq!(
        ats.get(&format!("/v1/webhooks/{id}"))
            .await
            .expect(200)
            .body["id"],
        id
    );

    // Events of both managed companies reach it; the third company's do not.
    for (company, email) in [(&acme, "a@example.com"), (&beta, "b@example.com")] {
        online_interview(&server.client(&company.key), email).await;
    }
    online_interview(&server.client(&third.key), "c@example.com").await;
    receiver.wait_for(3, WAIT).await;
    server.run_pending_background_jobs().await;
    let got = receiver.requests();
    assert_eq!(got.len(), 3);
    let to_global: Vec<Value> = got
        .iter()
        .filter(|r| r.path == "/global")
        .map(body)
        .collect();
    assert_eq!(to_global.len(), 2);
    assert!(
        to_global
            .iter()
            .all(|p| p["event"] == "interview.scheduled")
    );
    let log = crate::webhooks_delivery::wait_for_log(&ats, id, 2).await;
    assert_eq!(log["total"], 2);

    // Not the company's own endpoint, nor another ATS key's.
    let acme_key = server.client(&acme.key);
    acme_key
        .get(&format!("/v1/webhooks/{id}"))
        .await
        .expect(404);
    assert_eq!(
        acme_key.get("/v1/webhooks").await.expect(200).body["total"],
        1
    );
    let rival = server.client(&server.ats_key(&[&acme.id], scopes).await);
    rival.get(&format!("/v1/webhooks/{id}")).await.expect(403);
    rival
        .delete(&format!("/v1/webhooks/{id}"))
        .await
        .expect(403);
    ats.delete(&format!("/v1/webhooks/{id}")).await.expect(204);
    ats.get(&format!("/v1/webhooks/{id}")).await.expect(404);
}
