//! The fake carrier's side of a ConversationRelay socket: it does what the carrier does with
//! a caller on the line (<https://www.twilio.com/docs/voice/conversationrelay/websocket-messages>).
//! After the signed upgrade it sends `setup`; it adds up each agent turn's `text` tokens until
//! `last: true` ("plays" it), then sends the caller's answer as a final `prompt` (or presses
//! keys, or interrupts the turn: `interrupt` with the words heard, then the answer). `end`
//! ends the session.

use super::Caller;
use super::call::{Ctx, Ending};
use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use std::time::Duration;
use tokio::sync::watch;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

/// What the caller says once the script's answers are used up.
pub(super) const STOCK_ANSWER: &str = "That is all I can say about it.";

pub(super) async fn run(
    ctx: &Ctx,
    caller: Option<&Caller>,
    hangup: &mut watch::Receiver<Option<String>>,
) -> Ending {
    let Some(mut request) = ctx.created.connect.url.as_str().into_client_request().ok() else {
        return Ending::Dropped;
    };
    if let Ok(value) = ctx.upgrade_signature().parse() {
        request.headers_mut().insert("x-twilio-signature", value);
    }
    let ws = match tokio_tungstenite::connect_async(request).await {
        Ok((ws, _)) => ws,
        Err(e) => {
            tracing::warn!(error = %e, "the fake relay could not connect");
            return Ending::Dropped;
        }
    };
    let (mut sink, mut stream) = ws.split();
    let setup = json!({
        "type": "setup",
        "sessionId": "VX00000000000000000000000000000001",
        "accountSid": super::ACCOUNT_SID,
        "parentCallSid": "",
        "callSid": ctx.sid,
        "from": super::FROM,
        "to": ctx.to,
        "forwardedFrom": "",
        "callType": "PSTN",
        "callerName": "",
        "direction": "outbound-api",
        "callStatus": "IN-PROGRESS",
        "customParameters": ctx.created.connect.parameters,
    });
    if sink.send(Message::text(setup.to_string())).await.is_err() {
        return Ending::Dropped;
    }
    let mut talk = Talk {
        ctx,
        caller,
        current: String::new(),
        turn: 0,
        answered: 0,
    };
    loop {
        tokio::select! {
            message = stream.next() => {
                let text = match message {
                    Some(Ok(Message::Text(text))) => text,
                    Some(Ok(Message::Close(_)) | Err(_)) | None => return Ending::Dropped,
                    Some(Ok(_)) => continue,
                };
                let Ok(message) = serde_json::from_str::<Value>(text.as_str()) else {
                    continue;
                };
                match message["type"].as_str() {
                    Some("text") => {
                        talk.current.push_str(message["token"].as_str().unwrap_or_default());
                        if message["last"] == true {
                            match talk.turn_heard() {
                                Some(frames) => {
                                    // The caller takes a moment before answering.
                                    let pause = caller.map_or(Duration::ZERO, |c| c.answer_delay);
                                    tokio::time::sleep(pause).await;
                                    for frame in frames {
                                        if sink.send(Message::text(frame)).await.is_err() {
                                            return Ending::Dropped;
                                        }
                                    }
                                }
                                None => {
                                    let _ = sink.send(Message::Close(None)).await;
                                    return Ending::CallerHungUp;
                                }
                            }
                        }
                    }
                    Some("end") => {
                        if let Some(call) = ctx.shared.state().calls.get_mut(&ctx.sid) {
                            call.ended_by_agent = true;
                        }
                        let _ = sink.send(Message::Close(None)).await;
                        return Ending::AgentEnded(message["handoffData"].as_str().map(str::to_owned));
                    }
                    _ => {}
                }
            }
            _ = hangup.changed() => {
                let _ = sink.send(Message::Close(None)).await;
                return Ending::HungUp;
            }
        }
    }
}

struct Talk<'a> {
    ctx: &'a Ctx,
    caller: Option<&'a Caller>,
    current: String,
    turn: usize,
    answered: usize,
}

impl Talk<'_> {
    /// An agent turn was heard in full: the frames the caller answers with, or `None` when
    /// the caller hangs up now.
    fn turn_heard(&mut self) -> Option<Vec<String>> {
        let line = std::mem::take(&mut self.current);
        let turn = self.turn;
        self.turn += 1;
        let mut frames = Vec::new();
        let Some(caller) = self.caller else {
            self.record(line, None);
            return Some(frames);
        };
        if caller.hang_up_after == Some(self.answered) {
            self.record(line, None);
            return None;
        }
        if caller.interrupt == Some(turn) {
            let heard: Vec<&str> = line.split_whitespace().take(3).collect();
            frames.push(
                json!({"type": "interrupt", "utteranceUntilInterrupt": heard.join(" "), "durationUntilInterruptMs": 460})
                    .to_string(),
            );
        }
        let said = match &caller.keys {
            Some((at, keys)) if *at == turn => {
                for digit in keys.chars().chain(std::iter::once('#')) {
                    frames.push(json!({"type": "dtmf", "digit": digit.to_string()}).to_string());
                }
                format!("keys {keys}")
            }
            _ => {
                let answer = caller
                    .answers
                    .get(self.answered)
                    .cloned()
                    .unwrap_or_else(|| STOCK_ANSWER.to_owned());
                frames.push(
                    json!({"type": "prompt", "voicePrompt": answer, "lang": "en-US", "last": true})
                        .to_string(),
                );
                answer
            }
        };
        self.answered += 1;
        self.record(line, Some(said));
        Some(frames)
    }

    fn record(&self, line: String, said: Option<String>) {
        let mut state = self.ctx.shared.state();
        if let Some(call) = state.calls.get_mut(&self.ctx.sid) {
            call.agent_lines.push(line);
            call.said.extend(said);
        }
    }
}
