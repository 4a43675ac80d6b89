//! A ConversationRelay session: the carrier hears and speaks, interviewd converses in text.
//!
//! After `setup` the opening is sent as one `text` message. Each final `prompt` is the
//! candidate's turn: it goes to the interviewer ([`Dialogue::reply`]), whose words are
//! streamed back as `text` tokens as the model writes them, the last one held back and sent
//! with `last: true` ("Don't trim LLM tokens", so tokens go as they come). A prompt that
//! arrives while a reply is being written waits for it. `interrupt` (the candidate spoke over
//! the agent) stops the tokens of the turn being written and cuts the agent's turn in the
//! transcript to what the candidate heard (`utteranceUntilInterrupt`). Keys (`dtmf`) become a
//! keypad answer. After the closing, `end` is sent once the closing has had time to be
//! spoken; the carrier then ends the session and requests the `<Connect action>` URL, which
//! answers `<Hangup/>`.

pub mod wire;

use crate::session::{Keypad, SessionResult, Transcript, speaking_ms};
use crate::{Outbound, Socket};
use interviewd_voice::{AgentLine, Dialogue, Role};
use std::collections::VecDeque;
use std::time::Duration;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;
use wire::{Incoming, Outgoing};

/// The longest wait before `end`, however long the closing.
const MAX_END_DELAY: Duration = Duration::from_secs(20);
/// How long the carrier has to close the socket after `end`.
const CLOSE_WITHIN: Duration = Duration::from_secs(30);
/// What `end` hands over (returned in the action request's `HandoffData`).
const HANDOFF: &str = r#"{"reason":"interview-complete"}"#;

/// How a relay session is paced.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Pace {
    /// How long the carrier takes to say one character (the wait before `end`).
    pub per_char: Duration,
}

/// A reply being written.
struct Reply {
    task: JoinHandle<(Box<dyn Dialogue>, AgentLine)>,
    hush: CancellationToken,
    started_ms: u64,
    /// What the candidate heard before interrupting it.
    heard: Option<String>,
}

struct Relay {
    out: mpsc::Sender<Outbound>,
    transcript: Transcript,
    dialogue: Option<Box<dyn Dialogue>>,
    reply: Option<Reply>,
    pending: VecDeque<String>,
    keypad: Keypad,
    /// When to send `end` (the closing is being spoken).
    end_at: Option<Instant>,
    /// When to give up waiting for the carrier to close after `end`.
    close_by: Option<Instant>,
    pace: Pace,
}

/// Runs the session on `socket` (whose `setup` was read) until the carrier closes it or
/// `stop` fires.
pub(crate) async fn run(
    dialogue: Box<dyn Dialogue>,
    socket: Socket,
    answered: Instant,
    pace: Pace,
    stop: CancellationToken,
) -> SessionResult {
    let Socket {
        mut incoming,
        outgoing,
    } = socket;
    let mut relay = Relay {
        out: outgoing,
        transcript: Transcript::new(answered),
        dialogue: Some(dialogue),
        reply: None,
        pending: VecDeque::new(),
        keypad: Keypad::default(),
        end_at: None,
        close_by: None,
        pace,
    };
    relay.open().await;
    relay.serve(&mut incoming, &stop).await;
    if let Some(reply) = relay.reply.take() {
        reply.task.abort();
    }
    SessionResult {
        turns: relay.transcript.turns,
        recording: Vec::new(),
        closed: relay.close_by.is_some(),
    }
}

impl Relay {
    async fn send(&self, message: &Outgoing<'_>) {
        let _ = self.out.send(Outbound::Text(message.to_frame())).await;
    }

    async fn open(&mut self) {
        let Some(dialogue) = self.dialogue.as_mut() else {
            return;
        };
        let line = dialogue.opening().await;
        self.send(&Outgoing::Text {
            token: &line.text,
            last: true,
        })
        .await;
        self.transcript.agent_now(&line.text);
        if line.ends {
            self.closing(&line.text);
        }
    }

    async fn serve(&mut self, incoming: &mut mpsc::Receiver<String>, stop: &CancellationToken) {
        loop {
            let reply_done = async {
                match self.reply.as_mut() {
                    Some(reply) => Some((&mut reply.task).await),
                    None => std::future::pending().await,
                }
            };
            let keypad_due = sleep_until(self.keypad.due());
            let end_due = sleep_until(self.end_at);
            let close_due = sleep_until(self.close_by);
            tokio::select! {
                frame = incoming.recv() => match frame {
                    Some(frame) => self.on_frame(&frame).await,
                    // The carrier ended the session (after `end`, or the caller hung up).
                    None => return,
                },
                Some(done) = reply_done => {
                    let reply = self.reply.take();
                    match (done, reply) {
                        (Ok((dialogue, line)), Some(reply)) => self.replied(dialogue, line, reply).await,
                        _ => {
                            tracing::error!("a relay reply failed; the call is ended");
                            self.closing("");
                        }
                    }
                }
                () = keypad_due => {
                    if let Some(answer) = self.keypad.take() {
                        self.answer(answer).await;
                    }
                }
                () = end_due => {
                    self.end_at = None;
                    self.send(&Outgoing::End { handoff_data: HANDOFF }).await;
                    self.close_by = Some(Instant::now() + CLOSE_WITHIN);
                }
                () = close_due => return,
                () = stop.cancelled() => return,
            }
        }
    }

