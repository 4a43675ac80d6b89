//! Delivery that loses nothing: retries with a stable `webhook-id`, `Retry-After`, the
//! circuit breaker, 410, deleted interviews, and a restart with messages pending.

use crate::support::{Client, Db, TestServer, on_db};
use crate::webhooks_support::{
    WAIT, assert_signed, body, create_webhook, db, delete_row, fast, insert_event,
    online_interview, wait_for_webhook,
};
use interviewd::store::events::kinds;
use interviewd_notify::testing::{ScriptedResponse, TestWebhookReceiver};
use serde_json::{Value, json};
use std::collections::HashSet;
use std::time::{Duration, Instant};

/// Polls the delivery log until it holds `count` entries or [`WAIT`] passes.
pub async fn wait_for_log(client: &Client, id: &str, count: u64) -> Value {
    let deadline = Instant::now() + WAIT;
    loop {
        let log = client
            .get(&format!("/v1/webhooks/{id}/deliveries?limit=100"))
            .await
            .expect(200)
            .body;
        let listed = log["data"].as_array().map_or(0, Vec::len) as u64;
        if (log["total"].as_u64() >= Some(count) && listed >= count.min(100))
            || Instant::now() > deadline
        {
            return log;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Status of one message, read from the database.
async fn message_status(db: &Db, webhook_msg_id: &str) -> Option<String> {
    let id = uuid::Uuid::parse_str(webhook_msg_id.trim_start_matches("msg_")).unwrap();
    on_db!(db, |s| sqlx::query_scalar(
        "SELECT status FROM webhook_messages WHERE id = $1"
    )
    .bind(id)
    .fetch_optional(s.pool())
    .await
    .unwrap())
}

fn ping_data() -> Value {
    json!({ "candidateId": "c", "jobId": "j" })
}

/// Subscribes a new endpoint at `url` to removals only; its id.
async fn removal_hook(client: &Client, url: &str) -> String {
    let hook = create_webhook(
        client,
        url,
        json!(["candidate.removed_from_job"]),
        json!({}),
    )
    .await;
    hook["id"].as_str().unwrap().to_owned()
}

/// Records one removal event (with stand-in data) for the company.
async fn removed(db: &Db, company: &str) {
    insert_event(
        db,
        company,
        None,
        kinds::CANDIDATE_REMOVED_FROM_JOB,
        ping_data(),
    )
    .await;
}

#[tokio::test]
async fn a_failing_receiver_gets_the_same_message_until_it_succeeds() {
    let server = TestServer::start_with(fast).await;
    let receiver = TestWebhookReceiver::start().await.unwrap();
    receiver.respond_with([500, 503, 302].map(ScriptedResponse::status));
    let acme = server.company("Acme").await;
    let client = server.client(&acme.key);
    let hook = create_webhook(
        &client,
        &receiver.url("/r"),
        json!(["candidate.removed_from_job"]),
        json!({}),
    )
    .await;
    let id = hook["id"].as_str().unwrap();
    let db = db(&server).await;
    removed(&db, &acme.id).await;

    let got = receiver.wait_for(4, WAIT).await;
    assert_eq!(got.len(), 4);
    let ids: HashSet<_> = got
        .iter()
        .map(|r| r.header("webhook-id").unwrap())
        .collect();
    assert_eq!(ids.len(), 1, "one message, four attempts");
    let bodies: HashSet<_> = got.iter().map(|r| r.body.clone()).collect();
    assert_eq!(bodies.len(), 1, "every attempt sends the same body");
    for request in &got {
        assert_signed(request, hook["signingSecret"].as_str().unwrap());
    }
    let log = wait_for_log(&client, id, 4).await;
    let attempts: Vec<_> = log["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["attemptNumber"].as_u64().unwrap(),
                e["statusCode"].as_u64().unwrap(),
                e["success"].as_bool().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        attempts,
        [
            (4, 200, true),
            (3, 302, false),
            (2, 503, false),
            (1, 500, false)
        ]
    );
    assert!(
        log["data"][1]["error"]
            .as_str()
            .unwrap()
            .contains("redirect")
    );
    assert_eq!(log["data"][0]["event"], "candidate.removed_from_job");
    let w = wait_for_webhook(&client, id, |w| w["consecutiveFailures"] == 0).await;
    assert_eq!(w["consecutiveFailures"], 0);
    assert_eq!(w["isActive"], true);
    server.run_pending_background_jobs().await;
    assert_eq!(receiver.requests().len(), 4, "nothing after the success");
}

#[tokio::test]
async fn retry_after_is_honoured_and_max_retries_bounds_the_attempts() {
    let server = TestServer::start_with(fast).await;
    let receiver = TestWebhookReceiver::start().await.unwrap();
    receiver.respond_with([ScriptedResponse::status(429).with_retry_after("1")]);
    let acme = server.company("Acme").await;
    let client = server.client(&acme.key);
    removal_hook(&client, &receiver.url("/slow")).await;
    let db = db(&server).await;
    removed(&db, &acme.id).await;
    assert_eq!(receiver.wait_for(1, WAIT).await.len(), 1);
    let first = Instant::now();
    assert_eq!(receiver.wait_for(2, WAIT).await.len(), 2);
    assert!(
        first.elapsed() >= Duration::from_millis(800),
        "{:?}",
        first.elapsed()
    );

    let dead = TestWebhookReceiver::start().await.unwrap();
    dead.set_default(ScriptedResponse::status(500));
    let hook = create_webhook(
        &client,
        &dead.url("/dead"),
        json!(["invite.revoked"]),
        json!({ "maxRetries": 2 }),
    )
    .await;
    insert_event(&db, &acme.id, None, kinds::INVITE_REVOKED, ping_data()).await;
    let log = wait_for_log(&client, hook["id"].as_str().unwrap(), 3).await;
    assert_eq!(log["total"], 3);
    server.run_pending_background_jobs().await;
    assert_eq!(dead.requests().len(), 3, "one attempt and two retries");
    assert_eq!(
        message_status(&db, dead.requests()[0].header("webhook-id").unwrap())
            .await
            .as_deref(),
        Some("FAILED")
    );
}

#[tokio::test]
async fn the_circuit_opens_holds_messages_and_resets() {
    let server = TestServer::start_with(|c| {
        fast(c);
        c.webhook_circuit_threshold = 3;
    })
    .await;
    let receiver = TestWebhookReceiver::start().await.unwrap();
    receiver.set_default(ScriptedResponse::status(500));
    let acme = server.company("Acme").await;
    let client = server.client(&acme.key);
    let id = &removal_hook(&client, &receiver.url("/cb")).await;
    let db = db(&server).await;
    insert_event(
        &db,
        &acme.id,
        None,
        kinds::CANDIDATE_REMOVED_FROM_JOB,
        json!({ "n": 1 }),
    )
    .await;

    let open = wait_for_webhook(&client, id, |w| w["isActive"] == false).await;
    assert_eq!(open["isActive"], false);
    assert_eq!(open["consecutiveFailures"], 3);
    assert!(open["circuitOpenedAt"].is_string());
    // While open: nothing is sent, and a new event waits too.
    insert_event(
        &db,
        &acme.id,
        None,
        kinds::CANDIDATE_REMOVED_FROM_JOB,
        json!({ "n": 2 }),
    )
    .await;
    server.run_pending_background_jobs().await;
    assert_eq!(receiver.requests().len(), 3);

    receiver.set_default(ScriptedResponse::status(204));
    let reset = client
        .post(&format!("/v1/webhooks/{id}/reset-circuit"), json!({}))
        .await
        .expect(200)
        .body;
    assert_eq!(reset["isActive"], true);
    assert_eq!(reset["consecutiveFailures"], 0);
    assert_eq!(reset["circuitOpenedAt"], Value::Null);
    let got = receiver.wait_for(5, WAIT).await;
    assert_eq!(got.len(), 5);
    let first_id = got[0].header("webhook-id").unwrap();
    let delivered: Vec<_> = got[3..]
        .iter()
        .map(|r| {
            (
                r.header("webhook-id").unwrap(),
                body(r)["data"]["n"].clone(),
            )
        })
        .collect();
    assert!(
        delivered.contains(&(first_id, json!(1))),
        "the held message, same webhook-id"
    );
    assert!(
        delivered.iter().any(|(_, n)| *n == json!(2)),
        "the event that arrived while open"
    );
}

#[tokio::test]
async fn gone_disables_the_endpoint() {
    let server = TestServer::start_with(fast).await;
    let receiver = TestWebhookReceiver::start().await.unwrap();
    receiver.respond_with([ScriptedResponse::status(410)]);
    let acme = server.company("Acme").await;
    let client = server.client(&acme.key);
    let id = &removal_hook(&client, &receiver.url("/gone")).await;
    let db = db(&server).await;
    removed(&db, &acme.id).await;
    let w = wait_for_webhook(&client, id, |w| w["isActive"] == false).await;
    assert_eq!(w["isActive"], false);
    assert_eq!(w["circuitOpenedAt"], Value::Null);
    let log = wait_for_log(&client, id, 1).await;
    assert_eq!(log["data"][0]["statusCode"], 410);
    assert_eq!(log["data"][0]["outcome"], "GONE");
    removed(&db, &acme.id).await;
    server.run_pending_background_jobs().await;
    assert_eq!(
        receiver.requests().len(),
        1,
        "a disabled endpoint gets nothing"
    );
}

/// The statuses of an interview's webhook messages other than `interview.deleted`.
async fn message_statuses(db: &Db, interview: &str) -> Vec<String> {
    let id = interview.parse().unwrap();
    messages(db, id).await.into_iter().map(|(s, _)| s).collect()
}

/// The status and payload of an interview's messages but its deletion's.
async fn messages(db: &Db, id: uuid::Uuid) -> Vec<(String, String)> {
    on_db!(db, |s| sqlx::query_as(
        "SELECT status, payload FROM webhook_messages \
         WHERE interview_id = $1 AND event_type <> $2 ORDER BY status, id"
    )
    .bind(id)
    .bind(kinds::INTERVIEW_DELETED)
    .fetch_all(s.pool())
    .await
    .unwrap())
}

#[tokio::test]
async fn nothing_about_a_deleted_interview_but_its_deletion() {
    let server = TestServer::start_with(fast).await;
    let receiver = TestWebhookReceiver::start().await.unwrap();
    receiver.set_default(ScriptedResponse::status(503));
    let acme = server.company("Acme").await;
    let client = server.client(&acme.key);
    let events = json!([
        "interview.scheduled",
        "analysis.completed",
        "interview.deleted"
    ]);
    let hook = create_webhook(&client, &receiver.url("/del"), events, json!({})).await;
    let db = db(&server).await;

    // Through the deletion path: the pending `interview.scheduled` message is dropped, and
    // `interview.deleted` recorded.
    let (first, _) = online_interview(&client, "a@example.com").await;
    assert!(!receiver.wait_for(1, WAIT).await.is_empty());
    client
        .delete(&format!("/v1/interviews/{first}"))
        .await
        .expect(200);
    assert!(message_statuses(&db, &first).await.is_empty());
    // A late event about it (written after the deletion) is not fanned out.
    insert_event(
        &db,
        &acme.id,
        Some(&first),
        kinds::ANALYSIS_COMPLETED,
        json!({ "interviewId": first }),
    )
    .await;

    // Its row alone deleted: the worker's own check drops the message before sending.
    let (second, _) = online_interview(&client, "b@example.com").await;
    let deadline = Instant::now() + WAIT;
    while !receiver
        .requests()
        .iter()
        .any(|r| body(r)["data"]["interviewId"] == second.as_str())
    {
        assert!(
            Instant::now() < deadline,
            "second interview never attempted"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    delete_row(&db, &second).await;
    // An attempt already past its check when the row went is allowed to land: wait for the
    // attempts under way to end.
    server.run_pending_background_jobs().await;

    let cut = receiver.requests().len();
    receiver.set_default(ScriptedResponse::status(200));
    let deadline = Instant::now() + WAIT;
    while !receiver.requests()[cut..]
        .iter()
        .any(|r| body(r)["event"] == "interview.deleted")
    {
        assert!(Instant::now() < deadline, "interview.deleted never arrived");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    server.run_pending_background_jobs().await;
    let after: Vec<Value> = receiver.requests()[cut..].iter().map(body).collect();
    for payload in &after {
        assert_eq!(payload["event"], "interview.deleted", "{payload}");
    }
    assert_eq!(after[0]["data"]["interviewId"], first.as_str());
    let log = wait_for_log(&client, hook["id"].as_str().unwrap(), 1).await;
    assert!(
        log["data"]
            .as_array()
            .unwrap()
            .iter()
            .all(|e| e["event"] != "analysis.completed")
    );
    // The second interview's message waits for its retry (its attempt failed before the
    // deletion); when it is due, the worker's check drops it instead of sending it.
    let deadline = Instant::now() + WAIT;
    loop {
        let second_msg = message_statuses(&db, &second).await;
        if second_msg == ["DROPPED"] {
            break;
        }
        assert_eq!(second_msg, ["PENDING"], "neither sent nor dropped");
        assert!(Instant::now() < deadline, "the message was never dropped");
        server.run_pending_background_jobs().await;
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(
        receiver.requests()[cut..]
            .iter()
            .all(|r| body(r)["event"] == "interview.deleted"),
        "nothing about the deleted interview but its deletion"
    );
}

#[tokio::test]
async fn a_restart_delivers_every_pending_message() {
    let server = TestServer::start_with(fast).await;
    let receiver = TestWebhookReceiver::start().await.unwrap();
    receiver.set_default(ScriptedResponse::status(503));
    let acme = server.company("Acme").await;
    let client = server.client(&acme.key);
    create_webhook(
        &client,
        &receiver.url("/restart"),
        json!(["invite.revoked"]),
        json!({}),
    )
    .await;
    let db = db(&server).await;
    for n in 0..3 {
        insert_event(
            &db,
            &acme.id,
            None,
            kinds::INVITE_REVOKED,
            json!({ "n": n }),
        )
        .await;
    }
    let deadline = Instant::now() + WAIT;
    let pending = loop {
        let ids: HashSet<String> = receiver
            .requests()
            .iter()
            .map(|r| r.header("webhook-id").unwrap().to_owned())
            .collect();
        if ids.len() == 3 {
            break ids;
        }
        assert!(
            Instant::now() < deadline,
            "only {} messages attempted",
            ids.len()
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    };
    drop(db);
    let (config, dir) = server.stop().await;

    let cut = receiver.requests().len();
    receiver.set_default(ScriptedResponse::status(200));
    let server = TestServer::boot(config, dir).await;
    let deadline = Instant::now() + WAIT;
    loop {
        let after: HashSet<String> = receiver.requests()[cut..]
            .iter()
            .map(|r| r.header("webhook-id").unwrap().to_owned())
            .collect();
        if pending.is_subset(&after) {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "missing after restart: {:?}",
            pending.difference(&after)
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let db = crate::webhooks_support::db(&server).await;
    for id in &pending {
        let deadline = Instant::now() + WAIT;
        while message_status(&db, id).await.as_deref() != Some("DELIVERED") {
            assert!(Instant::now() < deadline, "{id} not recorded as delivered");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

/// An event that cannot be made into messages (its interview's stored analysis is unreadable)
/// does not hold back the events behind it; it stays queued, is tried again after a while, and
/// is sent once it can be.
#[tokio::test]
async fn an_event_that_cannot_be_rendered_does_not_hold_back_the_rest() {
    let server = TestServer::start_with(|c| {
        fast(c);
        crate::engine::fast(c);
    })
    .await;
    let receiver = TestWebhookReceiver::start().await.unwrap();
    let acme = server.company("Acme").await;
    let client = server.client(&acme.key);
    let f = crate::support::fixture(&client, "+14155550100", "ann@example.com").await;
    crate::engine::wait_status(&client, &f.interview, "COMPLETED").await;
    server.run_pending_background_jobs().await;
    for (path, events, format) in [
        ("/alpharun", json!(["interview.completed"]), "alpharun"),
        (
            "/instaview",
            json!(["candidate.removed_from_job"]),
            "instaview",
        ),
    ] {
        create_webhook(
            &client,
            &receiver.url(path),
            events,
            json!({ "format": format }),
        )
        .await;
    }
    let db = db(&server).await;
    let interview: uuid::Uuid = f.interview.parse().unwrap();
    let set_criteria = |value: &'static str| {
        let db = &db;
        async move {
            on_db!(db, |s| sqlx::query(
                "UPDATE analyses SET criteria = $1 WHERE interview_id = $2"
            )
            .bind(value)
            .bind(interview)
            .execute(s.pool())
            .await
            .map(|_| ())
            .unwrap());
        }
    };
    set_criteria("not json").await;
    let data = json!({ "interviewId": f.interview, "candidateId": f.candidate, "jobId": f.job,
                       "status": "COMPLETED" });
    insert_event(
        &db,
        &acme.id,
        Some(&f.interview),
        kinds::INTERVIEW_COMPLETED,
        data,
    )
    .await;
    removed(&db, &acme.id).await;
    server.run_pending_background_jobs().await;
    let paths = |r: &TestWebhookReceiver| -> Vec<String> {
        r.requests().iter().map(|q| q.path.clone()).collect()
    };
    assert_eq!(
        paths(&receiver),
        ["/instaview"],
        "the event behind went out"
    );

    set_criteria("[]").await;
    // Held back for a while (backing off), then tried again and sent.
    crate::support::wake_all();
    server.run_pending_background_jobs().await;
    assert_eq!(paths(&receiver), ["/instaview"], "not retried at once");
    server.clock().advance(Duration::from_secs(3));
    crate::support::wake_all();
    server.run_pending_background_jobs().await;
    let got = receiver.wait_for(2, WAIT).await;
    assert_eq!(got.len(), 2);
    let sent = got.iter().find(|r| r.path == "/alpharun").unwrap();
    assert_eq!(body(sent)["event_type"], "interview.call.completed");
}

/// The races behind the order of the deletion path's statements on PostgreSQL
/// (docs/removal.md, step 4): a delivery, or a fan-out, that commits while the removal's
/// statement waits for a row it holds. The statement does not see a message the fan-out
/// added, and leaves a message that is no longer pending; a later statement of the same
/// removal must still blank both payloads. Each is played by a transaction of the test's own,
/// held open until the removal waits for it. SQLite admits one writer at a time, so there
/// these races cannot happen.
#[tokio::test]
async fn a_delivery_or_fan_out_during_a_removal_keeps_no_payload() {
    let server = TestServer::start_with(fast).await;
    let db = db(&server).await;
    let crate::support::Db::Pg(store) = &db else {
        return;
    };
    let receiver = TestWebhookReceiver::start().await.unwrap();
    receiver.set_default(ScriptedResponse::status(503).with_retry_after("600"));
    let acme = server.company("Acme").await;
    let client = server.client(&acme.key);
    let events = json!(["interview.scheduled"]);
    create_webhook(&client, &receiver.url("/race"), events, json!({})).await;
    let delivered = "UPDATE webhook_messages SET status = 'DELIVERED' \
                     WHERE interview_id = $1 AND event_type <> $2";
    let fanned_out = [
        "UPDATE events SET dispatched_at = created_at WHERE interview_id = $1 AND event_type <> $2",
        "INSERT INTO webhook_messages (id, webhook_id, company_id, event_id, interview_id, \
         event_type, payload, status, next_attempt_at, created_at, updated_at) \
         SELECT gen_random_uuid(), webhook_id, company_id, event_id, interview_id, event_type, \
         payload, 'PENDING', next_attempt_at, created_at, updated_at FROM webhook_messages \
         WHERE interview_id = $1 AND event_type <> $2",
    ];
    let cases: [(&str, &[&'static str], &[&str]); 2] = [
        ("delivery", &[delivered], &["DELIVERED"]),
        ("fan-out", &fanned_out, &["PENDING"]),
    ];
    for (n, (case, statements, statuses)) in cases.into_iter().enumerate() {
        let (interview, _) = online_interview(&client, &format!("race{n}@example.com")).await;
        assert!(receiver.wait_for(n + 1, WAIT).await.len() > n, "{case}");
        // The first attempt's failure recorded; the next is ten minutes away.
        server.run_pending_background_jobs().await;
        let id: uuid::Uuid = interview.parse().unwrap();
        let before = messages(&db, id).await;
        assert!(
            matches!(before.as_slice(), [(s, payload)] if s == "PENDING" && !payload.is_empty()),
            "{case}: {before:?}"
        );

        let mut racing = store.pool().begin().await.unwrap();
        for sql in statements {
            sqlx::query(*sql)
                .bind(id)
                .bind(kinds::INTERVIEW_DELETED)
                .execute(&mut *racing)
                .await
                .unwrap();
        }
        let removal = tokio::spawn({
            let client = client.clone();
            let path = format!("/v1/interviews/{interview}");
            async move { client.delete(&path).await.status }
        });
        // The removal's statement waits for a row the transaction holds.
        let deadline = Instant::now() + WAIT;
        loop {
            let waiting: i64 = sqlx::query_scalar(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() \
                 AND wait_event_type = 'Lock' AND query LIKE 'WITH mail AS%'",
            )
            .fetch_one(store.pool())
            .await
            .unwrap();
            if waiting == 1 {
                break;
            }
            assert!(
                Instant::now() < deadline,
                "{case}: the removal never waited"
            );
            assert!(!removal.is_finished(), "{case}: the removal did not wait");
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        racing.commit().await.unwrap();
        assert_eq!(removal.await.unwrap(), 200, "{case}");

        // What stays in the delivery log says nothing.
        let after = messages(&db, id).await;
        let expected: Vec<(String, String)> = statuses
            .iter()
            .map(|s| ((*s).to_owned(), String::new()))
            .collect();
        assert_eq!(after, expected, "{case}");
    }
}
