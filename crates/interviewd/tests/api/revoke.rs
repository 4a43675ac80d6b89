//! The Xobin revoke, every outcome: REVOKED (with and without a notice), ALREADY_REVOKED,
//! NOT_ALLOWED for a plan change and for a started interview, FAILED with an injected storage
//! failure that leaves nothing half done, and the request errors.

use crate::support::{Resp, TestServer, on_db};
use crate::xobin::{ai_interview, invite, invite_body, invited, xb, xb_get};
use interviewd_domain::Plan;
use reqwest::Method;
use serde_json::{Value, json};
use std::time::{Duration, Instant};

async fn revoke(server: &TestServer, key: &str, body: Value) -> Resp {
    xb(
        server,
        key,
        Method::PATCH,
        "/ai-interviews/invite/revoke",
        Some(body),
    )
    .await
}

fn outbox_files(server: &TestServer) -> Vec<String> {
    let dir = server.config.data_dir.join("outbox");
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    entries
        .filter_map(Result::ok)
        .filter(|e| e.file_name().to_string_lossy().ends_with(".eml"))
        .map(|e| std::fs::read_to_string(e.path()).unwrap_or_default())
        .collect()
}

/// Waits (bounded) until the outbox holds `n` messages, then a little longer to catch extras.
async fn outbox_settles(server: &TestServer, n: usize) -> Vec<String> {
    let deadline = Instant::now() + Duration::from_secs(10);
    while outbox_files(server).len() < n && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // Whatever else was queued goes out now.
    server.run_pending_background_jobs().await;
    outbox_files(server)
}

async fn invite_status(server: &TestServer, key: &str, response_id: i64) -> String {
    xb_get(server, key, &format!("/ai-interviews/report/{response_id}"))
        .await
        .expect(200)
        .str("/invite_status")
}

#[tokio::test]
async fn revoked_then_already_revoked_and_the_link_is_gone() {
    let server = TestServer::start().await;
    let acme = server.company("Acme").await;
    let ai = ai_interview(&server, &acme.key, "Backend Engineer").await;
    let inv = invited(&server, &acme.key, "ann@example.com", ai).await;
    let response_id = inv.body["response_id"].as_i64().unwrap();
    let link = inv.str("/invite_link");
    let link_path = link.trim_start_matches(&server.base).to_owned();
    server.anonymous().get(&link_path).await.expect(200);

    let res = revoke(
        &server,
        &acme.key,
        json!({ "response_id": response_id, "notify_candidate": false }),
    )
    .await
    .expect(200);
    assert_eq!(
        res.body,
        json!({ "status": "REVOKED", "message": "Invite Revoked successfully." })
    );
    server.anonymous().get(&link_path).await.expect(410);
    server
        .anonymous()
        .post(&format!("{link_path}/start"), json!({}))
        .await
        .expect(410);
    assert_eq!(
        invite_status(&server, &acme.key, response_id).await,
        "Revoked"
    );
    let listed = server
        .client(&acme.key)
        .get("/v1/interviews?status=CANCELED")
        .await
        .expect(200);
    assert_eq!(listed.body["total"], 1);

    let again = revoke(&server, &acme.key, json!({ "response_id": response_id }))
        .await
        .expect(200);
    assert_eq!(
        again.body,
        json!({ "status": "ALREADY_REVOKED", "message": "Invite already revoked" })
    );
    assert!(
        outbox_settles(&server, 0).await.is_empty(),
        "notify false sends nothing"
    );
}

#[tokio::test]
async fn notify_candidate_queues_exactly_one_notice() {
    let server = TestServer::start().await;
    let acme = server.company("Acme").await;
    let ai = ai_interview(&server, &acme.key, "Backend Engineer").await;
    let first = invited(&server, &acme.key, "ann@example.com", ai).await;
    let second = invited(&server, &acme.key, "bob@example.com", ai).await;
    revoke(
        &server,
        &acme.key,
        json!({ "response_id": first.body["response_id"], "notify_candidate": true }),
    )
    .await
    .expect(200);
    // Absent means false.
    revoke(
        &server,
        &acme.key,
        json!({ "response_id": second.body["response_id"] }),
    )
    .await
    .expect(200);
    let mails = outbox_settles(&server, 1).await;
    assert_eq!(mails.len(), 1, "exactly one notice: {mails:?}");
    assert!(mails[0].contains("ann@example.com"));
    assert!(mails[0].contains("withdrawn"));
    assert!(!mails[0].contains("bob@example.com"));
    // Revoking again sends nothing more.
    revoke(
        &server,
        &acme.key,
        json!({ "response_id": first.body["response_id"], "notify_candidate": true }),
    )
    .await
    .expect(200);
    assert_eq!(outbox_settles(&server, 1).await.len(), 1);
}

