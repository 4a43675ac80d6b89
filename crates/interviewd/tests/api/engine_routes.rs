//! The call-attempt routes and `GET /v1/concurrency`.

use crate::engine::{concurrency, fast, wait_slots_free, wait_status};
use crate::support::{Client, TestServer, fixture, on_db};
use chrono::{Duration, Utc};
use serde_json::{Value, json};

fn in_hours(h: i64) -> String {
    (Utc::now() + Duration::hours(h)).to_rfc3339()
}

async fn interview_at(client: &Client, candidate: &str, agent: &str, at: &str) -> String {
    client
        .new_interview(json!({ "candidateId": candidate, "agentId": agent, "scheduledAt": at }))
        .await
}

async fn attempts(client: &Client, id: &str) -> Vec<Value> {
    let body = client
        .get(&format!("/v1/interviews/{id}"))
        .await
        .expect(200)
        .body;
    body["callAttempts"].as_array().unwrap().clone()
}

#[tokio::test]
async fn invoking_replaces_scheduled_attempts_and_rescheduling_moves_them() {
    let server = TestServer::start_with(fast).await;
    let acme = server.company("Acme").await;
    let client = server.client(&acme.key);
    let f = fixture(&client, "+14155550133", "di@example.com").await;
    wait_status(&client, &f.interview, "COMPLETED").await;
    let id = interview_at(&client, &f.candidate, &f.agent, &in_hours(1)).await;
    let c = concurrency(&client).await;
    assert_eq!(c, json!({ "limit": 10, "inUse": 0, "queued": 0 }));

    let path = format!("/v1/interviews/{id}/call-attempts");
    let invoked = client
        .post(&path, json!({ "scheduledAt": in_hours(2) }))
        .await
        .expect(201);
    assert_eq!(invoked.body["success"], true);
    assert!(
        invoked
            .str("/message")
            .contains("1 scheduled attempt(s) replaced")
    );
    let list = attempts(&client, &id).await;
    assert_eq!(list.len(), 2);
    assert_eq!(list[0]["status"], "CANCELLED");
    assert_eq!(list[0]["reasonCode"], "REPLACED");
    assert_eq!(list[1]["status"], "SCHEDULED");
    assert_eq!(list[1]["retryNumber"], 0);
    let second = list[1]["id"].as_str().unwrap().to_owned();

    let one = format!("{path}/{second}");
    let later = (Utc::now() + Duration::hours(3))
        .with_timezone(&chrono::FixedOffset::east_opt(3600).unwrap());
    let moved = client
        .patch(&one, json!({ "scheduledAt": later.to_rfc3339() }))
        .await
        .expect(204);
    assert!(moved.text.is_empty());
    let list = attempts(&client, &id).await;
    let stored =
        chrono::DateTime::parse_from_rfc3339(list[1]["scheduledAt"].as_str().unwrap()).unwrap();
    assert_eq!(stored.timestamp(), later.timestamp());
    for bad in [
        json!({ "scheduledAt": in_hours(-1) }),
        json!({}),
        json!({ "scheduledAt": "tomorrow" }),
    ] {
        let r = client.patch(&one, bad).await.expect(400);
        assert_eq!(r.code(), "VALIDATION_ERROR");
    }
    let first = list[0]["id"].as_str().unwrap();
    let cancelled = client
        .patch(
            &format!("{path}/{first}"),
            json!({ "scheduledAt": in_hours(4) }),
        )
        .await
        .expect(400);
    assert!(cancelled.text.contains("CANCELLED"));
    let unknown = format!("{path}/{}", uuid::Uuid::now_v7());
    client
        .patch(&unknown, json!({ "scheduledAt": in_hours(4) }))
        .await
        .expect(404);
    client
        .patch(
            &format!("{path}/nope"),
            json!({ "scheduledAt": in_hours(4) }),
        )
        .await
        .expect(400);

    // As soon as possible: the call happens; a completed interview takes no more calls.
    client
        .post(&path, json!({ "scheduledAt": null }))
        .await
        .expect(201);
    wait_status(&client, &id, "COMPLETED").await;
    let done = client
        .post(&path, json!({ "scheduledAt": null }))
        .await
        .expect(409);
    assert_eq!(done.code(), "INVALID_STATE_TRANSITION");
    assert_eq!(attempts(&client, &id).await.len(), 3);
    wait_slots_free(&client).await;
}

