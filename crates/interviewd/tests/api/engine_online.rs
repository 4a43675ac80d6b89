//! Online interviews through the invite link (`/i/{token}`).

use crate::engine::{concurrency, db, fast, wait_slots_free, wait_status};
use crate::support::{Client, TestServer, on_db};
use crate::webhooks_support::{WAIT, create_webhook};
use interviewd_domain::Plan;
use interviewd_notify::testing::TestWebhookReceiver;
use serde_json::json;

/// An ONLINE interview with two questions; returns `(interview id, token)`.
pub async fn online_interview(client: &Client, email: &str) -> (String, String) {
    let questions = ["How do you test Rust code?", "Tell me about SQL indexes."];
    online_interview_asking(client, email, &questions).await
}

/// [`online_interview`] with an agent asking `questions`.
pub async fn online_interview_asking(
    client: &Client,
    email: &str,
    questions: &[&str],
) -> (String, String) {
    let agent = client
        .new_agent(json!({ "name": "Web", "type": "ONLINE", "questions": questions }))
        .await;
    let job = client
        .new_job(json!({ "title": "Engineer", "requiredSkills": ["Rust", "SQL"] }))
        .await;
    let candidate = client
        .new_candidate(json!({ "firstName": "Uma", "email": email, "jobId": job }))
        .await;
    let created = client
        .post(
            "/v1/interviews",
            json!({ "candidateId": candidate, "agentId": agent }),
        )
        .await
        .expect(201);
    let url = created.str("/inviteUrl");
    let token = url.rsplit('/').next().unwrap().to_owned();
    (created.str("/id"), token)
}

#[tokio::test]
async fn an_online_session_runs_question_by_question_to_a_completed_interview() {
    let server = TestServer::start_with(fast).await;
    let acme = server.company("Acme").await;
    let client = server.client(&acme.key);
    let (id, token) = online_interview(&client, "uma@example.com").await;
    let link = server.anonymous();
    let base = format!("/i/{token}");

    let status = link.get(&base).await.expect(200).body;
    assert_eq!(status["status"], "SCHEDULED");
    assert_eq!(status["type"], "ONLINE");
    assert_eq!(status["questionCount"], 2);
    assert!(status["session"].is_null());

    let first = link
        .post(&format!("{base}/start"), json!({}))
        .await
        .expect(200)
        .body;
    assert_eq!(first["questionIndex"], 0);
    assert_eq!(first["question"], "How do you test Rust code?");
    assert_eq!(first["turn"], 0);
    let greeting = first["greeting"].as_str().unwrap();
    let prompt = first["prompt"].as_str().unwrap();
    assert!(
        prompt.starts_with(greeting.trim_end_matches('.')),
        "{prompt}"
    );
    assert!(prompt.ends_with("How do you test Rust code?"), "{prompt}");
    assert_eq!(concurrency(&client).await["inUse"], 1);
    assert_eq!(
        wait_status(&client, &id, "IN_PROGRESS").await["status"],
        "IN_PROGRESS"
    );
    // Starting again resumes the same session.
    let resumed = link
        .post(&format!("{base}/start"), json!({}))
        .await
        .expect(200)
        .body;
    assert_eq!(resumed["sessionId"], first["sessionId"]);
    assert_eq!(resumed["questionIndex"], 0);

    let answer = format!("{base}/answer");
    let empty = link
        .post(&answer, json!({ "answer": "  " }))
        .await
        .expect(400);
    assert_eq!(empty.body["error"], "INVALID_ANSWER");
    let second = link
        .post(&answer, json!({ "answer": "I write unit tests with cargo test and use Rust property tests.", "questionIndex": 0 }))
        .await
        .expect(200)
        .body;
    assert_eq!(second["questionIndex"], 1);
    assert_eq!(second["question"], "Tell me about SQL indexes.");
    // The built-in interviewer moves on with the next question verbatim.
    assert_eq!(second["prompt"], "Tell me about SQL indexes.");
    assert_eq!(second["turn"], 1);
    let stale = link
        .post(&answer, json!({ "answer": "again", "questionIndex": 0 }))
        .await
        .expect(409);
    assert_eq!(stale.body["error"], "OUT_OF_ORDER");
    assert_eq!(stale.body["questionIndex"], 1);
    let done = link
        .post(
            &answer,
            json!({ "answer": "A B-tree index on SQL columns speeds up lookups." }),
        )
        .await
        .expect(200)
        .body;
    assert_eq!(done["status"], "FINISHED");

    let body = wait_status(&client, &id, "COMPLETED").await;
    wait_slots_free(&client).await;
    let transcript = body["transcript"].as_array().unwrap();
    let texts: Vec<&str> = transcript
        .iter()
        .map(|t| t["text"].as_str().unwrap())
        .collect();
    // Greeting and first question, answer, second question, answer, closing.
    assert_eq!(texts.len(), 5);
    assert!(texts[0].ends_with("How do you test Rust code?"));
    assert!(texts[1].starts_with("I write unit tests"));
    assert_eq!(transcript[1]["role"], "participant");
    assert_eq!(texts[2], "Tell me about SQL indexes.");
    assert!(body["analysis"]["general"]["overallRating"].is_u64());
    let attempt = &body["callAttempts"][0];
    assert_eq!(attempt["direction"], "WEB");
    assert_eq!(attempt["status"], "COMPLETED");
    // A typed session has no recording.
    assert!(attempt["recordingUrl"].is_null(), "{attempt}");
    let after = link.get(&base).await.expect(200).body;
    assert_eq!(after["status"], "COMPLETED");
    let again = link
        .post(&format!("{base}/start"), json!({}))
        .await
        .expect(409);
    assert_eq!(again.body["error"], "FINISHED");
}

