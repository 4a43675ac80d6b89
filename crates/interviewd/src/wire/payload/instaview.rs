//! The default format, InstaView's: `{event, timestamp, deliveryId, data}` with thin data
//! (ids and status), as <https://docs.instaview.sk/guides/webhooks> shows it. `analysis.completed`
//! also carries the analysis — the same object as `GET /interviews/{id}` — and the report PDF
//! as `analysisPdfBase64` (the same bytes as `GET /interviews/{id}/analysis-pdf`, "also included
//! in the analysis.completed webhook payload as the analysisPdfBase64 field"); failure events
//! carry an `error` text.

use super::{Assets, EventView};
use crate::wire::instaview::AnalysisDto;
use base64::Engine;
use interviewd_domain::events::kinds;
use interviewd_domain::time::rfc3339;
use serde_json::{Value, json};

pub fn render(event: &EventView<'_>, assets: &Assets<'_>) -> Value {
    let mut data = event.data.as_object().cloned().unwrap_or_default();
    if event.event_type == kinds::ANALYSIS_COMPLETED
        && let Some(stored) = event.report.and_then(|r| r.results.analysis.as_ref())
    {
        let analysis = serde_json::to_value(AnalysisDto::new(stored)).unwrap_or_default();
        data.insert("analysis".into(), analysis);
        if let Some(pdf) = assets.analysis_pdf {
            let encoded = base64::engine::general_purpose::STANDARD.encode(pdf);
            data.insert("analysisPdfBase64".into(), Value::String(encoded));
        }
    }
    if event.event_type == kinds::INTERVIEW_FAILED && !data.contains_key("error") {
        let reason = data
            .get("reasonCode")
            .and_then(Value::as_str)
            .unwrap_or("UNKNOWN");
        data.insert(
            "error".into(),
            Value::String(format!("The interview failed ({reason})")),
        );
    }
    json!({
        "event": event.event_type,
        "timestamp": rfc3339(event.occurred_at),
        "deliveryId": event.delivery_id.to_string(),
        "data": data,
    })
}

#[cfg(test)]
mod tests {
    use super::super::fixtures::{self, view};
    use super::*;
    use uuid::Uuid;

    #[test]
    fn completed_is_thin() {
        let report = fixtures::completed();
        let data = fixtures::data(&report, "COMPLETED");
        let body = render(
            &view(kinds::INTERVIEW_COMPLETED, &data, Some(&report)),
            &Assets::default(),
        );
        assert_eq!(body["event"], "interview.completed");
        assert_eq!(body["timestamp"], "2025-07-05T04:42:45.000Z");
        assert_eq!(body["deliveryId"], Uuid::nil().to_string());
        let keys: Vec<_> = body["data"].as_object().unwrap().keys().cloned().collect();
        assert_eq!(
            keys,
            [
                "callAttemptId",
                "candidateId",
                "interviewId",
                "jobId",
                "status"
            ]
        );
        assert!(!body.to_string().contains("ann@example.com"));
    }

    #[test]
    fn analysis_completed_carries_the_analysis() {
        let report = fixtures::completed();
        let data = fixtures::data(&report, "COMPLETED");
        let assets = Assets {
            links: None,
            analysis_pdf: Some(b"%PDF-1.7"),
        };
        let body = render(
            &view(kinds::ANALYSIS_COMPLETED, &data, Some(&report)),
            &assets,
        );
        let general = &body["data"]["analysis"]["general"];
        assert_eq!(general["overallRating"], 80);
        assert_eq!(general["companyFitRating"], "HIGH");
        assert_eq!(general["status"], 3);
        assert_eq!(general["evaluation"][0], "Solid.");
        assert_eq!(general["evaluation"][1], "Rust (5/5): Knows ownership.");
        assert_eq!(body["data"]["analysis"]["specific"], Value::Null);
        assert_eq!(body["data"]["analysisPdfBase64"], "JVBERi0xLjc=");
        assert!(body["data"].get("snapshot").is_none());
        assert!(!body.to_string().contains("ann@example.com"));
    }

    #[test]
    fn failed_carries_an_error() {
        let data = json!({"interviewId": "x", "status": "FAILED", "reasonCode": "NO_ANSWER"});
        let body = render(
            &view(kinds::INTERVIEW_FAILED, &data, None),
            &Assets::default(),
        );
        assert_eq!(body["data"]["reasonCode"], "NO_ANSWER");
        assert_eq!(body["data"]["error"], "The interview failed (NO_ANSWER)");
    }
}
