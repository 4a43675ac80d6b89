//! `GET /i/{token}/ws`: the live interview's WebSocket (protocol in [`crate::wire::candidate`]).
//!
//! A link that cannot be joined now is refused before the upgrade with the status its page
//! has (404 unknown or deleted, 410 revoked or expired, 409 over or not online or not open
//! yet, 503 busy or unavailable), so the page can show that state. After the upgrade, every
//! frame is checked: a text frame must be one of the protocol's messages, a binary frame
//! whole 16-bit samples of at most one second; a bad frame is answered with an `error`
//! message and the session goes on. The session itself is [`crate::core::engine::live`].

use crate::app::AppState;
use crate::core::engine::landing::{self, Kind};
use crate::core::engine::live::{self, Ending, Input, Output};
use crate::wire::candidate::{ClientMessage, Line, MAX_TEXT_CHARS, Mode, ServerMessage, State};
use axum::extract::ws::{CloseFrame, Message, WebSocket, WebSocketUpgrade};
use axum::extract::{Path, State as AxumState};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use futures_util::{SinkExt, StreamExt};
use interviewd_speech::{SAMPLE_RATE, pcm16le_to_samples, samples_to_pcm16le};
use interviewd_voice::Role;
use tokio::sync::mpsc;

/// Largest frame accepted from a page: one second of audio, or a typed answer with room for
/// its JSON.
const MAX_FRAME_BYTES: usize = 64 * 1024;
/// Largest audio frame: one second of 16 kHz PCM16.
const MAX_AUDIO_BYTES: usize = SAMPLE_RATE as usize * 2;

/// Upgrades to the live session, or refuses with the link's state.
pub async fn upgrade(
    AxumState(state): AxumState<AppState>,
    Path(token): Path<String>,
    ws: WebSocketUpgrade,
) -> Response {
    let refused = match landing::landing(&state.engine, &token).await.kind {
        Kind::Start(_) => None,
        Kind::NotFound => Some(StatusCode::NOT_FOUND),
        Kind::Revoked | Kind::Expired => Some(StatusCode::GONE),
        Kind::Finished | Kind::Phone { .. } | Kind::NotOpen { .. } => Some(StatusCode::CONFLICT),
        Kind::Busy | Kind::Unavailable => Some(StatusCode::SERVICE_UNAVAILABLE),
    };
    if let Some(status) = refused {
        return status.into_response();
    }
    ws.max_message_size(MAX_FRAME_BYTES)
        .max_frame_size(MAX_FRAME_BYTES)
        .read_buffer_size(crate::http::WS_READ_BUFFER_BYTES)
        .on_upgrade(move |socket| serve(socket, state, token))
}

/// The session runs in this connection's task, reading the socket itself: a microphone frame
/// wakes one task, not a reader and then the session (at 500 voice sessions, 25,000 frames a
/// second). Its output goes through a channel to the writer, which the turns' own tasks
/// also hold.
async fn serve(socket: WebSocket, state: AppState, token: String) {
    let (mut sink, stream) = socket.split();
    let (output_tx, mut output_rx) = mpsc::channel::<Output>(64);
    // The page went away (or the socket failed): the input ends there.
    let input = stream
        .take_while(|message| std::future::ready(message.is_ok()))
        .filter_map(|message| {
            let input = message.ok().map(from_wire);
            std::future::ready(input.and_then(|i| i.unwrap_or_else(|e| Some(Input::Malformed(e)))))
        });
    let session = live::run(state.engine.clone(), token, Box::pin(input), output_tx);
    // Owns the receiver: once the writer has stopped, the session's sends fail at once
    // rather than wait for room.
    let writer = async move {
        while let Some(output) = output_rx.recv().await {
            let ended = matches!(output, Output::Ended(_));
            if sink.send(to_wire(output)).await.is_err() {
                return;
            }
            if ended {
                let close = CloseFrame {
                    code: 1000,
                    reason: "".into(),
                };
                let _ = sink.send(Message::Close(Some(close))).await;
                return;
            }
        }
    };
    // The writer stops at the session's `ended` or when the page is gone; the session stops
    // when it has ended or when the page went away (it stays live for a reconnect). Both run
    // to their end: the last messages of an ending session are still written.
    tokio::join!(session, writer);
}

