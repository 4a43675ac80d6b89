//! Issue 14's voice load: many voice sessions streaming real-time microphone audio at once,
//! with instant speech engines and the instant model.
//!
//! Every session opens the socket in voice mode and, from then until it leaves, sends one
//! 20 ms frame (640 bytes) every 20 ms of a monotonic clock (`tokio::time::interval`; a
//! frame that could not leave on time leaves as soon as it can, so none is skipped):
//! silence while it listens, the spoken answer ([`super::audio::Answer`]) when it answers.
//! It "plays" each agent utterance in real time — from its first audio byte for as long as
//! its audio lasts — then reports it `played`, waits 300 ms and answers, `answers` times;
//! then it leaves, once every session of the cell has given all of its answers.
//!
//! **Steady state, not a stampede.** Sessions open evenly spread over a window (20 ms a
//! session by default: 10 s for 500, about one answer cycle — a reply played, the answer,
//! the end-of-turn silence), and none answers before a window has passed since it opened.
//! So the turns fall at all phases of the cycle, as independent candidates' do (about 55 a
//! second at 500 sessions), every turn is taken with all sessions streaming, and
//! `--voice-spread-ms 2600` gives the old stampede, in which all 500 answer within 2.6 s.
//!
//! **End of turn → first agent audio byte.** The end of a turn is the moment the page sends
//! the frame during which the server's detector has heard its configured end-of-turn
//! silence (1 s) after the last voiced frame. The server's detector is deterministic, so it
//! can be run again on exactly what the session handed it: every session keeps a [`Log`] —
//! each frame it sent (when, and which: silence or which frame of the answer) and, between
//! them, each change of whether the agent is speaking (the barge-in gate), in the order the
//! server's detector sees them — and the stamped messages it received. After the cell, once
//! every session has left, [`Log::replay`] feeds a copy of the detector (`TurnDetector` with
//! the server's `VadConfig::default`) that sequence, which tells the frame that ended each
//! turn and how much audio the server handed to speech-to-text, and matches each turn end
//! with the first audio byte, caption and text token received after it. (Running that copy
//! live, in the sessions, cost the pages' process about 0.3 CPU at 500 sessions, on the two
//! CPUs the server runs on; the replay gives the same turns after the measurement. A replay
//! of one answer from a fresh detector, [`super::audio::Answer::turn_end`], is right for a
//! session's first answers but not after a longer history: the number of turns it misplaced
//! is reported as `replayDiffers`.) So the latency excludes the silence the detector waits
//! for by design and includes everything the server does after it: reading the frame,
//! detection, speech-to-text (instant), the caption, storing the answer, the model's turn
//! (instant, over loopback HTTP), splitting the first sentence, text-to-speech (instant) and
//! the first binary frame. The end of turn → caption and → first text token are kept too.
//!
//! **Frames dropped.** The server has no path that drops a frame: the socket's reader waits
//! for room in the session's 64-message queue, so a server that falls behind delays frames
//! (and TCP pushes the delay back to the page) rather than losing them. What is measured:
//! - frames lost: every caption must say the length the replayed detector handed over
//!   (`ScriptedStt::from_length`); a lost frame would change it;
//! - how far behind the session's own loop is: each second the page sends a second `hello`,
//!   which the session answers with an error *after* consuming every frame sent before it;
//!   the round trip is the session's lag (a probe later than 100 ms counts as late);
//! - frames the page could not send on time (more than one frame period late).

use super::audio::{Answer, FRAME, FRAME_SAMPLES, silence};
use super::mock::ACK;
use super::page::{Incoming, Page};
use anyhow::{Context, bail};
use interviewd_speech::testing::ScriptedStt;
use interviewd_speech::vad::{TurnDetector, VadConfig, VadEvent};
use serde_json::json;
use std::collections::VecDeque;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};
use tokio::time::{Instant as Deadline, MissedTickBehavior};

