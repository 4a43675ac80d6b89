//! The three payload formats, end to end: the same events reach an `instaview`, an
//! `alpharun` and an `xobin` endpoint, each in its own dialect.

use crate::engine::wait_status;
use crate::support::TestServer;
use crate::support::fixture;
use crate::webhooks_support::{WAIT, assert_signed, body, create_webhook, fast};
use interviewd_notify::testing::TestWebhookReceiver;
use serde_json::{Value, json};

fn find<'a>(payloads: &'a [Value], key: &str, value: &str) -> &'a Value {
    payloads
        .iter()
        .find(|p| p[key] == value)
        .unwrap_or_else(|| panic!("no {key}={value} in {payloads:?}"))
}

/// The same completed phone interview reaches an endpoint of each format; each body is the
/// dialect's own object for it, the one its REST API answers.
#[tokio::test]
async fn each_format_speaks_its_dialect() {
    let server = TestServer::start_with(|c| {
        fast(c);
        crate::engine::fast(c);
    })
    .await;
    let acme = server.company("Acme").await;
    let client = server.client(&acme.key);
    let events = json!([
        "interview.started",
        "interview.completed",
        "analysis.completed"
    ]);
    let mut receivers = Vec::new();
    for format in ["instaview", "alpharun", "xobin"] {
        let receiver = TestWebhookReceiver::start().await.unwrap();
        let hook = create_webhook(
            &client,
            &receiver.url("/f"),
            events.clone(),
            json!({ "format": format }),
        )
        .await;
        receivers.push((receiver, hook));
    }
    let f = fixture(&client, "+14155550100", "ann@example.com").await;
    let done = wait_status(&client, &f.interview, "COMPLETED").await;
    let expected = [3, 2, 2];
    let mut payloads = Vec::new();
    for ((receiver, hook), count) in receivers.iter().zip(expected) {
        let got = receiver.wait_for(count, WAIT).await;
        assert_eq!(got.len(), count, "{}", hook["format"]);
        for request in &got {
            assert_signed(request, hook["signingSecret"].as_str().unwrap());
        }
        payloads.push(got.iter().map(body).collect::<Vec<_>>());
    }
    // Everything due has run: nothing more is on its way.
    server.run_pending_background_jobs().await;
    for ((receiver, _), count) in receivers.iter().zip(expected) {
        assert_eq!(receiver.requests().len(), count, "nothing more");
    }

    // instaview: thin, except analysis.completed.
    let iv = &payloads[0];
    let completed = find(iv, "event", "interview.completed");
    assert_eq!(completed["data"]["interviewId"], f.interview.as_str());
    assert_eq!(completed["data"]["status"], "COMPLETED");
    assert!(completed["data"].get("snapshot").is_none());
    assert!(!completed.to_string().contains("ann@example.com"));
    let analysis = find(iv, "event", "analysis.completed");
    assert_eq!(analysis["data"]["analysis"], done["analysis"]);
    assert_eq!(
        find(iv, "event", "interview.started")["data"]["status"],
        "IN_PROGRESS"
    );

    // alpharun: interview.call.completed with the REST interview object, and the analysis as
    // customer_interaction.updated.
    let ar = find(&payloads[1], "event_type", "interview.call.completed");
    let updated = find(&payloads[1], "event_type", "customer_interaction.updated");
    assert_eq!(
        updated["data"]["customer_interaction"]["public_api_url"],
        format!(
            "{}/api/v1/customer-interactions/{}",
            server.base, f.interview
        )
    );
    let rest = client
        .get(&format!(
            "/api/v1/job-openings/{}/interviews/{}",
            f.job, f.interview
        ))
        .await
        .expect(200);
    // Links are signed when made, so their expiry (and signature) differ.
    assert_eq!(
        unsigned(&ar["interview"]),
        unsigned(&rest.body["data"]["interview"])
    );
    assert_eq!(ar["interview"]["contact"]["email"], "ann@example.com");
    assert_eq!(ar["interview"]["job_opening"]["name"], "Backend Engineer");
    assert!(ar["interview"]["insights"]["assessment_score"].is_u64());

    // xobin: start and submission, the REST report's fields.
    let xb = &payloads[2];
    let start = find(xb, "invite_status", "Started");
    let number = start["response_id"].as_i64().unwrap();
    assert_eq!(start["candidate_name"], "Ann Lee");
    assert_eq!(start.as_object().unwrap().len(), 7, "{start}");
    let mut submission = find(xb, "invite_status", "Completed").clone();
    let xobin_key = server.key(&acme.id, "all").await;
    let report = reqwest::Client::new()
        .get(format!(
            "{}/api/v2/ai-interviews/report/{number}",
            server.base
        ))
        .header("apiKey", &xobin_key)
        .send()
        .await
        .unwrap()
        .json::<Value>()
        .await
        .unwrap();
    let mut report = report;
    // Recording keys differ as the vendor documents them: sessions in the REST report,
    // epoch milliseconds in the webhook.
    let webhook_recordings = submission
        .as_object_mut()
        .unwrap()
        .remove("interview_recording");
    let rest_recordings = report
        .as_object_mut()
        .unwrap()
        .remove("interview_recording");
    assert_eq!(
        webhook_recordings
            .unwrap()
            .as_object()
            .unwrap()
            .values()
            .map(unsigned)
            .collect::<Vec<_>>(),
        rest_recordings
            .unwrap()
            .as_object()
            .unwrap()
            .values()
            .map(unsigned)
            .collect::<Vec<_>>()
    );
    assert_eq!(unsigned(&submission), unsigned(&report));
}

/// `value` with the signature queries of its links removed.
fn unsigned(value: &Value) -> Value {
    match value {
        Value::String(s) if s.contains("signature=") => {
            let (path, query) = s.split_once('?').unwrap();
            let kept: Vec<&str> = query
                .split('&')
                .filter(|p| {
                    !["company=", "expires=", "signature="]
                        .iter()
                        .any(|k| p.starts_with(k))
                })
                .collect();
            if kept.is_empty() {
                Value::String(path.to_owned())
            } else {
                Value::String(format!("{path}?{}", kept.join("&")))
            }
        }
        Value::Array(items) => Value::Array(items.iter().map(unsigned).collect()),
        Value::Object(map) => {
            Value::Object(map.iter().map(|(k, v)| (k.clone(), unsigned(v))).collect())
        }
        other => other.clone(),
    }
}
