//! The Xobin report of a response taken end to end: invite, the candidate's web session
//! through the invite link, then the full report (summary, scores, conversation).

use crate::support::TestServer;
use crate::xobin::{ai_interview, invite, invite_body, xb_get};
use serde_json::{Value, json};
use std::time::{Duration, Instant};

/// Answers every question of the web session behind `link`.
pub async fn take_interview(server: &TestServer, link: &str) {
    take_interview_saying(
        server,
        link,
        "I have built REST APIs in Rust for five years and run PostgreSQL in production, tuning queries and migrations.",
    )
    .await;
}

/// Answers every question of the web session behind `link` with `answer`.
pub async fn take_interview_saying(server: &TestServer, link: &str, answer: &str) {
    let path = link.trim_start_matches(&server.base).to_owned();
    let web = server.anonymous();
    let mut step = web
        .post(&format!("{path}/start"), json!({}))
        .await
        .expect(200);
    for _ in 0..10 {
        if step.body["status"] == "FINISHED" {
            return;
        }
        let index = step.body["questionIndex"].clone();
        step = web
            .post(
                &format!("{path}/answer"),
                json!({ "answer": answer, "questionIndex": index }),
            )
            .await
            .expect(200);
    }
    panic!("the session did not finish: {}", step.text);
}

/// The report of `response_id` as it is now (200).
async fn report_of(server: &TestServer, key: &str, response_id: i64) -> crate::support::Resp {
    xb_get(server, key, &format!("/ai-interviews/report/{response_id}"))
        .await
        .expect(200)
}

pub async fn report_when_completed(server: &TestServer, key: &str, response_id: i64) -> Value {
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let res = report_of(server, key, response_id).await;
        if res.body["invite_status"] == "Completed" {
            return res.body;
        }
        assert!(
            Instant::now() < deadline,
            "not completed in time: {}",
            res.text
        );
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

#[tokio::test]
async fn a_completed_response_has_the_full_report() {
    let server = TestServer::start().await;
    let acme = server.company("Acme").await;
    let id = ai_interview(&server, &acme.key, "Backend Engineer").await;
    let mut body = invite_body("ann@example.com", id);
    body["custom_field_id"] = json!(7001);
    let res = invite(&server, &acme.key, body).await.expect(200);
    assert_eq!(res.body["custom_field_id"], "7001");
    let response_id = res.body["response_id"].as_i64().unwrap();
    let link = res.str("/invite_link");

    // While the session runs the response is Started (short form).
    let web = server.anonymous();
    let path = link.trim_start_matches(&server.base).to_owned();
    web.post(&format!("{path}/start"), json!({}))
        .await
        .expect(200);
    let started = report_of(&server, &acme.key, response_id).await;
    assert_eq!(started.body["invite_status"], "Started");
    assert!(started.body.get("conversation").is_none());
    take_interview(&server, &link).await;

    let report = report_when_completed(&server, &acme.key, response_id).await;
    assert_eq!(report["response_id"], response_id);
    assert_eq!(report["ai_interview_id"], id);
    assert_eq!(report["candidate_email"], "ann@example.com");
    assert_eq!(report["candidate_name"], "Ann Lee");
    assert_eq!(report["custom_field_id"], "7001");
    assert!(
        !report["candidate_summary"].as_str().unwrap().is_empty(),
        "{report}"
    );
    let score = report["score"].as_u64().unwrap();
    assert!((20..=100).contains(&score) && score % 20 == 0, "{report}");
    assert!(
        [
            "Highly Recommended",
            "Recommended",
            "Maybe",
            "Not Recommended"
        ]
        .contains(&report["recommendation"].as_str().unwrap())
    );
    let completed = report["completed_date"].as_str().unwrap();
    assert!(
        chrono::NaiveDateTime::parse_from_str(completed, "%b %d, %Y, %-I:%M:%S %p").is_ok(),
        "{completed}"
    );
    assert_eq!(report["integrity_score"], 10.0);
    // A float on the wire, as the vendor types it: `10.0`, not `10`.
    let raw = report_of(&server, &acme.key, response_id).await;
    assert!(
        raw.text.contains("\"integrity_score\":10.0"),
        "{}",
        raw.text
    );
    let pdf = format!(
        "{}/api/v2/ai-interviews/report/{response_id}/pdf?",
        server.base
    );
    assert!(
        report["pdf_link"].as_str().unwrap().starts_with(&pdf),
        "{report}"
    );
    assert!(
        report["report_link"].as_str().unwrap().starts_with(&pdf),
        "{report}"
    );
    assert!(report["interview_recording"].is_object());
    let must: Vec<&str> = report["skill_wise_scores"]["must_haves"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["skill_name"].as_str().unwrap())
        .collect();
    assert_eq!(must, ["PostgreSQL", "Kafka"], "{report}");
    assert!(report["skill_wise_scores"]["nice_to_haves"].is_array());
    let conversation = report["conversation"].as_array().unwrap();
    assert!(conversation.len() >= 2, "{report}");
    assert_eq!(conversation[0]["role"], "interviewer");
    assert!(
        conversation
            .iter()
            .any(|t| t["role"] == "candidate"
                && t["content"].as_str().unwrap().contains("PostgreSQL"))
    );
    for turn in conversation {
        assert_eq!(turn["mode"], "text");
        // Milliseconds from the start of the interview, an integer as the vendor documents.
        assert!(turn["timestamp"].is_u64(), "{turn}");
    }

    // The same report by custom_field_id, and the invited list agrees.
    let by_cf = xb_get(
        &server,
        &acme.key,
        "/ai-interviews/report?custom_field_id=7001",
    )
    .await
    .expect(200);
    assert_eq!(by_cf.body["response_id"], report["response_id"]);
    assert_eq!(by_cf.body["conversation"], report["conversation"]);
    let listed = xb_get(&server, &acme.key, &format!("/ai-interviews/invited/{id}"))
        .await
        .expect(200);
    assert_eq!(listed.body[0]["invite_status"], "Completed");
}
