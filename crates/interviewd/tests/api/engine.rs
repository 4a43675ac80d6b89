//! The interview engine through the API: a completed call's results, every way a call ends
//! and that each returns its slot, test interviews, and deletion during a live call.

pub use crate::support::db;
use crate::support::{Client, Db, TestServer, fixture, on_db};
use interviewd::config::Config;
use serde_json::{Value, json};
use std::future::Future;
use std::time::Duration;

/// Upper bound of every wait in the engine tests.
pub const WAIT: Duration = Duration::from_secs(20);

/// Instant calls, quick retries and polls.
pub fn fast(config: &mut Config) {
    config.simulator_turn_ms = 0;
    config.call_retry_delay_ms = 20;
    config.engine_poll_ms = 20;
    config.engine_lease_ms = 3_000;
}

/// Polls `probe` until it yields a value, failing the test after `WAIT`.
pub async fn eventually<T, F, Fut>(what: &str, probe: F) -> T
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Option<T>>,
{
    eventually_within(what, WAIT, probe).await
}

/// [`eventually`], failing the test after `limit` (real engines on a busy machine).
pub async fn eventually_within<T, F, Fut>(what: &str, limit: Duration, mut probe: F) -> T
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Option<T>>,
{
    let deadline = tokio::time::Instant::now() + limit;
    loop {
        if let Some(value) = probe().await {
            return value;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "timed out waiting for {what}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Waits until the interview has `status`; returns its body.
pub async fn wait_status(client: &Client, id: &str, status: &str) -> Value {
    wait_status_within(client, id, status, WAIT).await
}

/// [`wait_status`], failing after `limit`.
pub async fn wait_status_within(client: &Client, id: &str, status: &str, limit: Duration) -> Value {
    eventually_within(&format!("interview {id} to be {status}"), limit, || async {
        let body = client
            .get(&format!("/v1/interviews/{id}"))
            .await
            .expect(200)
            .body;
        (body["status"] == status).then_some(body)
    })
    .await
}

/// The acting company's `GET /v1/concurrency`.
pub async fn concurrency(client: &Client) -> Value {
    client.get("/v1/concurrency").await.expect(200).body
}

/// Waits until the company holds no slot.
pub async fn wait_slots_free(client: &Client) {
    eventually("every slot to be free", || async {
        (concurrency(client).await["inUse"] == 0).then_some(())
    })
    .await;
}

/// Event types recorded for an interview, in order.
pub async fn events_of(db: &Db, interview: &str) -> Vec<(String, Value)> {
    let rows: Vec<(String, String)> = on_db!(db, |s| sqlx::query_as(
        "SELECT event_type, data FROM events WHERE interview_id = $1 ORDER BY created_at, id",
    )
    .bind(interview.parse::<uuid::Uuid>().unwrap())
    .fetch_all(s.pool())
    .await
    .unwrap());
    rows.into_iter()
        .map(|(kind, data)| (kind, serde_json::from_str(&data).unwrap()))
        .collect()
}

#[tokio::test]
async fn a_completed_call_has_transcript_recording_and_analysis() {
    let server = TestServer::start_with(fast).await;
    let acme = server.company("Acme").await;
    let other = server.company("Other").await;
    let client = server.client(&acme.key);
    let f = fixture(&client, "+14155550100", "ann@example.com").await;
    let body = wait_status(&client, &f.interview, "COMPLETED").await;
    wait_slots_free(&client).await;

    let attempts = body["callAttempts"].as_array().unwrap();
    assert_eq!(attempts.len(), 1);
    assert_eq!(attempts[0]["status"], "COMPLETED");
    assert_eq!(attempts[0]["retryNumber"], 0);
    assert!(attempts[0]["duration"].as_i64().unwrap() > 0);
    assert!(body["finishedDate"].is_string());
    let transcript = body["transcript"].as_array().unwrap();
    assert!(transcript.len() >= 3, "{transcript:?}");
    assert_eq!(transcript[0]["role"], "agent");
    // The greeting and the first question are one turn.
    let opening = transcript[0]["text"].as_str().unwrap();
    assert!(opening.ends_with("Tell me about Rust."), "{opening}");
    assert_eq!(transcript[1]["role"], "participant");
    assert!(transcript[1]["endMs"].as_u64() > transcript[1]["startMs"].as_u64());
    let analysis = &body["analysis"]["general"];
    let rating = analysis["overallRating"].as_u64().unwrap();
    assert!((20..=100).contains(&rating) && rating % 20 == 0, "{rating}");
    let evaluation = analysis["evaluation"].as_array().unwrap();
    assert!(evaluation[0].as_str().unwrap().starts_with("Overall"));
    let names: Vec<&str> = evaluation[1..]
        .iter()
        .map(|c| c.as_str().unwrap().split(" (").next().unwrap())
        .collect();
    assert!(
        names.contains(&"Rust") && names.contains(&"SQL"),
        "{names:?}"
    );

    // The recording: a valid, non-silent WAV as long as the call, to this company only.
    let url = attempts[0]["recordingUrl"].as_str().unwrap();
    // The link is signed (it works without a key until it expires); the route alone needs one.
    let path = url
        .strip_prefix(&server.base)
        .unwrap()
        .split('?')
        .next()
        .unwrap();
    assert_eq!(reqwest::get(url).await.unwrap().status(), 200);
    let bytes = reqwest::Client::new()
        .get(url)
        .bearer_auth(&acme.key)
        .send()
        .await
        .unwrap();
    assert_eq!(bytes.status(), 200);
    assert_eq!(bytes.headers()["content-type"], "audio/wav");
    let wav = bytes.bytes().await.unwrap();
    let info = interviewd_voice::wav::parse_header(&wav).unwrap();
    let last_end = transcript.last().unwrap()["endMs"].as_u64().unwrap();
    assert_eq!(info.duration_ms, last_end);
    assert!(wav[info.data_offset..].iter().any(|b| *b != 0));
    let foreign = server.client(&other.key).get(path).await;
    assert_eq!(foreign.expect(403).code(), "COMPANY_MISMATCH");
    let attempt = attempts[0]["id"].as_str().unwrap();
    let unknown = path.replace(attempt, &uuid::Uuid::now_v7().to_string());
    client.get(&unknown).await.expect(404);
    client
        .get(&path.replace(attempt, "not-a-uuid"))
        .await
        .expect(400);
    let reader = server.key(&acme.id, "read:jobs").await;
    server.client(&reader).get(path).await.expect(403);
    server.anonymous().get(path).await.expect(401);

    // Events, in the transactions of their transitions, with the documented data.
    let db = db(&server).await;
    let events = events_of(&db, &f.interview).await;
    let kinds: Vec<&str> = events.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(
        kinds,
        [
            "interview.scheduled",
            "interview.started",
            "interview.completed",
            "analysis.completed"
        ]
    );
    // Thin: ids and status, never the person or the transcript (webhooks read the
    // interview when they are fanned out).
    let started = &events[1].1;
    assert_eq!(started["status"], "IN_PROGRESS");
    assert_eq!(started["callAttemptId"], attempt);
    let completed = &events[2].1;
    assert_eq!(completed["status"], "COMPLETED");
    assert_eq!(completed["jobId"], f.job.as_str());
    assert_eq!(completed["interviewId"], f.interview.as_str());
    for (_, data) in &events {
        assert!(data.get("snapshot").is_none(), "{data}");
        assert!(!data.to_string().contains("Ann"), "{data}");
    }
    assert_eq!(events[3].1, events[2].1);
}

/// One interview for `phone` that ends FAILED with `reason` after `1 + retries` attempts.
async fn fails_after_retries(phone: &str, reason: &str) {
    let server = TestServer::start_with(|c| {
        fast(c);
        c.call_max_retries = 2;
    })
    .await;
    let acme = server.company("Acme").await;
    let client = server.client(&acme.key);
    let f = fixture(&client, phone, "ann@example.com").await;
    let body = wait_status(&client, &f.interview, "FAILED").await;
    wait_slots_free(&client).await;
    let attempts = body["callAttempts"].as_array().unwrap();
    let seen: Vec<(u64, &str, &str)> = attempts
        .iter()
        .map(|a| {
            (
                a["retryNumber"].as_u64().unwrap(),
                a["status"].as_str().unwrap(),
                a["reasonCode"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        seen,
        [
            (0, "FAILED", reason),
            (1, "FAILED", reason),
            (2, "FAILED", reason)
        ]
    );
    assert!(attempts.iter().all(|a| a["recordingUrl"].is_null()));
    assert!(body["transcript"].is_null() && body["analysis"].is_null());
    let events = events_of(&db(&server).await, &f.interview).await;
    let (kind, data) = events.last().unwrap();
    assert_eq!(kind, "interview.failed");
    assert_eq!(data["reasonCode"], reason);
    assert_eq!(data["callAttemptId"], attempts[2]["id"]);
    assert!(events.iter().all(|(k, _)| k != "interview.started"));
}

#[tokio::test]
async fn no_answer_is_retried_then_fails() {
    fails_after_retries("+14155559990", "NO_ANSWER").await;
}

#[tokio::test]
async fn busy_is_retried_then_fails() {
    fails_after_retries("+14155559991", "BUSY").await;
}

#[tokio::test]
async fn provider_failure_is_retried_then_fails() {
    fails_after_retries("+14155559992", "PROVIDER_ERROR").await;
}

#[tokio::test]
async fn the_watchdog_ends_a_call_at_its_maximum_duration() {
    let server = TestServer::start_with(|c| {
        fast(c);
        c.call_max_duration_ms = 400;
    })
    .await;
    let acme = server.company("Acme").await;
    let client = server.client(&acme.key);
    let f = fixture(&client, "+14155559993", "ann@example.com").await;
    // Live (and answered) before the watchdog fires.
    let live = wait_status(&client, &f.interview, "IN_PROGRESS").await;
    assert_eq!(live["callAttempts"][0]["status"], "IN_PROGRESS");
    assert_eq!(concurrency(&client).await["inUse"], 1);
    let body = wait_status(&client, &f.interview, "FAILED").await;
    wait_slots_free(&client).await;
    let attempts = body["callAttempts"].as_array().unwrap();
    assert_eq!(
        attempts.len(),
        1,
        "a call cut by the watchdog is not retried"
    );
    assert_eq!(attempts[0]["reasonCode"], "MAX_DURATION");
}

#[tokio::test]
async fn a_test_interview_completes_at_once_without_a_slot_or_billed_minutes() {
    let server = TestServer::start_with(fast).await;
    let acme = server.company("Acme").await;
    let client = server.client(&acme.key);
    let f = fixture(&client, "+14155550111", "bo@example.com").await;
    let test =
        |agent: &str| json!({ "candidateId": f.candidate, "agentId": agent, "isTest": true });
    let created = client
        .post("/v1/interviews", test(&f.agent))
        .await
        .expect(201);
    assert_eq!(created.body["status"], "COMPLETED");
    assert!(created.body["durationMinutes"].is_null());
    let attempt = &created.body["callAttempts"][0];
    assert_eq!(attempt["status"], "COMPLETED");
    assert!(attempt["duration"].is_null());
    assert!(attempt["recordingUrl"].is_string());
    assert!(created.body["transcript"].as_array().unwrap().len() >= 3);
    assert!(created.body["analysis"]["general"]["overallRating"].is_u64());
    // Deterministic: a second test interview says the same.
    let again = client
        .post("/v1/interviews", test(&f.agent))
        .await
        .expect(201);
    assert_eq!(again.body["transcript"], created.body["transcript"]);
    assert_eq!(
        again.body["analysis"]["general"]["overallRating"],
        created.body["analysis"]["general"]["overallRating"]
    );
    // An online test interview completes too.
    let online = client
        .new_agent(json!({ "name": "Web", "type": "ONLINE" }))
        .await;
    let web = client
        .post("/v1/interviews", test(&online))
        .await
        .expect(201);
    assert_eq!(web.body["status"], "COMPLETED");
    assert_eq!(web.body["callAttempts"][0]["direction"], "WEB");
    let db = db(&server).await;
    let held: i64 = on_db!(&db, |s| sqlx::query_scalar(
        "SELECT COUNT(*) FROM company_slots WHERE holder_attempt_id = $1"
    )
    .bind(
        attempt["id"]
            .as_str()
            .unwrap()
            .parse::<uuid::Uuid>()
            .unwrap(),
    )
    .fetch_one(s.pool())
    .await
    .unwrap());
    assert_eq!(held, 0);
}

#[tokio::test]
async fn a_call_whose_interview_is_deleted_produces_nothing_and_frees_its_slot() {
    let server = TestServer::start_with(|c| {
        fast(c);
        c.simulator_turn_ms = 300;
    })
    .await;
    let acme = server.company("Acme").await;
    let client = server.client(&acme.key);
    let f = fixture(&client, "+14155550122", "cy@example.com").await;
    let live = wait_status(&client, &f.interview, "IN_PROGRESS").await;
    let attempt: uuid::Uuid = live["callAttempts"][0]["id"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    assert_eq!(concurrency(&client).await["inUse"], 1);
    client
        .delete(&format!("/v1/interviews/{}", f.interview))
        .await
        .expect(200);
    client
        .get(&format!("/v1/interviews/{}", f.interview))
        .await
        .expect(404);
    // The call goes on to its natural end, holding its slot, and then frees it.
    assert_eq!(concurrency(&client).await["inUse"], 1);
    wait_slots_free(&client).await;
    let db = db(&server).await;
    for table in ["transcript_turns", "pipeline_jobs"] {
        let sql = format!("SELECT COUNT(*) FROM {table} WHERE attempt_id = $1");
        let n: i64 = on_db!(&db, |s| sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
            .bind(attempt)
            .fetch_one(s.pool())
            .await
            .unwrap());
        assert_eq!(n, 0, "{table}");
    }
    let analyses: i64 = on_db!(&db, |s| sqlx::query_scalar(
        "SELECT COUNT(*) FROM analyses WHERE attempt_id = $1"
    )
    .bind(attempt)
    .fetch_one(s.pool())
    .await
    .unwrap());
    assert_eq!(analyses, 0);
    let kinds: Vec<String> = events_of(&db, &f.interview)
        .await
        .into_iter()
        .map(|(k, _)| k)
        .collect();
    assert!(
        !kinds
            .iter()
            .any(|k| k == "interview.completed" || k == "analysis.completed"),
        "{kinds:?}"
    );
    // No recording was left behind.
    let company_dir = server.config.data_dir.join("recordings").join(&acme.id);
    let files = std::fs::read_dir(&company_dir)
        .map(|d| d.count())
        .unwrap_or(0);
    assert_eq!(files, 0);
}
