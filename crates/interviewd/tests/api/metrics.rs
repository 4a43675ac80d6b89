//! `GET /metrics`: request series by route template and status, latency histograms, and the
//! database gauges (queue depth, slots in use, webhook and e-mail outcomes).

use crate::engine::{eventually, fast, wait_status};
use crate::support::{TestServer, fixture};
use crate::xobin::{ai_interview, invite, invite_body};
use serde_json::json;

/// The value of the sample `series` (name and labels exactly), if present.
fn sample(text: &str, series: &str) -> Option<f64> {
    text.lines()
        .find_map(|l| l.strip_prefix(series)?.strip_prefix(' ')?.parse().ok())
}

#[tokio::test]
async fn requests_are_counted_by_route_template_and_status() {
    let server = TestServer::start().await;
    let acme = server.company("Acme").await;
    let c = server.client(&acme.key);
    let id = c.new_job(json!({ "title": "Alpha job" })).await;
    c.get(&format!("/v1/jobs/{id}")).await.expect(200);
    c.get(&format!("/v1/jobs/{}", uuid::Uuid::now_v7()))
        .await
        .expect(404);
    c.get("/api/v1/contacts/alt:email:ann@example.com").await;
    server.anonymous().get("/no/such/route").await.expect(404);

    let res = server.anonymous().get("/metrics").await.expect(200);
    assert!(
        res.headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/plain; version=0.0.4")
    );
    let text = &res.text;
    let l = r#"method="GET",route="/v1/jobs/{id}""#;
    assert_eq!(
        sample(
            text,
            &format!(r#"interviewd_http_requests_total{{{l},status="200"}}"#)
        ),
        Some(1.0),
        "{text}"
    );
    assert_eq!(
        sample(
            text,
            &format!(r#"interviewd_http_requests_total{{{l},status="404"}}"#)
        ),
        Some(1.0)
    );
    let post = r#"method="POST",route="/v1/jobs",status="201""#;
    assert_eq!(
        sample(
            text,
            &format!("interviewd_http_request_duration_seconds_count{{{post}}}")
        ),
        Some(1.0)
    );
    assert_eq!(
        sample(
            text,
            &format!("interviewd_http_request_duration_seconds_bucket{{{post},le=\"+Inf\"}}")
        ),
        Some(1.0)
    );
    assert!(
        sample(
            text,
            &format!("interviewd_http_request_duration_seconds_sum{{{post}}}")
        )
        .unwrap()
            > 0.0
    );
    assert!(text.contains("# TYPE interviewd_http_request_duration_seconds histogram"));
    assert_eq!(
        sample(
            text,
            r#"interviewd_http_requests_total{method="GET",route="unmatched",status="404"}"#
        ),
        Some(1.0)
    );
    // Templates, never raw ids or contact references.
    assert!(
        !text.contains("ann@example.com") && !text.contains(&id),
        "{text}"
    );
    assert!(text.contains(r#"route="/api/v1/contacts/{id}""#), "{text}");
    assert_eq!(sample(text, "interviewd_store_up"), Some(1.0));
    assert_eq!(sample(text, "interviewd_call_queue_due"), Some(0.0));
    assert_eq!(
        sample(text, "interviewd_http_requests_in_flight"),
        Some(1.0),
        "the scrape itself"
    );
}

#[tokio::test]
async fn database_gauges_follow_calls_slots_and_mail() {
    let server = TestServer::start_with(|c| {
        fast(c);
        c.simulator_turn_ms = 300;
    })
    .await;
    let acme = server.company("Acme").await;
    let c = server.client(&acme.key);
    let f = fixture(&c, "+14155550131", "dee@example.com").await;
    wait_status(&c, &f.interview, "IN_PROGRESS").await;
    let scrape = || async { server.anonymous().get("/metrics").await.expect(200).text };
    let text = scrape().await;
    let slots = format!(r#"interviewd_slots_in_use{{company="{}"}}"#, acme.id);
    assert_eq!(sample(&text, &slots), Some(1.0), "{text}");

    // A call scheduled for later waits in the queue.
    let later = (chrono::Utc::now() + chrono::Duration::days(1)).to_rfc3339();
    let body = json!({ "candidateId": f.candidate, "agentId": f.agent, "scheduledAt": later });
    c.new_interview(body).await;
    assert_eq!(
        sample(&scrape().await, "interviewd_call_queue_later"),
        Some(1.0)
    );

    // An invite e-mail is counted once sent.
    let ai = ai_interview(&server, &acme.key, "Data Analyst").await;
    let mut body = invite_body("eve@example.com", ai);
    body["invite_format"] = json!("sendlink");
    invite(&server, &acme.key, body).await.expect(200);
    eventually("the invite to be sent", || async {
        let sent = sample(
            &scrape().await,
            r#"interviewd_mail_messages{status="SENT"}"#,
        );
        (sent == Some(1.0)).then_some(())
    })
    .await;
    assert!(
        scrape()
            .await
            .contains("# TYPE interviewd_webhook_messages gauge")
    );
}

#[tokio::test]
async fn a_metrics_token_guards_the_endpoint() {
    let server = TestServer::start_with(|c| {
        c.metrics_token = Some(interviewd::secret::Secret::new("scrape-secret"));
    })
    .await;
    server.anonymous().get("/metrics").await.expect(401);
    server.client("wrong").get("/metrics").await.expect(401);
    let ok = server
        .client("scrape-secret")
        .get("/metrics")
        .await
        .expect(200);
    assert!(ok.text.contains("interviewd_http_requests_total"));
}