/// A frame of silence, as samples.
static SILENCE: [i16; FRAME_SAMPLES] = [0; FRAME_SAMPLES];
/// Time between an utterance finishing playing and the answer starting.
const REACTION: Duration = Duration::from_millis(300);
/// Longest wait for the server at any step.
const WAIT: Duration = Duration::from_secs(10);
/// A lag probe's period.
const PROBE_EVERY: Duration = Duration::from_secs(1);

/// What every session shares.
pub struct Shared {
    pub answer: Answer,
    /// Sessions streaming now.
    pub streaming: AtomicUsize,
    /// Sessions with answers left to give: a session that has given all of its answers
    /// keeps streaming silence until this is 0, so every turn is taken with all streaming.
    pub answering: AtomicUsize,
}

/// What one session (or all of them, merged) measured.
#[derive(Debug, Default)]
pub struct Outcome {
    /// End of turn → first agent audio byte.
    pub to_audio: Vec<Duration>,
    /// End of turn → the caption.
    pub to_caption: Vec<Duration>,
    /// End of turn → the first text token of the reply.
    pub to_text: Vec<Duration>,
    /// Sessions streaming at each end of turn.
    pub streaming_at_turns: Vec<usize>,
    /// Lag probes' round trips.
    pub probes: Vec<Duration>,
    pub frames_sent: u64,
    /// Frames sent more than one frame period after their time.
    pub frames_late: u64,
    pub max_lateness: Duration,
    /// Captions that did not say the expected length.
    pub captions_wrong: u64,
    /// A few of them: what was expected, what came.
    pub caption_samples: Vec<String>,
    pub fallbacks: u64,
    /// Measured turns whose reply came without audio (text-to-speech failed or was hushed).
    pub silent_replies: u64,
    /// Turns the replayed detector ended at another frame than a replay of the answer alone
    /// from a fresh detector ([`Answer::turn_end`]) predicted.
    pub replay_differs: u64,
    /// `played` reports the server did not answer with `listening` before the next answer
    /// began: it did not take them (a diagnostic; see `BENCHMARKS.md`).
    pub played_unanswered: u64,
    pub errors: Vec<String>,
}

impl Outcome {
    pub fn merge(&mut self, other: Outcome) {
        self.to_audio.extend(other.to_audio);
        self.to_caption.extend(other.to_caption);
        self.to_text.extend(other.to_text);
        self.streaming_at_turns.extend(other.streaming_at_turns);
        self.probes.extend(other.probes);
        self.frames_sent += other.frames_sent;
        self.frames_late += other.frames_late;
        self.max_lateness = self.max_lateness.max(other.max_lateness);
        self.captions_wrong += other.captions_wrong;
        self.caption_samples.extend(other.caption_samples);
        self.caption_samples.truncate(3);
        self.fallbacks += other.fallbacks;
        self.silent_replies += other.silent_replies;
        self.played_unanswered += other.played_unanswered;
        self.replay_differs += other.replay_differs;
        self.errors.extend(other.errors);
    }
}

/// Counts a session as streaming while it lives.
struct Streaming<'a>(&'a AtomicUsize);

impl<'a> Streaming<'a> {
    fn new(count: &'a AtomicUsize) -> Self {
        count.fetch_add(1, Ordering::Relaxed);
        Self(count)
    }
}

impl Drop for Streaming<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::Relaxed);
    }
}

/// Counts a session as answering until it has given its answers, or failed.
struct Answering<'a>(Option<&'a AtomicUsize>);

impl Answering<'_> {
    fn finish(&mut self) {
        if let Some(count) = self.0.take() {
            count.fetch_sub(1, Ordering::Relaxed);
        }
    }
}

impl Drop for Answering<'_> {
    fn drop(&mut self) {
        self.finish();
    }
}

/// What a session handed the server's detector and what it received, in order: what
/// [`Log::replay`] needs to find its turns after the cell.
#[derive(Debug, Default)]
pub struct Log {
    fed: Vec<Fed>,
    heard: Vec<(Instant, Heard)>,
}

