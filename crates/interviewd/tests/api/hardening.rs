//! Limits and failure shapes: the 413 of each dialect, panics and timeouts as the dialect's
//! 500 and 503, the request id on every response and log line, and no personal data in logs.

use crate::support::{TestServer, company_with_key};
use axum::Router;
use axum::routing::get;
use interviewd_domain::Plan;
use reqwest::Method;
use serde_json::{Value, json};
use std::process::Stdio;
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, BufReader};

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
    assert!(iv.headers.contains_key("x-ratelimit-remaining-minute"));
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
    // An id that is not in a safe form (here an e-mail address) never reaches the logs: it is
    // replaced by a fresh UUID, which the response names.
    for unsafe_id in ["ann.lee@example.com", "+14155550100", "id\twith\ttabs"] {
        let replaced = c
            .send(
                Method::GET,
                "/v1/jobs",
                None,
                &[("x-request-id", unsafe_id)],
            )
            .await;
        let id = replaced.headers["x-request-id"].to_str().unwrap();
        assert!(uuid::Uuid::parse_str(id).is_ok(), "{unsafe_id} gave {id}");
    }
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

/// Runs the real binary with JSON logs down to TRACE and sends requests that carry an
/// e-mail and a phone number in bodies, paths and errors: neither appears on stderr, and a
/// line written inside a handler carries the request id of its response.
#[tokio::test]
async fn logs_carry_the_request_id_and_no_personal_data() {
    let (dir, config, _database) = crate::support::scratch().await;
    let store = interviewd::open_store(&config).await.unwrap();
    let (_, key) = company_with_key(&store, "Acme", Plan::Business, None).await;
    let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_interviewd"))
        .arg("serve")
        .env("INTERVIEWD_CONFIG", dir.path().join("none.toml"))
        .env("INTERVIEWD_LISTEN", "127.0.0.1:0")
        .env("INTERVIEWD_DATA_DIR", &config.data_dir)
        .env("INTERVIEWD_DATABASE_URL", config.database_url())
        .env("INTERVIEWD_LOG_FORMAT", "json")
        .env("RUST_LOG", "trace,hyper=off,hyper_util=off,h2=off")
        .kill_on_drop(true)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stderr = BufReader::new(child.stderr.take().unwrap()).lines();
    let mut lines = Vec::new();
    let addr = tokio::time::timeout(Duration::from_secs(20), async {
        loop {
            let line = stderr.next_line().await.unwrap().expect("server exited");
            let parsed: Value = serde_json::from_str(&line).unwrap_or_default();
            lines.push(line);
            if parsed["fields"]["message"] == "listening" {
                return parsed["fields"]["addr"].as_str().unwrap().to_owned();
            }
        }
    })
    .await
    .expect("the server to listen");

    let http = reqwest::Client::new();
    let base = format!("http://{addr}");
    let send = |method: Method, path: String, body: Option<Value>| {
        let mut req = http
            .request(method, format!("{base}{path}"))
            .bearer_auth(&key);
        if let Some(body) = body {
            req = req.json(&body);
        }
        async move { req.send().await.unwrap() }
    };
    let (email, phone) = ("dee.pii@example.com", "14155550177");
    let contact = json!({ "email": email, "phone_number": 14155550177u64, "first_name": "Dee" });
    assert_eq!(
        send(
            Method::POST,
            "/api/v1/contacts".into(),
            Some(contact.clone())
        )
        .await
        .status(),
        200
    );
    assert_eq!(
        send(Method::POST, "/api/v1/contacts".into(), Some(contact))
            .await
            .status(),
        400
    );
    let by_email = send(
        Method::GET,
        format!("/api/v1/contacts/alt:email:{email}"),
        None,
    )
    .await;
    assert_eq!(by_email.status(), 200);
    let by_phone = send(
        Method::GET,
        format!("/api/v1/contacts/alt:phone_number:%2B{phone}"),
        None,
    )
    .await;
    assert_eq!(by_phone.status(), 200);
    let unknown = send(Method::GET, format!("/no/route/{email}/{phone}"), None).await;
    assert_eq!(unknown.status(), 404);
    let candidate = json!({ "firstName": "Dee", "lastName": "P", "email": "dee.two@example.com", "phoneNumber": "+14155550178" });
    let created: Value = send(Method::POST, "/v1/candidates".into(), Some(candidate))
        .await
        .json()
        .await
        .unwrap();
    let id = created["id"].as_str().unwrap();
    let erased = send(
        Method::DELETE,
        format!("/v1/candidates/{id}?erase=true"),
        None,
    )
    .await;
    assert_eq!(erased.status(), 200);
    let request_id = erased.headers()["x-request-id"]
        .to_str()
        .unwrap()
        .to_owned();
    // Stop the server (our own child) and read everything it wrote.
    child.start_kill().unwrap();
    while let Ok(Some(line)) = stderr.next_line().await {
        lines.push(line);
    }
    let _ = child.wait().await;

    assert!(lines.len() > 20, "the capture works: {lines:?}");
    let logs = lines.join("\n");
    for secret in [
        email,
        phone,
        "dee.two@example.com",
        "14155550178",
        "example.com",
    ] {
        assert!(!logs.contains(secret), "{secret} was logged:\n{logs}");
    }
    let parsed: Vec<Value> = lines
        .iter()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect();
    let removed = parsed
        .iter()
        .find(|l| l["fields"]["message"] == "removed")
        .expect("the handler's log line");
    assert_eq!(
        removed["span"]["request_id"],
        request_id.as_str(),
        "{removed}"
    );
    assert_eq!(removed["span"]["path"], "/v1/candidates/{id}", "{removed}");
    let in_requests: Vec<&Value> = parsed
        .iter()
        .filter(|l| l["span"]["name"] == "request")
        .collect();
    assert!(in_requests.len() > 10);
    for line in in_requests {
        let id = line["span"]["request_id"].as_str().unwrap_or("-");
        assert!(uuid::Uuid::parse_str(id).is_ok(), "{line}");
    }
}
