//! The fake carrier's side of a Media Streams socket
//! (<https://www.twilio.com/docs/voice/media-streams/websocket-messages>): after the signed
//! upgrade it sends `connected` and `start`, then one `media` frame of the caller's line
//! every 20 ms (an answer's μ-law audio, else silence), and plays what interviewd sends at
//! the line's rate — 160 bytes per frame period — echoing each `mark` when the audio before
//! it has played; `clear` empties the buffer and echoes the pending marks at once. The caller
//! answers when the agent has been quiet for a moment, or speaks over it (barge-in). `stop`
//! is sent when the call ends.

use super::call::{Ctx, Ending};
use super::{Caller, MediaLog};
use crate::media::wire as media_wire;
use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use std::collections::VecDeque;
use std::time::Duration;
use tokio::sync::watch;
use tokio::time::Instant;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

const FRAME: usize = 160;
const SILENCE: u8 = 0xFF;
/// A gap this long between frames starts a new stretch of speech.
const STRETCH_GAP: Duration = Duration::from_millis(200);
/// How much agent audio must be waiting before a barge-in starts.
const BARGE_IN_AFTER: usize = 8_000;

enum Play {
    Audio(usize),
    Mark(String),
}

/// The line: what plays to the caller, and what the caller says.
struct Line<'a> {
    caller: Option<&'a Caller>,
    stream_sid: String,
    playback: VecDeque<Play>,
    queued: usize,
    log: MediaLog,
    stretch: Option<(Instant, u64)>,
    last_arrival: Option<Instant>,
    window: VecDeque<Instant>,
    /// The agent turn of the marks pending at the last `clear`.
    cleared_turn: Option<String>,
    last_turn: Option<String>,
    speaking: Option<(Vec<u8>, usize)>,
    answered: usize,
    agent_turns: usize,
    agent_spoke: bool,
    quiet_since: Option<Instant>,
    barged: bool,
    sequence: u64,
    chunk: u64,
    out: Vec<String>,
}

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
            tracing::warn!(error = %e, "the fake media stream could not connect");
            return Ending::Dropped;
        }
    };
    let (mut sink, mut stream) = ws.split();
    let stream_sid = ctx.shared.sid("MZ");
    let connected = json!({"event": "connected", "protocol": "Call", "version": "1.0.0"});
    let start = json!({
        "event": "start",
        "sequenceNumber": "1",
        "start": {
            "accountSid": super::ACCOUNT_SID,
            "streamSid": stream_sid,
            "callSid": ctx.sid,
            "tracks": ["inbound"],
            "mediaFormat": {"encoding": "audio/x-mulaw", "sampleRate": 8000, "channels": 1},
            "customParameters": ctx.created.connect.parameters,
        },
        "streamSid": stream_sid,
    });
    for frame in [connected, start] {
        if sink.send(Message::text(frame.to_string())).await.is_err() {
            return Ending::Dropped;
        }
    }
    let every = caller.map_or(Duration::from_millis(20), |c| c.frame_every);
    let mut line = Line::new(caller, stream_sid);
    let mut tick = tokio::time::interval(every);
    let ending = loop {
        tokio::select! {
            _ = tick.tick() => {
                if !line.tick(every) {
                    break Ending::CallerHungUp;
                }
            }
            message = stream.next() => match message {
                Some(Ok(Message::Text(text))) => line.heard(text.as_str()),
                Some(Ok(Message::Close(_)) | Err(_)) | None => break Ending::Dropped,
                Some(Ok(_)) => {}
            },
            _ = hangup.changed() => break Ending::HungUp,
        }
        for frame in line.out.drain(..) {
            if sink.send(Message::text(frame)).await.is_err() {
                break;
            }
        }
    };
    if !matches!(ending, Ending::Dropped) {
        let stop = json!({
            "event": "stop",
            "sequenceNumber": (line.sequence + 1).to_string(),
            "stop": {"accountSid": super::ACCOUNT_SID, "callSid": ctx.sid},
            "streamSid": line.stream_sid,
        });
        let _ = sink.send(Message::text(stop.to_string())).await;
        let _ = sink.send(Message::Close(None)).await;
    }
    if let Some(call) = ctx.shared.state().calls.get_mut(&ctx.sid) {
        call.media = line.log.clone();
    }
    ending
}

impl<'a> Line<'a> {
    fn new(caller: Option<&'a Caller>, stream_sid: String) -> Self {
        Self {
            caller,
            stream_sid,
            playback: VecDeque::new(),
            queued: 0,
            log: MediaLog::default(),
            stretch: None,
            last_arrival: None,
            window: VecDeque::new(),
            cleared_turn: None,
            last_turn: None,
            speaking: None,
            answered: 0,
            agent_turns: 0,
            agent_spoke: false,
            quiet_since: None,
            barged: false,
            sequence: 1,
            chunk: 0,
            out: Vec::new(),
        }
    }

    /// One frame period: play 160 bytes to the caller, send 160 bytes of the caller's line.
    /// False when the caller hangs up.
    fn tick(&mut self, every: Duration) -> bool {
        self.play();
        if !self.decide() {
            return false;
        }
        let payload = match self.speaking.as_mut() {
            Some((audio, at)) => {
                let mut frame = [SILENCE; FRAME];
                let end = (*at + FRAME).min(audio.len());
                frame[..end - *at].copy_from_slice(&audio[*at..end]);
                *at = end;
                if end == audio.len() {
                    self.speaking = None;
                }
                frame
            }
            None => [SILENCE; FRAME],
        };
        self.sequence += 1;
        self.chunk += 1;
        let timestamp = u128::from(self.chunk - 1) * every.as_millis();
        let frame = json!({
            "event": "media",
            "sequenceNumber": self.sequence.to_string(),
            "media": {
                "track": "inbound",
                "chunk": self.chunk.to_string(),
                "timestamp": timestamp.to_string(),
                "payload": base64_of(&payload),
            },
            "streamSid": self.stream_sid,
        });
        self.out.push(frame.to_string());
        true
    }

