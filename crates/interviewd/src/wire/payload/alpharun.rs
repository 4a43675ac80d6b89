//! The `alpharun` format: Alpharun's interview webhook, `{event_type, interview}` with the
//! same interview object as `GET /job-openings/{id}/interviews/{interview_id}`.
//!
//! Alpharun documents three interview events
//! (<https://dev.alpharun.com/api-reference/webhook/interview-webhooks>), each with the
//! interview object: `interview.call.completed` is our `interview.completed` (the call that
//! finished the interview) and our `interview.call.ended` (one that did not: "an interview may
//! have multiple calls if the candidate completes their interview over multiple sessions");
//! `interview.advanced` and `interview.rejected` follow a recruiter's decision, made in the
//! console here as in Alpharun's dashboard, and keep their names. Our
//! `analysis.completed` is Alpharun's `customer_interaction.updated` ("for example when the
//! data extraction fields are successfully processed"), minimal by design with the
//! interaction's `public_api_url`
//! (<https://dev.alpharun.com/api-reference/webhook/customer-interaction-webhooks>). Everything
//! else is not sent in this format, except the test `ping`, which is sent as
//! `{"event_type": "ping", ...}` so that the test button works.

use super::{Assets, EventView};
use crate::wire::alpharun::{InteractionWebhook, Interview, InterviewWebhook};
use interviewd_domain::events::kinds;
use serde_json::{Value, json};

/// Alpharun's name for one of our events that carries the interview object.
pub fn interview_event(event_type: &str) -> Option<&'static str> {
    match event_type {
        kinds::INTERVIEW_COMPLETED | kinds::INTERVIEW_CALL_ENDED => {
            Some("interview.call.completed")
        }
        kinds::INTERVIEW_ADVANCED => Some("interview.advanced"),
        kinds::INTERVIEW_REJECTED => Some("interview.rejected"),
        _ => None,
    }
}

pub fn render(event: &EventView<'_>, assets: &Assets<'_>) -> Option<Value> {
    if let Some(name) = interview_event(event.event_type) {
        let report = event.report?;
        let body = InterviewWebhook {
            event_type: name,
            interview: Interview::new(report, &assets.links_for(event)),
        };
        return serde_json::to_value(body).ok();
    }
    match event.event_type {
        kinds::ANALYSIS_COMPLETED => {
            let id = event.data.get("interviewId").and_then(Value::as_str)?;
            let base = assets.links_for(event).base;
            serde_json::to_value(InteractionWebhook::new(base, id)).ok()
        }
        kinds::PING => Some(json!({
            "event_type": "ping",
            "timestamp": event.occurred_at.format("%Y-%m-%dT%H:%M:%SZ").to_string(),
            "data": event.data,
        })),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::super::fixtures::{self, PUBLIC_URL, view};
    use super::*;

    #[test]
    fn completed_becomes_call_completed() {
        let report = fixtures::completed();
        let data = fixtures::data(&report, "COMPLETED");
        let view = view(kinds::INTERVIEW_COMPLETED, &data, Some(&report));
        let body = render(&view, &Assets::default()).unwrap();
        assert_eq!(body["event_type"], "interview.call.completed");
        let i = &body["interview"];
        assert_eq!(i["id"], data["interviewId"]);
        assert_eq!(i["job_opening_id"], data["jobId"]);
        assert_eq!(i["job_opening"]["name"], "Backend Engineer");
        assert_eq!(i["status"], "completed");
        assert_eq!(i["contact"]["first_name"], "Ann");
        assert_eq!(i["contact"]["phone_number"], "+14155550100");
        assert_eq!(i["contact"]["resume_url"], Value::Null);
        assert_eq!(i["contact"]["custom_fields"], json!([]));
        assert_eq!(i["started_at"], "2025-07-05T04:30:00Z");
        assert_eq!(i["completed_at"], "2025-07-05T04:42:45Z");
        assert_eq!(
            i["transcript_fragments"],
            json!([{"role": "agent", "transcript": "Tell me about Rust."},
                   {"role": "participant", "transcript": "I like it."}])
        );
        assert_eq!(i["insights"]["assessment_score"], 4);
        assert_eq!(i["insights"]["summary"], "Solid.");
        let attempt = &report.detail.attempts[0];
        assert_eq!(
            i["calls"][0]["recording_url"],
            format!(
                "{PUBLIC_URL}/v1/interviews/{}/call-attempts/{}/recording",
                attempt.interview_id, attempt.id
            )
        );
        assert_eq!(
            i["assessment_criteria"],
            json!([{"name": "Rust", "value": "strong", "commentary": "Knows ownership."}])
        );
        assert_eq!(
            i["data_extraction_fields"],
            json!([{"key": "rust", "name": "Rust", "type": "number", "value": 5, "commentary": "Knows ownership."}])
        );
        assert_eq!(i["custom_fields"], json!([]));
    }

    #[test]
    fn decisions_carry_the_interview_under_their_own_names() {
        let report = fixtures::completed();
        let data = fixtures::data(&report, "COMPLETED");
        for (kind, name) in [
            (kinds::INTERVIEW_ADVANCED, "interview.advanced"),
            (kinds::INTERVIEW_REJECTED, "interview.rejected"),
        ] {
            let view = view(kind, &data, Some(&report));
            let body = render(&view, &Assets::default()).unwrap();
            assert_eq!(body["event_type"], name);
            assert_eq!(body["interview"]["id"], data["interviewId"]);
            assert_eq!(body["interview"]["insights"]["assessment_score"], 4);
        }
    }

    #[test]
    fn other_events_are_not_sent() {
        let report = fixtures::completed();
        let data = fixtures::data(&report, "COMPLETED");
        let analysed = view(kinds::ANALYSIS_COMPLETED, &data, None);
        let interaction = render(&analysed, &Assets::default()).unwrap();
        let id = report.detail.interview.id;
        assert_eq!(
            interaction,
            json!({
                "event_type": "customer_interaction.updated",
                "data": { "customer_interaction": {
                    "id": id.to_string(),
                    "public_api_url": format!("{PUBLIC_URL}/api/v1/customer-interactions/{id}"),
                } }
            })
        );
        for kind in [
            kinds::INTERVIEW_STARTED,
            kinds::INTERVIEW_SCHEDULED,
            kinds::INTERVIEW_DELETED,
        ] {
            let view = view(kind, &data, Some(&report));
            assert!(render(&view, &Assets::default()).is_none(), "{kind}");
        }
        let empty = json!({});
        let ping = view(kinds::PING, &empty, None);
        assert_eq!(
            render(&ping, &Assets::default()).unwrap()["event_type"],
            "ping"
        );
    }
}
