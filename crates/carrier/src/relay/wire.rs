//! ConversationRelay's WebSocket messages, as
//! <https://www.twilio.com/docs/voice/conversationrelay/websocket-messages> documents them:
//! text frames, one JSON object each, told apart by `type`.
//!
//! From the carrier: `setup` (once, first), `prompt` (the caller's words; act on
//! `last: true` only), `interrupt` (the caller spoke over the agent; `utteranceUntilInterrupt`
//! is what they heard), `dtmf`, `error`, and `info` with `debug` on. To the carrier: `text`
//! (tokens of the agent's turn, the final one with `last: true`) and `end`.
//!
//! Parsing is lenient where the carriers differ: unknown fields and message types are
//! ignored; `durationUntilInterruptMs` is a number or a numeric string (both appear in
//! published revisions of the page); Telnyx's `setup` carries other ids and a lower-case
//! `callStatus` (<https://developers.telnyx.com/api-reference/websockets/conversationrelay-websocket-channel>).

use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// A message from the carrier.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(tag = "type", rename_all = "lowercase")]
pub enum Incoming {
    #[serde(rename_all = "camelCase")]
    Setup {
        #[serde(default)]
        session_id: String,
        #[serde(default)]
        call_sid: String,
        #[serde(default)]
        custom_parameters: HashMap<String, serde_json::Value>,
    },
    #[serde(rename_all = "camelCase")]
    Prompt {
        #[serde(default)]
        voice_prompt: String,
        /// `false` on a partial prompt; absent means final.
        #[serde(default)]
        last: Option<bool>,
    },
    #[serde(rename_all = "camelCase")]
    Interrupt {
        #[serde(default)]
        utterance_until_interrupt: String,
    },
    Dtmf {
        #[serde(default)]
        digit: String,
    },
    Error {
        #[serde(default)]
        description: String,
    },
    #[serde(other)]
    Other,
}

impl Incoming {
    /// Reads one text frame; `None` when it is not JSON with a `type`.
    pub fn parse(frame: &str) -> Option<Self> {
        serde_json::from_str(frame).ok()
    }
}

/// A message to the carrier.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "type", rename_all = "lowercase")]
pub enum Outgoing<'a> {
    /// A token of the agent's turn; `last` on the final one.
    Text { token: &'a str, last: bool },
    /// Ends the session; the carrier then requests the `<Connect action>` URL.
    #[serde(rename_all = "camelCase")]
    End { handoff_data: &'a str },
}

impl Outgoing<'_> {
    /// The frame.
    pub fn to_frame(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }
}

/// A custom parameter's text (they arrive as JSON strings).
pub fn parameter(params: &HashMap<String, serde_json::Value>, name: &str) -> Option<String> {
    match params.get(name)? {
        serde_json::Value::String(s) => Some(s.clone()),
        other => Some(other.to_string()),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // A panic is how a test reports failure.
mod tests {
    use super::*;

    #[test]
    fn twilios_documented_messages() {
        let setup = r#"{"type":"setup","sessionId":"VX00000000000000000000000000000000","accountSid":"ACXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX","parentCallSid":"","callSid":"CA00000000000000000000000000000000","from":"+18005550100","to":"+18005550101","forwardedFrom":"+18005550102","callType":"PSTN","callerName":"","direction":"inbound","callStatus":"RINGING","customParameters":{"callReference":"bar"}}"#;
        let Some(Incoming::Setup {
            call_sid,
            custom_parameters,
            ..
        }) = Incoming::parse(setup)
        else {
            panic!("not a setup");
        };
        assert_eq!(call_sid, "CA00000000000000000000000000000000");
        assert_eq!(
            parameter(&custom_parameters, "callReference").unwrap(),
            "bar"
        );
        assert_eq!(
            Incoming::parse(
                r#"{"type":"prompt","voicePrompt":"Hi! Can you tell me about life?","lang":"en-US","last":true}"#
            ),
            Some(Incoming::Prompt {
                voice_prompt: "Hi! Can you tell me about life?".into(),
                last: Some(true)
            })
        );
        for interrupt in [
            r#"{"type":"interrupt","utteranceUntilInterrupt":"Life is a complex set of","durationUntilInterruptMs":460}"#,
            r#"{"type":"interrupt","utteranceUntilInterrupt":"Life is a complex set of","durationUntilInterruptMs":"460"}"#,
        ] {
            assert_eq!(
                Incoming::parse(interrupt),
                Some(Incoming::Interrupt {
                    utterance_until_interrupt: "Life is a complex set of".into()
                })
            );
        }
        assert_eq!(
            Incoming::parse(r#"{"type":"dtmf","digit":"1"}"#),
            Some(Incoming::Dtmf { digit: "1".into() })
        );
        assert!(matches!(
            Incoming::parse(
                r#"{"type":"error","description":"Invalid message received: { \"foo\" : \"bar\" }"}"#
            ),
            Some(Incoming::Error { .. })
        ));
        assert_eq!(
            Incoming::parse(
                r#"{"type":"info","name":"agentSpeaking","value":"on","ts":1752091234567}"#
            ),
            Some(Incoming::Other)
        );
        assert_eq!(Incoming::parse("not json"), None);
    }

    #[test]
    fn telnyxs_documented_messages() {
        let setup = r#"{"type":"setup","sessionId":"7a7e6a4f-1d44-4f0c-b5d4-9f9bf3a5c1f2","accountSid":"1f1a8b6f-1234-4abc-9def-1234567890ab","callSid":"v2:T02llQxIyaRkhfRKxgAP8nY511EhFLizdvdUKJiSw8d6A9BborherQ","callControlId":"v2:T02llQxIyaRkhfRKxgAP8nY511EhFLizdvdUKJiSw8d6A9BborherQ","from":"+13122010094","to":"+13122123456","direction":"inbound","callerName":"","callStatus":"active","customParameters":{"customer_id":"customer_123"}}"#;
        assert!(matches!(
            Incoming::parse(setup),
            Some(Incoming::Setup { .. })
        ));
        assert_eq!(
            Incoming::parse(
                r#"{"type":"prompt","voicePrompt":"hello there","lang":"en","last":false}"#
            ),
            Some(Incoming::Prompt {
                voice_prompt: "hello there".into(),
                last: Some(false)
            })
        );
        assert!(matches!(
            Incoming::parse(
                r#"{"type":"interrupt","utteranceUntilInterrupt":"Welcome to Telnyx, how can I help","durationUntilInterruptMs":1820}"#
            ),
            Some(Incoming::Interrupt { .. })
        ));
    }

    #[test]
    fn outgoing_frames_are_the_documented_shapes() {
        assert_eq!(
            Outgoing::Text {
                token: "Hello world!",
                last: false
            }
            .to_frame(),
            r#"{"type":"text","token":"Hello world!","last":false}"#
        );
        assert_eq!(
            Outgoing::End { handoff_data: "{}" }.to_frame(),
            r#"{"type":"end","handoffData":"{}"}"#
        );
    }
}
