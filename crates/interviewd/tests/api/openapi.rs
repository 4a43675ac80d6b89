//! The OpenAPI documents: the committed copies under `openapi/` match what the code generates
//! and serves, the docs page is served from the binary, and the contract bugs the fuzzer
//! found stay fixed.

use crate::support::TestServer;
use interviewd::http::openapi::{Spec, document_text};
use reqwest::Method;
use serde_json::{Value, json};
use std::path::PathBuf;

/// Set to `1` to rewrite the committed copies from the code.
const UPDATE: &str = "INTERVIEWD_UPDATE_OPENAPI";

fn committed(spec: Spec) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../openapi")
        .join(spec.file_name())
}

#[test]
fn committed_documents_match_the_code() {
    let update = std::env::var(UPDATE).is_ok_and(|v| v == "1");
    for spec in Spec::ALL {
        let path = committed(spec);
        let generated = document_text(spec);
        if update {
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(&path, generated).unwrap();
            continue;
        }
        let on_disk = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            on_disk == generated,
            "{} is out of date with the code. Regenerate the committed OpenAPI documents with\n  \
             {UPDATE}=1 cargo test -p interviewd --test api openapi\nand commit the result.",
            path.display()
        );
    }
}

#[tokio::test]
async fn the_documents_and_the_docs_page_are_served_without_a_key() {
    let server = TestServer::start().await;
    let anonymous = server.anonymous();
    for spec in Spec::ALL {
        let res = anonymous.get(spec.url()).await.expect(200);
        assert_eq!(res.text, document_text(spec), "{}", spec.url());
        assert_eq!(res.body["openapi"], "3.1.0");
        assert_eq!(
            res.headers["content-type"].to_str().unwrap(),
            "application/json"
        );
    }
    let page = anonymous.get("/docs/").await.expect(200);
    assert!(page.text.contains("swagger-ui"), "{}", page.text);
    // The page's configuration lists the three documents and no outside validator.
    let init = anonymous
        .get("/docs/swagger-initializer.js")
        .await
        .expect(200);
    for spec in Spec::ALL {
        assert!(init.text.contains(spec.url()), "{}", init.text);
    }
    assert!(
        init.text.contains("\"validatorUrl\": \"none\""),
        "{}",
        init.text
    );
    // Assets come from the binary, not from a CDN.
    let bundle = anonymous
        .get("/docs/swagger-ui-bundle.js")
        .await
        .expect(200);
    assert!(bundle.text.len() > 100_000);
    assert!(!page.text.contains("http://") && !page.text.contains("https://"));
}

#[test]
fn every_operation_documents_the_statuses_of_the_shared_layers() {
    for spec in Spec::ALL {
        let doc: Value = serde_json::from_str(document_text(spec)).unwrap();
        for (path, item) in doc["paths"].as_object().unwrap() {
            for (method, op) in item.as_object().unwrap() {
                let responses = op["responses"].as_object().unwrap();
                let has = |status: &str| responses.contains_key(status);
                let at = format!("{method} {path}");
                assert!(has("500") && has("503"), "{at}");
                if path.starts_with("/i/") {
                    continue;
                }
                for status in ["400", "401", "403", "429"] {
                    assert!(has(status), "{at} lacks {status}");
                }
                assert!(
                    responses["429"]["headers"].get("Retry-After").is_some(),
                    "{at}"
                );
                if method != "get" {
                    assert!(has("409") && has("422"), "{at}");
                }
                if op.get("requestBody").is_some() {
                    assert!(has("413"), "{at}");
                }
            }
        }
    }
}

#[tokio::test]
async fn a_json_array_is_not_an_object_body() {
    // serde reads a struct from an array of its fields; the fuzzer created a candidate from
    // `[null, null]`. Every documented body is an object.
    let server = TestServer::start().await;
    let company = server.company("Acme").await;
    let iv = server.client(&company.key);
    for (method, path) in [
        (Method::POST, "/v1/candidates"),
        (Method::POST, "/v1/agents"),
        (Method::POST, "/v1/jobs"),
    ] {
        let res = iv
            .send(method, path, Some("[null, null]".into()), &[])
            .await
            .expect(400);
        assert_eq!(res.body["error"]["code"], "VALIDATION_ERROR");
        assert_eq!(res.body["message"], "request body must be a JSON object");
    }
    let listed = iv.get("/v1/candidates").await.expect(200);
    assert_eq!(listed.body["total"], 0);
    // The bulk import still takes an array, and reports items that are not objects.
    let ar = server.client(&company.key);
    let res = ar
        .send(
            Method::POST,
            "/api/v1/contacts",
            Some(json!([["x", "ann@example.com"]]).to_string()),
            &[],
        )
        .await
        .expect(200);
    assert_eq!(res.body["successful_imports_count"], 0);
    assert_eq!(res.body["failed_imports_count"], 1);
}

#[tokio::test]
async fn integers_may_be_sent_as_integral_floats() {
    // JSON Schema's `integer`, which the documents use, includes `120.0`.
    let server = TestServer::start().await;
    let company = server.company("Acme").await;
    let iv = server.client(&company.key);
    let agent = iv
        .post(
            "/v1/agents",
            json!({ "name": "Screener", "duration": 120.0 }),
        )
        .await
        .expect(201);
    assert_eq!(agent.body["duration"], 120);
    let res = iv
        .post(
            "/v1/agents",
            json!({ "name": "Screener", "duration": 12.5 }),
        )
        .await
        .expect(400);
    assert_eq!(res.body["error"]["details"]["field"], "duration");
    let xobin = server.client(&company.key).with_header_auth(None);
    let res = xobin
        .send(
            Method::PATCH,
            "/api/v2/ai-interviews/invite/revoke",
            Some(json!({ "response_id": 7.0 }).to_string()),
            &[("apiKey", &company.key)],
        )
        .await
        .expect(404);
    assert_eq!(res.body["error"], "Response not found");
}
