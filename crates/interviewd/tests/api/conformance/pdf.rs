//! The report PDF in every place it is handed out: InstaView's `analysis-pdf` and
//! `analysisPdfBase64`, Xobin's `pdf_link`, `report_link`, `share` and `download`. Each is a
//! real PDF (`%PDF`, readable by `pdftotext`) that names the candidate and the score.

use crate::engine::{fast, wait_status};
use crate::support::{TestServer, fixture};
use crate::webhooks_support::{WAIT, body, create_webhook};
use crate::xobin::{ai_interview, invite, invite_body, xb};
use crate::xobin_report::{report_when_completed, take_interview};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use interviewd_notify::testing::TestWebhookReceiver;
use reqwest::Method;
use serde_json::json;

/// The text of `pdf` as `pdftotext` (Debian's poppler-utils) reads it. `None`, with a message,
/// when the tool is not installed and `INTERVIEWD_REAL_PARTS` is unset (`.ci/run` installs it
/// and a missing tool then fails the test).
pub fn pdf_text(pdf: &[u8]) -> Option<String> {
    assert!(
        pdf.starts_with(b"%PDF-"),
        "not a PDF: {:?}",
        &pdf[..pdf.len().min(16)]
    );
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("report.pdf");
    std::fs::write(&path, pdf).unwrap();
    match std::process::Command::new("pdftotext")
        .arg("-enc")
        .arg("UTF-8")
        .arg(&path)
        .arg("-")
        .output()
    {
        Ok(out) => {
            assert!(out.status.success(), "pdftotext failed: {out:?}");
            Some(String::from_utf8(out.stdout).unwrap())
        }
        Err(e) if std::env::var_os("INTERVIEWD_REAL_PARTS").is_none() => {
            eprintln!(
                "skipping the pdftotext check: {e} (install the Debian package poppler-utils; \
                 with INTERVIEWD_REAL_PARTS=1 this is a failure)"
            );
            None
        }
        Err(e) => panic!("pdftotext is required (INTERVIEWD_REAL_PARTS is set): {e}"),
    }
}

/// Asserts `pdf` is a PDF whose text names `name` and holds `rating`/100.
fn assert_report(pdf: &[u8], name: &str, rating: u64) {
    if let Some(text) = pdf_text(pdf) {
        assert!(text.contains(name), "{name} not in:\n{text}");
        assert!(
            text.contains(&format!("{rating}/100")),
            "{rating}/100 not in:\n{text}"
        );
    }
}

/// `GET /interviews/{id}/analysis-pdf` answers `{analysisPdfBase64}` once the analysis exists
/// (404 before, 403 for another company), and `analysis.completed` carries the same bytes as
/// `analysisPdfBase64`:
/// <https://docs.instaview.sk/api-reference/interviews/get-interview-analysis-pdf>.
#[tokio::test]
async fn i8_analysis_pdf_and_the_webhook_carry_the_same_real_pdf() {
    let server = TestServer::start_with(|c| {
        fast(c);
        crate::webhooks_support::fast(c);
    })
    .await;
    let acme = server.company("Acme").await;
    let c = server.client(&acme.key);
    let receiver = TestWebhookReceiver::start().await.unwrap();
    create_webhook(
        &c,
        &receiver.url("/h"),
        json!(["analysis.completed"]),
        json!({}),
    )
    .await;
    // Not analysed yet: a future interview.
    let at = (chrono::Utc::now() + chrono::Duration::days(1)).to_rfc3339();
    let agent = c
        .post("/v1/agents", json!({ "name": "Later", "focus": "GENERIC" }))
        .await
        .expect(201)
        .str("/id");
    let later = c
        .post(
            "/v1/interviews",
            json!({ "candidate": { "firstName": "Bo", "phoneNumber": "+14155550111", "gdprExpiryDate": "2099-01-01" }, "agentId": agent, "scheduledAt": at }),
        )
        .await;
    let later = later.expect(201).str("/id");
    c.get(&format!("/v1/interviews/{later}/analysis-pdf"))
        .await
        .expect(404);

    let f = fixture(&c, "+14155550100", "ann@example.com").await;
    let done = wait_status(&c, &f.interview, "COMPLETED").await;
    let rating = done["analysis"]["general"]["overallRating"]
        .as_u64()
        .unwrap();
    let res = c
        .get(&format!("/v1/interviews/{}/analysis-pdf", f.interview))
        .await
        .expect(200);
    assert_eq!(res.body.as_object().unwrap().len(), 1, "{}", res.text);
    let pdf = BASE64.decode(res.str("/analysisPdfBase64")).unwrap();
    assert_report(&pdf, "Ann Lee", rating);

    let other = server.company("Other").await;
    let foreign = server.client(&other.key);
    foreign
        .get(&format!("/v1/interviews/{}/analysis-pdf", f.interview))
        .await
        .expect(403);

    let got = receiver.wait_for(1, WAIT).await;
    let event = body(&got[0]);
    assert_eq!(event["event"], "analysis.completed");
    assert_eq!(event["data"]["analysis"], done["analysis"]);
    let sent = BASE64
        .decode(event["data"]["analysisPdfBase64"].as_str().unwrap())
        .unwrap();
    assert_eq!(sent, pdf, "the webhook's PDF is the endpoint's");
}

