//! The `xobin` format: Xobin's "AI Interview Start" (our `interview.started`) and "AI
//! Interview Submission" (our `interview.completed`) webhooks — the first fields of the
//! response's report, and the whole report, built by the same code as
//! `GET /ai-interviews/report/{response_id}` (`crate::wire::xobin::report`). Recordings are
//! keyed by epoch milliseconds here, as the vendor's samples show, and their links are signed
//! (a receiver fetches them without a key until they expire). Other events are not sent in
//! this format, except the test `ping`.

use super::{Assets, EventView};
use crate::wire::xobin::report::{RecordingKeys, Recordings, Report, StartPayload};
use interviewd_domain::events::kinds;
use serde_json::{Value, json};

pub fn render(event: &EventView<'_>, assets: &Assets<'_>) -> Option<Value> {
    let links = assets.links_for(event);
    let recordings = Recordings {
        keys: RecordingKeys::EpochMillis,
        signed: true,
    };
    let report = |r| Report::new(r, &links, event.occurred_at, recordings);
    match event.event_type {
        kinds::INTERVIEW_STARTED => {
            let mut start = StartPayload::from(report(event.report?));
            start.invite_status = "Started".into();
            serde_json::to_value(start).ok()
        }
        kinds::INTERVIEW_COMPLETED => serde_json::to_value(report(event.report?)).ok(),
        kinds::PING => Some(json!({
            "event": "ping",
            "timestamp": interviewd_domain::time::rfc3339(event.occurred_at),
            "data": event.data,
        })),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::super::fixtures::{self, PUBLIC_URL};
    use super::*;
    use interviewd_domain::views::InterviewReport;

    fn render_for(kind: &str, report: &InterviewReport) -> Option<Value> {
        let data = fixtures::data(report, "COMPLETED");
        render(
            &fixtures::view(kind, &data, Some(report)),
            &Assets::default(),
        )
    }

    #[test]
    fn started_is_the_start_payload() {
        let body = render_for(kinds::INTERVIEW_STARTED, &fixtures::completed()).unwrap();
        assert_eq!(
            body,
            json!({
                "ai_interview_id": 3, "ai_interview_name": "Backend Engineer",
                "candidate_email": "ann@example.com", "candidate_id": 5,
                "candidate_name": "Ann Lee", "invite_status": "Started", "response_id": 17
            })
        );
    }

    #[test]
    fn completed_is_the_submission_payload() {
        let report = fixtures::completed();
        let body = render_for(kinds::INTERVIEW_COMPLETED, &report).unwrap();
        assert_eq!(body["invite_status"], "Completed");
        assert_eq!(body["response_id"], 17);
        assert_eq!(body["completed_date"], "Jul 05, 2025, 4:42:45 AM");
        assert_eq!(body["candidate_summary"], "Solid.");
        assert_eq!(body["score"], 80);
        assert_eq!(body["recommendation"], "Recommended");
        assert_eq!(body["integrity_score"], 10.0);
        assert_eq!(
            body["interview_recording"],
            json!({"1751689800000": format!(
                "{PUBLIC_URL}/api/v2/ai-interviews/report/17/recordings/session1"
            )})
        );
        assert_eq!(
            body["pdf_link"],
            format!("{PUBLIC_URL}/api/v2/ai-interviews/report/17/pdf?download=true")
        );
        assert_eq!(
            body["skill_wise_scores"]["must_haves"],
            json!([{"score": 100, "skill_name": "Rust"}])
        );
        assert_eq!(body["conversation"][0]["role"], "interviewer");
        assert_eq!(body["conversation"][1]["content"], "I like it.");
        assert_eq!(body["conversation"][1]["timestamp"], 1600);
        assert_eq!(body["conversation"][1]["mode"], "voice");
    }

    #[test]
    fn other_events_are_not_sent() {
        let report = fixtures::completed();
        assert!(render_for(kinds::ANALYSIS_COMPLETED, &report).is_none());
        assert!(render_for(kinds::INTERVIEW_SCHEDULED, &report).is_none());
        assert_eq!(render_for(kinds::PING, &report).unwrap()["event"], "ping");
    }
}