#[tokio::test]
async fn an_idle_session_ends_and_returns_its_slot() {
    let server = TestServer::start_with(|c| {
        fast(c);
        c.online_idle_timeout_ms = 300;
    })
    .await;
    let acme = server.company_on("Acme", Plan::Business, Some(1)).await;
    let client = server.client(&acme.key);
    let (id, token) = online_interview(&client, "vi@example.com").await;
    let (other, other_token) = online_interview(&client, "wu@example.com").await;
    let link = server.anonymous();
    link.post(&format!("/i/{token}/start"), json!({}))
        .await
        .expect(200);
    // The only slot is taken: the second candidate is asked to come back.
    let full = link
        .post(&format!("/i/{other_token}/start"), json!({}))
        .await
        .expect(429);
    assert_eq!(full.body["error"], "NO_FREE_SLOT");
    assert!(full.headers.contains_key("retry-after"));
    assert_eq!(
        wait_status(&client, &other, "SCHEDULED").await["callAttempts"],
        json!([])
    );

    // The idle session pauses: its attempt ends, the interview is open again.
    crate::engine::eventually("the idle session to pause", || async {
        let body = client.get(&format!("/v1/interviews/{id}")).await.body;
        (body["callAttempts"][0]["reasonCode"] == "IDLE_TIMEOUT").then_some(body)
    })
    .await;
    let paused = wait_status(&client, &id, "SCHEDULED").await;
    assert_eq!(paused["callAttempts"][0]["status"], "FAILED");
    wait_slots_free(&client).await;
    let late = link
        .post(&format!("/i/{token}/answer"), json!({ "answer": "hello?" }))
        .await
        .expect(409);
    assert_eq!(late.body["error"], "NO_SESSION");
    let events = crate::engine::events_of(&db(&server).await, &id).await;
    assert!(
        events.iter().all(|(kind, _)| kind != "interview.failed"),
        "{events:?}"
    );
    // The freed slot serves the second candidate now.
    link.post(&format!("/i/{other_token}/start"), json!({}))
        .await
        .expect(200);
}