/// Xobin's `pdf_link` and `report_link` fetch the PDF without a key (signed), the share link
/// works until it expires and `download` returns the PDF itself:
/// <https://app.xobin.com/api/docs/ai-interviews/ai-interview-report-link.html>,
/// <https://app.xobin.com/api/docs/ai-interviews/ai-interview-response.html>.
#[tokio::test]
async fn x4_pdf_link_share_and_download() {
    let server = TestServer::start().await;
    let acme = server.company("Acme").await;
    let id = ai_interview(&server, &acme.key, "Backend Engineer").await;
    let res = invite(&server, &acme.key, invite_body("ann@example.com", id))
        .await
        .expect(200);
    let response_id = res.body["response_id"].as_i64().unwrap();
    // No report before the interview: 404 on every asset.
    let share_path = format!("/ai-interviews/report/{response_id}/share");
    xb(&server, &acme.key, Method::POST, &share_path, None)
        .await
        .expect(404);
    take_interview(&server, &res.str("/invite_link")).await;
    let report = report_when_completed(&server, &acme.key, response_id).await;
    let rating = report["score"].as_u64().unwrap();

    let anyone = reqwest::Client::new();
    for link in ["pdf_link", "report_link"] {
        let url = report[link].as_str().unwrap();
        let got = anyone.get(url).send().await.unwrap();
        assert_eq!(got.status(), 200, "{link}");
        assert_eq!(got.headers()["content-type"], "application/pdf");
        let disposition = got.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .to_owned();
        assert_eq!(
            disposition.starts_with("attachment"),
            link == "pdf_link",
            "{disposition}"
        );
        assert_report(&got.bytes().await.unwrap(), "Ann Lee", rating);
    }
    // Tampered or foreign links are refused; the route itself wants the key.
    let url = report["pdf_link"].as_str().unwrap();
    let tampered = url.replace(
        &format!("/report/{response_id}/"),
        &format!("/report/{}/", response_id + 1),
    );
    // Without a key a bad signature asks for one (401), as a request without one does.
    assert_eq!(anyone.get(&tampered).send().await.unwrap().status(), 401);
    let bare = url.split('?').next().unwrap();
    assert_eq!(anyone.get(bare).send().await.unwrap().status(), 401);
    let with_key = anyone
        .get(bare)
        .header("apiKey", &acme.key)
        .send()
        .await
        .unwrap();
    assert_eq!(with_key.status(), 200);

    // share: the vendor's fields, the requested validity echoed.
    let shared = xb(
        &server,
        &acme.key,
        Method::POST,
        &share_path,
        Some(json!({ "expiration_hours": 2 })),
    )
    .await
    .expect(200);
    let keys: Vec<&String> = shared.body.as_object().unwrap().keys().collect();
    assert_eq!(
        keys,
        [
            "ai_interview_id",
            "expiration_hours",
            "expires_at",
            "response_id",
            "signed_url"
        ]
    );
    assert_eq!(shared.body["expiration_hours"], 2.0);
    assert_eq!(shared.body["response_id"], response_id);
    assert_eq!(shared.body["ai_interview_id"], id);
    let expires =
        chrono::NaiveDateTime::parse_from_str(&shared.str("/expires_at"), "%Y-%m-%dT%H:%M:%S%.6f")
            .unwrap();
    let ahead = expires.and_utc() - chrono::Utc::now();
    assert!(
        ahead > chrono::Duration::minutes(119) && ahead <= chrono::Duration::hours(2),
        "{ahead}"
    );
    let viewed = anyone.get(shared.str("/signed_url")).send().await.unwrap();
    assert_eq!(viewed.status(), 200);
    assert_report(&viewed.bytes().await.unwrap(), "Ann Lee", rating);
    // After it expires the link is refused.
    server
        .clock()
        .advance(std::time::Duration::from_secs(3 * 3600));
    assert_eq!(
        anyone
            .get(shared.str("/signed_url"))
            .send()
            .await
            .unwrap()
            .status(),
        403
    );
    // Out of range, and the default.
    for bad in [
        json!({ "expiration_hours": 0.01 }),
        json!({ "expiration_hours": 25 }),
        json!({ "expiration_hours": "2" }),
    ] {
        let refused = xb(&server, &acme.key, Method::POST, &share_path, Some(bad))
            .await
            .expect(400);
        assert_eq!(
            refused.body,
            json!({ "error": "expiration_hours must be between 1 minute and 24 hours" })
        );
    }
    let default = xb(&server, &acme.key, Method::POST, &share_path, None)
        .await
        .expect(200);
    assert_eq!(default.body["expiration_hours"], 1.0);

    // download: the PDF itself.
    let download = anyone
        .post(format!(
            "{}/api/v2/ai-interviews/report/{response_id}/download",
            server.base
        ))
        .header("apiKey", &acme.key)
        .send()
        .await
        .unwrap();
    assert_eq!(download.status(), 200);
    assert_eq!(download.headers()["content-type"], "application/pdf");
    assert_report(&download.bytes().await.unwrap(), "Ann Lee", rating);
}
