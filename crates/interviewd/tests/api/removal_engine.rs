//! Deletion against the running engine: a scheduled interview is never dialled, and deleting a
//! COMPLETED, FAILED or CANCELED interview leaves no row, no recording file and no read.

use crate::engine::{concurrency, db, events_of, eventually, fast, wait_status};
use crate::support::{Client, TestServer, fixture, on_db};
use crate::xobin::{ai_interview, invited, xb, xb_get};
use reqwest::Method;
use serde_json::json;
use std::time::Duration;

fn recording_files(server: &TestServer) -> usize {
    fn count(dir: &std::path::Path) -> usize {
        std::fs::read_dir(dir)
            .map(|entries| {
                entries
                    .filter_map(Result::ok)
                    .map(|e| {
                        if e.path().is_dir() {
                            count(&e.path())
                        } else {
                            1
                        }
                    })
                    .sum()
            })
            .unwrap_or(0)
    }
    count(&server.config.data_dir.join("recordings"))
}

async fn gone_everywhere(server: &TestServer, c: &Client, key: &str, interview: &str) {
    c.get(&format!("/v1/interviews/{interview}"))
        .await
        .expect(404);
    c.get(&format!("/interviews/{interview}")).await.expect(404);
    let listed = c.get("/v1/interviews?limit=100").await.expect(200);
    assert!(!listed.text.contains(interview));
    let db = db(server).await;
    let kinds: Vec<String> = events_of(&db, interview)
        .await
        .into_iter()
        .map(|(k, _)| k)
        .collect();
    assert_eq!(
        kinds,
        vec!["interview.deleted".to_owned()],
        "only the deletion is reported"
    );
    let _ = key;
}

#[tokio::test]
async fn a_deleted_scheduled_interview_is_never_dialled() {
    let server = TestServer::start_with(fast).await;
    let acme = server.company("Acme").await;
    let c = server.client(&acme.key);
    let f = fixture(&c, "+14155550170", "ann@example.com").await;
    wait_status(&c, &f.interview, "COMPLETED").await;
    let agent = c.new_agent(json!({ "name": "Soon" })).await;
    let at = (chrono::Utc::now() + chrono::Duration::milliseconds(1500)).to_rfc3339();
    let soon = c
        .new_interview(json!({ "candidateId": f.candidate, "agentId": agent, "scheduledAt": at }))
        .await;
    c.delete(&format!("/v1/interviews/{soon}"))
        .await
        .expect(200);
    // Past the time it was due, with every queue run: no slot is ever taken and nothing but
    // the deletion is recorded (a dial would record `interview.started`).
    server.clock().advance(Duration::from_secs(5));
    server.run_pending_background_jobs().await;
    assert_eq!(concurrency(&c).await["inUse"], 0, "no call was placed");
    gone_everywhere(&server, &c, &acme.key, &soon).await;
}

#[tokio::test]
async fn deleting_a_completed_interview_removes_its_recording_files() {
    let server = TestServer::start_with(fast).await;
    let acme = server.company("Acme").await;
    let c = server.client(&acme.key);
    let f = fixture(&c, "+14155550171", "ann@example.com").await;
    let done = wait_status(&c, &f.interview, "COMPLETED").await;
    assert!(done["callAttempts"][0]["recordingUrl"].is_string());
    eventually("the recording file", || async {
        (recording_files(&server) > 0).then_some(())
    })
    .await;
    c.delete(&format!("/v1/interviews/{}", f.interview))
        .await
        .expect(200);
    eventually("the recording files to be deleted", || async {
        (recording_files(&server) == 0).then_some(())
    })
    .await;
    let db = db(&server).await;
    eventually("the blob-deletion queue to drain", || async {
        let n: i64 = on_db!(&db, |s| sqlx::query_scalar(
            "SELECT COUNT(*) FROM blob_deletions"
        )
        .fetch_one(s.pool())
        .await
        .unwrap());
        (n == 0).then_some(())
    })
    .await;
    for table in [
        "transcript_turns",
        "analyses",
        "call_attempts",
        "pipeline_jobs",
    ] {
        let sql = format!("SELECT COUNT(*) FROM {table} WHERE interview_id = $1");
        let n: i64 = on_db!(&db, |s| sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
            .bind(f.interview.parse::<uuid::Uuid>().unwrap())
            .fetch_one(s.pool())
            .await
            .unwrap());
        assert_eq!(n, 0, "{table} still has rows of the deleted interview");
    }
    let recording = done["callAttempts"][0]["recordingUrl"]
        .as_str()
        .unwrap()
        .trim_start_matches(&server.base)
        .to_owned();
    c.get(&recording).await.expect(404);
    gone_everywhere(&server, &c, &acme.key, &f.interview).await;
}

#[tokio::test]
async fn failed_and_canceled_interviews_are_deleted_too() {
    let server = TestServer::start_with(|config| {
        fast(config);
        config.call_max_retries = 0;
    })
    .await;
    let acme = server.company("Acme").await;
    let c = server.client(&acme.key);
    let f = fixture(&c, "+14155559991", "busy@example.com").await;
    wait_status(&c, &f.interview, "FAILED").await;
    c.delete(&format!("/v1/interviews/{}", f.interview))
        .await
        .expect(200);
    gone_everywhere(&server, &c, &acme.key, &f.interview).await;

    let ai = ai_interview(&server, &acme.key, "Backend Engineer").await;
    let inv = invited(&server, &acme.key, "ann@example.com", ai).await;
    let response_id = inv.body["response_id"].clone();
    xb(
        &server,
        &acme.key,
        Method::PATCH,
        "/ai-interviews/invite/revoke",
        Some(json!({ "response_id": response_id })),
    )
    .await
    .expect(200);
    let listed = c.get("/v1/interviews?status=CANCELED").await.expect(200);
    let id = listed.str("/data/0/id");
    c.delete(&format!("/v1/interviews/{id}")).await.expect(200);
    xb_get(
        &server,
        &acme.key,
        &format!("/ai-interviews/report/{response_id}"),
    )
    .await
    .expect(404);
    let link = inv
        .str("/invite_link")
        .trim_start_matches(&server.base)
        .to_owned();
    let res = server.anonymous().get(&link).await;
    assert!(
        res.status == 404 || res.status == 410,
        "the link of a deleted interview is dead: {}",
        res.status
    );
    gone_everywhere(&server, &c, &acme.key, &id).await;
}
