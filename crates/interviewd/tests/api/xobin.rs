//! The Xobin dialect at `/api/v2`: invites (getlink, sendlink, validation) and reports, with
//! the helpers the other Xobin test files share. Generation is in `xobin_generate.rs`;
//! unknown ids, quota, the invited list and access checks in `xobin_access.rs`.

use crate::support::{Resp, TestServer};
use interviewd_domain::CompanyId;
use reqwest::Method;
use serde_json::{Value, json};
use std::time::{Duration, Instant};

/// A Xobin request with the `apiKey` header.
pub async fn xb(
    server: &TestServer,
    key: &str,
    method: Method,
    path: &str,
    body: Option<Value>,
) -> Resp {
    server
        .anonymous()
        .send(
            method,
            &format!("/api/v2{path}"),
            body.map(|b| b.to_string()),
            &[("apiKey", key)],
        )
        .await
}

/// A Xobin GET.
pub async fn xb_get(server: &TestServer, key: &str, path: &str) -> Resp {
    xb(server, key, Method::GET, path, None).await
}

/// Queues an AI-interview generation from `body`.
pub async fn generate(server: &TestServer, key: &str, body: Value) -> Resp {
    xb(
        server,
        key,
        Method::POST,
        "/ai-interviews/generate-interview",
        Some(body),
    )
    .await
}

/// Generates an AI interview and waits (bounded) for its `ai_interview_id`.
pub async fn ai_interview(server: &TestServer, key: &str, role: &str) -> i64 {
    let queued = generate(server, key, json!({
            "job_role": role,
            "job_description": "- Design and build REST APIs in Rust.\n- Experience with PostgreSQL and Kafka.",
        }))
    .await
    .expect(202);
    let done = wait_generation(server, key, &queued.str("/job_id")).await;
    done.body["ai_interview_id"]
        .as_i64()
        .expect("ai_interview_id")
}

