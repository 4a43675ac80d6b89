//! Rules every dialect shares: rate limits with default settings, unknown body members.

use crate::support::TestServer;
use reqwest::Method;

/// The harness raises the budgets for every other test; these tests run on the defaults.
async fn default_limits() -> TestServer {
    TestServer::start_with(|c| {
        let defaults = interviewd::config::Config::default();
        c.rate_limit_mode = defaults.rate_limit_mode;
        c.rate_limit_per_minute = defaults.rate_limit_per_minute;
        c.rate_limit_per_hour = defaults.rate_limit_per_hour;
    })
    .await
}

/// With default settings one key sending 500 ordinary requests in a minute, on each dialect,
/// is never throttled (the vendor's SaaS tiers are an opt-in, `rate_limit_mode = "plans"`).
/// InstaView's headers stay on every response:
/// <https://docs.instaview.sk/guides/rate-limiting>.
#[tokio::test]
async fn c1_default_limits_let_one_integration_through() {
    let server = default_limits().await;
    let acme = server.company("Acme").await;
    let bearer = server.client(&acme.key);
    let xobin = server.anonymous();
    let started = std::time::Instant::now();
    for i in 0..500 {
        let iv = bearer.get("/v1/jobs").await;
        assert_eq!(iv.status, 200, "InstaView request {i}: {}", iv.text);
        let ar = bearer.get("/api/v1/contacts?limit=1").await;
        assert_eq!(ar.status, 200, "Alpharun request {i}: {}", ar.text);
        let xb = xobin
            .send(
                Method::GET,
                "/api/v2/ai-interviews/invited/1",
                None,
                &[("apiKey", &acme.key)],
            )
            .await;
        assert_eq!(xb.status, 404, "Xobin request {i}: {}", xb.text);
        if i == 499 {
            let limit = iv.headers["x-ratelimit-limit-minute"].to_str().unwrap();
            assert!(limit.parse::<u32>().unwrap() >= 1_500, "{limit}");
        }
    }
    assert!(started.elapsed() < std::time::Duration::from_secs(60));
}
