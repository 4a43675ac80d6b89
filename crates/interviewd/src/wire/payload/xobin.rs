//! The `xobin` format: Xobin's AI-interview workflow bodies, with Xobin's integer ids
//! (job number as `ai_interview_id`, candidate number, interview number as `response_id`).
//!
//! `interview.started` → "AI Interview Start"; `interview.completed` → "AI Interview
//! Submission" (the analysis is part of the completion). Everything else is not sent in
//! this format, except the test `ping` (`{"event": "ping", ...}`). Xobin's scores are
//! percentages, so our 1–5 scores are sent × 20; `integrity_score` is not measured (`null`).

use super::{EventView, at, full_name, list, time};
use interviewd_domain::events::kinds;
use serde_json::{Map, Value, json};

pub fn render(event: &EventView<'_>) -> Option<Value> {
    match event.event_type {
        kinds::INTERVIEW_STARTED => Some(Value::Object(start(event))),
        kinds::INTERVIEW_COMPLETED => Some(Value::Object(submission(event))),
        kinds::PING => Some(json!({
            "event": "ping",
            "timestamp": interviewd_domain::time::rfc3339(event.occurred_at),
            "data": event.data,
        })),
        _ => None,
    }
}

/// The fields both bodies share.
fn start(event: &EventView<'_>) -> Map<String, Value> {
    let s = event.snapshot();
    let candidate = s.get("candidate").unwrap_or(&Value::Null);
    let mut out = Map::new();
    out.insert("ai_interview_id".into(), at(s, "/job/number"));
    out.insert("ai_interview_name".into(), at(s, "/job/title"));
    out.insert("candidate_email".into(), at(candidate, "/email"));
    out.insert("candidate_id".into(), at(candidate, "/number"));
    out.insert("candidate_name".into(), full_name(candidate));
    out.insert("invite_status".into(), "Started".into());
    out.insert("response_id".into(), at(s, "/interviewNumber"));
    out
}

/// A 1–5 score as a percentage.
fn percent(score: &Value) -> Value {
    score
        .as_f64()
        .map_or(Value::Null, |s| json!((s * 20.0).round() as i64))
}

/// Our wording of Xobin's `recommendation`, from the 1–5 score.
fn recommendation(score: &Value) -> Value {
    let Some(score) = score.as_f64() else {
        return Value::Null;
    };
    let text = if score >= 4.5 {
        "Highly Recommended"
    } else if score >= 3.5 {
        "Recommended"
    } else if score >= 2.5 {
        "Maybe"
    } else {
        "Not Recommended"
    };
    Value::String(text.into())
}

fn submission(event: &EventView<'_>) -> Map<String, Value> {
    let s = event.snapshot();
    let mut out = start(event);
    let score = at(s, "/analysis/score");
    let started_ms = time(s, "/startedAt").map_or(0, |t| t.timestamp_millis());
    let mut recordings = Map::new();
    for (i, r) in list(s, "/recordings").iter().enumerate() {
        let key = started_ms + i64::try_from(i).unwrap_or(0);
        recordings.insert(key.to_string(), at(r, "/url"));
    }
    let must_haves: Vec<Value> = list(s, "/analysis/criteria")
        .iter()
        .map(|c| json!({ "score": percent(&at(c, "/score")), "skill_name": at(c, "/name") }))
        .collect();
    let conversation: Vec<Value> = list(s, "/transcript")
        .iter()
        .map(|f| {
            let role = match f.get("role").and_then(Value::as_str) {
                Some("agent") => "interviewer",
                _ => "candidate",
            };
            json!({
                "content": at(f, "/text"),
                "mode": "voice",
                "role": role,
                "timestamp": at(f, "/startMs"),
            })
        })
        .collect();
    let completed = time(s, "/completedAt")
        .map(|t| t.format("%b %d, %Y, %-I:%M:%S %p").to_string())
        .map_or(Value::Null, Value::String);
    out.insert("candidate_summary".into(), at(s, "/analysis/summary"));
    out.insert("completed_date".into(), completed);
    out.insert("integrity_score".into(), Value::Null);
    out.insert("interview_recording".into(), Value::Object(recordings));
    out.insert("invite_status".into(), "Completed".into());
    out.insert("recommendation".into(), recommendation(&score));
    out.insert("score".into(), percent(&score));
    out.insert(
        "skill_wise_scores".into(),
        json!({ "must_haves": must_haves, "nice_to_haves": [] }),
    );
    out.insert("conversation".into(), Value::Array(conversation));
    out
}

#[cfg(test)]
mod tests {
    use super::super::fixtures;
    use super::*;
    use chrono::Utc;
    use uuid::Uuid;

    fn view<'a>(event_type: &'a str, data: &'a Value) -> EventView<'a> {
        EventView {
            event_type,
            data,
            occurred_at: Utc::now(),
            delivery_id: Uuid::nil(),
        }
    }

    #[test]
    fn started_is_the_start_payload() {
        let data = fixtures::completed();
        let body = render(&view(kinds::INTERVIEW_STARTED, &data)).unwrap();
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
        let data = fixtures::completed();
        let body = render(&view(kinds::INTERVIEW_COMPLETED, &data)).unwrap();
        assert_eq!(body["invite_status"], "Completed");
        assert_eq!(body["response_id"], 17);
        assert_eq!(body["completed_date"], "Jul 05, 2025, 4:42:45 AM");
        assert_eq!(body["candidate_summary"], "Solid.");
        assert_eq!(body["score"], 80);
        assert_eq!(body["recommendation"], "Recommended");
        assert_eq!(body["integrity_score"], Value::Null);
        assert_eq!(
            body["interview_recording"],
            json!({"1751689800000": "http://127.0.0.1/recordings/1.wav"})
        );
        assert_eq!(
            body["skill_wise_scores"]["must_haves"],
            json!([{"score": 100, "skill_name": "Rust"}])
        );
        assert_eq!(body["conversation"][0]["role"], "interviewer");
        assert_eq!(body["conversation"][1]["content"], "I like it.");
        assert_eq!(body["conversation"][1]["timestamp"], 1600);
    }

    #[test]
    fn other_events_are_not_sent() {
        let data = fixtures::completed();
        assert!(render(&view(kinds::ANALYSIS_COMPLETED, &data)).is_none());
        assert!(render(&view(kinds::INTERVIEW_SCHEDULED, &data)).is_none());
        assert_eq!(
            render(&view(kinds::PING, &json!({}))).unwrap()["event"],
            "ping"
        );
    }
}