/// One step of what the server's detector is given.
#[derive(Debug)]
enum Fed {
    /// A frame, sent at `at`: the answer's frame `answer`, or silence.
    Frame {
        at: Instant,
        answer: Option<usize>,
        /// Sessions streaming when it was sent.
        streaming: usize,
    },
    /// The answer starts with the next frame, `frames_before` frames into the session.
    Answer { frames_before: u64 },
    /// Agent audio began (`true`) or was reported played (`false`).
    AgentSpeaking(bool),
}

/// A received message the turns are measured by.
#[derive(Debug)]
enum Heard {
    Audio,
    Caption(String),
    Delta,
    /// The whole utterance: whether it is the model's acknowledgement (not a fallback).
    Said {
        model: bool,
    },
}

impl Log {
    /// Runs the server's detector again over what was sent and measures every turn it ends.
    pub fn replay(&self, answer: &Answer) -> Outcome {
        let mut outcome = Outcome::default();
        let mut detector = TurnDetector::new(&VadConfig::default());
        let mut predicted = None;
        let mut ends = Vec::new();
        for fed in &self.fed {
            match *fed {
                Fed::AgentSpeaking(speaking) => detector.set_agent_speaking(speaking),
                Fed::Answer { frames_before } => {
                    predicted = Some(answer.turn_end(frames_before).frame);
                }
                Fed::Frame {
                    at,
                    answer: frame,
                    streaming,
                } => {
                    let samples = frame.map_or(&SILENCE[..], |i| answer.samples[i].as_slice());
                    let heard = detector.push(samples).into_iter().find_map(|e| match e {
                        VadEvent::TurnEnded { audio } => Some(audio.len()),
                        _ => None,
                    });
                    if let Some(heard) = heard {
                        let index = frame.unwrap_or(answer.frames.len() - 1);
                        if predicted.take() != Some(index) {
                            outcome.replay_differs += 1;
                        }
                        outcome.streaming_at_turns.push(streaming);
                        ends.push((at, ScriptedStt::describe(heard)));
                    }
                }
            }
        }
        for (k, (end, expected)) in ends.iter().enumerate() {
            let until = ends.get(k + 1).map(|(at, _)| *at);
            self.measure(*end, until, expected, &mut outcome);
        }
        outcome
    }

    /// One turn, ended at `end`: what came after it, before the next turn's end.
    fn measure(&self, end: Instant, until: Option<Instant>, expected: &str, outcome: &mut Outcome) {
        let after: Vec<&(Instant, Heard)> = self
            .heard
            .iter()
            .filter(|(at, _)| *at >= end && until.is_none_or(|u| *at < u))
            .collect();
        let said = after.iter().find_map(|(at, h)| match h {
            Heard::Said { model } => Some((*at, *model)),
            _ => None,
        });
        let first = |wanted: fn(&Heard) -> bool| {
            after
                .iter()
                .find(|(at, h)| wanted(h) && said.is_none_or(|(s, _)| *at <= s))
                .map(|(at, h)| (at.duration_since(end), h))
        };
        match first(|h| matches!(h, Heard::Audio)) {
            Some((latency, _)) => outcome.to_audio.push(latency),
            None if said.is_some() => outcome.silent_replies += 1,
            None => {}
        }
        if let Some((latency, Heard::Caption(text))) = first(|h| matches!(h, Heard::Caption(_))) {
            outcome.to_caption.push(latency);
            if text != expected {
                outcome.captions_wrong += 1;
                if outcome.caption_samples.len() < 3 {
                    outcome
                        .caption_samples
                        .push(format!("expected {expected:?}, got {text:?}"));
                }
            }
        }
        if let Some((latency, _)) = first(|h| matches!(h, Heard::Delta)) {
            outcome.to_text.push(latency);
        }
        if said.is_some_and(|(_, model)| !model) {
            outcome.fallbacks += 1;
        }
    }
}