/// A frame from the page as the session's input; `Ok(None)` for control frames.
fn from_wire(message: Message) -> Result<Option<Input>, String> {
    match message {
        Message::Text(text) => {
            let parsed: ClientMessage = serde_json::from_str(text.as_str())
                .map_err(|e| format!("not a message of this protocol: {e}"))?;
            Ok(Some(match parsed {
                ClientMessage::Hello { mode, resume } => Input::Hello {
                    voice: mode == Mode::Voice,
                    resume,
                },
                ClientMessage::Text { text } => {
                    if text.chars().count() > MAX_TEXT_CHARS {
                        return Err(format!("text is longer than {MAX_TEXT_CHARS} characters"));
                    }
                    Input::Text(text)
                }
                ClientMessage::Mode { mode } => Input::Voice(mode == Mode::Voice),
                ClientMessage::Mute { muted } => Input::Mute(muted),
                ClientMessage::Played { id, ms } => Input::Played { id, ms },
                ClientMessage::End {} => Input::End,
            }))
        }
        Message::Binary(bytes) => {
            if bytes.len() % 2 != 0 || bytes.len() > MAX_AUDIO_BYTES {
                return Err("audio must be whole 16-bit samples, at most one second".into());
            }
            Ok(Some(Input::Audio(pcm16le_to_samples(&bytes))))
        }
        Message::Ping(_) | Message::Pong(_) | Message::Close(_) => Ok(None),
    }
}

/// The session's output as a frame.
fn to_wire(output: Output) -> Message {
    let message = match output {
        Output::Audio(pcm) => return Message::Binary(samples_to_pcm16le(&pcm).into()),
        Output::Session(o) => ServerMessage::Session {
            session_id: o.session_id.to_string(),
            resumed: o.resumed,
            voice: o.voice,
            sample_rate: SAMPLE_RATE,
            question_count: o.question_count,
            idle_timeout_seconds: o.idle_timeout.as_secs(),
            transcript: o
                .transcript
                .into_iter()
                .map(|(role, text)| Line {
                    role: match role {
                        Role::Agent => "agent",
                        Role::Participant => "participant",
                    },
                    text,
                })
                .collect(),
        },
        Output::Listening => ServerMessage::State {
            state: State::Listening,
        },
        Output::Thinking => ServerMessage::State {
            state: State::Thinking,
        },
        Output::Speaking => ServerMessage::State {
            state: State::Speaking,
        },
        Output::Delta { id, piece } => ServerMessage::delta(id, &piece),
        Output::Said { id, text } => ServerMessage::said(id, &text),
        Output::Caption(text) => ServerMessage::Caption {
            role: "participant",
            text,
            r#final: true,
        },
        Output::AudioStart(id) => ServerMessage::Audio { id, end: false },
        Output::AudioEnd(id) => ServerMessage::Audio { id, end: true },
        Output::Clear => ServerMessage::Clear,
        Output::Ended(ending) => ServerMessage::Ended {
            reason: ending.as_str(),
            message: ended_message(ending).into(),
        },
        Output::Error { code, message } => ServerMessage::Error { code, message },
    };
    Message::Text(message.to_json().into())
}

/// A line for logs and scripts; the page shows its own words for each reason.
fn ended_message(ending: Ending) -> &'static str {
    match ending {
        Ending::Completed => "The interview is complete.",
        Ending::Revoked => "This invitation was withdrawn.",
        Ending::Deleted => "This interview is no longer available.",
        Ending::Idle => "The session was paused after a period without answers.",
        Ending::EndedByCandidate => "You ended the interview.",
        Ending::Busy => "Every interviewer is busy; try again in a moment.",
        Ending::Error => "The session could not continue.",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_frames_are_refused_with_a_reason() {
        assert!(from_wire(Message::Text("{".into())).is_err());
        assert!(from_wire(Message::Text(r#"{"type":"nope"}"#.into())).is_err());
        assert!(from_wire(Message::Binary(vec![0_u8; 3].into())).is_err());
        assert!(from_wire(Message::Binary(vec![0_u8; MAX_AUDIO_BYTES + 2].into())).is_err());
        let long = format!(
            r#"{{"type":"text","text":"{}"}}"#,
            "a".repeat(MAX_TEXT_CHARS + 1)
        );
        assert!(from_wire(Message::Text(long.into())).is_err());
        assert_eq!(
            from_wire(Message::Binary(vec![1, 0, 2, 0].into())),
            Ok(Some(Input::Audio(vec![1, 2])))
        );
    }
}
