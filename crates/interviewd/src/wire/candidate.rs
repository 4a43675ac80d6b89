//! The live interview's WebSocket protocol (`/i/{token}/ws`, v1; `docs/candidate-page.md`).
//! Text frames are JSON objects tagged by `type`; binary frames are audio: PCM 16-bit
//! little-endian mono at 16 kHz, 20 ms (640 bytes) per frame from the microphone, any length
//! towards the page.

use serde::{Deserialize, Serialize};

/// The longest typed answer, in characters.
pub const MAX_TEXT_CHARS: usize = 10_000;

/// How the candidate answers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    Voice,
    Text,
}

/// A text frame from the page.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(tag = "type", rename_all = "lowercase", deny_unknown_fields)]
pub enum ClientMessage {
    /// The first message: how the candidate wants to answer, and whether this page had a
    /// session already (a reconnect).
    Hello {
        mode: Mode,
        #[serde(default)]
        resume: bool,
    },
    /// A typed answer.
    Text { text: String },
    /// A switch between voice and typing.
    Mode { mode: Mode },
    /// The microphone muted or unmuted (the page keeps sending silent frames).
    Mute { muted: bool },
    /// The page finished playing (or cut) agent utterance `id` after `ms` of it.
    Played { id: u64, ms: u64 },
    /// The candidate ends the interview.
    End {},
}

/// One line of the transcript as the page shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Line {
    /// `agent` or `participant`.
    pub role: &'static str,
    pub text: String,
}

/// What the server is doing, for the page's status line.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum State {
    Listening,
    Thinking,
    Speaking,
}

/// A text frame towards the page.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "lowercase")]
pub enum ServerMessage {
    /// After `hello`: the session, and what was said so far (non-empty on a resume).
    #[serde(rename_all = "camelCase")]
    Session {
        session_id: String,
        resumed: bool,
        /// Whether voice works on this server (both speech engines configured).
        voice: bool,
        sample_rate: u32,
        question_count: usize,
        idle_timeout_seconds: u64,
        transcript: Vec<Line>,
    },
    State {
        state: State,
    },
    /// Agent utterance `id`: a piece of its text (`delta`), or all of it (`text`, `final`).
    Agent {
        id: u64,
        #[serde(skip_serializing_if = "Option::is_none")]
        delta: Option<String>,
        #[serde(skip_serializing_if = "Option::is_none")]
        text: Option<String>,
        #[serde(skip_serializing_if = "std::ops::Not::not")]
        r#final: bool,
    },
    /// The candidate's words (voice: once transcribed).
    Caption {
        role: &'static str,
        text: String,
        r#final: bool,
    },
    /// The binary frames that follow belong to utterance `id`; with `end`, its audio is
    /// complete.
    Audio {
        id: u64,
        #[serde(skip_serializing_if = "std::ops::Not::not")]
        end: bool,
    },
    /// Barge-in: stop playback now and drop queued audio.
    Clear,
    /// The session is over; the server closes the socket next.
    Ended {
        reason: &'static str,
        message: String,
    },
    /// A frame the server could not use; the session goes on.
    Error {
        code: &'static str,
        message: String,
    },
}

impl ServerMessage {
    /// A piece of agent utterance `id`.
    pub fn delta(id: u64, piece: &str) -> Self {
        Self::Agent {
            id,
            delta: Some(piece.to_owned()),
            text: None,
            r#final: false,
        }
    }

    /// The whole of agent utterance `id`.
    pub fn said(id: u64, text: &str) -> Self {
        Self::Agent {
            id,
            delta: None,
            text: Some(text.to_owned()),
            r#final: true,
        }
    }

    /// The message as JSON text.
    pub fn to_json(&self) -> String {
        // A message is plain data: serialising it cannot fail.
        serde_json::to_string(self).unwrap_or_else(|_| "{\"type\":\"error\"}".to_owned())
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn client_messages_parse_and_unknown_ones_do_not() {
        let hello: ClientMessage =
            serde_json::from_str(r#"{"type":"hello","mode":"voice","resume":false}"#).unwrap();
        assert_eq!(
            hello,
            ClientMessage::Hello {
                mode: Mode::Voice,
                resume: false
            }
        );
        let end: ClientMessage = serde_json::from_str(r#"{"type":"end"}"#).unwrap();
        assert_eq!(end, ClientMessage::End {});
        assert!(serde_json::from_str::<ClientMessage>(r#"{"type":"shout"}"#).is_err());
        assert!(serde_json::from_str::<ClientMessage>(r#"{"type":"text"}"#).is_err());
        assert!(
            serde_json::from_str::<ClientMessage>(r#"{"type":"played","id":-1,"ms":0}"#).is_err()
        );
    }

    #[test]
    fn server_messages_have_the_documented_shape() {
        assert_eq!(
            ServerMessage::delta(3, "Hel").to_json(),
            r#"{"type":"agent","id":3,"delta":"Hel"}"#
        );
        assert_eq!(
            ServerMessage::said(3, "Hello.").to_json(),
            r#"{"type":"agent","id":3,"text":"Hello.","final":true}"#
        );
        assert_eq!(
            ServerMessage::Audio { id: 2, end: true }.to_json(),
            r#"{"type":"audio","id":2,"end":true}"#
        );
        assert_eq!(ServerMessage::Clear.to_json(), r#"{"type":"clear"}"#);
        let state = ServerMessage::State {
            state: State::Listening,
        };
        assert_eq!(state.to_json(), r#"{"type":"state","state":"listening"}"#);
    }
}
