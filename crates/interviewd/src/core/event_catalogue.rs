//! The event catalogue: what an endpoint can subscribe to, and the three spellings the
//! InstaView API accepts for each (dotted `interview.completed`, the older numeric codes,
//! and the newer constants `INTERVIEW_COMPLETED`). Stored and emitted dotted.
//!
//! The create-webhook page lists ten constants
//! (<https://docs.instaview.sk/api-reference/webhooks/create-webhook>); the four of sourcing and
//! enrichment (`SOURCING_COMPLETED`, `SOURCING_FAILED`, `ENRICH_COMPLETED`, `ENRICH_FAILED`) are
//! accepted so that an integration copying the documented list works, and never sent: sourcing
//! is out of scope (DESIGN §6).

use crate::store::events::kinds;
use serde_json::Value;

/// One subscribable event.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct EventName {
    /// The dotted name, as stored and emitted.
    pub dotted: &'static str,
    /// The InstaView numeric code, where the vendor assigned one.
    pub code: Option<u8>,
    /// Whether this server ever emits it.
    pub emitted: bool,
}

const fn event(dotted: &'static str, code: Option<u8>, emitted: bool) -> EventName {
    EventName {
        dotted,
        code,
        emitted,
    }
}

/// Every name an endpoint may subscribe to.
pub const CATALOGUE: [EventName; 18] = [
    event(kinds::ANALYSIS_COMPLETED, Some(0), true),
    // Accepted for compatibility; the built-in analysis does not fail, so never sent.
    event("analysis.failed", Some(1), false),
    event(kinds::PING, Some(2), true),
    event(kinds::INTERVIEW_COMPLETED, Some(3), true),
    event(kinds::INTERVIEW_FAILED, Some(4), true),
    event(kinds::INTERVIEW_STARTED, Some(5), true),
    // A call or session that ended before the interview finished (Alpharun reports each call).
    event(kinds::INTERVIEW_CALL_ENDED, None, true),
    event(kinds::INTERVIEW_SCHEDULED, None, true),
    event(kinds::INTERVIEW_CANCELED, None, true),
    event(kinds::INTERVIEW_DELETED, None, true),
    event(kinds::INVITE_REVOKED, None, true),
    event(kinds::CANDIDATE_REMOVED_FROM_JOB, None, true),
    // A recruiter's decision in the console (Alpharun's two dashboard events).
    event(kinds::INTERVIEW_ADVANCED, None, true),
    event(kinds::INTERVIEW_REJECTED, None, true),
    // Documented by the vendor for sourcing and enrichment, which interviewd does not do.
    event("sourcing.completed", None, false),
    event("sourcing.failed", None, false),
    event("enrich.completed", None, false),
    event("enrich.failed", None, false),
];

/// The constant spelling of a dotted name: `interview.completed` → `INTERVIEW_COMPLETED`.
fn constant_of(dotted: &str) -> String {
    dotted.replace('.', "_").to_ascii_uppercase()
}

/// Finds the catalogue entry for one spelling, or `None`.
pub fn lookup(raw: &str) -> Option<EventName> {
    let raw = raw.trim();
    if let Ok(code) = raw.parse::<u8>() {
        return CATALOGUE.into_iter().find(|e| e.code == Some(code));
    }
    // The vendor spells cancelled both ways; accept either in every form.
    let dotted = raw.to_ascii_lowercase().replace("cancelled", "canceled");
    let constant = raw.to_ascii_uppercase().replace("CANCELLED", "CANCELED");
    CATALOGUE
        .into_iter()
        .find(|e| e.dotted == dotted || constant_of(e.dotted) == constant)
}

/// Parses an `events` array in any mix of the three forms into dotted names, without
/// duplicates, in the order given. The error names the first unknown entry's position.
pub fn parse_list(items: &[Value]) -> Result<Vec<String>, String> {
    if items.is_empty() {
        return Err("events must name at least one event".into());
    }
    let mut out: Vec<String> = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let found = match item {
            Value::String(s) => lookup(s),
            Value::Number(n) => n
                .as_u64()
                .and_then(|c| u8::try_from(c).ok())
                .and_then(|c| lookup(&c.to_string())),
            _ => None,
        };
        let Some(found) = found else {
            return Err(format!(
                "events[{i}] is not a known event; use one of {}",
                CATALOGUE.map(|e| e.dotted).join(", ")
            ));
        };
        if !out.iter().any(|e| e == found.dotted) {
            out.push(found.dotted.to_owned());
        }
    }
    Ok(out)
}

/// Whether an endpoint subscribed to `subscribed` receives `event_type`.
pub fn subscribes(subscribed: &[String], event_type: &str) -> bool {
    subscribed.iter().any(|e| e == event_type)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn all_three_forms_parse_to_dotted_names() {
        let got = parse_list(&[
            json!("interview.completed"),
            json!(0),
            json!("5"),
            json!("INTERVIEW_FAILED"),
            json!("PING"),
            json!("interview.cancelled"),
            json!("INTERVIEW_CANCELLED"),
            json!("candidate.removed_from_job"),
            json!("CANDIDATE_REMOVED_FROM_JOB"),
        ])
        .unwrap();
        assert_eq!(
            got,
            [
                "interview.completed",
                "analysis.completed",
                "interview.started",
                "interview.failed",
                "ping",
                "interview.canceled",
                "candidate.removed_from_job",
            ]
        );
    }

    #[test]
    fn unknown_and_empty_lists_are_refused() {
        assert!(parse_list(&[]).is_err());
        for bad in [
            json!("interview.exploded"),
            json!(6),
            json!(-1),
            json!(1.5),
            json!("SOURCING_STARTED"),
            json!(null),
            json!({"event": "ping"}),
        ] {
            let err = parse_list(&[json!("ping"), bad.clone()]).unwrap_err();
            assert!(err.starts_with("events[1]"), "{bad}: {err}");
        }
    }

    #[test]
    fn every_documented_constant_is_accepted() {
        let constants = [
            "ANALYSIS_COMPLETED",
            "ANALYSIS_FAILED",
            "PING",
            "INTERVIEW_COMPLETED",
            "INTERVIEW_FAILED",
            "INTERVIEW_STARTED",
            "SOURCING_COMPLETED",
            "SOURCING_FAILED",
            "ENRICH_COMPLETED",
            "ENRICH_FAILED",
        ];
        let items: Vec<Value> = constants.iter().map(|c| json!(c)).collect();
        assert_eq!(parse_list(&items).unwrap().len(), 10);
    }

    #[test]
    fn numeric_codes_follow_the_reference() {
        let codes: Vec<_> = (0..=5)
            .map(|c| lookup(&c.to_string()).unwrap().dotted)
            .collect();
        assert_eq!(
            codes,
            [
                "analysis.completed",
                "analysis.failed",
                "ping",
                "interview.completed",
                "interview.failed",
                "interview.started"
            ]
        );
    }
}