/// A session that goes idle pauses; the link continues it. An endpoint in Alpharun's format
/// hears `interview.call.completed` once per session, as Alpharun sends it "when a candidate
/// finishes a call with the AI interviewer (note that an interview may have multiple calls if
/// the candidate completes their interview over multiple sessions)"
/// (<https://dev.alpharun.com/api-reference/webhook/interview-webhooks>).
#[tokio::test]
async fn a_paused_session_continues_where_it_stood() {
    let server = TestServer::start_with(|c| {
        fast(c);
        crate::webhooks_support::fast(c);
        c.online_idle_timeout_ms = 300;
    })
    .await;
    let acme = server.company("Acme").await;
    let client = server.client(&acme.key);
    let receiver = TestWebhookReceiver::start().await.unwrap();
    create_webhook(
        &client,
        &receiver.url("/alpharun"),
        json!(["interview.completed", "interview.call.ended"]),
        json!({ "format": "alpharun" }),
    )
    .await;
    let (id, token) = online_interview(&client, "yu@example.com").await;
    let link = server.anonymous();
    link.post(&format!("/i/{token}/start"), json!({}))
        .await
        .expect(200);
    let answer = format!("/i/{token}/answer");
    let second = link
        .post(&answer, json!({ "answer": "With unit tests.", "turn": 0 }))
        .await
        .expect(200);
    assert_eq!(second.body["questionIndex"], 1);
    // Idle: paused, open again.
    crate::engine::eventually("the idle session to pause", || async {
        let body = client.get(&format!("/v1/interviews/{id}")).await.body;
        (body["status"] == "SCHEDULED" && body["callAttempts"][0]["reasonCode"] == "IDLE_TIMEOUT")
            .then_some(())
    })
    .await;
    // The session's message, made now: the interview in progress, with what was said so far.
    server.run_pending_background_jobs().await;
    let paused = receiver.wait_for(1, WAIT).await;
    let first = crate::webhooks_support::body(&paused[0]);
    assert_eq!(first["event_type"], "interview.call.completed");
    assert_eq!(first["interview"]["id"], id.as_str());
    assert_eq!(first["interview"]["status"], "in_progress");
    let said = first["interview"]["transcript_fragments"].to_string();
    assert!(said.contains("With unit tests."), "{said}");
    assert!(first["interview"]["insights"].is_null(), "{first}");
    // Opened and left without a word: paused again, and no call to report.
    link.post(&format!("/i/{token}/start"), json!({}))
        .await
        .expect(200);
    crate::engine::eventually("the silent session to pause", || async {
        let body = client.get(&format!("/v1/interviews/{id}")).await.body;
        (body["status"] == "SCHEDULED" && body["callAttempts"][1]["reasonCode"] == "IDLE_TIMEOUT")
            .then_some(())
    })
    .await;
    server.run_pending_background_jobs().await;
    assert_eq!(receiver.requests().len(), 1, "a silent session is no call");
    // Back through the link: the second question, the first answer kept.
    let resumed = link
        .post(&format!("/i/{token}/start"), json!({}))
        .await
        .expect(200);
    assert_eq!(resumed.body["questionIndex"], 1);
    assert_eq!(resumed.body["turn"], 1);
    assert_eq!(resumed.body["prompt"], "Tell me about SQL indexes.");
    let done = link
        .post(&answer, json!({ "answer": "B-trees.", "turn": 1 }))
        .await
        .expect(200);
    assert_eq!(done.body["status"], "FINISHED");
    let body = wait_status(&client, &id, "COMPLETED").await;
    let texts: Vec<&str> = body["transcript"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["text"].as_str().unwrap())
        .collect();
    assert_eq!(texts[1], "With unit tests.");
    assert_eq!(texts[3], "B-trees.");

    let got = receiver.wait_for(2, WAIT).await;
    server.run_pending_background_jobs().await;
    assert_eq!(receiver.requests().len(), 2, "one message per session");
    // The second, when it finished: everything, and the insights.
    let second = crate::webhooks_support::body(&got[1]);
    assert_eq!(second["event_type"], "interview.call.completed");
    let last = &second["interview"];
    assert_eq!(last["status"], "completed");
    assert!(
        last["transcript_fragments"]
            .to_string()
            .contains("B-trees.")
    );
    assert!(last["insights"]["assessment_score"].is_u64(), "{last}");
    assert_eq!(last["calls"].as_array().unwrap().len(), 3, "{last}");
}

