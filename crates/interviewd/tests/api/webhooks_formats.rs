//! The three payload formats, end to end: the same events reach an `instaview`, an
//! `alpharun` and an `xobin` endpoint, each in its own dialect.

use crate::support::TestServer;
use crate::webhooks_support::{
    WAIT, assert_signed, body, create_webhook, db, fast, insert_event, online_interview,
};
use interviewd::store::events::kinds;
use interviewd_notify::testing::TestWebhookReceiver;
use serde_json::{Value, json};
use std::time::Duration;

fn snapshot(interview_number: i64, job: &str) -> Value {
    json!({
        "interviewNumber": interview_number,
        "candidate": { "number": 7, "firstName": "Ann", "lastName": "Lee",
                       "email": "ann@example.com", "phoneNumber": "+14155550100" },
        "job": { "id": job, "number": 3, "title": "Backend Engineer" },
        "startedAt": "2025-07-05T04:30:00.000Z",
        "completedAt": "2025-07-05T04:42:45.000Z",
        "transcript": [
            { "role": "agent", "text": "Why Rust?", "startMs": 0, "endMs": 900 },
            { "role": "participant", "text": "Safety.", "startMs": 1000, "endMs": 1800 }
        ],
        "analysis": { "score": 5, "summary": "Great.", "strengths": ["Rust"], "weaknesses": [],
                      "criteria": [{ "name": "Rust", "value": "expert", "score": 5,
                                     "commentary": "Deep." }] },
        "recordings": [{ "attemptId": "a1", "url": "http://127.0.0.1/r/a1.wav" }]
    })
}

fn find<'a>(payloads: &'a [Value], key: &str, value: &str) -> &'a Value {
    payloads
        .iter()
        .find(|p| p[key] == value)
        .unwrap_or_else(|| panic!("no {key}={value} in {payloads:?}"))
}

#[tokio::test]
async fn each_format_speaks_its_dialect() {
    let server = TestServer::start_with(fast).await;
    let acme = server.company("Acme").await;
    let client = server.client(&acme.key);
    let events = json!([
        "interview.started",
        "interview.completed",
        "analysis.completed"
    ]);
    let mut receivers = Vec::new();
    for format in ["instaview", "alpharun", "xobin"] {
        let receiver = TestWebhookReceiver::start().await.unwrap();
        let hook = create_webhook(
            &client,
            &receiver.url("/f"),
            events.clone(),
            json!({ "format": format }),
        )
        .await;
        receivers.push((receiver, hook));
    }
    let (interview, job) = online_interview(&client, "ann@example.com").await;
    let number = client
        .get(&format!("/v1/interviews/{interview}"))
        .await
        .expect(200);
    let number = number.body["number"].as_i64().unwrap_or(1);
    let base = json!({ "interviewId": interview, "callAttemptId": "a1",
                       "candidateId": "c1", "jobId": job });
    let with = |status: &str, snap: Value| {
        let mut data = base.clone();
        data["status"] = json!(status);
        data["snapshot"] = snap;
        data
    };
    let mut started = snapshot(number, &job);
    for key in ["completedAt", "transcript", "analysis", "recordings"] {
        started.as_object_mut().unwrap().remove(key);
    }
    let db = db(&server).await;
    insert_event(
        &db,
        &acme.id,
        Some(&interview),
        kinds::INTERVIEW_STARTED,
        with("IN_PROGRESS", started),
    )
    .await;
    let full = snapshot(number, &job);
    insert_event(
        &db,
        &acme.id,
        Some(&interview),
        kinds::INTERVIEW_COMPLETED,
        with("COMPLETED", full.clone()),
    )
    .await;
    insert_event(
        &db,
        &acme.id,
        Some(&interview),
        kinds::ANALYSIS_COMPLETED,
        with("COMPLETED", full),
    )
    .await;

    let expected = [3, 1, 2];
    let mut payloads = Vec::new();
    for ((receiver, hook), count) in receivers.iter().zip(expected) {
        let got = receiver.wait_for(count, WAIT).await;
        assert_eq!(got.len(), count, "{}", hook["format"]);
        for request in &got {
            assert_signed(request, hook["signingSecret"].as_str().unwrap());
        }
        payloads.push(got.iter().map(body).collect::<Vec<_>>());
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    for ((receiver, _), count) in receivers.iter().zip(expected) {
        assert_eq!(receiver.requests().len(), count, "nothing more");
    }

    // instaview: thin, except analysis.completed.
    let iv = &payloads[0];
    let completed = find(iv, "event", "interview.completed");
    assert_eq!(completed["data"]["interviewId"], interview.as_str());
    assert_eq!(completed["data"]["status"], "COMPLETED");
    assert!(completed["data"].get("snapshot").is_none());
    assert!(!completed.to_string().contains("ann@example.com"));
    let analysis = find(iv, "event", "analysis.completed");
    assert_eq!(analysis["data"]["analysis"]["score"], 5);
    assert_eq!(
        find(iv, "event", "interview.started")["data"]["status"],
        "IN_PROGRESS"
    );

    // alpharun: only interview.call.completed.
    let ar = &payloads[1][0];
    assert_eq!(ar["event_type"], "interview.call.completed");
    assert_eq!(ar["interview"]["id"], interview.as_str());
    assert_eq!(
        ar["interview"]["job_opening"],
        json!({ "id": job, "name": "Backend Engineer" })
    );
    assert_eq!(ar["interview"]["contact"]["email"], "ann@example.com");
    assert_eq!(ar["interview"]["completed_at"], "2025-07-05T04:42:45Z");
    assert_eq!(
        ar["interview"]["transcript_fragments"][1],
        json!({ "role": "participant", "transcript": "Safety." })
    );
    assert_eq!(ar["interview"]["insights"]["assessment_score"], 5);
    assert_eq!(
        ar["interview"]["calls"],
        json!([{ "id": "a1", "recording_url": "http://127.0.0.1/r/a1.wav" }])
    );

    // xobin: start and submission.
    let xb = &payloads[2];
    let start = find(xb, "invite_status", "Started");
    assert_eq!(
        *start,
        json!({ "ai_interview_id": 3, "ai_interview_name": "Backend Engineer",
                "candidate_email": "ann@example.com", "candidate_id": 7,
                "candidate_name": "Ann Lee", "invite_status": "Started", "response_id": number })
    );
    let submission = find(xb, "invite_status", "Completed");
    assert_eq!(submission["response_id"], number);
    assert_eq!(submission["completed_date"], "Jul 05, 2025, 4:42:45 AM");
    assert_eq!(submission["candidate_summary"], "Great.");
    assert_eq!(submission["score"], 100);
    assert_eq!(
        submission["interview_recording"]["1751689800000"],
        "http://127.0.0.1/r/a1.wav"
    );
    assert_eq!(submission["conversation"][0]["content"], "Why Rust?");
}