#[tokio::test]
async fn invites_sent_before_the_latest_plan_change_are_not_allowed() {
    let server = TestServer::start().await;
    let acme = server.company("Acme").await;
    let ai = ai_interview(&server, &acme.key, "Backend Engineer").await;
    let old = invited(&server, &acme.key, "ann@example.com", ai).await;
    tokio::time::sleep(Duration::from_millis(20)).await;
    let company = interviewd::admin::set_plan(&server.store, &acme.id, Plan::Scale)
        .await
        .unwrap();
    let changed = company.plan_changed_at.unwrap();
    tokio::time::sleep(Duration::from_millis(20)).await;
    let fresh = invited(&server, &acme.key, "bob@example.com", ai).await;

    let res = revoke(
        &server,
        &acme.key,
        json!({ "response_id": old.body["response_id"], "notify_candidate": true }),
    )
    .await
    .expect(200);
    assert_eq!(res.body["status"], "NOT_ALLOWED");
    assert_eq!(
        res.body["message"],
        "Invite was sent before the latest plan change"
    );
    assert_eq!(
        res.str("/timestamp"),
        changed.format("%Y-%m-%d %H:%M:%S").to_string()
    );
    assert_eq!(
        invite_status(
            &server,
            &acme.key,
            old.body["response_id"].as_i64().unwrap()
        )
        .await,
        "Pending"
    );
    let res = revoke(
        &server,
        &acme.key,
        json!({ "response_id": fresh.body["response_id"] }),
    )
    .await
    .expect(200);
    assert_eq!(res.body["status"], "REVOKED");
    assert!(
        outbox_settles(&server, 0).await.is_empty(),
        "NOT_ALLOWED sends no notice"
    );
}

#[tokio::test]
async fn a_started_interview_cannot_be_revoked() {
    let server = TestServer::start().await;
    let acme = server.company("Acme").await;
    let ai = ai_interview(&server, &acme.key, "Backend Engineer").await;
    let inv = invited(&server, &acme.key, "ann@example.com", ai).await;
    let link = inv.str("/invite_link");
    let path = link.trim_start_matches(&server.base).to_owned();
    server
        .anonymous()
        .post(&format!("{path}/start"), json!({}))
        .await
        .expect(200);
    let res = revoke(
        &server,
        &acme.key,
        json!({ "response_id": inv.body["response_id"] }),
    )
    .await
    .expect(200);
    assert_eq!(res.body["status"], "NOT_ALLOWED");
    assert!(res.body.get("timestamp").is_none());
    assert_eq!(
        invite_status(
            &server,
            &acme.key,
            inv.body["response_id"].as_i64().unwrap()
        )
        .await,
        "Started"
    );
}

#[tokio::test]
async fn revoking_returns_the_invite_to_the_quota() {
    let server = TestServer::start().await;
    let acme = server.company_on("Acme", Plan::Trial, None).await;
    let ai = ai_interview(&server, &acme.key, "Backend Engineer").await;
    let mut first = None;
    for i in 0..Plan::Trial.invite_quota() {
        let res = invite(
            &server,
            &acme.key,
            invite_body(&format!("c{i}@example.com"), ai),
        )
        .await
        .expect(200);
        first.get_or_insert(res.body["response_id"].clone());
    }
    let full = invite(&server, &acme.key, invite_body("extra@example.com", ai))
        .await
        .expect(403);
    assert_eq!(full.body["error"], "limit_exceed");
    revoke(&server, &acme.key, json!({ "response_id": first.unwrap() }))
        .await
        .expect(200);
    invited(&server, &acme.key, "extra@example.com", ai).await;
}