/// One voice session, started at `start`, which answers first no sooner than `hold` after
/// it: what it measured as it ran, and its log.
pub async fn session(
    base: String,
    token: String,
    shared: Arc<Shared>,
    answers: usize,
    start: Deadline,
    hold: Duration,
) -> (Outcome, Log) {
    let mut answering = Answering(Some(&shared.answering));
    tokio::time::sleep_until(start).await;
    let mut outcome = Outcome::default();
    let mut state = State::new(answers, Instant::now() + hold);
    if let Err(e) = run(
        &base,
        &token,
        &shared,
        &mut answering,
        &mut state,
        &mut outcome,
    )
    .await
    {
        outcome.errors.push(format!("{e:#}"));
    }
    (outcome, state.log)
}

async fn run(
    base: &str,
    token: &str,
    shared: &Shared,
    answering: &mut Answering<'_>,
    state: &mut State,
    outcome: &mut Outcome,
) -> anyhow::Result<()> {
    let mut page = Page::open(base, token).await?;
    page.send_json(&json!({"type": "hello", "mode": "voice"}))
        .await?;
    let opened = page
        .until(Deadline::now() + WAIT, "the session", |m| {
            m.kind() == Some("session")
        })
        .await?;
    if let Incoming::Message(m) = &opened.what
        && m["voice"] != true
    {
        bail!("the server offers no voice: {m}");
    }
    let _streaming = Streaming::new(&shared.streaming);
    let now = Deadline::now();
    let mut frames = tokio::time::interval_at(now, FRAME);
    frames.set_missed_tick_behavior(MissedTickBehavior::Burst);
    let mut probes = tokio::time::interval_at(now + PROBE_EVERY, PROBE_EVERY);
    probes.set_missed_tick_behavior(MissedTickBehavior::Delay);
    let mut stalled = Deadline::now() + WAIT;
    while !(state.done && shared.answering.load(Ordering::Relaxed) == 0) {
        tokio::select! {
            scheduled = frames.tick() => {
                let late = scheduled.elapsed();
                if late > FRAME {
                    outcome.frames_late += 1;
                }
                outcome.max_lateness = outcome.max_lateness.max(late);
                let frame = state.next_frame(&shared.answer, &shared.streaming, outcome);
                page.send_audio(frame).await?;
                outcome.frames_sent += 1;
                if let Some((id, ms)) = state.played_due() {
                    page.send_json(&json!({"type": "played", "id": id, "ms": ms})).await?;
                    stalled = Deadline::now() + WAIT;
                }
                if state.done {
                    // Waiting for the others, not for the server.
                    answering.finish();
                    stalled = Deadline::now() + WAIT;
                }
            }
            _ = probes.tick() => {
                state.probes.push_back(Instant::now());
                page.send_json(&json!({"type": "hello", "mode": "voice"})).await?;
            }
            event = page.events.recv() => {
                let event = event.context("the page's reader stopped")?;
                state.on_event(event, outcome)?;
                stalled = Deadline::now() + WAIT;
            }
            () = tokio::time::sleep_until(stalled) => bail!("nothing from the server for {WAIT:?}"),
        }
    }
    page.close().await;
    Ok(())
}

/// The agent utterance being received.
struct Utterance {
    id: u64,
    first_audio: Option<Instant>,
    bytes: usize,
}

/// Where a session stands.
struct State {
    answers_left: usize,
    /// Frames sent so far.
    sent: u64,
    /// The next answer frame, while answering.
    speaking: Option<usize>,
    answer_at: Option<Instant>,
    /// No answer starts before this.
    not_before: Instant,
    utterance: Option<Utterance>,
    /// When to report an utterance played: (when, id, ms).
    played: Option<(Instant, u64, u64)>,
    probes: VecDeque<Instant>,
    /// A `played` was sent and no `listening` has come since.
    awaiting_listening: bool,
    done: bool,
    log: Log,
}

impl State {
    fn new(answers: usize, not_before: Instant) -> Self {
        Self {
            answers_left: answers,
            sent: 0,
            speaking: None,
            answer_at: None,
            not_before,
            utterance: None,
            played: None,
            probes: VecDeque::new(),
            awaiting_listening: false,
            done: false,
            log: Log::default(),
        }
    }

