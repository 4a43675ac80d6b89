//! Limits and failure shapes: the 413 of each dialect, panics and timeouts as the dialect's
//! 500 and 503, the request id on every response and log line, and no personal data in logs.

use crate::support::TestServer;
use axum::Router;
use axum::routing::get;
use reqwest::Method;
use serde_json::json;
use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::Duration;

#[tokio::test]
async fn a_body_over_one_mib_is_413_in_the_dialects_shape() {
    let server = TestServer::start().await;
    let acme = server.company("Acme").await;
    let c = server.client(&acme.key);
    let big = json!({ "title": "x".repeat(1024 * 1024) }).to_string();

    let iv = c.raw(Method::POST, "/v1/jobs", &big).await.expect(413);
    assert_eq!(iv.code(), "PAYLOAD_TOO_LARGE");
    assert_eq!(iv.body["success"], false);
    assert_eq!(iv.body["statusCode"], 413);
    assert!(iv.headers.contains_key("x-request-id"));
    let ar = c
        .raw(Method::POST, "/api/v1/job-types", &big)
        .await
        .expect(413);
    assert_eq!(ar.body["error"], 413);
    assert!(ar.body["message"].is_string());
    let xb = server
        .anonymous()
        .send(
            Method::POST,
            "/api/v2/ai-interviews/invite",
            Some(big.clone()),
            &[("apiKey", &acme.key)],
        )
        .await
        .expect(413);
    assert!(
        xb.body["error"].as_str().unwrap().contains("too large"),
        "{}",
        xb.text
    );
    // The idempotency layer reads bodies itself; it refuses the same way.
    let keyed = c
        .send(
            Method::POST,
            "/v1/jobs",
            Some(big),
            &[("Idempotency-Key", "big")],
        )
        .await
        .expect(413);
    assert_eq!(keyed.code(), "PAYLOAD_TOO_LARGE");
}

#[tokio::test]
async fn every_response_carries_the_request_id() {
    let server = TestServer::start().await;
    let acme = server.company("Acme").await;
    let c = server.client(&acme.key);
    for res in [
        c.get("/v1/jobs").await.expect(200),
        c.get("/nowhere").await.expect(404),
        server.anonymous().get("/api/v1/contacts").await.expect(401),
        server.anonymous().get("/healthz").await.expect(200),
        server.anonymous().get("/metrics").await.expect(200),
    ] {
        let id = res.headers.get("x-request-id").expect("x-request-id");
        assert!(
            uuid::Uuid::parse_str(id.to_str().unwrap()).is_ok(),
            "{id:?}"
        );
    }
    let echoed = c
        .send(
            Method::GET,
            "/v1/jobs",
            None,
            &[("x-request-id", "client-chosen-42")],
        )
        .await;
    assert_eq!(echoed.headers["x-request-id"], "client-chosen-42");
}

async fn boom() -> &'static str {
    panic!("handler exploded near dee@example.com")
}

async fn slow() -> &'static str {
    tokio::time::sleep(Duration::from_secs(10)).await;
    "late"
}

#[tokio::test]
async fn panics_and_timeouts_answer_in_the_dialects_shape() {
    let app = Router::new()
        .route("/v1/boom", get(boom))
        .route("/api/v1/boom", get(boom))
        .route("/api/v2/boom", get(boom))
        .route("/api/v2/slow", get(slow))
        .route("/v1/slow", get(slow));
    let app = interviewd::http::hardening::apply(app, Duration::from_millis(200));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    let http = reqwest::Client::new();
    let get = |path: &str| {
        let req = http.get(format!("{base}{path}"));
        async move {
            let res = req.send().await.unwrap();
            (
                res.status().as_u16(),
                res.json::<serde_json::Value>().await.unwrap(),
            )
        }
    };

    let (status, iv) = get("/v1/boom").await;
    assert_eq!(
        (status, iv["error"]["code"].as_str()),
        (500, Some("INTERNAL_ERROR"))
    );
    assert!(
        !iv.to_string().contains("exploded"),
        "the panic message stays in the logs"
    );
    assert_eq!(
        get("/api/v1/boom").await,
        (
            500,
            json!({ "error": 500, "message": "Internal server error" })
        )
    );
    let xb = json!({ "error": "Internal server error. Please contact support." });
    assert_eq!(get("/api/v2/boom").await, (500, xb));

    let (status, body) = get("/api/v2/slow").await;
    assert_eq!(status, 503);
    assert!(
        body["error"].as_str().unwrap().contains("took too long"),
        "{body}"
    );
    let (status, body) = get("/v1/slow").await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (503, Some("REQUEST_TIMEOUT"))
    );
}

/// A log sink shared with the subscriber.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Every log line of the server (down to TRACE) while requests carry an e-mail and a
/// phone number in bodies, paths and errors: neither appears, and lines written inside a
/// handler carry the request id.
#[tokio::test]
async fn logs_carry_the_request_id_and_no_personal_data() {
    let sink = Captured::default();
    let writer = sink.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::new(
            "trace,hyper=off,hyper_util=off,reqwest=off,h2=off",
        ))
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish();
    // The test runtime has one thread: the server's tasks log through this subscriber too.
    let _guard = tracing::subscriber::set_default(subscriber);

    let (email, phone) = ("dee.pii@example.com", "14155550177");
    let server = TestServer::start().await;
    let acme = server.company("Acme").await;
    let c = server.client(&acme.key);
    let contact = json!({ "email": email, "phone_number": 14155550177u64, "first_name": "Dee" });
    c.post("/api/v1/contacts", contact.clone())
        .await
        .expect(200);
    c.post("/api/v1/contacts", contact).await.expect(400);
    c.get(&format!("/api/v1/contacts/alt:email:{email}"))
        .await
        .expect(200);
    c.get(&format!("/api/v1/contacts/alt:phone_number:%2B{phone}"))
        .await
        .expect(200);
    c.get(&format!("/no/route/{email}/{phone}"))
        .await
        .expect(404);
    let candidate = json!({ "firstName": "Dee", "lastName": "P", "email": "dee.two@example.com", "phoneNumber": "+14155550178" });
    let id = c
        .post("/v1/candidates", candidate)
        .await
        .expect(201)
        .str("/id");
    let erased = c.delete(&format!("/v1/candidates/{id}")).await.expect(200);
    let request_id = erased.headers["x-request-id"].to_str().unwrap().to_owned();
    drop(server);

    let logs = String::from_utf8(sink.0.lock().unwrap().clone()).unwrap();
    assert!(logs.lines().count() > 10, "the capture works: {logs}");
    for secret in [
        email,
        phone,
        "dee.two@example.com",
        "14155550178",
        "example.com",
    ] {
        assert!(!logs.contains(secret), "{secret} was logged:\n{logs}");
    }
    let removed = logs
        .lines()
        .find(|l| l.contains(" removed"))
        .expect("the handler's log line");
    assert!(
        removed.contains(&format!("request_id={request_id}")),
        "{removed}"
    );
    assert!(removed.contains("path=/v1/candidates/{id}"), "{removed}");
}