#[tokio::test]
async fn a_storage_failure_is_failed_503_with_nothing_half_done() {
    let server = TestServer::start().await;
    let acme = server.company("Acme").await;
    let ai = ai_interview(&server, &acme.key, "Backend Engineer").await;
    let inv = invited(&server, &acme.key, "ann@example.com", ai).await;
    let response_id = inv.body["response_id"].as_i64().unwrap();
    let link_path = inv
        .str("/invite_link")
        .trim_start_matches(&server.base)
        .to_owned();
    for point in ["revoke.before_mail", "revoke.before_commit"] {
        server.store.faults().arm(point);
        let res = revoke(
            &server,
            &acme.key,
            json!({ "response_id": response_id, "notify_candidate": true }),
        )
        .await
        .expect(503);
        assert_eq!(
            res.body,
            json!({ "status": "FAILED", "message": "Error in revoking the invite. Please contact support" })
        );
        server.store.faults().disarm(point);
        assert_eq!(
            invite_status(&server, &acme.key, response_id).await,
            "Pending",
            "no partial change after {point}"
        );
        server.anonymous().get(&link_path).await.expect(200);
    }
    assert!(
        outbox_settles(&server, 0).await.is_empty(),
        "no notice was queued by the failed attempts"
    );
    // Safe to retry.
    let res = revoke(
        &server,
        &acme.key,
        json!({ "response_id": response_id, "notify_candidate": true }),
    )
    .await
    .expect(200);
    assert_eq!(res.body["status"], "REVOKED");
    assert_eq!(outbox_settles(&server, 1).await.len(), 1);
}

#[tokio::test]
async fn revoke_request_errors() {
    let server = TestServer::start().await;
    let acme = server.company("Acme").await;
    let beta = server.company("Beta").await;
    let ai = ai_interview(&server, &acme.key, "Backend Engineer").await;
    let inv = invited(&server, &acme.key, "ann@example.com", ai).await;
    let id = inv.body["response_id"].clone();
    for body in [
        json!({}),
        json!({ "response_id": "abc" }),
        json!({ "response_id": -1 }),
        json!({ "response_id": id, "notify_candidate": "yes" }),
        json!([1]),
    ] {
        let res = revoke(&server, &acme.key, body.clone()).await.expect(400);
        assert!(res.body["error"].is_string(), "{body}: {}", res.text);
    }
    xb(
        &server,
        &acme.key,
        Method::PATCH,
        "/ai-interviews/invite/revoke",
        None,
    )
    .await
    .expect(400);
    revoke(&server, &acme.key, json!({ "response_id": 999_999 }))
        .await
        .expect(404);
    revoke(&server, &beta.key, json!({ "response_id": id }))
        .await
        .expect(404);
    revoke(
        &server,
        "sk_notakey0000000000000000000000000000000000000",
        json!({ "response_id": id }),
    )
    .await
    .expect(401);
    let weak = server.key(&acme.id, "read:interviews").await;
    revoke(&server, &weak, json!({ "response_id": id }))
        .await
        .expect(403);
    // None of that changed anything.
    assert_eq!(
        invite_status(&server, &acme.key, id.as_i64().unwrap()).await,
        "Pending"
    );
}

/// The revocation notice the core renders, for revokes asked of the store directly.
fn render(
    company: interviewd_domain::CompanyId,
    to: &interviewd::store::removal::RevocationRecipient,
    now: chrono::DateTime<chrono::Utc>,
) -> Option<interviewd::store::delivery::NewMail> {
    let content = interviewd::core::notices::Revocation {
        candidate_name: None,
        job_title: to.job_title.as_deref(),
        company_name: &to.company_name,
    };
    let email = to.candidate.email.as_ref()?;
    Some(interviewd::core::notices::revocation_mail(
        company,
        to.interview,
        email.as_str(),
        &content,
        now,
    ))
}

