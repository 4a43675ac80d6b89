//! InstaView `POST /jobs/url`: a job read off its posting's page, served here by a real HTTP
//! server on loopback.

use crate::support::TestServer;
use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::get;
use serde_json::json;

const POSTING: &str = r#"<!doctype html><html><head><title>Careers</title>
<script type="application/ld+json">
{"@context":"https://schema.org","@type":"JobPosting","title":"Platform Engineer (Rust)",
 "description":"&lt;p&gt;Run the interview engine.&lt;/p&gt;","skills":"Rust, PostgreSQL",
 "employmentType":"FULL_TIME","jobLocationType":"TELECOMMUTE",
 "baseSalary":{"@type":"MonetaryAmount","currency":"EUR",
   "value":{"@type":"QuantitativeValue","minValue":60000,"maxValue":90000,"unitText":"YEAR"}}}
</script></head><body><h1>Platform Engineer</h1></body></html>"#;

/// A site with a posting, a page without any title, a short title, a PDF and a missing page.
async fn site() -> String {
    let app = axum::Router::new()
        .route(
            "/jobs/platform",
            get(|| async {
                (
                    [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
                    POSTING,
                )
            }),
        )
        .route(
            "/moved",
            get(|| async { axum::response::Redirect::to("/jobs/platform") }),
        )
        .route(
            "/blank",
            get(|| async { ([(header::CONTENT_TYPE, "text/html")], "<p>nothing here</p>") }),
        )
        .route(
            "/short",
            get(|| async { ([(header::CONTENT_TYPE, "text/html")], "<h1>Dev</h1>") }),
        )
        .route(
            "/file.pdf",
            get(|| async {
                ([(header::CONTENT_TYPE, "application/pdf")], "%PDF-1.7").into_response()
            }),
        );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    base
}

#[tokio::test]
async fn a_posting_page_becomes_a_job_or_a_preview() {
    let server = TestServer::start_with(|c| c.webhook_allow_private = true).await;
    let acme = server.company("Acme").await;
    let client = server.client(&acme.key);
    let site = site().await;
    let url = format!("{site}/jobs/platform");

    let created = client
        .post("/v1/jobs/url", json!({ "jobUrl": url }))
        .await
        .expect(201);
    assert_eq!(created.body["sourceUrl"], url.as_str());
    let job = &created.body["data"];
    assert_eq!(job["title"], "Platform Engineer (Rust)");
    assert_eq!(job["description"], "Run the interview engine.");
    assert_eq!(job["requiredSkills"], json!(["Rust", "PostgreSQL"]));
    assert_eq!(job["contractType"], "FULL_TIME");
    assert_eq!(job["location"]["workMode"], "REMOTE");
    assert_eq!(
        job["salary"],
        json!({ "min": 60000.0, "max": 90000.0, "currency": "EUR", "period": "YEARLY" })
    );
    assert_eq!(job["jobUrl"], url.as_str());
    assert_eq!(job["status"], "OPEN");
    let id = created.str("/data/id");
    let stored = client.get(&format!("/v1/jobs/{id}")).await.expect(200);
    assert_eq!(stored.body["title"], "Platform Engineer (Rust)");

    // A preview stores nothing and says so with empty ids; redirects are followed.
    let before = client.get("/v1/jobs").await.expect(200).body["total"].clone();
    let preview = client
        .post(
            "/v1/jobs/url",
            json!({ "jobUrl": format!("{site}/moved"), "createJob": false }),
        )
        .await
        .expect(200);
    assert_eq!(preview.body["data"]["title"], "Platform Engineer (Rust)");
    assert_eq!(preview.body["data"]["id"], "");
    assert_eq!(preview.body["data"]["createdAt"], "");
    let after = client.get("/v1/jobs").await.expect(200).body["total"].clone();
    assert_eq!(before, after);
}

#[tokio::test]
async fn pages_that_state_no_job_are_refused_with_the_reason() {
    let server = TestServer::start_with(|c| c.webhook_allow_private = true).await;
    let acme = server.company("Acme").await;
    let client = server.client(&acme.key);
    let site = site().await;

    for (path, code) in [
        ("/blank", "EXTRACTION_FAILED"),
        ("/file.pdf", "EXTRACTION_FAILED"),
        ("/missing", "EXTRACTION_FAILED"),
        ("/short", "INVALID_JOB_TITLE"),
    ] {
        let res = client
            .post("/v1/jobs/url", json!({ "jobUrl": format!("{site}{path}") }))
            .await
            .expect(422);
        assert_eq!(res.code(), code, "{path}: {}", res.text);
    }
    // Nothing listens on port 9 of loopback.
    let res = client
        .post(
            "/v1/jobs/url",
            json!({ "jobUrl": "http://127.0.0.1:9/job" }),
        )
        .await
        .expect(422);
    assert_eq!(res.code(), "EXTRACTION_FAILED");

    for body in [
        json!({}),
        json!({ "jobUrl": "" }),
        json!({ "jobUrl": "ftp://example.com/job" }),
        json!({ "jobUrl": 7 }),
        json!({ "jobUrl": format!("{site}/jobs/platform"), "createJob": "yes" }),
    ] {
        let res = client.post("/v1/jobs/url", body.clone()).await.expect(400);
        assert_eq!(res.code(), "VALIDATION_ERROR", "{body}: {}", res.text);
    }
    assert_eq!(client.get("/v1/jobs").await.expect(200).body["total"], 0);
}

#[tokio::test]
async fn private_addresses_are_refused_unless_allowed() {
    let server = TestServer::start().await;
    let acme = server.company("Acme").await;
    let client = server.client(&acme.key);
    let site = site().await;
    let res = client
        .post(
            "/v1/jobs/url",
            json!({ "jobUrl": format!("{site}/jobs/platform") }),
        )
        .await
        .expect(400);
    assert_eq!(res.code(), "VALIDATION_ERROR");
    // A key without write:jobs may not import.
    let reader = server.key(&acme.id, "read:jobs").await;
    server
        .client(&reader)
        .post(
            "/v1/jobs/url",
            json!({ "jobUrl": "https://example.com/job" }),
        )
        .await
        .expect(403);
}
