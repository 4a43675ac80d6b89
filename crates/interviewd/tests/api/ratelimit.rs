//! Rate limits per API key in `rate_limit_mode = "plans"`: the six `X-RateLimit-*` headers
//! with plan defaults, the 429 of each dialect with `Retry-After` (InstaView's documented body
//! exactly), per-key budgets. The default mode is `conformance::common`'s.

use crate::support::{Resp, TestServer};
use interviewd_domain::Plan;
use reqwest::Method;
use serde_json::json;
use std::time::Duration;

fn header(res: &Resp, name: &str) -> i64 {
    res.headers
        .get(name)
        .unwrap_or_else(|| panic!("no {name} header: {:?}", res.headers))
        .to_str()
        .unwrap()
        .parse()
        .unwrap()
}

/// Waits out the last 3 s of the current window of `period` seconds, so a test's requests
/// all fall in one window.
async fn away_from_boundary(period: i64) {
    let ms = chrono::Utc::now().timestamp_millis();
    let into = ms.rem_euclid(period * 1_000);
    if into > period * 1_000 - 3_000 {
        tokio::time::sleep(Duration::from_millis((period * 1_000 - into + 100) as u64)).await;
    }
}

#[tokio::test]
async fn every_authenticated_response_carries_the_plan_budget() {
    // Plan defaults, whatever the harness's default configuration says.
    let server = TestServer::start_with(|c| {
        c.rate_limit_mode = "plans".into();
        c.rate_limit_per_minute = 0;
        c.rate_limit_per_hour = 0;
    })
    .await;
    let trial = server.company_on("Trial Co", Plan::Trial, None).await;
    let business = server.company("Business Co").await;
    away_from_boundary(60).await;
    let now = chrono::Utc::now().timestamp();
    let c = server.client(&trial.key);
    let first = c.get("/v1/jobs").await.expect(200);
    assert_eq!(header(&first, "x-ratelimit-limit-minute"), 30);
    assert_eq!(header(&first, "x-ratelimit-limit-hour"), 500);
    assert_eq!(header(&first, "x-ratelimit-remaining-minute"), 29);
    let reset_minute = header(&first, "x-ratelimit-reset-minute");
    let reset_hour = header(&first, "x-ratelimit-reset-hour");
    assert!(
        reset_minute > now && reset_minute <= now + 60 && reset_minute % 60 == 0,
        "{reset_minute}"
    );
    assert!(
        reset_hour > now && reset_hour <= now + 3_600 && reset_hour % 3_600 == 0,
        "{reset_hour}"
    );
    // Errors count too, and every dialect carries the headers.
    let missing = c
        .get(&format!("/v1/jobs/{}", uuid::Uuid::now_v7()))
        .await
        .expect(404);
    assert_eq!(header(&missing, "x-ratelimit-remaining-minute"), 28);
    let ar = c.get("/api/v1/job-types/not-a-uuid").await.expect(400);
    assert_eq!(header(&ar, "x-ratelimit-remaining-minute"), 27);
    let xb = server
        .anonymous()
        .send(
            Method::GET,
            "/api/v2/ai-interviews/report/1",
            None,
            &[("apiKey", &trial.key)],
        )
        .await;
    assert_eq!(header(&xb, "x-ratelimit-remaining-minute"), 26);
    assert_eq!(header(&xb, "x-ratelimit-remaining-hour"), 496);

    let b = server
        .client(&business.key)
        .get("/v1/jobs")
        .await
        .expect(200);
    assert_eq!(
        (
            header(&b, "x-ratelimit-limit-minute"),
            header(&b, "x-ratelimit-limit-hour")
        ),
        (300, 15_000)
    );
    let ats = server.ats_key(&[&business.id], "all").await;
    let a = server
        .client(&ats)
        .get(&format!("/v1/jobs?companyId={}", business.id))
        .await
        .expect(200);
    assert_eq!(
        (
            header(&a, "x-ratelimit-limit-minute"),
            header(&a, "x-ratelimit-limit-hour")
        ),
        (1_200, 60_000)
    );

    // Unauthenticated requests are neither counted nor labelled.
    let anon = server.anonymous().get("/v1/jobs").await.expect(401);
    assert!(!anon.headers.contains_key("x-ratelimit-limit-minute"));
    let bad = server
        .client("sk_notarealkeynotarealkey123")
        .get("/v1/jobs")
        .await
        .expect(401);
    assert!(!bad.headers.contains_key("x-ratelimit-remaining-minute"));
}