/// Revokes asked at once are written together: on PostgreSQL a batch's statements cover all
/// of them and their audit records share a transaction (`xmin`); on SQLite they share a
/// COMMIT. Each is decided for itself, in turn: a second revoke of the same interview finds
/// it revoked, an unknown number is not found, another company's revoke of a number ours
/// also has revokes theirs alone, and only the revokes that ask for it queue a notice, to
/// their own candidate.
#[tokio::test]
async fn revokes_asked_at_once_are_written_together_and_decided_each() {
    use interviewd::store::removal::{RevokeOutcome, RevokeRequest};
    let server = TestServer::start().await;
    let acme = server.company("Acme").await;
    let other = server.company("Other").await;
    let ai = ai_interview(&server, &acme.key, "Backend Engineer").await;
    let mut numbers = Vec::new();
    for n in 0..8 {
        let inv = invited(&server, &acme.key, &format!("c{n}@example.com"), ai).await;
        numbers.push(inv.body["response_id"].as_i64().unwrap());
    }
    let theirs_ai = ai_interview(&server, &other.key, "Designer").await;
    let theirs = invited(&server, &other.key, "theirs@example.com", theirs_ai).await;
    let foreign = theirs.body["response_id"].as_i64().unwrap();
    let ask = |company: &str, number: i64, notify: bool| RevokeRequest {
        company: company.parse().unwrap(),
        actor: None,
        response_id: number,
        notify,
        now: chrono::Utc::now(),
    };
    // Every other one asks for a notice.
    let mut asks: Vec<RevokeRequest> = numbers
        .iter()
        .enumerate()
        .map(|(n, number)| ask(&acme.id, *number, n % 2 == 0))
        .collect();
    asks.push(ask(&other.id, foreign, true));
    asks.push(ask(&acme.id, numbers[1], true));
    asks.push(ask(&acme.id, 1_000_000, true));
    // Polled in turn by one task: every request is queued before the first batch ends.
    let outcomes = futures_util::future::join_all(
        asks.iter()
            .map(|r| server.store.revoke_invite(r, Some(render))),
    )
    .await;
    let outcomes: Vec<RevokeOutcome> = outcomes.into_iter().map(Result::unwrap).collect();
    assert!(
        outcomes[..numbers.len()]
            .iter()
            .all(|o| *o == RevokeOutcome::Revoked)
    );
    assert!(numbers.contains(&foreign), "numbers are the company's own");
    assert_eq!(
        outcomes[numbers.len()..],
        [
            RevokeOutcome::Revoked,
            RevokeOutcome::AlreadyRevoked,
            RevokeOutcome::NotFound
        ]
    );
    for number in &numbers {
        assert_eq!(invite_status(&server, &acme.key, *number).await, "Revoked");
    }
    assert_eq!(invite_status(&server, &other.key, foreign).await, "Revoked");

    let db = crate::support::db(&server).await;
    let (revokes, events): (i64, i64) = on_db!(&db, |s| {
        let revokes =
            sqlx::query_scalar("SELECT count(*) FROM audit_log WHERE action = 'invite.revoke'")
                .fetch_one(s.pool())
                .await
                .unwrap();
        let events = sqlx::query_scalar(
            "SELECT count(*) FROM events WHERE event_type IN ('invite.revoked', 'interview.canceled')",
        )
        .fetch_one(s.pool())
        .await
        .unwrap();
        (revokes, events)
    });
    assert_eq!(revokes, 9);
    assert_eq!(events, 18);
    let mails = outbox_settles(&server, 5).await;
    assert_eq!(
        mails.len(),
        5,
        "one notice each for five revokes: {mails:?}"
    );
    for to in ["c0", "c2", "c4", "c6", "theirs"] {
        let to = format!("{to}@example.com");
        assert_eq!(mails.iter().filter(|m| m.contains(&to)).count(), 1, "{to}");
    }
    if let crate::support::Db::Pg(store) = db {
        let transactions: i64 = sqlx::query_scalar(
            "SELECT count(DISTINCT xmin::text) FROM audit_log WHERE action = 'invite.revoke'",
        )
        .fetch_one(store.pool())
        .await
        .unwrap();
        assert!(
            transactions <= 4,
            "9 revokes in {transactions} transactions"
        );
    }
}
