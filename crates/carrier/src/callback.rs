//! The carrier's HTTP callbacks about a call, read from their (already verified) form
//! parameters. Only the known parameters are read; new ones the carrier adds are ignored
//! ("Twilio will occasionally add new parameters without advance notice",
//! <https://www.twilio.com/docs/usage/webhooks/webhooks-security>). Numbers are read
//! leniently (Telnyx sends `SequenceNumber` as an integer, Twilio as a string; both are form
//! text here).
//!
//! | callback | parameters read | doc |
//! |---|---|---|
//! | status | `CallSid`, `CallStatus`, `SequenceNumber`, `CallDuration`, `SipResponseCode`, `AnsweredBy` | <https://www.twilio.com/docs/voice/api/call-resource#statuscallback> |
//! | async AMD | `CallSid`, `AnsweredBy` | <https://www.twilio.com/docs/voice/answering-machine-detection> |
//! | recording status | `CallSid`, `RecordingSid`, `RecordingStatus`, `RecordingDuration` | <https://www.twilio.com/docs/voice/api/recording#recordingstatuscallback> |
//! | `<Connect action>` | `CallSid`, `CallStatus`, `SessionStatus`, `ErrorCode`, `HandoffData` | <https://www.twilio.com/docs/voice/twiml/connect/conversationrelay> |

/// A call's status as the carrier reports it (`CallStatus`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CallStatus {
    Queued,
    Initiated,
    Ringing,
    /// Answered (the `answered` event).
    InProgress,
    Completed,
    Busy,
    NoAnswer,
    Failed,
    Canceled,
    Other(String),
}

impl CallStatus {
    /// Reads a `CallStatus` value (any case; Telnyx and ConversationRelay use upper case).
    pub fn parse(value: &str) -> Self {
        match value.trim().to_ascii_lowercase().as_str() {
            "queued" => Self::Queued,
            "initiated" => Self::Initiated,
            "ringing" => Self::Ringing,
            "in-progress" | "answered" => Self::InProgress,
            "completed" => Self::Completed,
            "busy" => Self::Busy,
            "no-answer" => Self::NoAnswer,
            "failed" => Self::Failed,
            "canceled" | "cancelled" => Self::Canceled,
            other => Self::Other(other.to_owned()),
        }
    }

    /// Whether the call is over.
    pub fn is_final(&self) -> bool {
        matches!(
            self,
            Self::Completed | Self::Busy | Self::NoAnswer | Self::Failed | Self::Canceled
        )
    }
}

/// A call progress event.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Status {
    pub call_sid: String,
    pub status: CallStatus,
    pub sequence: Option<u64>,
    /// Seconds the call lasted (the `completed` event).
    pub duration_secs: Option<u64>,
    pub sip_code: Option<u16>,
    pub answered_by: Option<String>,
}

/// A recording status event.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Recording {
    pub call_sid: String,
    pub recording_sid: String,
    /// `in-progress`, `completed`, `absent`.
    pub status: String,
}

/// The `<Connect action>` request after a ConversationRelay session.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RelayEnded {
    pub call_sid: String,
    /// `ended` (interviewd sent `end`), `completed` (the caller hung up), `failed`.
    pub session_status: String,
    pub error_code: Option<String>,
}

/// Any callback.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Callback {
    Status(Status),
    /// Answering-machine detection: `human`, `machine_start`, `fax`, `unknown`, …
    Amd {
        call_sid: String,
        answered_by: String,
    },
    Recording(Recording),
    RelayEnded(RelayEnded),
}

impl Callback {
    /// The call the callback is about.
    pub fn call_sid(&self) -> &str {
        match self {
            Self::Status(s) => &s.call_sid,
            Self::Amd { call_sid, .. } => call_sid,
            Self::Recording(r) => &r.call_sid,
            Self::RelayEnded(r) => &r.call_sid,
        }
    }
}

/// Whether AMD's `AnsweredBy` means nobody is there to interview (a machine or a fax).
/// `human` and `unknown` go on: treating `unknown` as a machine drops real candidates.
pub fn is_machine(answered_by: &str) -> bool {
    let by = answered_by.trim().to_ascii_lowercase();
    by.starts_with("machine") || by == "fax"
}