    /// Plays one frame of queued agent audio and echoes the marks it reached.
    fn play(&mut self) {
        let mut budget = FRAME;
        while budget > 0 {
            match self.playback.front_mut() {
                Some(Play::Audio(left)) => {
                    let take = (*left).min(budget);
                    *left -= take;
                    budget -= take;
                    self.queued -= take;
                    if *left == 0 {
                        self.playback.pop_front();
                    }
                }
                Some(Play::Mark(_)) => self.echo_front_marks(),
                None => break,
            }
        }
        self.echo_front_marks();
        if self.playback.is_empty() && self.agent_spoke && self.quiet_since.is_none() {
            self.quiet_since = Some(Instant::now());
        }
    }

    fn echo_front_marks(&mut self) {
        while let Some(Play::Mark(_)) = self.playback.front() {
            if let Some(Play::Mark(name)) = self.playback.pop_front() {
                self.echo(&name);
            }
        }
    }

    fn echo(&mut self, name: &str) {
        self.sequence += 1;
        let mark = json!({
            "event": "mark",
            "sequenceNumber": self.sequence.to_string(),
            "streamSid": self.stream_sid,
            "mark": {"name": name},
        });
        self.out.push(mark.to_string());
    }

    /// Whether the caller starts an answer now; false when the caller hangs up.
    fn decide(&mut self) -> bool {
        let Some(caller) = self.caller else {
            return true;
        };
        if self.speaking.is_some() {
            return true;
        }
        let turn = self.agent_turns.checked_sub(1);
        let barge = caller.interrupt.is_some()
            && caller.interrupt == turn
            && !self.barged
            && self.queued >= BARGE_IN_AFTER;
        let quiet = self.agent_spoke
            && self.playback.is_empty()
            && self
                .quiet_since
                .is_some_and(|at| at.elapsed() >= caller.answer_delay);
        if !(barge || quiet) {
            return true;
        }
        if caller.hang_up_after == Some(self.answered) {
            return false;
        }
        let Some(answer) = caller.audio.get(self.answered) else {
            return true;
        };
        self.barged |= barge;
        self.speaking = Some((answer.clone(), 0));
        self.answered += 1;
        self.agent_spoke = false;
        self.quiet_since = None;
        true
    }

    /// A message from interviewd.
    fn heard(&mut self, text: &str) {
        let Ok(message) = serde_json::from_str::<Value>(text) else {
            return;
        };
        match message["event"].as_str() {
            Some("media") => {
                let payload = message["media"]["payload"].as_str().unwrap_or_default();
                let bytes = media_wire::decode_payload(payload).map_or(0, |b| b.len());
                self.arrived();
                if !self.agent_spoke {
                    self.agent_spoke = true;
                    self.agent_turns += 1;
                }
                self.quiet_since = None;
                self.playback.push_back(Play::Audio(bytes));
                self.queued += bytes;
            }
            Some("mark") => {
                let name = message["mark"]["name"]
                    .as_str()
                    .unwrap_or_default()
                    .to_owned();
                let turn = name.split_once('.').map(|(t, _)| t.to_owned());
                if turn.is_some() && turn == self.cleared_turn {
                    self.log.marks_after_clear.push(name.clone());
                }
                self.last_turn = turn;
                self.log.marks.push(name.clone());
                if self.playback.is_empty() {
                    self.echo(&name);
                } else {
                    self.playback.push_back(Play::Mark(name));
                }
            }
            Some("clear") => {
                self.log.clears += 1;
                self.cleared_turn = self.last_turn.clone();
                for play in std::mem::take(&mut self.playback) {
                    if let Play::Mark(name) = play {
                        self.echo(&name);
                    }
                }
                self.queued = 0;
            }
            _ => {}
        }
    }

    /// Times a frame's arrival against the 20 ms grid of its stretch of speech.
    fn arrived(&mut self) {
        let now = Instant::now();
        self.log.frames += 1;
        let continues = self
            .last_arrival
            .is_some_and(|last| now.duration_since(last) < STRETCH_GAP);
        let (start, index) = match self.stretch {
            Some((start, index)) if continues => (start, index + 1),
            _ => (now, 0),
        };
        self.stretch = Some((start, index));
        self.last_arrival = Some(now);
        let due = start + Duration::from_millis(20) * u32::try_from(index).unwrap_or(u32::MAX);
        let late = now.saturating_duration_since(due);
        if late > Duration::from_millis(20) {
            self.log.late_frames += 1;
        }
        self.log.max_lateness = self.log.max_lateness.max(late);
        self.window.push_back(now);
        while self
            .window
            .front()
            .is_some_and(|at| now.duration_since(*at) >= Duration::from_secs(1))
        {
            self.window.pop_front();
        }
        let in_window = u32::try_from(self.window.len()).unwrap_or(u32::MAX);
        self.log.max_frames_per_second = self.log.max_frames_per_second.max(in_window);
    }
}

fn base64_of(bytes: &[u8]) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(bytes)
}