#[tokio::test]
async fn a_call_in_progress_refuses_invoking_and_rescheduling() {
    let server = TestServer::start_with(|c| {
        fast(c);
        c.call_max_duration_ms = 1_500;
    })
    .await;
    let acme = server.company("Acme").await;
    let client = server.client(&acme.key);
    let f = fixture(&client, "+14155559993", "ed@example.com").await;
    let live = wait_status(&client, &f.interview, "IN_PROGRESS").await;
    let attempt = live["callAttempts"][0]["id"].as_str().unwrap();
    let path = format!("/v1/interviews/{}/call-attempts", f.interview);
    let busy = client
        .post(&path, json!({ "scheduledAt": null }))
        .await
        .expect(409);
    assert!(busy.text.contains("in progress"));
    let moving = client
        .patch(
            &format!("{path}/{attempt}"),
            json!({ "scheduledAt": in_hours(1) }),
        )
        .await
        .expect(400);
    assert!(moving.text.contains("in progress"));
    let deleting = client
        .delete(&format!("{path}/{attempt}"))
        .await
        .expect(400);
    assert!(deleting.text.contains("in progress"));
    // After the watchdog, the FAILED interview can be called again.
    wait_status(&client, &f.interview, "FAILED").await;
    client.post(&path, json!({})).await.expect(201);
    let again = attempts(&client, &f.interview).await;
    assert_eq!(again.len(), 2);
    assert_eq!(again[1]["retryNumber"], 0);
    assert_ne!(
        client
            .get(&format!("/v1/interviews/{}", f.interview))
            .await
            .body["status"],
        "FAILED"
    );
}

#[tokio::test]
async fn call_attempt_routes_follow_the_access_rules() {
    let server = TestServer::start_with(fast).await;
    let acme = server.company("Acme").await;
    let other = server.company("Other").await;
    let client = server.client(&acme.key);
    let f = fixture(&client, "+14155550144", "fi@example.com").await;
    let id = interview_at(&client, &f.candidate, &f.agent, &in_hours(1)).await;
    let path = format!("/v1/interviews/{id}/call-attempts");
    let body = json!({ "scheduledAt": null });

    server
        .anonymous()
        .post(&path, body.clone())
        .await
        .expect(401);
    let reader = server.key(&acme.id, "read:interviews").await;
    let denied = server
        .client(&reader)
        .post(&path, body.clone())
        .await
        .expect(403);
    assert_eq!(denied.code(), "INSUFFICIENT_PERMISSIONS");
    let foreign = server
        .client(&other.key)
        .post(&path, body.clone())
        .await
        .expect(403);
    assert_eq!(foreign.code(), "COMPANY_MISMATCH");
    let unknown = format!("/v1/interviews/{}/call-attempts", uuid::Uuid::now_v7());
    client.post(&unknown, body.clone()).await.expect(404);
    client
        .post("/v1/interviews/x/call-attempts", body.clone())
        .await
        .expect(400);
    client
        .post(&path, json!({ "scheduledAt": in_hours(-2) }))
        .await
        .expect(400);
    // Un-prefixed mount and an empty body (= as soon as possible).
    let r = client
        .send(
            reqwest::Method::POST,
            &format!("/interviews/{id}/call-attempts"),
            None,
            &[],
        )
        .await
        .expect(201);
    assert_eq!(r.body["success"], true);

    let web = client
        .new_agent(json!({ "name": "Web", "type": "ONLINE" }))
        .await;
    let online = interview_at(&client, &f.candidate, &web, &in_hours(1)).await;
    let refused = client
        .post(
            &format!("/v1/interviews/{online}/call-attempts"),
            body.clone(),
        )
        .await
        .expect(400);
    assert!(refused.text.contains("ONLINE"));
    let any = uuid::Uuid::now_v7();
    client
        .patch(
            &format!("/v1/interviews/{online}/call-attempts/{any}"),
            json!({ "scheduledAt": in_hours(2) }),
        )
        .await
        .expect(400);

    // `GET /concurrency` needs read:interviews; answers for the acting company.
    let jobs_only = server.key(&acme.id, "read:jobs").await;
    server
        .client(&jobs_only)
        .get("/concurrency")
        .await
        .expect(403);
    let c = server
        .client(&reader)
        .get("/concurrency")
        .await
        .expect(200)
        .body;
    assert_eq!(c["limit"], 10);
    assert!(c["inUse"].is_u64() && c["queued"].is_u64());
    server.anonymous().get("/v1/concurrency").await.expect(401);
}