/// The callback kinds, one per path.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Status,
    Amd,
    Recording,
    RelayAction,
}

/// Reads a callback of `kind` from its form parameters; `None` when a required parameter is
/// missing.
pub fn parse(kind: Kind, params: &[(String, String)]) -> Option<Callback> {
    let get = |name: &str| {
        params
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.trim().to_owned())
            .filter(|v| !v.is_empty())
    };
    let number = |name: &str| {
        get(name)
            .and_then(|v| v.parse::<f64>().ok())
            .map(|v| v as u64)
    };
    let call_sid = get("CallSid")?;
    Some(match kind {
        Kind::Status => Callback::Status(Status {
            status: CallStatus::parse(&get("CallStatus")?),
            sequence: number("SequenceNumber"),
            duration_secs: number("CallDuration"),
            sip_code: number("SipResponseCode").and_then(|c| u16::try_from(c).ok()),
            answered_by: get("AnsweredBy"),
            call_sid,
        }),
        Kind::Amd => Callback::Amd {
            answered_by: get("AnsweredBy")?,
            call_sid,
        },
        Kind::Recording => Callback::Recording(Recording {
            recording_sid: get("RecordingSid")?,
            status: get("RecordingStatus").unwrap_or_else(|| "completed".into()),
            call_sid,
        }),
        Kind::RelayAction => Callback::RelayEnded(RelayEnded {
            session_status: get("SessionStatus").unwrap_or_default(),
            error_code: get("ErrorCode"),
            call_sid,
        }),
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // A panic is how a test reports failure.
mod tests {
    use super::*;

    fn form(text: &str) -> Vec<(String, String)> {
        form_urlencoded::parse(text.as_bytes())
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect()
    }

    #[test]
    fn a_captured_completed_callback() {
        // A real completed callback (geo fields and all), as the carrier sends it.
        let body = "Called=%2B551135892112&ToState=SP&CallerCountry=US&Direction=outbound-api&Timestamp=Sun%2C%2025%20Mar%202018%2009%3A53%3A19%20%2B0000&CallbackSource=call-progress-events&SequenceNumber=3&To=%2B551135892112&CallSid=CAbe982f58915a2def4cf7aaa1f1766236&ApiVersion=2010-04-01&CallStatus=completed&Duration=1&From=%2B16466063895&CallDuration=49&AccountSid=AC47ebdee5f6d2049fe18cf3ca151ff3a7&AnsweredBy=human";
        let Some(Callback::Status(s)) = parse(Kind::Status, &form(body)) else {
            panic!("not a status");
        };
        assert_eq!(s.call_sid, "CAbe982f58915a2def4cf7aaa1f1766236");
        assert_eq!(s.status, CallStatus::Completed);
        assert_eq!(s.sequence, Some(3));
        assert_eq!(s.duration_secs, Some(49));
        assert_eq!(s.answered_by.as_deref(), Some("human"));
        assert!(s.status.is_final());
    }

    #[test]
    fn statuses_and_machines() {
        assert_eq!(CallStatus::parse("no-answer"), CallStatus::NoAnswer);
        assert_eq!(CallStatus::parse("IN-PROGRESS"), CallStatus::InProgress);
        assert!(!CallStatus::parse("ringing").is_final());
        for by in ["machine_start", "machine_end_beep", "fax"] {
            assert!(is_machine(by), "{by}");
        }
        for by in ["human", "unknown"] {
            assert!(!is_machine(by), "{by}");
        }
    }

    #[test]
    fn required_parameters() {
        assert!(parse(Kind::Status, &form("CallStatus=busy")).is_none());
        assert!(parse(Kind::Recording, &form("CallSid=CA1")).is_none());
        let Some(Callback::RelayEnded(r)) = parse(
            Kind::RelayAction,
            &form("CallSid=CA1&SessionStatus=failed&ErrorCode=39001"),
        ) else {
            panic!("not an action");
        };
        assert_eq!(r.session_status, "failed");
        assert_eq!(r.error_code.as_deref(), Some("39001"));
    }
}