    /// The frame to send now: the answer's next one, or silence; logged as sent now.
    fn next_frame(
        &mut self,
        answer: &Answer,
        streaming: &AtomicUsize,
        outcome: &mut Outcome,
    ) -> tokio_tungstenite::tungstenite::Bytes {
        let before = self.sent;
        self.sent += 1;
        if self.speaking.is_none() && self.answer_at.is_some_and(|at| at <= Instant::now()) {
            self.answer_at = None;
            self.speaking = Some(0);
            if std::mem::take(&mut self.awaiting_listening) {
                outcome.played_unanswered += 1;
            }
            self.log.fed.push(Fed::Answer {
                frames_before: before,
            });
        }
        let index = self.speaking;
        if let Some(i) = index {
            self.speaking = (i + 1 < answer.frames.len()).then_some(i + 1);
        }
        self.log.fed.push(Fed::Frame {
            at: Instant::now(),
            answer: index,
            streaming: streaming.load(Ordering::Relaxed),
        });
        index.map_or_else(silence, |i| answer.frames[i].clone())
    }

    /// The `played` report due now, if any; the next answer is scheduled after it.
    fn played_due(&mut self) -> Option<(u64, u64)> {
        let (at, id, ms) = self.played?;
        if at > Instant::now() {
            return None;
        }
        self.played = None;
        self.awaiting_listening = true;
        self.log.fed.push(Fed::AgentSpeaking(false));
        if self.answers_left == 0 {
            self.done = true;
        } else {
            self.answers_left -= 1;
            self.answer_at = Some((Instant::now() + REACTION).max(self.not_before));
        }
        Some((id, ms))
    }

    fn on_event(&mut self, event: super::page::Event, outcome: &mut Outcome) -> anyhow::Result<()> {
        let at = event.at;
        let message = match event.what {
            Incoming::Audio(bytes) => {
                self.log.fed.push(Fed::AgentSpeaking(true));
                self.log.heard.push((at, Heard::Audio));
                if let Some(u) = self.utterance.as_mut() {
                    u.first_audio.get_or_insert(at);
                    u.bytes += bytes;
                }
                return Ok(());
            }
            Incoming::Closed(why) => bail!("{why}"),
            Incoming::Message(message) => message,
        };
        match message["type"].as_str().unwrap_or_default() {
            "audio" if message["end"] != true => {
                self.utterance = Some(Utterance {
                    id: message["id"].as_u64().unwrap_or(0),
                    first_audio: None,
                    bytes: 0,
                });
            }
            "caption" => {
                let text = message["text"].as_str().unwrap_or_default().to_owned();
                self.log.heard.push((at, Heard::Caption(text)));
            }
            "agent" if message["delta"].is_string() => self.log.heard.push((at, Heard::Delta)),
            "agent" if message["final"] == true => self.said(&message, at),
            "state" if message["state"] == "listening" => self.awaiting_listening = false,
            "error" if message["code"] == "NOT_ALLOWED" => {
                if let Some(sent) = self.probes.pop_front() {
                    outcome.probes.push(at.duration_since(sent));
                }
            }
            "error" | "ended" | "clear" => bail!("the server sent {message}"),
            _ => {}
        }
        Ok(())
    }

    /// A whole utterance was said: it plays for as long as its audio, from its first byte.
    fn said(&mut self, message: &serde_json::Value, at: Instant) {
        let id = message["id"].as_u64().unwrap_or(0);
        let model = message["text"].as_str().is_some_and(|t| t.starts_with(ACK));
        self.log.heard.push((at, Heard::Said { model }));
        let (start, bytes) = match self.utterance.take() {
            Some(u) if u.id == id => (u.first_audio.unwrap_or_else(Instant::now), u.bytes),
            _ => (Instant::now(), 0),
        };
        // 16 kHz PCM16: 32 bytes a millisecond.
        let ms = (bytes / 32) as u64;
        self.played = Some((start + Duration::from_millis(ms), id, ms));
    }
}