/// InstaView's `DELETE /interviews/{id}/call-attempts/{attemptId}`
/// (https://docs.instaview.sk/api-reference/interviews/delete-call-attempt): 204; a scheduled
/// attempt leaves the queue, a finished one the history; blocked while IN_PROGRESS (the
/// in-progress test) and for ONLINE interviews; "deleting call attempts does not delete the
/// interview itself". The choices the page leaves open (docs/api-instaview.md): the COMPLETED
/// attempt goes but its conversation stays the interview's transcript and analysis, a
/// SCHEDULED interview left without a pending attempt is CANCELED, and a deleted attempt's
/// recording is erased.
#[tokio::test]
async fn deleting_a_call_attempt_cancels_it_or_forgets_it_with_its_recording() {
    let server = TestServer::start_with(fast).await;
    let acme = server.company("Acme").await;
    let other = server.company("Other").await;
    let client = server.client(&acme.key);
    let one = |id: &str, attempt: &str| format!("/v1/interviews/{id}/call-attempts/{attempt}");
    let f = fixture(&client, "+14155550155", "gi@example.com").await;
    wait_status(&client, &f.interview, "COMPLETED").await;
    let called = attempts(&client, &f.interview).await[0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    // A scheduled interview whose attempt was replaced: [CANCELLED, SCHEDULED].
    let id = interview_at(&client, &f.candidate, &f.agent, &in_hours(1)).await;
    client
        .post(
            &format!("/v1/interviews/{id}/call-attempts"),
            json!({ "scheduledAt": in_hours(2) }),
        )
        .await
        .expect(201);
    let list = attempts(&client, &id).await;
    let replaced = list[0]["id"].as_str().unwrap().to_owned();
    let pending = list[1]["id"].as_str().unwrap().to_owned();
    let foreign = server
        .client(&other.key)
        .delete(&one(&id, &replaced))
        .await
        .expect(403);
    assert_eq!(foreign.code(), "COMPANY_MISMATCH");
    let reader = server.key(&acme.id, "read:interviews").await;
    let denied = server
        .client(&reader)
        .delete(&one(&id, &replaced))
        .await
        .expect(403);
    assert_eq!(denied.code(), "INSUFFICIENT_PERMISSIONS");
    client
        .delete(&one(&id, &uuid::Uuid::now_v7().to_string()))
        .await
        .expect(404);
    // Another interview's attempt is not this one's.
    client
        .delete(&one(&f.interview, &pending))
        .await
        .expect(404);
    client.delete(&one(&id, "nope")).await.expect(400);
    assert_eq!(attempts(&client, &id).await.len(), 2);

    let gone = client.delete(&one(&id, &replaced)).await.expect(204);
    assert!(gone.text.is_empty());
    let left = attempts(&client, &id).await;
    assert_eq!(left.len(), 1);
    assert_eq!(left[0]["id"], pending.as_str());
    let get = |id: String| {
        let client = &client;
        async move {
            client
                .get(&format!("/v1/interviews/{id}"))
                .await
                .expect(200)
                .body
        }
    };
    assert_eq!(get(id.clone()).await["status"], "SCHEDULED");
    // The last pending attempt: no call will be made, so the interview is canceled.
    client.delete(&one(&id, &pending)).await.expect(204);
    let canceled = get(id.clone()).await;
    assert_eq!(canceled["status"], "CANCELLED");
    assert_eq!(canceled["callAttempts"], json!([]));
    let events = crate::engine::events_of(&crate::support::db(&server).await, &id).await;
    let (kind, data) = events.last().unwrap();
    assert_eq!(kind, "interview.canceled");
    assert_eq!(data["reasonCode"], "ATTEMPT_DELETED");
    client.delete(&one(&id, &pending)).await.expect(404);
    assert_eq!(concurrency(&client).await["queued"], 0);

    // The COMPLETED attempt: its recording is erased with it; the interview keeps its status,
    // its transcript and its analysis.
    let db = crate::support::db(&server).await;
    let key: String = on_db!(&db, |s| sqlx::query_scalar(
        "SELECT recording_key FROM call_attempts WHERE id = $1"
    )
    .bind(called.parse::<uuid::Uuid>().unwrap())
    .fetch_one(s.pool())
    .await
    .unwrap());
    let file = server.config.data_dir.join("recordings").join(&key);
    assert!(file.exists(), "{file:?}");
    let before = get(f.interview.clone()).await;
    assert!(before["analysis"].is_object(), "{before}");
    client.delete(&one(&f.interview, &called)).await.expect(204);
    server.run_pending_background_jobs().await;
    assert!(!file.exists(), "{file:?} is still there");
    let kept = get(f.interview.clone()).await;
    assert_eq!(kept["status"], "COMPLETED");
    assert_eq!(kept["callAttempts"], json!([]));
    assert_eq!(kept["transcript"], before["transcript"]);
    assert_eq!(kept["analysis"], before["analysis"]);
    client.delete(&one(&f.interview, &called)).await.expect(404);
    let audited: i64 = on_db!(&db, |s| sqlx::query_scalar(
        "SELECT COUNT(*) FROM audit_log WHERE action = 'call_attempt.delete'"
    )
    .fetch_one(s.pool())
    .await
    .unwrap());
    assert_eq!(audited, 3);
}
