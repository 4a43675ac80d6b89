//! The `alpharun` format: Alpharun's interview webhook, `{event_type, interview}`.
//!
//! Alpharun documents three events; only `interview.call.completed` has a counterpart here
//! (our `interview.completed`). Everything else is not sent in this format, except the test
//! `ping`, which is sent as `{"event_type": "ping", ...}` so that the test button works.

use super::{EventView, at, list, text, time};
use chrono::{DateTime, Utc};
use interviewd_domain::events::kinds;
use serde_json::{Value, json};

/// Alpharun's timestamps: seconds precision, `Z`.
fn stamp(t: Option<DateTime<Utc>>) -> Value {
    t.map_or(Value::Null, |t| {
        Value::String(t.format("%Y-%m-%dT%H:%M:%SZ").to_string())
    })
}

/// Criterion values are strings in Alpharun's payload.
fn as_text(v: Value) -> Value {
    match v {
        Value::Number(n) => Value::String(n.to_string()),
        Value::Bool(b) => Value::String(b.to_string()),
        other => other,
    }
}

pub fn render(event: &EventView<'_>) -> Option<Value> {
    match event.event_type {
        kinds::INTERVIEW_COMPLETED => Some(call_completed(event)),
        kinds::PING => Some(json!({
            "event_type": "ping",
            "timestamp": stamp(Some(event.occurred_at)),
            "data": event.data,
        })),
        _ => None,
    }
}

fn call_completed(event: &EventView<'_>) -> Value {
    let s = event.snapshot();
    let candidate = s.get("candidate").unwrap_or(&Value::Null);
    let job = s.get("job").filter(|j| j.is_object());
    let transcript: Vec<Value> = list(s, "/transcript")
        .iter()
        .map(|f| json!({ "role": at(f, "/role"), "transcript": at(f, "/text") }))
        .collect();
    let mut calls: Vec<Value> = list(s, "/recordings")
        .iter()
        .map(|r| json!({ "id": at(r, "/attemptId"), "recording_url": at(r, "/url") }))
        .collect();
    if calls.is_empty()
        && let Some(attempt) = text(event.data, "/callAttemptId")
    {
        calls.push(json!({ "id": attempt, "recording_url": null }));
    }
    let criteria: Vec<Value> = list(s, "/analysis/criteria")
        .iter()
        .map(|c| {
            json!({
                "name": at(c, "/name"),
                "value": as_text(at(c, "/value")),
                "commentary": at(c, "/commentary"),
            })
        })
        .collect();
    json!({
        "event_type": "interview.call.completed",
        "interview": {
            "id": at(event.data, "/interviewId"),
            "job_opening_id": at(event.data, "/jobId"),
            "job_opening": job.map_or(Value::Null, |j| json!({
                "id": at(j, "/id"),
                "name": at(j, "/title"),
            })),
            "status": "completed",
            "contact": {
                "first_name": at(candidate, "/firstName"),
                "last_name": at(candidate, "/lastName"),
                "email": at(candidate, "/email"),
                "phone_number": at(candidate, "/phoneNumber"),
                "resume_url": at(candidate, "/resumeUrl"),
                "custom_fields": candidate.get("customFields").cloned().unwrap_or(json!([])),
            },
            "started_at": stamp(time(s, "/startedAt")),
            "completed_at": stamp(time(s, "/completedAt")),
            "transcript_fragments": transcript,
            "insights": {
                "assessment_score": at(s, "/analysis/score"),
                "strengths": s.pointer("/analysis/strengths").cloned().unwrap_or(json!([])),
                "weaknesses": s.pointer("/analysis/weaknesses").cloned().unwrap_or(json!([])),
                "summary": at(s, "/analysis/summary"),
            },
            "calls": calls,
            "assessment_criteria": criteria,
            "data_extraction_fields": [],
            "custom_fields": [],
        }
    })
}

#[cfg(test)]
mod tests {
    use super::super::fixtures;
    use super::*;
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
    fn completed_becomes_call_completed() {
        let data = fixtures::completed();
        let body = render(&view(kinds::INTERVIEW_COMPLETED, &data)).unwrap();
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
        assert_eq!(
            i["calls"][0]["recording_url"],
            "http://127.0.0.1/recordings/1.wav"
        );
        assert_eq!(
            i["assessment_criteria"],
            json!([{"name": "Rust", "value": "strong", "commentary": "Knows ownership."}])
        );
        assert_eq!(i["data_extraction_fields"], json!([]));
        assert_eq!(i["custom_fields"], json!([]));
    }

    #[test]
    fn other_events_are_not_sent() {
        let data = fixtures::completed();
        for kind in [
            kinds::INTERVIEW_STARTED,
            kinds::ANALYSIS_COMPLETED,
            kinds::INTERVIEW_SCHEDULED,
            kinds::INTERVIEW_DELETED,
        ] {
            assert!(render(&view(kind, &data)).is_none(), "{kind}");
        }
        assert_eq!(
            render(&view(kinds::PING, &json!({}))).unwrap()["event_type"],
            "ping"
        );
    }
}