/// Polls the generation status until it is no longer pending or processing (≤ 10 s).
pub async fn wait_generation(server: &TestServer, key: &str, job_id: &str) -> Resp {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let res = xb_get(
            server,
            key,
            &format!("/ai-interviews/generate-interview/{job_id}"),
        )
        .await
        .expect(200);
        let status = res.str("/status");
        if status == "completed" || status == "failed" || Instant::now() >= deadline {
            return res;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

pub fn invite_body(email: &str, ai_interview_id: i64) -> Value {
    json!({
        "candidate_name": "Ann Lee",
        "candidate_email": email,
        "ai_interview_id": ai_interview_id,
        "invite_format": "getlink",
    })
}

/// A `getlink` invite for `email` to the AI interview, which must succeed.
pub async fn invited(server: &TestServer, key: &str, email: &str, ai_interview_id: i64) -> Resp {
    invite(server, key, invite_body(email, ai_interview_id))
        .await
        .expect(200)
}

pub async fn invite(server: &TestServer, key: &str, body: Value) -> Resp {
    xb(
        server,
        key,
        Method::POST,
        "/ai-interviews/invite",
        Some(body),
    )
    .await
}

#[tokio::test]
async fn getlink_invite_creates_a_pending_response_with_a_working_report() {
    let server = TestServer::start().await;
    let acme = server.company("Acme").await;
    let id = ai_interview(&server, &acme.key, "Backend Engineer").await;
    let mut body = invite_body("Ann.Lee@Example.com", id);
    body["custom_field_id"] = json!("ats-42");
    body["start_date"] = json!("2020-01-01 09:00");
    body["expiry_date"] = json!("2099-12-31 18:30");
    let res = invite(&server, &acme.key, body).await.expect(200);
    assert_eq!(res.body["email"], "ann.lee@example.com");
    assert_eq!(res.body["ai_interview_id"], id);
    assert_eq!(res.body["ai_interview_name"], "Backend Engineer");
    assert_eq!(res.body["name"], "Ann Lee");
    assert_eq!(res.body["status"], "Pending");
    assert_eq!(res.body["custom_field_id"], "ats-42");
    let link = res.str("/invite_link");
    assert!(link.starts_with(&format!("{}/i/", server.base)), "{link}");
    let response_id = res.body["response_id"].as_i64().unwrap();

    // The invite is an ONLINE, SCHEDULED interview with the invite fields set.
    let company: CompanyId = acme.id.parse().unwrap();
    let detail = server
        .store
        .interview_by_number(company, response_id)
        .await
        .unwrap()
        .unwrap();
    let i = &detail.interview;
    assert_eq!(i.status.as_str(), "SCHEDULED");
    assert_eq!(i.channel.as_str(), "ONLINE");
    assert!(detail.attempts.is_empty(), "no call attempt for an invite");
    assert_eq!(i.invite.custom_field_id.as_deref(), Some("ats-42"));
    assert_eq!(
        i.invite.expires_at.unwrap().to_rfc3339(),
        "2099-12-31T18:30:00+00:00"
    );
    assert_eq!(
        i.invite.starts_at.unwrap().to_rfc3339(),
        "2020-01-01T09:00:00+00:00"
    );

    // Report by response_id and by custom_field_id: the short (not completed) form.
    let report = xb_get(
        &server,
        &acme.key,
        &format!("/ai-interviews/report/{response_id}?is_downloadable=true"),
    )
    .await
    .expect(200);
    assert_eq!(report.body["response_id"], response_id);
    assert_eq!(report.body["ai_interview_id"], id);
    assert_eq!(report.body["ai_interview_name"], "Backend Engineer");
    assert_eq!(report.body["candidate_email"], "ann.lee@example.com");
    assert_eq!(report.body["candidate_name"], "Ann Lee");
    assert_eq!(report.body["invite_status"], "Pending");
    assert_eq!(report.body["custom_field_id"], "ats-42");
    assert!(report.body["candidate_id"].as_i64().unwrap() > 0);
    assert!(report.body.get("conversation").is_none(), "{}", report.text);
    let by_cf = xb_get(
        &server,
        &acme.key,
        "/ai-interviews/report?custom_field_id=ats-42",
    )
    .await
    .expect(200);
    assert_eq!(by_cf.body, report.body);

    // The same person (e-mail in another case) is the same candidate.
    let again = invited(&server, &acme.key, "ann.lee@example.COM", id).await;
    let second = xb_get(
        &server,
        &acme.key,
        &format!("/ai-interviews/report/{}", again.body["response_id"]),
    )
    .await
    .expect(200);
    assert_eq!(second.body["candidate_id"], report.body["candidate_id"]);
    assert_ne!(again.body["response_id"], response_id);
    assert_eq!(second.body["custom_field_id"], Value::Null);
}

#[tokio::test]
async fn sendlink_invite_queues_the_invite_email() {
    let server = TestServer::start().await;
    let acme = server.company("Acme").await;
    let id = ai_interview(&server, &acme.key, "Data Analyst").await;
    let mut body = invite_body("bob@example.com", id);
    body["invite_format"] = json!("sendlink");
    body["candidate_name"] = json!("Bob");
    let res = invite(&server, &acme.key, body).await.expect(200);
    assert_eq!(res.body["status"], "Pending");
    let link = res.str("/invite_link");
    // With no SMTP server configured, mail lands in the outbox directory.
    let outbox = server.config.data_dir.join("outbox");
    let deadline = Instant::now() + Duration::from_secs(10);
    let mail = loop {
        let found = std::fs::read_dir(&outbox)
            .into_iter()
            .flatten()
            .flatten()
            .filter_map(|e| std::fs::read_to_string(e.path()).ok())
            .find(|text| text.contains(&link));
        if let Some(text) = found {
            break text;
        }
        assert!(
            Instant::now() < deadline,
            "no invite e-mail in {}",
            outbox.display()
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    assert!(mail.contains("bob@example.com"), "{mail}");
    assert!(mail.contains("Data Analyst"), "{mail}");
}

#[tokio::test]
async fn invalid_invites_are_400_with_a_message() {
    let server = TestServer::start().await;
    let acme = server.company("Acme").await;
    let id = ai_interview(&server, &acme.key, "Backend Engineer").await;
    let base = invite_body("ann@example.com", id);
    let with = |key: &str, value: Value| {
        let mut b = base.clone();
        if value.is_null() {
            b.as_object_mut().unwrap().remove(key);
        } else {
            b[key] = value;
        }
        b
    };
    let cases = [
        (
            with("candidate_name", Value::Null),
            "candidate_name is required",
        ),
        (
            with("candidate_email", Value::Null),
            "candidate_email is required",
        ),
        (
            with("candidate_email", json!("not-an-email")),
            "candidate_email is not a valid email address",
        ),
        (
            with("ai_interview_id", Value::Null),
            "ai_interview_id is required",
        ),
        (
            with("ai_interview_id", json!("abc")),
            "ai_interview_id must be an integer",
        ),
        (
            with("invite_format", Value::Null),
            "invite_format is required",
        ),
        (
            with("invite_format", json!("fax")),
            "invite_format must be getlink or sendlink",
        ),
        (
            with("start_date", json!("01/02/2030")),
            "start_date must be in the format YYYY-MM-DD HH:MM (GMT)",
        ),
        (
            with("expiry_date", json!("2030-02-30 10:00")),
            "expiry_date must be in the format YYYY-MM-DD HH:MM (GMT)",
        ),
        (
            with("expiry_date", json!("2021-01-01 10:00")),
            "expiry_date must be in the future",
        ),
        (
            with("custom_field_id", json!({ "a": 1 })),
            "custom_field_id must be a string or a number",
        ),
    ];
    for (body, message) in cases {
        let res = invite(&server, &acme.key, body.clone()).await;
        assert_eq!(res.status, 400, "{body}: {}", res.text);
        assert_eq!(res.body, json!({ "error": message }), "{body}");
    }
    let mut both = with("start_date", json!("2098-01-02 10:00"));
    both["expiry_date"] = json!("2098-01-01 10:00");
    let res = invite(&server, &acme.key, both).await.expect(400);
    assert_eq!(res.body["error"], "expiry_date must be after start_date");
    let res = server
        .anonymous()
        .send(
            Method::POST,
            "/api/v2/ai-interviews/invite",
            Some("{nope".into()),
            &[("apiKey", &acme.key)],
        )
        .await
        .expect(400);
    assert!(
        res.body["error"]
            .as_str()
            .unwrap()
            .contains("malformed JSON"),
        "{}",
        res.text
    );
    // Nothing was created by the refused requests.
    let listed = xb_get(&server, &acme.key, &format!("/ai-interviews/invited/{id}"))
        .await
        .expect(200);
    assert_eq!(listed.body, json!([]));
}
