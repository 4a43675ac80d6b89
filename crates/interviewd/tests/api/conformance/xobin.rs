//! The xobin dialect against the vendor's pages.

use crate::support::TestServer;
use crate::xobin::{ai_interview, invite, invite_body, xb};
use reqwest::Method;
use serde_json::json;

/// Invites `email` and returns `(response_id, candidate_id)`.
async fn invited(server: &TestServer, key: &str, ai_interview_id: i64, email: &str) -> (i64, i64) {
    let res = invite(server, key, invite_body(email, ai_interview_id)).await;
    let response_id = res.expect(200).body["response_id"].as_i64().unwrap();
    let path = format!("/ai-interviews/report/{response_id}");
    let report = xb(server, key, Method::GET, &path, None).await.expect(200);
    (response_id, report.body["candidate_id"].as_i64().unwrap())
}

/// `response_id` "is the unique identifier for the candidate's interview response"
/// (<https://app.xobin.com/api/docs/ai-interviews/ai-interview-invited.html>): after the newest
/// response and candidate are erased (<https://app.xobin.com/api/docs/candidates/delete-candidate.html>)
/// and the server restarts, the next ones get numbers above every number ever issued, so an
/// ATS holding the erased ids never reads someone else's report under them. Runs on SQLite
/// (`tests/api`) and PostgreSQL (`tests/api_pg.rs`).
#[tokio::test]
async fn c3_numbers_are_never_reused() {
    let server = TestServer::start().await;
    let acme = server.company("Acme").await;
    let id = ai_interview(&server, &acme.key, "Backend Engineer").await;
    let (first, _) = invited(&server, &acme.key, id, "ann@example.com").await;
    let (newest, candidate) = invited(&server, &acme.key, id, "bob@example.com").await;
    assert!(newest > first);
    let erase = json!({ "email": "bob@example.com" });
    let res = xb(
        &server,
        &acme.key,
        Method::POST,
        "/candidate/delete",
        Some(erase),
    )
    .await;
    assert_eq!(res.expect(200).body["success"], true);
    let path = format!("/ai-interviews/report/{newest}");
    xb(&server, &acme.key, Method::GET, &path, None)
        .await
        .expect(404);

    let (config, dir) = server.stop().await;
    let server = TestServer::boot(config, dir).await;
    let (next, next_candidate) = invited(&server, &acme.key, id, "cy@example.com").await;
    assert!(next > newest, "response_id {next} reuses {newest} or less");
    assert!(
        next_candidate > candidate,
        "candidate_id {next_candidate} reused"
    );
    xb(&server, &acme.key, Method::GET, &path, None)
        .await
        .expect(404);
}