#[tokio::test]
async fn over_the_minute_budget_is_429_with_the_documented_body() {
    let server = TestServer::start_with(|c| {
        c.rate_limit_mode = "plans".into();
        c.rate_limit_per_minute = 3;
        c.rate_limit_per_hour = 0;
    })
    .await;
    let acme = server.company("Acme").await;
    let c = server.client(&acme.key);
    away_from_boundary(60).await;
    for left in [2, 1, 0] {
        let ok = c.get("/v1/jobs").await.expect(200);
        assert_eq!(header(&ok, "x-ratelimit-remaining-minute"), left);
        assert_eq!(
            header(&ok, "x-ratelimit-limit-hour"),
            15_000,
            "the hour keeps the plan's"
        );
    }
    let refused = c
        .post("/v1/jobs", json!({ "title": "Never created" }))
        .await
        .expect(429);
    let retry_after = header(&refused, "retry-after");
    let reset = header(&refused, "x-ratelimit-reset-minute");
    assert!((1..=60).contains(&retry_after), "{retry_after}");
    assert_eq!(
        refused.body,
        json!({
            "statusCode": 429,
            "message": "Rate limit exceeded",
            "error": "Too Many Requests",
            "retryAfter": retry_after,
            "limit": 3,
            "remaining": 0,
            "reset": reset,
        })
    );
    assert_eq!(header(&refused, "x-ratelimit-remaining-minute"), 0);
    assert!(refused.headers.contains_key("x-request-id"));

    // The other dialects refuse in their own shape.
    let ar = c.get("/api/v1/job-types/x").await.expect(429);
    assert_eq!(
        ar.body,
        json!({ "error": 429, "message": "Rate limit exceeded" })
    );
    assert!(ar.headers.contains_key("retry-after"));
    let xb = server
        .anonymous()
        .send(
            Method::GET,
            "/api/v2/ai-interviews/report/1",
            None,
            &[("apiKey", &acme.key)],
        )
        .await
        .expect(429);
    assert_eq!(xb.body, json!({ "error": "Rate limit exceeded" }));

    // Budgets are per key: another key of the same company is untouched.
    let second = server.key(&acme.id, "all").await;
    let other = server.client(&second).get("/v1/jobs").await.expect(200);
    assert_eq!(header(&other, "x-ratelimit-remaining-minute"), 2);
    assert_eq!(other.body["total"], 0, "the refused POST did nothing");
}

#[tokio::test]
async fn over_the_hour_budget_is_429_until_the_hour_ends() {
    let server = TestServer::start_with(|c| {
        c.rate_limit_mode = "plans".into();
        c.rate_limit_per_minute = 0;
        c.rate_limit_per_hour = 2;
    })
    .await;
    let acme = server.company_on("Acme", Plan::Starter, None).await;
    let c = server.client(&acme.key);
    away_from_boundary(3_600).await;
    c.get("/v1/jobs").await.expect(200);
    let last = c.get("/v1/jobs").await.expect(200);
    assert_eq!(header(&last, "x-ratelimit-limit-minute"), 120);
    assert_eq!(header(&last, "x-ratelimit-remaining-hour"), 0);
    let refused = c.get("/v1/jobs").await.expect(429);
    assert_eq!(refused.body["limit"], 2);
    assert_eq!(
        refused.body["reset"],
        header(&refused, "x-ratelimit-reset-hour")
    );
    assert_eq!(refused.body["retryAfter"], header(&refused, "retry-after"));
    assert!(header(&refused, "retry-after") <= 3_600);
}
