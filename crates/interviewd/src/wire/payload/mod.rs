//! Payload formats: how one event becomes the body an endpoint receives.
//!
//! Each event row carries thin data (ids, status) and, for the events that need it, a
//! `snapshot` of the interview taken when the event happened. A format renders that into
//! its dialect's body, or says the event has no counterpart in the dialect (`None`: no
//! message is created). Rendering is pure, so each format is unit-tested on fixed inputs;
//! it runs once at fan-out, so every attempt of a message sends the same bytes.

mod alpharun;
mod instaview;
mod xobin;

use chrono::{DateTime, Utc};
use interviewd_domain::views::PayloadFormat;
use serde_json::Value;
use uuid::Uuid;

/// The `webhook-id` of a message: stable across its attempts.
pub fn webhook_id(message: Uuid) -> String {
    format!("msg_{}", message.simple())
}

/// One event about to be rendered for one endpoint.
#[derive(Clone, Copy, Debug)]
pub struct EventView<'a> {
    /// Our dotted event type.
    pub event_type: &'a str,
    /// The event row's data (with its `snapshot`, if any).
    pub data: &'a Value,
    /// When the event happened.
    pub occurred_at: DateTime<Utc>,
    /// The message id (InstaView's `deliveryId`).
    pub delivery_id: Uuid,
}

impl EventView<'_> {
    /// The interview snapshot, or `null`.
    pub fn snapshot(&self) -> &Value {
        self.data.get("snapshot").unwrap_or(&Value::Null)
    }
}

/// The body for `event` in `format`, or `None` when the format does not carry that event.
pub fn render(format: PayloadFormat, event: &EventView<'_>) -> Option<String> {
    let body = match format {
        PayloadFormat::InstaView => Some(instaview::render(event)),
        PayloadFormat::Alpharun => alpharun::render(event),
        PayloadFormat::Xobin => xobin::render(event),
    }?;
    serde_json::to_string(&body).ok()
}

/// The string at `pointer`, if it is one.
fn text<'v>(value: &'v Value, pointer: &str) -> Option<&'v str> {
    value.pointer(pointer).and_then(Value::as_str)
}

/// The value at `pointer`, or `null`.
fn at(value: &Value, pointer: &str) -> Value {
    value.pointer(pointer).cloned().unwrap_or(Value::Null)
}

/// The array at `pointer`, or an empty slice.
fn list<'v>(value: &'v Value, pointer: &str) -> &'v [Value] {
    value
        .pointer(pointer)
        .and_then(Value::as_array)
        .map_or(&[], Vec::as_slice)
}

/// An RFC 3339 time at `pointer`, parsed.
fn time(value: &Value, pointer: &str) -> Option<DateTime<Utc>> {
    let raw = text(value, pointer)?;
    DateTime::parse_from_rfc3339(raw)
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

/// "First Last", skipping missing parts; `null` when both are missing.
fn full_name(candidate: &Value) -> Value {
    let parts: Vec<&str> = ["/firstName", "/lastName"]
        .iter()
        .filter_map(|p| text(candidate, p))
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .collect();
    if parts.is_empty() {
        Value::Null
    } else {
        Value::String(parts.join(" "))
    }
}

#[cfg(test)]
pub(crate) mod fixtures {
    use serde_json::{Value, json};

    /// The data of an `interview.completed` event as the engine writes it.
    pub fn completed() -> Value {
        json!({
            "interviewId": "0190a0c4-0000-7000-8000-000000000001",
            "callAttemptId": "0190a0c4-0000-7000-8000-000000000002",
            "candidateId": "0190a0c4-0000-7000-8000-000000000003",
            "jobId": "0190a0c4-0000-7000-8000-000000000004",
            "status": "COMPLETED",
            "snapshot": {
                "interviewNumber": 17,
                "candidate": {"number": 5, "firstName": "Ann", "lastName": "Lee",
                              "email": "ann@example.com", "phoneNumber": "+14155550100"},
                "job": {"id": "0190a0c4-0000-7000-8000-000000000004", "number": 3,
                        "title": "Backend Engineer"},
                "startedAt": "2025-07-05T04:30:00.000Z",
                "completedAt": "2025-07-05T04:42:45.000Z",
                "transcript": [
                    {"role": "agent", "text": "Tell me about Rust.", "startMs": 0, "endMs": 1500},
                    {"role": "participant", "text": "I like it.", "startMs": 1600, "endMs": 2500}
                ],
                "analysis": {
                    "score": 4, "summary": "Solid.", "strengths": ["Rust"],
                    "weaknesses": ["SQL"],
                    "criteria": [{"name": "Rust", "value": "strong", "score": 5,
                                  "commentary": "Knows ownership."}]
                },
                "recordings": [{"attemptId": "0190a0c4-0000-7000-8000-000000000002",
                                "url": "http://127.0.0.1/recordings/1.wav"}]
            }
        })
    }
}