#[tokio::test]
async fn revoked_deleted_unknown_and_phone_links() {
    let server = TestServer::start_with(fast).await;
    let acme = server.company("Acme").await;
    let client = server.client(&acme.key);
    let link = server.anonymous();
    link.get("/i/no-such-token").await.expect(404);
    link.post("/i/no-such-token/start", json!({}))
        .await
        .expect(404);

    let (_, revoked) = online_interview(&client, "xi@example.com").await;
    let db = db(&server).await;
    on_db!(&db, |s| sqlx::query(
        "UPDATE interviews SET invite_revoked_at = 1 WHERE invite_token = $1"
    )
    .bind(&revoked)
    .execute(s.pool())
    .await
    .map(|_| ())
    .unwrap());
    let gone = link
        .post(&format!("/i/{revoked}/start"), json!({}))
        .await
        .expect(410);
    assert_eq!(gone.body["error"], "INVITE_REVOKED");
    link.get(&format!("/i/{revoked}")).await.expect(410);

    // Deleted during a live session: the link is dead and the slot comes back.
    let (id, token) = online_interview(&client, "yo@example.com").await;
    link.post(&format!("/i/{token}/start"), json!({}))
        .await
        .expect(200);
    assert_eq!(concurrency(&client).await["inUse"], 1);
    client
        .delete(&format!("/v1/interviews/{id}"))
        .await
        .expect(200);
    link.get(&format!("/i/{token}")).await.expect(404);
    link.post(&format!("/i/{token}/answer"), json!({ "answer": "hi" }))
        .await
        .expect(404);
    // Freed by the deletion itself, not later by the session's idle deadline.
    assert_eq!(
        concurrency(&client).await["inUse"],
        0,
        "the deletion frees the web session's slot"
    );

    // A phone interview's link shows its status but cannot be taken online.
    let f = crate::support::fixture(&client, "+14155550155", "zed@example.com").await;
    let phone = client
        .get(&format!("/v1/interviews/{}", f.interview))
        .await
        .body;
    let phone_token = phone["inviteUrl"]
        .as_str()
        .unwrap()
        .rsplit('/')
        .next()
        .unwrap()
        .to_owned();
    let r = link
        .post(&format!("/i/{phone_token}/start"), json!({}))
        .await
        .expect(409);
    assert_eq!(r.body["error"], "NOT_ONLINE");
    assert_eq!(
        link.get(&format!("/i/{phone_token}"))
            .await
            .expect(200)
            .body["type"],
        "PHONE"
    );
}

#[tokio::test]
async fn a_failed_online_interview_can_be_reopened_by_the_company_only() {
    let server = TestServer::start_with(fast).await;
    let acme = server.company("Acme").await;
    let other = server.company("Other").await;
    let client = server.client(&acme.key);
    let (id, token) = online_interview(&client, "zoe@example.com").await;
    on_db!(&db(&server).await, |s| sqlx::query(
        "UPDATE interviews SET status = 'FAILED' WHERE invite_token = $1"
    )
    .bind(&token)
    .execute(s.pool())
    .await
    .map(|_| ()))
    .unwrap();
    let link = server.anonymous();
    link.post(&format!("/i/{token}/start"), json!({}))
        .await
        .expect(409);
    let state = &server.server.state;
    let interview = id.parse().unwrap();
    let reopen = |company: &str| {
        let company = company.parse().unwrap();
        interviewd::core::interviews::reopen(state, company, interview)
    };
    assert!(!reopen(&other.id).await.unwrap(), "another company's id");
    assert!(reopen(&acme.id).await.unwrap());
    assert!(!reopen(&acme.id).await.unwrap(), "only a failed one");
    wait_status(&client, &id, "SCHEDULED").await;
    link.post(&format!("/i/{token}/start"), json!({}))
        .await
        .expect(200);
}
