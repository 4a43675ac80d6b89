//! The Xobin dialect: unknown and malformed ids, the plan invite quota, the invited list,
//! and keys, scopes and tenant isolation.

use crate::support::TestServer;
use crate::xobin::{ai_interview, generate, invite, invite_body, invited, xb, xb_get};
use interviewd_domain::{CompanyId, Plan};
use reqwest::Method;
use serde_json::json;

#[tokio::test]
async fn unknown_ai_interviews_are_404() {
    let server = TestServer::start().await;
    let acme = server.company("Acme").await;
    let res = invite(&server, &acme.key, invite_body("ann@example.com", 999_999))
        .await
        .expect(404);
    assert_eq!(res.body, json!({ "error": "AI interview not found" }));
    // A job without an agent is not an AI interview.
    let job = server
        .client(&acme.key)
        .new_job(json!({ "title": "Plain job posting" }))
        .await;
    let company: CompanyId = acme.id.parse().unwrap();
    let number = server
        .store
        .get_job(company, job.parse().unwrap())
        .await
        .unwrap()
        .unwrap()
        .number;
    let res = invite(&server, &acme.key, invite_body("ann@example.com", number))
        .await
        .expect(404);
    assert_eq!(res.body, json!({ "error": "AI interview not found" }));
    let res = xb_get(
        &server,
        &acme.key,
        &format!("/ai-interviews/invited/{number}"),
    )
    .await
    .expect(404);
    assert_eq!(res.body, json!({ "error": "AI interview not found" }));
    for (path, status) in [
        ("/ai-interviews/report/424242", 404),
        ("/ai-interviews/report?custom_field_id=nobody", 404),
        ("/ai-interviews/report/abc", 400),
        ("/ai-interviews/report/-3", 400),
        ("/ai-interviews/report", 400),
        ("/ai-interviews/report/1?is_downloadable=maybe", 400),
        ("/ai-interviews/invited/abc", 400),
        ("/ai-interviews/invited/777777", 404),
        ("/no-such-endpoint", 404),
    ] {
        let res = xb_get(&server, &acme.key, path).await;
        assert_eq!(res.status, status, "{path}: {}", res.text);
        assert!(res.body["error"].is_string(), "{path}: {}", res.text);
    }
}

#[tokio::test]
async fn the_plan_invite_quota_is_enforced_with_limit_exceed() {
    let server = TestServer::start().await;
    let trial = server.company_on("Tiny", Plan::Trial, None).await;
    let id = ai_interview(&server, &trial.key, "Support Agent").await;
    let quota = Plan::Trial.invite_quota();
    for n in 0..quota {
        invite(
            &server,
            &trial.key,
            invite_body(&format!("c{n}@example.com"), id),
        )
        .await
        .expect(200);
    }
    let res = invite(
        &server,
        &trial.key,
        invite_body("one-too-many@example.com", id),
    )
    .await
    .expect(403);
    assert_eq!(
        res.body,
        json!({ "message": "Invites Exhausted. Please contact support.", "error": "limit_exceed" })
    );
    let listed = xb_get(&server, &trial.key, &format!("/ai-interviews/invited/{id}"))
        .await
        .expect(200);
    assert_eq!(listed.body.as_array().unwrap().len(), quota as usize);
}

#[tokio::test]
async fn invited_lists_every_invite_of_the_ai_interview() {
    let server = TestServer::start().await;
    let acme = server.company("Acme").await;
    let id = ai_interview(&server, &acme.key, "Backend Engineer").await;
    let other = ai_interview(&server, &acme.key, "Designer").await;
    let a = invited(&server, &acme.key, "a@example.com", id).await;
    let b = invited(&server, &acme.key, "b@example.com", id).await;
    invited(&server, &acme.key, "c@example.com", other).await;
    let listed = xb_get(&server, &acme.key, &format!("/ai-interviews/invited/{id}"))
        .await
        .expect(200);
    let items = listed.body.as_array().unwrap();
    assert_eq!(items.len(), 2, "{}", listed.text);
    assert_eq!(items[0]["response_id"], a.body["response_id"]);
    assert_eq!(items[1]["response_id"], b.body["response_id"]);
    for item in items {
        assert_eq!(item["ai_interview_id"], id);
        assert_eq!(item["invite_status"], "Pending");
        assert!(item["candidate_id"].as_i64().unwrap() > 0);
        let date = item["last_updated_at"].as_str().unwrap();
        assert!(
            chrono::DateTime::parse_from_rfc2822(date).is_ok() && date.ends_with(" GMT"),
            "{date}"
        );
    }
    assert_ne!(items[0]["candidate_id"], items[1]["candidate_id"]);
}

#[tokio::test]
async fn keys_scopes_and_companies_are_checked() {
    let server = TestServer::start().await;
    let acme = server.company("Acme").await;
    let beta = server.company("Beta").await;
    let id = ai_interview(&server, &acme.key, "Backend Engineer").await;
    let res = invited(&server, &acme.key, "ann@example.com", id).await;
    let response_id = res.body["response_id"].as_i64().unwrap();
    let report = format!("/ai-interviews/report/{response_id}");
    let invited = format!("/ai-interviews/invited/{id}");

    // No key, a wrong key, or the key in the Authorization header only: 401.
    let res = server
        .anonymous()
        .get(&format!("/api/v2{report}"))
        .await
        .expect(401);
    assert_eq!(res.body, json!({ "error": "Invalid API key" }));
    xb(&server, "sk_not_a_real_key", Method::GET, &report, None)
        .await
        .expect(401);
    server
        .client(&acme.key)
        .get(&format!("/api/v2{report}"))
        .await
        .expect(401);

    // Another company's key: 404 on everything, never a hint.
    for (method, path, body) in [
        (Method::GET, report.clone(), None),
        (
            Method::GET,
            "/ai-interviews/report?custom_field_id=x".to_owned(),
            None,
        ),
        (Method::GET, invited.clone(), None),
        (
            Method::POST,
            "/ai-interviews/invite".to_owned(),
            Some(invite_body("eve@example.com", id)),
        ),
    ] {
        let res = xb(&server, &beta.key, method.clone(), &path, body).await;
        assert_eq!(res.status, 404, "{method} {path}: {}", res.text);
    }

    // Missing scopes: 403.
    let reader = server.key(&acme.id, "read:interviews").await;
    xb_get(&server, &reader, &report).await.expect(200);
    let res = invite(&server, &reader, invite_body("x@example.com", id))
        .await
        .expect(403);
    assert!(
        res.body["error"]
            .as_str()
            .unwrap()
            .contains("write:interviews"),
        "{}",
        res.text
    );
    let body = json!({ "job_role": "QA", "job_description": "Test things." });
    generate(&server, &reader, body).await.expect(403);
    let writer = server
        .key(&acme.id, "write:interviews,write:candidates")
        .await;
    xb_get(&server, &writer, &report).await.expect(403);
    xb_get(&server, &writer, &invited).await.expect(403);

    // ATS keys name the company with companyId.
    let ats = server.ats_key(&[&acme.id], "all").await;
    xb_get(&server, &ats, &report).await.expect(400);
    let res = xb_get(&server, &ats, &format!("{report}?companyId={}", acme.id))
        .await
        .expect(200);
    assert_eq!(res.body["response_id"], response_id);
    xb_get(&server, &ats, &format!("{report}?companyId={}", beta.id))
        .await
        .expect(403);
}
