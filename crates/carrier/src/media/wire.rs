//! Media Streams' WebSocket messages, as
//! <https://www.twilio.com/docs/voice/media-streams/websocket-messages> documents them: text
//! frames (never binary: error 31950), one JSON object each, told apart by `event`.
//!
//! From the carrier: `connected`, `start` (stream and call SIDs, `customParameters`, the
//! format — always `audio/x-mulaw`, 8000 Hz, mono), `media` (base64 μ-law, 20 ms frames in
//! practice; numbers are JSON strings), `dtmf`, `mark` (the echo of a mark interviewd sent,
//! when its audio has played or a `clear` discarded it) and `stop`. To the carrier: `media`,
//! `mark` and `clear`, each naming the stream.
//!
//! Telnyx's Media Streaming sends the same events in snake case (`stream_id`,
//! `custom_parameters`, `call_control_id`,
//! <https://developers.telnyx.com/api-reference/websockets/stream-call-media-over-websocket>);
//! the aliases below read both.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde::Deserialize;
use std::collections::HashMap;

/// A message from the carrier.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(tag = "event", rename_all = "lowercase")]
pub enum Incoming {
    Connected {},
    Start {
        start: Start,
        #[serde(rename = "streamSid", alias = "stream_id", default)]
        stream_sid: String,
    },
    Media {
        media: Media,
    },
    Mark {
        mark: Mark,
    },
    Dtmf {
        dtmf: Dtmf,
    },
    Stop {},
    #[serde(other)]
    Other,
}

/// `start.start`.
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct Start {
    #[serde(rename = "streamSid", default)]
    pub stream_sid: String,
    #[serde(rename = "callSid", alias = "call_control_id", default)]
    pub call_sid: String,
    #[serde(rename = "customParameters", alias = "custom_parameters", default)]
    pub custom_parameters: HashMap<String, serde_json::Value>,
}

/// `media.media`.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct Media {
    #[serde(default)]
    pub track: Option<String>,
    pub payload: String,
}

/// `mark.mark`.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct Mark {
    pub name: String,
}

/// `dtmf.dtmf`.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct Dtmf {
    #[serde(default)]
    pub digit: String,
}

impl Incoming {
    /// Reads one text frame; `None` when it is not JSON with an `event`.
    pub fn parse(frame: &str) -> Option<Self> {
        serde_json::from_str(frame).ok()
    }
}

/// The μ-law bytes of a `media` payload; `None` when it is not base64.
pub fn decode_payload(payload: &str) -> Option<Vec<u8>> {
    STANDARD.decode(payload).ok()
}

/// An outbound `media` message: μ-law 8 kHz audio to play.
pub fn media(stream_sid: &str, ulaw: &[u8]) -> String {
    format!(
        r#"{{"event":"media","streamSid":{},"media":{{"payload":"{}"}}}}"#,
        json_string(stream_sid),
        STANDARD.encode(ulaw)
    )
}

/// An outbound `mark`: echoed when the audio sent before it has played.
pub fn mark(stream_sid: &str, name: &str) -> String {
    format!(
        r#"{{"event":"mark","streamSid":{},"mark":{{"name":{}}}}}"#,
        json_string(stream_sid),
        json_string(name)
    )
}

/// An outbound `clear`: drop all buffered audio (barge-in).
pub fn clear(stream_sid: &str) -> String {
    format!(
        r#"{{"event":"clear","streamSid":{}}}"#,
        json_string(stream_sid)
    )
}

fn json_string(text: &str) -> String {
    serde_json::Value::from(text).to_string()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // A panic is how a test reports failure.
mod tests {
    use super::*;

    #[test]
    fn twilios_documented_messages() {
        assert_eq!(
            Incoming::parse(r#"{"event":"connected","protocol":"Call","version":"1.0.0"}"#),
            Some(Incoming::Connected {})
        );
        let start = r#"{"event":"start","sequenceNumber":"1","start":{"accountSid":"ACXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX","streamSid":"MZXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX","callSid":"CAXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX","tracks":["inbound"],"mediaFormat":{"encoding":"audio/x-mulaw","sampleRate":8000,"channels":1},"customParameters":{"FirstName":"Jane","LastName":"Doe","RemoteParty":"Bob"}},"streamSid":"MZXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX"}"#;
        let Some(Incoming::Start { start, stream_sid }) = Incoming::parse(start) else {
            panic!("not a start");
        };
        assert_eq!(stream_sid, "MZXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX");
        assert_eq!(start.call_sid, "CAXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX");
        assert_eq!(start.custom_parameters["FirstName"], "Jane");
        let media = r#"{"event":"media","sequenceNumber":"4","media":{"track":"inbound","chunk":"2","timestamp":"5","payload":"no+JhoaJjpzS"},"streamSid":"MZXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX"}"#;
        let Some(Incoming::Media { media }) = Incoming::parse(media) else {
            panic!("not media");
        };
        assert_eq!(decode_payload(&media.payload).unwrap().len(), 9);
        assert!(matches!(
            Incoming::parse(r#"{"event":"dtmf","streamSid":"MZX","sequenceNumber":"5","dtmf":{"track":"inbound_track","digit":"1"}}"#),
            Some(Incoming::Dtmf { dtmf }) if dtmf.digit == "1"
        ));
        assert!(matches!(
            Incoming::parse(r#"{"event":"mark","sequenceNumber":"4","streamSid":"MZX","mark":{"name":"my label"}}"#),
            Some(Incoming::Mark { mark }) if mark.name == "my label"
        ));
        assert_eq!(
            Incoming::parse(
                r#"{"event":"stop","sequenceNumber":"5","stop":{"accountSid":"ACX","callSid":"CAX"},"streamSid":"MZX"}"#
            ),
            Some(Incoming::Stop {})
        );
    }

    #[test]
    fn telnyxs_snake_case_start() {
        let start = r#"{"event":"start","sequence_number":"1","stream_id":"32DE0DEA-53CB-4B21-89A4-9E1819C043BC","start":{"user_id":"3E6F995F","call_control_id":"v2:T02llQxIyaRkhfRKxgAP8nY511EhFLizdvdUKJiSw8d6A9BborherQ","call_session_id":"ff55a038","from":"+13122010094","to":"+13122123456","custom_parameters":{"customer_id":"customer_123"},"media_format":{"encoding":"PCMU","sample_rate":8000,"channels":1}}}"#;
        let Some(Incoming::Start { start, stream_sid }) = Incoming::parse(start) else {
            panic!("not a start");
        };
        assert_eq!(stream_sid, "32DE0DEA-53CB-4B21-89A4-9E1819C043BC");
        assert!(start.call_sid.starts_with("v2:"));
        assert_eq!(start.custom_parameters["customer_id"], "customer_123");
    }

    #[test]
    fn outgoing_frames_are_the_documented_shapes() {
        let media: serde_json::Value = serde_json::from_str(&media("MZ1", &[0xFF, 0x7F])).unwrap();
        assert_eq!(
            media,
            serde_json::json!({"event": "media", "streamSid": "MZ1", "media": {"payload": "/38="}})
        );
        let mark: serde_json::Value = serde_json::from_str(&mark("MZ1", "a \"b\"")).unwrap();
        assert_eq!(
            mark,
            serde_json::json!({"event": "mark", "streamSid": "MZ1", "mark": {"name": "a \"b\""}})
        );
        assert_eq!(clear("MZ1"), r#"{"event":"clear","streamSid":"MZ1"}"#);
    }
}
