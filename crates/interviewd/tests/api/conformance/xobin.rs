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

/// "This API cancels a previously scheduled candidate deletion"
/// (<https://app.xobin.com/api/docs/candidates/cancel-deletion.html>). Here a candidate is
/// erased at once (docs/api-xobin.md), so no deletion is ever pending: the `task_id` a
/// deletion answered gets the page's documented refusal, and the erasure stands.
#[tokio::test]
async fn x_a_deletion_cannot_be_cancelled_because_it_is_already_done() {
    let server = TestServer::start().await;
    let acme = server.company("Acme").await;
    let id = ai_interview(&server, &acme.key, "Backend Engineer").await;
    let (response, _) = invited(&server, &acme.key, id, "dee@example.com").await;
    let deleted = xb(
        &server,
        &acme.key,
        Method::POST,
        "/candidate/delete",
        Some(json!({ "email": "dee@example.com" })),
    )
    .await
    .expect(200);
    let task = deleted.str("/task_id");
    let cancel = |body: serde_json::Value| {
        xb(
            &server,
            &acme.key,
            Method::POST,
            "/candidate/deletion/cancel",
            Some(body),
        )
    };
    let refused = cancel(json!({ "task_id": task })).await.expect(404);
    assert_eq!(
        refused.body,
        json!({ "success": false, "error": "Invalid task ID or no deletion found" })
    );
    cancel(json!({ "task_id": "nope" })).await.expect(404);
    let missing = cancel(json!({})).await.expect(400);
    assert_eq!(missing.body["success"], false);
    cancel(json!({ "task_id": 7 })).await.expect(400);
    let path = format!("/ai-interviews/report/{response}");
    xb(&server, &acme.key, Method::GET, &path, None)
        .await
        .expect(404);
    let reader = server.key(&acme.id, "read:interviews").await;
    xb(
        &server,
        &reader,
        Method::POST,
        "/candidate/deletion/cancel",
        Some(json!({ "task_id": task })),
    )
    .await
    .expect(403);
}