    async fn on_frame(&mut self, frame: &str) {
        match Incoming::parse(frame) {
            Some(Incoming::Prompt { voice_prompt, last }) => {
                if last != Some(false) && !voice_prompt.trim().is_empty() {
                    self.answer(voice_prompt).await;
                }
            }
            Some(Incoming::Interrupt {
                utterance_until_interrupt,
            }) => match self.reply.as_mut() {
                Some(reply) => {
                    reply.hush.cancel();
                    reply.heard = Some(utterance_until_interrupt);
                }
                None => self.transcript.cut_last_agent(&utterance_until_interrupt),
            },
            Some(Incoming::Dtmf { digit }) => {
                if let Some(answer) = self.keypad.press(&digit) {
                    self.answer(answer).await;
                }
            }
            Some(Incoming::Error { description }) => {
                tracing::warn!(description, "ConversationRelay reported an error");
            }
            Some(Incoming::Setup { .. }) => tracing::warn!("a second setup; ignored"),
            Some(Incoming::Other) => tracing::debug!("a relay message not used"),
            None => tracing::debug!("an unreadable relay frame"),
        }
    }

    /// The candidate's answer: replied to now, or after the reply being written.
    async fn answer(&mut self, text: String) {
        if self.end_at.is_some() || self.close_by.is_some() {
            return;
        }
        if self.reply.is_some() {
            self.pending.push_back(text);
            return;
        }
        let Some(dialogue) = self.dialogue.take() else {
            return;
        };
        self.transcript.candidate_now(&text);
        let hush = CancellationToken::new();
        let elapsed = self.transcript.elapsed();
        let task = tokio::spawn(reply(
            dialogue,
            text,
            elapsed,
            self.out.clone(),
            hush.clone(),
        ));
        self.reply = Some(Reply {
            task,
            hush,
            started_ms: self.transcript.now_ms(),
            heard: None,
        });
    }

    async fn replied(&mut self, dialogue: Box<dyn Dialogue>, line: AgentLine, reply: Reply) {
        self.dialogue = Some(dialogue);
        let said = reply
            .heard
            .filter(|h| !h.trim().is_empty())
            .unwrap_or(line.text.clone());
        let start = reply.started_ms;
        self.transcript
            .push(Role::Agent, &said, start, start + speaking_ms(&said));
        if line.ends {
            self.closing(&line.text);
        } else if let Some(next) = self.pending.pop_front() {
            Box::pin(self.answer(next)).await;
        }
    }

    /// The closing is being spoken: `end` follows once it has had time to be heard.
    fn closing(&mut self, text: &str) {
        let chars = u32::try_from(text.chars().count()).unwrap_or(u32::MAX);
        let wait = self.pace.per_char.saturating_mul(chars).min(MAX_END_DELAY);
        self.end_at = Some(Instant::now() + wait);
    }
}

async fn sleep_until(at: Option<Instant>) {
    match at {
        Some(at) => tokio::time::sleep_until(at).await,
        None => std::future::pending().await,
    }
}

/// Writes one reply and streams its tokens, the last with `last: true`; returns the
/// dialogue and the whole line.
async fn reply(
    mut dialogue: Box<dyn Dialogue>,
    answer: String,
    elapsed: Duration,
    out: mpsc::Sender<Outbound>,
    hush: CancellationToken,
) -> (Box<dyn Dialogue>, AgentLine) {
    let (sink, mut pieces) = mpsc::unbounded_channel::<String>();
    let send = |token: String, last: bool| {
        let out = out.clone();
        async move {
            let frame = Outgoing::Text {
                token: &token,
                last,
            }
            .to_frame();
            let _ = out.send(Outbound::Text(frame)).await;
        }
    };
    let forward = async {
        let mut held: Option<String> = None;
        let mut sent = String::new();
        while let Some(piece) = pieces.recv().await {
            if hush.is_cancelled() || piece.is_empty() {
                continue;
            }
            if let Some(previous) = held.replace(piece) {
                sent.push_str(&previous);
                send(previous, false).await;
            }
        }
        (held, sent)
    };
    let (line, (held, sent)) = tokio::join!(dialogue.reply(&answer, elapsed, sink), forward);
    if !hush.is_cancelled() {
        // The pieces should add up to the line; whatever they did not carry goes last.
        let so_far = format!("{sent}{}", held.as_deref().unwrap_or_default());
        let rest = line.text.strip_prefix(so_far.as_str()).unwrap_or_default();
        let last = match held {
            Some(held) => format!("{held}{rest}"),
            None if sent.is_empty() => line.text.clone(),
            None => rest.to_owned(),
        };
        send(last, true).await;
    }
    (dialogue, line)
}
